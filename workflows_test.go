// Tests of the GitHub Actions workflows in .github/workflows: actionlint
// (its Go API, offline), pinned actions, a diff job that runs no pull-request
// code, and the names the workflows share with the delivery construct.

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(cdktest.RepoRoot(), ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows under .github/workflows (%v)", err)
	}
	return files
}

// Every workflow passes actionlint (syntax, expressions, job needs, action
// inputs of known actions, and shellcheck of run: scripts when shellcheck
// is installed).
func TestActionlint(t *testing.T) {
	var out bytes.Buffer
	opts := &actionlint.LinterOptions{WorkingDir: cdktest.RepoRoot()}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck not installed: run: scripts are not shellchecked")
	}
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(workflowFiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Errorf("actionlint found %d problem(s):\n%s", len(errs), out.String())
	}
}

// The workflows use exactly the names the delivery construct trusts and
// grants: the role names, the GitHub environments, the stacks and the
// snapshot name the deploy role may create.
func TestWorkflowsMatchDelivery(t *testing.T) {
	// Only the branches of cdk.json are needed (not the whole, validated
	// settings): the deploy workflows run on the environments' branches.
	tree, _ := cdktest.Context(t)[stacks.ContextKey].(map[string]any)
	branch := func(env string) string {
		e, _ := tree[env].(map[string]any)
		b, _ := e["branch"].(string)
		if b == "" {
			t.Fatalf("cdk.json has no medbookings.%s.branch", env)
		}
		return b
	}
	staging, production := "MedBookingsInfraStack-Staging", "MedBookingsInfraStack-Production"
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), ".github", "workflows", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"pr.yml", []string{
			"role/" + delivery.DiffRoleName, "--method template", "pull_request:", stacks.DeliveryStackName,
			staging, production, "MedBookingsEdge-Staging", "MedBookingsEdge-Production", "id-token: write", "pull-requests: write",
			"scripts/build-app.sh", "medbookings.staging.hosting.bundle=", "medbookings.production.hosting.bundle=",
		}},
		{"deploy.yml", []string{
			"role/medbookings-github-deploy-${{ inputs.environment }}", "environment: ${{ inputs.environment }}",
			"--require-approval never", "id-token: write", "node-version: 22", "APP_CHECK=1 bash scripts/build-app.sh",
			`-c "medbookings.$ENVIRONMENT.hosting.bundle=$BUNDLE"`, `snapshot="medbookings-$ENVIRONMENT-predeploy-${GITHUB_SHA}"`,
			"OutputKey=='DatabaseInstanceIdentifier'", "aws rds wait db-snapshot-available",
			`"medbookings/$ENVIRONMENT/build"`, "::add-mask::", "working-directory: infrastructure",
		}},
		{"deploy-staging.yml", []string{
			"uses: ./.github/workflows/deploy.yml", "environment: staging", "branches: [" + branch("staging") + "]",
			"stack: " + staging, "snapshot: false", "id-token: write",
		}},
		{"deploy-production.yml", []string{
			"uses: ./.github/workflows/deploy.yml", "environment: production", "branches: [" + branch("production") + "]",
			"stack: " + production, "snapshot: true", "id-token: write",
		}},
	} {
		text := read(tc.file)
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not contain %q", tc.file, w)
			}
		}
		// No long-lived keys: credentials only come from the OIDC role.
		for _, bad := range []string{"aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "secrets.AWS"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s mentions %q: AWS access must go through OIDC only", tc.file, bad)
			}
		}
	}
	// The role is the environment's: the GitHub environment of the job and
	// the role's trust are the same name.
	deploy := read("deploy.yml")
	if strings.Index(deploy, "create-db-snapshot") > strings.Index(deploy, `cdk deploy "$STACK"`) {
		t.Error("deploy.yml must take the snapshot before cdk deploy")
	}
	if strings.Index(deploy, "build-app.sh") > strings.Index(deploy, "cdk synth") {
		t.Error("deploy.yml must build the app before synthesizing with it")
	}
	if !strings.HasPrefix(delivery.DeployRoleName("staging"), "medbookings-github-deploy-") {
		t.Error("the deploy workflow composes the role name as medbookings-github-deploy-<environment>")
	}
}

// TestActionsArePinned: every action is pinned to a full commit SHA (a tag
// can be moved to other code), with the version in a comment.
func TestActionsArePinned(t *testing.T) {
	pinned := regexp.MustCompile(`^\s*-?\s*uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$`)
	for _, f := range workflowFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, "uses:") || strings.Contains(line, "uses: ./") {
				continue
			}
			if !pinned.MatchString(line) {
				t.Errorf("%s:%d: %q is not pinned to a commit SHA with its version in a comment", filepath.Base(f), i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestDiffJobRunsNoPullRequestCode: the job that holds the diff role's
// credentials checks nothing out and runs no script of the repository; the
// CLI comes from npm at the pinned version, outside any folder with a
// cdk.json.
func TestDiffJobRunsNoPullRequestCode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), ".github", "workflows", "pr.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n  diff:\n")
	end := strings.Index(text[start+1:], "\n  cost:\n")
	if start < 0 || end < 0 {
		t.Fatal("pr.yml has no diff job followed by the cost job")
	}
	job := text[start : start+1+end]
	for _, bad := range []string{"actions/checkout", ".ci/", "scripts/", "go run", "go test", "source ", "npx "} {
		if strings.Contains(job, bad) {
			t.Errorf("the diff job contains %q: it must run nothing of the pull request while it holds credentials", bad)
		}
	}
	for _, want := range []string{"aws-cdk@2.1148.1", "--ignore-scripts", "--app cdk.out", "--method template", "role/" + delivery.DiffRoleName,
		"head.repo.full_name == github.repository"} {
		if !strings.Contains(job, want) {
			t.Errorf("the diff job does not contain %q", want)
		}
	}
	if i, j := strings.Index(job, "configure-aws-credentials"), strings.Index(job, "npm install"); i < j {
		t.Error("the diff job must install the CLI before it obtains credentials")
	}
}
