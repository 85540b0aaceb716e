package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

// The pricers of the hosting on Lambda + CloudFront in a VPC: functions,
// the distribution and its functions, NAT instances.

var (
	emfMetricsRE = regexp.MustCompile(`(?s)Metrics"?\s*:\s*\[(.*?)\]`)
	emfNameRE    = regexp.MustCompile(`Name"?\s*:\s*["'\x60]([^"'\x60]+)["'\x60]`)
)

// emfMetrics returns the metric names an inline function (Code.ZipFile)
// publishes with the Embedded Metric Format; each is a custom metric
// (dimension values are assumed constant).
func emfMetrics(f *assembly.Resource) []string {
	code := f.String("Code.ZipFile")
	i := strings.Index(code, "CloudWatchMetrics")
	if i < 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, m := range emfMetricsRE.FindAllStringSubmatch(code[i:], -1) {
		for _, n := range emfNameRE.FindAllStringSubmatch(m[1], -1) {
			seen[n[1]] = true
		}
	}
	return sortedKeys(seen)
}

func priceLambda(c *pricing, r *assembly.Resource, l *Line) {
	u := c.fns[r.LogicalID]
	mem, ok := r.Number("MemorySize")
	if !ok {
		mem = 128
	}
	arch := "x86_64"
	if archs, _ := r.Prop("Architectures").([]any); len(archs) == 1 && archs[0] == "arm64" {
		arch = "arm64"
	}
	l.note("role: %s", u.role)
	l.Notes = append(l.Notes, u.why...)
	gbs := u.invocations * u.durationMs / 1000 * mem / 1024
	compute := fmt.Sprintf("compute, %v MB %s, %v ms each", mem, arch, u.durationMs)
	if u.role == roleEdge {
		l.add("Lambda@Edge requests", u.invocations, "lambdaEdge.requests", 1e6)
		l.add("Lambda@Edge "+compute, gbs, "lambdaEdge.gbSecond", 1)
		l.note("Lambda@Edge writes its logs to CloudWatch Logs in the regions where it runs (not estimated)")
		return
	}
	key := "lambda.gbSecondX86"
	if arch == "arm64" {
		key = "lambda.gbSecondArm64"
	}
	l.addFree("requests", u.invocations, "lambda.requests", 1e6, "lambda.requests")
	l.addFree(compute, gbs, key, 1, "lambda.gbSeconds")
	if names := emfMetrics(r); len(names) > 0 {
		l.addFree(fmt.Sprintf("custom metrics from Embedded Metric Format (%s)", strings.Join(names, ", ")), float64(len(names)),
			"cloudwatch.customMetric", 1, "cloudwatch.metrics")
	}
	if !c.hasLogGroupFor(r) {
		b := c.bytesPerInvocation(u)
		gb := u.invocations * b / bytesPerGB
		l.addFree(fmt.Sprintf("log ingestion, implicit /aws/lambda log group (%v bytes per invocation)", b), gb, "logs.ingest", 1, "logs.data")
		l.addFree("log storage, implicit log group (never expires: 12 months shown)", gb*12, "logs.storage", 1, "logs.data")
	}
	if r.Prop("VpcConfig") != nil {
		l.note("runs in a VPC: reaching AWS APIs or the internet needs a NAT (priced on its own) or endpoints")
	}
}

// priceInstance prices an EC2 instance (a NAT instance here): its hours,
// its EBS volumes and its public IPv4 address.
func priceInstance(c *pricing, r *assembly.Resource, l *Line) {
	var lt *assembly.Resource
	for _, ref := range assembly.Refs(r.Prop("LaunchTemplate")) {
		if t := c.stack.Template.Resources[ref.Target]; t != nil && t.Type == "AWS::EC2::LaunchTemplate" {
			lt = t
		}
	}
	prop := func(name string) any {
		if v := r.Prop(name); v != nil {
			return v
		}
		if lt != nil {
			return lt.Prop("LaunchTemplateData." + name)
		}
		return nil
	}
	typ, _ := prop("InstanceType").(string)
	key := "ec2.instance." + typ
	running := HoursPerMonth - c.a.Get("ec2.stoppedHoursPerMonth")
	if running < HoursPerMonth {
		l.note("stopped %.1f of %.0f hours a month: %.1f instance hours", HoursPerMonth-running, HoursPerMonth, running)
	}
	if _, ok := Prices[key]; ok {
		l.add(typ+" instance hours (Linux)", running, key, 1)
	} else {
		l.notPriced("instance type %q is not in the price table", typ)
	}
	mappings, _ := prop("BlockDeviceMappings").([]any)
	volumes := 0
	for _, m := range mappings {
		ebs, _ := m.(map[string]any)["Ebs"].(map[string]any)
		if ebs == nil {
			continue
		}
		volumes++
		size, ok := assembly.Number(ebs["VolumeSize"])
		vt, _ := ebs["VolumeType"].(string)
		switch {
		case !ok:
			l.notPriced("EBS volume size is not a literal number")
		case vt == "" || vt == "gp3":
			l.add(fmt.Sprintf("EBS gp3 volume, %v GB", size), size, "ebs.gp3", 1)
		default:
			l.notPriced("EBS volume type %q is not in the price table", vt)
		}
	}
	if volumes == 0 {
		l.add("EBS root volume, 8 GB gp3 (the AMI's default size: an assumption)", 8, "ebs.gp3", 1)
	}
	if public, why := c.instancePublicIP(r, prop); public {
		// an address assigned at launch goes back while the instance is stopped
		l.add("public IPv4 address hours ("+why+")", running, "vpc.publicIPv4", 1)
	}
	if b, ok := prop("SourceDestCheck").(bool); (ok && !b) || prop("SourceDestCheck") == "false" {
		l.note("NAT instance (source/destination check off): no per-GB processing charge, unlike a NAT gateway's; internet data transfer out is billed as with a gateway (not estimated)")
	}
}

// instancePublicIP: an instance holds a public IPv4 address when one of
// its interfaces asks for one, or its subnet maps one on launch, unless an
// Elastic IP (priced on its own) is attached.
func (c *pricing) instancePublicIP(r *assembly.Resource, prop func(string) any) (bool, string) {
	for _, e := range c.stack.OfType("AWS::EC2::EIP") {
		if assembly.RefersTo(e.Prop("InstanceId"), r.LogicalID) {
			return false, ""
		}
	}
	for _, a := range c.stack.OfType("AWS::EC2::EIPAssociation") {
		if assembly.RefersTo(a.Prop("InstanceId"), r.LogicalID) {
			return false, ""
		}
	}
	nis, _ := prop("NetworkInterfaces").([]any)
	for _, ni := range nis {
		nm, _ := ni.(map[string]any)
		if v := nm["AssociatePublicIpAddress"]; v == true || v == "true" {
			return true, "AssociatePublicIpAddress"
		}
	}
	subnets := assembly.Refs(r.Prop("SubnetId"))
	for _, ni := range nis {
		nm, _ := ni.(map[string]any)
		subnets = append(subnets, assembly.Refs(nm["SubnetId"])...)
	}
	for _, ref := range subnets {
		if s := c.stack.Template.Resources[ref.Target]; s != nil && s.Type == "AWS::EC2::Subnet" && s.Bool("MapPublicIpOnLaunch") {
			return true, "its subnet " + ref.Target + " maps public IPv4 addresses on launch"
		}
	}
	return false, ""
}

// priceClassIncludesAfrica: PriceClass_100 is North America and Europe
// only; PriceClass_200 and PriceClass_All include South Africa, Kenya and
// the Middle East (CloudFront Developer Guide, 'price classes').
func priceClassIncludesAfrica(class string) bool {
	return class != "PriceClass_100"
}

func priceDistribution(c *pricing, r *assembly.Resource, l *Line) {
	class := r.String("DistributionConfig.PriceClass")
	if class == "" {
		class = "PriceClass_All"
	}
	reqs, gb, africa := c.a.Get("cdn.requestsPerMonth"), c.a.Get("cdn.transferOutGB"), c.a.Get("cdn.africaShare")
	if !priceClassIncludesAfrica(class) {
		l.note("%s: viewers in South Africa are served from European edge locations, at Europe's rates (with more latency)", class)
		africa = 0
	} else {
		l.note("%s: %.0f%% of the traffic (cdn.africaShare) is served from African edge locations at their rates", class, africa*100)
	}
	l.addFree("data transfer out, North America/Europe rate", gb*(1-africa), "cloudfront.transfer.europe", 1, "cloudfront.transfer")
	if africa > 0 {
		l.addFree("data transfer out, South Africa rate", gb*africa, "cloudfront.transfer.africa", 1, "cloudfront.transfer")
	}
	l.addFree("HTTPS requests, North America/Europe rate", reqs*(1-africa), "cloudfront.https.europe", 10000, "cloudfront.requests")
	if africa > 0 {
		l.addFree("HTTPS requests, South Africa rate", reqs*africa, "cloudfront.https.africa", 10000, "cloudfront.requests")
	}
	l.note("origin fetches from AWS origins (Lambda function URLs, S3) are free; request bodies sent to the origin (uploads, form posts) are not estimated")
	if r.Prop("DistributionConfig.Logging") != nil {
		l.note("standard logs to S3: storage priced on the log bucket")
	}
	edge := false
	for _, b := range behaviors(r) {
		if a, _ := b["LambdaFunctionAssociations"].([]any); len(a) > 0 {
			edge = true
		}
	}
	if edge {
		l.note("Lambda@Edge associations: the functions are priced on their own lines (in the us-east-1 companion stack)")
	}
	var payg float64
	for _, it := range l.Items {
		payg += it.USD
	}
	plan := func(name string, usd float64) {
		notes := []string{"flat-rate plans (since 2025-11-18) have no overage charges (traffic beyond the allowance may be throttled) and bundle AWS WAF, DDoS protection, Route 53 DNS and CloudWatch Logs ingestion for the distribution",
			"the pay-as-you-go figure is at list price: the always-free allowance (1 TB, 10M requests) may cover it, see the after-free column"}
		if edge {
			notes = append(notes, "Lambda@Edge is not supported by flat-rate plans: move its work to CloudFront Functions first")
		}
		c.option(Option{Resource: r.LogicalID, Price: "cloudfront.flatRatePro", What: "CloudFront flat-rate " + name + " plan for this distribution",
			CurrentUSD: payg, OptionUSD: usd, Notes: notes})
	}
	switch {
	case reqs <= 1e6 && gb <= 100:
		price("cloudfront.flatRatePro") // the plans' source
		plan("Free ($0: 1M requests, 100 GB)", 0)
	case reqs <= 10e6 && gb <= 50*1024:
		plan("Pro ($15: 10M requests, 50 TB)", price("cloudfront.flatRatePro"))
	}
}

// priceCloudFrontFunction: a viewer function runs on every viewer request
// of the behaviors that associate it.
func priceCloudFrontFunction(c *pricing, r *assembly.Resource, l *Line) {
	associated := false
	for _, d := range c.stack.OfType("AWS::CloudFront::Distribution") {
		for _, b := range behaviors(d) {
			if assembly.RefersTo(b["FunctionAssociations"], r.LogicalID) {
				associated = true
			}
		}
	}
	if !associated {
		l.note("no distribution of this stack associates it: no invocations")
		return
	}
	reqs := c.a.Get("cdn.requestsPerMonth")
	l.addFree("invocations (every viewer request: an upper bound when only some behaviors use it)", reqs, "cloudfront.functions", 1e6, "cloudfront.functions")
}
