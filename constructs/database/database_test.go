package database_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdabuild"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// fixture is one app with the database of staging, production (cdk.json as
// is) and a private-exposure variant of staging, with the compliance packs,
// synthesized once for the whole package.
type fixture struct {
	settings  *stacks.Settings
	templates map[string]assertions.Template
	dbs       map[string]*database.Database
	asm       cxapi.CloudAssembly
}

var (
	fixOnce sync.Once
	fix     *fixture
)

func newStack(app awscdk.App, name string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
}

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{templates: map[string]assertions.Template{}, dbs: map[string]*database.Database{}}
		s, err := stacks.Load(cdktest.Context(t))
		if err != nil {
			t.Fatal(err)
		}
		f.settings = s
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		sts := map[string]awscdk.Stack{}
		cdktest.Must(t, func() {
			for _, env := range s.Environments() {
				st := newStack(app, "Test"+env.Title())
				f.dbs[env.Name] = database.NewDatabase(st, jsii.String("Database"), &database.Props{Config: env.Database, EnvironmentName: env.Name})
				sts[env.Name] = st
			}
			priv := s.Staging.Database
			priv.Exposure = "private"
			st := newStack(app, "TestPrivate")
			f.dbs["private"] = database.NewDatabase(st, jsii.String("Database"), &database.Props{Config: priv, EnvironmentName: "staging"})
			sts["private"] = st
			compliance.AddPacks(app)
			f.asm = app.Synth(nil)
		})
		for k, st := range sts {
			f.templates[k] = cdktest.Template(t, st)
		}
		fix = f
	})
	if fix == nil {
		t.Fatal("fixture failed in an earlier test")
	}
	return fix
}

var envs = []string{"staging", "production"}

func obj(m map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&m) }

// resourceIDs returns the logical IDs of the resources of type typ whose
// properties match props.
func resourceIDs(t *testing.T, tpl assertions.Template, typ string, props map[string]any) []string {
	t.Helper()
	var found *map[string]*map[string]any
	cdktest.Must(t, func() { found = tpl.FindResources(jsii.String(typ), props) })
	var ids []string
	for id := range *found {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func TestComplianceClean(t *testing.T) {
	f := getFixture(t)
	for _, finding := range compliance.Findings(f.asm) {
		t.Errorf("unsuppressed finding: %s", finding)
	}
}

func TestInstance(t *testing.T) {
	f := getFixture(t)
	want := map[string]struct {
		class        string
		multiAz      bool
		protect      bool
		secretPolicy string
	}{
		"staging":    {"db.t4g.micro", false, false, "Delete"},
		"production": {"db.t4g.small", true, true, "Retain"},
	}
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			tpl, w := f.templates[env], want[env]
			cdktest.Check(t, "instance properties", func() {
				tpl.HasResource(jsii.String("AWS::RDS::DBInstance"), obj(map[string]any{
					"DeletionPolicy":      "Snapshot",
					"UpdateReplacePolicy": "Snapshot",
					"Properties": obj(map[string]any{
						"DBInstanceIdentifier":        "medbookings-" + env,
						"Engine":                      "postgres",
						"EngineVersion":               "16.13",
						"AutoMinorVersionUpgrade":     true,
						"AllowMajorVersionUpgrade":    false,
						"DBInstanceClass":             w.class,
						"MultiAZ":                     w.multiAz,
						"DeletionProtection":          w.protect,
						"StorageType":                 "gp3",
						"AllocatedStorage":            "20",
						"MaxAllocatedStorage":         100,
						"StorageEncrypted":            true,
						"KmsKeyId":                    map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}},
						"BackupRetentionPeriod":       7,
						"PreferredBackupWindow":       "00:00-00:30",
						"PreferredMaintenanceWindow":  "sun:02:30-sun:03:00",
						"CopyTagsToSnapshot":          true,
						"DeleteAutomatedBackups":      false,
						"PubliclyAccessible":          true,
						"Port":                        "5432",
						"DBName":                      "medbookings",
						"MasterUsername":              "medbookings_admin",
						"ManageMasterUserPassword":    true,
						"MasterUserSecret":            map[string]any{"KmsKeyId": map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}}},
						"EnablePerformanceInsights":   true,
						"PerformanceInsightsKMSKeyId": map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}},
						"MonitoringInterval":          60,
						"EnableCloudwatchLogsExports": []any{"postgresql", "upgrade"},
						"CACertificateIdentifier":     "rds-ca-rsa2048-g1",
					}),
					"DependsOn": assertions.Match_ArrayWith(&[]any{"DatabasePostgresLogGroupA9B66AF1", "DatabaseUpgradeLogGroupC937990D"}),
				}))
			})
			// Pinned logical IDs of the stateful resources.
			for typ, id := range map[string]string{
				"AWS::RDS::DBInstance": "DatabaseInstanceAA8A5FDE",
				"AWS::KMS::Key":        "DatabaseKey5E5D9547",
			} {
				if got := resourceIDs(t, tpl, typ, nil); len(got) != 1 || got[0] != id {
					t.Errorf("%s logical IDs = %v; want [%s]", typ, got, id)
				}
			}
			if got := resourceIDs(t, tpl, "AWS::SecretsManager::Secret", nil); strings.Join(got, ",") != "DatabaseAppSecret2E50FD00,DatabaseReadOnlySecretC046F85C" {
				t.Errorf("secret logical IDs = %v", got)
			}
			cdktest.Check(t, "key", func() {
				tpl.HasResource(jsii.String("AWS::KMS::Key"), obj(map[string]any{
					"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
					"Properties": obj(map[string]any{"EnableKeyRotation": true, "PendingWindowInDays": 30}),
				}))
			})
			cdktest.Check(t, "secrets' removal policy", func() {
				tpl.AllResources(jsii.String("AWS::SecretsManager::Secret"), obj(map[string]any{
					"DeletionPolicy": w.secretPolicy,
					"Properties":     obj(map[string]any{"KmsKeyId": map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}}}),
				}))
			})
			cdktest.Check(t, "parameter group", func() {
				tpl.HasResourceProperties(jsii.String("AWS::RDS::DBParameterGroup"), obj(map[string]any{
					"Family": "postgres16",
					"Parameters": obj(map[string]any{
						"rds.force_ssl": "1", "password_encryption": "scram-sha-256",
						"log_connections": "1", "log_disconnections": "1", "log_min_duration_statement": "500",
					}),
				}))
			})
			for _, name := range []string{"postgresql", "upgrade"} {
				cdktest.Check(t, "log group "+name, func() {
					tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), obj(map[string]any{
						"DeletionPolicy": w.secretPolicy,
						"Properties": obj(map[string]any{
							"LogGroupName":    "/aws/rds/instance/medbookings-" + env + "/" + name,
							"RetentionInDays": 30,
							"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}},
						}),
					}))
				})
			}
			d := f.dbs[env]
			if d.PostgresLogGroup == nil || d.MasterSecret == nil || d.AppSecret == nil || d.ReadOnlySecret == nil || d.Key == nil || d.Vpc == nil || d.SecurityGroup == nil {
				t.Error("a Database field is nil")
			}
			if d.MaxAllocatedStorageGiB != 100 || d.MaxConnections != database.EstimatedMaxConnections(w.class) {
				t.Errorf("MaxAllocatedStorageGiB=%d MaxConnections=%d", d.MaxAllocatedStorageGiB, d.MaxConnections)
			}
		})
	}
}

func TestNetwork(t *testing.T) {
	f := getFixture(t)
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			tpl := f.templates[env]
			cdktest.Check(t, "no NAT", func() { tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(0)) })
			cdktest.Check(t, "2 AZs x (public + isolated)", func() { tpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(4)) })
			cdktest.Check(t, "5432 from allowedCidrs only", func() {
				tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), obj(map[string]any{
					"SecurityGroupIngress": []any{obj(map[string]any{"CidrIp": "0.0.0.0/0", "FromPort": 5432, "ToPort": 5432, "IpProtocol": "tcp"})},
				}))
			})
			cdktest.Check(t, "subnet group in public subnets", func() {
				tpl.HasResourceProperties(jsii.String("AWS::RDS::DBSubnetGroup"), obj(map[string]any{
					"SubnetIds": []any{
						map[string]any{"Ref": "DatabaseVpcPublicSubnet1SubnetD31C4D9A"},
						map[string]any{"Ref": "DatabaseVpcPublicSubnet2Subnet765A97D7"},
					},
				}))
			})
			cdktest.Check(t, "flow logs", func() {
				tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), obj(map[string]any{"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}))
			})
			if f.dbs[env].ClientSecurityGroup != nil {
				t.Error("public exposure has a ClientSecurityGroup")
			}
		})
	}
	t.Run("private", func(t *testing.T) {
		tpl := f.templates["private"]
		cdktest.Check(t, "not publicly accessible", func() {
			tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), obj(map[string]any{"PubliclyAccessible": false}))
		})
		cdktest.Check(t, "no internet gateway", func() { tpl.ResourceCountIs(jsii.String("AWS::EC2::InternetGateway"), jsii.Number(0)) })
		cdktest.Check(t, "isolated subnets only", func() { tpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(2)) })
		cdktest.Check(t, "ingress from the client group", func() {
			tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), obj(map[string]any{
				"FromPort": 5432, "ToPort": 5432,
				"SourceSecurityGroupId": map[string]any{"Fn::GetAtt": []any{"DatabaseClientSecurityGroup21D2B2F3", "GroupId"}},
			}))
		})
		cdktest.Check(t, "no CIDR ingress", func() {
			tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::SecurityGroup"), obj(map[string]any{
				"SecurityGroupIngress": assertions.Match_AnyValue(),
			}), jsii.Number(0))
		})
		cdktest.Check(t, "Secrets Manager endpoint", func() {
			tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), obj(map[string]any{
				"ServiceName": "com.amazonaws.eu-west-1.secretsmanager", "PrivateDnsEnabled": true, "VpcEndpointType": "Interface",
			}))
		})
		cdktest.Check(t, "functions in the VPC", func() {
			tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj(map[string]any{"VpcConfig": assertions.Match_AnyValue()}))
			tpl.AllResourcesProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), obj(map[string]any{
				"HostedRotationLambda": obj(map[string]any{"VpcSubnetIds": assertions.Match_AnyValue(), "VpcSecurityGroupIds": assertions.Match_AnyValue()}),
			}))
		})
		if f.dbs["private"].ClientSecurityGroup == nil {
			t.Error("private exposure: ClientSecurityGroup is nil")
		}
	})
}

func TestUsersAndRotation(t *testing.T) {
	f := getFixture(t)
	// Removal policy of the secrets and log groups (retainSecretsAndLogs).
	want := map[string]string{"staging": "Delete", "production": "Retain"}
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			tpl := f.templates[env]
			for _, s := range []struct{ id, user string }{{"DatabaseAppSecret2E50FD00", "medbookings_app"}, {"DatabaseReadOnlySecretC046F85C", "medbookings_readonly"}} {
				cdktest.Check(t, "secret "+s.user, func() {
					tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), obj(map[string]any{
						"GenerateSecretString": obj(map[string]any{
							"SecretStringTemplate": assertions.Match_SerializedJson(obj(map[string]any{"username": s.user})),
						}),
					}))
				})
			}
			cdktest.Check(t, "rotation: hosted single-user, monthly window, after the roles exist", func() {
				tpl.AllResources(jsii.String("AWS::SecretsManager::RotationSchedule"), obj(map[string]any{
					"DependsOn": assertions.Match_ArrayWith(&[]any{"DatabaseRolesEE75E527"}),
					"Properties": obj(map[string]any{
						"HostedRotationLambda": obj(map[string]any{"RotationType": "PostgreSQLSingleUser"}),
						"RotationRules":        map[string]any{"ScheduleExpression": "cron(0 4 1 * ? *)", "Duration": "2h"},
					}),
				}))
				tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::RotationSchedule"), jsii.Number(2))
			})
			// Hosted rotation functions: fixed names, so that their log
			// groups (30 days, CMK) are ours and exist before the first
			// rotation writes to them.
			for _, r := range []struct{ user, schedule, logGroup string }{
				{"app", "DatabaseAppSecretAttachmentRotation719DD1ED", "DatabaseAppRotationLogGroup13F1789F"},
				{"readonly", "DatabaseReadOnlySecretAttachmentRotationD1DF4F1E", "DatabaseReadOnlyRotationLogGroup0B322FA9"},
			} {
				name := "medbookings-" + env + "-" + r.user + "-rotation"
				if got := database.RotationFunctionName(env, r.user); got != name {
					t.Errorf("RotationFunctionName(%s, %s) = %q; want %q", env, r.user, got, name)
				}
				if len(name) > 64 {
					t.Errorf("function name %q is longer than 64 characters", name)
				}
				ids := resourceIDs(t, tpl, "AWS::Logs::LogGroup", map[string]any{"Properties": obj(map[string]any{"LogGroupName": "/aws/lambda/" + name})})
				if len(ids) != 1 || ids[0] != r.logGroup {
					t.Errorf("log group /aws/lambda/%s logical IDs = %v; want [%s]", name, ids, r.logGroup)
				}
				cdktest.Check(t, "rotation log group "+name, func() {
					tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), obj(map[string]any{
						"DeletionPolicy":      want[env],
						"UpdateReplacePolicy": want[env],
						"Properties": obj(map[string]any{
							"LogGroupName":    "/aws/lambda/" + name,
							"RetentionInDays": 30,
							"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}},
						}),
					}))
				})
				ids = resourceIDs(t, tpl, "AWS::SecretsManager::RotationSchedule", map[string]any{
					"Properties": obj(map[string]any{"HostedRotationLambda": obj(map[string]any{"RotationLambdaName": name})}),
					"DependsOn":  assertions.Match_ArrayWith(&[]any{r.logGroup}),
				})
				if len(ids) != 1 || ids[0] != r.schedule {
					t.Errorf("rotation schedule with function %s, after its log group: %v; want [%s]", name, ids, r.schedule)
				}
			}
			cdktest.Check(t, "key policy lets CloudWatch Logs use the key for this account's log groups", func() {
				tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), obj(map[string]any{
					"KeyPolicy": obj(map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{obj(map[string]any{
						"Sid":       "CloudWatchLogsOfThisAccount",
						"Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
						"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": map[string]any{
							"Fn::Join": []any{"", []any{"arn:aws:logs:eu-west-1:", map[string]any{"Ref": "AWS::AccountId"}, ":log-group:*"}},
						}}},
					})})}),
				}))
			})
			cdktest.Check(t, "roles custom resource", func() {
				tpl.HasResource(jsii.String("Custom::MedBookingsDatabaseRoles"), obj(map[string]any{
					"DeletionPolicy": "Retain",
					"Properties": obj(map[string]any{
						"Database": "medbookings", "Schema": "medbookings",
						"AppUsername": "medbookings_app", "ReadOnlyUsername": "medbookings_readonly",
						"MasterSecretArn":   map[string]any{"Fn::GetAtt": []any{"DatabaseInstanceAA8A5FDE", "MasterUserSecret.SecretArn"}},
						"AppSecretArn":      map[string]any{"Ref": "DatabaseAppSecretAttachment380468F0"},
						"ReadOnlySecretArn": map[string]any{"Ref": "DatabaseReadOnlySecretAttachmentBB61D418"},
						"CodeSha256":        assertions.Match_StringLikeRegexp(jsii.String("^[0-9a-f]{64}$")),
					}),
				}))
			})
			cdktest.Check(t, "roles function", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj(map[string]any{
					"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
					"VpcConfig": assertions.Match_Absent(),
				}))
			})
		})
	}
}

func TestNightlyStop(t *testing.T) {
	f := getFixture(t)
	staging, production := f.templates["staging"], f.templates["production"]
	for _, s := range []struct{ action, cron string }{{"stopDBInstance", "cron(0 18 * * ? *)"}, {"startDBInstance", "cron(30 23 * * ? *)"}} {
		cdktest.Check(t, "staging "+s.action, func() {
			staging.HasResourceProperties(jsii.String("AWS::Scheduler::Schedule"), obj(map[string]any{
				"ScheduleExpression": s.cron, "ScheduleExpressionTimezone": "UTC",
				"Target": obj(map[string]any{
					"Arn":   "arn:aws:scheduler:::aws-sdk:rds:" + s.action,
					"Input": `{"DbInstanceIdentifier":"medbookings-staging"}`,
				}),
			}))
		})
	}
	cdktest.Check(t, "scheduler may only stop/start this instance", func() {
		staging.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), obj(map[string]any{
			"PolicyDocument": obj(map[string]any{"Statement": []any{obj(map[string]any{
				"Action": []any{"rds:StartDBInstance", "rds:StopDBInstance"}, "Effect": "Allow",
				"Resource": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:rds:eu-west-1:", map[string]any{"Ref": "AWS::AccountId"}, ":db:", map[string]any{"Ref": "DatabaseInstanceAA8A5FDE"}}}},
			})}}),
		}))
	})
	cdktest.Check(t, "production has no schedule", func() {
		production.ResourceCountIs(jsii.String("AWS::Scheduler::Schedule"), jsii.Number(0))
	})
}

func TestGrantAppSecretRead(t *testing.T) {
	app := cdktest.NewApp(t, cdktest.AppOptions{})
	s, err := stacks.Load(cdktest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	var tpl assertions.Template
	cdktest.Must(t, func() {
		st := newStack(app, "Grant")
		d := database.NewDatabase(st, jsii.String("Database"), &database.Props{Config: s.Staging.Database, EnvironmentName: "staging"})
		role := awsiamRole(st)
		d.GrantAppSecretRead(role)
		tpl = assertions.Template_FromStack(st, nil)
	})
	cdktest.Check(t, "compute role reads only the app secret", func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), obj(map[string]any{
			"PolicyDocument": obj(map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				obj(map[string]any{
					"Action":   []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"},
					"Resource": map[string]any{"Ref": "DatabaseAppSecretAttachment380468F0"},
				}),
				obj(map[string]any{
					"Action":    "kms:Decrypt",
					"Resource":  map[string]any{"Fn::GetAtt": []any{"DatabaseKey5E5D9547", "Arn"}},
					"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
				}),
			})}),
		}))
	})
}

func TestMaxConnections(t *testing.T) {
	// 75% of nominal memory / 9531392 bytes.
	for class, want := range map[string]int{"db.t4g.micro": 84, "db.t4g.small": 168, "db.r7g.xlarge": 2703, "db.unknown": 0} {
		if got := database.EstimatedMaxConnections(class); got != want {
			t.Errorf("EstimatedMaxConnections(%s) = %d; want %d", class, got, want)
		}
	}
}

func TestBundleIsReproducible(t *testing.T) {
	a, err := lambdabuild.Build("dbroles", lambdabuild.Layout{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := lambdabuild.Rebuild("dbroles", lambdabuild.Layout{})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a.Dir, "bootstrap"))
	y, _ := os.ReadFile(filepath.Join(b.Dir, "bootstrap"))
	if a.SHA256 != b.SHA256 || len(x) == 0 || !bytes.Equal(x, y) {
		t.Errorf("two builds differ: %s (%d bytes) vs %s (%d bytes)", a.SHA256, len(x), b.SHA256, len(y))
	}
	entries, _ := os.ReadDir(a.Dir)
	if len(entries) != 1 || entries[0].Name() != "bootstrap" {
		t.Errorf("asset dir holds %v; want only bootstrap", entries)
	}
}

func TestStrictValidation(t *testing.T) {
	app := cdktest.NewApp(t, cdktest.AppOptions{Validation: true})
	s, err := stacks.Load(cdktest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	cdktest.Must(t, func() {
		for _, env := range s.Environments() {
			database.NewDatabase(newStack(app, "Strict"+env.Title()), jsii.String("Database"), &database.Props{Config: env.Database, EnvironmentName: env.Name})
		}
		app.Synth(nil)
	})
}

func TestBadContext(t *testing.T) {
	const k = "medbookings.staging.database."
	cases := []struct {
		key, value string
		want       []string
	}{
		{"instanceClass", "db.t3.micro", []string{k + "instanceClass", `"db.t3.micro"`, "db.t4g.micro"}},
		{"exposure", "internal", []string{k + "exposure", "one of public, private"}},
		{"allowedCidrs", `["10.1.2.3/8"]`, []string{k + "allowedCidrs[0]", "network address (10.0.0.0/8)"}},
		{"allowedCidrs", `["everyone"]`, []string{k + "allowedCidrs[0]", "a CIDR range"}},
		{"allowedCidrs", `[]`, []string{k + "allowedCidrs", "at least one CIDR range"}},
		{"allocatedStorageGiB", "10", []string{k + "allocatedStorageGiB", "from 20 to 6144"}},
		{"maxAllocatedStorageGiB", "20", []string{k + "maxAllocatedStorageGiB", "above allocatedStorageGiB (20)"}},
		{"backupRetentionDays", "3", []string{k + "backupRetentionDays", "from 7 to 35"}},
		{"backupWindow", "03:00-03:30", []string{k + "backupWindow", "inside 00:00-02:00 UTC"}},
		{"backupWindow", "00:00-00:10", []string{k + "backupWindow", "at least 30 minutes"}},
		{"maintenanceWindow", "mon:00:15-mon:00:45", []string{k + "maintenanceWindow", "does not overlap the backup window"}},
		{"maintenanceWindow", "sunday 3am", []string{k + "maintenanceWindow", "ddd:HH:MM-ddd:HH:MM"}},
		{"removalPolicy", "destroy", []string{k + "removalPolicy", "one of snapshot, retain"}},
		{"retainSecretsAndLogs", "maybe", []string{k + "retainSecretsAndLogs", "true or false"}},
		{"slowStatementThresholdMs", "0", []string{k + "slowStatementThresholdMs", "from 100 to 60000"}},
		{"nightlyStop.stopAtUtc", "23:45", []string{k + "nightlyStop", "leaves the backup window"}},
		{"nightlyStop.startAtUtc", "25:00", []string{k + "nightlyStop.startAtUtc", "HH:MM"}},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			ctx := cdktest.Context(t)
			ctx[k+c.key] = c.value
			_, err := stacks.Load(ctx)
			if err == nil {
				t.Fatalf("%s=%s accepted", c.key, c.value)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func awsiamRole(scope awscdk.Stack) awsiam.IRole {
	return awsiam.NewRole(scope, jsii.String("Compute"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("amplify.amazonaws.com"), nil)})
}
