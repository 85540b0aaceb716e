package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

// What the template says about usage: the role of each Lambda function
// (and so its invocations), and what each log group and bucket is for.

// fnRole is what a Lambda function is for, as the template shows it.
type fnRole string

const (
	roleServer    fnRole = "Next.js server"
	roleImage     fnRole = "image optimizer"
	roleDeploy    fnRole = "custom resource (deploy time)"
	roleRotation  fnRole = "secret rotation"
	roleEdge      fnRole = "Lambda@Edge"
	roleScheduled fnRole = "scheduled"
	roleOther     fnRole = "other"
)

// fnUsage is the monthly usage of one function.
type fnUsage struct {
	role        fnRole
	invocations float64
	durationMs  float64
	why         []string
}

const bytesPerGB = 1 << 30

// prepare works out the usage of every function of the stack before the
// lines are priced (log groups need it too).
func (c *pricing) prepare() {
	c.fns = map[string]*fnUsage{}
	fns := c.stack.OfType("AWS::Lambda::Function")
	if len(fns) == 0 {
		return
	}
	deploy := c.deployFunctions()
	for _, f := range fns {
		u := &fnUsage{}
		var schedNotes []string
		sched := c.scheduledInvocations(f.LogicalID, &schedNotes)
		id := strings.ToLower(strings.Join([]string{f.LogicalID, f.Path(), f.String("FunctionName"), f.String("Description")}, " "))
		url := c.hasFunctionURL(f.LogicalID)
		// The image optimizer (OpenNext, cdk-nextjs) is named so and
		// usually has a function URL too.
		imageName := strings.Contains(id, "image") && (url || strings.Contains(id, "optim") || strings.Contains(id, "nextjsimage"))
		switch {
		case len(deploy[f.LogicalID]) > 0:
			u.role = roleDeploy
			u.invocations = c.a.Get("deploy.deploysPerMonth")
			u.durationMs = c.a.Get("lambda.deployDurationMs")
			u.why = append(u.why, fmt.Sprintf("service token of %s: at most one invocation per deployment", strings.Join(deploy[f.LogicalID], ", ")))
		case c.rotationsOf(f.LogicalID) > 0:
			u.role = roleRotation
			u.invocations = 4 * c.rotationsOf(f.LogicalID)
			u.durationMs = c.a.Get("lambda.durationMs")
			u.why = append(u.why, "rotation function of a rotation schedule: 4 steps per rotation")
		case c.isEdge(f):
			u.role = roleEdge
			u.invocations, u.why = c.edgeInvocations(f.LogicalID)
			u.durationMs = c.a.Get("edge.durationMs")
		case imageName:
			u.role = roleImage
			u.invocations = c.a.Get("web.imageRequestsPerMonth") + sched
			u.durationMs = c.a.Get("web.imageDurationMs")
			u.why = append(u.why, "named as the image optimizer")
		case url:
			u.role = roleServer
			u.invocations = c.a.Get("web.serverRequestsPerMonth") + sched
			u.durationMs = c.a.Get("web.serverDurationMs")
			u.why = append(u.why, "has a function URL (CloudFront's origin)")
		case sched > 0:
			u.role = roleScheduled
			u.invocations = sched
			u.durationMs = c.a.Get("lambda.durationMs")
		case strings.Contains(id, "server") || strings.Contains(id, "nextjs") || strings.Contains(id, "ssr"):
			u.role = roleServer
			u.invocations = c.a.Get("web.serverRequestsPerMonth")
			u.durationMs = c.a.Get("web.serverDurationMs")
			u.why = append(u.why, "named as the web server")
		default:
			u.role = roleOther
			u.invocations = c.a.Get("lambda.otherInvocationsPerMonth")
			u.durationMs = c.a.Get("lambda.durationMs")
		}
		if u.role != roleDeploy && u.role != roleEdge {
			u.why = append(u.why, schedNotes...)
		}
		c.fns[f.LogicalID] = u
	}
}

// lambdaFunction returns the function a logical ID names, or nil.
func (c *pricing) lambdaFunction(id string) *assembly.Resource {
	if r := c.stack.Template.Resources[id]; r != nil && r.Type == "AWS::Lambda::Function" {
		return r
	}
	return nil
}

// deployFunctions returns the functions that run custom resources, each
// with the custom resources that call it: those named by a ServiceToken,
// and the handlers a provider framework's function names in its
// environment.
func (c *pricing) deployFunctions() map[string][]string {
	out := map[string][]string{}
	for _, r := range c.stack.Resources() {
		if !strings.HasPrefix(r.Type, "Custom::") && r.Type != "AWS::CloudFormation::CustomResource" {
			continue
		}
		for _, ref := range assembly.Refs(r.Prop("ServiceToken")) {
			if c.lambdaFunction(ref.Target) != nil {
				out[ref.Target] = append(out[ref.Target], r.LogicalID)
			}
		}
	}
	for changed := true; changed; {
		changed = false
		var add []string
		for id := range out {
			for _, ref := range assembly.Refs(c.lambdaFunction(id).Prop("Environment")) {
				if c.lambdaFunction(ref.Target) != nil && out[ref.Target] == nil {
					add = append(add, ref.Target, id)
				}
			}
		}
		for i := 0; i < len(add); i += 2 {
			if out[add[i]] == nil {
				out[add[i]] = []string{"the provider " + add[i+1]}
				changed = true
			}
		}
	}
	for id := range out {
		sort.Strings(out[id])
	}
	return out
}

// rotationsPerMonth reads a rotation schedule's rules.
func rotationsPerMonth(rs *assembly.Resource) float64 {
	if expr := rs.String("RotationRules.ScheduleExpression"); expr != "" {
		if n, err := RunsPerMonth(expr); err == nil {
			return n
		}
	}
	if days, ok := rs.Number("RotationRules.AutomaticallyAfterDays"); ok && days > 0 {
		return daysPerMonth / days
	}
	return 0
}

// rotationsOf is how often a month rotation schedules run the function id.
func (c *pricing) rotationsOf(id string) float64 {
	var n float64
	for _, rs := range c.stack.OfType("AWS::SecretsManager::RotationSchedule") {
		if assembly.RefersTo(rs.Prop("RotationLambdaARN"), id) {
			n += rotationsPerMonth(rs)
		}
	}
	return n
}

// hostedRotations is how often a month the hosted rotation function of
// that name (created by Secrets Manager outside the template) runs.
func (c *pricing) hostedRotations(name string) (float64, bool) {
	var n float64
	found := false
	for _, rs := range c.stack.OfType("AWS::SecretsManager::RotationSchedule") {
		if rs.String("HostedRotationLambda.RotationLambdaName") == name {
			n += rotationsPerMonth(rs)
			found = true
		}
	}
	return n, found
}

func (c *pricing) hasFunctionURL(id string) bool {
	for _, u := range c.stack.OfType("AWS::Lambda::Url") {
		if assembly.RefersTo(u.Prop("TargetFunctionArn"), id) {
			return true
		}
	}
	return false
}

// edgeAssoc is a Lambda@Edge association of a distribution: its event
// type, what its behavior forwards to ("server", "image" or "static"), and
// where it is (stack/distribution).
type edgeAssoc struct {
	Event, Origin, Where string
}

// originKind says what a behavior of a distribution serves: the image
// optimizer (a path pattern with "image"), the static assets (an S3 bucket
// origin) or the server.
func originKind(s *assembly.Stack, d *assembly.Resource, b map[string]any) string {
	if p, _ := b["PathPattern"].(string); strings.Contains(strings.ToLower(p), "image") {
		return "image"
	}
	target, _ := b["TargetOriginId"].(string)
	origins, _ := d.Prop("DistributionConfig.Origins").([]any)
	for _, o := range origins {
		om, _ := o.(map[string]any)
		if om["Id"] != target {
			continue
		}
		if om["S3OriginConfig"] != nil {
			return "static"
		}
		for _, ref := range assembly.Refs(om["DomainName"]) {
			if r := s.Template.Resources[ref.Target]; r != nil && r.Type == "AWS::S3::Bucket" {
				return "static"
			}
		}
	}
	return "server"
}

// functionOf returns the function a logical ID names directly or through
// a version of it.
func functionOf(s *assembly.Stack, id string) string {
	if r := s.Template.Resources[id]; r != nil && r.Type == "AWS::Lambda::Version" {
		for _, ref := range assembly.Refs(r.Prop("FunctionName")) {
			return ref.Target
		}
	}
	return id
}

// eachEdgeAssociation calls f for every Lambda@Edge association of the
// stack's distributions.
func eachEdgeAssociation(s *assembly.Stack, f func(d *assembly.Resource, b map[string]any, arn any, a edgeAssoc)) {
	for _, d := range s.OfType("AWS::CloudFront::Distribution") {
		for _, b := range behaviors(d) {
			assocs, _ := b["LambdaFunctionAssociations"].([]any)
			for _, a := range assocs {
				am, _ := a.(map[string]any)
				ev, _ := am["EventType"].(string)
				f(d, b, am["LambdaFunctionARN"], edgeAssoc{Event: ev, Origin: originKind(s, d, b), Where: s.Name + "/" + d.LogicalID})
			}
		}
	}
}

// remoteEdgeAssociations finds the associations that name a function of
// another stack of the assembly through Fn::GetStackOutput (the companion
// stack in us-east-1 that holds Lambda@Edge functions): by stack name,
// then function logical ID.
func remoteEdgeAssociations(stacks []*assembly.Stack) map[string]map[string][]edgeAssoc {
	byName := map[string]*assembly.Stack{}
	for _, s := range stacks {
		byName[s.Name] = s
	}
	out := map[string]map[string][]edgeAssoc{}
	for _, s := range stacks {
		eachEdgeAssociation(s, func(d *assembly.Resource, b map[string]any, arn any, a edgeAssoc) {
			am, _ := arn.(map[string]any)
			gso, _ := am["Fn::GetStackOutput"].(map[string]any)
			name, _ := gso["StackName"].(string)
			output, _ := gso["OutputName"].(string)
			t := byName[name]
			if t == nil || t.Template.Outputs[output] == nil {
				return
			}
			for _, ref := range assembly.Refs(t.Template.Outputs[output].Value) {
				fn := functionOf(t, ref.Target)
				if out[name] == nil {
					out[name] = map[string][]edgeAssoc{}
				}
				out[name][fn] = append(out[name][fn], a)
			}
		})
	}
	return out
}

// edgeAssociations returns the Lambda@Edge associations of the function:
// those of the stack's own distributions (naming it or one of its
// versions) and those other stacks of the assembly make through their
// outputs.
func (c *pricing) edgeAssociations(id string) []edgeAssoc {
	var out []edgeAssoc
	eachEdgeAssociation(c.stack, func(d *assembly.Resource, b map[string]any, arn any, a edgeAssoc) {
		for _, ref := range assembly.Refs(arn) {
			if functionOf(c.stack, ref.Target) == id {
				out = append(out, a)
				return
			}
		}
	})
	return append(out, c.remoteEdges[id]...)
}

// isEdge: the function's role trusts edgelambda.amazonaws.com (required
// of Lambda@Edge; the function usually lives in a us-east-1 companion
// stack), or a distribution associates it.
func (c *pricing) isEdge(f *assembly.Resource) bool {
	if len(c.edgeAssociations(f.LogicalID)) > 0 {
		return true
	}
	for _, ref := range assembly.Refs(f.Prop("Role")) {
		if role := c.stack.Template.Resources[ref.Target]; role != nil && strings.Contains(fmt.Sprint(role.Prop("AssumeRolePolicyDocument")), "edgelambda.amazonaws.com") {
			return true
		}
	}
	return false
}

// edgeInvocations: a viewer trigger runs on every viewer request (an
// upper bound when only some behaviors use it), an origin trigger on the
// requests its behavior forwards to its origin: the server's requests, the
// image optimizer's, or the static assets' cache misses. With no
// association found, a viewer trigger is assumed. The traffic is that of
// this stack's assumptions: a companion stack named <name>-Production
// takes the Production section like the stack of its distribution.
func (c *pricing) edgeInvocations(id string) (float64, []string) {
	assocs := c.edgeAssociations(id)
	if len(assocs) == 0 {
		return c.a.Get("cdn.requestsPerMonth"), []string{"role trusts edgelambda.amazonaws.com; no distribution of the assembly associates it: assumed a viewer trigger, run on every viewer request (cdn.requestsPerMonth)"}
	}
	var n float64
	var why []string
	for _, a := range assocs {
		if !strings.HasPrefix(a.Event, "origin-") {
			n += c.a.Get("cdn.requestsPerMonth")
			why = append(why, fmt.Sprintf("%s trigger of %s: runs on every viewer request", a.Event, a.Where))
			continue
		}
		key := map[string]string{"server": "web.serverRequestsPerMonth", "image": "web.imageRequestsPerMonth", "static": "web.staticOriginGetsPerMonth"}[a.Origin]
		n += c.a.Get(key)
		why = append(why, fmt.Sprintf("%s trigger of %s on the %s behavior: runs on the requests it forwards (%s)", a.Event, a.Where, a.Origin, key))
	}
	return n, why
}

// scheduledInvocations counts how often rules and schedules of the stack
// invoke the resource id a month.
func (c *pricing) scheduledInvocations(id string, notes *[]string) float64 {
	var total float64
	for _, rule := range c.stack.OfType("AWS::Events::Rule") {
		expr := rule.String("ScheduleExpression")
		if expr == "" || (rule.String("State") != "" && rule.String("State") != "ENABLED") {
			continue
		}
		targets, _ := rule.Prop("Targets").([]any)
		for _, t := range targets {
			tm, _ := t.(map[string]any)
			if assembly.RefersTo(tm["Arn"], id) {
				n, err := RunsPerMonth(expr)
				if err != nil {
					*notes = append(*notes, fmt.Sprintf("schedule of %s: %v", rule.LogicalID, err))
					continue
				}
				*notes = append(*notes, fmt.Sprintf("invoked by %s on %s", rule.LogicalID, expr))
				total += n
			}
		}
	}
	for _, s := range c.stack.OfType("AWS::Scheduler::Schedule") {
		if assembly.RefersTo(s.Prop("Target.Arn"), id) && s.String("State") != "DISABLED" {
			n, err := RunsPerMonth(s.String("ScheduleExpression"))
			if err != nil {
				*notes = append(*notes, fmt.Sprintf("schedule of %s: %v", s.LogicalID, err))
				continue
			}
			*notes = append(*notes, fmt.Sprintf("invoked by %s on %s", s.LogicalID, s.String("ScheduleExpression")))
			total += n
		}
	}
	return total
}

// bytesPerInvocation is the log data a function writes per invocation.
func (c *pricing) bytesPerInvocation(u *fnUsage) float64 {
	if u.role == roleServer {
		return c.a.Get("logs.serverBytesPerRequest")
	}
	return c.a.Get("logs.lambdaBytesPerInvocation")
}

// logUse is what a log group receives a month.
type logUse struct {
	gb    float64
	what  string
	notes []string
}

// functionLog is the log of a function of the stack.
func (c *pricing) functionLog(id string) logUse {
	u := c.fns[id]
	b := c.bytesPerInvocation(u)
	return logUse{gb: u.invocations * b / bytesPerGB,
		what: fmt.Sprintf("log of %s (%s): %.0f invocations x %v bytes", id, u.role, u.invocations, b)}
}

// logGroupUsage classifies a log group by what the template says it is
// for (the flow log or function that writes to it, or its name) and sizes
// its monthly data from the assumption of that kind.
func (c *pricing) logGroupUsage(r *assembly.Resource) logUse {
	name := assembly.Render(r.Prop("LogGroupName"))
	for _, fl := range c.stack.OfType("AWS::EC2::FlowLog") {
		if assembly.RefersTo(fl.Prop("LogGroupName"), r.LogicalID) || (name != "" && fl.String("LogGroupName") == name) {
			if fl.String("TrafficType") == "REJECT" {
				return logUse{gb: c.a.Get("logs.flowLogRejectGBPerMonth"), what: "VPC flow log of " + fl.LogicalID + " (REJECT traffic only)"}
			}
			traffic := fl.String("TrafficType")
			if traffic == "" {
				traffic = "ALL"
			}
			return logUse{gb: c.a.Get("logs.flowLogAllGBPerMonth"), what: "VPC flow log of " + fl.LogicalID + " (" + traffic + " traffic)"}
		}
	}
	for _, f := range c.stack.OfType("AWS::Lambda::Function") {
		if assembly.RefersTo(f.Prop("LoggingConfig.LogGroup"), r.LogicalID) {
			return c.functionLog(f.LogicalID)
		}
	}
	switch {
	case strings.HasPrefix(name, "/aws/lambda/"):
		fn := strings.TrimPrefix(name, "/aws/lambda/")
		if strings.HasPrefix(fn, "${") && strings.HasSuffix(fn, "}") {
			if id := strings.TrimSuffix(strings.TrimPrefix(fn, "${"), "}"); c.fns[id] != nil {
				return c.functionLog(id)
			}
		}
		for _, f := range c.stack.OfType("AWS::Lambda::Function") {
			if f.String("FunctionName") == fn {
				return c.functionLog(f.LogicalID)
			}
		}
		if n, ok := c.hostedRotations(fn); ok {
			b := c.a.Get("logs.lambdaBytesPerInvocation")
			return logUse{gb: 4 * n * b / bytesPerGB,
				what: fmt.Sprintf("log of the hosted rotation function %s: %.2f rotations x 4 steps x %v bytes", fn, n, b)}
		}
		return logUse{gb: c.a.Get("logs.ingestGBPerLogGroup"), what: "log of function " + fn + " (not in this template): unrecognised, logs.ingestGBPerLogGroup"}
	case strings.HasPrefix(name, "/aws/rds/") && strings.HasSuffix(name, "/postgresql"):
		return logUse{gb: c.a.Get("logs.postgresqlGBPerMonth"), what: "PostgreSQL log exported by RDS"}
	case strings.HasPrefix(name, "/aws/rds/"):
		return logUse{gb: c.a.Get("logs.quietGBPerMonth"), what: "RDS log export that is almost always empty (" + name[strings.LastIndex(name, "/")+1:] + ")"}
	case name == "RDSOSMetrics":
		var gb float64
		for _, db := range c.stack.OfType("AWS::RDS::DBInstance") {
			gb += c.enhancedMonitoringGB(db)
		}
		return logUse{gb: gb, what: "Enhanced Monitoring of the stack's DB instances"}
	case strings.HasPrefix(name, "/aws/amplify/"):
		reqs, b := c.a.Get("hosting.ssrRequestsPerMonth"), c.a.Get("logs.serverBytesPerRequest")
		return logUse{gb: reqs * b / bytesPerGB, what: fmt.Sprintf("Amplify SSR log: %.0f requests x %v bytes", reqs, b)}
	}
	return logUse{gb: c.a.Get("logs.ingestGBPerLogGroup"), what: "purpose not recognised: logs.ingestGBPerLogGroup"}
}

// hasLogGroupFor reports whether the template holds the function's log group.
func (c *pricing) hasLogGroupFor(f *assembly.Resource) bool {
	if f.Prop("LoggingConfig.LogGroup") != nil {
		return true
	}
	for _, g := range c.stack.OfType("AWS::Logs::LogGroup") {
		name := assembly.Render(g.Prop("LogGroupName"))
		if name == "/aws/lambda/${"+f.LogicalID+"}" || (f.String("FunctionName") != "" && name == "/aws/lambda/"+f.String("FunctionName")) {
			return true
		}
	}
	return false
}

type bucketKind int

const (
	bucketUploads bucketKind = iota
	bucketCDNLogs
	bucketAccessLogs
	bucketStatic
)

// bucketKind says what a bucket is for.
func (c *pricing) bucketKind(b *assembly.Resource) (bucketKind, string) {
	for _, d := range c.stack.OfType("AWS::CloudFront::Distribution") {
		if assembly.RefersTo(d.Prop("DistributionConfig.Logging"), b.LogicalID) {
			return bucketCDNLogs, "logging bucket of " + d.LogicalID
		}
	}
	if b.String("AccessControl") == "LogDeliveryWrite" {
		return bucketAccessLogs, ""
	}
	for _, o := range c.stack.OfType("AWS::S3::Bucket") {
		if assembly.RefersTo(o.Prop("LoggingConfiguration.DestinationBucketName"), b.LogicalID) {
			return bucketAccessLogs, ""
		}
	}
	for _, p := range c.stack.OfType("AWS::S3::BucketPolicy") {
		if assembly.RefersTo(p.Prop("Bucket"), b.LogicalID) && strings.Contains(fmt.Sprint(p.Prop("PolicyDocument")), "logging.s3.amazonaws.com") {
			return bucketAccessLogs, ""
		}
	}
	for _, d := range c.stack.OfType("AWS::CloudFront::Distribution") {
		if assembly.RefersTo(d.Prop("DistributionConfig.Origins"), b.LogicalID) {
			return bucketStatic, "an origin of " + d.LogicalID
		}
	}
	for _, bd := range c.stack.OfType("Custom::CDKBucketDeployment") {
		if assembly.RefersTo(bd.Prop("DestinationBucketName"), b.LogicalID) {
			return bucketStatic, "the destination of " + bd.LogicalID
		}
	}
	return bucketUploads, ""
}

// behaviors returns a distribution's default and other cache behaviors.
func behaviors(d *assembly.Resource) []map[string]any {
	var out []map[string]any
	if b, ok := d.Prop("DistributionConfig.DefaultCacheBehavior").(map[string]any); ok {
		out = append(out, b)
	}
	if bs, ok := d.Prop("DistributionConfig.CacheBehaviors").([]any); ok {
		for _, b := range bs {
			if bm, ok := b.(map[string]any); ok {
				out = append(out, bm)
			}
		}
	}
	return out
}
