package workflows_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
	staging, production := stacks.Environment{Name: "staging"}, stacks.Environment{Name: "production"}
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
			staging.StackName(), production.StackName(), "id-token: write", "pull-requests: write",
		}},
		{"deploy-staging.yml", []string{
			"role/" + delivery.DeployRoleName("staging") + "\n", "environment: staging", "branches: [" + branch("staging") + "]",
			"STACK: " + staging.StackName(), "--require-approval never", "id-token: write",
		}},
		{"deploy-production.yml", []string{
			"role/" + delivery.DeployRoleName("production") + "\n", "environment: production", "branches: [" + branch("production") + "]",
			"STACK: " + production.StackName(), "--require-approval never", "id-token: write",
			`snapshot="` + delivery.SnapshotPrefix("production") + `${GITHUB_SHA}"`,
			"OutputKey=='DatabaseInstanceIdentifier'", "aws rds wait db-snapshot-available",
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
	// Each deploy workflow takes only its own environment's role.
	for file, other := range map[string]string{"deploy-staging.yml": "production", "deploy-production.yml": "staging"} {
		if text := read(file); strings.Contains(text, delivery.DeployRoleName(other)) {
			t.Errorf("%s names %s, the role of the %s environment", file, delivery.DeployRoleName(other), other)
		}
	}
	prod := read("deploy-production.yml")
	if strings.Index(prod, "create-db-snapshot") > strings.Index(prod, "cdk deploy \"$STACK\"") {
		t.Error("deploy-production.yml must take the snapshot before cdk deploy")
	}
}
