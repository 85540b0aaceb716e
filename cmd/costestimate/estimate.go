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
	// Price is the key of the price table the rate comes from.
	Price string  `json:"price"`
	USD   float64 `json:"usd"`
	// FromYear is the year of the resource's life from which the item is
	// billed: 0 or 1 from the start, 2 from month 13, 3 from month 25.
	FromYear int `json:"fromYear,omitempty"`
	// FreeTier names the always-free allowance (FreeTiers) the item draws
	// on; Quantity is in that allowance's unit.
	FreeTier string `json:"freeTier,omitempty"`
	// AfterFreeUSD is USD less the item's share of the allowance.
	AfterFreeUSD float64 `json:"afterFreeTierUsd"`
	// Unconfirmed is true when the rate could not be confirmed (Price.Unconfirmed).
	Unconfirmed bool `json:"unconfirmedPrice,omitempty"`
}

// Line is the estimate of one resource.
type Line struct {
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
	Path      string `json:"path,omitempty"`
	Status    Status `json:"status"`
	Totals
	Items []Item   `json:"items,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// Totals are the monthly figures of a resource (the sum of its items) or a
// stack (the sum of its resources).
type Totals struct {
	// USD is the steady-state monthly figure at list price.
	USD float64 `json:"usd"`
	// YearOneUSD leaves out what is billed only from year two (such as
	// KMS rotation surcharges).
	YearOneUSD float64 `json:"yearOneUsd"`
	// AfterFreeUSD is USD less the share of the account's always-free
	// allowances (equal to USD for a stack estimated alone).
	AfterFreeUSD float64 `json:"afterFreeTierUsd"`
}

// Option is a way to pay less that is not infrastructure (a reservation, a
// pricing plan); it is never in the totals.
type Option struct {
	Resource string `json:"resource"`
	What     string `json:"what"`
	// CurrentUSD is what the option replaces, at list price.
	CurrentUSD float64  `json:"currentUsd"`
	OptionUSD  float64  `json:"optionUsd"`
	SavingUSD  float64  `json:"savingUsd"`
	Price      string   `json:"price"`
	Notes      []string `json:"notes,omitempty"`
}

// StackEstimate is the estimate of one stack.
type StackEstimate struct {
	Stack string `json:"stack"`
	Totals
	YearOneAfterFreeUSD float64  `json:"yearOneAfterFreeTierUsd"`
	NotPriced           int      `json:"notPriced"`
	Unconfirmed         int      `json:"unconfirmedPrices"`
	Lines               []Line   `json:"resources"`
	Options             []Option `json:"options,omitempty"`
	Assumptions         []Value  `json:"assumptions"`
	Notes               []string `json:"notes,omitempty"`
}

// FreeTierUse is how much of one always-free allowance the assembly uses.
type FreeTierUse struct {
	Pool      string  `json:"pool"`
	Unit      string  `json:"unit"`
	Allowance float64 `json:"allowance"`
	Used      float64 `json:"used"`
	// Covered is the share of the usage the allowance covers (0 to 1).
	Covered  float64 `json:"covered"`
	SavedUSD float64 `json:"savedUsd"`
}

// Estimate is the estimate of an assembly.
type Estimate struct {
	Region              string          `json:"region"`
	PricesAsOf          string          `json:"pricesAsOf"`
	USD                 float64         `json:"usd"`
	YearOneUSD          float64         `json:"yearOneUsd"`
	AfterFreeUSD        float64         `json:"afterFreeTierUsd"`
	YearOneAfterFreeUSD float64         `json:"yearOneAfterFreeTierUsd"`
	FreeTiers           []FreeTierUse   `json:"freeTiers,omitempty"`
	Stacks              []StackEstimate `json:"stacks"`
}

// Options drive an estimate.
type Options struct {
	File *File
	Sets []Setting
	// remoteEdges are the Lambda@Edge associations other stacks of the
	// assembly make (set by EstimateAssembly).
	remoteEdges map[string]map[string][]edgeAssoc
}

// EstimateAssembly estimates every stack of asm and applies the account's
// always-free allowances once, to all of them together.
func EstimateAssembly(asm *assembly.Assembly, opts Options) Estimate {
	e := Estimate{Region: Region, PricesAsOf: PricesAsOf}
	opts.remoteEdges = remoteEdgeAssociations(asm.Stacks)
	for _, s := range asm.Stacks {
		e.Stacks = append(e.Stacks, EstimateStack(s, opts))
	}
	ApplyFreeTiers(&e)
	return e
}

// EstimateStack estimates one stack at list price (its after-free figures
// equal the list figures until ApplyFreeTiers runs over the assembly).
func EstimateStack(s *assembly.Stack, opts Options) StackEstimate {
	derived, derivedNotes := deriveFromTemplate(s)
	c := &pricing{stack: s, a: Resolve(opts.File, s.Name, derived, opts.Sets), remoteEdges: opts.remoteEdges[s.Name]}
	c.prepare()
	se := StackEstimate{Stack: s.Name, Notes: derivedNotes}
	for _, r := range s.Resources() {
		l := c.line(r)
		se.Lines = append(se.Lines, l)
		if l.Status == NotPriced {
			se.NotPriced++
		}
	}
	se.Options = c.options
	se.Assumptions = c.a.Used()
	se.total()
	return se
}

// total sums the lines of the stack.
func (se *StackEstimate) total() {
	se.USD, se.YearOneUSD, se.AfterFreeUSD, se.Unconfirmed = 0, 0, 0, 0
	for _, l := range se.Lines {
		se.USD += l.USD
		se.YearOneUSD += l.YearOneUSD
		se.AfterFreeUSD += l.AfterFreeUSD
		for _, it := range l.Items {
			if it.Unconfirmed {
				se.Unconfirmed++
			}
		}
	}
	se.YearOneAfterFreeUSD = round(se.AfterFreeUSD - (se.USD - se.YearOneUSD))
	se.USD, se.YearOneUSD, se.AfterFreeUSD = round(se.USD), round(se.YearOneUSD), round(se.AfterFreeUSD)
}

func round(v float64) float64 { return math.Round(v*100) / 100 }

// ApplyFreeTiers applies each always-free allowance once to the whole
// assembly (all its stacks are assumed to be in one account, as this app's
// are): the allowance covers min(1, allowance/usage) of every item that
// draws on it, so each stack gets a share in proportion to its usage. Other
// workloads of the account use the same allowances: the after-free figures
// are then a lower bound.
func ApplyFreeTiers(e *Estimate) {
	used := map[string]float64{}
	for _, se := range e.Stacks {
		for _, l := range se.Lines {
			for _, it := range l.Items {
				if it.FreeTier != "" {
					used[it.FreeTier] += it.Quantity
				}
			}
		}
	}
	covered := map[string]float64{}
	for pool, u := range used {
		if u > 0 {
			covered[pool] = math.Min(1, FreeTiers[pool].Allowance/u)
		}
	}
	saved := map[string]float64{}
	e.USD, e.YearOneUSD, e.AfterFreeUSD, e.YearOneAfterFreeUSD = 0, 0, 0, 0
	for i := range e.Stacks {
		se := &e.Stacks[i]
		for j := range se.Lines {
			l := &se.Lines[j]
			l.AfterFreeUSD = 0
			for k := range l.Items {
				it := &l.Items[k]
				it.AfterFreeUSD = it.USD * (1 - covered[it.FreeTier])
				saved[it.FreeTier] += it.USD - it.AfterFreeUSD
				l.AfterFreeUSD += it.AfterFreeUSD
			}
		}
		se.total()
		e.USD += se.USD
		e.YearOneUSD += se.YearOneUSD
		e.AfterFreeUSD += se.AfterFreeUSD
		e.YearOneAfterFreeUSD += se.YearOneAfterFreeUSD
	}
	e.USD, e.YearOneUSD, e.AfterFreeUSD, e.YearOneAfterFreeUSD = round(e.USD), round(e.YearOneUSD), round(e.AfterFreeUSD), round(e.YearOneAfterFreeUSD)
	e.FreeTiers = nil
	pools := make([]string, 0, len(used))
	for p := range used {
		pools = append(pools, p)
	}
	sort.Strings(pools)
	for _, p := range pools {
		e.FreeTiers = append(e.FreeTiers, FreeTierUse{Pool: p, Unit: FreeTiers[p].Unit, Allowance: FreeTiers[p].Allowance,
			Used: used[p], Covered: covered[p], SavedUSD: saved[p]})
	}
}

type pricing struct {
	stack       *assembly.Stack
	a           Assumptions
	fns         map[string]*fnUsage
	options     []Option
	remoteEdges map[string][]edgeAssoc
}

// line prices one resource.
func (c *pricing) line(r *assembly.Resource) Line {
	l := Line{LogicalID: r.LogicalID, Type: r.Type, Path: r.Path()}
	if reason, ok := freeReason(r.Type); ok {
		l.Status = Free
		l.Notes = append(l.Notes, reason)
		return l
	}
	p, ok := pricers[r.Type]
	if !ok {
		l.Status = NotPriced
		l.Notes = append(l.Notes, "no price for this resource type: add it to cmd/costestimate (a pricer in pricers, or a reason in freeTypes)")
		return l
	}
	l.Status = Priced
	p(c, r, &l)
	for _, it := range l.Items {
		l.USD += it.USD
		if it.FromYear <= 1 {
			l.YearOneUSD += it.USD
		}
	}
	l.AfterFreeUSD = l.USD
	return l
}

// add appends an item: quantity in units of per (1 for "per GB", 1e6 for
// "per 1M requests") times the table's price.
func (l *Line) add(what string, qty float64, key string, per float64) {
	l.addItem(Item{What: what, Quantity: qty}, key, per)
}

// addFree appends an item that draws on an always-free allowance; qty must
// be in the allowance's unit.
func (l *Line) addFree(what string, qty float64, key string, per float64, pool string) {
	if _, ok := FreeTiers[pool]; !ok {
		panic("costestimate: no free tier " + pool)
	}
	l.addItem(Item{What: what, Quantity: qty, FreeTier: pool}, key, per)
}

// addFrom appends an item billed only from a later year of the resource's life.
func (l *Line) addFrom(what string, qty float64, key string, per float64, fromYear int) {
	l.addItem(Item{What: what, Quantity: qty, FromYear: fromYear}, key, per)
}

func (l *Line) addItem(it Item, key string, per float64) {
	it.Rate = price(key)
	p := Prices[key]
	it.Price, it.Unit, it.Unconfirmed = key, p.Unit, p.Unconfirmed != ""
	it.USD = it.Quantity / per * it.Rate
	it.AfterFreeUSD = it.USD
	l.Items = append(l.Items, it)
}

func (l *Line) note(format string, args ...any) {
	l.Notes = append(l.Notes, fmt.Sprintf(format, args...))
}

func (l *Line) notPriced(format string, args ...any) {
	l.Status = NotPriced
	l.note("NOT PRICED: "+format, args...)
}

func (c *pricing) option(o Option) {
	o.CurrentUSD, o.OptionUSD = round(o.CurrentUSD), round(o.OptionUSD)
	o.SavingUSD = round(o.CurrentUSD - o.OptionUSD)
	c.options = append(c.options, o)
}

// freeTypes cost nothing by themselves; each says why, or where its cost
// is counted. Together with pricers this is the list of every resource
// type the estimator knows; TestEveryTemplateTypeIsKnown fails on any
// other type found in the templates.
var freeTypes = map[string]string{
	"AWS::CDK::Metadata":                              "CDK's template metadata: not a billed resource",
	"AWS::IAM::Role":                                  "IAM is free",
	"AWS::IAM::Policy":                                "IAM is free",
	"AWS::IAM::ManagedPolicy":                         "IAM is free",
	"AWS::IAM::InstanceProfile":                       "IAM is free",
	"AWS::IAM::OIDCProvider":                          "IAM is free",
	"AWS::EC2::VPC":                                   "VPCs are free; NAT, endpoints, public IPv4 and flow logs are priced on their own resources",
	"AWS::EC2::Subnet":                                "subnets are free",
	"AWS::EC2::RouteTable":                            "route tables are free",
	"AWS::EC2::SubnetRouteTableAssociation":           "route table associations are free",
	"AWS::EC2::Route":                                 "routes are free",
	"AWS::EC2::InternetGateway":                       "internet gateways are free (data transfer out is priced where it leaves)",
	"AWS::EC2::VPCGatewayAttachment":                  "gateway attachments are free",
	"AWS::EC2::EgressOnlyInternetGateway":             "egress-only internet gateways are free",
	"AWS::EC2::SecurityGroup":                         "security groups are free",
	"AWS::EC2::SecurityGroupIngress":                  "security group rules are free",
	"AWS::EC2::SecurityGroupEgress":                   "security group rules are free",
	"AWS::EC2::NetworkAcl":                            "network ACLs are free",
	"AWS::EC2::NetworkAclEntry":                       "network ACL entries are free",
	"AWS::EC2::SubnetNetworkAclAssociation":           "network ACL associations are free",
	"AWS::EC2::LaunchTemplate":                        "a launch template costs nothing; its instances are priced on AWS::EC2::Instance",
	"AWS::EC2::EIPAssociation":                        "the address is priced on its AWS::EC2::EIP",
	"AWS::RDS::DBSubnetGroup":                         "subnet groups are free",
	"AWS::RDS::DBParameterGroup":                      "parameter groups are free",
	"AWS::RDS::DBClusterParameterGroup":               "parameter groups are free",
	"AWS::RDS::OptionGroup":                           "option groups are free",
	"AWS::KMS::Alias":                                 "aliases are free; the key is priced on AWS::KMS::Key",
	"AWS::SecretsManager::RotationSchedule":           "rotation runs a Lambda function: its invocations are priced on the function or on its log group",
	"AWS::SecretsManager::SecretTargetAttachment":     "attaching a secret to a database is free",
	"AWS::SecretsManager::ResourcePolicy":             "resource policies are free",
	"AWS::SNS::Subscription":                          "deliveries are priced on the topic",
	"AWS::SNS::TopicPolicy":                           "topic policies are free",
	"AWS::SQS::QueuePolicy":                           "queue policies are free",
	"AWS::S3::BucketPolicy":                           "bucket policies are free",
	"AWS::Lambda::Permission":                         "permissions are free",
	"AWS::Lambda::EventInvokeConfig":                  "invoke configurations are free",
	"AWS::Lambda::Url":                                "function URLs are free; their requests are priced on the function",
	"AWS::Lambda::Version":                            "versions are free; invocations are priced on the function",
	"AWS::Lambda::Alias":                              "aliases are free; invocations are priced on the function",
	"AWS::Lambda::LayerVersion":                       "layers are free (code storage within Lambda's 75 GB per region)",
	"AWS::Lambda::LayerVersionPermission":             "layer permissions are free",
	"AWS::Logs::ResourcePolicy":                       "resource policies are free",
	"AWS::Logs::SubscriptionFilter":                   "subscription filters are free; the destination is priced on its own",
	"AWS::Events::Rule":                               "scheduled rules and AWS service events are free; their targets are priced on their own",
	"AWS::Scheduler::ScheduleGroup":                   "schedule groups are free; invocations are priced on each schedule",
	"AWS::Amplify::Branch":                            "builds, hosting and SSR are priced on the Amplify app",
	"AWS::Amplify::Domain":                            "the certificate is free; usage is priced on the Amplify app",
	"AWS::Route53::RecordSet":                         "DNS queries are billed to the hosted zone (outside the stack; alias queries to CloudFront are free)",
	"AWS::Route53::RecordSetGroup":                    "DNS queries are billed to the hosted zone (outside the stack; alias queries to CloudFront are free)",
	"AWS::CertificateManager::Certificate":            "public ACM certificates are free",
	"AWS::Budgets::Budget":                            "budgets without actions are free",
	"AWS::SSM::Parameter":                             "standard parameters are free",
	"AWS::CloudFormation::WaitConditionHandle":        "CloudFormation is free",
	"AWS::CloudFormation::CustomResource":             "runs only during deployments; its Lambda function is priced on its own (deploy-time invocations)",
	"AWS::CloudFront::OriginAccessControl":            "origin access control is free",
	"AWS::CloudFront::CloudFrontOriginAccessIdentity": "origin access identities are free",
	"AWS::CloudFront::CachePolicy":                    "cache policies are free",
	"AWS::CloudFront::OriginRequestPolicy":            "origin request policies are free",
	"AWS::CloudFront::ResponseHeadersPolicy":          "response headers policies are free",
	"AWS::Backup::BackupPlan":                         "the plan schedules backups; their storage is priced on the vault (backup.vaultGB)",
	"AWS::Backup::BackupSelection":                    "selections are free; storage is priced on the vault",
	"Custom::CDKBucketDeployment":                     "copies the static assets at deploy time; its Lambda function is priced on its own (deploy-time invocations)",
}

// customResourceReason is why any other Custom:: type is free.
const customResourceReason = "custom resource: runs only during deployments; its Lambda function is priced on its own (deploy-time invocations)"

func freeReason(typ string) (string, bool) {
	if r, ok := freeTypes[typ]; ok {
		return r, true
	}
	if strings.HasPrefix(typ, "Custom::") {
		return customResourceReason, true
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
	"AWS::CloudWatch::Dashboard": func(c *pricing, r *assembly.Resource, l *Line) {
		l.addFree("dashboard", 1, "cloudwatch.dashboard", 1, "cloudwatch.dashboards")
	},
	"AWS::Logs::LogGroup":           priceLogGroup,
	"AWS::Logs::MetricFilter":       priceMetricFilter,
	"AWS::Lambda::Function":         priceLambda,
	"AWS::Scheduler::Schedule":      priceSchedule,
	"AWS::Synthetics::Canary":       priceCanary,
	"AWS::Route53::HealthCheck":     priceHealthCheck,
	"AWS::Route53::HostedZone":      func(c *pricing, r *assembly.Resource, l *Line) { l.add("hosted zone", 1, "route53.hostedZone", 1) },
	"AWS::S3::Bucket":               priceBucket,
	"AWS::SNS::Topic":               priceTopic,
	"AWS::Amplify::App":             priceAmplifyApp,
	"AWS::EC2::NatGateway":          priceNatGateway,
	"AWS::EC2::EIP":                 priceEIP,
	"AWS::EC2::Instance":            priceInstance,
	"AWS::EC2::VPCEndpoint":         priceVPCEndpoint,
	"AWS::EC2::FlowLog":             priceFlowLog,
	"AWS::CloudFront::Distribution": priceDistribution,
	"AWS::CloudFront::Function":     priceCloudFrontFunction,
	"AWS::Backup::BackupVault":      priceBackupVault,
}

// runningHours are the hours a month the database instances run.
func (c *pricing) runningHours() float64 {
	return HoursPerMonth - c.a.Get("database.stoppedHoursPerMonth")
}

// dbVCPUs are the vCPUs of the DB instance classes of the price table
// (Database Insights' advanced mode is billed per vCPU-hour).
var dbVCPUs = map[string]float64{
	"db.t4g.micro": 2, "db.t4g.small": 2, "db.t4g.medium": 2, "db.t4g.large": 2, "db.t4g.xlarge": 4, "db.t4g.2xlarge": 8,
	"db.t3.micro": 2, "db.t3.small": 2, "db.t3.medium": 2,
	"db.m7g.large": 2, "db.m7g.xlarge": 4, "db.r7g.large": 2, "db.r7g.xlarge": 4,
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
	stopped := c.a.Get("database.stoppedHoursPerMonth")
	if stopped > 0 {
		l.note("stopped %.1f of %v hours a month: %.1f instance hours", stopped, HoursPerMonth, hours)
	}
	key := "rds.instance." + class
	if _, ok := Prices[key]; ok {
		l.add(fmt.Sprintf("%s %s instance hours", class, deployment), hours*factor, key, 1)
		if stopped == 0 {
			onDemand := HoursPerMonth * factor * price(key)
			c.option(Option{Resource: r.LogicalID, Price: "rds.ri1yNoUpfrontFactor",
				What:       fmt.Sprintf("1-year no-upfront reserved instance for %s %s (PostgreSQL, %s)", class, deployment, Region),
				CurrentUSD: onDemand, OptionUSD: onDemand * price("rds.ri1yNoUpfrontFactor"),
				Notes: []string{"a commitment for 12 months, billed every hour whether the instance runs or not; covers instance hours only (storage, backups and I/O stay on demand)",
					"instance size flexibility applies within the class family; a Database Savings Plan is the alternative commitment"}})
		}
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

	switch mode := r.String("DatabaseInsightsMode"); mode {
	case "advanced":
		if v, ok := dbVCPUs[class]; ok {
			l.add(fmt.Sprintf("Database Insights advanced mode, %v vCPU while running", v), v*hours, "cloudwatch.dbInsightsAdvanced", 1)
			l.note("advanced mode includes the 15-month Performance Insights retention it requires")
		} else {
			l.notPriced("Database Insights advanced mode: the vCPUs of %q are not known", class)
		}
	default:
		if mode == "standard" {
			l.note("Database Insights standard mode: free")
		}
		if r.Bool("EnablePerformanceInsights") {
			if days, ok := r.Number("PerformanceInsightsRetentionPeriod"); ok && days > 7 {
				l.notPriced("Performance Insights retention of %v days (beyond the free 7 days) without advanced Database Insights", days)
			} else {
				l.note("Performance Insights with 7-day retention: free")
			}
		}
	}
	if iv, ok := r.Number("MonitoringInterval"); ok && iv > 0 {
		gbEM := c.enhancedMonitoringGB(r)
		if c.hasRDSOSMetricsGroup() {
			l.note("Enhanced Monitoring every %vs: ingestion priced on the RDSOSMetrics log group of the template", iv)
		} else {
			kb := c.a.Get("database.enhancedMonitoringKBPerSample")
			l.addFree(fmt.Sprintf("Enhanced Monitoring ingestion (RDSOSMetrics): a %v KB sample every %vs while running", kb, iv), gbEM, "logs.ingest", 1, "logs.data")
			l.addFree("Enhanced Monitoring storage (RDSOSMetrics keeps 30 days)", gbEM*30/daysPerMonth, "logs.storage", 1, "logs.data")
		}
	} else {
		l.note("no Enhanced Monitoring (MonitoringInterval 0): nothing to ingest")
	}
	if r.Bool("ManageMasterUserPassword") {
		l.add("RDS-managed master user secret (Secrets Manager)", 1, "secrets.secret", 1)
		l.note("the master secret is rotated by RDS itself (no rotation function); its API calls are negligible")
	}
	if r.Bool("PubliclyAccessible") {
		l.add("public IPv4 address (publicly accessible) hours", hours, "vpc.publicIPv4", 1)
	}
	l.addFree("data transfer out", c.a.Get("database.transferOutGB"), "ec2.dataTransferOut", 1, "internet.transferOut")
}

// enhancedMonitoringGB is the RDSOSMetrics data of one instance a month.
func (c *pricing) enhancedMonitoringGB(r *assembly.Resource) float64 {
	iv, ok := r.Number("MonitoringInterval")
	if !ok || iv <= 0 {
		return 0
	}
	samples := c.runningHours() * 3600 / iv
	return samples * c.a.Get("database.enhancedMonitoringKBPerSample") / (1 << 20)
}

func (c *pricing) hasRDSOSMetricsGroup() bool {
	for _, g := range c.stack.OfType("AWS::Logs::LogGroup") {
		if g.String("LogGroupName") == "RDSOSMetrics" {
			return true
		}
	}
	return false
}

func priceKMSKey(c *pricing, r *assembly.Resource, l *Line) {
	if r.String("KeySpec") != "" && r.String("KeySpec") != "SYMMETRIC_DEFAULT" {
		l.note("asymmetric/HMAC key: request prices differ")
	}
	l.add("customer managed key", 1, "kms.key", 1)
	l.addFree("requests", c.a.Get("kms.requestsPerKey"), "kms.requests", 10000, "kms.requests")
	if r.Bool("EnableKeyRotation") {
		period := 365.0
		if p, ok := r.Number("RotationPeriodInDays"); ok && p > 0 {
			period = p
		}
		for k := 1; k <= 2; k++ {
			day := float64(k) * period
			year := int(day/365) + 1
			l.addFrom(fmt.Sprintf("rotation %d (day %v): +$1/month from year %d", k, day, year), 1, "kms.rotation", 1, year)
		}
		l.note("automatic rotation every %v days: the first two rotations add $1/month each, later ones nothing", period)
	}
}

func priceSecret(c *pricing, r *assembly.Resource, l *Line) {
	l.add("secret", 1, "secrets.secret", 1)
	l.add("API calls", c.a.Get("secrets.apiCallsPerSecret"), "secrets.api", 10000)
}

func priceAlarm(c *pricing, r *assembly.Resource, l *Line) {
	period, _ := r.Number("Period")
	highRes := period > 0 && period < 60
	n := 1
	what := "alarm on one metric"
	if metrics, ok := r.Prop("Metrics").([]any); ok {
		n = 0
		for _, m := range metrics {
			mm, _ := m.(map[string]any)
			if ms, ok := mm["MetricStat"].(map[string]any); ok {
				n++
				if p, ok := assembly.Number(ms["Period"]); ok && p < 60 {
					highRes = true
				}
			}
			if expr, _ := mm["Expression"].(string); strings.Contains(expr, "ANOMALY_DETECTION_BAND") {
				n += 2 // an anomaly detection alarm is billed as 3 metrics
			}
		}
		if n == 0 {
			n = 1
		}
		what = fmt.Sprintf("metric-math alarm reading %d metric(s)", n)
	}
	if highRes {
		l.add(what+", high-resolution", float64(n), "cloudwatch.alarmMetricHighRes", 1)
		return
	}
	l.addFree(what+", standard", float64(n), "cloudwatch.alarmMetric", 1, "cloudwatch.alarms")
}

func logStorageMonths(r *assembly.Resource, l *Line) float64 {
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
	u := c.logGroupUsage(r)
	l.note("%s", u.what)
	l.Notes = append(l.Notes, u.notes...)
	l.addFree("ingestion", u.gb, "logs.ingest", 1, "logs.data")
	months := logStorageMonths(r, l)
	l.addFree(fmt.Sprintf("storage (%.1f months retained, uncompressed upper bound)", months), u.gb*months, "logs.storage", 1, "logs.data")
}

func priceMetricFilter(c *pricing, r *assembly.Resource, l *Line) {
	n := 1
	if ts, ok := r.Prop("MetricTransformations").([]any); ok && len(ts) > 0 {
		n = len(ts)
	}
	l.addFree("custom metric(s) published", float64(n), "cloudwatch.customMetric", 1, "cloudwatch.metrics")
}

func priceSchedule(c *pricing, r *assembly.Resource, l *Line) {
	expr := r.String("ScheduleExpression")
	if r.String("State") == "DISABLED" {
		l.note("disabled: no invocations")
		return
	}
	n, err := RunsPerMonth(expr)
	if err != nil {
		l.notPriced("schedule: %v", err)
		return
	}
	l.addFree("invocations of "+expr, n, "scheduler.invocations", 1e6, "scheduler.invocations")
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

func priceBucket(c *pricing, r *assembly.Resource, l *Line) {
	switch kind, why := c.bucketKind(r); kind {
	case bucketCDNLogs:
		l.note("CloudFront log bucket (%s): standard-log delivery to S3 is free, storage is not", why)
		l.add("log storage", c.a.Get("storage.cdnLogGB"), "s3.standard", 1)
	case bucketAccessLogs:
		l.note("access-log bucket (receives server access logs; delivery is free)")
		l.add("log storage", c.a.Get("storage.accessLogGB"), "s3.standard", 1)
	case bucketStatic:
		l.note("static-assets bucket (%s): CloudFront's origin fetches from it are free; the asset deployment writes it", why)
		l.add("storage", c.a.Get("web.staticAssetsGB"), "s3.standard", 1)
		l.add("PUT/COPY/POST/LIST requests (asset deployments)", c.a.Get("web.staticPutsPerMonth"), "s3.put", 1000)
		l.add("GET requests (CloudFront cache misses)", c.a.Get("web.staticOriginGetsPerMonth"), "s3.get", 1000)
	default:
		l.note("upload bucket: usage from the storage.* assumptions; Standard class throughout (lifecycle transitions lower it)")
		l.add("storage", c.a.Get("storage.storedGB"), "s3.standard", 1)
		l.add("PUT/COPY/POST/LIST requests", c.a.Get("storage.putsPerMonth"), "s3.put", 1000)
		l.add("GET requests", c.a.Get("storage.getsPerMonth"), "s3.get", 1000)
		l.addFree("data transfer out", c.a.Get("storage.transferOutGB"), "s3.transferOut", 1, "internet.transferOut")
	}
}

func priceTopic(c *pricing, r *assembly.Resource, l *Line) {
	n := c.a.Get("sns.publishesPerMonth")
	l.addFree("publishes", n, "sns.publish", 1e6, "sns.publishes")
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
		l.addFree(fmt.Sprintf("e-mail notifications to %d subscription(s)", emails), n*float64(emails), "sns.email", 100000, "sns.email")
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
	l.note("Amplify's free tier lasts 12 months only: not counted")
}

func priceVPCEndpoint(c *pricing, r *assembly.Resource, l *Line) {
	if t := r.String("VpcEndpointType"); t == "" || t == "Gateway" {
		l.note("gateway endpoint (S3, DynamoDB): free, and traffic through it is free")
		return
	}
	azs := 1.0
	if subnets, _ := r.Prop("SubnetIds").([]any); len(subnets) > 0 {
		azs = float64(len(subnets))
	}
	l.add(fmt.Sprintf("interface endpoint hours in %v AZ(s)", azs), HoursPerMonth*azs, "vpc.interfaceEndpoint", 1)
	l.add("data processed", c.a.Get("network.endpointGBPerMonth"), "vpc.interfaceEndpointData", 1)
}

func priceNatGateway(c *pricing, r *assembly.Resource, l *Line) {
	if r.String("ConnectivityType") == "private" {
		l.note("private NAT gateway: no public IPv4 address")
	}
	l.add("NAT gateway hours", HoursPerMonth, "vpc.natGateway", 1)
	l.add("data processed", c.a.Get("network.natGBPerMonth"), "vpc.natGatewayData", 1)
	l.note("its Elastic IP is priced on the EIP resource; internet data transfer out is billed on top (not estimated: the same with a NAT instance)")
}

func priceEIP(c *pricing, r *assembly.Resource, l *Line) {
	for _, ref := range assembly.Refs(r.Prop("InstanceId")) {
		l.note("attached to instance %s", ref.Target)
	}
	l.add("public IPv4 address hours", HoursPerMonth, "vpc.publicIPv4", 1)
}

func priceFlowLog(c *pricing, r *assembly.Resource, l *Line) {
	switch d := r.String("LogDestinationType"); d {
	case "", "cloud-watch-logs":
		traffic := r.String("TrafficType")
		if traffic == "" {
			traffic = "ALL"
		}
		l.note("%s traffic to CloudWatch Logs: ingestion and storage are priced on its log group", traffic)
	default:
		l.notPriced("flow logs delivered to %s: vended-log delivery there is not in the price table", d)
	}
}

func priceBackupVault(c *pricing, r *assembly.Resource, l *Line) {
	l.add("snapshot storage (warm)", c.a.Get("backup.vaultGB"), "backup.rdsSnapshot", 1)
	l.note("RDS snapshots taken by AWS Backup also count toward the RDS backup storage on the DB instance: keep database.backupStorageGB to the automated backups to avoid counting them twice")
}

// deriveFromTemplate reads usage from the template itself: the hours a
// month the database is stopped, from every EventBridge Scheduler schedule
// that calls rds:stopDBInstance or rds:startDBInstance, and the hours the
// EC2 (NAT) instances are stopped, from those that call ec2:stopInstances
// or ec2:startInstances (several windows, weekday rules, their time zones).
func deriveFromTemplate(s *assembly.Stack) (map[string]Value, []string) {
	kinds := []struct {
		key, stop, start, what string
	}{
		{"database.stoppedHoursPerMonth", "rds:stopdbinstance", "rds:startdbinstance", "database instances"},
		{"ec2.stoppedHoursPerMonth", "ec2:stopinstances", "ec2:startinstances", "EC2 instances"},
	}
	out := map[string]Value{}
	var notes []string
	for _, k := range kinds {
		var switches []Switch
		var desc []string
		ids := map[string]bool{}
		for _, sch := range s.OfType("AWS::Scheduler::Schedule") {
			if sch.String("State") == "DISABLED" {
				continue
			}
			arn := strings.ToLower(sch.String("Target.Arn"))
			stop := strings.HasSuffix(arn, k.stop)
			if !stop && !strings.HasSuffix(arn, k.start) {
				continue
			}
			if id := dbIdentifier(sch.String("Target.Input")); id != "" {
				ids[id] = true
			}
			tz := sch.String("ScheduleExpressionTimezone")
			if tz == "" {
				tz = "UTC"
			}
			switches = append(switches, Switch{Name: sch.LogicalID, Expr: sch.String("ScheduleExpression"), TimeZone: tz, Stop: stop})
			verb := "start"
			if stop {
				verb = "stop"
			}
			desc = append(desc, fmt.Sprintf("%s %s %s %s", verb, sch.LogicalID, sch.String("ScheduleExpression"), tz))
		}
		if len(switches) == 0 {
			continue
		}
		if len(ids) > 1 {
			notes = append(notes, fmt.Sprintf("stop/start schedules name %d %s: their windows are combined", len(ids), k.what))
		}
		frac, more, err := StoppedFraction(switches)
		if err != nil {
			notes = append(notes, "stop/start schedules not understood ("+err.Error()+"): "+k.key+" taken from the assumptions")
			continue
		}
		notes = append(notes, more...)
		out[k.key] = Value{Key: k.key, Value: frac * HoursPerMonth, Source: "template: " + strings.Join(desc, ", ")}
	}
	if len(out) == 0 {
		return nil, notes
	}
	return out, notes
}

// dbIdentifier reads DbInstanceIdentifier from a schedule's JSON input.
func dbIdentifier(input string) string {
	const key = `"DbInstanceIdentifier"`
	i := strings.Index(input, key)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(input[i+len(key):], " :")
	if !strings.HasPrefix(rest, `"`) {
		return ""
	}
	rest = rest[1:]
	if j := strings.Index(rest, `"`); j >= 0 {
		return rest[:j]
	}
	return ""
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
