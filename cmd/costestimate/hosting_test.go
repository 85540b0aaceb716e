package main

import (
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

// Hand-worked cases for the hosting on Lambda + CloudFront in a VPC, the
// free tiers, year one and the options. Assumptions: testdata/assumptions.json.

const gib = 1 << 30

// KMS: a key rotated yearly costs $1 in year one, $2 in year two and $3
// from year three; a 90-day rotation reaches $3 within the first year.
func TestKMSYearOneVersusSteadyState(t *testing.T) {
	s := tpl(t, "Keys", `{"Resources": {
	  "Rotating": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true}},
	  "Fast": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true, "RotationPeriodInDays": 90}},
	  "Plain": {"Type": "AWS::KMS::Key", "Properties": {}}
	}}`)
	e := estimateAll(t, Options{File: testFile(t)}, s)
	se := e.Stacks[0]
	for id, w := range map[string][2]float64{ // year one, steady
		"Rotating": {1 + 0.03, 1 + 0.03 + 2},
		"Fast":     {1 + 0.03 + 2, 1 + 0.03 + 2},
		"Plain":    {1 + 0.03, 1 + 0.03},
	} {
		l := lineOf(t, se, id)
		if !near(l.YearOneUSD, w[0]) || !near(l.USD, w[1]) {
			t.Errorf("%s: year one %v, steady %v; want %v", id, l.YearOneUSD, l.USD, w)
		}
	}
	r := lineOf(t, se, "Rotating")
	if it := item(t, r, "rotation 1"); it.FromYear != 2 || it.USD != 1 {
		t.Errorf("first rotation: %+v", it)
	}
	if it := item(t, r, "rotation 2"); it.FromYear != 3 || it.USD != 1 {
		t.Errorf("second rotation: %+v", it)
	}
	// 30,000 requests: the 20,000 free cover two thirds of every key's requests.
	if se.YearOneUSD != round(3*1.03+2) || se.USD != round(3*1.03+4) || !near(se.AfterFreeUSD, round(se.USD-0.09*2/3)) {
		t.Errorf("stack: year one %v, steady %v, after free %v", se.YearOneUSD, se.USD, se.AfterFreeUSD)
	}
	if !near(se.YearOneAfterFreeUSD, round(se.AfterFreeUSD-2)) { // Rotating's two surcharges start after year one
		t.Errorf("year one after free = %v", se.YearOneAfterFreeUSD)
	}
}

// Each log group is sized by what it is for.
func TestLogIngestionPerLogGroupKind(t *testing.T) {
	s := tpl(t, "Logs", `{"Resources": {
	  "Vpc": {"Type": "AWS::EC2::VPC"},
	  "AllGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
	  "AllFlow": {"Type": "AWS::EC2::FlowLog", "Properties": {"LogGroupName": {"Ref": "AllGroup"}, "ResourceId": {"Ref": "Vpc"}, "ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}},
	  "RejectGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
	  "RejectFlow": {"Type": "AWS::EC2::FlowLog", "Properties": {"LogGroupName": {"Ref": "RejectGroup"}, "ResourceId": {"Ref": "Vpc"}, "ResourceType": "VPC", "TrafficType": "REJECT"}},
	  "Pg": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/rds/instance/db/postgresql", "RetentionInDays": 30}},
	  "Upgrade": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/rds/instance/db/upgrade", "RetentionInDays": 30}},
	  "RotGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/app-rotation", "RetentionInDays": 30}},
	  "Rotation": {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {"SecretId": "s",
	    "HostedRotationLambda": {"RotationLambdaName": "app-rotation", "RotationType": "PostgreSQLSingleUser"}, "RotationRules": {"ScheduleExpression": "cron(0 4 1 * ? *)"}}},
	  "Probe": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128, "Architectures": ["arm64"], "LoggingConfig": {"LogGroup": {"Ref": "ProbeLogs"}}}},
	  "ProbeLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
	  "ProbeRule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 minute)", "State": "ENABLED", "Targets": [{"Arn": {"Fn::GetAtt": ["Probe", "Arn"]}, "Id": "t"}]}},
	  "Server": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1024, "Architectures": ["arm64"]}},
	  "ServerUrl": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "AWS_IAM", "TargetFunctionArn": {"Fn::GetAtt": ["Server", "Arn"]}}},
	  "ServerLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "Server"}]]}, "RetentionInDays": 30}},
	  "AmplifyLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Join": ["", ["/aws/amplify/", {"Fn::GetAtt": ["App", "AppId"]}]]}, "RetentionInDays": 30}},
	  "Mystery": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}}
	}}`)
	se := EstimateStack(s, Options{File: testFile(t)})
	monthly := 336.0 / 10227 * refMonthDays // cron(0 4 1 * ? *)
	for id, gb := range map[string]float64{
		"AllGroup":    2,                       // logs.flowLogAllGBPerMonth
		"RejectGroup": 0.25,                    // logs.flowLogRejectGBPerMonth
		"Pg":          0.5,                     // logs.postgresqlGBPerMonth
		"Upgrade":     0.001,                   // logs.quietGBPerMonth
		"RotGroup":    monthly * 4 * 500 / gib, // 4 steps a rotation, 500 bytes each
		"ProbeLogs":   43800 * 500.0 / gib,     // every minute, 500 bytes
		"ServerLogs":  1e6 * 1000.0 / gib,      // web.serverRequestsPerMonth x logs.serverBytesPerRequest
		"AmplifyLogs": 1e6 * 1000.0 / gib,      // hosting.ssrRequestsPerMonth x logs.serverBytesPerRequest
		"Mystery":     1,                       // logs.ingestGBPerLogGroup
	} {
		l := lineOf(t, se, id)
		in := item(t, l, "ingestion")
		if !near(in.Quantity, gb) || !near(l.USD, gb*0.57+gb*30/refMonthDays*0.03) {
			t.Errorf("%s: %v GB ($%v), want %v GB\n%v", id, in.Quantity, l.USD, gb, l.Notes)
		}
	}
	// The server's log group is in the template: no implicit log on the function.
	for _, it := range lineOf(t, se, "Server").Items {
		if strings.Contains(it.What, "implicit") {
			t.Errorf("Server: implicit log priced although its group is in the template: %+v", it)
		}
	}
}

// A server function on arm64 at the assumed traffic, alone in its account
// (inside the free tier) and beside another stack that uses as much.
func TestLambdaWithAndWithoutFreeTier(t *testing.T) {
	body := `{"Resources": {
	  "Server": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1024, "Architectures": ["arm64"],
	    "LoggingConfig": {"LogGroup": {"Ref": "Logs"}}, "VpcConfig": {"SubnetIds": ["a"]}}},
	  "Url": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "NONE", "TargetFunctionArn": {"Fn::GetAtt": ["Server", "Arn"]}}},
	  "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}}
	}}`
	// 1M requests of 100 ms at 1 GB: $0.20 + 100,000 GB-s x $0.0000133334.
	list := 1e6/1e6*0.20 + 1e6*0.1*1*0.0000133334
	alone := EstimateStack(tpl(t, "A", body), Options{File: testFile(t)})
	l := lineOf(t, alone, "Server")
	if !near(l.USD, list) || !near(l.AfterFreeUSD, list) || !strings.Contains(strings.Join(l.Notes, " "), "role: Next.js server") {
		t.Errorf("list price, no free tier: %v / %v, want %v\n%+v", l.USD, l.AfterFreeUSD, list, l)
	}
	e := estimateAll(t, Options{File: testFile(t)}, tpl(t, "A", body))
	if l := lineOf(t, e.Stacks[0], "Server"); !near(l.AfterFreeUSD, 0) {
		t.Errorf("inside the free tier (1M requests, 400,000 GB-s): after free %v, want 0", l.AfterFreeUSD)
	}
	// Two stacks of 1M requests each: the 1M free requests cover half of
	// each; 200,000 GB-s stay inside the 400,000 free.
	e = estimateAll(t, Options{File: testFile(t)}, tpl(t, "A", body), tpl(t, "B", body))
	for _, se := range e.Stacks {
		if l := lineOf(t, se, "Server"); !near(l.AfterFreeUSD, 0.10) || !near(l.USD, list) {
			t.Errorf("%s: after free %v, want 0.10 (list %v)", se.Stack, l.AfterFreeUSD, l.USD)
		}
	}
	var req FreeTierUse
	for _, f := range e.FreeTiers {
		if f.Pool == "lambda.requests" {
			req = f
		}
	}
	if req.Used != 2e6 || req.Covered != 0.5 || !near(req.SavedUSD, 0.20) {
		t.Errorf("lambda.requests allowance: %+v", req)
	}
	if !near(e.AfterFreeUSD, round(e.Stacks[0].AfterFreeUSD+e.Stacks[1].AfterFreeUSD)) {
		t.Errorf("the stacks' shares do not add up: %v vs %v + %v", e.AfterFreeUSD, e.Stacks[0].AfterFreeUSD, e.Stacks[1].AfterFreeUSD)
	}
}

// A function whose log group is not in the template logs to an implicit
// /aws/lambda group that never expires (12 months shown); the image
// optimizer is recognised by its name.
func TestImageOptimizerAndImplicitLogGroup(t *testing.T) {
	s := tpl(t, "Img", `{"Resources": {
	  "ImageOptimizationFn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 2048, "Architectures": ["arm64"]}}
	}}`)
	l := lineOf(t, EstimateStack(s, Options{File: testFile(t)}), "ImageOptimizationFn")
	gb := 10000 * 500.0 / gib // 10,000 invocations x 500 bytes
	want := 10000/1e6*0.20 + 10000*0.5*2*0.0000133334 + gb*0.57 + gb*12*0.03
	if !near(l.USD, want) || !strings.Contains(strings.Join(l.Notes, " "), "role: image optimizer") {
		t.Errorf("image optimizer: %v, want %v\n%+v", l.USD, want, l)
	}
}

// Custom-resource functions run at deploy time (directly, or behind a
// provider framework); a rotation function 4 times per rotation.
func TestDeployTimeAndRotationFunctions(t *testing.T) {
	s := tpl(t, "Deploy", `{"Resources": {
	  "Handler": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256, "Architectures": ["arm64"]}},
	  "Framework": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128, "Architectures": ["arm64"],
	    "Environment": {"Variables": {"USER_ON_EVENT_FUNCTION_ARN": {"Fn::GetAtt": ["Handler", "Arn"]}}}}},
	  "Thing": {"Type": "Custom::Thing", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Framework", "Arn"]}}},
	  "Copy": {"Type": "Custom::CDKBucketDeployment", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Copier", "Arn"]}, "DestinationBucketName": {"Ref": "Assets"}}},
	  "Copier": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1024, "Architectures": ["arm64"]}},
	  "Assets": {"Type": "AWS::S3::Bucket"},
	  "Rotator": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128, "Architectures": ["arm64"]}},
	  "Rot": {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {"SecretId": "s",
	    "RotationLambdaARN": {"Fn::GetAtt": ["Rotator", "Arn"]}, "RotationRules": {"AutomaticallyAfterDays": 30}}}
	}}`)
	se := EstimateStack(s, Options{File: testFile(t)})
	for id, mb := range map[string]float64{"Handler": 256, "Framework": 128, "Copier": 1024} {
		l := lineOf(t, se, id)
		if it := item(t, l, "requests"); it.Quantity != 10 || !strings.Contains(strings.Join(l.Notes, " "), "custom resource (deploy time)") {
			t.Errorf("%s: %v invocations, want 10 (one a deployment)\n%v", id, it.Quantity, l.Notes)
		}
		if it := item(t, l, "compute"); !near(it.Quantity, 10*2*mb/1024) {
			t.Errorf("%s: %v GB-s, want %v", id, it.Quantity, 10*2*mb/1024)
		}
	}
	if l := lineOf(t, se, "Copy"); l.Status != Free || !strings.Contains(l.Notes[0], "deploy time") {
		t.Errorf("Custom::CDKBucketDeployment: %+v", l)
	}
	rot := lineOf(t, se, "Rotator")
	if it := item(t, rot, "requests"); !near(it.Quantity, 4*refMonthDays/30) {
		t.Errorf("Rotator: %v invocations, want %v", it.Quantity, 4*refMonthDays/30)
	}
	// The bucket the deployment writes is the static-assets bucket.
	if l := lineOf(t, se, "Assets"); !near(l.USD, 1*0.023+10000.0/1000*0.005+100000.0/1000*0.0004) {
		t.Errorf("static-assets bucket: %v\n%+v", l.USD, l)
	}
}

// Lambda@Edge: the function's role trusts edgelambda.amazonaws.com; with
// no distribution in its (us-east-1) stack it runs on every viewer
// request, with one in the stack on the event of its association.
func TestLambdaAtEdge(t *testing.T) {
	body := `{"Resources": {
	  "EdgeRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
	    "Principal": {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]}}]}}},
	  "EdgeFn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128, "Role": {"Fn::GetAtt": ["EdgeRole", "Arn"]}}},
	  "EdgeVersion": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "EdgeFn"}}}
	}}`
	e := estimateAll(t, Options{File: testFile(t)}, tpl(t, "Edge", body))
	l := lineOf(t, e.Stacks[0], "EdgeFn")
	// 2M viewer requests x $0.60/M; 2M x 10 ms x 128 MB = 2,500 GB-s x $0.00005001; no free tier.
	want := 2*0.60 + 2e6*0.010*0.125*0.00005001
	if !near(l.USD, want) || !near(l.AfterFreeUSD, want) || !strings.Contains(strings.Join(l.Notes, " "), "assumed a viewer trigger") {
		t.Errorf("edge function: %v / %v, want %v\n%+v", l.USD, l.AfterFreeUSD, want, l)
	}
	// In the same stack as an origin-request association: the requests forwarded to the origins.
	s := tpl(t, "Edge", body)
	d := tpl(t, "D", `{"Resources": {"Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
	  "DefaultCacheBehavior": {"TargetOriginId": "o", "LambdaFunctionAssociations": [{"EventType": "origin-request", "LambdaFunctionARN": {"Ref": "EdgeVersion"}}]}}}}}}`)
	s.Template.Resources["Dist"] = d.Template.Resources["Dist"]
	l = lineOf(t, EstimateStack(s, Options{File: testFile(t)}), "EdgeFn")
	if it := item(t, l, "Lambda@Edge requests"); it.Quantity != 1e6 {
		t.Errorf("origin-request trigger on the server behavior: %v invocations, want the server's 1M requests", it.Quantity)
	}

	// The usual layout: the function in a us-east-1 companion stack, the
	// distribution in the environment's stack, reaching the version through
	// Fn::GetStackOutput. An origin-request trigger on the image behavior
	// runs on the image optimizer's requests.
	edgeStack := tpl(t, "Edge-Test", body)
	edgeStack.Template.Outputs = map[string]*assembly.Output{"BodyHashVersion": {Name: "BodyHashVersion", Value: map[string]any{"Ref": "EdgeVersion"}}}
	main := tpl(t, "Main-Test", `{"Resources": {"Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
	  "DefaultCacheBehavior": {"TargetOriginId": "server"},
	  "CacheBehaviors": [{"PathPattern": "_next/image*", "TargetOriginId": "image", "LambdaFunctionAssociations": [{"EventType": "origin-request",
	    "LambdaFunctionARN": {"Fn::GetStackOutput": {"StackName": "Edge-Test", "OutputName": "BodyHashVersion", "Region": "us-east-1"}}}]}],
	  "Origins": [{"Id": "server", "DomainName": "s.example"}, {"Id": "image", "DomainName": "i.example"}]}}}}}`)
	e = estimateAll(t, Options{File: testFile(t)}, edgeStack, main)
	l = lineOf(t, stackOf(t, e, "Edge-Test"), "EdgeFn")
	if it := item(t, l, "Lambda@Edge requests"); it.Quantity != 1e4 || !strings.Contains(strings.Join(l.Notes, " "), "origin-request trigger of Main-Test/Dist on the image behavior") {
		t.Errorf("cross-stack association: %v invocations, want the image optimizer's 10,000\n%v", it.Quantity, l.Notes)
	}
}

const distribution = `{"Resources": {
  "Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"Enabled": true, "PriceClass": "PriceClass_100",
    "DefaultCacheBehavior": {"TargetOriginId": "assets", "ViewerProtocolPolicy": "redirect-to-https",
      "FunctionAssociations": [{"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["Rewrite", "FunctionARN"]}}]},
    "Origins": [{"Id": "assets", "DomainName": {"Fn::GetAtt": ["Assets", "RegionalDomainName"]}, "OriginAccessControlId": {"Fn::GetAtt": ["Oac", "Id"]}, "S3OriginConfig": {"OriginAccessIdentity": ""}}],
    "Logging": {"Bucket": {"Fn::GetAtt": ["CdnLogs", "RegionalDomainName"]}}}}},
  "Rewrite": {"Type": "AWS::CloudFront::Function", "Properties": {"Name": "rewrite", "AutoPublish": true, "FunctionCode": "function handler(e) { return e.request; }",
    "FunctionConfig": {"Comment": "", "Runtime": "cloudfront-js-2.0"}}},
  "Oac": {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {}},
  "Assets": {"Type": "AWS::S3::Bucket"},
  "CdnLogs": {"Type": "AWS::S3::Bucket", "Properties": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}},
  "Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {"DomainName": "example.com"}}
}}`

// CloudFront by price class: 100 GB and 2M requests, half of them from
// South Africa. PriceClass_100 serves South Africa from Europe at Europe's
// rates; PriceClass_200 and All from African edge locations at theirs.
func TestCloudFrontTransferByPriceClass(t *testing.T) {
	for class, want := range map[string]float64{
		"PriceClass_100": 100*0.085 + 2e6/1e4*0.0100,
		"PriceClass_200": 50*0.085 + 50*0.110 + 1e6/1e4*0.0100 + 1e6/1e4*0.0220,
		"":               50*0.085 + 50*0.110 + 1e6/1e4*0.0100 + 1e6/1e4*0.0220, // PriceClass_All
	} {
		s := tpl(t, "Cdn", distribution)
		cfg := s.Template.Resources["Dist"].Properties["DistributionConfig"].(map[string]any)
		if class == "" {
			delete(cfg, "PriceClass")
		} else {
			cfg["PriceClass"] = class
		}
		e := estimateAll(t, Options{File: testFile(t)}, s)
		se := e.Stacks[0]
		l := lineOf(t, se, "Dist")
		if !near(l.USD, want) || l.AfterFreeUSD != 0 { // inside the always-free 1 TB and 10M requests
			t.Errorf("%q: %v (after free %v), want %v\n%+v", class, l.USD, l.AfterFreeUSD, want, l)
		}
		// 2M requests is over the flat-rate Free plan's 1M: the Pro plan is offered.
		if len(se.Options) != 1 || se.Options[0].OptionUSD != 15 || !near(se.Options[0].SavingUSD, round(round(want)-15)) {
			t.Errorf("%q: options %+v", class, se.Options)
		}
		if l := lineOf(t, se, "Rewrite"); !near(l.USD, 2*0.10) || l.AfterFreeUSD != 0 {
			t.Errorf("CloudFront Function: %v / %v, want 0.20 / 0 (2M free)", l.USD, l.AfterFreeUSD)
		}
		if l := lineOf(t, se, "CdnLogs"); !near(l.USD, 4*0.023) {
			t.Errorf("log bucket: %+v", l)
		}
		if l := lineOf(t, se, "Assets"); !near(l.USD, 0.023+0.05+0.04) {
			t.Errorf("assets bucket: %+v", l)
		}
		for _, id := range []string{"Oac", "Cert"} {
			if l := lineOf(t, se, id); l.Status != Free {
				t.Errorf("%s: %s", id, l.Status)
			}
		}
	}
}

// A NAT gateway (with its Elastic IP) against a t4g.nano NAT instance
// (with its 8 GB gp3 volume and the public address its subnet gives it).
func TestNATGatewayVersusNATInstance(t *testing.T) {
	gw := estimateAll(t, Options{File: testFile(t)}, tpl(t, "Gw", `{"Resources": {
	  "Pub": {"Type": "AWS::EC2::Subnet", "Properties": {"MapPublicIpOnLaunch": true}},
	  "Eip": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
	  "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}, "SubnetId": {"Ref": "Pub"}}}
	}}`))
	if want := 730*0.005 + 730*0.048 + 100*0.048; !near(gw.USD, round(want)) || gw.AfterFreeUSD != gw.USD {
		t.Errorf("NAT gateway: %v (after free %v), want %v", gw.USD, gw.AfterFreeUSD, round(want))
	}
	inst := estimateAll(t, Options{File: testFile(t)}, tpl(t, "Inst", `{"Resources": {
	  "Pub": {"Type": "AWS::EC2::Subnet", "Properties": {"MapPublicIpOnLaunch": true}},
	  "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required"}}}},
	  "Nat": {"Type": "AWS::EC2::Instance", "Properties": {"InstanceType": "t4g.nano", "SourceDestCheck": false, "SubnetId": {"Ref": "Pub"},
	    "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Lt"}, "Version": {"Fn::GetAtt": ["Lt", "LatestVersionNumber"]}},
	    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}]}}
	}}`))
	l := lineOf(t, inst.Stacks[0], "Nat")
	if want := 730*0.0046 + 8*0.088 + 730*0.005; !near(l.USD, want) || !strings.Contains(strings.Join(l.Notes, " "), "NAT instance") {
		t.Errorf("NAT instance: %v, want %v\n%+v", l.USD, want, l)
	}
	// The instance type and volume may come from the launch template; an
	// attached Elastic IP is priced on the EIP, not twice.
	s := tpl(t, "Inst2", `{"Resources": {
	  "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"InstanceType": "t4g.nano",
	    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 10}}]}}},
	  "Nat": {"Type": "AWS::EC2::Instance", "Properties": {"LaunchTemplate": {"LaunchTemplateId": {"Ref": "Lt"}, "Version": "1"},
	    "NetworkInterfaces": [{"DeviceIndex": "0", "AssociatePublicIpAddress": true}]}},
	  "Eip": {"Type": "AWS::EC2::EIP", "Properties": {"InstanceId": {"Ref": "Nat"}}}
	}}`)
	se := EstimateStack(s, Options{File: testFile(t)})
	if l := lineOf(t, se, "Nat"); !near(l.USD, 730*0.0046+10*0.088) {
		t.Errorf("NAT instance with an EIP: %v\n%+v", l.USD, l)
	}
	if l := lineOf(t, se, "Eip"); !near(l.USD, 730*0.005) {
		t.Errorf("EIP: %+v", l)
	}
	// No mapping at all: the AMI's 8 GB root volume is assumed.
	delete(s.Template.Resources["Lt"].Properties["LaunchTemplateData"].(map[string]any), "BlockDeviceMappings")
	if it := item(t, lineOf(t, EstimateStack(s, Options{File: testFile(t)}), "Nat"), "EBS root volume, 8 GB"); it.Quantity != 8 {
		t.Errorf("default root volume: %+v", it)
	}
}

// The RI option line: a production db.t4g.small Multi-AZ running all
// month: $52.56 on demand, 30% less with a 1-year no-upfront reservation.
func TestReservedInstanceOption(t *testing.T) {
	s := shop(t)
	db := s.Template.Resources["Db"]
	db.Properties["MultiAZ"] = true
	db.Properties["DBInstanceClass"] = "db.t4g.small"
	for _, id := range []string{"StopSchedule", "StartSchedule"} {
		delete(s.Template.Resources, id)
	}
	se := EstimateStack(s, Options{File: testFile(t)})
	if len(se.Options) != 1 {
		t.Fatalf("options = %+v", se.Options)
	}
	o := se.Options[0]
	if o.Resource != "Db" || o.CurrentUSD != 52.56 || o.OptionUSD != round(52.56*0.70) || o.SavingUSD != round(52.56-round(52.56*0.70)) ||
		!strings.Contains(o.What, "1-year no-upfront reserved instance for db.t4g.small Multi-AZ") {
		t.Errorf("option = %+v", o)
	}
	// Options are never in the totals.
	if l := lineOf(t, se, "Db"); !near(item(t, l, "db.t4g.small Multi-AZ instance hours").USD, 52.56) {
		t.Errorf("the instance hours changed: %+v", l)
	}
}

// The RDS pieces that were not priced before: the RDS-managed master
// secret, Enhanced Monitoring's log ingestion, Database Insights' advanced
// mode; and the health probe's custom metrics from Embedded Metric Format.
func TestManagedSecretEnhancedMonitoringAndEMF(t *testing.T) {
	s := tpl(t, "Db", `{"Resources": {
	  "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.m7g.large", "AllocatedStorage": "20", "StorageType": "gp3",
	    "ManageMasterUserPassword": true, "MonitoringInterval": 60, "DatabaseInsightsMode": "advanced",
	    "EnablePerformanceInsights": true, "PerformanceInsightsRetentionPeriod": 465}},
	  "Probe": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128, "Architectures": ["arm64"], "LoggingConfig": {"LogGroup": "x"},
	    "Code": {"ZipFile": "console.log(JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: ns, Dimensions: [[\"Check\"]], Metrics: [{ Name: \"HealthCheckSuccess\", Unit: \"None\" }, { Name: \"HealthCheckLatency\", Unit: \"Milliseconds\" }] }] } }));"}}}
	}}`)
	se := EstimateStack(s, Options{File: testFile(t)})
	db := lineOf(t, se, "Db")
	emGB := 730 * 60 * 4.0 / (1 << 20) // a 4 KB sample a minute
	for what, usd := range map[string]float64{
		"db.m7g.large Single-AZ instance hours":           730 * 0.186,
		"RDS-managed master user secret":                  0.40,
		"Enhanced Monitoring ingestion":                   emGB * 0.57,
		"Enhanced Monitoring storage":                     emGB * 30 / refMonthDays * 0.03,
		"Database Insights advanced mode, 2 vCPU":         2 * 730 * 0.0125,
		"backup storage beyond the free 20 GB (of 30 GB)": 10 * 0.095,
	} {
		if it := item(t, db, what); !near(it.USD, usd) {
			t.Errorf("%s: %v, want %v", what, it.USD, usd)
		}
	}
	if db.Status != Priced {
		t.Errorf("advanced mode with 465-day retention is priced, not 'not priced': %+v", db)
	}
	if it := item(t, db, "db.m7g.large"); !it.Unconfirmed {
		t.Errorf("db.m7g.large's price is unconfirmed and must be marked so: %+v", it)
	}
	if it := item(t, lineOf(t, se, "Probe"), "custom metrics from Embedded Metric Format (HealthCheckLatency, HealthCheckSuccess)"); it.Quantity != 2 || !near(it.USD, 0.60) {
		t.Errorf("EMF metrics: %+v", it)
	}
	// Interval 0: nothing to ingest.
	s.Template.Resources["Db"].Properties["MonitoringInterval"] = 0
	for _, it := range lineOf(t, EstimateStack(s, Options{File: testFile(t)}), "Db").Items {
		if strings.HasPrefix(it.What, "Enhanced Monitoring") {
			t.Errorf("MonitoringInterval 0: %+v", it)
		}
	}
}

// AWS Backup: the vault holds the snapshots; plan and selection are free.
func TestBackupVault(t *testing.T) {
	se := EstimateStack(tpl(t, "Backup", `{"Resources": {
	  "Vault": {"Type": "AWS::Backup::BackupVault", "Properties": {"BackupVaultName": "v"}},
	  "Plan": {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": []}}},
	  "Selection": {"Type": "AWS::Backup::BackupSelection", "Properties": {"BackupPlanId": {"Ref": "Plan"}, "BackupSelection": {}}}
	}}`), Options{File: testFile(t)})
	if se.USD != round(50*0.095) || lineOf(t, se, "Plan").Status != Free || lineOf(t, se, "Selection").Status != Free {
		t.Errorf("backup: %+v", se)
	}
}

// A stack of the new hosting with every resource type it is expected to
// create: all are known (priced or free with a reason), nothing is "not
// priced", and the cron caller's invocations come from the schedule that
// targets it.
func TestNewHostingStackIsFullyPriced(t *testing.T) {
	s := tpl(t, "Hosting-Production", `{"Resources": {
	  "Vpc": {"Type": "AWS::EC2::VPC"},
	  "Pub": {"Type": "AWS::EC2::Subnet", "Properties": {"MapPublicIpOnLaunch": true}},
	  "Priv": {"Type": "AWS::EC2::Subnet", "Properties": {}},
	  "Eip": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
	  "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}, "SubnetId": {"Ref": "Pub"}}},
	  "S3Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.eu-west-1.s3", "VpcId": {"Ref": "Vpc"}}},
	  "SecretsEndpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface", "SubnetIds": [{"Ref": "Priv"}], "VpcId": {"Ref": "Vpc"}}},
	  "FlowLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
	  "Flow": {"Type": "AWS::EC2::FlowLog", "Properties": {"LogGroupName": {"Ref": "FlowLogs"}, "ResourceId": {"Ref": "Vpc"}, "ResourceType": "VPC", "TrafficType": "REJECT"}},
	  "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.t4g.small", "MultiAZ": true, "AllocatedStorage": "20", "StorageType": "gp3",
	    "DatabaseInsightsMode": "standard", "MonitoringInterval": 0, "ManageMasterUserPassword": true}},
	  "Layer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"Content": {"S3Bucket": "b", "S3Key": "k"}}},
	  "Server": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1536, "Architectures": ["arm64"], "VpcConfig": {"SubnetIds": [{"Ref": "Priv"}]},
	    "Layers": [{"Ref": "Layer"}], "LoggingConfig": {"LogGroup": {"Ref": "ServerLogs"}}}},
	  "ServerLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
	  "ServerUrl": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "AWS_IAM", "TargetFunctionArn": {"Fn::GetAtt": ["Server", "Arn"]}}},
	  "ServerUrlPermission": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunctionUrl", "FunctionName": {"Ref": "Server"}, "Principal": "cloudfront.amazonaws.com"}},
	  "ServerVersion": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Server"}}},
	  "ServerInvokeConfig": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {"FunctionName": {"Ref": "Server"}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}},
	  "ImageFunction": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1024, "Architectures": ["arm64"], "LoggingConfig": {"LogGroup": {"Ref": "ImageLogs"}}}},
	  "ImageLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
	  "ImageUrl": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "AWS_IAM", "TargetFunctionArn": {"Fn::GetAtt": ["ImageFunction", "Arn"]}}},
	  "CronCaller": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128, "Architectures": ["arm64"], "LoggingConfig": {"LogGroup": {"Ref": "CronLogs"}}}},
	  "CronLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
	  "CronSchedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "cron(0 6 ? * MON-FRI *)", "ScheduleExpressionTimezone": "Africa/Johannesburg",
	    "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": {"Fn::GetAtt": ["CronCaller", "Arn"]}, "RoleArn": "r"}}},
	  "Assets": {"Type": "AWS::S3::Bucket"},
	  "CdnLogs": {"Type": "AWS::S3::Bucket", "Properties": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}},
	  "DeployAssets": {"Type": "Custom::CDKBucketDeployment", "Properties": {"ServiceToken": {"Fn::GetAtt": ["DeployFunction", "Arn"]}, "DestinationBucketName": {"Ref": "Assets"}}},
	  "DeployFunction": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 512, "Layers": [{"Ref": "Layer"}]}},
	  "Oac": {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {}},
	  "CachePolicy": {"Type": "AWS::CloudFront::CachePolicy", "Properties": {}},
	  "OriginRequestPolicy": {"Type": "AWS::CloudFront::OriginRequestPolicy", "Properties": {}},
	  "Headers": {"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {}},
	  "HostHeader": {"Type": "AWS::CloudFront::Function", "Properties": {"Name": "host", "FunctionCode": "x", "FunctionConfig": {"Comment": "", "Runtime": "cloudfront-js-2.0"}}},
	  "Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {"DomainName": "example.com"}},
	  "Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"Enabled": true, "PriceClass": "PriceClass_100",
	    "DefaultCacheBehavior": {"TargetOriginId": "server", "FunctionAssociations": [{"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["HostHeader", "FunctionARN"]}}]},
	    "Origins": [{"Id": "server", "DomainName": {"Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": ["ServerUrl", "FunctionUrl"]}]}]}},
	                {"Id": "assets", "DomainName": {"Fn::GetAtt": ["Assets", "RegionalDomainName"]}}],
	    "Logging": {"Bucket": {"Fn::GetAtt": ["CdnLogs", "RegionalDomainName"]}}}}},
	  "Vault": {"Type": "AWS::Backup::BackupVault", "Properties": {"BackupVaultName": "v"}},
	  "Plan": {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": []}}},
	  "Selection": {"Type": "AWS::Backup::BackupSelection", "Properties": {"BackupPlanId": {"Ref": "Plan"}, "BackupSelection": {}}},
	  "Events": {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": {"source": ["aws.rds"]}, "State": "ENABLED"}}
	}}`)
	if u := unknownTypes([]*assembly.Stack{s}); len(u) != 0 {
		t.Fatalf("unknown types: %v", u)
	}
	e := estimateAll(t, Options{File: testFile(t)}, s)
	se := e.Stacks[0]
	if se.NotPriced != 0 {
		for _, l := range se.Lines {
			if l.Status == NotPriced {
				t.Errorf("%s not priced: %v", l.LogicalID, l.Notes)
			}
		}
	}
	for id, role := range map[string]fnRole{"Server": roleServer, "ImageFunction": roleImage, "CronCaller": roleScheduled, "DeployFunction": roleDeploy} {
		if !strings.Contains(strings.Join(lineOf(t, se, id).Notes, " "), "role: "+string(role)) {
			t.Errorf("%s: %v, want role %s", id, lineOf(t, se, id).Notes, role)
		}
	}
	if it := item(t, lineOf(t, se, "CronCaller"), "requests"); !near(it.Quantity, refMonthDays*5/7) {
		t.Errorf("cron caller: %v invocations, want weekdays at 06:00 (%v)", it.Quantity, refMonthDays*5/7)
	}
	if l := lineOf(t, se, "Db"); !strings.Contains(strings.Join(l.Notes, " "), "standard mode: free") || len(se.Options) != 2 { // RI and CloudFront Pro
		t.Errorf("db notes %v, options %+v", l.Notes, se.Options)
	}
	if l := lineOf(t, se, "SecretsEndpoint"); !near(l.USD, 730*0.011+10*0.01) {
		t.Errorf("interface endpoint: %+v", l)
	}
	if l := lineOf(t, se, "S3Endpoint"); l.USD != 0 {
		t.Errorf("gateway endpoint: %+v", l)
	}
	if l := lineOf(t, se, "FlowLogs"); !strings.Contains(l.Notes[0], "REJECT") {
		t.Errorf("flow log group: %+v", l)
	}
	for _, id := range []string{"Layer", "ServerUrl", "ServerUrlPermission", "ServerVersion", "ServerInvokeConfig", "DeployAssets", "Oac", "CachePolicy", "OriginRequestPolicy", "Headers", "Cert", "Plan", "Selection", "Events"} {
		if l := lineOf(t, se, id); l.Status != Free {
			t.Errorf("%s: %s", id, l.Status)
		}
	}
}

// A NAT instance stopped by schedules with the database: stopped 16:30 to
// 23:30 and 00:45 to 05:00 UTC every day, 7 h + 4.25 h = 11.25 h a day,
// 11.25 × 730/24 = 342.1875 h a month; the instance and the address given
// at launch are billed for the 387.8125 h it runs, the volume all month.
func TestNATInstanceStoppedBySchedules(t *testing.T) {
	sched := func(id, action, cron string) string {
		return `"` + id + `": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "` + cron + `",
		  "ScheduleExpressionTimezone": "UTC", "FlexibleTimeWindow": {"Mode": "OFF"},
		  "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:ec2:` + action + `", "RoleArn": "arn:aws:iam::1:role/r",
		    "Input": {"Fn::Sub": ["{\"InstanceIds\":[\"${Id}\"]}", {"Id": {"Ref": "Nat"}}]}}}}`
	}
	s := tpl(t, "Stopped", `{"Resources": {
	  "Nat": {"Type": "AWS::EC2::Instance", "Properties": {"InstanceType": "t4g.nano", "SourceDestCheck": false,
	    "NetworkInterfaces": [{"DeviceIndex": "0", "AssociatePublicIpAddress": true}],
	    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}]}},
	  `+sched("Stop1", "stopInstances", "cron(30 16 * * ? *)")+`,
	  `+sched("Start1", "startInstances", "cron(30 23 * * ? *)")+`,
	  `+sched("Stop2", "stopInstances", "cron(45 0 * * ? *)")+`,
	  `+sched("Start2", "startInstances", "cron(0 5 * * ? *)")+`
	}}`)
	se := EstimateStack(s, Options{File: testFile(t)})
	running := 730 - 11.25*730/24
	l := lineOf(t, se, "Nat")
	if want := running*0.0046 + 8*0.088 + running*0.005; !near(l.USD, want) {
		t.Errorf("NAT instance stopped 11.25 h a day: %v, want %v\n%+v", l.USD, want, l)
	}
	if it := item(t, l, "t4g.nano instance hours"); !near(it.Quantity, running) {
		t.Errorf("instance hours %v, want %v", it.Quantity, running)
	}
	if it := item(t, l, "public IPv4 address hours"); !near(it.Quantity, running) {
		t.Errorf("address hours %v, want %v (an address given at launch goes back while stopped)", it.Quantity, running)
	}
	// rds schedules alone do not stop the instance
	for _, id := range []string{"Stop1", "Start1", "Stop2", "Start2"} {
		r := s.Template.Resources[id]
		tgt := r.Properties["Target"].(map[string]any)
		tgt["Arn"] = strings.Replace(tgt["Arn"].(string), "ec2:stopInstances", "rds:stopDBInstance", 1)
		tgt["Arn"] = strings.Replace(tgt["Arn"].(string), "ec2:startInstances", "rds:startDBInstance", 1)
	}
	if it := item(t, lineOf(t, EstimateStack(s, Options{File: testFile(t)}), "Nat"), "t4g.nano instance hours"); !near(it.Quantity, 730) {
		t.Errorf("instance hours with database schedules only: %v, want 730", it.Quantity)
	}
}
