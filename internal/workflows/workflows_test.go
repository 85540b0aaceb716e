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
