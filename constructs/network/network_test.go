package network_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/network"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// variant is one synthesized test stack: the network construct built from
// props, and the key its flow log group is encrypted with.
type variant struct {
	name  string // the stack's name
	props network.Props
	stack awscdk.Stack
	net   *network.Network
	keyID string // logical ID of the log key
	tpl   assertions.Template
	json  map[string]any
	// account is the stack's account: "" for an account-agnostic stack,
	// whose VPC CDK spreads over two unnamed AZs (Fn::GetAZs) whatever
	// MaxAzs says; with an account, CDK picks from the AZs of the context
	// (three here), so MaxAzs shows.
	account string
	azs     []string
	// retentionDays and deletionPolicy are what props ask of the log group,
	// written out by hand.
	retentionDays  float64
	deletionPolicy string
	trafficType    string
}

// fixture is one app with a stack per NAT kind, with the compliance packs,
// synthesized once for the package.
type fixture struct {
	asm      cxapi.CloudAssembly
	gateway  *variant
	instance *variant
}

// accountValue is the stack's account as the template has it.
func (v *variant) accountValue() any {
	if v.account == "" {
		return ref("AWS::AccountId")
	}
	return v.account
}

func (f *fixture) variants() []*variant { return []*variant{f.gateway, f.instance} }

var (
	fixOnce sync.Once
	fix     *fixture
)

// getFixture builds and synthesizes the app on first use.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{
			gateway: &variant{name: "TestGateway", props: network.Props{
				Description: "gateway-test", NAT: network.NATGateway, FlowLogTraffic: awsec2.FlowLogTrafficType_ALL,
				LogRetention: awslogs.RetentionDays_ONE_MONTH, LogRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			}, retentionDays: 30, deletionPolicy: "Retain", trafficType: "ALL",
				account: "123456789012", azs: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
			instance: &variant{name: "TestInstance", props: network.Props{
				Description: "instance-test", NAT: network.NATInstance, FlowLogTraffic: awsec2.FlowLogTrafficType_REJECT,
				LogRetention: awslogs.RetentionDays_TWO_WEEKS, LogRemovalPolicy: awscdk.RemovalPolicy_DESTROY,
			}, retentionDays: 14, deletionPolicy: "Delete", trafficType: "REJECT"},
		}
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		cdktest.Must(t, func() {
			for _, v := range f.variants() {
				env := &awscdk.Environment{Region: jsii.String(cdktest.Region)}
				if v.account != "" {
					env.Account = jsii.String(v.account)
				}
				v.stack = awscdk.NewStack(app, jsii.String(v.name), &awscdk.StackProps{Env: env})
				if v.account != "" {
					// what `cdk synth` would have looked up and cached in cdk.context.json
					v.stack.Node().SetContext(jsii.String("availability-zones:account="+v.account+":region="+cdktest.Region), v.azs)
				}
				key := awskms.NewKey(v.stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
				v.keyID = *v.stack.GetLogicalId(key.Node().DefaultChild().(awscdk.CfnElement))
				v.props.LogKey = key
				v.net = network.New(v.stack, "Network", v.props)
			}
			compliance.AddPacks(app, false)
			f.asm = app.Synth(nil)
		})
		for _, v := range f.variants() {
			raw, err := json.Marshal(f.asm.GetStackArtifact(jsii.String(v.name)).Template())
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &v.json); err != nil {
				t.Fatal(err)
			}
			cdktest.Must(t, func() { v.tpl = assertions.Template_FromJSON(&v.json, nil) })
		}
		fix = f
	})
	if fix == nil {
		t.Fatal("the shared test app failed to build (see the first failing test)")
	}
	return fix
}

// onlyID is the logical ID of the one resource of a type.
func onlyID(t *testing.T, tpl map[string]any, typ string) string {
	t.Helper()
	id, _ := only(t, tpl, typ)
	return id
}

// asJSON round-trips v so that expected values compare with decoded templates.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func equalJSON(t *testing.T, what string, want, got any) {
	t.Helper()
	w, g := asJSON(t, want), asJSON(t, got)
	if !reflect.DeepEqual(w, g) {
		wb, _ := json.MarshalIndent(w, "", "  ")
		gb, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("%s:\nwant %s\n got %s", what, wb, gb)
	}
}

// subnet is a subnet of the template, found by its CDK group tag and AZ.
type subnet struct {
	id, routeTable string
	props          map[string]any
}

// subnets returns the variant's subnets by "<group><AZ index>" (Data0,
// App1, ...: the index in the context's AZs, or Fn::Select's index into
// Fn::GetAZs; -1 for anything else), each with its route table (through
// its association).
func subnets(t *testing.T, v *variant) map[string]subnet {
	t.Helper()
	tpl := v.json
	tables := map[string]string{}
	for _, a := range resources(tpl, "AWS::EC2::SubnetRouteTableAssociation") {
		p := a["Properties"].(map[string]any)
		s, _ := p["SubnetId"].(map[string]any)["Ref"].(string)
		rt, _ := p["RouteTableId"].(map[string]any)["Ref"].(string)
		if _, dup := tables[s]; dup {
			t.Errorf("subnet %s has two route table associations", s)
		}
		tables[s] = rt
	}
	out := map[string]subnet{}
	for id, r := range resources(tpl, "AWS::EC2::Subnet") {
		p := r["Properties"].(map[string]any)
		group := ""
		for _, tag := range p["Tags"].([]any) {
			if tg := tag.(map[string]any); tg["Key"] == "aws-cdk:subnet-name" {
				group = tg["Value"].(string)
			}
		}
		az := -1
		switch a := p["AvailabilityZone"].(type) {
		case string: // an account-specific stack: a named AZ of the context
			az = slices.Index(v.azs, a)
		case map[string]any: // an account-agnostic stack: {"Fn::Select": [i, {"Fn::GetAZs": ""}]}
			if sel, ok := a["Fn::Select"].([]any); ok && v.azs == nil {
				if i, ok := sel[0].(float64); ok {
					az = int(i)
				}
			}
		}
		key := fmt.Sprintf("%s%d", group, az)
		if _, dup := out[key]; dup {
			t.Errorf("two subnets of group %s in AZ %d (%v)", group, az, p["AvailabilityZone"])
		}
		out[key] = subnet{id: id, routeTable: tables[id], props: p}
	}
	return out
}

// routes returns the routes of a route table.
func routes(tpl map[string]any, routeTable string) []map[string]any {
	var out []map[string]any
	for _, r := range resources(tpl, "AWS::EC2::Route") {
		p := r["Properties"].(map[string]any)
		if reflect.DeepEqual(p["RouteTableId"], ref(routeTable)) {
			out = append(out, p)
		}
	}
	return out
}

// natTarget is the route property and logical ID a default route to the
// variant's NAT names.
func natTarget(t *testing.T, v *variant) (string, string) {
	t.Helper()
	if v.props.NAT == network.NATGateway {
		id, _ := only(t, v.json, "AWS::EC2::NatGateway")
		return "NatGatewayId", id
	}
	id, _ := only(t, v.json, "AWS::EC2::Instance")
	return "InstanceId", id
}

// The VPC: its range, two AZs, six /24 subnets in three groups, and the
// routes that make Data isolated, App private through the NAT, and Ingress
// public.
func TestVPCAndSubnets(t *testing.T) {
	f := getFixture(t)
	want := []struct {
		key, cidr string
		route     string // "": no route at all; "nat"; "igw"
	}{
		{"Data0", "10.20.0.0/24", ""},
		{"Data1", "10.20.1.0/24", ""},
		{"App0", "10.20.2.0/24", "nat"},
		{"App1", "10.20.3.0/24", "nat"},
		{"Ingress0", "10.20.4.0/24", "igw"},
		{"Ingress1", "10.20.5.0/24", "igw"},
	}
	for _, v := range f.variants() {
		t.Run(string(v.props.NAT), func(t *testing.T) {
			vpcID, vpc := only(t, v.json, "AWS::EC2::VPC")
			if vpc["CidrBlock"] != network.CIDR || network.CIDR != "10.20.0.0/16" {
				t.Errorf("VPC CidrBlock %v (network.CIDR %s), want 10.20.0.0/16", vpc["CidrBlock"], network.CIDR)
			}
			igwID, _ := only(t, v.json, "AWS::EC2::InternetGateway")
			_, attach := only(t, v.json, "AWS::EC2::VPCGatewayAttachment")
			equalJSON(t, "internet gateway attachment", map[string]any{"VpcId": ref(vpcID), "InternetGatewayId": ref(igwID)}, attach)
			natProp, natID := natTarget(t, v)

			got := subnets(t, v)
			if len(got) != len(want) {
				t.Errorf("%d subnets %v, want 6 (three groups in two AZs)", len(got), slices.Sorted(maps.Keys(got)))
			}
			for _, w := range want {
				s, ok := got[w.key]
				if !ok {
					t.Errorf("no subnet %s", w.key)
					continue
				}
				if s.props["CidrBlock"] != w.cidr {
					t.Errorf("%s CidrBlock %v, want %s", w.key, s.props["CidrBlock"], w.cidr)
				}
				if s.props["MapPublicIpOnLaunch"] != false {
					t.Errorf("%s MapPublicIpOnLaunch %v, want false", w.key, s.props["MapPublicIpOnLaunch"])
				}
				equalJSON(t, w.key+" VpcId", ref(vpcID), s.props["VpcId"])
				if s.routeTable == "" {
					t.Errorf("%s has no route table", w.key)
					continue
				}
				rs := routes(v.json, s.routeTable)
				switch w.route {
				case "":
					if len(rs) != 0 {
						t.Errorf("%s is isolated but its route table has routes: %v", w.key, rs)
					}
				case "nat":
					equalJSON(t, w.key+" routes", []any{map[string]any{
						"DestinationCidrBlock": "0.0.0.0/0", natProp: ref(natID), "RouteTableId": ref(s.routeTable),
					}}, rs)
				case "igw":
					equalJSON(t, w.key+" routes", []any{map[string]any{
						"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": ref(igwID), "RouteTableId": ref(s.routeTable),
					}}, rs)
				}
			}

			// The selections the database and the functions use.
			for _, sel := range []struct {
				name string
				sel  *awsec2.SubnetSelection
				keys []string
			}{{"Data", v.net.Data, []string{"Data0", "Data1"}}, {"App", v.net.App, []string{"App0", "App1"}}} {
				var ids any
				cdktest.Must(t, func() { ids = v.stack.Resolve(v.net.Vpc.SelectSubnets(sel.sel).SubnetIds) })
				equalJSON(t, sel.name+" selection", []any{ref(got[sel.keys[0]].id), ref(got[sel.keys[1]].id)}, ids)
			}
			var vpcRef any
			cdktest.Must(t, func() { vpcRef = v.stack.Resolve(v.net.Vpc.VpcId()) })
			equalJSON(t, "Vpc field", ref(vpcID), vpcRef)
			if v.net.NAT != v.props.NAT {
				t.Errorf("NAT field %q, want %q", v.net.NAT, v.props.NAT)
			}
		})
	}
}

// The VPC and its subnets keep their logical IDs (construct ID "Network"):
// a change replaces them, and with them the database.
func TestLogicalIDsPinned(t *testing.T) {
	f := getFixture(t)
	want := map[string]string{
		"Data0": "NetworkVpcDataSubnet1SubnetC4E2CA79", "Data1": "NetworkVpcDataSubnet2Subnet1DE78234",
		"App0": "NetworkVpcAppSubnet1SubnetFA2393E9", "App1": "NetworkVpcAppSubnet2SubnetF926DC8B",
		"Ingress0": "NetworkVpcIngressSubnet1SubnetF94D8815", "Ingress1": "NetworkVpcIngressSubnet2Subnet90F4F621",
	}
	for _, v := range f.variants() {
		if id, _ := only(t, v.json, "AWS::EC2::VPC"); id != "NetworkVpc7FB7348F" {
			t.Errorf("%s: VPC logical ID %s, pinned NetworkVpc7FB7348F", v.name, id)
		}
		got := subnets(t, v)
		for key, id := range want {
			if got[key].id != id {
				t.Errorf("%s: subnet %s logical ID %q, pinned %s", v.name, key, got[key].id, id)
			}
		}
	}
}

// With NATGateway: one managed NAT gateway with its Elastic IP in the first
// Ingress subnet, and no NAT instance.
func TestNATGateway(t *testing.T) {
	v := getFixture(t).gateway
	natID, nat := only(t, v.json, "AWS::EC2::NatGateway")
	eipID, eip := only(t, v.json, "AWS::EC2::EIP")
	if eip["Domain"] != "vpc" {
		t.Errorf("EIP Domain %v, want vpc", eip["Domain"])
	}
	equalJSON(t, "NAT gateway address", getAtt(eipID, "AllocationId"), nat["AllocationId"])
	equalJSON(t, "NAT gateway subnet", ref(subnets(t, v)["Ingress0"].id), nat["SubnetId"])
	for _, typ := range []string{"AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::EC2::SecurityGroup"} {
		cdktest.Check(t, "no "+typ, func() { v.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
	}

	if v.net.NATInstance != nil {
		t.Errorf("NATInstance field is set with a NAT gateway")
	}
	var ids any
	cdktest.Must(t, func() { ids = v.stack.Resolve(v.net.NATIDs) })
	equalJSON(t, "NATIDs", []any{ref(natID)}, ids)
}

// With NATInstance: one hardened t4g.nano instance that forwards HTTPS from
// inside the VPC, and no NAT gateway.
func TestNATInstance(t *testing.T) {
	v := getFixture(t).instance
	for _, typ := range []string{"AWS::EC2::NatGateway", "AWS::EC2::EIP"} {
		cdktest.Check(t, "no "+typ, func() { v.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
	}
	instID, inst := only(t, v.json, "AWS::EC2::Instance")
	if inst["InstanceType"] != "t4g.nano" {
		t.Errorf("InstanceType %v, want t4g.nano", inst["InstanceType"])
	}
	if inst["SourceDestCheck"] != false {
		t.Errorf("SourceDestCheck %v: a NAT instance must forward packets that are not its own", inst["SourceDestCheck"])
	}
	equalJSON(t, "root volume", []any{map[string]any{
		"DeviceName": "/dev/xvda",
		"Ebs":        map[string]any{"Encrypted": true, "VolumeType": "gp3", "VolumeSize": 8, "DeleteOnTermination": true},
	}}, inst["BlockDeviceMappings"])

	// A Graviton instance needs an arm64 image: Amazon Linux 2023's, from SSM.
	imageParam, _ := inst["ImageId"].(map[string]any)["Ref"].(string)
	param, _ := v.json["Parameters"].(map[string]any)[imageParam].(map[string]any)
	if param == nil || param["Default"] != "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64" {
		t.Errorf("ImageId %v: parameter %v, want Amazon Linux 2023 arm64", inst["ImageId"], param)
	}

	// IMDSv2: the aspect gives the instance a launch template that requires tokens.
	ltID, lt := only(t, v.json, "AWS::EC2::LaunchTemplate")
	equalJSON(t, "launch template data", map[string]any{"MetadataOptions": map[string]any{"HttpTokens": "required"}}, lt["LaunchTemplateData"])
	equalJSON(t, "instance launch template", map[string]any{
		"LaunchTemplateName": lt["LaunchTemplateName"],
		"Version":            getAtt(ltID, "LatestVersionNumber"),
	}, inst["LaunchTemplate"])
	if name, _ := lt["LaunchTemplateName"].(string); name == "" {
		t.Errorf("launch template has no name for the instance to refer to: %v", lt["LaunchTemplateName"])
	}

	// One public interface in the first Ingress subnet, with the NAT security group.
	sgID, sg := only(t, v.json, "AWS::EC2::SecurityGroup")
	equalJSON(t, "network interfaces", []any{map[string]any{
		"AssociatePublicIpAddress": true,
		"DeviceIndex":              "0",
		"GroupSet":                 []any{getAtt(sgID, "GroupId")},
		"SubnetId":                 ref(subnets(t, v)["Ingress0"].id),
	}}, inst["NetworkInterfaces"])

	// The security group admits TCP 443 from the VPC and nothing else; it
	// sends anywhere (what a NAT forwards).
	ingress, _ := sg["SecurityGroupIngress"].([]any)
	if len(ingress) != 1 {
		t.Errorf("NAT security group ingress %v, want exactly one rule", ingress)
	} else {
		rule := maps.Clone(ingress[0].(map[string]any))
		delete(rule, "Description") // free text
		equalJSON(t, "NAT ingress rule", map[string]any{"CidrIp": "10.20.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}, rule)
	}
	for _, typ := range []string{"AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"} {
		cdktest.Check(t, "no separate "+typ, func() { v.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
	}
	egress, _ := sg["SecurityGroupEgress"].([]any)
	if len(egress) != 1 || egress[0].(map[string]any)["CidrIp"] != "0.0.0.0/0" || egress[0].(map[string]any)["IpProtocol"] != "-1" {
		t.Errorf("NAT security group egress %v, want all traffic to 0.0.0.0/0", egress)
	}
	equalJSON(t, "NAT security group VPC", ref(onlyID(t, v.json, "AWS::EC2::VPC")), sg["VpcId"])

	// Fields.
	if v.net.NATInstance == nil {
		t.Fatal("NATInstance field is nil")
	}
	var got any
	cdktest.Must(t, func() { got = v.stack.Resolve(&[]*string{v.net.NATInstance.InstanceId()}) })
	equalJSON(t, "NATInstance field", []any{ref(instID)}, got)
	cdktest.Must(t, func() { got = v.stack.Resolve(v.net.NATIDs) })
	equalJSON(t, "NATIDs", []any{ref(instID)}, got)
}

// The free S3 gateway endpoint serves the App subnets' route tables only.
func TestS3GatewayEndpoint(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(string(v.props.NAT), func(t *testing.T) {
			_, ep := only(t, v.json, "AWS::EC2::VPCEndpoint")
			s := subnets(t, v)
			var tables []any
			for _, id := range []string{s["App0"].routeTable, s["App1"].routeTable} {
				tables = append(tables, ref(id))
			}
			// the order of the route tables is CDK's: compare as sets
			got, _ := ep["RouteTableIds"].([]any)
			got = slices.Clone(got)
			sort.Slice(got, func(i, j int) bool { return fmt.Sprint(got[i]) < fmt.Sprint(got[j]) })
			sort.Slice(tables, func(i, j int) bool { return fmt.Sprint(tables[i]) < fmt.Sprint(tables[j]) })
			equalJSON(t, "endpoint route tables", tables, got)
			equalJSON(t, "endpoint", map[string]any{
				"VpcEndpointType": "Gateway",
				"VpcId":           ref(onlyID(t, v.json, "AWS::EC2::VPC")),
				"ServiceName":     map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", ref("AWS::Region"), ".s3"}}},
			}, map[string]any{"VpcEndpointType": ep["VpcEndpointType"], "VpcId": ep["VpcId"], "ServiceName": ep["ServiceName"]})
		})
	}
}

// flowLogRole returns the logical ID and properties of the one role that
// VPC Flow Logs may assume (the NAT instance has a role of its own).
func flowLogRole(t *testing.T, v *variant) (string, map[string]any) {
	t.Helper()
	var roleID string
	var role map[string]any
	for id, r := range resources(v.json, "AWS::IAM::Role") {
		p := r["Properties"].(map[string]any)
		if strings.Contains(fmt.Sprint(p["AssumeRolePolicyDocument"]), "vpc-flow-logs.amazonaws.com") {
			if roleID != "" {
				t.Fatalf("two roles trusted by VPC Flow Logs: %s, %s", roleID, id)
			}
			roleID, role = id, p
		}
	}
	if role == nil {
		t.Fatal("no role trusted by vpc-flow-logs.amazonaws.com")
	}
	return roleID, role
}

// The flow log records the requested traffic type of the whole VPC into a
// log group encrypted with LogKey, with the requested retention and removal
// policy, delivered through the flow log role.
func TestFlowLog(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(string(v.props.NAT), func(t *testing.T) {
			groupID, _ := only(t, v.json, "AWS::Logs::LogGroup")
			roleID, _ := flowLogRole(t, v)
			cdktest.Check(t, "flow log", func() {
				v.tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), &map[string]any{
					"ResourceId":               ref(onlyID(t, v.json, "AWS::EC2::VPC")),
					"ResourceType":             "VPC",
					"TrafficType":              v.trafficType,
					"LogDestinationType":       "cloud-watch-logs",
					"LogGroupName":             ref(groupID),
					"DeliverLogsPermissionArn": getAtt(roleID, "Arn"),
				})
			})
			cdktest.Check(t, "one flow log", func() { v.tpl.ResourceCountIs(jsii.String("AWS::EC2::FlowLog"), jsii.Number(1)) })
			cdktest.Check(t, "log group", func() {
				v.tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
					"DeletionPolicy":      v.deletionPolicy,
					"UpdateReplacePolicy": v.deletionPolicy,
					"Properties": map[string]any{
						"KmsKeyId":        getAtt(v.keyID, "Arn"),
						"RetentionInDays": v.retentionDays,
					},
				})
			})
			var group any
			cdktest.Must(t, func() { group = v.stack.Resolve(v.net.FlowLogGroup.LogGroupName()) })
			equalJSON(t, "FlowLogGroup field", ref(groupID), group)
		})
	}
}

// The flow log role: trusted by VPC Flow Logs for this account only, no
// inline policy, and a customer managed policy that writes the one group.
func TestFlowLogRole(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(string(v.props.NAT), func(t *testing.T) {
			groupID, _ := only(t, v.json, "AWS::Logs::LogGroup")
			roleID, role := flowLogRole(t, v)
			equalJSON(t, "trust policy", map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Action":    "sts:AssumeRole",
				"Principal": map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": v.accountValue()}},
			}}}, role["AssumeRolePolicyDocument"])
			for _, p := range []string{"Policies", "ManagedPolicyArns"} {
				if role[p] != nil {
					t.Errorf("flow log role has %s: %v", p, role[p])
				}
			}
			if d, _ := role["Description"].(string); !strings.Contains(d, v.props.Description) {
				t.Errorf("role description %q does not name %q", d, v.props.Description)
			}
			cdktest.Check(t, "no inline policy in the stack", func() { v.tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0)) })

			_, policy := only(t, v.json, "AWS::IAM::ManagedPolicy")
			equalJSON(t, "policy roles", []any{ref(roleID)}, policy["Roles"])
			doc := policy["PolicyDocument"].(map[string]any)
			sts, _ := doc["Statement"].([]any)
			if len(sts) != 1 {
				t.Fatalf("flow log policy statements %v, want one", sts)
			}
			st := sts[0].(map[string]any)
			actions, _ := st["Action"].([]any)
			var got []string
			for _, a := range actions {
				got = append(got, a.(string))
			}
			sort.Strings(got)
			if want := []string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}; !slices.Equal(got, want) {
				t.Errorf("flow log policy actions %v, want %v", st["Action"], want)
			}
			if st["Effect"] != "Allow" || st["Condition"] != nil {
				t.Errorf("flow log statement %v", st)
			}
			equalJSON(t, "flow log policy resource", getAtt(groupID, "Arn"), st["Resource"])
		})
	}
}

// cdk-nag (AwsSolutions, HIPAA Security) reports nothing unsuppressed.
func TestCompliance(t *testing.T) {
	for _, finding := range compliance.Findings(getFixture(t).asm) {
		t.Errorf("finding: %s", finding)
	}
}

// New refuses a NAT kind it does not know, naming the problem.
func TestBadNAT(t *testing.T) {
	for _, nat := range []network.NAT{"", "nat-box", "Gateway"} {
		t.Run(fmt.Sprintf("%q", nat), func(t *testing.T) {
			stack := cdktest.BareStack(t, "Bad")
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				network.New(stack, "Network", network.Props{NAT: nat})
				return "<nil>"
			}()
			for _, want := range []string{"Props.NAT", "NATGateway or NATInstance", "got " + string(nat)} {
				if !strings.Contains(msg, want) {
					t.Errorf("panic %q does not contain %q", msg, want)
				}
			}
		})
	}
}

// TestMissingLogProps: CDK's defaults for an unset flow-log field are keep
// forever, record everything, retain; a forgotten field must stop synthesis.
func TestMissingLogProps(t *testing.T) {
	full := func(stack awscdk.Stack) network.Props {
		return network.Props{
			Description: "x", NAT: network.NATGateway, FlowLogTraffic: awsec2.FlowLogTrafficType_ALL,
			LogRetention: awslogs.RetentionDays_ONE_MONTH, LogRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			LogKey: awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)}),
		}
	}
	for name, clear := range map[string]func(*network.Props){
		"FlowLogTraffic":   func(p *network.Props) { p.FlowLogTraffic = "" },
		"LogRetention":     func(p *network.Props) { p.LogRetention = "" },
		"LogRemovalPolicy": func(p *network.Props) { p.LogRemovalPolicy = "" },
		"LogKey":           func(p *network.Props) { p.LogKey = nil },
	} {
		t.Run(name, func(t *testing.T) {
			stack := cdktest.BareStack(t, "Bad")
			p := full(stack)
			clear(&p)
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				network.New(stack, "Network", p)
				return "<nil>"
			}()
			if !strings.Contains(msg, name) || !strings.Contains(msg, "required") {
				t.Errorf("panic %q does not say %s is required", msg, name)
			}
		})
	}
}

// TestFlowLogWaitsForItsPolicy: the role's permissions come from a separate
// managed policy, so the flow log must be created after it.
func TestFlowLogWaitsForItsPolicy(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		policy := onlyID(t, v.json, "AWS::IAM::ManagedPolicy")
		for id, r := range resources(v.json, "AWS::EC2::FlowLog") {
			deps, _ := r["DependsOn"].([]any)
			found := false
			for _, d := range deps {
				found = found || d == policy
			}
			if !found {
				t.Errorf("%s: flow log %s DependsOn %v, want %s", v.name, id, deps, policy)
			}
		}
	}
}

// Template readers shared by the tests (internal/cdktest).
var (
	resources = cdktest.OfType
	ref       = cdktest.Ref
	getAtt    = cdktest.GetAtt
)

// only returns the logical ID and properties of the one resource of a type,
// or fails the test.
func only(t *testing.T, tpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	id, r := cdktest.Only(t, tpl, typ)
	return id, cdktest.Props(r)
}
