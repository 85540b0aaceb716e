package main

// The price table: on-demand list prices in USD for eu-west-1 (Europe,
// Ireland), as of PricesAsOf. Each figure names the public AWS price page
// it comes from (Source) and when it was read (Read); Checked says where
// the figure was confirmed beyond that page, with the date; Unconfirmed,
// when set, says that the figure could not be confirmed and why (the output
// marks every item priced with such a figure). Change a figure here, with
// its source and date, when AWS changes it.

// PricesAsOf is the month the price table was last revised.
const PricesAsOf = "2026-12"

// Region is the region the prices are for.
const Region = "eu-west-1"

// HoursPerMonth is the month AWS's own calculators use (8,760 h / 12).
const HoursPerMonth = 730.0

// Price is one figure of the table.
type Price struct {
	USD  float64
	Unit string
	// Source is the public AWS page that publishes the figure.
	Source string
	// Read is when the figure was read: "2026-11" for the figures of the
	// table as first compiled, "2026-12-01" for those read or re-checked
	// for this revision.
	Read string
	// Checked says where the figure was confirmed beyond Source, and when.
	Checked string
	// Unconfirmed, when set, says why the figure could not be confirmed.
	Unconfirmed string
	Note        string
}

const (
	readCompiled = "2026-11"
	readToday    = "2026-12-01"
)

const (
	srcRDS        = "https://aws.amazon.com/rds/postgresql/pricing/"
	srcRDSRI      = "https://aws.amazon.com/rds/reserved-instances/"
	srcCloudWatch = "https://aws.amazon.com/cloudwatch/pricing/"
	srcKMS        = "https://aws.amazon.com/kms/pricing/"
	srcSecrets    = "https://aws.amazon.com/secrets-manager/pricing/"
	srcLambda     = "https://aws.amazon.com/lambda/pricing/"
	srcS3         = "https://aws.amazon.com/s3/pricing/"
	srcSNS        = "https://aws.amazon.com/sns/pricing/"
	srcAmplify    = "https://aws.amazon.com/amplify/pricing/"
	srcVPC        = "https://aws.amazon.com/vpc/pricing/"
	srcPrivateLnk = "https://aws.amazon.com/privatelink/pricing/"
	srcEventBr    = "https://aws.amazon.com/eventbridge/pricing/"
	srcRoute53    = "https://aws.amazon.com/route53/pricing/"
	srcEC2        = "https://aws.amazon.com/ec2/pricing/on-demand/"
	srcEBS        = "https://aws.amazon.com/ebs/pricing/"
	srcCloudFront = "https://aws.amazon.com/cloudfront/pricing/"
	srcBackup     = "https://aws.amazon.com/backup/pricing/"
	srcFreeTier   = "https://aws.amazon.com/free/"

	chkPriceList = "AWS Price List data (AWSAmplify offer file, effective 2024-10-01) as mirrored publicly"
	chkRDSDocs   = "RDS User Guide, 'On-Demand DB instances' (Multi-AZ bills primary and standby; stopped instances bill storage, not hours)"
	chkIPv4Blog  = "AWS blog 'Identify and optimize public IPv4 address usage on AWS' (charge from 2024-02-01); $0.005/IP-hour again in cloudburn.io's NAT gateway guide (2026-02), read 2026-12-01"

	unconfRDS = "the eu-west-1 PostgreSQL table is rendered by script and is not in the stored copies searched on 2026-12-01; only us-east-1 figures were found (db.t4g.micro $0.016, db.t4g.small $0.032: infratally.com, 2026). The review's suspicion (a cent high) could be neither confirmed nor refuted"
	unconfNew = "not confirmed on 2026-12-01: the stored copies of the price page do not show the eu-west-1 table; figure from the same page as last known, check it before relying on it"
)

// Prices is the table, by key. Keys are referenced by the pricers; a test
// checks that every key used exists and every key is used.
var Prices = map[string]Price{
	// RDS for PostgreSQL, Single-AZ instance hours; Multi-AZ (one standby) is twice the figure.
	"rds.instance.db.t4g.micro":   {USD: 0.018, Unit: "instance-hour", Source: srcRDS, Read: readCompiled, Checked: chkRDSDocs, Unconfirmed: unconfRDS},
	"rds.instance.db.t4g.small":   {USD: 0.036, Unit: "instance-hour", Source: srcRDS, Read: readCompiled, Unconfirmed: unconfRDS},
	"rds.instance.db.t4g.medium":  {USD: 0.072, Unit: "instance-hour", Source: srcRDS, Read: readCompiled},
	"rds.instance.db.t4g.large":   {USD: 0.145, Unit: "instance-hour", Source: srcRDS, Read: readCompiled},
	"rds.instance.db.t4g.xlarge":  {USD: 0.290, Unit: "instance-hour", Source: srcRDS, Read: readCompiled},
	"rds.instance.db.t4g.2xlarge": {USD: 0.580, Unit: "instance-hour", Source: srcRDS, Read: readCompiled},
	"rds.instance.db.t3.micro":    {USD: 0.020, Unit: "instance-hour", Source: srcRDS, Read: readCompiled},
	"rds.instance.db.t3.small":    {USD: 0.040, Unit: "instance-hour", Source: srcRDS, Read: readCompiled},
	"rds.instance.db.t3.medium":   {USD: 0.080, Unit: "instance-hour", Source: srcRDS, Read: readCompiled},
	"rds.instance.db.m7g.large":   {USD: 0.186, Unit: "instance-hour", Source: srcRDS, Read: readToday, Unconfirmed: unconfNew + " (a public code listing of RDS prices, region not stated, has db.m7g.large at $0.168; read 2026-12-01)"},
	"rds.instance.db.m7g.xlarge":  {USD: 0.372, Unit: "instance-hour", Source: srcRDS, Read: readToday, Unconfirmed: unconfNew + " (twice the large)"},
	"rds.instance.db.r7g.large":   {USD: 0.264, Unit: "instance-hour", Source: srcRDS, Read: readToday, Unconfirmed: unconfNew},
	"rds.instance.db.r7g.xlarge":  {USD: 0.528, Unit: "instance-hour", Source: srcRDS, Read: readToday, Unconfirmed: unconfNew + " (twice the large)"},
	"rds.storage.gp3":             {USD: 0.127, Unit: "GB-month", Source: srcRDS, Read: readCompiled, Note: "Single-AZ; Multi-AZ bills the standby's copy too (x2). Baseline 3,000 IOPS / 125 MB/s included below 400 GB"},
	"rds.storage.gp2":             {USD: 0.127, Unit: "GB-month", Source: srcRDS, Read: readCompiled, Note: "Single-AZ; x2 for Multi-AZ"},
	"rds.backup": {USD: 0.095, Unit: "GB-month", Source: srcRDS, Read: readCompiled,
		Checked: "AWS Database Blog 'Demystifying Amazon RDS backup storage costs' (free up to 100% of the provisioned storage, automated backups and manual snapshots alike) and druva.com ($0.095/GB), read 2026-12-01",
		Note:    "backup storage beyond 100% of the provisioned storage (which is free); includes manual snapshots and those AWS Backup takes"},
	"rds.multiAzFactor": {USD: 2, Unit: "factor", Source: srcRDS, Read: readCompiled, Checked: chkRDSDocs, Note: "Multi-AZ with one standby: instance and storage billed twice"},
	"rds.ri1yNoUpfrontFactor": {USD: 0.70, Unit: "share of the on-demand rate", Source: srcRDSRI, Read: readToday,
		Checked:     "archera.ai RDS commitment brief (data of 2026-03, read 2026-12-01): 'No Upfront (up to 30%, 1-yr term only)'; usage.ai (2026): about 33% for a 1-year no-upfront RI",
		Unconfirmed: "the eu-west-1 1-year no-upfront rate of a specific class was not found on 2026-12-01: a 30% saving (the published upper figure for no-upfront) is applied to the on-demand rate",
		Note:        "option line only, never in the totals"},
	"cloudwatch.dbInsightsAdvanced": {USD: 0.0125, Unit: "vCPU-hour", Source: srcCloudWatch, Read: readToday,
		Checked:     "RDS User Guide 'Considerations for Database Insights' (read 2026-12-01): Advanced mode needs 465-day Performance Insights retention at no cost beyond Database Insights itself; its price is on the CloudWatch page only",
		Unconfirmed: "the figure per vCPU-hour is not in the stored copies of the CloudWatch pricing page (2026-12-01)"},

	// Public IPv4, NAT, endpoints, EC2.
	"vpc.publicIPv4": {USD: 0.005, Unit: "IP-hour", Source: srcVPC, Read: readToday, Checked: chkIPv4Blog, Note: "every in-use public IPv4 address: Elastic IPs, NAT instances, RDS with PubliclyAccessible"},
	"vpc.natGateway": {USD: 0.048, Unit: "NAT gateway-hour", Source: srcVPC, Read: readToday,
		Checked: "cloudpipelines.pages.dev 'AWS NAT Gateway pricing 2026' (read 2026-12-01): Europe (Ireland, Frankfurt, London) ~$0.048-$0.052 per hour and per GB; us-east-1 $0.045"},
	"vpc.natGatewayData": {USD: 0.048, Unit: "GB processed", Source: srcVPC, Read: readToday,
		Checked: "as vpc.natGateway", Note: "every GB through the NAT gateway, in either direction; internet data transfer out is billed on top (not estimated: the same with a NAT instance)"},
	"vpc.interfaceEndpoint": {USD: 0.011, Unit: "endpoint-AZ-hour", Source: srcPrivateLnk, Read: readToday,
		Unconfirmed: unconfNew + " (us-east-1 $0.01 per AZ-hour: egresscost.com, read 2026-12-01)"},
	"vpc.interfaceEndpointData": {USD: 0.01, Unit: "GB processed", Source: srcPrivateLnk, Read: readToday,
		Checked: "egresscost.com NAT gateway page (read 2026-12-01): interface endpoint $0.01/GB"},
	"ec2.instance.t4g.nano":  {USD: 0.0046, Unit: "instance-hour", Source: srcEC2, Read: readToday, Unconfirmed: unconfNew + " (us-east-1 t4g.nano $0.0042: egresscost.com lists a t4g.nano NAT instance at $3.07/month, read 2026-12-01)"},
	"ec2.instance.t4g.micro": {USD: 0.0092, Unit: "instance-hour", Source: srcEC2, Read: readToday, Unconfirmed: unconfNew},
	"ec2.instance.t4g.small": {USD: 0.0184, Unit: "instance-hour", Source: srcEC2, Read: readToday, Unconfirmed: unconfNew},
	"ebs.gp3":                {USD: 0.088, Unit: "GB-month", Source: srcEBS, Read: readToday, Unconfirmed: unconfNew, Note: "gp3 volume; baseline 3,000 IOPS / 125 MB/s included"},
	"ec2.dataTransferOut": {USD: 0.09, Unit: "GB", Source: srcEC2, Read: readCompiled,
		Note: "data transfer out to the internet, first 10 TB tier (100 GB/month free per account: free-tier column)"},

	// CloudWatch.
	"cloudwatch.alarmMetric":        {USD: 0.10, Unit: "alarm-metric-month", Source: srcCloudWatch, Read: readCompiled, Note: "standard resolution; a metric-math alarm pays per metric it reads"},
	"cloudwatch.alarmMetricHighRes": {USD: 0.30, Unit: "alarm-metric-month", Source: srcCloudWatch, Read: readCompiled, Note: "high resolution (period < 60 s)"},
	"cloudwatch.compositeAlarm":     {USD: 0.50, Unit: "alarm-month", Source: srcCloudWatch, Read: readCompiled},
	"cloudwatch.dashboard":          {USD: 3.00, Unit: "dashboard-month", Source: srcCloudWatch, Read: readCompiled},
	"cloudwatch.customMetric": {USD: 0.30, Unit: "metric-month", Source: srcCloudWatch, Read: readCompiled,
		Note: "first 10,000 metrics; a log metric filter publishes one per transformation, an Embedded Metric Format record one per metric name"},
	"logs.ingest":          {USD: 0.57, Unit: "GB ingested", Source: srcCloudWatch, Read: readCompiled, Note: "standard log class, Europe (Ireland); VPC flow logs (vended logs) cost the same in the first 10 TB"},
	"logs.storage":         {USD: 0.03, Unit: "GB-month stored", Source: srcCloudWatch, Read: readCompiled},
	"synthetics.canaryRun": {USD: 0.0012, Unit: "canary run", Source: srcCloudWatch, Read: readCompiled},

	// Keys and secrets.
	"kms.key": {USD: 1.00, Unit: "key-month", Source: srcKMS, Read: readToday,
		Checked: "cloudburn.io 'AWS KMS pricing' (2026-03, 'including the May 2024 key rotation pricing update') and a gist of the page, read 2026-12-01",
		Note:    "customer managed key"},
	"kms.rotation": {USD: 1.00, Unit: "key-month per rotation", Source: srcKMS, Read: readToday,
		Checked: "AWS Security Blog on faster key rotation (via sysops.app, read 2026-12-01): 'a new limit on the price of all symmetric keys that have had two or more rotations'; canglad.com: the reduction was announced 2024-04-12",
		Note:    "each of the first two rotations of a key's material adds $1/month; later rotations add nothing (so $1, $2, then $3 a month for a key rotated yearly)"},
	"kms.requests": {USD: 0.03, Unit: "10,000 requests", Source: srcKMS, Read: readToday, Checked: "as kms.key"},
	"secrets.secret": {USD: 0.40, Unit: "secret-month", Source: srcSecrets, Read: readToday,
		Checked: "hivebook.wiki 'AWS Secrets Manager' ($0.40 per secret per month + $0.05 per 10k API calls) and the RDS User Guide 'Password management with Amazon RDS and AWS Secrets Manager' (an RDS-managed master secret incurs Secrets Manager charges), read 2026-12-01",
		Note:    "no always-free allowance (a 30-day trial only)"},
	"secrets.api": {USD: 0.05, Unit: "10,000 API calls", Source: srcSecrets, Read: readToday, Checked: "as secrets.secret"},

	// Lambda.
	"lambda.requests": {USD: 0.20, Unit: "1M requests", Source: srcLambda, Read: readToday,
		Checked: "'How AWS Pricing Works: Lambda' whitepaper and unanswered.io's Lambda guide (the 1M requests and 400,000 GB-s 'do not expire after the initial 12-month AWS Free Tier'), read 2026-12-01"},
	"lambda.gbSecondX86": {USD: 0.0000166667, Unit: "GB-second", Source: srcLambda, Read: readToday, Checked: "as lambda.requests (first 6 billion GB-s)"},
	"lambda.gbSecondArm64": {USD: 0.0000133334, Unit: "GB-second", Source: srcLambda, Read: readCompiled,
		Note: "Arm (Graviton) price, first 7.5 billion GB-s; the stored excerpts of 2026-12-01 did not reach the Arm table"},
	"lambdaEdge.requests": {USD: 0.60, Unit: "1M requests", Source: srcCloudFront, Read: readToday,
		Checked: "kindatechnical.com CloudFront pricing lesson (read 2026-12-01): $0.60 per 1M Lambda@Edge requests", Note: "Lambda@Edge does not draw on Lambda's free tier"},
	"lambdaEdge.gbSecond": {USD: 0.00005001, Unit: "GB-second", Source: srcCloudFront, Read: readToday,
		Unconfirmed: "the duration rate ($0.00000625125 per 128 MB-second) is not in the stored excerpts of 2026-12-01", Note: "billed per 1 ms since 2021-04-01 (AWS What's New, read 2026-12-01)"},

	// CloudFront.
	"cloudfront.transfer.europe": {USD: 0.085, Unit: "GB", Source: srcCloudFront, Read: readToday,
		Checked: "the CloudFront pricing page (stored copy, read 2026-12-01): first 10 TB, United States/Mexico/Canada and Europe/Israel/Türkiye $0.085",
		Note:    "viewers in North America and Europe, and every viewer of a PriceClass_100 distribution"},
	"cloudfront.transfer.africa": {USD: 0.110, Unit: "GB", Source: srcCloudFront, Read: readToday,
		Checked: "the CloudFront pricing page (stored copy, read 2026-12-01): first 10 TB, South Africa/Kenya/Nigeria/Middle East $0.110",
		Note:    "viewers in South Africa served from African edge locations (PriceClass_200 and PriceClass_All)"},
	"cloudfront.https.europe": {USD: 0.0100, Unit: "10,000 HTTPS requests", Source: srcCloudFront, Read: readToday,
		Checked: "wring.co 'AWS CloudFront pricing guide' (read 2026-12-01): North America/Europe HTTPS $0.0100 per 10,000 (the request table is not in the stored copy of the AWS page)"},
	"cloudfront.https.africa": {USD: 0.0220, Unit: "10,000 HTTPS requests", Source: srcCloudFront, Read: readToday,
		Checked:     "wring.co (read 2026-12-01): the highest request rate it lists (South America) is $0.0220 per 10,000",
		Unconfirmed: "the South Africa request rate was not found on 2026-12-01: the highest published rate is used as an upper bound"},
	"cloudfront.functions": {USD: 0.10, Unit: "1M invocations", Source: srcCloudFront, Read: readToday,
		Checked: "cur.vantage.sh CloudFront billing codes (read 2026-12-01): 'Invocation pricing is $0.10 per 1 million invocations'"},
	"cloudfront.flatRatePro": {USD: 15, Unit: "distribution-month", Source: srcCloudFront, Read: readToday,
		Checked: "duckbillhq.com and bybowu.com on the flat-rate plans launched 2025-11-18 (read 2026-12-01): Free $0 (1M requests, 100 GB), Pro $15 (10M requests, 50 TB), Business $200, Premium $1,000; no overage charges; Lambda@Edge not supported (finops.com.py)",
		Note:    "option line only"},

	// EventBridge.
	"scheduler.invocations": {USD: 1.00, Unit: "1M invocations", Source: srcEventBr, Read: readToday,
		Checked: "cloudburn.io 'Amazon EventBridge pricing' (2026-03, read 2026-12-01): Scheduler $1.00 per million, 14M invocations/month free"},

	// Route 53.
	"route53.healthCheck":        {USD: 0.75, Unit: "health-check-month", Source: srcRoute53, Read: readCompiled, Note: "endpoint outside AWS"},
	"route53.healthCheckFeature": {USD: 1.00, Unit: "feature-month", Source: srcRoute53, Read: readCompiled, Note: "each optional feature: HTTPS, string matching, fast interval, latency measurement"},
	"route53.hostedZone":         {USD: 0.50, Unit: "zone-month", Source: srcRoute53, Read: readCompiled},

	// S3.
	"s3.standard":    {USD: 0.023, Unit: "GB-month", Source: srcS3, Read: readCompiled, Note: "S3 Standard, first 50 TB, Europe (Ireland); the 5 GB free tier lasts 12 months only (not counted)"},
	"s3.put":         {USD: 0.005, Unit: "1,000 PUT/COPY/POST/LIST", Source: srcS3, Read: readCompiled},
	"s3.get":         {USD: 0.0004, Unit: "1,000 GET/SELECT", Source: srcS3, Read: readCompiled},
	"s3.transferOut": {USD: 0.09, Unit: "GB", Source: srcS3, Read: readCompiled, Note: "data transfer out to the internet (first 10 TB tier); to CloudFront it is free"},

	// AWS Backup.
	"backup.rdsSnapshot": {USD: 0.095, Unit: "GB-month", Source: srcBackup, Read: readToday,
		Unconfirmed: "the per-region table of the AWS Backup page is not in its stored copy (2026-12-01); AWS Backup bills RDS snapshots at the RDS snapshot rate, rds.backup's $0.095"},

	// SNS.
	"sns.publish": {USD: 0.50, Unit: "1M publishes", Source: srcSNS, Read: readToday, Checked: "factualminds.com 'Amazon SNS pricing' (2026-06, read 2026-12-01): $0.50/M publishes, e-mail $2/100K"},
	"sns.email":   {USD: 2.00, Unit: "100,000 e-mail notifications", Source: srcSNS, Read: readToday, Checked: "as sns.publish"},

	// Amplify Hosting (the hosting before the move to Lambda + CloudFront;
	// kept so that -compare prices both sides of the move).
	"amplify.buildMinute": {USD: 0.01, Unit: "build minute", Source: srcAmplify, Read: readCompiled, Note: "standard build instance"},
	"amplify.storage":     {USD: 0.023, Unit: "GB-month stored", Source: srcAmplify, Read: readCompiled, Checked: chkPriceList},
	"amplify.transferOut": {USD: 0.15, Unit: "GB served", Source: srcAmplify, Read: readCompiled},
	"amplify.ssrRequests": {USD: 0.30, Unit: "1M SSR requests", Source: srcAmplify, Read: readCompiled, Checked: chkPriceList},
	"amplify.ssrDuration": {USD: 0.20, Unit: "GB-hour", Source: srcAmplify, Read: readCompiled, Checked: chkPriceList},
}

// price returns a figure of the table; an unknown key is a programming
// error (TestEveryPriceKeyIsUsed catches it).
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

// FreeTier is an always-free monthly allowance of an AWS account. Only
// allowances that do not expire are listed: the 12-month offers (RDS,
// EC2, S3 5 GB, public IPv4 hours…) are never counted.
type FreeTier struct {
	Allowance float64
	Unit      string
	Source    string
	Read      string
	Checked   string
	Note      string
}

// FreeTiers are the always-free allowances by pool; an item names the pool
// it draws on. Each is applied once, to the whole assembly (see
// ApplyFreeTiers).
var FreeTiers = map[string]FreeTier{
	"lambda.requests":  {Allowance: 1e6, Unit: "requests", Source: srcLambda, Read: readToday, Checked: Prices["lambda.requests"].Checked, Note: "x86 and Arm together; not Lambda@Edge"},
	"lambda.gbSeconds": {Allowance: 400000, Unit: "GB-seconds", Source: srcLambda, Read: readToday, Checked: Prices["lambda.requests"].Checked, Note: "x86 and Arm together; not Lambda@Edge"},
	"cloudwatch.metrics": {Allowance: 10, Unit: "custom metrics", Source: srcCloudWatch, Read: readCompiled,
		Note: "the CloudWatch free tier ('10 custom metrics and 10 alarms'; the stored excerpts of 2026-12-01 did not show the free-tier box)"},
	"cloudwatch.alarms":     {Allowance: 10, Unit: "standard-resolution alarm metrics", Source: srcCloudWatch, Read: readCompiled, Note: "as cloudwatch.metrics"},
	"cloudwatch.dashboards": {Allowance: 3, Unit: "dashboards", Source: srcCloudWatch, Read: readCompiled, Note: "up to 50 metrics each"},
	"logs.data":             {Allowance: 5, Unit: "GB (ingestion and storage)", Source: srcCloudWatch, Read: readCompiled, Note: "5 GB of log data: ingestion, archive storage and Logs Insights scans together"},
	"cloudfront.transfer": {Allowance: 1024, Unit: "GB", Source: srcCloudFront, Read: readToday,
		Checked: "the CloudFront pricing page (stored copy, read 2026-12-01): 'Included in Always Free Tier: 1 TB of data transfer out to the internet per month'"},
	"cloudfront.requests":  {Allowance: 10e6, Unit: "HTTP(S) requests", Source: srcCloudFront, Read: readToday, Checked: "as cloudfront.transfer: '10,000,000 HTTP or HTTPS Requests per month'"},
	"cloudfront.functions": {Allowance: 2e6, Unit: "CloudFront Function invocations", Source: srcCloudFront, Read: readToday, Checked: "as cloudfront.transfer: '2,000,000 CloudFront Function invocations per month'"},
	"kms.requests":         {Allowance: 20000, Unit: "requests", Source: srcKMS, Read: readToday, Checked: "cloudburn.io (2026-03) and the archived KMS page: 20,000 requests/month free across all regions, read 2026-12-01"},
	"sns.publishes":        {Allowance: 1e6, Unit: "publishes", Source: srcSNS, Read: readCompiled},
	"sns.email":            {Allowance: 1000, Unit: "e-mail notifications", Source: srcSNS, Read: readCompiled},
	"scheduler.invocations": {Allowance: 14e6, Unit: "invocations", Source: srcEventBr, Read: readToday,
		Checked: Prices["scheduler.invocations"].Checked},
	"internet.transferOut": {Allowance: 100, Unit: "GB", Source: srcFreeTier, Read: readToday,
		Checked: "re:Post answer 'Data Transfer from AWS Regions to the Internet is now free for up to 100 GB of data per month' and Last Week in AWS on the 2021 expansion ('100GB a month across all regions in perpetuity'), read 2026-12-01",
		Note:    "EC2, RDS, S3… data transfer out to the internet, all regions together (CloudFront has its own 1 TB)"},
}
