// Package cdktest is the test harness shared by every test package: it makes
// apps with the real cdk.json feature flags (and bare stacks for construct
// tests), turns failed jsii assertions (panics) into test failures, reads and
// writes golden templates, and builds the test app bundle.
//
// Every test package of this module imports it, so `go test ./... -update`
// is understood by all of them.
package cdktest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/modroot"
)

// Update rewrites golden files instead of comparing with them.
var Update = flag.Bool("update", false, "rewrite the golden templates in testdata/")

// Context returns a fresh copy of cdk.json's "context" object (feature flags
// and MedBookings settings), decoded as CDK would hand it to the app.
func Context(t testing.TB) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(RepoRoot(), "cdk.json"))
	if err != nil {
		t.Fatalf("read cdk.json: %v", err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse cdk.json: %v", err)
	}
	return doc.Context
}

// AppOptions change how NewApp builds an app.
type AppOptions struct {
	// Validation turns on CDK's built-in CloudFormation validation (slow:
	// about 2 s per synthesis); unit tests leave it off and one test runs it.
	Validation bool
	// Analytics keeps the CDKMetadata resource that the CLI's synthesis
	// has (off by default: it changes with every CDK version).
	Analytics bool
	// Outdir is where the cloud assembly is written (default: a temporary folder).
	Outdir string
}

// NewApp creates an app with cdk.json's feature flags (every context key
// but the MedBookings settings, which tests load with stacks.Load from
// Context and hand to stacks.Build).
func NewApp(t testing.TB, opts AppOptions) awscdk.App {
	t.Helper()
	ctx := map[string]any{}
	for k, v := range Context(t) {
		if k != "medbookings" {
			ctx[k] = v
		}
	}
	// as the CLI does: every resource records its construct path, which the
	// golden templates and the diagrams use
	ctx["aws:cdk:enable-path-metadata"] = true
	var app awscdk.App
	Must(t, func() {
		app = awscdk.NewApp(&awscdk.AppProps{
			Context:                         &ctx,
			BuiltinCloudFormationValidation: jsii.Bool(opts.Validation),
			AnalyticsReporting:              jsii.Bool(opts.Analytics),
			Outdir:                          outdir(opts.Outdir),
		})
	})
	return app
}

// Region is where the construct tests' bare stacks are.
const Region = "eu-west-1"

// BareStack is an account-agnostic stack in Region of a new app with
// cdk.json's feature flags: the scope of a construct test.
func BareStack(t testing.TB, id string) awscdk.Stack {
	t.Helper()
	app := NewApp(t, AppOptions{})
	var stack awscdk.Stack
	Must(t, func() {
		stack = awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(Region)}})
	})
	return stack
}

func outdir(dir string) *string {
	if dir == "" {
		return nil
	}
	return jsii.String(dir)
}

// ValidationReport summarizes the CloudFormation validation report that a
// failed strict synthesis left in outdir: one line per finding.
func ValidationReport(outdir string) string {
	raw, err := os.ReadFile(filepath.Join(outdir, "validation-report.json"))
	if err != nil {
		return "no validation report: " + err.Error()
	}
	var report struct {
		PluginReports []struct {
			Violations []struct {
				RuleName            string `json:"ruleName"`
				Description         string `json:"description"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		return string(raw)
	}
	var b bytes.Buffer
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			for _, c := range v.ViolatingConstructs {
				fmt.Fprintf(&b, "%s %s: %s\n", v.RuleName, c.ConstructPath, v.Description)
			}
		}
	}
	return b.String()
}

// Must runs f and turns a panic (a failed jsii assertion or a construct
// error) into a test failure that names the panic, instead of aborting the
// whole test binary.
func Must(t testing.TB, f func()) {
	t.Helper()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%v\n%s", r, debug.Stack())
			}
		}()
		f()
	}()
}

// Check is Must for assertions that should not stop the test: it reports
// the failure with t.Errorf and goes on.
func Check(t testing.TB, what string, f func()) {
	t.Helper()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s: %v", what, r)
			}
		}()
		f()
	}()
}

// Template synthesizes stack and returns its assertions template.
func Template(t testing.TB, stack awscdk.Stack) assertions.Template {
	t.Helper()
	var tpl assertions.Template
	Must(t, func() {
		tpl = assertions.Template_FromStack(stack, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
	})
	return tpl
}

// JSON returns the template as a Go value.
func JSON(t testing.TB, tpl assertions.Template) map[string]any {
	t.Helper()
	var out map[string]any
	Must(t, func() { out = (*tpl.ToJSON()) })
	return out
}

var assetHashRE = regexp.MustCompile(`[0-9a-f]{64}`)

// Normalize returns the template as stable, indented JSON with asset hashes
// (which change whenever asset content changes) replaced by a placeholder.
func Normalize(t testing.TB, template map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(template); err != nil {
		t.Fatalf("encode template: %v", err)
	}
	return assetHashRE.ReplaceAll(buf.Bytes(), []byte("<asset-hash>"))
}

// Golden compares got with testdata/name in the repository root, or
// rewrites it with -update.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join(RepoRoot(), "testdata", name)
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s: %v (run `go test ./... -update` to create it)", path, err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("template differs from golden testdata/%s (%s); if the change is intended, run `go test ./... -update` and review `git diff testdata/`", name, firstDiff(want, got))
	}
}

func firstDiff(a, b []byte) string {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(al) && i < len(bl); i++ {
		if !bytes.Equal(al[i], bl[i]) {
			return fmt.Sprintf("first difference at line %d: want %q, got %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("want %d lines, got %d", len(al), len(bl))
}

// RepoRoot is the module's root folder (where go.mod and cdk.json are).
func RepoRoot() string {
	dir, err := modroot.Dir()
	if err != nil {
		panic("cdktest: " + err.Error())
	}
	return dir
}
