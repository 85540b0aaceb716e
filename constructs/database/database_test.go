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

// newKey is a key like the stack's data key: rotated, retained, and no
// grants but for AWS resources.
func newKey(stack awscdk.Stack) awskms.Key {
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	compliance.GuardGrants(key)
	return key
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

// backupDecision is the reason of the fixture's own RDSInBackupPlan
// suppression: the construct leaves AWS Backup to the stack.
const backupDecision = "test: the stack decides about AWS Backup"

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
		compliance.Suppress(v.db.Instance, map[string]string{"HIPAA.Security-RDSInBackupPlan": backupDecision})
		if v.client != nil {
			v.db.AllowFrom(v.client, "PostgreSQL from the test client")
		}
		stage := awscdk.Stage_Of(v.stack)
		compliance.AddPacks(stage, false)
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

// obj matches an object with at least these keys; exact, with only these.
func obj(m map[string]any) any   { return assertions.Match_ObjectLike(&m) }
func exact(m map[string]any) any { return assertions.Match_ObjectEquals(&m) }

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

// suppression is one cdk-nag suppression: the rule, the reason, and the
// findings it applies to ("" for all of the rule's findings).
type suppression struct{ rule, reason, appliesTo string }

// suppressions are the cdk-nag suppressions of a resource, every one of
// them (one rule may be suppressed twice, with different reasons).
func suppressions(r map[string]any) []suppression {
	md, _ := r["Metadata"].(map[string]any)
	nag, _ := md["cdk_nag"].(map[string]any)
	rules, _ := nag["rules_to_suppress"].([]any)
	var out []suppression
	for _, s := range rules {
		m := s.(map[string]any)
		var findings []string
		appliesTo, _ := m["applies_to"].([]any)
		for _, f := range appliesTo {
			findings = append(findings, fmt.Sprint(f))
		}
		out = append(out, suppression{rule: fmt.Sprint(m["id"]), reason: fmt.Sprint(m["reason"]), appliesTo: strings.Join(findings, ", ")})
	}
	return out
}

// scopes are the rules and findings a resource's suppressions cover, as
// scope writes them, sorted.
func scopes(r map[string]any) []string {
	var out []string
	for _, s := range suppressions(r) {
		out = append(out, s.rule+" "+s.appliesTo)
	}
	sort.Strings(out)
	return out
}

// scope is what scopes writes for a suppression of rule for findings.
func scope(rule string, findings ...string) string { return rule + " " + strings.Join(findings, ", ") }

// withNIST is rules, each HIPAA Security rule that the NIST 800-53 rev 5
// pack shares (compliance.SharedRules) followed by its NIST twin, sorted:
// a HIPAA suppression is a NIST one too.
func withNIST(rules ...string) []string {
	var out []string
	for _, r := range rules {
		out = append(out, r)
		if name, ok := strings.CutPrefix(r, "HIPAA.Security-"); ok && compliance.SharedRules[name] {
			out = append(out, "NIST.800.53.R5-"+name)
		}
	}
	sort.Strings(out)
	return out
}

// statementsBySid are the statements of a policy document by Sid (IAM does
// not care about their order); a statement without a Sid fails the test.
func statementsBySid(t *testing.T, doc any) map[string]any {
	t.Helper()
	d, _ := doc.(map[string]any)
	if d["Version"] != "2012-10-17" {
		t.Errorf("policy version %v", d["Version"])
	}
	out := map[string]any{}
	sts, _ := d["Statement"].([]any)
	for _, st := range sts {
		sid, _ := st.(map[string]any)["Sid"].(string)
		if _, dup := out[sid]; sid == "" || dup {
			t.Errorf("statement without a Sid, or a repeated one: %s", toJSON(st))
		}
		out[sid] = st
	}
	return out
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
// construct's own postgresql and upgrade log groups; these and the roles and
// rotation functions' log groups, and no other, have the retention, key and
// removal policy of the props.
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
			// Every log group of the construct: the two above, and those of
			// the two rotation functions and of the roles function, named
			// after their functions so that nothing else writes there first.
			var names []string
			for id, lg := range v.resources("AWS::Logs::LogGroup") {
				p := props(lg)
				if p["RetentionInDays"] != c.retention || !reflect.DeepEqual(p["KmsKeyId"], v.keyARN(t)) ||
					lg["DeletionPolicy"] != policy || lg["UpdateReplacePolicy"] != policy {
					t.Errorf("log group %s: %s; want %g days, the given key, %s", id, toJSON(lg), c.retention, policy)
				}
				names = append(names, fmt.Sprint(p["LogGroupName"]))
			}
			sort.Strings(names)
			id := v.props.Identifier
			want := []string{"/aws/lambda/" + id + "-db-roles", "/aws/lambda/" + id + "-rotate-app", "/aws/lambda/" + id + "-rotate-readonly",
				"/aws/rds/instance/" + id + "/postgresql", "/aws/rds/instance/" + id + "/upgrade"}
			if !slices.Equal(names, want) {
				t.Errorf("log groups %v, want %v", names, want)
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

// GIVEN either variant WHEN synthesized THEN each user secret is rotated by
// its own Lambda function (functions/dbrotate, Go on provided.al2023 arm64),
// not by AWS's hosted rotation: the template has no transform. The
// application user's function rotates by alternating users (multi-user,
// and may read the master secret), the read-only user's on its own
// (single-user); each is named RotationFunctionName, writes its own log
// group, runs in the App subnets with the function security group,
// generates letters and digits only, and may touch its own secret and
// nothing else. Secrets Manager may invoke it for that secret of this
// account only. The schedule keeps the construct path (and so the logical
// ID) of the hosted rotation it replaces, rotates on RotationSchedule within
// 2 hours, and is created only once the roles exist and the function may
// be invoked and may rotate.
func TestRotation(t *testing.T) {
	f := getFixture(t)
	if database.RotationSchedule != "cron(0 4 1 * ? *)" {
		t.Errorf("RotationSchedule = %s, want the 1st of the month at 04:00 UTC", database.RotationSchedule)
	}
	// Every printable ASCII character but letters and digits.
	var punctuation strings.Builder
	for c := byte(' '); c <= '~'; c++ {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			punctuation.WriteByte(c)
		}
	}
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			if tr, ok := v.json["Transform"]; ok {
				t.Errorf("Transform %s: rotation must not depend on a CloudFormation transform (AWS's hosted rotation)", toJSON(tr))
			}
			instance := v.id(t, "Database/Instance/Resource")
			roles := v.id(t, "Database/Roles/Default")
			retention := map[awslogs.RetentionDays]float64{awslogs.RetentionDays_ONE_MONTH: 30, awslogs.RetentionDays_THREE_MONTHS: 90}[v.props.LogRetention]
			removal := deletionPolicy(v.props.SecretsRemovalPolicy)
			for _, r := range []struct {
				id, user, username, strategy string
				secret, schedule             string
				// logicalID is the schedule's logical ID under AWS's hosted
				// rotation (testdata/MedBookingsInfraStack-*.template.json):
				// CloudFormation must update that schedule, not replace it.
				logicalID string
				master    bool
			}{
				{"App", "app", database.AppUsername, "multi-user",
					"Database/AppSecret/Attachment/Resource", "Database/AppSecret/Attachment/Rotation/Resource",
					"DatabaseAppSecretAttachmentRotation719DD1ED", true},
				{"ReadOnly", "readonly", database.ReadOnlyUsername, "single-user",
					"Database/ReadOnlySecret/Attachment/Resource", "Database/ReadOnlySecret/Attachment/Rotation/Resource",
					"DatabaseReadOnlySecretAttachmentRotationD1DF4F1E", false},
			} {
				t.Run(r.user, func(t *testing.T) {
					name := database.RotationFunctionName(v.props.Identifier, r.user)
					if want := v.props.Identifier + "-rotate-" + r.user; name != want || len(name) > 64 {
						t.Errorf("RotationFunctionName = %q, want %q (at most 64 characters)", name, want)
					}
					secret := ref(v.id(t, r.secret))
					fnID := v.id(t, "Database/"+r.id+"RotationFunction/Resource")
					logsID := v.id(t, "Database/"+r.id+"RotationLogs/Resource")
					roleID := v.id(t, "Database/"+r.id+"RotationRole/Resource")
					policyID := v.id(t, "Database/"+r.id+"RotationPolicy/Resource")
					invokeID := v.id(t, "Database/"+r.id+"RotationInvoke")

					// The function.
					fnRes := v.resource(t, "Database/"+r.id+"RotationFunction/Resource")
					fn := props(fnRes)
					for k, want := range map[string]any{
						"FunctionName":  name,
						"Runtime":       "provided.al2023",
						"Architectures": []any{"arm64"},
						"Handler":       "bootstrap",
						"Timeout":       300.0,
						"Role":          getAtt(roleID, "Arn"),
						"LoggingConfig": map[string]any{"LogGroup": ref(logsID)},
						"Environment": map[string]any{"Variables": map[string]any{
							"EXCLUDE_CHARACTERS": punctuation.String(), "ROTATION_STRATEGY": r.strategy,
						}},
						"VpcConfig": map[string]any{
							"SubnetIds":        v.subnetRefs("App"),
							"SecurityGroupIds": []any{getAtt(v.id(t, "Database/FunctionSecurityGroup/Resource"), "GroupId")},
						},
					} {
						if !reflect.DeepEqual(fn[k], want) {
							t.Errorf("rotation function %s = %s, want %s", k, toJSON(fn[k]), toJSON(want))
						}
					}
					if code := toJSON(fn["Code"]); !strings.Contains(code, "S3Key") {
						t.Errorf("rotation function code %s, want the built asset", code)
					}
					if deps, _ := fnRes["DependsOn"].([]any); !slices.Contains(deps, any(policyID)) {
						t.Errorf("rotation function depends on %v; want its policy (it may not start without its permissions)", deps)
					}
					if got, want := suppressed(fnRes), withNIST("HIPAA.Security-LambdaConcurrency", "HIPAA.Security-LambdaDLQ"); !slices.Equal(got, want) {
						t.Errorf("suppressed on the rotation function: %v, want %v", got, want)
					}

					// Its log group.
					logs := v.resource(t, "Database/"+r.id+"RotationLogs/Resource")
					if want := map[string]any{"LogGroupName": "/aws/lambda/" + name, "KmsKeyId": v.keyARN(t), "RetentionInDays": retention}; !reflect.DeepEqual(props(logs), want) ||
						logs["DeletionPolicy"] != removal || logs["UpdateReplacePolicy"] != removal {
						t.Errorf("rotation log group %s (%v), want %s (%s)", toJSON(props(logs)), logs["DeletionPolicy"], toJSON(want), removal)
					}

					// Its role: trusted by Lambda, the VPC access policy and
					// its own managed policy only.
					role := props(v.resource(t, "Database/"+r.id+"RotationRole/Resource"))
					trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
						"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"},
					}}}
					if arns, _ := role["ManagedPolicyArns"].([]any); !reflect.DeepEqual(role["AssumeRolePolicyDocument"], trust) || role["Policies"] != nil ||
						len(arns) != 1 || flatten(arns[0]) != "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" {
						t.Errorf("rotation role %s; want Lambda's trust and only AWSLambdaVPCAccessExecutionRole besides its managed policy", toJSON(role))
					}
					for id, p := range v.resources("AWS::IAM::Policy") {
						if strings.Contains(toJSON(p), roleID) {
							t.Errorf("inline policy %s on the rotation role", id)
						}
					}

					// Its policy: exactly these statements.
					policyRes := v.resource(t, "Database/"+r.id+"RotationPolicy/Resource")
					policy := props(policyRes)
					want := map[string]any{
						"OwnLogGroup": map[string]any{"Sid": "OwnLogGroup", "Effect": "Allow",
							"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": getAtt(logsID, "Arn")},
						"RotateOwnSecret": map[string]any{"Sid": "RotateOwnSecret", "Effect": "Allow",
							"Action": []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
								"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"},
							"Resource": secret},
						"GeneratePasswords": map[string]any{"Sid": "GeneratePasswords", "Effect": "Allow",
							"Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
						"SecretsKey": map[string]any{"Sid": "SecretsKey", "Effect": "Allow",
							"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": v.keyARN(t),
							"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + cdktest.Region + ".amazonaws.com"}}},
					}
					if r.master {
						want["ReadMasterSecret"] = map[string]any{"Sid": "ReadMasterSecret", "Effect": "Allow",
							"Action": "secretsmanager:GetSecretValue", "Resource": getAtt(instance, "MasterUserSecret.SecretArn")}
					}
					if got := statementsBySid(t, policy["PolicyDocument"]); !reflect.DeepEqual(got, want) {
						t.Errorf("rotation policy\n got %s\nwant %s", toJSON(got), toJSON(want))
					}
					if !reflect.DeepEqual(policy["Roles"], []any{ref(roleID)}) {
						t.Errorf("rotation policy attached to %s, want its role only", toJSON(policy["Roles"]))
					}
					// The wildcard is accepted for GetRandomPassword only.
					if got, want := scopes(policyRes), []string{scope("AwsSolutions-IAM5", "Resource::*")}; !slices.Equal(got, want) {
						t.Errorf("suppressed on the rotation policy: %q; want %q only", got, want)
					}

					// Secrets Manager may invoke it, for this secret of this account.
					if got, want := props(v.resource(t, "Database/"+r.id+"RotationInvoke")), map[string]any{
						"Action": "lambda:InvokeFunction", "FunctionName": getAtt(fnID, "Arn"), "Principal": "secretsmanager.amazonaws.com",
						"SourceAccount": ref("AWS::AccountId"), "SourceArn": secret,
					}; !reflect.DeepEqual(got, want) {
						t.Errorf("invoke permission %s, want %s", toJSON(got), toJSON(want))
					}

					// The schedule.
					if got := v.id(t, r.schedule); got != r.logicalID {
						t.Errorf("rotation schedule logical ID %s, want %s (the hosted rotation's: updated in place, not replaced)", got, r.logicalID)
					}
					s := v.resource(t, r.schedule)
					if got, want := props(s), map[string]any{
						"SecretId": secret, "RotationLambdaARN": getAtt(fnID, "Arn"),
						"RotationRules": map[string]any{"ScheduleExpression": database.RotationSchedule, "Duration": "2h"},
					}; !reflect.DeepEqual(got, want) {
						t.Errorf("rotation schedule %s, want %s", toJSON(got), toJSON(want))
					}
					deps, _ := s["DependsOn"].([]any)
					for _, d := range []string{roles, invokeID, policyID} {
						if !slices.Contains(deps, any(d)) {
							t.Errorf("rotation schedule depends on %v; want %s among them (roles, invoke permission, policy)", deps, d)
						}
					}
				})
			}
			cdktest.Check(t, "two rotations", func() {
				v.tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::RotationSchedule"), jsii.Number(2))
			})
			cdktest.Check(t, "two invoke permissions", func() {
				v.tpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(2))
			})
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
// binary (provided.al2023, arm64) named <identifier>-db-roles in the App
// subnets with the function security group, writing to its own log group
// /aws/lambda/<identifier>-db-roles; its role has no inline
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
					"FunctionName": v.props.Identifier + "-db-roles",
					"Runtime":      "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
					"Role": getAtt(role, "Arn"),
					"VpcConfig": exact(map[string]any{
						"SubnetIds":        v.subnetRefs("App"),
						"SecurityGroupIds": []any{getAtt(v.id(t, "Database/FunctionSecurityGroup/Resource"), "GroupId")},
					}),
					"LoggingConfig": map[string]any{"LogGroup": ref(v.id(t, "Database/RolesFunctionLogs/Resource"))},
				}))
			})
			if got := props(v.resource(t, "Database/RolesFunctionLogs/Resource"))["LogGroupName"]; got != "/aws/lambda/"+v.props.Identifier+"-db-roles" {
				t.Errorf("roles function log group %v, want /aws/lambda/%s-db-roles", got, v.props.Identifier)
			}
			if got, want := suppressed(v.resource(t, "Database/RolesFunction/Resource")),
				withNIST("HIPAA.Security-LambdaConcurrency", "HIPAA.Security-LambdaDLQ"); !slices.Equal(got, want) {
				t.Errorf("suppressed on the roles function: %v, want %v", got, want)
			}
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
// StopSchedule/StartSchedule and StopSchedule2/StartSchedule2 named
// <identifier>-stop-<n> and <identifier>-start-<n>, with a role
// only this account's scheduler may assume and that may only stop and start
// this instance; GIVEN no windows THEN there is no schedule and no role.
func TestStopSchedule(t *testing.T) {
	f := getFixture(t)
	v := f.sleeping
	role := v.id(t, "Database/SchedulerRole/Resource")
	for _, s := range []struct{ id, name, action, cron string }{
		{"StopSchedule", "medbookings-staging-stop-1", "stopDBInstance", "cron(0 18 * * ? *)"},
		{"StartSchedule", "medbookings-staging-start-1", "startDBInstance", "cron(30 23 * * ? *)"},
		{"StopSchedule2", "medbookings-staging-stop-2", "stopDBInstance", "cron(15 2 * * ? *)"},
		{"StartSchedule2", "medbookings-staging-start-2", "startDBInstance", "cron(45 4 * * ? *)"},
	} {
		t.Run(s.id, func(t *testing.T) {
			got := props(v.resource(t, "Database/"+s.id))
			if got["Name"] != s.name {
				t.Errorf("%s: Name %v, want %s (named after the instance, as the execution policy allows)", s.id, got["Name"], s.name)
			}
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
// with that interval and the construct's own role Database/MonitoringRole:
// trusted by RDS monitoring on behalf of this account only, with only the
// AWS managed AmazonRDSEnhancedMonitoringRole (suppressed for that policy
// only); GIVEN none THEN it is off, there is no such role, and only then is
// the finding about it suppressed. Likewise the single-AZ and
// deletion-protection findings are suppressed only when the props turn
// those off; every HIPAA suppression the NIST 800-53 pack shares is a NIST
// one too. Whether the instance is in an AWS Backup plan is the stack's
// decision: the construct suppresses no RDSInBackupPlan (the fixture's
// suppression, backupDecision, is the only one).
func TestEnhancedMonitoringAndSuppressions(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v        *variant
		interval any
		role     bool
		rules    []string // suppressed on the instance by the construct
	}{
		{f.sleeping, nil, false, withNIST("AwsSolutions-RDS10", "AwsSolutions-RDS11", "AwsSolutions-RDS3",
			"HIPAA.Security-RDSEnhancedMonitoringEnabled", "HIPAA.Security-RDSInstanceDeletionProtectionEnabled",
			"HIPAA.Security-RDSMultiAZSupport")},
		{f.protected, 60.0, true, withNIST("AwsSolutions-RDS11")},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			instance := v.resource(t, "Database/Instance/Resource")
			p := props(instance)
			if p["MonitoringInterval"] != c.interval {
				t.Errorf("MonitoringInterval = %v, want %v", p["MonitoringInterval"], c.interval)
			}
			var own, test []string
			for _, x := range suppressions(instance) {
				if x.reason == backupDecision {
					test = append(test, x.rule)
				} else {
					own = append(own, x.rule)
				}
			}
			sort.Strings(own)
			sort.Strings(test)
			if !slices.Equal(own, c.rules) {
				t.Errorf("suppressed on the instance by the construct: %v\nwant %v", own, c.rules)
			}
			if want := withNIST("HIPAA.Security-RDSInBackupPlan"); !slices.Equal(test, want) {
				t.Errorf("suppressed with the fixture's reason: %v, want %v (the construct must not decide about AWS Backup)", test, want)
			}
			monitoringRole := ""
			for id, r := range v.resources("AWS::IAM::Role") {
				if strings.Contains(toJSON(props(r)["AssumeRolePolicyDocument"]), "monitoring.rds.amazonaws.com") {
					if monitoringRole != "" {
						t.Errorf("two roles for Enhanced Monitoring: %s and %s", monitoringRole, id)
					}
					monitoringRole = id
				}
			}
			if (monitoringRole != "") != c.role {
				t.Fatalf("Enhanced Monitoring role %q, want one: %v", monitoringRole, c.role)
			}
			if !c.role {
				if p["MonitoringRoleArn"] != nil {
					t.Errorf("MonitoringRoleArn %v without Enhanced Monitoring", p["MonitoringRoleArn"])
				}
				return
			}
			if got := v.id(t, "Database/MonitoringRole/Resource"); got != monitoringRole {
				t.Errorf("the monitoring role is %s, want the construct's own Database/MonitoringRole (%s)", monitoringRole, got)
			}
			if !reflect.DeepEqual(p["MonitoringRoleArn"], getAtt(monitoringRole, "Arn")) {
				t.Errorf("MonitoringRoleArn = %v, want %s", p["MonitoringRoleArn"], monitoringRole)
			}
			roleRes := v.resource(t, "Database/MonitoringRole/Resource")
			role := props(roleRes)
			trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "monitoring.rds.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")}},
			}}}
			if !reflect.DeepEqual(role["AssumeRolePolicyDocument"], trust) {
				t.Errorf("monitoring role trust %s, want %s", toJSON(role["AssumeRolePolicyDocument"]), toJSON(trust))
			}
			if got, want := flatten(role["ManagedPolicyArns"]), []any{"arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"}; !reflect.DeepEqual(got, want) || role["Policies"] != nil {
				t.Errorf("monitoring role policies %s %s, want only %s", toJSON(got), toJSON(role["Policies"]), toJSON(want))
			}
			for id, pol := range v.resources("AWS::IAM::Policy") {
				if strings.Contains(toJSON(pol), monitoringRole) {
					t.Errorf("policy %s on the monitoring role", id)
				}
			}
			if got, want := scopes(roleRes), []string{scope("AwsSolutions-IAM4",
				"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")}; !slices.Equal(got, want) {
				t.Errorf("monitoring role suppressions %q, want %q only", got, want)
			}
		})
	}
}

// GIVEN either variant under the cdk-nag AwsSolutions, HIPAA Security and
// NIST 800-53 rev 5 packs WHEN synthesized THEN nothing is reported (the
// findings of the test's own VPC are suppressed as a stand-in's), every
// suppression carries a reason a reviewer can read, and every suppressed
// HIPAA rule that the NIST pack shares is suppressed for NIST too, with the
// same reason and scope.
func TestCompliance(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		for _, x := range v.findings {
			t.Errorf("%s: finding %s", v.name, x)
		}
		for id, r := range v.json["Resources"].(map[string]any) {
			sup := suppressions(r.(map[string]any))
			for _, x := range sup {
				if len(x.reason) < 40 {
					t.Errorf("%s %s: suppression of %s without a real reason: %q", v.name, id, x.rule, x.reason)
				}
				name, ok := strings.CutPrefix(x.rule, "HIPAA.Security-")
				if !ok || !compliance.SharedRules[name] {
					continue
				}
				twin := x
				twin.rule = "NIST.800.53.R5-" + name
				if !slices.Contains(sup, twin) {
					t.Errorf("%s %s: %s suppressed, but not %s with the same reason and scope", v.name, id, x.rule, twin.rule)
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

// GIVEN unchanged sources WHEN the roles or the rotation function is built
// again from scratch THEN the binary is byte for byte the same (so
// CodeSha256 and the assets do not change and `cdk diff` shows nothing),
// and the asset folder holds only bootstrap.
func TestLambdaBuildIsReproducible(t *testing.T) {
	for _, name := range []string{"dbroles", "dbrotate"} {
		t.Run(name, func(t *testing.T) {
			a, err := lambdabuild.Build(name, lambdabuild.Layout{})
			if err != nil {
				t.Fatal(err)
			}
			x, err := os.ReadFile(filepath.Join(a.Dir, "bootstrap"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := lambdabuild.Rebuild(name, lambdabuild.Layout{})
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
		})
	}
}

// TestAccess: the break-glass path is a launch template
// (<identifier>-access, Database.AccessLaunchTemplate), not a running
// instance; the instance it launches runs the current Amazon Linux 2023 for
// arm64 on a t4g.nano, is private, needs IMDSv2, has an encrypted disk,
// terminates when shut down, can open Session Manager sessions and nothing
// else, and reaches only Session Manager (443) and the database (5432).
func TestAccess(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			if n := len(v.resources("AWS::EC2::Instance")); n != 0 {
				t.Errorf("%d EC2 instances; the access instance must only be launched by an operator", n)
			}
			if lt := v.db.AccessLaunchTemplate; lt == nil || *lt.Node().Path() != v.name+"/Database/Access/LaunchTemplate" {
				t.Error("Database.AccessLaunchTemplate is not the construct's launch template")
			}
			lt := props(v.resource(t, "Database/Access/LaunchTemplate"))
			data, _ := lt["LaunchTemplateData"].(map[string]any)
			if lt["LaunchTemplateName"] != v.props.Identifier+"-access" {
				t.Errorf("launch template name %v, want %s-access", lt["LaunchTemplateName"], v.props.Identifier)
			}
			if database.AccessImageParameter != "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" || database.AccessInstanceType != "t4g.nano" {
				t.Errorf("AccessImageParameter %s, AccessInstanceType %s; want Amazon Linux 2023 for arm64 on a t4g.nano", database.AccessImageParameter, database.AccessInstanceType)
			}
			if data["ImageId"] != "resolve:ssm:"+database.AccessImageParameter || data["InstanceType"] != database.AccessInstanceType {
				t.Errorf("image %v, type %v", data["ImageId"], data["InstanceType"])
			}
			if want := map[string]any{"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1.0}; !reflect.DeepEqual(data["MetadataOptions"], want) {
				t.Errorf("metadata options %s, want IMDSv2 only, one hop: %s", toJSON(data["MetadataOptions"]), toJSON(want))
			}
			if data["InstanceInitiatedShutdownBehavior"] != "terminate" {
				t.Errorf("shutdown behaviour %v, want terminate", data["InstanceInitiatedShutdownBehavior"])
			}
			if tags := toJSON(data["TagSpecifications"]); !strings.Contains(tags, `{"Key":"Name","Value":"`+v.props.Identifier+`-access"}`) {
				t.Errorf("instance tags %s, want Name %s-access", tags, v.props.Identifier)
			}
			roleID := v.id(t, "Database/Access/Role/Resource")
			profileID := v.id(t, "Database/Access/InstanceProfile")
			if !reflect.DeepEqual(data["IamInstanceProfile"], map[string]any{"Arn": getAtt(profileID, "Arn")}) {
				t.Errorf("instance profile %s, want the access profile", toJSON(data["IamInstanceProfile"]))
			}
			if got := props(v.resource(t, "Database/Access/InstanceProfile")); !reflect.DeepEqual(got["Roles"], []any{ref(roleID)}) {
				t.Errorf("instance profile roles %s, want the access role", toJSON(got["Roles"]))
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
			policyRes := v.resource(t, "Database/Access/Policy/Resource")
			policy := props(policyRes)
			want := map[string]any{"SessionManagerAgent": map[string]any{"Sid": "SessionManagerAgent", "Effect": "Allow", "Resource": "*",
				"Action": []any{"ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
					"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}}}
			if got := statementsBySid(t, policy["PolicyDocument"]); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(policy["Roles"], []any{ref(roleID)}) {
				t.Errorf("access policy %s on %s, want %s on the access role", toJSON(got), toJSON(policy["Roles"]), toJSON(want))
			}
			if got, want := scopes(policyRes), []string{scope("AwsSolutions-IAM5", "Resource::*")}; !slices.Equal(got, want) {
				t.Errorf("suppressed on the access policy: %q; want %q only", got, want)
			}
			role := props(v.resource(t, "Database/Access/Role/Resource"))
			trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"},
			}}}
			if role["ManagedPolicyArns"] != nil || role["Policies"] != nil || !reflect.DeepEqual(role["AssumeRolePolicyDocument"], trust) {
				t.Errorf("access role %s; want EC2's trust and no policy but its own", toJSON(role))
			}
			for id, p := range v.resources("AWS::IAM::Policy") {
				if strings.Contains(toJSON(p), roleID) {
					t.Errorf("inline policy %s on the access role", id)
				}
			}
		})
	}
}

// Template readers shared by the construct tests (internal/cdktest).
var (
	props   = cdktest.Props
	ref     = cdktest.Ref
	getAtt  = cdktest.GetAtt
	flatten = cdktest.Flatten
	toJSON  = cdktest.CompactJSON
)

// id is the logical ID of the resource at construct path (below the stack).
func (v *variant) id(t *testing.T, path string) string {
	t.Helper()
	return cdktest.IDAt(t, v.json, v.name+"/"+path)
}

// resource is the resource at construct path.
func (v *variant) resource(t *testing.T, path string) map[string]any {
	t.Helper()
	return cdktest.ResourceAt(t, v.json, v.name+"/"+path)
}

// resources are the template's resources of type typ by logical ID.
func (v *variant) resources(typ string) map[string]map[string]any {
	return cdktest.OfType(v.json, typ)
}
