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
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/secretscan"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// built is the app of cdk.json, synthesized once for the whole package
// (every synthesis costs seconds).
type built struct {
	settings *stacks.Settings
	stacks   map[string]*stacks.MedBookingsStack // by environment name
	asm      cxapi.CloudAssembly
	tpl      map[string]assertions.Template
	// the account-wide delivery stack (GitHub OIDC provider, CI roles)
	delivery    *stacks.DeliveryStack
	deliveryTpl assertions.Template
}

var (
	appOnce sync.Once
	theApp  *built
)

func buildApp(t *testing.T, opts cdktest.AppOptions) *built {
	t.Helper()
	app := cdktest.NewApp(t, opts)
	settings, err := stacks.LoadFromApp(app)
	require.NoError(t, err)
	b := &built{settings: settings, stacks: map[string]*stacks.MedBookingsStack{}, tpl: map[string]assertions.Template{}}
	cdktest.Must(t, func() {
		built := stacks.Build(app, settings)
		for _, st := range built.Environments {
			b.stacks[st.Environment.Name] = st
		}
		b.delivery = built.Delivery
		b.asm = app.Synth(nil)
	})
	for name, st := range b.stacks {
		b.tpl[name] = cdktest.Template(t, st.Stack)
	}
	b.deliveryTpl = cdktest.Template(t, b.delivery.Stack)
	return b
}

func theBuiltApp(t *testing.T) *built {
	appOnce.Do(func() { theApp = buildApp(t, cdktest.AppOptions{}) })
	if theApp == nil {
		t.Fatal("the app failed to build in an earlier test")
	}
	return theApp
}

func TestStacksPerEnvironment(t *testing.T) {
	b := theBuiltApp(t)
	tests := []struct {
		env, stackName        string
		terminationProtection bool
	}{
		{"staging", "MedBookingsInfraStack-Staging", false},
		{"production", "MedBookingsInfraStack-Production", true},
	}
	require.Len(t, b.stacks, len(tests), "exactly two environment stacks")
	names := []string{}
	for _, st := range *b.asm.Stacks() {
		names = append(names, *st.StackName())
	}
	assert.ElementsMatch(t, []string{"MedBookingsInfraStack-Staging", "MedBookingsInfraStack-Production", "MedBookingsDelivery"}, names,
		"the two environments and the account-wide delivery stack")
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			st := b.stacks[tc.env]
			require.NotNil(t, st)
			assert.Equal(t, tc.stackName, *st.StackName())
			assert.Equal(t, tc.stackName, *st.Node().Id(), "construct ID = stack name, stable")
			assert.Equal(t, "eu-west-1", *st.Region())
			assert.True(t, *awscdk.Token_IsUnresolved(st.Account()), "account-agnostic: no account in cdk.json")
			assert.Equal(t, tc.terminationProtection, *st.TerminationProtection())

			art := b.asm.GetStackByName(jsii.String(tc.stackName))
			assert.Equal(t, "aws://unknown-account/eu-west-1", *art.Environment().Name)
			assert.Equal(t, tc.terminationProtection, art.TerminationProtection() != nil && *art.TerminationProtection())
			assert.Equal(t, map[string]string{"Project": "MedBookings", "Environment": tc.env, "ManagedBy": "aws-cdk"},
				derefMap(art.Tags()), "stack tags, propagated by CloudFormation to every taggable resource")
		})
	}
}

// TestEnvironmentDifferences asserts, in the synthesized templates, every
// difference between the environments that cdk.json sets.
func TestEnvironmentDifferences(t *testing.T) {
	b := theBuiltApp(t)
	obj := func(m map[string]any) *map[string]any { return &m }
	tests := []struct {
		env                          string
		class, branch, stage, bucket string
		multiAz, deletionProtection  bool
		budget                       float64
		nightlyStop                  int
	}{
		{"staging", "db.t4g.micro", "staging", "BETA", "medbookings-uploads-staging", false, false, 50, 2},
		{"production", "db.t4g.small", "master", "PRODUCTION", "medbookings-uploads-production", true, true, 150, 0},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			tpl := b.tpl[tc.env]
			cdktest.Check(t, "database", func() {
				tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), obj(map[string]any{
					"DBInstanceClass": tc.class, "MultiAZ": tc.multiAz, "DeletionProtection": tc.deletionProtection,
					"AllocatedStorage": "20", "MaxAllocatedStorage": 100, "StorageType": "gp3",
					"BackupRetentionPeriod": 7, "PreferredBackupWindow": "00:00-00:30",
					"PreferredMaintenanceWindow": "sun:02:30-sun:03:00", "StorageEncrypted": true,
				}))
			})
			cdktest.Check(t, "nightly stop schedules", func() {
				tpl.ResourceCountIs(jsii.String("AWS::Scheduler::Schedule"), jsii.Number(tc.nightlyStop))
			})
			cdktest.Check(t, "uploads bucket", func() {
				tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj(map[string]any{"BucketName": tc.bucket}))
			})
			cdktest.Check(t, "amplify branch", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Amplify::Branch"), obj(map[string]any{
					"BranchName": tc.branch, "Stage": tc.stage, "EnableAutoBuild": true,
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

// TestDeployRolesSnapshotTheRealInstances: the delivery construct names the
// instances its deploy roles may snapshot; they must be the instances the
// environment stacks create.
func TestDeployRolesSnapshotTheRealInstances(t *testing.T) {
	b := theBuiltApp(t)
	for env, tpl := range b.tpl {
		instances := cdktest.JSON(t, tpl)["Resources"].(map[string]any)["DatabaseInstanceAA8A5FDE"].(map[string]any)
		id := instances["Properties"].(map[string]any)["DBInstanceIdentifier"]
		assert.Equal(t, delivery.InstanceIdentifier(env), id, "%s instance identifier", env)
	}
}

// TestEveryTaggedResourceCarriesTheProjectTags checks the tags CDK renders
// into the template (resources whose type takes tags).
func TestEveryTaggedResourceCarriesTheProjectTags(t *testing.T) {
	b := theBuiltApp(t)
	for env, tpl := range b.tpl {
		resources, _ := cdktest.JSON(t, tpl)["Resources"].(map[string]any)
		for id, r := range resources {
			props, _ := r.(map[string]any)["Properties"].(map[string]any)
			tags, ok := props["Tags"]
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

func TestCommandLineOverrideChangesOnlyThatEnvironment(t *testing.T) {
	b := buildApp(t, cdktest.AppOptions{Overrides: map[string]any{
		"medbookings.staging.database.instanceClass": "db.t4g.medium",
		"medbookings.staging.terminationProtection":  "true",
	}})
	obj := func(m map[string]any) *map[string]any { return &m }
	cdktest.Check(t, "staging takes the override", func() {
		cdktest.Template(t, b.stacks["staging"].Stack).HasResourceProperties(jsii.String("AWS::RDS::DBInstance"),
			obj(map[string]any{"DBInstanceClass": "db.t4g.medium"}))
	})
	cdktest.Check(t, "production keeps cdk.json's class", func() {
		cdktest.Template(t, b.stacks["production"].Stack).HasResourceProperties(jsii.String("AWS::RDS::DBInstance"),
			obj(map[string]any{"DBInstanceClass": "db.t4g.small"}))
	})
	assert.True(t, *b.stacks["staging"].TerminationProtection())
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
	dir := t.TempDir()
	defer func() {
		if t.Failed() {
			t.Log("validation findings:\n" + cdktest.ValidationReport(dir))
		}
	}()
	b := buildApp(t, cdktest.AppOptions{Validation: true, Analytics: true, Outdir: dir})
	assert.Len(t, b.stacks, 2)
	assert.NotNil(t, b.delivery)
}

func TestGoldenTemplates(t *testing.T) {
	b := theBuiltApp(t)
	for env, st := range b.stacks {
		cdktest.Golden(t, *st.StackName()+".template.json", cdktest.Normalize(t, cdktest.JSON(t, b.tpl[env])))
	}
	cdktest.Golden(t, *b.delivery.StackName()+".template.json", cdktest.Normalize(t, cdktest.JSON(t, b.deliveryTpl)))
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
	// its key is kept everywhere: staging's final snapshot is encrypted with it
	{"DatabaseKey5E5D9547", "AWS::KMS::Key", "Retain", "Retain"},
	{"DatabaseAppSecret2E50FD00", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"DatabaseReadOnlySecretC046F85C", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"DatabasePostgresLogGroupA9B66AF1", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseUpgradeLogGroupC937990D", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseFlowLogs546961C9", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseRolesFunctionLogsA99D8C7A", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseAppRotationLogGroup13F1789F", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"DatabaseReadOnlyRotationLogGroup0B322FA9", "AWS::Logs::LogGroup", "Delete", "Retain"},
	// uploads: medical-practice records
	{"StorageUploadsBDC5E374", "AWS::S3::Bucket", "Delete", "Retain"},
	{"StorageAccessLogs96FB524C", "AWS::S3::Bucket", "Delete", "Retain"},
	{"StorageKeyBAA9457B", "AWS::KMS::Key", "Delete", "Retain"},
	// the app's secret (provider keys an operator filled in) and its key
	{"HostingAppSecret7F3B739D", "AWS::SecretsManager::Secret", "Delete", "Retain"},
	{"HostingAppSecretKey2E668CDD", "AWS::KMS::Key", "Delete", "Retain"},
	// monitoring: the alert key and the log groups
	{"MonitoringKey61F0DC42", "AWS::KMS::Key", "Delete", "Retain"},
	{"MonitoringAmplifyLogGroup17F262DE", "AWS::Logs::LogGroup", "Delete", "Retain"},
	{"MonitoringHealthCheckLogGroupCA058BCA", "AWS::Logs::LogGroup", "Delete", "Retain"},
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
		"AWS::Logs::LogGroup": true, "AWS::S3::Bucket": true}
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
		resources, _ := cdktest.JSON(t, b.tpl[env])["Resources"].(map[string]any)
		for _, r := range statefulResources {
			t.Run(env+"/"+r.logicalID, func(t *testing.T) {
				res, ok := resources[r.logicalID].(map[string]any)
				require.True(t, ok, "stateful resource %s must keep its logical ID", r.logicalID)
				assert.Equal(t, r.resourceType, res["Type"])
				want := r.staging
				if env == "production" {
					want = r.production
				}
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
		for _, name := range []string{"DatabaseEndpoint", "DatabasePort", "DatabaseName", "DatabaseInstanceIdentifier",
			"DatabaseMasterSecretArn", "DatabaseAppSecretArn", "DatabaseReadOnlySecretArn", "UploadsBucketName",
			"UploadsBucketRegion", "AmplifyAppId", "AmplifyDefaultDomain", "AppUrl", "AppSecretArn", "CertificateRecord",
			"AlertTopicArn", "DashboardUrl", "HealthCheckUrl"} {
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
	for env, tpl := range b.tpl {
		for _, f := range secretscan.ScanTemplate(env, cdktest.JSON(t, tpl)) {
			t.Error(f)
		}
	}
	for _, f := range secretscan.ScanTemplate("delivery", cdktest.JSON(t, b.deliveryTpl)) {
		t.Error(f)
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
