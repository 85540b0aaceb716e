package delivery_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

const (
	account     = "123456789012"
	repo        = "sheigoldberg/medbookings"
	existingArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
)

var envStacks = []string{"MedBookingsInfraStack-Staging", "MedBookingsInfraStack-Production"}

func testConfig() delivery.Config {
	return delivery.Config{Repository: repo, DeployEnvironments: []string{"staging", "production"}}
}

// fixture is one app with the delivery stack pinned to an account (so that
// every ARN is a plain string the tests can compare) and a stack whose
// delivery construct imports an existing OIDC provider; both under the
// compliance packs.
type fixture struct {
	pinned, imported assertions.Template
	findings         []compliance.Finding
}

var (
	fixOnce sync.Once
	fix     *fixture
)

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		shared := loadShared(t)
		shared.Account = account
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		f := &fixture{}
		var ds *stacks.DeliveryStack
		var imp awscdk.Stack
		cdktest.Must(t, func() {
			ds = stacks.NewDeliveryStack(app, stacks.DeliveryStackProps{
				Shared: shared, Delivery: testConfig(), EnvironmentStackNames: envStacks,
			})
			imp = awscdk.NewStack(app, jsii.String("TestImported"), &awscdk.StackProps{
				Env: &awscdk.Environment{Region: jsii.String("eu-west-1"), Account: jsii.String(account)},
			})
			c := testConfig()
			c.OidcProviderArn = existingArn
			delivery.NewDelivery(imp, jsii.String("Delivery"), &delivery.Props{Config: c, StackNames: envStacks})
			compliance.AddPacks(app)
			f.findings = compliance.Findings(app.Synth(nil))
		})
		f.pinned, f.imported = cdktest.Template(t, ds.Stack), cdktest.Template(t, imp)
		fix = f
	})
	if fix == nil {
		t.Fatal("the shared fixture failed to build (see the first failing test)")
	}
	return fix
}

// loadShared decodes and checks only medbookings.shared of cdk.json: the
// delivery stack needs nothing of the environments' settings.
func loadShared(t *testing.T) stacks.Shared {
	t.Helper()
	tree, _ := cdktest.Context(t)[stacks.ContextKey].(map[string]any)
	var sh stacks.Shared
	var ps config.Problems
	config.Decode(tree["shared"], &sh, stacks.ContextKey+".shared", &ps)
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	if sh.Region != "eu-west-1" {
		t.Fatalf("medbookings.shared.region is %q; the delivery stack belongs in eu-west-1", sh.Region)
	}
	return sh
}

func trust(federated any, subjects ...string) map[string]any {
	subs := make([]any, len(subjects))
	for i, s := range subjects {
		subs[i] = s
	}
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Effect":    "Allow",
			"Principal": map[string]any{"Federated": federated},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
				"token.actions.githubusercontent.com:sub": subs,
			}},
		}},
	}
}

const (
	providerID = "DeliveryGitHubOidcProvider3CF3B2BC"
	diffRoleID = "DeliveryDiffRole77CD812D"
	diffPolID  = "DeliveryDiffPolicy25DA307F"
)

// The deploy roles have fixed names: a new logical ID fails the deploy
// (the new role is created before the old one is deleted).
var (
	deployRoleID = map[string]string{"staging": "DeliveryDeployRoleStaging1D464D85", "production": "DeliveryDeployRoleProductionFF20BEAD"}
	deployPolID  = map[string]string{"staging": "DeliveryDeployPolicyStaging68404243", "production": "DeliveryDeployPolicyProduction7522B5AB"}
)

// GIVEN the delivery stack WHEN synthesized THEN each role trusts exactly
// the GitHub OIDC provider, the audience sts.amazonaws.com and one sub
// claim: pull requests for the diff role, its own GitHub environment for
// each deploy role (a staging job cannot take the production role).
func TestTrustPolicies(t *testing.T) {
	f := getFixture(t)
	ref := map[string]any{"Ref": providerID}
	for _, tc := range []struct {
		name, id, roleName string
		doc                map[string]any
		maxSession         any
	}{
		{"diff", diffRoleID, "medbookings-github-diff", trust(ref, "repo:sheigoldberg/medbookings:pull_request"), nil},
		{"deploy staging", deployRoleID["staging"], "medbookings-github-deploy-staging",
			trust(ref, "repo:sheigoldberg/medbookings:environment:staging"), float64(7200)},
		{"deploy production", deployRoleID["production"], "medbookings-github-deploy-production",
			trust(ref, "repo:sheigoldberg/medbookings:environment:production"), float64(7200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			roles := cdktest.JSON(t, f.pinned)["Resources"].(map[string]any)
			role, ok := roles[tc.id].(map[string]any)
			if !ok {
				t.Fatalf("no resource %s (logical ID changed? the role has a fixed name, so a new logical ID fails the deploy)", tc.id)
			}
			props := role["Properties"].(map[string]any)
			if props["RoleName"] != tc.roleName || props["MaxSessionDuration"] != tc.maxSession {
				t.Errorf("RoleName %v, MaxSessionDuration %v; want %s, %v", props["RoleName"], props["MaxSessionDuration"], tc.roleName, tc.maxSession)
			}
			cdktest.Check(t, "trust policy", func() {
				f.pinned.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
					"RoleName":                 tc.roleName,
					"AssumeRolePolicyDocument": assertions.Match_ObjectEquals(&tc.doc),
				})
			})
		})
	}
	cdktest.Check(t, "three roles only", func() { f.pinned.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(3)) })
}

// GIVEN an account that already has the GitHub provider WHEN its ARN is
// configured THEN no provider is created and the roles trust that ARN.
func TestImportedProvider(t *testing.T) {
	f := getFixture(t)
	cdktest.Check(t, "no provider", func() { f.imported.ResourceCountIs(jsii.String("AWS::IAM::OIDCProvider"), jsii.Number(0)) })
	doc := trust(existingArn, "repo:sheigoldberg/medbookings:pull_request")
	cdktest.Check(t, "trusts the existing provider", func() {
		f.imported.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"RoleName": "medbookings-github-diff", "AssumeRolePolicyDocument": assertions.Match_ObjectEquals(&doc),
		})
	})
}

func TestOidcProvider(t *testing.T) {
	f := getFixture(t)
	res := cdktest.JSON(t, f.pinned)["Resources"].(map[string]any)
	p, ok := res[providerID].(map[string]any)
	if !ok || p["Type"] != "AWS::IAM::OIDCProvider" {
		t.Fatalf("no AWS::IAM::OIDCProvider %s", providerID)
	}
	want := map[string]any{
		"Url":          "https://token.actions.githubusercontent.com",
		"ClientIdList": []any{"sts.amazonaws.com"},
		"Tags": []any{
			map[string]any{"Key": "ManagedBy", "Value": "aws-cdk"},
			map[string]any{"Key": "Project", "Value": "MedBookings"},
		},
	}
	cdktest.Check(t, "provider", func() {
		f.pinned.HasResourceProperties(jsii.String("AWS::IAM::OIDCProvider"), assertions.Match_ObjectEquals(&want))
	})
	cdktest.Check(t, "one provider", func() { f.pinned.ResourceCountIs(jsii.String("AWS::IAM::OIDCProvider"), jsii.Number(1)) })
}

func arnRole(kind string) string {
	return "arn:aws:iam::123456789012:role/cdk-hnb659fds-" + kind + "-role-123456789012-eu-west-1"
}

// GIVEN the delivery stack WHEN synthesized THEN the diff role may assume
// only the CDK lookup role and read the stacks, and each deploy role may
// assume only the bootstrap deploy, file-publishing and lookup roles, read
// the stacks' outputs and snapshot only its own environment's instance
// (medbookings-<env>, named exactly) into medbookings-<env>-predeploy-*;
// nothing else (the documents are compared whole).
func TestPermissionPolicies(t *testing.T) {
	f := getFixture(t)
	stackArns := []any{
		"arn:aws:cloudformation:eu-west-1:123456789012:stack/MedBookingsDelivery/*",
		"arn:aws:cloudformation:eu-west-1:123456789012:stack/MedBookingsInfraStack-Production/*",
		"arn:aws:cloudformation:eu-west-1:123456789012:stack/MedBookingsInfraStack-Staging/*",
	}
	diff := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{"Sid": "AssumeCdkLookupRole", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arnRole("lookup")},
			map[string]any{"Sid": "ReadMedBookingsStacks", "Effect": "Allow",
				"Action":   []any{"cloudformation:DescribeStackResources", "cloudformation:DescribeStacks", "cloudformation:GetTemplate"},
				"Resource": stackArns},
			map[string]any{"Sid": "ListStacks", "Effect": "Allow", "Action": "cloudformation:ListStacks", "Resource": "*"},
		},
	}
	deploy := func(env string) map[string]any {
		return map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{"Sid": "AssumeCdkBootstrapRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
					"Resource": []any{arnRole("deploy"), arnRole("file-publishing"), arnRole("lookup")}},
				map[string]any{"Sid": "ReadStackOutputs", "Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": stackArns},
				map[string]any{"Sid": "SnapshotInstance", "Effect": "Allow",
					"Action":   []any{"rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"},
					"Resource": "arn:aws:rds:eu-west-1:123456789012:db:medbookings-" + env},
				map[string]any{"Sid": "PreDeploySnapshots", "Effect": "Allow",
					"Action":   []any{"rds:AddTagsToResource", "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"},
					"Resource": "arn:aws:rds:eu-west-1:123456789012:snapshot:medbookings-" + env + "-predeploy-*"},
			},
		}
	}
	for _, tc := range []struct {
		name, id, role string
		doc            map[string]any
	}{
		{"diff", diffPolID, diffRoleID, diff},
		{"deploy staging", deployPolID["staging"], deployRoleID["staging"], deploy("staging")},
		{"deploy production", deployPolID["production"], deployRoleID["production"], deploy("production")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := cdktest.JSON(t, f.pinned)["Resources"].(map[string]any)
			if _, ok := res[tc.id]; !ok {
				var ids []string
				for id, r := range res {
					if r.(map[string]any)["Type"] == "AWS::IAM::ManagedPolicy" {
						ids = append(ids, id)
					}
				}
				t.Fatalf("no managed policy %s (the managed policies are %v)", tc.id, ids)
			}
			cdktest.Check(t, "policy document", func() {
				f.pinned.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), map[string]any{
					"PolicyDocument": assertions.Match_ObjectEquals(&tc.doc),
					"Roles":          []any{map[string]any{"Ref": tc.role}},
				})
			})
		})
	}
	// Managed, not inline: the roles carry no policy of their own, and no
	// AWS::IAM::Policy grants anything beside the documents above.
	cdktest.Check(t, "no inline policies", func() { f.pinned.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0)) })
	cdktest.Check(t, "three managed policies", func() {
		f.pinned.ResourceCountIs(jsii.String("AWS::IAM::ManagedPolicy"), jsii.Number(3))
	})
	cdktest.Check(t, "roles without inline or AWS managed policies", func() {
		f.pinned.AllResourcesProperties(jsii.String("AWS::IAM::Role"), map[string]any{
			"Policies": assertions.Match_Absent(), "ManagedPolicyArns": assertions.Match_Absent(),
		})
	})
}

// GIVEN the delivery stack WHEN synthesized THEN it outputs the provider,
// the diff role and one deploy role per environment, and nothing else.
func TestOutputs(t *testing.T) {
	f := getFixture(t)
	want := map[string]any{
		"GitHubOidcProviderArn": map[string]any{"Ref": providerID},
		"DiffRoleArn":           map[string]any{"Fn::GetAtt": []any{diffRoleID, "Arn"}},
	}
	for _, env := range []string{"staging", "production"} {
		want[stacks.DeployRoleOutputName(env)] = map[string]any{"Fn::GetAtt": []any{deployRoleID[env], "Arn"}}
	}
	if got := stacks.DeployRoleOutputName("staging") + " " + stacks.DeployRoleOutputName("production"); got != "DeployRoleStagingArn DeployRoleProductionArn" {
		t.Errorf("deploy role outputs are %s (the README lists them)", got)
	}
	for name, value := range want {
		cdktest.Check(t, "output "+name, func() {
			f.pinned.HasOutput(jsii.String(name), map[string]any{"Value": value})
		})
	}
	tpl := cdktest.JSON(t, f.pinned)
	if got := len(tpl["Outputs"].(map[string]any)); got != len(want) {
		t.Errorf("%d outputs, want %d", got, len(want))
	}
}

func TestEnvironmentNames(t *testing.T) {
	for env, want := range map[string][3]string{
		"staging":  {"Staging", "medbookings-github-deploy-staging", "medbookings-staging"},
		"pre-prod": {"PreProd", "medbookings-github-deploy-pre-prod", "medbookings-pre-prod"},
		"qa.2_x":   {"Qa2X", "medbookings-github-deploy-qa.2_x", "medbookings-qa.2_x"},
	} {
		got := [3]string{delivery.EnvironmentTitle(env), delivery.DeployRoleName(env), delivery.InstanceIdentifier(env)}
		if got != want {
			t.Errorf("%q: got %v, want %v", env, got, want)
		}
	}
}

func TestNoComplianceFindings(t *testing.T) {
	f := getFixture(t)
	for _, x := range f.findings {
		t.Errorf("finding: %s", x)
	}
}

// GIVEN the real settings (account-agnostic stacks) WHEN the delivery stack
// is synthesized with strict CloudFormation validation and the compliance
// packs THEN nothing is reported, and the ARNs take the account from
// AWS::AccountId.
func TestStrictValidationAccountAgnostic(t *testing.T) {
	shared := loadShared(t)
	if shared.Account != "" {
		t.Skip("cdk.json pins an account; the pinned fixture covers it")
	}
	app := cdktest.NewApp(t, cdktest.AppOptions{Validation: true})
	var ds *stacks.DeliveryStack
	cdktest.Must(t, func() {
		ds = stacks.NewDeliveryStack(app, stacks.DeliveryStackProps{Shared: shared, Delivery: testConfig(), EnvironmentStackNames: envStacks})
		compliance.AddPacks(app)
		for _, x := range compliance.Findings(app.Synth(nil)) {
			t.Errorf("finding: %s", x)
		}
	})
	if got := *ds.StackName(); got != "MedBookingsDelivery" {
		t.Errorf("stack name %q", got)
	}
	if got := *ds.Region(); got != "eu-west-1" {
		t.Errorf("region %q", got)
	}
	lookup := map[string]any{"Fn::Join": []any{"", []any{
		"arn:aws:iam::", map[string]any{"Ref": "AWS::AccountId"}, ":role/cdk-hnb659fds-lookup-role-",
		map[string]any{"Ref": "AWS::AccountId"}, "-eu-west-1",
	}}}
	cdktest.Check(t, "lookup role ARN from AWS::AccountId", func() {
		cdktest.Template(t, ds.Stack).HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Sid": "AssumeCdkLookupRole", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": lookup},
			})},
		})
	})
	cdktest.Check(t, "termination protection", func() {
		if !*ds.TerminationProtection() {
			panic("the delivery stack must be termination protected")
		}
	})
}

func TestConfigValidate(t *testing.T) {
	const key = "medbookings.delivery"
	for _, tc := range []struct {
		name     string
		mutate   func(*delivery.Config)
		problems []string // key: allowed-substring
	}{
		{"valid", func(*delivery.Config) {}, nil},
		{"valid existing provider", func(c *delivery.Config) { c.OidcProviderArn = existingArn }, nil},
		{"repository as URL", func(c *delivery.Config) { c.Repository = "https://github.com/sheigoldberg/medbookings" },
			[]string{key + ".repository: got \"https://github.com/sheigoldberg/medbookings\"; allowed: a GitHub repository as owner/name"}},
		{"no environments", func(c *delivery.Config) { c.DeployEnvironments = nil },
			[]string{key + ".deployEnvironments: got null; allowed: a list of at least one GitHub environment name"}},
		{"repeated and colon", func(c *delivery.Config) { c.DeployEnvironments = []string{"staging", "staging", "prod:x", "Staging"} },
			[]string{
				key + ".deployEnvironments[1]: got \"staging\"; allowed: an environment not already listed (it repeats deployEnvironments[0]",
				key + ".deployEnvironments[2]: got \"prod:x\"; allowed: a GitHub environment name of 1-38 letters",
				key + ".deployEnvironments[3]: got \"Staging\"; allowed: an environment not already listed (it repeats deployEnvironments[0]",
			}},
		{"too long for the role name", func(c *delivery.Config) {
			c.DeployEnvironments = []string{strings.Repeat("a", 39), strings.Repeat("b", 38)}
		},
			[]string{key + ".deployEnvironments[0]: got \"" + strings.Repeat("a", 39) + "\"; allowed: a GitHub environment name of 1-38 letters"}},
		{"provider of another host", func(c *delivery.Config) {
			c.OidcProviderArn = "arn:aws:iam::123456789012:oidc-provider/gitlab.com"
		}, []string{key + ".oidcProviderArn: got \"arn:aws:iam::123456789012:oidc-provider/gitlab.com\"; allowed: \"\" (create the provider) or the ARN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			tc.mutate(&c)
			var ps config.Problems
			c.Validate(key, &ps)
			if len(ps) != len(tc.problems) {
				t.Fatalf("got %d problems %v, want %d", len(ps), ps, len(tc.problems))
			}
			for i, want := range tc.problems {
				if !strings.HasPrefix(ps[i].String(), want) {
					t.Errorf("problem %d: %q\nwant prefix %q", i, ps[i].String(), want)
				}
			}
		})
	}
}

// The delivery block the lead adds to cdk.json decodes strictly and is valid.
func TestCdkJSONDeliveryBlock(t *testing.T) {
	tree, _ := cdktest.Context(t)["medbookings"].(map[string]any)
	raw, ok := tree["delivery"]
	if !ok {
		t.Fatal("cdk.json has no medbookings.delivery block; add {\"repository\": \"sheigoldberg/medbookings\", " +
			"\"deployEnvironments\": [\"staging\", \"production\"], \"oidcProviderArn\": \"\"}")
	}
	var c delivery.Config
	var ps config.Problems
	config.Decode(raw, &c, "medbookings.delivery", &ps)
	c.Validate("medbookings.delivery", &ps)
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"staging", "production"} {
		found := false
		for _, d := range c.DeployEnvironments {
			found = found || d == e
		}
		if !found {
			t.Errorf("deployEnvironments %v lacks %q, which a deploy workflow uses", c.DeployEnvironments, e)
		}
	}
}
