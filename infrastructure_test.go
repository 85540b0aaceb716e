package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/secretscan"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// built is the app of cdk.json, synthesized once for the whole package
// (every synthesis costs seconds): staging with the test app's real
// OpenNext build (testdata/nextapp), production without a bundle (the
// placeholder that `cdk synth` gives on a fresh clone), both under the
// compliance packs.
type built struct {
	settings *stacks.Settings
	app      *stacks.App
	stacks   map[string]*stacks.MedBookingsStack // by environment name
	asm      cxapi.CloudAssembly
	tpl      map[string]assertions.Template // by environment name
	json     map[string]map[string]any      // by environment name
	edgeTpl  map[string]assertions.Template // by environment name
	// the account-wide delivery stack (GitHub OIDC provider, CI roles)
	deliveryTpl assertions.Template
}

var (
	appOnce sync.Once
	theApp  *built
)

// settings loads cdk.json's settings with -c style overrides.
func settings(t *testing.T, overrides map[string]any) *stacks.Settings {
	t.Helper()
	ctx := cdktest.Context(t)
	for k, v := range overrides {
		ctx[k] = v
	}
	s, err := stacks.Load(ctx)
	require.NoError(t, err)
	return s
}

func buildApp(t *testing.T, opts cdktest.AppOptions, overrides map[string]any) *built {
	t.Helper()
	app := cdktest.NewApp(t, opts)
	b := &built{settings: settings(t, overrides), stacks: map[string]*stacks.MedBookingsStack{}, tpl: map[string]assertions.Template{},
		json: map[string]map[string]any{}, edgeTpl: map[string]assertions.Template{}}
	cdktest.Must(t, func() {
		var err error
		b.app, err = stacks.Build(app, b.settings)
		require.NoError(t, err)
		for _, st := range b.app.Environments {
			b.stacks[st.Environment.Name] = st
		}
		b.asm = app.Synth(nil)
	})
	for name, st := range b.stacks {
		b.tpl[name] = cdktest.Template(t, st.Stack)
		b.json[name] = cdktest.JSON(t, b.tpl[name])
	}
	for _, e := range b.app.Edges {
		b.edgeTpl[e.Environment] = cdktest.Template(t, e.Stack)
	}
	b.deliveryTpl = cdktest.Template(t, b.app.Delivery.Stack)
	return b
}

// withTestApp deploys the test app's bundle to staging, with the values the
// app requires before an app bundle may be deployed (cdk.json leaves them to
// the operator).
func withTestApp(t *testing.T) map[string]any {
	return map[string]any{
		"medbookings.staging.hosting.bundle":                  cdktest.TestAppBundle(t, "staging"),
		"medbookings.staging.hosting.app.upstashRedisRestUrl": "https://eu1-medbookings-staging-12345.upstash.io",
		"medbookings.staging.hosting.app.googleMapsApiKey":    "AIzaTestTestTestTestTestTestTestTestTes",
		// production keeps the placeholder (no bundle) but gets the values an
		// operator sets, so that both environments' servers can be held
		// against the app's requirements
		"medbookings.production.hosting.app.upstashRedisRestUrl": "https://eu1-medbookings-production-12345.upstash.io",
		"medbookings.production.hosting.app.googleMapsApiKey":    "AIzaTestTestTestTestTestTestTestTestPrd",
	}
}

// theBuiltApp is the app of cdk.json, built and synthesized once for the
// package, with CDK's CloudFormation validation on (cdk.json's flags make
// every finding an error): the one strict-validation synthesis of the
// suite, and the one synthesis under the compliance packs.
func theBuiltApp(t *testing.T) *built {
	appOnce.Do(func() {
		var err error
		if validationDir, err = os.MkdirTemp("", "medbookings-app-"); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if theApp == nil {
				t.Log("validation findings:\n" + cdktest.ValidationReport(validationDir))
			}
		}()
		theApp = buildApp(t, cdktest.AppOptions{Validation: true, Outdir: validationDir}, withTestApp(t))
	})
	if theApp == nil {
		t.Fatal("the app failed to build in an earlier test")
	}
	return theApp
}

// validationDir is the cloud assembly of theBuiltApp, with CDK's
// validation report (removed by TestMain).
var validationDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if validationDir != "" {
		os.RemoveAll(validationDir)
	}
	os.Exit(code)
}

func obj(m map[string]any) *map[string]any { return &m }

// resources are a template's resources of type typ (every type when ""), by logical ID.
func resources(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if typ == "" || res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

func TestStacksPerEnvironment(t *testing.T) {
	b := theBuiltApp(t)
	tests := []struct {
		env, stackName, edgeStack string
		terminationProtection     bool
	}{
		{"staging", "MedBookingsInfraStack-Staging", "MedBookingsEdge-Staging", false},
		{"production", "MedBookingsInfraStack-Production", "MedBookingsEdge-Production", true},
	}
	require.Len(t, b.stacks, len(tests), "exactly two environment stacks")
	names := []string{}
	for _, st := range *b.asm.Stacks() {
		names = append(names, *st.StackName())
	}
	assert.ElementsMatch(t, []string{"MedBookingsInfraStack-Staging", "MedBookingsInfraStack-Production", "MedBookingsEdge-Staging",
		"MedBookingsEdge-Production", "MedBookingsDelivery"}, names,
		"the two environments, their us-east-1 companions and the account-wide delivery stack")
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			st := b.stacks[tc.env]
			require.NotNil(t, st)
			assert.Equal(t, tc.stackName, *st.StackName())
			assert.Equal(t, tc.stackName, *st.Node().Id(), "construct ID = stack name, stable")
			assert.Equal(t, "eu-west-1", *st.Region())
			assert.True(t, *awscdk.Token_IsUnresolved(st.Account()), "account-agnostic: no account in cdk.json")
			assert.Equal(t, tc.terminationProtection, *st.TerminationProtection())
			for name, region := range map[string]string{tc.stackName: "eu-west-1", tc.edgeStack: "us-east-1"} {
				art := b.asm.GetStackByName(jsii.String(name))
				assert.Equal(t, "aws://unknown-account/"+region, *art.Environment().Name)
				assert.Equal(t, tc.terminationProtection, art.TerminationProtection() != nil && *art.TerminationProtection())
				assert.Equal(t, map[string]string{"Project": "MedBookings", "Environment": tc.env, "ManagedBy": "aws-cdk"},
					derefMap(art.Tags()), "stack tags, propagated by CloudFormation to every taggable resource")
			}
			deps := b.asm.GetStackByName(jsii.String(tc.stackName)).Dependencies()
			var depNames []string
			for _, d := range *deps {
				depNames = append(depNames, *d.Id())
			}
			assert.Contains(t, depNames, tc.edgeStack, "deploying the environment deploys its edge stack first")
		})
	}
}

// TestEnvironmentDifferences asserts, in the synthesized templates, every
// difference between the environments that cdk.json sets.
func TestEnvironmentDifferences(t *testing.T) {
	b := theBuiltApp(t)
	tests := []struct {
		env, class, bucket          string
		multiAZ, deletionProtection bool
		monitoringInterval          any
		budget                      float64
		schedules                   int
		natGateways, natInstances   int
		flowLogs                    string
		reservedConcurrency         int
	}{
		// staging: two jobs, and the database's and the NAT instance's stop
		// and start in each of its two windows; production: the two jobs,
		// and a NAT gateway.
		{"staging", "db.t4g.micro", "medbookings-uploads-staging", false, false, nil, 50, 2 + 2*2*2, 0, 1, "REJECT", hosting.ReservedConcurrency(database.EstimatedMaxConnections("db.t4g.micro"), 1)},
		{"production", "db.t4g.small", "medbookings-uploads-production", true, true, 60.0, 150, 2, 1, 0, "ALL", hosting.ReservedConcurrency(database.EstimatedMaxConnections("db.t4g.small"), 1)},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			tpl, j := b.tpl[tc.env], b.json[tc.env]
			cdktest.Check(t, "database", func() {
				tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), obj(map[string]any{
					"DBInstanceClass": tc.class, "MultiAZ": tc.multiAZ, "DeletionProtection": tc.deletionProtection,
					"AllocatedStorage": "20", "MaxAllocatedStorage": 100, "StorageType": "gp3",
					"BackupRetentionPeriod": 7, "PreferredBackupWindow": "00:00-00:30",
					"PreferredMaintenanceWindow": "sun:02:30-sun:03:00", "StorageEncrypted": true,
					"DatabaseInsightsMode": "standard", "PerformanceInsightsRetentionPeriod": 7,
				}))
			})
			db := props(resources(j, "AWS::RDS::DBInstance")["DatabaseInstanceAA8A5FDE"])
			assert.Equal(t, tc.monitoringInterval, db["MonitoringInterval"], "Enhanced Monitoring")
			assert.Len(t, resources(j, "AWS::Scheduler::Schedule"), tc.schedules)
			assert.Len(t, resources(j, "AWS::EC2::NatGateway"), tc.natGateways)
			assert.Len(t, resources(j, "AWS::EC2::Instance"), tc.natInstances)
			for _, fl := range resources(j, "AWS::EC2::FlowLog") {
				assert.Equal(t, tc.flowLogs, props(fl)["TrafficType"])
			}
			cdktest.Check(t, "uploads bucket", func() {
				tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj(map[string]any{"BucketName": tc.bucket}))
			})
			cdktest.Check(t, "server concurrency", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj(map[string]any{
					"FunctionName": "medbookings-" + tc.env + "-server", "ReservedConcurrentExecutions": tc.reservedConcurrency,
				}))
			})
			cdktest.Check(t, "budget", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Budgets::Budget"), obj(map[string]any{
					"Budget": assertions.Match_ObjectLike(obj(map[string]any{
						"BudgetLimit": map[string]any{"Amount": tc.budget, "Unit": "USD"},
					})),
				}))
			})
		})
	}
}

// TestDatabaseIsPrivate: in both environments the database is not publicly
// accessible, lives in the Data subnets (no route out of the VPC), and port
// 5432 admits the security groups of our own functions only.
func TestDatabaseIsPrivate(t *testing.T) {
	b := theBuiltApp(t)
	wantPeers := map[string][]string{
		"staging":    {"DatabaseFunctionSecurityGroup", "HostingServerSecurityGroup", "HostingMigrateSecurityGroup", "DatabaseAccessSecurityGroup"},
		"production": {"DatabaseFunctionSecurityGroup", "HostingServerSecurityGroup", "DatabaseAccessSecurityGroup"},
	}
	for env, j := range b.json {
		t.Run(env, func(t *testing.T) {
			db := props(resources(j, "AWS::RDS::DBInstance")["DatabaseInstanceAA8A5FDE"])
			assert.Equal(t, false, db["PubliclyAccessible"])
			group := props(resources(j, "AWS::RDS::DBSubnetGroup")["DatabaseInstanceSubnetGroupDE121BB6"])
			assert.ElementsMatch(t, []any{map[string]any{"Ref": "DatabaseVpcPublicSubnet1SubnetD31C4D9A"}, map[string]any{"Ref": "DatabaseVpcPublicSubnet2Subnet765A97D7"}},
				group["SubnetIds"], "the instance stays in the subnets it has always been in")
			sg := props(resources(j, "AWS::EC2::SecurityGroup")["DatabaseSecurityGroup5C91FDCB"])
			assert.NotContains(t, sg, "SecurityGroupIngress", "no inline ingress: no CIDR range at all")
			var peers []string
			for _, r := range resources(j, "AWS::EC2::SecurityGroupIngress") {
				p := props(r)
				if fmt.Sprint(p["GroupId"]) != fmt.Sprint(map[string]any{"Fn::GetAtt": []any{"DatabaseSecurityGroup5C91FDCB", "GroupId"}}) {
					continue
				}
				assert.Equal(t, 5432.0, p["FromPort"])
				assert.Equal(t, 5432.0, p["ToPort"])
				assert.NotContains(t, p, "CidrIp")
				peer := p["SourceSecurityGroupId"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
				peers = append(peers, strings.TrimRight(peer, "0123456789ABCDEF"))
			}
			assert.ElementsMatch(t, wantPeers[env], peers)
			for _, id := range []string{"DatabaseVpcPublicSubnet1RouteTable683A6CBF", "DatabaseVpcPublicSubnet2RouteTable7BA1E138"} {
				for rid, r := range resources(j, "AWS::EC2::Route") {
					assert.NotEqual(t, map[string]any{"Ref": id}, props(r)["RouteTableId"], "%s: the Data subnets have no route out (%s)", id, rid)
				}
			}
		})
	}
}

// TestNetwork: the subnets keep their addresses (a subnet with a new
// logical ID and the same range could not be created), the App subnets go
// out through the NAT, the functions run in them.
func TestNetwork(t *testing.T) {
	b := theBuiltApp(t)
	for env, j := range b.json {
		cidrs := map[string]string{}
		for id, r := range resources(j, "AWS::EC2::Subnet") {
			cidrs[id] = props(r)["CidrBlock"].(string)
		}
		assert.Equal(t, "10.20.0.0/24", cidrs["DatabaseVpcPublicSubnet1SubnetD31C4D9A"], env)
		assert.Equal(t, "10.20.1.0/24", cidrs["DatabaseVpcPublicSubnet2Subnet765A97D7"], env)
		assert.Equal(t, "10.20.2.0/24", cidrs["DatabaseVpcIsolatedSubnet1Subnet9D9CA66A"], env)
		assert.Equal(t, "10.20.3.0/24", cidrs["DatabaseVpcIsolatedSubnet2SubnetA0F3D3CD"], env)
		assert.Len(t, cidrs, 6, env)
		var toNAT int
		for _, r := range resources(j, "AWS::EC2::Route") {
			p := props(r)
			if strings.Contains(fmt.Sprint(p["RouteTableId"]), "DatabaseVpcIsolatedSubnet") {
				toNAT++
				assert.True(t, p["NatGatewayId"] != nil || p["InstanceId"] != nil || p["NetworkInterfaceId"] != nil, "%s: App subnets route to the NAT", env)
			}
		}
		assert.Equal(t, 2, toNAT, env)
		for id, fn := range resources(j, "AWS::Lambda::Function") {
			if strings.HasPrefix(id, "Hosting") || strings.HasPrefix(id, "DatabaseRolesFunction") {
				subnets := fmt.Sprint(props(fn)["VpcConfig"])
				assert.Contains(t, subnets, "DatabaseVpcIsolatedSubnet1Subnet9D9CA66A", "%s %s runs in the App subnets", env, id)
			}
		}
	}
}

// TestDistributionPerEnvironment: host names, the us-east-1 certificate read
// across regions, TLS, and the www redirect in production's viewer function.
func TestDistributionPerEnvironment(t *testing.T) {
	b := theBuiltApp(t)
	for env, hosts := range map[string][]any{"staging": {"staging.medbookings.co.za"}, "production": {"medbookings.co.za", "www.medbookings.co.za"}} {
		j := b.json[env]
		var d map[string]any
		for _, r := range resources(j, "AWS::CloudFront::Distribution") {
			d = props(r)["DistributionConfig"].(map[string]any)
		}
		require.NotNil(t, d, env)
		assert.Equal(t, hosts, d["Aliases"], env)
		cert := d["ViewerCertificate"].(map[string]any)
		assert.Equal(t, "TLSv1.2_2021", cert["MinimumProtocolVersion"])
		getOutput := cert["AcmCertificateArn"].(map[string]any)["Fn::GetStackOutput"].(map[string]any)
		assert.Equal(t, "us-east-1", getOutput["Region"], "CloudFront's certificate is in us-east-1")
		assert.Equal(t, "MedBookingsEdge-"+stacks.Title(env), getOutput["StackName"])
		for _, f := range resources(j, "AWS::CloudFront::Function") {
			code := props(f)["FunctionCode"].(string)
			assert.Contains(t, code, `"`+hosts[0].(string)+`"`)
			if env == "production" {
				assert.Contains(t, code, `["www.medbookings.co.za"]`)
			}
		}
		edge := d["DefaultCacheBehavior"].(map[string]any)["LambdaFunctionAssociations"].([]any)[0].(map[string]any)
		assert.Contains(t, fmt.Sprint(edge["LambdaFunctionARN"]), "Fn::GetStackOutput", "the body hash's version comes from the edge stack")
	}
	for env, tpl := range b.edgeTpl {
		cdktest.Check(t, env+" certificate", func() {
			tpl.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), obj(map[string]any{"ValidationMethod": "DNS"}))
		})
	}
}

// TestPlaceholderIsRefused: production has no bundle in cdk.json, so its
// template carries the rule that fails any deployment of it; staging has the
// test app's real build and no such rule.
func TestPlaceholderIsRefused(t *testing.T) {
	b := theBuiltApp(t)
	rules, _ := b.json["production"]["Rules"].(map[string]any)
	assert.Contains(t, rules, "AppBundleRequired")
	rules, _ = b.json["staging"]["Rules"].(map[string]any)
	assert.NotContains(t, rules, "AppBundleRequired")
}

// TestTheRealBuildIsDeployed: staging deploys what OpenNext built for the
// test app: its static files, its migrations, its functions' code.
func TestTheRealBuildIsDeployed(t *testing.T) {
	b := theBuiltApp(t)
	j := b.json["staging"]
	assert.Len(t, resources(j, "Custom::CDKBucketDeployment"), 3)
	assert.Len(t, resources(j, "Custom::MedBookingsMigrations"), 1)
	bundle, err := hosting.ReadBundle(cdktest.TestAppBundle(t, "staging"), "staging")
	require.NoError(t, err)
	var patterns []string
	for _, r := range resources(j, "AWS::CloudFront::Distribution") {
		for _, beh := range props(r)["DistributionConfig"].(map[string]any)["CacheBehaviors"].([]any) {
			patterns = append(patterns, beh.(map[string]any)["PathPattern"].(string))
		}
	}
	for _, p := range bundle.AssetPatterns {
		assert.Contains(t, patterns, p)
	}
	server := props(resources(j, "AWS::Lambda::Function")[logicalIDOf(t, b.stacks["staging"].Hosting.ServerFunction)])
	assert.Contains(t, server["Code"], "S3Key", "the server's code is the bundle's, not the placeholder")
	assert.Empty(t, resources(b.json["production"], "Custom::CDKBucketDeployment"))
}

func logicalIDOf(t *testing.T, c constructs.IConstruct) string {
	t.Helper()
	stack := awscdk.Stack_Of(c)
	return (stack.Resolve(stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement)))).(string)
}

func TestCommandLineOverrideChangesOnlyThatEnvironment(t *testing.T) {
	b := buildApp(t, cdktest.AppOptions{}, map[string]any{
		"medbookings.staging.database.instanceClass": "db.t4g.medium",
		"medbookings.staging.terminationProtection":  "true",
	})
	cdktest.Check(t, "staging takes the override", func() {
		b.tpl["staging"].HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), obj(map[string]any{"DBInstanceClass": "db.t4g.medium"}))
	})
	// Production is synthesized exactly as without the override.
	_, want := cdktest.Only(t, theBuiltApp(t).json["production"], "AWS::RDS::DBInstance")
	cdktest.Check(t, "production keeps cdk.json's class", func() {
		b.tpl["production"].HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), obj(map[string]any{"DBInstanceClass": props(want)["DBInstanceClass"]}))
	})
	assert.True(t, *b.stacks["staging"].TerminationProtection())
}

// TestEveryTaggedResourceCarriesTheProjectTags checks the tags CDK renders
// into the template (resources whose type takes tags).
func TestEveryTaggedResourceCarriesTheProjectTags(t *testing.T) {
	b := theBuiltApp(t)
	for env, j := range b.json {
		for id, r := range resources(j, "") {
			p, _ := r["Properties"].(map[string]any)
			tags, ok := p["Tags"]
			if !ok {
				continue
			}
			got := tagMap(tags)
			for k, v := range map[string]string{"Project": "MedBookings", "Environment": env, "ManagedBy": "aws-cdk"} {
				assert.Equal(t, v, got[k], "%s %s tag %s", env, id, k)
			}
		}
	}
}

func TestNoUnsuppressedComplianceFindings(t *testing.T) {
	b := theBuiltApp(t)
	findings := compliance.Findings(b.asm)
	for _, f := range findings {
		t.Error(f)
	}
}

// TestStrictCloudFormationValidation synthesizes both stacks with CDK's
// built-in CloudFormation validation in strict mode (cdk.json turns both
// flags on), exactly as `cdk synth` does: any finding makes synthesis fail.
func TestStrictCloudFormationValidation(t *testing.T) {
	ctx := cdktest.Context(t)
	for _, flag := range []string{"@aws-cdk/core:validateAgainstDefaultRules", "@aws-cdk/core:strictCfnValidateErrors"} {
		require.Equal(t, true, ctx[flag], "cdk.json must set %s", flag)
	}
	b := theBuiltApp(t)
	assert.Len(t, b.stacks, 2)
	assert.NotNil(t, b.app.Delivery)
	// CDK writes the report only when its validation ran; an empty report
	// is a clean one (a finding would have failed the build)
	_, err := os.ReadFile(filepath.Join(validationDir, "validation-report.json"))
	require.NoError(t, err, "CDK's CloudFormation validation did not run")
	assert.Empty(t, cdktest.ValidationReport(validationDir), "no findings")
}

// TestGoldenTemplates keeps every stack's template in testdata/ (asset
// hashes normalized): staging with the test app's build, production as a
// fresh clone synthesizes it. The assertions above say what matters; the
// goldens show every other change in review.
func TestGoldenTemplates(t *testing.T) {
	b := theBuiltApp(t)
	for env, st := range b.stacks {
		cdktest.Golden(t, *st.StackName()+".template.json", cdktest.Normalize(t, b.json[env]))
	}
	for _, e := range b.app.Edges {
		cdktest.Golden(t, *e.StackName()+".template.json", cdktest.Normalize(t, cdktest.JSON(t, b.edgeTpl[e.Environment])))
	}
	cdktest.Golden(t, *b.app.Delivery.StackName()+".template.json", cdktest.Normalize(t, cdktest.JSON(t, b.deliveryTpl)))
}

// statefulResources are the resources that hold data, by logical ID. A change
// of a logical ID is a replacement (a new, empty resource): these IDs are
// pinned, and their deletion policies are what production needs.
var statefulResources = []struct {
	logicalID, resourceType string
	// deletion policy per environment
	staging, production string
}{
	// the database: snapshot on delete and on replacement in both environments
	{"DatabaseInstanceAA8A5FDE", "AWS::RDS::DBInstance", "Snapshot", "Snapshot"},
	// the data key (the database's since before the move into the VPC) is
	// kept everywhere: staging's final snapshot is encrypted with it
	{"DatabaseKey5E5D9547", "AWS::KMS::Key", "Retain", "Retain"},
	{"DatabaseAppSecret2E50FD00", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"DatabaseReadOnlySecretC046F85C", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"DatabasePostgresLogGroupA9B66AF1", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseUpgradeLogGroupC937990D", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseRolesFunctionLogsA99D8C7A", "AWS::Logs::LogGroup", "Delete", "Retain"},
	// our rotation functions' (2026-12; AWS's hosted ones logged to
	// groups that production retains when they leave the template)
	{"DatabaseAppRotationLogs8619D1ED", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseReadOnlyRotationLogs5D93246D", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"NetworkFlowLogs2BEC3212", "AWS::Logs::LogGroup", "Delete", "Retain"},
	// uploads: medical-practice records
	{"StorageUploadsBDC5E374", "AWS::S3::Bucket", "Delete", "Retain"},
	{"StorageAccessLogs96FB524C", "AWS::S3::Bucket", "Delete", "Retain"},
	// the app's secrets (provider keys an operator filled in), static files, CDN logs
	{"HostingAppSecret7F3B739D", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"HostingCronSecretC1C3B6F7", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"HostingBuildSecret241A821C", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"HostingAssets9B486FAA", "AWS::S3::Bucket", "Delete", "Retain"},
	{"HostingCdnLogs5B729182", "AWS::S3::Bucket", "Delete", "Retain"},
	{"HostingServerLogs41D79361", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"HostingImageLogsABEF8BD1", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"HostingCronLogs3E9D1DC4", "AWS::Logs::LogGroup", "Delete", "Retain"},
	// only with an app bundle (production here has none: "-")
	{"HostingMigrateLogs4506E582", "AWS::Logs::LogGroup", "Delete", "-"},
	{"HostingAssetDeploymentLogs2FBF2E62", "AWS::Logs::LogGroup", "Delete", "-"},
	// monitoring: the probe's log group. (The storage and monitoring keys,
	// StorageKeyBAA9457B and MonitoringKey61F0DC42, left the template in
	// 2026-12: the data key encrypts uploads and alerts; production's
	// CloudFormation retains them for the objects and logs still under
	// them, docs/cost.md says when to delete them.)
	{"MonitoringHealthCheckLogGroupCA058BCA", "AWS::Logs::LogGroup", "Delete", "Retain"},
	// AWS Backup's vault: production only (staging opts out, "-"); kept
	// always (a locked vault cannot be deleted while it holds recovery points)
	{"BackupVaultD1FD0DC4", "AWS::Backup::BackupVault", "-", "Retain"},
}

// TestEveryStatefulResourceIsListed makes sure a new bucket, key, secret,
// log group or database cannot be added without being pinned above.
func TestEveryStatefulResourceIsListed(t *testing.T) {
	b := theBuiltApp(t)
	listed := map[string]bool{}
	for _, r := range statefulResources {
		listed[r.logicalID] = true
	}
	stateful := map[string]bool{"AWS::RDS::DBInstance": true, "AWS::KMS::Key": true, "AWS::SecretsManager::Secret": true,
		"AWS::Logs::LogGroup": true, "AWS::S3::Bucket": true, "AWS::Backup::BackupVault": true}
	for env, tpl := range b.tpl {
		resources, _ := cdktest.JSON(t, tpl)["Resources"].(map[string]any)
		for id, r := range resources {
			if typ := r.(map[string]any)["Type"].(string); stateful[typ] && !listed[id] {
				t.Errorf("%s: stateful %s %s is not pinned in statefulResources", env, typ, id)
			}
		}
	}
}

func TestStatefulResourcesArePinnedAndKept(t *testing.T) {
	b := theBuiltApp(t)
	for _, env := range []string{"staging", "production"} {
		resources, _ := b.json[env]["Resources"].(map[string]any)
		for _, r := range statefulResources {
			t.Run(env+"/"+r.logicalID, func(t *testing.T) {
				want := r.staging
				if env == "production" {
					want = r.production
				}
				res, ok := resources[r.logicalID].(map[string]any)
				if want == "-" {
					require.False(t, ok, "%s does not exist in %s (an app bundle or AWS Backup only)", r.logicalID, env)
					return
				}
				require.True(t, ok, "stateful resource %s must keep its logical ID", r.logicalID)
				assert.Equal(t, r.resourceType, res["Type"])
				assert.Equal(t, want, res["DeletionPolicy"], "DeletionPolicy")
				assert.Equal(t, want, res["UpdateReplacePolicy"], "UpdateReplacePolicy")
			})
		}
	}
}

func TestStackOutputs(t *testing.T) {
	b := theBuiltApp(t)
	for env, tpl := range b.tpl {
		outputs, _ := cdktest.JSON(t, tpl)["Outputs"].(map[string]any)
		for _, name := range []string{"DatabaseEndpoint", "DatabasePort", "DatabaseInstanceIdentifier",
			"DatabaseMasterSecretArn", "DatabaseAppSecretArn", "DatabaseReadOnlySecretArn", "UploadsBucketName",
			"AppUrl", "DistributionId", "DistributionDomainName", "ServerFunctionName", "AppSecretArn", "CronSecretArn",
			"BuildSecretArn", "DnsRecord1", "AlertTopicArn", "DashboardUrl", "HealthCheckUrl"} {
			o, ok := outputs[name].(map[string]any)
			if assert.True(t, ok, "%s output %s", env, name) {
				assert.NotEmpty(t, o["Description"], "%s output %s has a description", env, name)
			}
		}
	}
}

var (
	// `out "$STACK" Name` (the shell helper of the runbooks) and "output `Name`"
	outputMentionRE = []*regexp.Regexp{
		regexp.MustCompile(`\bout "\$\w+" (\w+)`),
		regexp.MustCompile("outputs? `(\\w+)`"),
	}
	backtickedRE = regexp.MustCompile("`(\\w+)(<N>)?`")
)

// TestOutputsAreDocumented: every output of every stack is in the README's
// output tables, and every output the docs name exists in a stack.
func TestOutputsAreDocumented(t *testing.T) {
	b := theBuiltApp(t)
	outputs := map[string]bool{}
	templates := []assertions.Template{b.deliveryTpl}
	for _, tpl := range b.tpl {
		templates = append(templates, tpl)
	}
	for _, tpl := range b.edgeTpl {
		templates = append(templates, tpl)
	}
	for _, tpl := range templates {
		o, _ := cdktest.JSON(t, tpl)["Outputs"].(map[string]any)
		for name := range o {
			outputs[name] = true
		}
	}
	exists := func(name string, numbered bool) bool {
		if !numbered {
			return outputs[name]
		}
		for o := range outputs {
			if strings.HasPrefix(o, name) && strings.Trim(strings.TrimPrefix(o, name), "0123456789") == "" {
				return true
			}
		}
		return false
	}

	readme, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), "README.md"))
	require.NoError(t, err)
	documented := map[string]bool{}
	for _, cell := range outputTableCells(string(readme)) {
		for _, m := range backtickedRE.FindAllStringSubmatch(cell, -1) {
			documented[m[1]] = true
			assert.True(t, exists(m[1], m[2] != ""), "README documents output %s%s, which no stack has", m[1], m[2])
		}
	}
	for o := range outputs {
		if strings.HasPrefix(o, "PublishOutputRef") {
			continue // CDK's own outputs behind the weak cross-region references
		}
		name := strings.TrimRight(o, "0123456789")
		if !documented[o] && !(name != o && documented[name]) {
			t.Errorf("output %s is not documented in the README's output tables", o)
		}
	}

	docs, err := filepath.Glob(filepath.Join(cdktest.RepoRoot(), "docs", "*.md"))
	require.NoError(t, err)
	for _, path := range docs {
		text, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, re := range outputMentionRE {
			for _, m := range re.FindAllStringSubmatch(string(text), -1) {
				assert.True(t, outputs[m[1]], "%s names output %s, which no stack has", filepath.Base(path), m[1])
			}
		}
	}
}

// outputTableCells returns the first cell of every row of the Markdown
// tables whose header is "| output | ...".
func outputTableCells(text string) []string {
	var cells []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "| output |"):
			in = true
		case in && strings.HasPrefix(line, "|---"):
		case in && strings.HasPrefix(line, "|"):
			cells = append(cells, strings.Split(line, "|")[1])
		default:
			in = false
		}
	}
	return cells
}

// TestNoSecretsInTemplates scans both synthesized templates for anything
// that looks like a credential, and for literal values under names that
// hold one: secrets are referenced (ARN, Ref, dynamic reference), never held.
func TestNoSecretsInTemplates(t *testing.T) {
	b := theBuiltApp(t)
	for env := range b.tpl {
		for _, f := range secretscan.ScanTemplate(env, b.json[env]) {
			t.Error(f)
		}
	}
	for _, f := range secretscan.ScanTemplate("delivery", cdktest.JSON(t, b.deliveryTpl)) {
		t.Error(f)
	}
	for env, tpl := range b.edgeTpl {
		for _, f := range secretscan.ScanTemplate(env+" edge", cdktest.JSON(t, tpl)) {
			t.Error(f)
		}
	}
}

// TestNoSecretsInRepository scans every file git knows of (tracked or new,
// not ignored) for credential-shaped strings.
func TestNoSecretsInRepository(t *testing.T) {
	out, err := exec.Command("git", "-C", cdktest.RepoRoot(), "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	require.NotEmpty(t, files)
	for _, f := range files {
		if f == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), f))
		if err != nil {
			continue // deleted in the work tree
		}
		for _, finding := range secretscan.ScanText(f, string(data)) {
			t.Error(finding)
		}
	}
}

func derefMap(m *map[string]*string) map[string]string {
	out := map[string]string{}
	if m != nil {
		for k, v := range *m {
			out[k] = *v
		}
	}
	return out
}

// tagMap reads CloudFormation tags in either form: a list of {Key, Value}
// or a plain map (some resource types, e.g. SSM parameters, use a map).
func tagMap(tags any) map[string]string {
	out := map[string]string{}
	switch x := tags.(type) {
	case []any:
		for _, e := range x {
			kv, _ := e.(map[string]any)
			out[fmt.Sprint(kv["Key"])] = fmt.Sprint(kv["Value"])
		}
	case map[string]any:
		for k, v := range x {
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// TestOneKeyPerEnvironment: one customer managed key per environment (the
// data key, kept since before 2026-12) encrypts the database, secrets,
// logs, uploads, static files and the alert topic; its policy carries what
// each service that uses it needs, and nothing creates a second key.
func TestOneKeyPerEnvironment(t *testing.T) {
	b := theBuiltApp(t)
	for env, j := range b.json {
		keys := resources(j, "AWS::KMS::Key")
		require.Len(t, keys, 1, env)
		require.Contains(t, keys, "DatabaseKey5E5D9547", env)
		keyArn := fmt.Sprint(map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}})
		for id, r := range resources(j, "AWS::S3::Bucket") {
			enc := fmt.Sprint(props(r)["BucketEncryption"])
			if strings.Contains(enc, "aws:kms") {
				assert.Contains(t, enc, keyArn, "%s %s", env, id)
			}
		}
		for id, r := range resources(j, "AWS::SNS::Topic") {
			assert.Equal(t, keyArn, fmt.Sprint(props(r)["KmsMasterKeyId"]), "%s %s", env, id)
		}
		for id, r := range resources(j, "AWS::Logs::LogGroup") {
			assert.Equal(t, keyArn, fmt.Sprint(props(r)["KmsKeyId"]), "%s %s", env, id)
		}
		policy := fmt.Sprint(props(keys["DatabaseKey5E5D9547"])["KeyPolicy"])
		for _, want := range []string{"cloudwatch.amazonaws.com", "budgets.amazonaws.com", "events.amazonaws.com", "aws:sns:topicArn",
			"cloudfront.amazonaws.com", "logs.eu-west-1.amazonaws.com", "kms:GrantIsForAWSResource"} {
			assert.Contains(t, policy, want, "%s: the data key's policy", env)
		}
		// The uploads and the static files share the key: CloudFront's
		// decrypt is granted once, not once per construct that asks.
		var cloudfront []string
		for _, st := range props(keys["DatabaseKey5E5D9547"])["KeyPolicy"].(map[string]any)["Statement"].([]any) {
			if strings.Contains(fmt.Sprint(st), "cloudfront.amazonaws.com") {
				cloudfront = append(cloudfront, fmt.Sprint(st.(map[string]any)["Sid"]))
			}
		}
		assert.Equal(t, []string{"CloudFrontDecrypts"}, cloudfront, "%s: the data key's statements for CloudFront", env)
	}
}

// TestFunctionsWaitForTheirPolicies: a function whose role gets its
// permissions from customer managed policies is created after them, so
// that its first run (a custom resource's, during the same deployment) has
// its permissions.
func TestFunctionsWaitForTheirPolicies(t *testing.T) {
	b := theBuiltApp(t)
	for env, j := range b.json {
		policiesOf := map[string][]string{} // role → its managed policies
		for id, r := range resources(j, "AWS::IAM::ManagedPolicy") {
			roles, _ := props(r)["Roles"].([]any)
			for _, role := range roles {
				if ref, ok := role.(map[string]any)["Ref"].(string); ok {
					policiesOf[ref] = append(policiesOf[ref], id)
				}
			}
		}
		var checked []string
		for id, r := range resources(j, "AWS::Lambda::Function") {
			getAtt, ok := props(r)["Role"].(map[string]any)["Fn::GetAtt"].([]any)
			if !ok || len(policiesOf[getAtt[0].(string)]) == 0 {
				continue
			}
			dependsOn := fmt.Sprint(r["DependsOn"])
			for _, policy := range policiesOf[getAtt[0].(string)] {
				assert.Contains(t, dependsOn, policy, "%s: %s must depend on its role's policy", env, id)
			}
			checked = append(checked, id)
		}
		assert.Subset(t, checked, []string{"HostingServerFunction2AACDB92", "HostingImageFunction9B8A4977", "HostingCronFunction60D3FFBB",
			"DatabaseRolesFunctionDCDE1C3C", "DatabaseAppRotationFunction14FF2C3E", "DatabaseReadOnlyRotationFunctionE60E4388"}, env)
	}
}
