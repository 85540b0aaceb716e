package main

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

// Status says how a resource was priced.
type Status string

const (
	// Priced resources have a monthly figure computed from the price table.
	Priced Status = "priced"
	// Free resources cost nothing by themselves.
	Free Status = "free"
	// NotPriced resources (or parts of them) the estimator cannot price;
	// the stack's total is then a lower bound.
	NotPriced Status = "not priced"
)

// Item is one priced quantity of a resource.
type Item struct {
	What     string  `json:"what"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	Rate     float64 `json:"rateUSD"`
	USD      float64 `json:"usd"`
}

// Line is the estimate of one resource.
type Line struct {
	LogicalID string   `json:"logicalId"`
	Type      string   `json:"type"`
	Path      string   `json:"path,omitempty"`
	Status    Status   `json:"status"`
	USD       float64  `json:"usd"`
	Items     []Item   `json:"items,omitempty"`
	Notes     []string `json:"notes,omitempty"`
}

// StackEstimate is the estimate of one stack.
type StackEstimate struct {
	Stack       string   `json:"stack"`
	USD         float64  `json:"usd"`
	NotPriced   int      `json:"notPriced"`
	Lines       []Line   `json:"resources"`
	Assumptions []Value  `json:"assumptions"`
	Notes       []string `json:"notes,omitempty"`
}

// Estimate is the estimate of an assembly.
type Estimate struct {
	Region     string          `json:"region"`
	PricesAsOf string          `json:"pricesAsOf"`
	USD        float64         `json:"usd"`
	Stacks     []StackEstimate `json:"stacks"`
}

// Options drive an estimate.
type Options struct {
	File *File
	Sets []Setting
}

// EstimateAssembly estimates every stack of asm.
func EstimateAssembly(asm *assembly.Assembly, opts Options) Estimate {
	e := Estimate{Region: Region, PricesAsOf: PricesAsOf}
	for _, s := range asm.Stacks {
		se := EstimateStack(s, opts)
		e.Stacks = append(e.Stacks, se)
		e.USD += se.USD
	}
	e.USD = round(e.USD)
	return e
}

// EstimateStack estimates one stack.
func EstimateStack(s *assembly.Stack, opts Options) StackEstimate {
	derived, derivedNotes := deriveFromTemplate(s)
	c := &pricing{stack: s, a: Resolve(opts.File, s.Name, derived, opts.Sets)}
	se := StackEstimate{Stack: s.Name, Notes: derivedNotes}
	for _, r := range s.Resources() {
		l := c.line(r)
		se.Lines = append(se.Lines, l)
		se.USD += l.USD
		if l.Status == NotPriced {
			se.NotPriced++
		}
	}
	se.USD = round(se.USD)
	se.Assumptions = c.a.Used()
	return se
}

func round(v float64) float64 { return math.Round(v*100) / 100 }

type pricing struct {
	stack *assembly.Stack
	a     Assumptions
}

// line prices one resource.
func (c *pricing) line(r *assembly.Resource) Line {
	l := Line{LogicalID: r.LogicalID, Type: r.Type, Path: r.Path()}
	if reason, ok := freeReason(r.Type); ok {
		l.Status = Free
		if reason != "" {
			l.Notes = append(l.Notes, reason)
		}
		return l
	}
	p, ok := pricers[r.Type]
	if !ok {
		l.Status = NotPriced
		l.Notes = append(l.Notes, "no price for this resource type: add it to cmd/costestimate")
		return l
	}
	l.Status = Priced
	p(c, r, &l)
	var sum float64
	for _, it := range l.Items {
		sum += it.USD
	}
	l.USD = sum
	return l
}

// add appends an item: quantity in units of per (1 for "per GB", 1e6 for
// "per 1M requests") times the table's price.
func (l *Line) add(what string, qty float64, key string, per float64) {
	rate := price(key)
	l.Items = append(l.Items, Item{What: what, Quantity: qty, Unit: Prices[key].Unit, Rate: rate, USD: qty / per * rate})
}

func (l *Line) note(format string, args ...any) {
	l.Notes = append(l.Notes, fmt.Sprintf(format, args...))
}

func (l *Line) notPriced(format string, args ...any) {
	l.Status = NotPriced
	l.note("NOT PRICED: "+format, args...)
}

// freeTypes cost nothing by themselves (the reason says where their cost, if
// any, is counted). Types starting with Custom:: are custom resources.
var freeTypes = map[string]string{
	"AWS::CDK::Metadata":                          "",
	"AWS::IAM::Role":                              "",
	"AWS::IAM::Policy":                            "",
	"AWS::IAM::ManagedPolicy":                     "",
	"AWS::IAM::InstanceProfile":                   "",
	"AWS::IAM::OIDCProvider":                      "",
	"AWS::EC2::VPC":                               "",
	"AWS::EC2::Subnet":                            "",
	"AWS::EC2::RouteTable":                        "",
	"AWS::EC2::SubnetRouteTableAssociation":       "",
	"AWS::EC2::Route":                             "",
	"AWS::EC2::InternetGateway":                   "",
	"AWS::EC2::VPCGatewayAttachment":              "",
	"AWS::EC2::SecurityGroup":                     "",
	"AWS::EC2::SecurityGroupIngress":              "",
	"AWS::EC2::SecurityGroupEgress":               "",
	"AWS::EC2::NetworkAcl":                        "",
	"AWS::EC2::NetworkAclEntry":                   "",
	"AWS::EC2::SubnetNetworkAclAssociation":       "",
	"AWS::EC2::FlowLog":                           "its logs are priced on the log group",
	"AWS::RDS::DBSubnetGroup":                     "",
	"AWS::RDS::DBParameterGroup":                  "",
	"AWS::RDS::DBClusterParameterGroup":           "",
	"AWS::RDS::OptionGroup":                       "",
	"AWS::KMS::Alias":                             "",
	"AWS::SecretsManager::RotationSchedule":       "rotation runs a Lambda, priced on the function",
	"AWS::SecretsManager::SecretTargetAttachment": "",
	"AWS::SecretsManager::ResourcePolicy":         "",
	"AWS::SNS::Subscription":                      "deliveries are priced on the topic",
	"AWS::SNS::TopicPolicy":                       "",
	"AWS::SQS::QueuePolicy":                       "",
	"AWS::S3::BucketPolicy":                       "",
	"AWS::Lambda::Permission":                     "",
	"AWS::Lambda::EventInvokeConfig":              "",
	"AWS::Logs::ResourcePolicy":                   "",
	"AWS::Logs::SubscriptionFilter":               "",
	"AWS::Events::Rule":                           "scheduled rules and AWS service events are free; targets are priced on their own",
	"AWS::Scheduler::ScheduleGroup":               "",
	"AWS::Amplify::Branch":                        "builds, hosting and SSR are priced on the app",
	"AWS::Amplify::Domain":                        "the certificate is free; usage is priced on the app",
	"AWS::Route53::RecordSet":                     "DNS queries are billed to the hosted zone (outside the stack)",
	"AWS::Route53::RecordSetGroup":                "DNS queries are billed to the hosted zone (outside the stack)",
	"AWS::CertificateManager::Certificate":        "public ACM certificates are free",
	"AWS::Budgets::Budget":                        "budgets without actions are free",
	"AWS::SSM::Parameter":                         "standard parameters are free",
	"AWS::CloudFormation::WaitConditionHandle":    "",
	"AWS::CloudFormation::CustomResource":         "runs only during deployments; its Lambda is listed on its own",
}

func freeReason(typ string) (string, bool) {
	if r, ok := freeTypes[typ]; ok {
		return r, true
	}
	if strings.HasPrefix(typ, "Custom::") {
		return "custom resource: runs only during deployments; its Lambda is listed on its own", true
	}
	return "", false
}

type pricer func(c *pricing, r *assembly.Resource, l *Line)

var pricers = map[string]pricer{
	"AWS::RDS::DBInstance":        priceDBInstance,
	"AWS::KMS::Key":               priceKMSKey,
	"AWS::SecretsManager::Secret": priceSecret,
	"AWS::CloudWatch::Alarm":      priceAlarm,
	"AWS::CloudWatch::CompositeAlarm": func(c *pricing, r *assembly.Resource, l *Line) {
		l.add("composite alarm", 1, "cloudwatch.compositeAlarm", 1)
	},
	"AWS::CloudWatch::Dashboard": func(c *pricing, r *assembly.Resource, l *Line) { l.add("dashboard", 1, "cloudwatch.dashboard", 1) },
	"AWS::Logs::LogGroup":        priceLogGroup,
	"AWS::Logs::MetricFilter":    priceMetricFilter,
	"AWS::Lambda::Function":      priceLambda,
	"AWS::Scheduler::Schedule":   priceSchedule,
	"AWS::Synthetics::Canary":    priceCanary,
	"AWS::Route53::HealthCheck":  priceHealthCheck,
	"AWS::Route53::HostedZone":   func(c *pricing, r *assembly.Resource, l *Line) { l.add("hosted zone", 1, "route53.hostedZone", 1) },
	"AWS::S3::Bucket":            priceBucket,
	"AWS::SNS::Topic":            priceTopic,
	"AWS::Amplify::App":          priceAmplifyApp,
	"AWS::EC2::NatGateway": func(c *pricing, r *assembly.Resource, l *Line) {
		l.add("NAT gateway hours", HoursPerMonth, "vpc.natGateway", 1)
		l.note("data processed ($0.048/GB) is not estimated; its Elastic IP is priced on the EIP resource")
	},
	"AWS::EC2::EIP": func(c *pricing, r *assembly.Resource, l *Line) {
		l.add("public IPv4 address hours", HoursPerMonth, "vpc.publicIPv4", 1)
	},
	"AWS::EC2::VPCEndpoint": priceVPCEndpoint,
}

// runningHours are the hours a month the database instances run.
func (c *pricing) runningHours() float64 {
	return HoursPerMonth * (24 - c.a.Get("database.stoppedHoursPerDay")) / 24
}

func priceDBInstance(c *pricing, r *assembly.Resource, l *Line) {
	class := r.String("DBInstanceClass")
	multi := r.Bool("MultiAZ")
	factor := 1.0
	deployment := "Single-AZ"
	if multi {
		factor = price("rds.multiAzFactor")
		deployment = "Multi-AZ"
	}
	if engine := r.String("Engine"); engine != "" && engine != "postgres" {
		l.note("engine %s: prices are those of PostgreSQL", engine)
	}
	hours := c.runningHours()
	if stopped := c.a.Get("database.stoppedHoursPerDay"); stopped > 0 {
		l.note("stopped %.1f h a day: %.0f instance hours a month", stopped, hours)
		l.note("RDS starts a stopped instance by itself after 7 days; the schedule must keep stopping it")
	}
	key := "rds.instance." + class
	if _, ok := Prices[key]; ok {
		l.add(fmt.Sprintf("%s %s instance hours", class, deployment), hours*factor, key, 1)
	} else {
		l.notPriced("instance class %q is not in the price table", class)
	}

	gb, ok := r.Number("AllocatedStorage")
	if !ok {
		l.notPriced("AllocatedStorage is not a literal number")
	}
	storageType := r.String("StorageType")
	if storageType == "" {
		storageType = "gp2"
	}
	switch storageType {
	case "gp2", "gp3":
		l.add(fmt.Sprintf("%s storage, %v GB %s", storageType, gb, deployment), gb*factor, "rds.storage."+storageType, 1)
		if storageType == "gp3" && (r.Prop("Iops") != nil || r.Prop("StorageThroughput") != nil) {
			l.note("provisioned IOPS/throughput beyond the gp3 baseline are not estimated")
		}
	default:
		l.notPriced("storage type %q is not in the price table", storageType)
	}
	if max, ok := r.Number("MaxAllocatedStorage"); ok && max > gb {
		l.note("storage autoscaling up to %v GB: the estimate uses the allocated %v GB", max, gb)
	}

	backup := c.a.Get("database.backupStorageGB")
	beyond := math.Max(0, backup-gb)
	l.add(fmt.Sprintf("backup storage beyond the free %v GB (of %v GB)", gb, backup), beyond, "rds.backup", 1)

	if r.Bool("EnablePerformanceInsights") {
		if days, ok := r.Number("PerformanceInsightsRetentionPeriod"); ok && days > 7 {
			l.notPriced("Performance Insights retention of %v days (beyond the free 7 days)", days)
		} else {
			l.note("Performance Insights with 7-day retention: free")
		}
	}
	if mode := r.String("DatabaseInsightsMode"); mode == "advanced" {
		l.notPriced("Database Insights advanced mode")
	}
	if iv, ok := r.Number("MonitoringInterval"); ok && iv > 0 {
		l.note("Enhanced Monitoring every %vs is billed as CloudWatch Logs ingestion (RDSOSMetrics), not estimated", iv)
	}
	if r.Bool("PubliclyAccessible") {
		l.add("public IPv4 address (publicly accessible) hours", hours, "vpc.publicIPv4", 1)
	}
	l.add("data transfer out", c.a.Get("database.transferOutGB"), "ec2.dataTransferOut", 1)
}

func priceKMSKey(c *pricing, r *assembly.Resource, l *Line) {
	if r.String("KeySpec") != "" && r.String("KeySpec") != "SYMMETRIC_DEFAULT" {
		l.note("asymmetric/HMAC key: request prices differ")
	}
	l.add("customer managed key", 1, "kms.key", 1)
	l.add("requests", c.a.Get("kms.requestsPerKey"), "kms.requests", 10000)
	if r.Bool("EnableKeyRotation") {
		l.note("rotation: each of the first two yearly rotations adds $1/month (not estimated)")
	}
}

func priceSecret(c *pricing, r *assembly.Resource, l *Line) {
	l.add("secret", 1, "secrets.secret", 1)
	l.add("API calls", c.a.Get("secrets.apiCallsPerSecret"), "secrets.api", 10000)
}

func priceAlarm(c *pricing, r *assembly.Resource, l *Line) {
	period, _ := r.Number("Period")
	key, res := "cloudwatch.alarmMetric", "standard"
	if metrics, ok := r.Prop("Metrics").([]any); ok {
		n := 0
		for _, m := range metrics {
			mm, _ := m.(map[string]any)
			if ms, ok := mm["MetricStat"].(map[string]any); ok {
				n++
				if p, ok := assembly.Number(ms["Period"]); ok && p < 60 {
					key, res = "cloudwatch.alarmMetricHighRes", "high-resolution"
				}
			}
			if expr, _ := mm["Expression"].(string); strings.Contains(expr, "ANOMALY_DETECTION_BAND") {
				n += 2 // an anomaly detection alarm is billed as 3 metrics
			}
		}
		if n == 0 {
			n = 1
		}
		l.add(fmt.Sprintf("metric-math alarm reading %d metric(s), %s", n, res), float64(n), key, 1)
		return
	}
	if period > 0 && period < 60 {
		key, res = "cloudwatch.alarmMetricHighRes", "high-resolution"
	}
	l.add("alarm on one metric, "+res, 1, key, 1)
}

func (c *pricing) logStorageMonths(r *assembly.Resource, l *Line) float64 {
	days, ok := r.Number("RetentionInDays")
	if !ok {
		l.note("logs never expire: storage grows every month; 12 months shown")
		return 12
	}
	return days / daysPerMonth
}

func priceLogGroup(c *pricing, r *assembly.Resource, l *Line) {
	if cls := r.String("LogGroupClass"); cls != "" && cls != "STANDARD" {
		l.notPriced("log group class %s", cls)
		return
	}
	gb := c.a.Get("logs.ingestGBPerLogGroup")
	l.add("ingestion", gb, "logs.ingest", 1)
	months := c.logStorageMonths(r, l)
	l.add(fmt.Sprintf("storage (%.1f months retained, uncompressed upper bound)", months), gb*months, "logs.storage", 1)
}

func priceMetricFilter(c *pricing, r *assembly.Resource, l *Line) {
	n := 1
	if ts, ok := r.Prop("MetricTransformations").([]any); ok && len(ts) > 0 {
		n = len(ts)
	}
	l.add("custom metric(s) published", float64(n), "cloudwatch.customMetric", 1)
}

// scheduledInvocations counts how often rules and schedules of the stack
// invoke the resource id a month.
func (c *pricing) scheduledInvocations(id string, l *Line) float64 {
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
					l.note("schedule of %s: %v", rule.LogicalID, err)
					continue
				}
				l.note("invoked by %s on %s", rule.LogicalID, expr)
				total += n
			}
		}
	}
	for _, s := range c.stack.OfType("AWS::Scheduler::Schedule") {
		if assembly.RefersTo(s.Prop("Target.Arn"), id) && s.String("State") != "DISABLED" {
			n, err := RunsPerMonth(s.String("ScheduleExpression"))
			if err != nil {
				l.note("schedule of %s: %v", s.LogicalID, err)
				continue
			}
			l.note("invoked by %s on %s", s.LogicalID, s.String("ScheduleExpression"))
			total += n
		}
	}
	return total
}

func priceLambda(c *pricing, r *assembly.Resource, l *Line) {
	mem, ok := r.Number("MemorySize")
	if !ok {
		mem = 128
	}
	key, arch := "lambda.gbSecondX86", "x86_64"
	if archs, _ := r.Prop("Architectures").([]any); len(archs) == 1 && archs[0] == "arm64" {
		key, arch = "lambda.gbSecondArm64", "arm64"
	}
	inv := c.scheduledInvocations(r.LogicalID, l) + c.a.Get("lambda.otherInvocationsPerMonth")
	l.add("requests", inv, "lambda.requests", 1e6)
	gbs := inv * c.a.Get("lambda.durationMs") / 1000 * mem / 1024
	l.add(fmt.Sprintf("compute, %v MB %s", mem, arch), gbs, key, 1)
	if r.Prop("LoggingConfig.LogGroup") == nil {
		l.note("logs go to an implicit /aws/lambda log group (not in the template, not estimated)")
	}
	if r.Prop("VpcConfig") != nil {
		l.note("runs in a VPC: reaching AWS APIs or the internet needs a NAT gateway or endpoints")
	}
}

func priceSchedule(c *pricing, r *assembly.Resource, l *Line) {
	expr := r.String("ScheduleExpression")
	n, err := RunsPerMonth(expr)
	if err != nil {
		l.notPriced("schedule: %v", err)
		return
	}
	l.add("invocations of "+expr, n, "scheduler.invocations", 1e6)
}

func priceCanary(c *pricing, r *assembly.Resource, l *Line) {
	expr := r.String("Schedule.Expression")
	n, err := RunsPerMonth(expr)
	if err != nil {
		l.notPriced("schedule: %v", err)
		return
	}
	l.add("canary runs, "+expr, n, "synthetics.canaryRun", 1)
	l.note("the canary's Lambda, S3 artifacts and logs are not estimated")
}

func priceHealthCheck(c *pricing, r *assembly.Resource, l *Line) {
	cfg, _ := r.Prop("HealthCheckConfig").(map[string]any)
	l.add("health check", 1, "route53.healthCheck", 1)
	typ, _ := cfg["Type"].(string)
	var features []string
	if strings.HasPrefix(typ, "HTTPS") {
		features = append(features, "HTTPS")
	}
	if strings.HasSuffix(typ, "STR_MATCH") {
		features = append(features, "string matching")
	}
	if iv, ok := assembly.Number(cfg["RequestInterval"]); ok && iv == 10 {
		features = append(features, "fast interval")
	}
	if b, _ := cfg["MeasureLatency"].(bool); b {
		features = append(features, "latency measurement")
	}
	if len(features) > 0 {
		l.add("optional features: "+strings.Join(features, ", "), float64(len(features)), "route53.healthCheckFeature", 1)
	}
}

// isLogBucket reports whether other buckets deliver access logs to b.
func (c *pricing) isLogBucket(b *assembly.Resource) bool {
	if b.String("AccessControl") == "LogDeliveryWrite" {
		return true
	}
	for _, o := range c.stack.OfType("AWS::S3::Bucket") {
		if assembly.RefersTo(o.Prop("LoggingConfiguration.DestinationBucketName"), b.LogicalID) {
			return true
		}
	}
	for _, p := range c.stack.OfType("AWS::S3::BucketPolicy") {
		if assembly.RefersTo(p.Prop("Bucket"), b.LogicalID) && strings.Contains(fmt.Sprint(p.Prop("PolicyDocument")), "logging.s3.amazonaws.com") {
			return true
		}
	}
	return false
}

func priceBucket(c *pricing, r *assembly.Resource, l *Line) {
	if c.isLogBucket(r) {
		l.note("access-log bucket (receives server access logs; delivery is free)")
		l.add("log storage", c.a.Get("storage.accessLogGB"), "s3.standard", 1)
		return
	}
	l.note("upload bucket: usage from the storage.* assumptions; Standard class throughout (lifecycle transitions lower it)")
	l.add("storage", c.a.Get("storage.storedGB"), "s3.standard", 1)
	l.add("PUT/COPY/POST/LIST requests", c.a.Get("storage.putsPerMonth"), "s3.put", 1000)
	l.add("GET requests", c.a.Get("storage.getsPerMonth"), "s3.get", 1000)
	l.add("data transfer out", c.a.Get("storage.transferOutGB"), "s3.transferOut", 1)
}

func priceTopic(c *pricing, r *assembly.Resource, l *Line) {
	n := c.a.Get("sns.publishesPerMonth")
	l.add("publishes", n, "sns.publish", 1e6)
	emails := 0
	for _, s := range c.stack.OfType("AWS::SNS::Subscription") {
		if assembly.RefersTo(s.Prop("TopicArn"), r.LogicalID) && s.String("Protocol") == "email" {
			emails++
		}
	}
	if subs, _ := r.Prop("Subscription").([]any); len(subs) > 0 {
		for _, s := range subs {
			if sm, _ := s.(map[string]any); sm["Protocol"] == "email" {
				emails++
			}
		}
	}
	if emails > 0 {
		l.add(fmt.Sprintf("e-mail notifications to %d subscription(s)", emails), n*float64(emails), "sns.email", 100000)
	}
}

func priceAmplifyApp(c *pricing, r *assembly.Resource, l *Line) {
	builds := c.a.Get("hosting.buildsPerMonth")
	mins := c.a.Get("hosting.buildMinutes")
	l.add(fmt.Sprintf("build minutes (%v builds x %v min)", builds, mins), builds*mins, "amplify.buildMinute", 1)
	l.add("hosting storage", c.a.Get("hosting.storedGB"), "amplify.storage", 1)
	l.add("data served", c.a.Get("hosting.transferOutGB"), "amplify.transferOut", 1)
	reqs := c.a.Get("hosting.ssrRequestsPerMonth")
	l.add("SSR requests", reqs, "amplify.ssrRequests", 1e6)
	gbh := reqs * c.a.Get("hosting.ssrDurationMs") / 3.6e6 * c.a.Get("hosting.ssrMemoryGB")
	l.add("SSR compute", gbh, "amplify.ssrDuration", 1)
	if p := r.String("Platform"); p != "" && p != "WEB_COMPUTE" && p != "WEB_DYNAMIC" {
		l.note("platform %s: no SSR compute is billed", p)
	}
}

func priceVPCEndpoint(c *pricing, r *assembly.Resource, l *Line) {
	if t := r.String("VpcEndpointType"); t == "" || t == "Gateway" {
		l.note("gateway endpoint: free")
		return
	}
	azs := 1.0
	if subnets, _ := r.Prop("SubnetIds").([]any); len(subnets) > 0 {
		azs = float64(len(subnets))
	}
	l.add(fmt.Sprintf("interface endpoint hours in %v AZ(s)", azs), HoursPerMonth*azs, "vpc.interfaceEndpoint", 1)
	l.note("data processed ($0.01/GB) is not estimated")
}

// deriveFromTemplate reads usage from the template itself: the daily hours
// a database is stopped, from EventBridge Scheduler schedules that call
// rds:stopDBInstance and rds:startDBInstance.
func deriveFromTemplate(s *assembly.Stack) (map[string]Value, []string) {
	var stop, start *assembly.Resource
	for _, sch := range s.OfType("AWS::Scheduler::Schedule") {
		arn := strings.ToLower(sch.String("Target.Arn"))
		switch {
		case strings.HasSuffix(arn, "rds:stopdbinstance"):
			stop = sch
		case strings.HasSuffix(arn, "rds:startdbinstance"):
			start = sch
		}
	}
	if stop == nil || start == nil {
		return nil, nil
	}
	if tz := stop.String("ScheduleExpressionTimezone"); tz != start.String("ScheduleExpressionTimezone") {
		return nil, []string{"stop and start schedules use different time zones: database.stoppedHoursPerDay taken from the assumptions"}
	}
	a, ok1 := DailyTime(stop.String("ScheduleExpression"))
	b, ok2 := DailyTime(start.String("ScheduleExpression"))
	if !ok1 || !ok2 {
		return nil, []string{"stop/start schedules are not simple daily crons: database.stoppedHoursPerDay taken from the assumptions"}
	}
	minutes := ((b-a)%1440 + 1440) % 1440
	return map[string]Value{"database.stoppedHoursPerDay": {
		Key:   "database.stoppedHoursPerDay",
		Value: float64(minutes) / 60,
		Source: fmt.Sprintf("template: %s %s, %s %s", stop.LogicalID, stop.String("ScheduleExpression"),
			start.LogicalID, start.String("ScheduleExpression")),
	}}, nil
}

// sortedTypes lists the types of the lines with a status.
func sortedTypes(lines []Line, st Status) []string {
	seen := map[string]bool{}
	for _, l := range lines {
		if l.Status == st {
			seen[l.Type] = true
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
