package database_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdabuild"
)

// Windows of the fixtures, written out so that the expected strings below
// are worked out by hand, not by the code under test.
var (
	// 00:00-00:30 and 01:00-01:30 UTC.
	backupSleeping  = config.DailyWindow{Start: 0, End: 30}
	backupProtected = config.DailyWindow{Start: 60, End: 90}
	// sun:02:30-sun:03:00 and mon:03:00-mon:03:30 (minutes from Monday 00:00).
	maintenanceSleeping  = config.WeeklyWindow{Start: 6*1440 + 150, End: 6*1440 + 180}
	maintenanceProtected = config.WeeklyWindow{Start: 180, End: 210}
	// 18:00-23:30 and 02:15-04:45: two windows, neither over the backup window.
	stopWindows = []config.DailyWindow{{Start: 18 * 60, End: 23*60 + 30}, {Start: 2*60 + 15, End: 4*60 + 45}}
)

// variant is one database of the fixture: the props it was built from and
// what came out.
type variant struct {
	name   string
	props  database.Props
	stack  awscdk.Stack
	vpc    awsec2.Vpc
	key    awskms.Key
	client awsec2.SecurityGroup // AllowFrom's peer; nil when not called
	db     *database.Database

	tpl      assertions.Template
	json     map[string]any
	findings []compliance.Finding
}

// newNetwork is the smallest VPC the construct needs: isolated subnets
// "Data" for the instance and private subnets with a route out ("App") for
// the functions (one NAT gateway in a public subnet).
//
// The compliance findings of the VPC itself (flow logs, the public subnets'
// routes) are constructs/network's business and suppressed here.
func newNetwork(stack awscdk.Stack) awsec2.Vpc {
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("App"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
	})
	const standIn = "Test stand-in for the VPC of constructs/network, which is checked by that package's tests."
	compliance.Suppress(vpc, map[string]string{
		"AwsSolutions-VPC7":                                  standIn,
		"HIPAA.Security-VPCFlowLogsEnabled":                  standIn,
		"HIPAA.Security-VPCSubnetAutoAssignPublicIpDisabled": standIn,
		"HIPAA.Security-VPCNoUnrestrictedRouteToIGW":         standIn,
	})
	return vpc
}

// newKey is a key like the stack's data key.
func newKey(stack awscdk.Stack) awskms.Key {
	return awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
}

// baseProps are valid props of a staging-like database: everything a
// caller must give.
func baseProps(vpc awsec2.IVpc, key awskms.IKey, identifier string) database.Props {
	return database.Props{
		Identifier:               identifier,
		Description:              strings.TrimPrefix(identifier, "medbookings-"),
		Key:                      key,
		Vpc:                      vpc,
		Subnets:                  &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Data")},
		FunctionSubnets:          &awsec2.SubnetSelection{SubnetGroupName: jsii.String("App")},
		InstanceClass:            "db.t4g.micro",
		AllocatedStorageGiB:      20,
		MaxAllocatedStorageGiB:   100,
		BackupRetention:          awscdk.Duration_Days(jsii.Number(7)),
		BackupWindow:             backupSleeping,
		MaintenanceWindow:        maintenanceSleeping,
		RemovalPolicy:            awscdk.RemovalPolicy_SNAPSHOT,
		SecretsRemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		LogRetention:             awslogs.RetentionDays_ONE_MONTH,
		SlowStatementThresholdMs: 500,
	}
}

// fixture holds the two databases every test reads, each in its own bare
// stack, synthesized once with the compliance packs:
//
//   - "sleeping" is a staging-like instance: single-AZ, no deletion
//     protection, snapshot on delete, secrets and logs deleted with the
//     stack, no Enhanced Monitoring, stopped in two daily windows;
//   - "protected" is a production-like instance: Multi-AZ, deletion
//     protection, retained with its secrets and logs, Enhanced Monitoring
//     every 60 s, never stopped, and opened to one client security group.
type fixture struct{ sleeping, protected *variant }

var (
	fixOnce sync.Once
	fix     *fixture
)

// build makes the stack of one variant (its VPC, its key, and what
// configure sets), creates the database in it and synthesizes it under the
// compliance packs.
func build(t *testing.T, name string, configure func(v *variant)) *variant {
	t.Helper()
	v := &variant{name: name, stack: cdktest.BareStack(t, name)}
	cdktest.Must(t, func() {
		v.vpc = newNetwork(v.stack)
		v.key = newKey(v.stack)
		configure(v)
		v.db = database.New(v.stack, "Database", v.props)
		if v.client != nil {
			v.db.AllowFrom(v.client, "PostgreSQL from the test client")
		}
		stage := awscdk.Stage_Of(v.stack)
		compliance.AddPacks(stage)
		asm := stage.Synth(nil)
		v.findings = compliance.Findings(asm)
		raw, err := os.ReadFile(*asm.GetStackArtifact(v.stack.ArtifactId()).TemplateFullPath())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(raw, &v.json); err != nil {
			panic(err)
		}
		v.tpl = assertions.Template_FromJSON(&v.json, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
	})
	return v
}

// getFixture builds the fixture on first use; a failure fails every test
// that needs it.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{}
		f.sleeping = build(t, "Sleeping", func(v *variant) {
			v.props = baseProps(v.vpc, v.key, "medbookings-staging")
			v.props.StopSchedule = stopWindows
		})
		f.protected = build(t, "Protected", func(v *variant) {
			p := baseProps(v.vpc, v.key, "medbookings-production")
			p.InstanceClass = "db.t4g.small"
			p.MultiAZ = true
			p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB = 50, 200
			p.BackupRetention = awscdk.Duration_Days(jsii.Number(14))
			p.BackupWindow, p.MaintenanceWindow = backupProtected, maintenanceProtected
			p.DeletionProtection = true
			p.RemovalPolicy, p.SecretsRemovalPolicy = awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN
			p.LogRetention = awslogs.RetentionDays_THREE_MONTHS
			p.SlowStatementThresholdMs = 1000
			p.MonitoringInterval = awscdk.Duration_Seconds(jsii.Number(60))
			v.props = p
			v.client = awsec2.NewSecurityGroup(v.stack, jsii.String("Client"), &awsec2.SecurityGroupProps{Vpc: v.vpc})
		})
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture failed to build (see the first test that used it)")
	}
	return fix
}

// variants are both databases, for the tests that hold for either.
func (f *fixture) variants() []*variant { return []*variant{f.sleeping, f.protected} }

// resources are the template's resources of type typ by logical ID.
func (v *variant) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range v.json["Resources"].(map[string]any) {
		if res := r.(map[string]any); res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// id is the logical ID of the resource at construct path (below the stack),
// found by its aws:cdk:path metadata.
func (v *variant) id(t *testing.T, path string) string {
	t.Helper()
	want := v.name + "/" + path
	for id, r := range v.json["Resources"].(map[string]any) {
		md, _ := r.(map[string]any)["Metadata"].(map[string]any)
		if md["aws:cdk:path"] == want {
			return id
		}
	}
	t.Fatalf("%s: no resource at %s", v.name, want)
	return ""
}

// resource is the resource at construct path.
func (v *variant) resource(t *testing.T, path string) map[string]any {
	t.Helper()
	return v.json["Resources"].(map[string]any)[v.id(t, path)].(map[string]any)
}

// resolve is what a token becomes in the template.
func (v *variant) resolve(token any) any {
	var out any
	b, _ := json.Marshal(v.stack.Resolve(token))
	_ = json.Unmarshal(b, &out)
	return out
}

// subnetRefs are the template references of the subnets of group.
func (v *variant) subnetRefs(group string) []any {
	var refs []any
	for _, id := range *v.vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(group)}).SubnetIds {
		refs = append(refs, v.resolve(id))
	}
	return refs
}

// keyARN is the given key's ARN in the template.
func (v *variant) keyARN(t *testing.T) any { return getAtt(v.id(t, "Key/Resource"), "Arn") }

// deletionPolicy is how the template writes a removal policy.
func deletionPolicy(p awscdk.RemovalPolicy) string {
	return map[awscdk.RemovalPolicy]string{
		awscdk.RemovalPolicy_SNAPSHOT: "Snapshot", awscdk.RemovalPolicy_RETAIN: "Retain", awscdk.RemovalPolicy_DESTROY: "Delete",
	}[p]
}

// ref and getAtt are references as the template writes them.
func ref(id string) any          { return map[string]any{"Ref": id} }
func getAtt(id, attr string) any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }

// obj matches an object with at least these keys; exact, with only these.
func obj(m map[string]any) any   { return assertions.Match_ObjectLike(&m) }
func exact(m map[string]any) any { return assertions.Match_ObjectEquals(&m) }

// props are a resource's properties.
func props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

// flatten writes every {"Fn::Join": [sep, parts]} of v as one string, with
// ${Ref} and ${Resource.Attribute} for references, so that whole documents
// with ARNs can be compared to readable literals.
func flatten(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
				var parts []string
				for _, p := range j[1].([]any) {
					parts = append(parts, fmt.Sprint(flatten(p)))
				}
				return strings.Join(parts, j[0].(string))
			}
			if r, ok := x["Ref"].(string); ok {
				return "${" + r + "}"
			}
			if g, ok := x["Fn::GetAtt"].([]any); ok && len(g) == 2 {
				return "${" + g[0].(string) + "." + g[1].(string) + "}"
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = flatten(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = flatten(e)
		}
		return out
	}
	return v
}

// toJSON is v as compact JSON, for messages.
func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// suppressed lists the cdk-nag rules suppressed on a resource.
func suppressed(r map[string]any) []string {
	md, _ := r["Metadata"].(map[string]any)
	nag, _ := md["cdk_nag"].(map[string]any)
	rules, _ := nag["rules_to_suppress"].([]any)
	var ids []string
	for _, s := range rules {
		ids = append(ids, s.(map[string]any)["id"].(string))
	}
	sort.Strings(ids)
	return ids
}

// GIVEN the props of each variant WHEN the database is synthesized THEN the
// instance is PostgreSQL 16.13 in the Data subnets, not publicly
// accessible, on gp3 storage that autoscales, encrypted (storage, master
// secret, Performance Insights) with the given key, with Database Insights
// standard (7 days), the RSA 2048 CA, and backups, windows, Multi-AZ,
// deletion protection and removal policy as the props say.
func TestInstance(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v                                   *variant
		class                               string
		multiAZ, protect                    bool
		storage                             string
		maxStorage, retention               float64
		backup, maintenance, deletionPolicy string
	}{
		{f.sleeping, "db.t4g.micro", false, false, "20", 100, 7, "00:00-00:30", "sun:02:30-sun:03:00", "Snapshot"},
		{f.protected, "db.t4g.small", true, true, "50", 200, 14, "01:00-01:30", "mon:03:00-mon:03:30", "Retain"},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v, key := c.v, c.v.keyARN(t)
			cdktest.Check(t, "instance", func() {
				v.tpl.HasResource(jsii.String("AWS::RDS::DBInstance"), obj(map[string]any{
					"DeletionPolicy":      c.deletionPolicy,
					"UpdateReplacePolicy": c.deletionPolicy,
					"DependsOn":           assertions.Match_ArrayWith(&[]any{v.id(t, "Database/PostgresLogGroup/Resource"), v.id(t, "Database/UpgradeLogGroup/Resource")}),
					"Properties": obj(map[string]any{
						"DBInstanceIdentifier":               v.props.Identifier,
						"Engine":                             "postgres",
						"EngineVersion":                      "16.13",
						"AutoMinorVersionUpgrade":            true,
						"AllowMajorVersionUpgrade":           false,
						"DBInstanceClass":                    c.class,
						"PubliclyAccessible":                 false,
						"MultiAZ":                            c.multiAZ,
						"StorageType":                        "gp3",
						"AllocatedStorage":                   c.storage,
						"MaxAllocatedStorage":                c.maxStorage,
						"StorageEncrypted":                   true,
						"KmsKeyId":                           key,
						"MasterUsername":                     database.MasterUsername,
						"ManageMasterUserPassword":           true,
						"MasterUserSecret":                   map[string]any{"KmsKeyId": key},
						"EnablePerformanceInsights":          true,
						"PerformanceInsightsKMSKeyId":        key,
						"DatabaseInsightsMode":               "standard",
						"PerformanceInsightsRetentionPeriod": 7,
						"CACertificateIdentifier":            "rds-ca-rsa2048-g1",
						"BackupRetentionPeriod":              c.retention,
						"PreferredBackupWindow":              c.backup,
						"PreferredMaintenanceWindow":         c.maintenance,
						"DeletionProtection":                 c.protect,
						"CopyTagsToSnapshot":                 true,
						"DeleteAutomatedBackups":             false,
						"DBName":                             database.DatabaseName,
						"Port":                               "5432",
						"EnableCloudwatchLogsExports":        []any{"postgresql", "upgrade"},
						"EnableIAMDatabaseAuthentication":    true,
						"DBParameterGroupName":               ref(v.id(t, "Database/Parameters/Resource")),
						"VPCSecurityGroups":                  []any{getAtt(v.id(t, "Database/SecurityGroup/Resource"), "GroupId")},
					}),
				}))
			})
			cdktest.Check(t, "one instance", func() { v.tpl.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(1)) })
			cdktest.Check(t, "subnet group of the Data subnets", func() {
				v.tpl.HasResourceProperties(jsii.String("AWS::RDS::DBSubnetGroup"), obj(map[string]any{"SubnetIds": v.subnetRefs("Data")}))
			})
			d := v.db
			if d.Instance == nil || d.SecurityGroup == nil || d.MasterSecret == nil || d.AppSecret == nil || d.ReadOnlySecret == nil ||
				d.Ready == nil || d.PostgresLogGroup == nil || d.Key == nil {
				t.Fatal("a Database field is nil")
			}
			if got := *d.Key.Node().Path(); got != *v.key.Node().Path() {
				t.Errorf("Database.Key is %s, want the given key %s", got, *v.key.Node().Path())
			}
			if got, want := d.MaxConnections, database.EstimatedMaxConnections(c.class); got != want || got == 0 {
				t.Errorf("MaxConnections = %d, want %d", got, want)
			}
			// The group RDS exports the postgresql log into (named in TestLogGroups).
			if got, want := v.resolve(d.PostgresLogGroup.LogGroupName()), ref(v.id(t, "Database/PostgresLogGroup/Resource")); !reflect.DeepEqual(got, want) {
				t.Errorf("PostgresLogGroup is %v, want %v", got, want)
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN RDS exports into the
// construct's own postgresql and upgrade log groups, with the retention,
// key and removal policy of the props.
func TestLogGroups(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v         *variant
		retention float64
	}{{f.sleeping, 30}, {f.protected, 90}} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			policy := deletionPolicy(v.props.SecretsRemovalPolicy)
			for _, name := range []string{"postgresql", "upgrade"} {
				cdktest.Check(t, "log group "+name, func() {
					v.tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), obj(map[string]any{
						"DeletionPolicy": policy, "UpdateReplacePolicy": policy,
						"Properties": exact(map[string]any{
							"LogGroupName":    "/aws/rds/instance/" + v.props.Identifier + "/" + name,
							"RetentionInDays": c.retention,
							"KmsKeyId":        v.keyARN(t),
						}),
					}))
				})
			}
			// Every log group of the construct: the two above, the two
			// rotation functions' and the role function's.
			for id, lg := range v.resources("AWS::Logs::LogGroup") {
				p := props(lg)
				if p["RetentionInDays"] != c.retention || !reflect.DeepEqual(p["KmsKeyId"], v.keyARN(t)) || lg["DeletionPolicy"] != policy {
					t.Errorf("log group %s: %s; want %g days, the given key, %s", id, toJSON(lg), c.retention, policy)
				}
			}
			if got := len(v.resources("AWS::Logs::LogGroup")); got != 5 {
				t.Errorf("%d log groups, want 5 (postgresql, upgrade, two rotation functions, role function)", got)
			}
		})
	}
}

// GIVEN the props WHEN synthesized THEN the parameter group is exactly
// database.Parameters plus log_min_duration_statement from the props, and
// no bind parameter value reaches the log.
func TestParameterGroup(t *testing.T) {
	f := getFixture(t)
	// Stated here as well as in database.Parameters: these two keep patient
	// data (bind parameters) out of the postgresql log.
	for k, want := range map[string]string{"log_parameter_max_length": "0", "log_parameter_max_length_on_error": "0", "rds.force_ssl": "1"} {
		if got := database.Parameters[k]; got != want {
			t.Errorf("database.Parameters[%q] = %q, want %q", k, got, want)
		}
	}
	for _, c := range []struct {
		v    *variant
		slow string
	}{{f.sleeping, "500"}, {f.protected, "1000"}} {
		t.Run(c.v.name, func(t *testing.T) {
			want := map[string]any{"log_min_duration_statement": c.slow}
			for k, v := range database.Parameters {
				want[k] = v
			}
			cdktest.Check(t, "parameters", func() {
				c.v.tpl.HasResourceProperties(jsii.String("AWS::RDS::DBParameterGroup"), obj(map[string]any{
					"Family": "postgres16", "Parameters": exact(want),
				}))
			})
			cdktest.Check(t, "one parameter group", func() {
				c.v.tpl.ResourceCountIs(jsii.String("AWS::RDS::DBParameterGroup"), jsii.Number(1))
			})
		})
	}
}

// GIVEN the instance's security group WHEN synthesized THEN it admits port
// 5432 from the role and rotation functions' group and from what AllowFrom
// was given, nothing else, and sends nothing out.
func TestSecurityGroup(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v       *variant
		sources []string // paths of the security groups admitted
	}{
		{f.sleeping, []string{"Database/FunctionSecurityGroup/Resource", "Database/Access/SecurityGroup/Resource"}},
		{f.protected, []string{"Database/FunctionSecurityGroup/Resource", "Database/Access/SecurityGroup/Resource", "Client/Resource"}},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			sgID := v.id(t, "Database/SecurityGroup/Resource")
			sg := props(v.resource(t, "Database/SecurityGroup/Resource"))
			if sg["SecurityGroupIngress"] != nil {
				t.Errorf("inline ingress on the database security group: %s", toJSON(sg["SecurityGroupIngress"]))
			}
			// CDK's placeholder rule for "no outbound traffic".
			noEgress := []any{map[string]any{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252.0, "IpProtocol": "icmp", "ToPort": 86.0}}
			if !reflect.DeepEqual(sg["SecurityGroupEgress"], noEgress) {
				t.Errorf("database security group egress = %s, want none", toJSON(sg["SecurityGroupEgress"]))
			}
			var want, got []string
			for _, s := range c.sources {
				want = append(want, toJSON(getAtt(v.id(t, s), "GroupId")))
			}
			for id, r := range v.resources("AWS::EC2::SecurityGroupIngress") {
				p := props(r)
				if !reflect.DeepEqual(p["GroupId"], getAtt(sgID, "GroupId")) {
					continue
				}
				if p["FromPort"] != 5432.0 || p["ToPort"] != 5432.0 || p["IpProtocol"] != "tcp" || p["CidrIp"] != nil || p["CidrIpv6"] != nil {
					t.Errorf("ingress %s is not tcp 5432 from a security group: %s", id, toJSON(p))
				}
				got = append(got, toJSON(p["SourceSecurityGroupId"]))
			}
			sort.Strings(want)
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("port 5432 is open to %v, want %v", got, want)
			}
			// Nothing may reach the functions.
			fn := props(v.resource(t, "Database/FunctionSecurityGroup/Resource"))
			if fn["SecurityGroupIngress"] != nil {
				t.Errorf("ingress into the function security group: %s", toJSON(fn["SecurityGroupIngress"]))
			}
			for id, r := range v.resources("AWS::EC2::SecurityGroupIngress") {
				if reflect.DeepEqual(props(r)["GroupId"], getAtt(v.id(t, "Database/FunctionSecurityGroup/Resource"), "GroupId")) {
					t.Errorf("ingress %s into the function security group", id)
				}
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN the application user's secret
// names the master secret (masterarn, for the alternating-user rotation)
// and the read-only user's does not; both are encrypted with the given key,
// generate passwords of letters and digits only, are attached to the
// instance and follow SecretsRemovalPolicy.
func TestUserSecrets(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			instance := v.id(t, "Database/Instance/Resource")
			policy := deletionPolicy(v.props.SecretsRemovalPolicy)
			for _, s := range []struct {
				path     string
				template map[string]any
			}{
				{"Database/AppSecret/Resource", map[string]any{"username": database.AppUsername, "dbname": database.DatabaseName,
					"masterarn": "${" + instance + ".MasterUserSecret.SecretArn}"}},
				{"Database/ReadOnlySecret/Resource", map[string]any{"username": database.ReadOnlyUsername, "dbname": database.DatabaseName}},
			} {
				r := v.resource(t, s.path)
				if r["DeletionPolicy"] != policy || r["UpdateReplacePolicy"] != policy {
					t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want %s", s.path, r["DeletionPolicy"], r["UpdateReplacePolicy"], policy)
				}
				p := props(r)
				if !reflect.DeepEqual(p["KmsKeyId"], v.keyARN(t)) {
					t.Errorf("%s: KmsKeyId %v, want the given key", s.path, p["KmsKeyId"])
				}
				gen, _ := p["GenerateSecretString"].(map[string]any)
				var got map[string]any
				if err := json.Unmarshal([]byte(fmt.Sprint(flatten(gen["SecretStringTemplate"]))), &got); err != nil || !reflect.DeepEqual(got, s.template) {
					t.Errorf("%s: SecretStringTemplate %s, want %s", s.path, toJSON(gen["SecretStringTemplate"]), toJSON(s.template))
				}
				exclude, _ := gen["ExcludeCharacters"].(string)
				for c := byte(' '); c <= '~'; c++ {
					alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
					if alnum == strings.ContainsRune(exclude, rune(c)) {
						t.Errorf("%s: generated passwords may contain %q: %v (want letters and digits only)", s.path, c, !alnum)
					}
				}
			}
			cdktest.Check(t, "attached to the instance", func() {
				v.tpl.ResourcePropertiesCountIs(jsii.String("AWS::SecretsManager::SecretTargetAttachment"), obj(map[string]any{
					"TargetId": ref(instance), "TargetType": "AWS::RDS::DBInstance",
				}), jsii.Number(2))
			})
			cdktest.Check(t, "two user secrets", func() { v.tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(2)) })
		})
	}
}

// GIVEN either variant WHEN synthesized THEN Secrets Manager rotates both
// user secrets with its hosted functions in the function subnets and
// security group: the application user by alternating users (multi-user,
// with the master secret), the read-only user on its own (single-user);
// both on RotationSchedule within 2 hours, by functions named
// RotationFunctionName whose log groups exist before the first rotation,
// and only once the roles exist.
func TestRotation(t *testing.T) {
	f := getFixture(t)
	if database.RotationSchedule != "cron(0 4 1 * ? *)" {
		t.Errorf("RotationSchedule = %s, want the 1st of the month at 04:00 UTC", database.RotationSchedule)
	}
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			instance := v.id(t, "Database/Instance/Resource")
			roles := v.id(t, "Database/Roles/Default")
			fnSG := getAtt(v.id(t, "Database/FunctionSecurityGroup/Resource"), "GroupId")
			var subnets []string
			for _, r := range v.subnetRefs("App") {
				subnets = append(subnets, fmt.Sprint(flatten(r)))
			}
			for _, r := range []struct {
				user, secret, schedule, logs, rotationType string
				master                                     any
			}{
				{"app", "Database/AppSecret/Attachment/Resource", "Database/AppSecret/Attachment/Rotation/Resource", "Database/AppRotationLogGroup/Resource",
					"PostgreSQLMultiUser", getAtt(instance, "MasterUserSecret.SecretArn")},
				{"readonly", "Database/ReadOnlySecret/Attachment/Resource", "Database/ReadOnlySecret/Attachment/Rotation/Resource", "Database/ReadOnlyRotationLogGroup/Resource",
					"PostgreSQLSingleUser", nil},
			} {
				name := database.RotationFunctionName(v.props.Identifier, r.user)
				if want := v.props.Identifier + "-" + r.user + "-rotation"; name != want || len(name) > 64 {
					t.Errorf("RotationFunctionName = %q, want %q (at most 64 characters)", name, want)
				}
				s := v.resource(t, r.schedule)
				p := props(s)
				if !reflect.DeepEqual(p["SecretId"], ref(v.id(t, r.secret))) {
					t.Errorf("%s rotation of %v, want its secret", r.user, p["SecretId"])
				}
				if want := map[string]any{"ScheduleExpression": database.RotationSchedule, "Duration": "2h"}; !reflect.DeepEqual(p["RotationRules"], want) {
					t.Errorf("%s rotation rules %s, want %s", r.user, toJSON(p["RotationRules"]), toJSON(want))
				}
				h, _ := p["HostedRotationLambda"].(map[string]any)
				if h["RotationType"] != r.rotationType || h["RotationLambdaName"] != name ||
					!reflect.DeepEqual(h["MasterSecretArn"], r.master) || !reflect.DeepEqual(h["KmsKeyArn"], v.keyARN(t)) ||
					!reflect.DeepEqual(h["VpcSecurityGroupIds"], fnSG) || flatten(h["VpcSubnetIds"]) != strings.Join(subnets, ",") {
					t.Errorf("%s hosted rotation %s; want %s named %s with master secret %v, the key, subnets %v and the function security group",
						r.user, toJSON(h), r.rotationType, name, toJSON(r.master), subnets)
				}
				if r.master != nil && !reflect.DeepEqual(h["MasterSecretKmsKeyArn"], v.keyARN(t)) {
					t.Errorf("%s: MasterSecretKmsKeyArn %v, want the given key", r.user, h["MasterSecretKmsKeyArn"])
				}
				deps, _ := s["DependsOn"].([]any)
				if !slices.Contains(deps, any(roles)) || !slices.Contains(deps, any(v.id(t, r.logs))) {
					t.Errorf("%s rotation depends on %v; want the roles (%s) and its log group", r.user, deps, roles)
				}
				if lg := props(v.resource(t, r.logs)); lg["LogGroupName"] != "/aws/lambda/"+name {
					t.Errorf("%s rotation log group is %v, want /aws/lambda/%s", r.user, lg["LogGroupName"], name)
				}
			}
			cdktest.Check(t, "two rotations", func() {
				v.tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::RotationSchedule"), jsii.Number(2))
			})
			if tr := toJSON(v.json["Transform"]); !strings.Contains(tr, "AWS::SecretsManager-") {
				t.Errorf("Transform %s: hosted rotation needs the AWS::SecretsManager transform", tr)
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN the Roles custom resource
// gets everything the function needs to create the roles, the password
// generation and the build's digest (a new build runs it again), and is
// retained when deleted.
func TestRolesCustomResource(t *testing.T) {
	f := getFixture(t)
	b, err := lambdabuild.Build("dbroles", lambdabuild.Layout{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			instance := v.id(t, "Database/Instance/Resource")
			want := map[string]any{
				"ServiceToken":       getAtt(v.id(t, "Database/RolesFunction/Resource"), "Arn"),
				"Host":               getAtt(instance, "Endpoint.Address"),
				"Port":               getAtt(instance, "Endpoint.Port"),
				"Database":           database.DatabaseName,
				"Schema":             database.AppSchema,
				"MasterSecretArn":    getAtt(instance, "MasterUserSecret.SecretArn"),
				"AppSecretArn":       ref(v.id(t, "Database/AppSecret/Attachment/Resource")),
				"ReadOnlySecretArn":  ref(v.id(t, "Database/ReadOnlySecret/Attachment/Resource")),
				"AppUsername":        database.AppUsername,
				"ReadOnlyUsername":   database.ReadOnlyUsername,
				"PasswordGeneration": database.PasswordGeneration,
				"CodeSha256":         b.SHA256,
			}
			cdktest.Check(t, "roles", func() {
				v.tpl.HasResource(jsii.String("Custom::MedBookingsDatabaseRoles"), obj(map[string]any{
					"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": exact(want),
				}))
			})
			// Ready is what users of the database wait for: the roles.
			if c, ok := v.db.Ready.(constructs.IConstruct); !ok || *c.Node().Path() != v.name+"/Database/Roles" {
				t.Errorf("Database.Ready is not the Roles custom resource")
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN the roles function is a Go
// binary (provided.al2023, arm64) in the App subnets with the function
// security group, writing to its own log group; its role has no inline
// policy, and its managed policy reads the three secrets and nothing else;
// it may decrypt with the key only through Secrets Manager.
func TestRolesFunction(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			instance := v.id(t, "Database/Instance/Resource")
			role := v.id(t, "Database/RolesFunctionRole/Resource")
			cdktest.Check(t, "function", func() {
				v.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj(map[string]any{
					"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
					"Role": getAtt(role, "Arn"),
					"VpcConfig": exact(map[string]any{
						"SubnetIds":        v.subnetRefs("App"),
						"SecurityGroupIds": []any{getAtt(v.id(t, "Database/FunctionSecurityGroup/Resource"), "GroupId")},
					}),
					"LoggingConfig": map[string]any{"LogGroup": ref(v.id(t, "Database/RolesFunctionLogs/Resource"))},
				}))
			})
			r := props(v.resource(t, "Database/RolesFunctionRole/Resource"))
			if arns, _ := r["ManagedPolicyArns"].([]any); r["Policies"] != nil || len(arns) != 1 ||
				!strings.HasSuffix(fmt.Sprint(flatten(arns[0])), "service-role/AWSLambdaVPCAccessExecutionRole") {
				t.Errorf("roles function role: %s; want only AWSLambdaVPCAccessExecutionRole besides its managed policy", toJSON(r))
			}
			if trust := toJSON(r["AssumeRolePolicyDocument"]); !strings.Contains(trust, `"Service":"lambda.amazonaws.com"`) {
				t.Errorf("roles function role trusts %s", trust)
			}
			policy := map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{
					map[string]any{"Sid": "OwnLogGroup", "Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
						"Resource": getAtt(v.id(t, "Database/RolesFunctionLogs/Resource"), "Arn")},
					map[string]any{"Effect": "Allow", "Action": []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"},
						"Resource": []any{
							getAtt(instance, "MasterUserSecret.SecretArn"),
							ref(v.id(t, "Database/AppSecret/Attachment/Resource")),
							ref(v.id(t, "Database/ReadOnlySecret/Attachment/Resource")),
						}},
				},
			}
			cdktest.Check(t, "managed policy", func() {
				v.tpl.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), obj(map[string]any{
					"Roles": []any{ref(role)}, "PolicyDocument": exact(policy),
				}))
			})
			for id, p := range v.resources("AWS::IAM::Policy") {
				if strings.Contains(toJSON(p), role) {
					t.Errorf("inline policy %s on the roles function's role", id)
				}
			}
			// The key: every statement that names the role allows only
			// decryption through Secrets Manager.
			key := props(v.resource(t, "Key/Resource"))
			named := 0
			for _, st := range key["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				if !strings.Contains(toJSON(s["Principal"]), role) {
					continue
				}
				named++
				want := map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + cdktest.Region + ".amazonaws.com"}}
				if s["Action"] != "kms:Decrypt" || !reflect.DeepEqual(s["Condition"], want) {
					t.Errorf("key policy statement for the roles function: %s; want kms:Decrypt through Secrets Manager only", toJSON(s))
				}
			}
			if named != 1 {
				t.Errorf("%d key policy statements name the roles function's role, want 1 (decrypt the secrets)", named)
			}
		})
	}
}

// GIVEN two stop windows WHEN synthesized THEN EventBridge Scheduler stops
// the instance at each window's start and starts it at its end (UTC), as
// StopSchedule/StartSchedule and StopSchedule2/StartSchedule2, with a role
// only this account's scheduler may assume and that may only stop and start
// this instance; GIVEN no windows THEN there is no schedule and no role.
func TestStopSchedule(t *testing.T) {
	f := getFixture(t)
	v := f.sleeping
	role := v.id(t, "Database/SchedulerRole/Resource")
	for _, s := range []struct{ id, action, cron string }{
		{"StopSchedule", "stopDBInstance", "cron(0 18 * * ? *)"},
		{"StartSchedule", "startDBInstance", "cron(30 23 * * ? *)"},
		{"StopSchedule2", "stopDBInstance", "cron(15 2 * * ? *)"},
		{"StartSchedule2", "startDBInstance", "cron(45 4 * * ? *)"},
	} {
		t.Run(s.id, func(t *testing.T) {
			got := props(v.resource(t, "Database/"+s.id))
			if got["ScheduleExpression"] != s.cron || got["ScheduleExpressionTimezone"] != "UTC" || got["State"] != "ENABLED" ||
				!reflect.DeepEqual(got["FlexibleTimeWindow"], map[string]any{"Mode": "OFF"}) {
				t.Errorf("%s: %s; want %s UTC, enabled, at the exact time", s.id, toJSON(got), s.cron)
			}
			target, _ := got["Target"].(map[string]any)
			if target["Arn"] != "arn:aws:scheduler:::aws-sdk:rds:"+s.action || target["Input"] != `{"DbInstanceIdentifier":"medbookings-staging"}` ||
				!reflect.DeepEqual(target["RoleArn"], getAtt(role, "Arn")) {
				t.Errorf("%s target: %s; want rds:%s of medbookings-staging with the scheduler role", s.id, toJSON(target), s.action)
			}
		})
	}
	cdktest.Check(t, "four schedules", func() { v.tpl.ResourceCountIs(jsii.String("AWS::Scheduler::Schedule"), jsii.Number(4)) })
	trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "scheduler.amazonaws.com"},
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")}},
	}}}
	if got := props(v.resource(t, "Database/SchedulerRole/Resource")); !reflect.DeepEqual(got["AssumeRolePolicyDocument"], trust) ||
		got["Policies"] != nil || got["ManagedPolicyArns"] != nil {
		t.Errorf("scheduler role: %s; want trust %s and no other policy", toJSON(got), toJSON(trust))
	}
	policy := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Action": []any{"rds:StartDBInstance", "rds:StopDBInstance"}, "Effect": "Allow",
		"Resource": "arn:aws:rds:" + cdktest.Region + ":${AWS::AccountId}:db:${" + v.id(t, "Database/Instance/Resource") + "}",
	}}}
	got := props(v.resource(t, "Database/SchedulerPolicy/Resource"))
	if !reflect.DeepEqual(flatten(got["PolicyDocument"]), policy) || !reflect.DeepEqual(got["Roles"], []any{ref(role)}) {
		t.Errorf("scheduler policy: %s; want %s on the scheduler role", toJSON(flatten(got)), toJSON(policy))
	}

	t.Run("no windows", func(t *testing.T) {
		p := f.protected
		cdktest.Check(t, "no schedule", func() { p.tpl.ResourceCountIs(jsii.String("AWS::Scheduler::Schedule"), jsii.Number(0)) })
		if strings.Contains(toJSON(p.json), "scheduler.amazonaws.com") {
			t.Error("a role for the scheduler exists without stop windows")
		}
	})
}

// GIVEN MonitoringInterval WHEN synthesized THEN Enhanced Monitoring is on
// with that interval and RDS's monitoring role (its AWS managed policy
// suppressed for that role only); GIVEN none THEN it is off and only then
// is the HIPAA finding about it suppressed. Likewise the single-AZ and
// deletion-protection findings are suppressed only when the props turn
// those off.
func TestEnhancedMonitoringAndSuppressions(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v        *variant
		interval any
		role     bool
		rules    []string // suppressed on the instance
	}{
		{f.sleeping, nil, false, []string{"AwsSolutions-RDS10", "AwsSolutions-RDS11", "AwsSolutions-RDS3",
			"HIPAA.Security-RDSEnhancedMonitoringEnabled", "HIPAA.Security-RDSInBackupPlan",
			"HIPAA.Security-RDSInstanceDeletionProtectionEnabled", "HIPAA.Security-RDSMultiAZSupport"}},
		{f.protected, 60.0, true, []string{"AwsSolutions-RDS11", "HIPAA.Security-RDSInBackupPlan"}},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			instance := v.resource(t, "Database/Instance/Resource")
			p := props(instance)
			if p["MonitoringInterval"] != c.interval {
				t.Errorf("MonitoringInterval = %v, want %v", p["MonitoringInterval"], c.interval)
			}
			if got := suppressed(instance); !slices.Equal(got, c.rules) {
				t.Errorf("suppressed on the instance: %v\nwant %v", got, c.rules)
			}
			monitoringRole := ""
			for id, r := range v.resources("AWS::IAM::Role") {
				if strings.Contains(toJSON(props(r)["AssumeRolePolicyDocument"]), "monitoring.rds.amazonaws.com") {
					monitoringRole = id
				}
			}
			if (monitoringRole != "") != c.role {
				t.Fatalf("Enhanced Monitoring role %q, want one: %v", monitoringRole, c.role)
			}
			if !c.role {
				return
			}
			if !reflect.DeepEqual(p["MonitoringRoleArn"], getAtt(monitoringRole, "Arn")) {
				t.Errorf("MonitoringRoleArn = %v, want %s", p["MonitoringRoleArn"], monitoringRole)
			}
			if got := suppressed(v.json["Resources"].(map[string]any)[monitoringRole].(map[string]any)); !slices.Contains(got, "AwsSolutions-IAM4") {
				t.Errorf("monitoring role suppressions %v lack AwsSolutions-IAM4", got)
			}
		})
	}
}

// GIVEN either variant under the cdk-nag AwsSolutions and HIPAA packs WHEN
// synthesized THEN nothing of the database construct is reported (the test's
// own VPC and key are not its business).
func TestCompliance(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		for _, x := range v.findings {
			if strings.Contains(x.Path, "/Database/") {
				t.Errorf("%s: finding %s", v.name, x)
			}
		}
		// Every suppression carries a reason a reviewer can read.
		for id, r := range v.json["Resources"].(map[string]any) {
			md, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := md["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, s := range rules {
				if reason, _ := s.(map[string]any)["reason"].(string); len(reason) < 40 {
					t.Errorf("%s %s: suppression %v without a real reason", v.name, id, s)
				}
			}
		}
	}
}

// EstimatedMaxConnections is 75% of the class's nominal memory / 9531392
// bytes (RDS's default max_connections), and 0 for a class not allowed.
func TestEstimatedMaxConnections(t *testing.T) {
	for class, want := range map[string]int{
		"db.t4g.micro":   84,   // 768 MiB
		"db.t4g.small":   168,  // 1536 MiB
		"db.m7g.large":   675,  // 6 GiB
		"db.r7g.xlarge":  2703, // 24 GiB
		"db.t4g.2xlarge": 2703,
		"db.t3.micro":    0,
	} {
		if got := database.EstimatedMaxConnections(class); got != want {
			t.Errorf("EstimatedMaxConnections(%s) = %d, want %d", class, got, want)
		}
	}
}

// GIVEN props that cannot make a sound database WHEN New is called THEN it
// panics before creating anything, naming the problem.
func TestPropsAreChecked(t *testing.T) {
	stack := cdktest.BareStack(t, "Checks")
	var vpc awsec2.Vpc
	var key awskms.Key
	cdktest.Must(t, func() {
		vpc = newNetwork(stack)
		key = newKey(stack)
	})
	for _, c := range []struct {
		name   string
		change func(*database.Props)
		want   string
	}{
		{"no key", func(p *database.Props) { p.Key = nil }, "Identifier, Key, Vpc, Subnets, FunctionSubnets and BackupRetention are required"},
		{"no function subnets", func(p *database.Props) { p.FunctionSubnets = nil }, "FunctionSubnets and BackupRetention are required"},
		{"unknown class", func(p *database.Props) { p.InstanceClass = "db.t3.micro" }, `InstanceClass "db.t3.micro" is not one of InstanceClasses`},
		{"storage ceiling", func(p *database.Props) { p.MaxAllocatedStorageGiB = 20 }, "storage 20 GiB up to 20 GiB: at least 20, and a ceiling above it"},
		{"maintenance over backups", func(p *database.Props) {
			p.MaintenanceWindow = config.WeeklyWindow{Start: 6*1440 + 15, End: 6*1440 + 45} // sun:00:15-sun:00:45
		}, "the maintenance window overlaps the backup window"},
		{"stop window over backups", func(p *database.Props) {
			p.StopSchedule = []config.DailyWindow{{Start: 18 * 60, End: 20 * 60}, {Start: 23 * 60, End: 60}} // 23:00-01:00
		}, "a stop window covers the backup window (a stopped instance takes no backups)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := baseProps(vpc, key, "medbookings-checks")
			c.change(&p)
			defer func() {
				r := recover()
				msg := fmt.Sprint(r)
				if r == nil || !strings.HasPrefix(msg, "database.New: ") || !strings.Contains(msg, c.want) {
					t.Errorf("panic = %v\nwant database.New: ... %s", r, c.want)
				}
				// Only the problem made here is reported.
				if strings.Count(msg, ";") > 0 {
					t.Errorf("more than one problem reported: %s", msg)
				}
			}()
			database.New(stack, "Database"+strings.ReplaceAll(c.name, " ", ""), p)
		})
	}
}

// GIVEN unchanged sources WHEN the roles function is built again from
// scratch THEN the binary is byte for byte the same (so CodeSha256 and the
// asset do not change and `cdk diff` shows nothing), and the asset folder
// holds only bootstrap.
func TestLambdaBuildIsReproducible(t *testing.T) {
	a, err := lambdabuild.Build("dbroles", lambdabuild.Layout{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := os.ReadFile(filepath.Join(a.Dir, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := lambdabuild.Rebuild("dbroles", lambdabuild.Layout{})
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(filepath.Join(b.Dir, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != b.SHA256 || len(x) == 0 || !bytes.Equal(x, y) {
		t.Errorf("two builds differ: %s (%d bytes) vs %s (%d bytes)", a.SHA256, len(x), b.SHA256, len(y))
	}
	entries, _ := os.ReadDir(b.Dir)
	if len(entries) != 1 || entries[0].Name() != "bootstrap" {
		t.Errorf("asset folder holds %v, want only bootstrap", entries)
	}
}

// GIVEN the sleeping props WHEN synthesized with CDK's CloudFormation
// validation THEN the template is valid (a finding panics).
func TestStrictValidation(t *testing.T) {
	app := cdktest.NewApp(t, cdktest.AppOptions{Validation: true})
	cdktest.Must(t, func() {
		stack := awscdk.NewStack(app, jsii.String("Strict"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(cdktest.Region)}})
		vpc := newNetwork(stack)
		key := newKey(stack)
		p := baseProps(vpc, key, "medbookings-strict")
		p.StopSchedule = stopWindows
		database.New(stack, "Database", p)
		app.Synth(nil)
	})
}

// TestAccess: the break-glass path is a launch template, not a running
// instance; the instance it launches is private, needs IMDSv2, has an
// encrypted disk, can open Session Manager sessions and nothing else, and
// reaches only Session Manager (443) and the database (5432).
func TestAccess(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			if n := len(v.resources("AWS::EC2::Instance")); n != 0 {
				t.Errorf("%d EC2 instances; the access instance must only be launched by an operator", n)
			}
			lt := props(v.resource(t, "Database/Access/LaunchTemplate"))
			data, _ := lt["LaunchTemplateData"].(map[string]any)
			if lt["LaunchTemplateName"] != "medbookings-"+v.name+"-access" && !strings.HasSuffix(fmt.Sprint(lt["LaunchTemplateName"]), "-access") {
				t.Errorf("launch template name %v", lt["LaunchTemplateName"])
			}
			if data["ImageId"] != "resolve:ssm:"+database.AccessImageParameter || data["InstanceType"] != database.AccessInstanceType {
				t.Errorf("image %v, type %v", data["ImageId"], data["InstanceType"])
			}
			if md, _ := data["MetadataOptions"].(map[string]any); md["HttpTokens"] != "required" {
				t.Errorf("IMDSv2 not required: %s", toJSON(data["MetadataOptions"]))
			}
			nis, _ := data["NetworkInterfaces"].([]any)
			if len(nis) != 1 {
				t.Fatalf("network interfaces: %s", toJSON(nis))
			}
			ni := nis[0].(map[string]any)
			if ni["AssociatePublicIpAddress"] != false || !slices.ContainsFunc(v.subnetRefs("App"), func(r any) bool { return reflect.DeepEqual(r, ni["SubnetId"]) }) {
				t.Errorf("interface not private in an App subnet: %s", toJSON(ni))
			}
			sgID := v.id(t, "Database/Access/SecurityGroup/Resource")
			if !reflect.DeepEqual(ni["Groups"], []any{getAtt(sgID, "GroupId")}) {
				t.Errorf("interface groups %s", toJSON(ni["Groups"]))
			}
			bdm, _ := data["BlockDeviceMappings"].([]any)
			if len(bdm) != 1 || bdm[0].(map[string]any)["Ebs"].(map[string]any)["Encrypted"] != true {
				t.Errorf("root volume not encrypted: %s", toJSON(bdm))
			}
			sg := props(v.resource(t, "Database/Access/SecurityGroup/Resource"))
			if sg["SecurityGroupIngress"] != nil {
				t.Errorf("ingress into the access instance: %s", toJSON(sg["SecurityGroupIngress"]))
			}
			egress := []string{}
			for _, e := range sg["SecurityGroupEgress"].([]any) {
				m := e.(map[string]any)
				egress = append(egress, fmt.Sprintf("%v %v %v", m["IpProtocol"], m["FromPort"], m["CidrIp"]))
			}
			for id, r := range v.resources("AWS::EC2::SecurityGroupEgress") {
				m := props(r)
				if reflect.DeepEqual(m["GroupId"], getAtt(sgID, "GroupId")) {
					if !reflect.DeepEqual(m["DestinationSecurityGroupId"], getAtt(v.id(t, "Database/SecurityGroup/Resource"), "GroupId")) {
						t.Errorf("egress %s to something other than the database: %s", id, toJSON(m))
					}
					egress = append(egress, fmt.Sprintf("%v %v db", m["IpProtocol"], m["FromPort"]))
				}
			}
			sort.Strings(egress)
			if want := []string{"tcp 443 0.0.0.0/0", "tcp 5432 db"}; !slices.Equal(egress, want) {
				t.Errorf("egress %v, want %v", egress, want)
			}
			policy := props(v.resource(t, "Database/Access/Policy/Resource"))
			stmts := policy["PolicyDocument"].(map[string]any)["Statement"].([]any)
			var actions []string
			for _, st := range stmts {
				for _, a := range st.(map[string]any)["Action"].([]any) {
					actions = append(actions, a.(string))
				}
			}
			for _, a := range actions {
				if !strings.HasPrefix(a, "ssmmessages:") && a != "ssm:UpdateInstanceInformation" {
					t.Errorf("access instance may %s", a)
				}
			}
			role := props(v.resource(t, "Database/Access/Role/Resource"))
			if role["ManagedPolicyArns"] != nil || role["Policies"] != nil {
				t.Errorf("access role has other policies: %s", toJSON(role))
			}
		})
	}
}
