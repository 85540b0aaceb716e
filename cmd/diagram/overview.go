package main

// The overview: one picture of the environments a person takes in at a
// glance (docs/architecture-overview.dot), next to the full resource graph
// of each stack. Every box is found in the templates, by resource type and
// by what refers to what (the distribution's origins and behaviours, the
// functions' subnets and security groups, the route tables' default
// routes, the schedules' targets, the alarms' actions), with the construct
// path naming it; a piece a template lacks is not drawn. The environment
// stacks (those with a CloudFront distribution or a database) are drawn
// together: what differs between them is labelled with the environment,
// and what only some have says so.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

// OverviewFile is the overview's DOT file.
const OverviewFile = "architecture-overview.dot"

// Node kinds of the overview.
const (
	kindActor = "actor" // someone or something outside AWS (ellipse)
	kindBox   = "box"   // a resource (rounded box)
)

// OvNode is a box of the overview.
type OvNode struct {
	ID string
	// Cluster is where the box is drawn: "" (top level), "edge" (the
	// us-east-1 companion stack), "vpc" or "vpc/<subnet group>".
	Cluster string
	Kind    string
	Fill    string
	Title   string
	Lines   []string
	// Sources are the resources ("Stack/LogicalID") the box stands for
	// (the SVG shows them as its tooltip).
	Sources []string
}

// OvEdge is an arrow of the overview.
type OvEdge struct {
	From, To string
	Lines    []string
	// Style: "" (requests and data), "edge" (attached at CloudFront's
	// edge), "ops" (schedules and alerts).
	Style string
	// FromCluster draws the arrow from the border of a cluster (all of its
	// functions) rather than from the From box.
	FromCluster string
}

// EnvView is what the overview finds in one environment stack.
type EnvView struct {
	Env   string
	Stack *assembly.Stack
	// EdgeStack is the companion stack CloudFront reads outputs of (nil if
	// none or not in the assembly).
	EdgeStack *assembly.Stack
	Nodes     []*OvNode
	Edges     []*OvEdge
	// Clusters are the titles and lines of the clusters used.
	Clusters map[string][]string
	// Notes are said under the picture (a template CloudFormation refuses).
	Notes []string
}

func (v *EnvView) node(id string) *OvNode {
	for _, n := range v.Nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

func (v *EnvView) add(n *OvNode) *OvNode {
	if old := v.node(n.ID); old != nil {
		return old
	}
	v.Nodes = append(v.Nodes, n)
	return n
}

func (v *EnvView) link(e *OvEdge) {
	if v.node(e.From) == nil || v.node(e.To) == nil {
		return
	}
	for _, old := range v.Edges {
		if e.FromCluster != "" && old.FromCluster == e.FromCluster && old.To == e.To {
			return // one arrow for the whole cluster
		}
		if old.From == e.From && old.To == e.To {
			for _, l := range e.Lines {
				if !slices.Contains(old.Lines, l) {
					old.Lines = append(old.Lines, l)
				}
			}
			return
		}
	}
	v.Edges = append(v.Edges, e)
}

func src(s *assembly.Stack, r *assembly.Resource) string { return s.Name + "/" + r.LogicalID }

// targets returns the resources of the stack that v refers to, in order,
// each once.
func targets(s *assembly.Stack, v any) []*assembly.Resource {
	var out []*assembly.Resource
	for _, ref := range assembly.Refs(v) {
		r := s.Template.Resources[ref.Target]
		if r != nil && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func targetOf(s *assembly.Stack, v any, typ string) *assembly.Resource {
	for _, r := range targets(s, v) {
		if r.Type == typ {
			return r
		}
	}
	return nil
}

// words turns a construct name into words: "ServerFunction" → "Server
// function", "AlertTopic" → "Alert topic".
func words(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rs[i-1]) {
			b.WriteRune(' ')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func ownName(r *assembly.Resource) string {
	_, n := r.ConstructPath()
	return n
}

// wrap breaks text into lines of at most width characters (at spaces).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	// Split at plain spaces only: no-break spaces keep words together.
	for _, w := range strings.Split(text, " ") {
		if w == "" {
			continue
		}
		if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// envName is the environment of a stack: the part of its name after the
// last "-", in lower case ("MedBookingsInfraStack-Staging" → "staging").
func envName(s *assembly.Stack) string {
	if i := strings.LastIndex(s.Name, "-"); i >= 0 && i < len(s.Name)-1 {
		return strings.ToLower(s.Name[i+1:])
	}
	return s.Name
}

var parenthesis = regexp.MustCompile(`\s*\([^)]*\)`)

// purpose is what a function's description says it does, without the
// environment's and the project's names (its Project tag) nor asides:
// "MedBookings staging: the Next.js server (OpenNext)" → "the Next.js
// server".
func purpose(r *assembly.Resource, env string) string {
	d := r.String("Description")
	if i := strings.Index(d, ": "); i >= 0 && strings.Contains(strings.ToLower(d[:i]), env) {
		d = d[i+2:]
	}
	d = parenthesis.ReplaceAllString(d, "")
	drop := []string{" " + env, " " + strings.ToUpper(env[:1]) + env[1:]}
	if p := r.Tag("Project"); p != "" {
		drop = append(drop, " "+p)
	}
	for _, w := range drop {
		d = strings.ReplaceAll(d, w, "")
	}
	return strings.TrimSpace(d)
}

// nbsp keeps a schedule expression on one line of a label.
func nbsp(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }

// statements returns the Allow statements of the policies attached to a
// role (IAM::Policy and IAM::ManagedPolicy naming it, and managed policies
// of the stack in its ManagedPolicyArns).
func statements(s *assembly.Stack, role *assembly.Resource) []map[string]any {
	if role == nil {
		return nil
	}
	var policies []*assembly.Resource
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, p := range s.OfType(typ) {
			if assembly.RefersTo(p.Prop("Roles"), role.LogicalID) {
				policies = append(policies, p)
			}
		}
	}
	for _, p := range targets(s, role.Prop("ManagedPolicyArns")) {
		if !slices.Contains(policies, p) {
			policies = append(policies, p)
		}
	}
	var out []map[string]any
	for _, p := range policies {
		stmts, _ := p.Prop("PolicyDocument.Statement").([]any)
		for _, st := range stmts {
			if m, _ := st.(map[string]any); m != nil && m["Effect"] == "Allow" {
				out = append(out, m)
			}
		}
	}
	return out
}

// s3Access says what a role may do to a bucket: "read", "read/write" or
// "" (nothing), with the key prefix when the policy names one.
func s3Access(s *assembly.Stack, role, bucket *assembly.Resource) string {
	read, write := false, false
	var prefixes []string
	for _, st := range statements(s, role) {
		if !assembly.RefersTo(st["Resource"], bucket.LogicalID) {
			continue
		}
		for _, a := range stringsOf(st["Action"]) {
			switch {
			case !strings.HasPrefix(a, "s3:"):
			case strings.HasPrefix(a, "s3:Get") || strings.HasPrefix(a, "s3:List"):
				read = true
			default:
				write = true
			}
		}
		// "${Bucket.Arn}/_cache/*": the prefix the role is kept to.
		res, _ := st["Resource"].([]any)
		if res == nil {
			res = []any{st["Resource"]}
		}
		for _, r := range res {
			text := assembly.Render(r)
			if _, after, ok := strings.Cut(text, "}/"); ok && after != "*" && strings.HasSuffix(after, "*") {
				prefixes = append(prefixes, after)
			}
		}
	}
	out := ""
	switch {
	case read && write:
		out = "read/write"
	case read:
		out = "read"
	case write:
		out = "write"
	}
	if out != "" && len(prefixes) > 0 {
		out += " " + strings.Join(prefixes, ", ")
	}
	return out
}

// subnetGroup is the name of a subnet's group from its construct path:
// ".../Vpc/AppSubnet1/Subnet" → "App".
func subnetGroup(r *assembly.Resource) string {
	groups, _ := r.ConstructPath()
	if len(groups) == 0 {
		return ""
	}
	g := strings.TrimRightFunc(groups[len(groups)-1], unicode.IsDigit)
	if t := strings.TrimSuffix(g, "Subnet"); t != "" {
		g = t
	}
	return g
}

// subnetCluster places resources in the subnets v refers to: "vpc/<group>"
// when they are of one group, "vpc" when of several, "" when none.
func subnetCluster(s *assembly.Stack, v any) (cluster string, subnets []*assembly.Resource) {
	groups := map[string]bool{}
	for _, r := range targets(s, v) {
		if r.Type == "AWS::EC2::Subnet" {
			subnets = append(subnets, r)
			groups[subnetGroup(r)] = true
		}
	}
	switch len(groups) {
	case 0:
		return "", nil
	case 1:
		for g := range groups {
			if g != "" {
				return "vpc/" + g, subnets
			}
		}
	}
	return "vpc", subnets
}

// defaultRoute returns the 0.0.0.0/0 route of a subnet's route table.
func defaultRoute(s *assembly.Stack, subnet *assembly.Resource) *assembly.Resource {
	for _, a := range s.OfType("AWS::EC2::SubnetRouteTableAssociation") {
		if !assembly.RefersTo(a.Prop("SubnetId"), subnet.LogicalID) {
			continue
		}
		for _, rt := range targets(s, a.Prop("RouteTableId")) {
			for _, route := range s.OfType("AWS::EC2::Route") {
				if route.String("DestinationCidrBlock") == "0.0.0.0/0" && assembly.RefersTo(route.Prop("RouteTableId"), rt.LogicalID) {
					return route
				}
			}
		}
	}
	return nil
}

// routeTables returns the route tables of subnets.
func routeTables(s *assembly.Stack, subnets []*assembly.Resource) []string {
	var out []string
	for _, sn := range subnets {
		for _, a := range s.OfType("AWS::EC2::SubnetRouteTableAssociation") {
			if assembly.RefersTo(a.Prop("SubnetId"), sn.LogicalID) {
				for _, rt := range targets(s, a.Prop("RouteTableId")) {
					out = append(out, rt.LogicalID)
				}
			}
		}
	}
	return out
}

// gatewayEndpoint reports whether the route tables have a gateway
// endpoint to the service ("s3").
func gatewayEndpoint(s *assembly.Stack, tables []string, service string) bool {
	for _, e := range s.OfType("AWS::EC2::VPCEndpoint") {
		if e.String("VpcEndpointType") != "Gateway" || !strings.HasSuffix(assembly.Render(e.Prop("ServiceName")), "."+service) {
			continue
		}
		for _, t := range tables {
			if assembly.RefersTo(e.Prop("RouteTableIds"), t) {
				return true
			}
		}
	}
	return false
}

// interfaceEndpoint reports whether the stack has an interface endpoint to
// the service ("secretsmanager").
func interfaceEndpoint(s *assembly.Stack, service string) bool {
	for _, e := range s.OfType("AWS::EC2::VPCEndpoint") {
		if e.String("VpcEndpointType") != "Gateway" && strings.HasSuffix(assembly.Render(e.Prop("ServiceName")), "."+service) {
			return true
		}
	}
	return false
}

// providerNames spells the services whose keys an operator fills in.
var providerNames = map[string]string{"SENDGRID": "SendGrid", "OPENAI": "OpenAI", "GITHUB": "GitHub"}

// providers returns the outside services a secret holds keys of: the keys
// of its template left empty for an operator ("TWILIO_AUTH_TOKEN": "" →
// Twilio), not the generated one.
func providers(secret *assembly.Resource) []string {
	raw, ok := secret.Prop("GenerateSecretString.SecretStringTemplate").(string)
	if !ok {
		return nil
	}
	var keys map[string]any
	if json.Unmarshal([]byte(raw), &keys) != nil {
		return nil
	}
	generated := secret.String("GenerateSecretString.GenerateStringKey")
	var out []string
	for k, v := range keys {
		if k == generated || v != "" {
			continue
		}
		p, _, _ := strings.Cut(k, "_")
		name := providerNames[p]
		if name == "" {
			name = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// secretsOf returns the secrets a function's environment names (directly
// or through a secret target attachment).
func secretsOf(s *assembly.Stack, fn *assembly.Resource) []*assembly.Resource {
	var out []*assembly.Resource
	for _, r := range targets(s, fn.Prop("Environment")) {
		if r.Type == "AWS::SecretsManager::SecretTargetAttachment" {
			r = targetOf(s, r.Prop("SecretId"), "AWS::SecretsManager::Secret")
		}
		if r != nil && r.Type == "AWS::SecretsManager::Secret" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// functionOf follows a Lambda version or URL to its function.
func functionOf(s *assembly.Stack, r *assembly.Resource) *assembly.Resource {
	switch r.Type {
	case "AWS::Lambda::Version":
		return targetOf(s, r.Prop("FunctionName"), "AWS::Lambda::Function")
	case "AWS::Lambda::Url":
		return targetOf(s, r.Prop("TargetFunctionArn"), "AWS::Lambda::Function")
	case "AWS::Lambda::Function":
		return r
	}
	return nil
}

// resolve finds the resources a value names: in the stack itself, or in
// another stack of the assembly through Fn::GetStackOutput.
func resolve(asm *assembly.Assembly, s *assembly.Stack, v any) (*assembly.Stack, []*assembly.Resource) {
	if rs := targets(s, v); len(rs) > 0 {
		return s, rs
	}
	for _, ref := range assembly.StackOutputRefs(v) {
		if other, _, rs := asm.ResolveOutput(ref); other != nil {
			return other, rs
		}
	}
	return nil, nil
}

func behaviors(d *assembly.Resource) []map[string]any {
	var out []map[string]any
	if b, ok := d.Prop("DistributionConfig.DefaultCacheBehavior").(map[string]any); ok {
		out = append(out, b)
	}
	list, _ := d.Prop("DistributionConfig.CacheBehaviors").([]any)
	for _, b := range list {
		if m, ok := b.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func pattern(b map[string]any) string {
	if p, ok := b["PathPattern"].(string); ok {
		return p
	}
	return "default *"
}

// View finds the overview's pieces in one environment stack; nil when the
// stack has neither a CloudFront distribution nor a database.
func View(asm *assembly.Assembly, s *assembly.Stack) *EnvView {
	dists := s.OfType("AWS::CloudFront::Distribution")
	dbs := s.OfType("AWS::RDS::DBInstance")
	if len(dists) == 0 && len(dbs) == 0 {
		return nil
	}
	v := &EnvView{Env: envName(s), Stack: s, Clusters: map[string][]string{}}
	// Functions drawn, by logical ID → node ID.
	fnNode := map[string]string{}
	addFunction := func(fn *assembly.Resource) *OvNode {
		cluster, _ := subnetCluster(s, fn.Prop("VpcConfig.SubnetIds"))
		lines := wrap(purpose(fn, v.Env), 30)
		if rt := fn.String("Runtime"); rt != "" {
			mem := ""
			if m, ok := fn.Number("MemorySize"); ok {
				mem = fmt.Sprintf(", %g MB", m)
			}
			lines = append(lines, rt+mem)
		}
		id := "fn:" + ownName(fn)
		fnNode[fn.LogicalID] = id
		return v.add(&OvNode{ID: id, Cluster: cluster, Kind: kindBox, Fill: colors["Lambda"],
			Title: "Lambda: " + words(ownName(fn)), Lines: lines, Sources: []string{src(s, fn)}})
	}
	bucketNode := func(b *assembly.Resource) *OvNode {
		var lines []string
		if b.String("VersioningConfiguration.Status") == "Enabled" {
			lines = append(lines, "versioned")
		}
		if rules, _ := b.Prop("BucketEncryption.ServerSideEncryptionConfiguration").([]any); len(rules) > 0 {
			m, _ := rules[0].(map[string]any)
			if d, _ := m["ServerSideEncryptionByDefault"].(map[string]any); d != nil && d["SSEAlgorithm"] == "aws:kms" {
				lines = append(lines, "SSE-KMS")
			}
		}
		return v.add(&OvNode{ID: "bucket:" + ownName(b), Kind: kindBox, Fill: colors["S3"],
			Title: "S3: " + words(ownName(b)) + " bucket", Lines: []string{strings.Join(lines, ", ")}, Sources: []string{src(s, b)}})
	}

	var cdn *assembly.Resource
	var aliases []string
	if len(dists) > 0 {
		cdn = dists[0]
		aliases = stringsOf(cdn.Prop("DistributionConfig.Aliases"))
		v.add(&OvNode{ID: "visitor", Kind: kindActor, Title: "Visitor", Lines: []string{"browser"}})
		var lines []string
		lines = append(lines, strings.Join(stringsOf(cdn.Prop("DistributionConfig.Aliases")), ", "))
		fns := map[string]bool{}
		for _, b := range behaviors(cdn) {
			fas, _ := b["FunctionAssociations"].([]any)
			for _, fa := range fas {
				m, _ := fa.(map[string]any)
				for _, f := range targets(s, m["FunctionARN"]) {
					if f.Type == "AWS::CloudFront::Function" {
						fns[fmt.Sprint(m["EventType"])] = true
					}
				}
			}
		}
		for _, e := range slices.Sorted(maps.Keys(fns)) {
			lines = append(lines, "CloudFront Function on "+e)
		}
		v.add(&OvNode{ID: "cdn", Kind: kindBox, Fill: colors["CloudFront"], Title: "CloudFront",
			Lines: lines, Sources: []string{src(s, cdn)}})
		v.link(&OvEdge{From: "visitor", To: "cdn", Lines: []string{"HTTPS"}})

		// The certificate and the Lambda@Edge functions: here, or in the
		// companion stack whose outputs the distribution reads.
		place := func(other *assembly.Stack) string {
			if other == s {
				return ""
			}
			v.EdgeStack = other
			region := ""
			for _, ref := range s.StackOutputReferences(cdn.LogicalID) {
				if ref.Stack == other.Name {
					region = ref.Region
				}
			}
			title := "another stack"
			if region != "" {
				title = region + " stack"
			}
			v.Clusters["edge"] = []string{title, other.Name}
			return "edge"
		}
		if other, rs := resolve(asm, s, cdn.Prop("DistributionConfig.ViewerCertificate.AcmCertificateArn")); other != nil {
			for _, c := range rs {
				if c.Type != "AWS::CertificateManager::Certificate" {
					continue
				}
				names := append([]string{c.String("DomainName")}, stringsOf(c.Prop("SubjectAlternativeNames"))...)
				lines := []string{strings.Join(names, ", ")}
				if m := c.String("ValidationMethod"); m != "" {
					lines = append(lines, "validated by "+m)
				}
				v.add(&OvNode{ID: "cert", Cluster: place(other), Kind: kindBox, Fill: colors["CertificateManager"],
					Title: "ACM certificate", Lines: lines, Sources: []string{src(other, c)}})
				v.link(&OvEdge{From: "cdn", To: "cert", Lines: []string{"TLS"}, Style: "edge"})
			}
		}
		for _, b := range behaviors(cdn) {
			las, _ := b["LambdaFunctionAssociations"].([]any)
			for _, la := range las {
				m, _ := la.(map[string]any)
				other, rs := resolve(asm, s, m["LambdaFunctionARN"])
				for _, r := range rs {
					fn := functionOf(other, r)
					if fn == nil {
						continue
					}
					event := fmt.Sprint(m["EventType"])
					if m["IncludeBody"] == true {
						event += " with body"
					}
					v.add(&OvNode{ID: "edgefn:" + ownName(fn), Cluster: place(other), Kind: kindBox, Fill: colors["Lambda"],
						Title: "Lambda@Edge: " + words(ownName(fn)), Lines: []string{event}, Sources: []string{src(other, fn)}})
					v.link(&OvEdge{From: "cdn", To: "edgefn:" + ownName(fn), Lines: []string{event}, Style: "edge"})
				}
			}
		}

		// Origins: functions (through their URLs) and buckets, with the
		// path patterns CloudFront sends them.
		origins, _ := cdn.Prop("DistributionConfig.Origins").([]any)
		for _, o := range origins {
			om, _ := o.(map[string]any)
			var patterns []string
			for _, b := range behaviors(cdn) {
				if b["TargetOriginId"] == om["Id"] {
					patterns = append(patterns, pattern(b))
				}
			}
			if len(patterns) == 0 {
				continue
			}
			lines := wrap(strings.Join(patterns, ", "), 28)
			for _, r := range targets(s, om["DomainName"]) {
				switch r.Type {
				case "AWS::Lambda::Url":
					if fn := functionOf(s, r); fn != nil {
						n := addFunction(fn)
						url := "function URL"
						if r.String("AuthType") == "AWS_IAM" && om["OriginAccessControlId"] != nil {
							url += ", signed by CloudFront (OAC)"
						}
						if !slices.Contains(n.Lines, url) {
							n.Lines = append(n.Lines, url)
						}
						v.link(&OvEdge{From: "cdn", To: n.ID, Lines: lines})
					}
				case "AWS::S3::Bucket":
					n := bucketNode(r)
					v.link(&OvEdge{From: "cdn", To: n.ID, Lines: lines})
				}
			}
		}
	}

	// The scheduled jobs: schedules calling functions, or the database.
	schedules := s.OfType("AWS::Scheduler::Schedule")
	if len(schedules) > 0 {
		v.add(&OvNode{ID: "scheduler", Kind: kindBox, Fill: colors["Scheduler"], Title: "EventBridge Scheduler",
			Lines: []string{fmt.Sprintf("%d schedules", len(schedules))}})
	}
	var jobFns []*assembly.Resource
	for _, sc := range schedules {
		sched := v.node("scheduler")
		sched.Sources = append(sched.Sources, src(s, sc))
		if fn := targetOf(s, sc.Prop("Target.Arn"), "AWS::Lambda::Function"); fn != nil {
			n := addFunction(fn)
			if !slices.Contains(jobFns, fn) {
				jobFns = append(jobFns, fn)
			}
			what := words(strings.TrimSuffix(ownName(sc), "Schedule"))
			var input map[string]any
			if json.Unmarshal([]byte(sc.String("Target.Input")), &input) == nil {
				if p, ok := input["path"].(string); ok {
					what = p
				}
			}
			v.link(&OvEdge{From: "scheduler", To: n.ID, Lines: []string{what + " " + nbsp(sc.String("ScheduleExpression"))}, Style: "ops"})
		}
	}

	// The database, in its subnet group's subnets.
	var db *assembly.Resource
	if len(dbs) > 0 {
		db = dbs[0]
		cluster := ""
		if g := targetOf(s, db.Prop("DBSubnetGroupName"), "AWS::RDS::DBSubnetGroup"); g != nil {
			cluster, _ = subnetCluster(s, g.Prop("SubnetIds"))
		}
		engine := db.String("Engine")
		switch {
		case strings.HasPrefix(engine, "postgres"):
			engine = "PostgreSQL"
		case strings.HasPrefix(engine, "mysql"):
			engine = "MySQL"
		}
		az := "single-AZ"
		if db.Bool("MultiAZ") {
			az = "Multi-AZ"
		}
		v.add(&OvNode{ID: "db", Cluster: cluster, Kind: kindBox, Fill: colors["RDS"],
			Title: strings.TrimSpace("RDS " + engine + " " + db.String("EngineVersion")),
			Lines: []string{db.String("DBInstanceClass") + ", " + az}, Sources: []string{src(s, db)}})
		// Schedules that start and stop it (EventBridge Scheduler's
		// universal target for the RDS API).
		for _, sc := range schedules {
			arn := sc.String("Target.Arn")
			action, ok := strings.CutPrefix(arn, "arn:aws:scheduler:::aws-sdk:rds:")
			if !ok || !strings.Contains(sc.String("Target.Input"), db.String("DBInstanceIdentifier")) {
				continue
			}
			v.link(&OvEdge{From: "scheduler", To: "db", Lines: []string{action + " " + nbsp(sc.String("ScheduleExpression"))}, Style: "ops"})
		}
	}

	// What the functions drawn reach: the database through its security
	// group, buckets through their roles' policies, the internet through
	// the NAT of their subnets' default route.
	var dbGroups []string
	if db != nil {
		for _, sg := range targets(s, db.Prop("VPCSecurityGroups")) {
			dbGroups = append(dbGroups, sg.LogicalID)
		}
	}
	allowedToDB := func(fn *assembly.Resource) string {
		for _, sg := range targets(s, fn.Prop("VpcConfig.SecurityGroupIds")) {
			for _, in := range s.OfType("AWS::EC2::SecurityGroupIngress") {
				if !assembly.RefersTo(in.Prop("SourceSecurityGroupId"), sg.LogicalID) {
					continue
				}
				for _, g := range dbGroups {
					if assembly.RefersTo(in.Prop("GroupId"), g) {
						port, _ := in.Number("FromPort")
						return fmt.Sprintf("port %g", port)
					}
				}
			}
		}
		return ""
	}
	var fns []*assembly.Resource
	for _, id := range s.IDs() {
		if _, ok := fnNode[id]; ok {
			fns = append(fns, s.Template.Resources[id])
		}
	}
	var natUsers []*assembly.Resource
	var secretsRead []*assembly.Resource
	for _, fn := range fns {
		from := fnNode[fn.LogicalID]
		if port := allowedToDB(fn); port != "" && db != nil {
			v.link(&OvEdge{From: from, To: "db", Lines: []string{"PostgreSQL, " + port}})
		}
		_, subnets := subnetCluster(s, fn.Prop("VpcConfig.SubnetIds"))
		viaEndpoint := gatewayEndpoint(s, routeTables(s, subnets), "s3")
		role := targetOf(s, fn.Prop("Role"), "AWS::IAM::Role")
		for _, b := range s.OfType("AWS::S3::Bucket") {
			access := s3Access(s, role, b)
			if access == "" {
				continue
			}
			n := bucketNode(b)
			lines := []string{access}
			if viaEndpoint {
				lines = append(lines, "S3 gateway endpoint")
			}
			v.link(&OvEdge{From: from, To: n.ID, Lines: lines})
		}
		for _, sn := range subnets {
			if defaultRoute(s, sn) != nil && !slices.Contains(natUsers, fn) {
				natUsers = append(natUsers, fn)
			}
		}
		for _, sec := range secretsOf(s, fn) {
			if !slices.Contains(secretsRead, sec) {
				secretsRead = append(secretsRead, sec)
			}
		}
	}

	// The browser's own access to a bucket (CORS from the site, public
	// access blocked: presigned URLs).
	for _, b := range s.OfType("AWS::S3::Bucket") {
		if !hasCORS(b) || v.node("visitor") == nil {
			continue
		}
		rules, _ := b.Prop("CorsConfiguration.CorsRules").([]any)
		var methods []string
		for _, r := range rules {
			m, _ := r.(map[string]any)
			for _, x := range stringsOf(m["AllowedMethods"]) {
				if !slices.Contains(methods, x) {
					methods = append(methods, x)
				}
			}
		}
		how := "CORS"
		if b.Bool("PublicAccessBlockConfiguration.RestrictPublicBuckets") {
			how = "presigned URLs (CORS)"
		}
		n := bucketNode(b)
		v.link(&OvEdge{From: "visitor", To: n.ID, Lines: []string{strings.Join(methods, "/") + " with " + how}})
	}

	// The NAT of the functions' subnets, and the internet beyond it.
	for _, fn := range natUsers {
		_, subnets := subnetCluster(s, fn.Prop("VpcConfig.SubnetIds"))
		for _, sn := range subnets {
			route := defaultRoute(s, sn)
			if route == nil {
				continue
			}
			var nat *OvNode
			if gw := targetOf(s, route.Prop("NatGatewayId"), "AWS::EC2::NatGateway"); gw != nil {
				line := "NAT gateway"
				if targetOf(s, gw.Prop("AllocationId"), "AWS::EC2::EIP") != nil {
					line += " + Elastic IP"
				}
				cluster, _ := subnetCluster(s, gw.Prop("SubnetId"))
				nat = v.add(&OvNode{ID: "nat", Cluster: cluster, Kind: kindBox, Fill: colors["EC2"], Title: "NAT", Lines: []string{line}})
				if !slices.Contains(nat.Sources, src(s, gw)) {
					nat.Sources = append(nat.Sources, src(s, gw))
				}
			} else if in := targetOf(s, route.Prop("InstanceId"), "AWS::EC2::Instance"); in != nil {
				cluster, _ := subnetCluster(s, in.Prop("NetworkInterfaces"))
				if cluster == "" {
					cluster, _ = subnetCluster(s, in.Prop("SubnetId"))
				}
				nat = v.add(&OvNode{ID: "nat", Cluster: cluster, Kind: kindBox, Fill: colors["EC2"], Title: "NAT",
					Lines: []string{strings.TrimSpace("NAT instance " + in.String("InstanceType"))}})
				if !slices.Contains(nat.Sources, src(s, in)) {
					nat.Sources = append(nat.Sources, src(s, in))
				}
			}
			if nat == nil {
				continue
			}
			fromCluster, _ := subnetCluster(s, fn.Prop("VpcConfig.SubnetIds"))
			v.link(&OvEdge{From: fnNode[fn.LogicalID], To: "nat", Lines: []string{"0.0.0.0/0"}, FromCluster: fromCluster})
		}
	}
	if nat := v.node("nat"); nat != nil {
		var lines []string
		var names []string
		for _, sec := range secretsRead {
			for _, p := range providers(sec) {
				if !slices.Contains(names, p) {
					names = append(names, p)
				}
			}
		}
		sort.Strings(names)
		if len(names) > 0 {
			lines = append(lines, wrap(strings.Join(names, ", "), 28)...)
		}
		if len(secretsRead) > 0 && !interfaceEndpoint(s, "secretsmanager") {
			lines = append(lines, "AWS APIs: Secrets Manager")
		}
		v.add(&OvNode{ID: "internet", Kind: kindActor, Title: "Internet", Lines: lines})
		v.link(&OvEdge{From: "nat", To: "internet", Lines: []string{"internet gateway"}})
	}

	// Jobs call the site: a URL in their environment on the distribution's
	// names (through the NAT, being in the VPC).
	for _, fn := range jobFns {
		vars, _ := fn.Prop("Environment.Variables").(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(vars)) {
			val, _ := vars[name].(string)
			u, err := url.Parse(val)
			if err != nil || u.Scheme != "https" || !slices.Contains(aliases, u.Hostname()) {
				continue
			}
			line := "HTTPS " + name
			if slices.Contains(natUsers, fn) {
				line += ", via NAT"
			}
			v.link(&OvEdge{From: fnNode[fn.LogicalID], To: "cdn", Lines: []string{line}, Style: "ops"})
		}
	}

	// Alarms (and event rules) → the topic they notify → its e-mail.
	alarms := s.OfType("AWS::CloudWatch::Alarm")
	topicCount := map[string]int{}
	for _, a := range alarms {
		for _, t := range targets(s, a.Prop("AlarmActions")) {
			if t.Type == "AWS::SNS::Topic" {
				topicCount[t.LogicalID]++
			}
		}
	}
	if len(topicCount) > 0 {
		topicID := ""
		for _, id := range slices.Sorted(maps.Keys(topicCount)) {
			if topicID == "" || topicCount[id] > topicCount[topicID] {
				topicID = id
			}
		}
		topic := s.Template.Resources[topicID]
		var sources []string
		for _, a := range alarms {
			sources = append(sources, src(s, a))
		}
		lines := []string{fmt.Sprintf("%d alarms", len(alarms))}
		var eventSources []string
		for _, r := range s.OfType("AWS::Events::Rule") {
			notifies := false
			ts, _ := r.Prop("Targets").([]any)
			for _, t := range ts {
				m, _ := t.(map[string]any)
				notifies = notifies || assembly.RefersTo(m["Arn"], topicID)
			}
			if !notifies {
				continue
			}
			sources = append(sources, src(s, r))
			for _, e := range stringsOf(r.Prop("EventPattern.source")) {
				if !slices.Contains(eventSources, e) {
					eventSources = append(eventSources, e)
				}
			}
		}
		if len(eventSources) > 0 {
			sort.Strings(eventSources)
			lines = append(lines, "+ events of "+strings.Join(eventSources, ", "))
		}
		v.add(&OvNode{ID: "alarms", Kind: kindBox, Fill: colors["CloudWatch"], Title: "CloudWatch alarms", Lines: lines, Sources: sources})
		var topicLines []string
		if topic.Prop("KmsMasterKeyId") != nil {
			topicLines = append(topicLines, "KMS-encrypted")
		}
		v.add(&OvNode{ID: "topic", Kind: kindBox, Fill: colors["SNS"], Title: "SNS: " + words(ownName(topic)),
			Lines: topicLines, Sources: []string{src(s, topic)}})
		v.link(&OvEdge{From: "alarms", To: "topic", Lines: []string{"notify"}, Style: "ops"})
		var emails []string
		var subs []string
		for _, sub := range s.OfType("AWS::SNS::Subscription") {
			if sub.String("Protocol") == "email" && assembly.RefersTo(sub.Prop("TopicArn"), topicID) {
				emails = append(emails, sub.String("Endpoint"))
				subs = append(subs, src(s, sub))
			}
		}
		if len(emails) > 0 {
			v.add(&OvNode{ID: "email", Kind: kindActor, Title: "E-mail", Lines: emails, Sources: subs})
			v.link(&OvEdge{From: "topic", To: "email", Lines: []string{"email"}, Style: "ops"})
		}
	}

	// Clusters: the VPC and its subnet groups.
	for _, n := range v.Nodes {
		if !strings.HasPrefix(n.Cluster, "vpc") {
			continue
		}
		if _, ok := v.Clusters["vpc"]; !ok {
			title := []string{"VPC"}
			for _, vpc := range s.OfType("AWS::EC2::VPC") {
				title = []string{"VPC " + vpc.String("CidrBlock")}
			}
			v.Clusters["vpc"] = title
		}
		if g, ok := strings.CutPrefix(n.Cluster, "vpc/"); ok {
			if _, done := v.Clusters[n.Cluster]; !done {
				count := 0
				for _, sn := range s.OfType("AWS::EC2::Subnet") {
					if subnetGroup(sn) == g {
						count++
					}
				}
				v.Clusters[n.Cluster] = []string{fmt.Sprintf("%s subnets ×%d", g, count)}
			}
		}
	}

	// A template CloudFormation refuses says so.
	for _, name := range s.RuleNames() {
		for _, a := range s.Template.Rules[name].Assertions {
			if ok, known := assembly.EvalCondition(a.Assert); known && !ok && s.Template.Rules[name].RuleCondition == nil {
				first, _, _ := strings.Cut(a.AssertDescription, ". ")
				v.Notes = append(v.Notes, fmt.Sprintf("%s: CloudFormation refuses this template (rule %s): %s.", s.Name, name, strings.TrimSuffix(first, ".")))
			}
		}
	}
	return v
}

func hasCORS(b *assembly.Resource) bool {
	rules, _ := b.Prop("CorsConfiguration.CorsRules").([]any)
	return len(rules) > 0
}

// Overview is the picture of all the environments of an assembly.
type Overview struct {
	Envs []*EnvView
}

// BuildOverview finds the environments of an assembly; nil if none.
func BuildOverview(asm *assembly.Assembly) *Overview {
	ov := &Overview{}
	for _, s := range asm.Stacks {
		if v := View(asm, s); v != nil {
			ov.Envs = append(ov.Envs, v)
		}
	}
	if len(ov.Envs) == 0 {
		return nil
	}
	return ov
}

// merge makes one label of what the environments say of a box or an
// arrow: what all of them say once, the rest prefixed with the
// environment, and "(env only)" when not all have it. per maps an
// environment to its title and lines (absent: the environment lacks it).
func (ov *Overview) merge(per map[string][]string) []string {
	var present []string
	for _, v := range ov.Envs {
		if _, ok := per[v.Env]; ok {
			present = append(present, v.Env)
		}
	}
	if len(present) == 0 {
		return nil
	}
	if len(ov.Envs) == 1 {
		return per[present[0]]
	}
	in := func(l string, env string) bool { return slices.Contains(per[env], l) }
	var out, common []string
	for _, l := range per[present[0]] {
		all := true
		for _, e := range present[1:] {
			all = all && in(l, e)
		}
		if all && l != "" && !slices.Contains(common, l) {
			common = append(common, l)
		}
	}
	out = append(out, common...)
	for _, e := range present {
		var rest []string
		for _, l := range per[e] {
			if l != "" && !slices.Contains(common, l) {
				rest = append(rest, l)
			}
		}
		if len(rest) > 0 {
			out = append(out, e+": "+strings.Join(rest, ", "))
		}
	}
	if len(present) < len(ov.Envs) {
		out = append(out, "("+strings.Join(present, ", ")+" only)")
	}
	return out
}

// DOT renders the overview.
func (ov *Overview) DOT() string {
	type merged struct {
		node    *OvNode
		title   map[string][]string
		lines   map[string][]string
		sources []string
	}
	var order []string
	nodes := map[string]*merged{}
	for _, v := range ov.Envs {
		for _, n := range v.Nodes {
			m := nodes[n.ID]
			if m == nil {
				m = &merged{node: n, title: map[string][]string{}, lines: map[string][]string{}}
				nodes[n.ID] = m
				order = append(order, n.ID)
			}
			m.title[v.Env] = []string{n.Title}
			m.lines[v.Env] = n.Lines
			m.sources = append(m.sources, n.Sources...)
		}
	}
	label := func(m *merged) string {
		title := ov.merge(m.title)
		// The lines, with the "(env only)" of the title not repeated.
		lines := ov.merge(m.lines)
		if len(lines) > 0 && strings.HasSuffix(lines[len(lines)-1], " only)") && len(title) > 0 && title[len(title)-1] == lines[len(lines)-1] {
			lines = lines[:len(lines)-1]
		}
		if len(title) > 1 && strings.HasSuffix(title[len(title)-1], " only)") {
			lines = append(lines, title[len(title)-1])
			title = title[:len(title)-1]
		}
		out := slices.Clone(title)
		for _, l := range lines {
			out = append(out, wrap(l, 40)...)
		}
		return strings.Join(out, "\n")
	}

	// Clusters.
	clusterLines := map[string]map[string][]string{}
	var clusterKeys []string
	for _, v := range ov.Envs {
		for k, ls := range v.Clusters {
			if clusterLines[k] == nil {
				clusterLines[k] = map[string][]string{}
				clusterKeys = append(clusterKeys, k)
			}
			clusterLines[k][v.Env] = ls
		}
	}
	sort.Strings(clusterKeys)

	var body strings.Builder
	fmt.Fprintln(&body, `  node [fontname="Helvetica", fontsize=10];`)
	fmt.Fprintln(&body, `  edge [fontname="Helvetica", fontsize=8, color="#555555", fontcolor="#333333"];`)
	writeNode := func(indent string, m *merged) {
		n := m.node
		attrs := []string{"label=" + quote(label(m))}
		if n.Kind == kindActor {
			attrs = append(attrs, "shape=ellipse", `style="filled"`, `fillcolor="#ffffff"`)
		} else {
			fill := n.Fill
			if fill == "" {
				fill = "#ffffff"
			}
			attrs = append(attrs, "shape=box", `style="rounded,filled"`, "fillcolor="+quote(fill))
		}
		if len(m.sources) > 0 {
			attrs = append(attrs, "tooltip="+quote(strings.Join(m.sources, "\n")))
		}
		fmt.Fprintf(&body, "%s%s [%s];\n", indent, quote(n.ID), strings.Join(attrs, ", "))
	}
	inCluster := func(c string) []*merged {
		var out []*merged
		for _, id := range order {
			if nodes[id].node.Cluster == c {
				out = append(out, nodes[id])
			}
		}
		return out
	}
	clusterLabel := func(k string) string {
		return strings.Join(ov.merge(clusterLines[k]), "\n")
	}
	for _, m := range inCluster("") {
		writeNode("  ", m)
	}
	for _, k := range clusterKeys {
		if strings.Contains(k, "/") {
			continue
		}
		fmt.Fprintf(&body, "  subgraph %s {\n", quote("cluster_"+k))
		style := `style="rounded"; color="#888888"; labelloc=b;`
		if k == "edge" {
			style = `style="rounded,dashed"; color="#1565c0";`
		}
		fmt.Fprintf(&body, "    label=%s; %s\n", quote(clusterLabel(k)), style)
		for _, m := range inCluster(k) {
			writeNode("    ", m)
		}
		for _, sub := range clusterKeys {
			if !strings.HasPrefix(sub, k+"/") {
				continue
			}
			fmt.Fprintf(&body, "    subgraph %s {\n", quote("cluster_"+sub))
			fmt.Fprintf(&body, "      label=%s; style=\"rounded,filled\"; fillcolor=\"#f5f5f5\"; color=\"#aaaaaa\";\n", quote(clusterLabel(sub)))
			for _, m := range inCluster(sub) {
				writeNode("      ", m)
			}
			fmt.Fprintln(&body, "    }")
		}
		fmt.Fprintln(&body, "  }")
	}

	// Edges.
	type key struct{ from, to string }
	var edgeOrder []key
	edges := map[key]*OvEdge{}
	edgeLines := map[key]map[string][]string{}
	for _, v := range ov.Envs {
		for _, e := range v.Edges {
			k := key{e.From, e.To}
			if edges[k] == nil {
				edges[k] = e
				edgeLines[k] = map[string][]string{}
				edgeOrder = append(edgeOrder, k)
			}
			edgeLines[k][v.Env] = e.Lines
		}
	}
	for _, k := range edgeOrder {
		e := edges[k]
		var lines []string
		for _, l := range ov.merge(edgeLines[k]) {
			lines = append(lines, wrap(l, 36)...)
		}
		attrs := []string{"label=" + quote(strings.Join(lines, "\n"))}
		switch e.Style {
		case "edge":
			attrs = append(attrs, "style=dashed", `color="#1565c0"`, `fontcolor="#1565c0"`)
		case "ops":
			attrs = append(attrs, `color="#7b1fa2"`, `fontcolor="#7b1fa2"`)
		default:
			attrs = append(attrs, "penwidth=1.4")
		}
		if e.FromCluster != "" {
			if _, ok := clusterLines[e.FromCluster]; ok {
				attrs = append(attrs, "ltail="+quote("cluster_"+e.FromCluster))
			}
		}
		fmt.Fprintf(&body, "  %s -> %s [%s];\n", quote(e.From), quote(e.To), strings.Join(attrs, ", "))
	}

	// Title and notes.
	var envs []string
	for _, v := range ov.Envs {
		stacks := v.Stack.Name
		if v.EdgeStack != nil {
			stacks += " + " + v.EdgeStack.Name
		}
		envs = append(envs, v.Env+" ("+stacks+")")
	}
	title := "At a glance: " + strings.Join(envs, ", ")
	title += "\nboxes and arrows found in the templates; blue dashed: at CloudFront's edge; purple: schedules and alerts; hover a box for its resources"
	for _, v := range ov.Envs {
		for _, n := range v.Notes {
			title += "\n" + strings.Join(wrap(n, 140), "\n")
		}
	}
	fmt.Fprintf(&body, "  label=%s;\n  labelloc=t;\n  fontsize=12;\n", quote(title))
	sum := sha256.Sum256([]byte(body.String()))
	hash := hex.EncodeToString(sum[:8])

	var b strings.Builder
	fmt.Fprintln(&b, "// Generated by cmd/diagram from the templates of the environment stacks: do not edit, run scripts/docs.sh.")
	fmt.Fprintln(&b, `digraph "overview" {`)
	fmt.Fprintf(&b, "  graph [rankdir=LR, compound=true, newrank=true, nodesep=0.3, ranksep=0.6, fontname=\"Helvetica\", fontsize=11, comment=%s];\n", quote("dot-sha256:"+hash))
	b.WriteString(body.String())
	b.WriteString("}\n")
	return b.String()
}
