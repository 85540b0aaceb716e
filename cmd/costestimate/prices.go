package main

// The price table: on-demand list prices in USD for eu-west-1 (Europe,
// Ireland), as of PricesAsOf. Each figure names the public AWS price page
// it comes from; Checked says where the figure was confirmed beyond that
// page (empty: taken from the public price page, not re-checked here).
// Change a figure here, with its date and source, when AWS changes it.

// PricesAsOf is the month the price table was compiled.
const PricesAsOf = "2026-11"

// Region is the region the prices are for.
const Region = "eu-west-1"

// HoursPerMonth is the month AWS's own calculators use (8,760 h / 12).
const HoursPerMonth = 730.0

// Price is one figure of the table.
type Price struct {
	USD     float64
	Unit    string
	Source  string
	Checked string
	Note    string
}

const (
	srcRDS        = "https://aws.amazon.com/rds/postgresql/pricing/"
	srcCloudWatch = "https://aws.amazon.com/cloudwatch/pricing/"
	srcKMS        = "https://aws.amazon.com/kms/pricing/"
	srcSecrets    = "https://aws.amazon.com/secrets-manager/pricing/"
	srcLambda     = "https://aws.amazon.com/lambda/pricing/"
	srcS3         = "https://aws.amazon.com/s3/pricing/"
	srcSNS        = "https://aws.amazon.com/sns/pricing/"
	srcAmplify    = "https://aws.amazon.com/amplify/pricing/"
	srcVPC        = "https://aws.amazon.com/vpc/pricing/"
	srcEventBr    = "https://aws.amazon.com/eventbridge/pricing/"
	srcRoute53    = "https://aws.amazon.com/route53/pricing/"
	srcEC2        = "https://aws.amazon.com/ec2/pricing/on-demand/"

	chkPriceList = "AWS Price List data (AWSAmplify offer file, effective 2024-10-01) as mirrored publicly"
	chkRDSDocs   = "RDS User Guide, 'On-Demand DB instances' (Multi-AZ bills primary and standby; stopped instances bill storage, not hours)"
	chkIPv4Blog  = "AWS blog 'Identify and optimize public IPv4 address usage on AWS' (charge from 2024-02-01)"
)

// Prices is the table, by key. Keys are referenced by the pricers; a test
// checks that every key used exists and every key is used.
var Prices = map[string]Price{
	// RDS for PostgreSQL, Single-AZ instance hours; Multi-AZ (one standby) is twice the figure.
	"rds.instance.db.t4g.micro":   {USD: 0.018, Unit: "instance-hour", Source: srcRDS, Checked: chkRDSDocs},
	"rds.instance.db.t4g.small":   {USD: 0.036, Unit: "instance-hour", Source: srcRDS},
	"rds.instance.db.t4g.medium":  {USD: 0.072, Unit: "instance-hour", Source: srcRDS},
	"rds.instance.db.t4g.large":   {USD: 0.145, Unit: "instance-hour", Source: srcRDS},
	"rds.instance.db.t4g.xlarge":  {USD: 0.290, Unit: "instance-hour", Source: srcRDS},
	"rds.instance.db.t4g.2xlarge": {USD: 0.580, Unit: "instance-hour", Source: srcRDS},
	"rds.instance.db.t3.micro":    {USD: 0.020, Unit: "instance-hour", Source: srcRDS},
	"rds.instance.db.t3.small":    {USD: 0.040, Unit: "instance-hour", Source: srcRDS},
	"rds.instance.db.t3.medium":   {USD: 0.080, Unit: "instance-hour", Source: srcRDS},
	"rds.storage.gp3":             {USD: 0.127, Unit: "GB-month", Source: srcRDS, Note: "Single-AZ; Multi-AZ bills the standby's copy too (x2). Baseline 3,000 IOPS / 125 MB/s included below 400 GB"},
	"rds.storage.gp2":             {USD: 0.127, Unit: "GB-month", Source: srcRDS, Note: "Single-AZ; x2 for Multi-AZ"},
	"rds.backup":                  {USD: 0.095, Unit: "GB-month", Source: srcRDS, Note: "backup storage beyond 100% of the provisioned storage (which is free); includes manual snapshots"},
	"rds.multiAzFactor":           {USD: 2, Unit: "factor", Source: srcRDS, Checked: chkRDSDocs, Note: "Multi-AZ with one standby: instance and storage billed twice"},

	// Public IPv4 addresses (a publicly accessible RDS instance has one).
	"vpc.publicIPv4": {USD: 0.005, Unit: "IP-hour", Source: srcVPC, Checked: chkIPv4Blog, Note: "every in-use public IPv4 address, including RDS with PubliclyAccessible"},
	"vpc.natGateway": {USD: 0.048, Unit: "hour", Source: srcVPC, Note: "plus $0.048 per GB processed (not estimated)"},
	"vpc.interfaceEndpoint": {USD: 0.011, Unit: "endpoint-AZ-hour", Source: srcVPC,
		Note: "plus $0.01 per GB processed (not estimated)"},
	"ec2.dataTransferOut": {USD: 0.09, Unit: "GB", Source: srcEC2, Note: "data transfer out to the internet (first 10 TB tier; 100 GB/month free per account, not applied)"},

	// CloudWatch.
	"cloudwatch.alarmMetric":        {USD: 0.10, Unit: "alarm-metric-month", Source: srcCloudWatch, Note: "standard resolution; a metric-math alarm pays per metric it reads"},
	"cloudwatch.alarmMetricHighRes": {USD: 0.30, Unit: "alarm-metric-month", Source: srcCloudWatch, Note: "high resolution (period < 60 s)"},
	"cloudwatch.compositeAlarm":     {USD: 0.50, Unit: "alarm-month", Source: srcCloudWatch},
	"cloudwatch.dashboard":          {USD: 3.00, Unit: "dashboard-month", Source: srcCloudWatch, Note: "3 dashboards per account are free (not applied)"},
	"cloudwatch.customMetric":       {USD: 0.30, Unit: "metric-month", Source: srcCloudWatch, Note: "first 10,000 metrics; a log metric filter publishes one per transformation"},
	"logs.ingest":                   {USD: 0.57, Unit: "GB ingested", Source: srcCloudWatch, Note: "standard log class, Europe (Ireland); 5 GB/month free per account (not applied)"},
	"logs.storage":                  {USD: 0.03, Unit: "GB-month stored", Source: srcCloudWatch},
	"synthetics.canaryRun":          {USD: 0.0012, Unit: "canary run", Source: srcCloudWatch},

	// Keys and secrets.
	"kms.key":        {USD: 1.00, Unit: "key-month", Source: srcKMS, Note: "customer managed key; with rotation each of the first two rotations adds $1/month (not estimated)"},
	"kms.requests":   {USD: 0.03, Unit: "10,000 requests", Source: srcKMS, Note: "20,000 requests/month free per account (not applied)"},
	"secrets.secret": {USD: 0.40, Unit: "secret-month", Source: srcSecrets},
	"secrets.api":    {USD: 0.05, Unit: "10,000 API calls", Source: srcSecrets},

	// Lambda (health check, custom resources).
	"lambda.requests":      {USD: 0.20, Unit: "1M requests", Source: srcLambda, Note: "1M requests and 400,000 GB-s per account free (not applied)"},
	"lambda.gbSecondX86":   {USD: 0.0000166667, Unit: "GB-second", Source: srcLambda},
	"lambda.gbSecondArm64": {USD: 0.0000133334, Unit: "GB-second", Source: srcLambda},

	// EventBridge.
	"scheduler.invocations": {USD: 1.00, Unit: "1M invocations", Source: srcEventBr, Note: "EventBridge Scheduler: first 14M invocations/month free per account (not applied)"},

	// Route 53.
	"route53.healthCheck":        {USD: 0.75, Unit: "health-check-month", Source: srcRoute53, Note: "endpoint outside AWS (an Amplify site is not an 'AWS endpoint' in Route 53's sense)"},
	"route53.healthCheckFeature": {USD: 1.00, Unit: "feature-month", Source: srcRoute53, Note: "each optional feature: HTTPS, string matching, fast interval, latency measurement"},
	"route53.hostedZone":         {USD: 0.50, Unit: "zone-month", Source: srcRoute53},

	// S3 (uploads bucket, access-log bucket).
	"s3.standard":    {USD: 0.023, Unit: "GB-month", Source: srcS3, Note: "S3 Standard, first 50 TB, Europe (Ireland)"},
	"s3.put":         {USD: 0.005, Unit: "1,000 PUT/COPY/POST/LIST", Source: srcS3},
	"s3.get":         {USD: 0.0004, Unit: "1,000 GET/SELECT", Source: srcS3},
	"s3.transferOut": {USD: 0.09, Unit: "GB", Source: srcS3, Note: "data transfer out to the internet (first 10 TB tier)"},

	// SNS.
	"sns.publish": {USD: 0.50, Unit: "1M publishes", Source: srcSNS, Note: "first 1M/month free per account (not applied)"},
	"sns.email":   {USD: 2.00, Unit: "100,000 e-mail notifications", Source: srcSNS, Note: "first 1,000/month free per account (not applied)"},

	// Amplify Hosting.
	"amplify.buildMinute": {USD: 0.01, Unit: "build minute", Source: srcAmplify, Note: "standard build instance"},
	"amplify.storage":     {USD: 0.023, Unit: "GB-month stored", Source: srcAmplify, Checked: chkPriceList},
	"amplify.transferOut": {USD: 0.15, Unit: "GB served", Source: srcAmplify},
	"amplify.ssrRequests": {USD: 0.30, Unit: "1M SSR requests", Source: srcAmplify, Checked: chkPriceList},
	"amplify.ssrDuration": {USD: 0.20, Unit: "GB-hour", Source: srcAmplify, Checked: chkPriceList},
}

// price returns a figure of the table; an unknown key is a programming
// error (TestEveryPriceKeyUsedExists catches it).
func price(key string) float64 {
	p, ok := Prices[key]
	if !ok {
		panic("costestimate: no price " + key)
	}
	usedPrices[key] = true
	return p.USD
}

// usedPrices records the keys price was asked for (for the tests).
var usedPrices = map[string]bool{}
