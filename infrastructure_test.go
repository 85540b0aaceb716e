package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		for _, st := range stacks.Build(app, settings) {
			b.stacks[st.Environment.Name] = st
		}
		b.asm = app.Synth(nil)
	})
	for name, st := range b.stacks {
		b.tpl[name] = cdktest.Template(t, st.Stack)
	}
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
	require.Len(t, b.stacks, len(tests), "exactly two stacks")
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
		"medbookings.staging.terminationProtection": "true",
	}})
	assert.True(t, *b.stacks["staging"].TerminationProtection())
	assert.True(t, *b.stacks["production"].TerminationProtection())
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
}

func TestGoldenTemplates(t *testing.T) {
	b := theBuiltApp(t)
	for env, st := range b.stacks {
		cdktest.Golden(t, *st.StackName()+".template.json", cdktest.Normalize(t, cdktest.JSON(t, b.tpl[env])))
	}
}

// statefulResources are the resources that hold data, by logical ID. A change
// of a logical ID is a replacement (a new, empty resource): these IDs are
// pinned, and their deletion policies are what production needs.
var statefulResources = []struct {
	logicalID, resourceType string
	// deletion policy per environment
	staging, production string
}{
	{"StorageUploadsBDC5E374", "AWS::S3::Bucket", "Delete", "Retain"},
	{"StorageAccessLogs96FB524C", "AWS::S3::Bucket", "Delete", "Retain"},
	{"StorageKeyBAA9457B", "AWS::KMS::Key", "Delete", "Retain"},
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
		for _, name := range []string{"UploadsBucketName", "UploadsBucketRegion"} {
			o, ok := outputs[name].(map[string]any)
			if assert.True(t, ok, "%s output %s", env, name) {
				assert.NotEmpty(t, o["Description"], "%s output %s has a description", env, name)
			}
		}
	}
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
