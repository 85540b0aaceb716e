package delivery_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

const (
	repo        = "sheigoldberg/medbookings"
	existingARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
)

// stackNames are what the workflows diff and read: the environment stacks
// and the delivery stack itself.
var stackNames = []string{"MedBookingsInfraStack-Staging", "MedBookingsInfraStack-Production", "MedBookingsDelivery"}

// targets are three GitHub environments; the instance identifiers are not
// derived from the environment names, so that the tests show they come from
// the props.
var targets = []delivery.Target{
	{Environment: "staging", InstanceIdentifier: "medbookings-staging"},
	{Environment: "production", InstanceIdentifier: "mb-production-2026"},
	{Environment: "pre-prod", InstanceIdentifier: "medbookings-pre-prod"},
}

// testProps are the props of the construct that creates the provider.
func testProps() *delivery.Props {
	return &delivery.Props{Repository: repo, Targets: targets, StackNames: stackNames}
}

// synthesized is one bare stack holding the delivery construct, synthesized
// once under the compliance packs.
type synthesized struct {
	name     string
	stack    awscdk.Stack
	d        *delivery.Delivery
	tpl      assertions.Template
	json     map[string]any
	findings []compliance.Finding
}

// synth builds the delivery construct from props in a new bare stack (an
// account-agnostic eu-west-1 stack of a fresh app) under the compliance
// packs, and synthesizes it.
func synth(t testing.TB, name string, props *delivery.Props, opts cdktest.AppOptions) *synthesized {
	t.Helper()
	s := &synthesized{name: name}
	app := cdktest.NewApp(t, opts)
	cdktest.Must(t, func() {
		s.stack = awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(cdktest.Region)}})
		s.d = delivery.NewDelivery(s.stack, jsii.String("Delivery"), props)
		compliance.AddPacks(app)
		asm := app.Synth(nil)
		s.findings = compliance.Findings(asm)
		raw, err := os.ReadFile(*asm.GetStackArtifact(s.stack.ArtifactId()).TemplateFullPath())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(raw, &s.json); err != nil {
			panic(err)
		}
		s.tpl = assertions.Template_FromJSON(&s.json, nil)
	})
	return s
}

// fixture is the construct creating the account's OIDC provider, and the
// construct given an existing provider's ARN.
type fixture struct{ created, imported *synthesized }

var (
	fixOnce sync.Once
	fix     *fixture
)

// getFixture builds the fixture on first use; a failure fails every test
// that needs it.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		imported := testProps()
		imported.OIDCProviderARN = existingARN
		imported.Targets = targets[:1]
		fix = &fixture{
			created:  synth(t, "Created", testProps(), cdktest.AppOptions{}),
			imported: synth(t, "Imported", imported, cdktest.AppOptions{}),
		}
	})
	if fix == nil {
		t.Fatal("the fixture failed to build (see the first test that used it)")
	}
	return fix
}

// id is the logical ID of the resource at construct path (below the stack).
func (s *synthesized) id(t *testing.T, path string) string {
	t.Helper()
	want := s.name + "/" + path
	for id, r := range s.json["Resources"].(map[string]any) {
		md, _ := r.(map[string]any)["Metadata"].(map[string]any)
		if md["aws:cdk:path"] == want {
			return id
		}
	}
	t.Fatalf("%s: no resource at %s", s.name, want)
	return ""
}

// resource is the resource at construct path.
func (s *synthesized) resource(t *testing.T, path string) map[string]any {
	t.Helper()
	return s.json["Resources"].(map[string]any)[s.id(t, path)].(map[string]any)
}

// count is the number of resources of type typ.
func (s *synthesized) count(typ string) int {
	n := 0
	for _, r := range s.json["Resources"].(map[string]any) {
		if r.(map[string]any)["Type"] == typ {
			n++
		}
	}
	return n
}

// props are a resource's properties.
func props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

// toJSON is v as compact JSON, for messages.
func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// flatten writes every {"Fn::Join": [sep, parts]} of v as one string, with
// ${Ref} and ${Resource.Attribute} for references, so that whole policy
// documents can be compared to readable literals.
func flatten(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
				var parts []string
				for _, p := range j[1].([]any) {
					parts = append(parts, fmt.Sprint(flatten(p)))
				}
				return strings.Join(parts, j[0].(string))
			}
			if r, ok := x["Ref"].(string); ok {
				return "${" + r + "}"
			}
			if g, ok := x["Fn::GetAtt"].([]any); ok && len(g) == 2 {
				return "${" + g[0].(string) + "." + g[1].(string) + "}"
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = flatten(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = flatten(e)
		}
		return out
	}
	return v
}

// trust is the trust policy of a role assumed with a GitHub token of one
// sub claim, through the provider federated.
func trust(federated any, subject string) map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Effect":    "Allow",
			"Principal": map[string]any{"Federated": federated},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
				"token.actions.githubusercontent.com:sub": []any{subject},
			}},
		}},
	}
}

// GIVEN the construct WHEN synthesized THEN each role trusts exactly the
// GitHub OIDC provider, the audience sts.amazonaws.com and one sub claim:
// pull requests for the diff role, its own GitHub environment for each
// deploy role (a staging job cannot take the production role); the roles
// have their fixed names, and a deploy session may last 2 hours.
func TestTrustPolicies(t *testing.T) {
	f := getFixture(t)
	s := f.created
	provider := "${" + s.id(t, "Delivery/GitHubOidcProvider/Resource") + "}"
	cases := []struct {
		name, path, roleName string
		doc                  map[string]any
		maxSession           any
	}{
		{"diff", "Delivery/DiffRole/Resource", "medbookings-github-diff", trust(provider, "repo:sheigoldberg/medbookings:pull_request"), nil},
	}
	for _, e := range []struct{ env, title string }{{"staging", "Staging"}, {"production", "Production"}, {"pre-prod", "PreProd"}} {
		cases = append(cases, struct {
			name, path, roleName string
			doc                  map[string]any
			maxSession           any
		}{"deploy " + e.env, "Delivery/DeployRole" + e.title + "/Resource", "medbookings-github-deploy-" + e.env,
			trust(provider, "repo:sheigoldberg/medbookings:environment:"+e.env), 7200.0})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := props(s.resource(t, c.path))
			if p["RoleName"] != c.roleName || p["MaxSessionDuration"] != c.maxSession {
				t.Errorf("RoleName %v, MaxSessionDuration %v; want %s, %v", p["RoleName"], p["MaxSessionDuration"], c.roleName, c.maxSession)
			}
			if got := flatten(p["AssumeRolePolicyDocument"]); !reflect.DeepEqual(got, c.doc) {
				t.Errorf("trust policy\n got %s\nwant %s", toJSON(got), toJSON(c.doc))
			}
		})
	}
	if got := s.count("AWS::IAM::Role"); got != len(cases) {
		t.Errorf("%d roles, want %d (diff and one per target)", got, len(cases))
	}
	var envs []string
	for _, r := range s.d.DeployRoles {
		envs = append(envs, r.Environment)
		if r.Role == nil || r.Policy == nil {
			t.Errorf("deploy role of %s: nil role or policy", r.Environment)
		}
	}
	if got := strings.Join(envs, ","); got != "staging,production,pre-prod" {
		t.Errorf("Delivery.DeployRoles are for %s, want the targets in order", got)
	}
}

// GIVEN an account that already has the GitHub provider WHEN its ARN is
// given THEN no provider is created and the roles trust that ARN.
func TestImportedProvider(t *testing.T) {
	f := getFixture(t)
	s := f.imported
	if n := s.count("AWS::IAM::OIDCProvider"); n != 0 {
		t.Errorf("%d providers created, want none", n)
	}
	if s.d.Provider != nil || s.d.ProviderArn == nil || *s.d.ProviderArn != existingARN {
		t.Errorf("Provider %v, ProviderArn %v; want nil and %s", s.d.Provider, s.d.ProviderArn, existingARN)
	}
	for _, c := range []struct{ path, subject string }{
		{"Delivery/DiffRole/Resource", "repo:sheigoldberg/medbookings:pull_request"},
		{"Delivery/DeployRoleStaging/Resource", "repo:sheigoldberg/medbookings:environment:staging"},
	} {
		want := trust(existingARN, c.subject)
		if got := props(s.resource(t, c.path))["AssumeRolePolicyDocument"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s trusts\n %s\nwant %s", c.path, toJSON(got), toJSON(want))
		}
	}
}

// GIVEN no provider ARN WHEN synthesized THEN one GitHub OIDC provider is
// created for the audience sts.amazonaws.com, without thumbprints (IAM
// trusts GitHub's certificate through its own CA library).
func TestOIDCProvider(t *testing.T) {
	f := getFixture(t)
	s := f.created
	want := map[string]any{
		"Url":          "https://token.actions.githubusercontent.com",
		"ClientIdList": []any{"sts.amazonaws.com"},
	}
	r := s.resource(t, "Delivery/GitHubOidcProvider/Resource")
	if r["Type"] != "AWS::IAM::OIDCProvider" || !reflect.DeepEqual(props(r), want) {
		t.Errorf("provider %s\nwant an AWS::IAM::OIDCProvider with exactly %s", toJSON(r), toJSON(want))
	}
	if n := s.count("AWS::IAM::OIDCProvider"); n != 1 {
		t.Errorf("%d providers, want 1", n)
	}
	if s.d.Provider == nil {
		t.Error("Delivery.Provider is nil")
	}
}

// bootstrapRole is the ARN of a CDK bootstrap role of the stack's account
// and region.
func bootstrapRole(kind string) string {
	return "arn:aws:iam::${AWS::AccountId}:role/cdk-hnb659fds-" + kind + "-role-${AWS::AccountId}-eu-west-1"
}

// GIVEN the construct WHEN synthesized THEN the diff role may assume only
// the CDK lookup role and read the given stacks, and each deploy role may
// assume only the bootstrap deploy, file-publishing and lookup roles, read
// the stacks' outputs and snapshot only its own target's instance (named
// exactly, from Target.InstanceIdentifier) into
// medbookings-<env>-predeploy-*; nothing else (the documents are compared
// whole), all in customer managed policies.
func TestPermissionPolicies(t *testing.T) {
	f := getFixture(t)
	s := f.created
	// One ARN per given stack (CDK sorts a statement's resources).
	var stackARNs []any
	for _, n := range slices.Sorted(slices.Values(stackNames)) {
		stackARNs = append(stackARNs, "arn:aws:cloudformation:eu-west-1:${AWS::AccountId}:stack/"+n+"/*")
	}
	diff := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{"Sid": "AssumeCdkLookupRole", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": bootstrapRole("lookup")},
			map[string]any{"Sid": "ReadMedBookingsStacks", "Effect": "Allow",
				"Action":   []any{"cloudformation:DescribeStackResources", "cloudformation:DescribeStacks", "cloudformation:GetTemplate"},
				"Resource": stackARNs},
			map[string]any{"Sid": "ListStacks", "Effect": "Allow", "Action": "cloudformation:ListStacks", "Resource": "*"},
		},
	}
	deploy := func(env, instance string) map[string]any {
		return map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{"Sid": "AssumeCdkBootstrapRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
					"Resource": []any{bootstrapRole("deploy"), bootstrapRole("file-publishing"), bootstrapRole("lookup")}},
				map[string]any{"Sid": "ReadStackOutputs", "Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": stackARNs},
				map[string]any{"Sid": "SnapshotInstance", "Effect": "Allow",
					"Action":   []any{"rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"},
					"Resource": "arn:aws:rds:eu-west-1:${AWS::AccountId}:db:" + instance},
				map[string]any{"Sid": "PreDeploySnapshots", "Effect": "Allow",
					"Action":   []any{"rds:AddTagsToResource", "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"},
					"Resource": "arn:aws:rds:eu-west-1:${AWS::AccountId}:snapshot:medbookings-" + env + "-predeploy-*"},
			},
		}
	}
	cases := []struct {
		name, policy, role string
		doc                map[string]any
	}{{"diff", "Delivery/DiffPolicy/Resource", "Delivery/DiffRole/Resource", diff}}
	for _, tg := range targets {
		title := delivery.EnvironmentTitle(tg.Environment)
		cases = append(cases, struct {
			name, policy, role string
			doc                map[string]any
		}{"deploy " + tg.Environment, "Delivery/DeployPolicy" + title + "/Resource", "Delivery/DeployRole" + title + "/Resource",
			deploy(tg.Environment, tg.InstanceIdentifier)})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := props(s.resource(t, c.policy))
			if got := flatten(p["PolicyDocument"]); !reflect.DeepEqual(got, c.doc) {
				t.Errorf("policy document\n got %s\nwant %s", toJSON(got), toJSON(c.doc))
			}
			if want := []any{map[string]any{"Ref": s.id(t, c.role)}}; !reflect.DeepEqual(p["Roles"], want) {
				t.Errorf("policy attached to %v, want %v", p["Roles"], want)
			}
		})
	}
	// The deploy role of a target names its instance in its description.
	for _, tg := range targets {
		desc, _ := props(s.resource(t, "Delivery/DeployRole"+delivery.EnvironmentTitle(tg.Environment)+"/Resource"))["Description"].(string)
		if !strings.Contains(desc, tg.InstanceIdentifier) {
			t.Errorf("deploy role of %s: description %q does not name %s", tg.Environment, desc, tg.InstanceIdentifier)
		}
	}
	// Managed, not inline: the roles carry no policy of their own, and no
	// AWS::IAM::Policy grants anything beside the documents above.
	if n := s.count("AWS::IAM::Policy"); n != 0 {
		t.Errorf("%d inline policies, want none", n)
	}
	if n := s.count("AWS::IAM::ManagedPolicy"); n != len(cases) {
		t.Errorf("%d managed policies, want %d", n, len(cases))
	}
	cdktest.Check(t, "roles without inline or AWS managed policies", func() {
		s.tpl.AllResourcesProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
			"Policies": assertions.Match_Absent(), "ManagedPolicyArns": assertions.Match_Absent(),
		})
	})
}

// The names derived from an environment: construct and output title, role
// name (within IAM's 64 characters), token subjects and snapshot prefix.
func TestEnvironmentNames(t *testing.T) {
	for env, want := range map[string][3]string{
		"staging":  {"Staging", "medbookings-github-deploy-staging", "medbookings-staging-predeploy-"},
		"pre-prod": {"PreProd", "medbookings-github-deploy-pre-prod", "medbookings-pre-prod-predeploy-"},
		"qa.2_x":   {"Qa2X", "medbookings-github-deploy-qa.2_x", "medbookings-qa.2_x-predeploy-"},
	} {
		got := [3]string{delivery.EnvironmentTitle(env), delivery.DeployRoleName(env), delivery.SnapshotPrefix(env)}
		if got != want {
			t.Errorf("%q: got %v, want %v", env, got, want)
		}
	}
	if got := delivery.PullRequestSubject(repo); got != "repo:sheigoldberg/medbookings:pull_request" {
		t.Errorf("PullRequestSubject = %s", got)
	}
	if got := delivery.EnvironmentSubject(repo, "staging"); got != "repo:sheigoldberg/medbookings:environment:staging" {
		t.Errorf("EnvironmentSubject = %s", got)
	}
	if n := len(delivery.DeployRoleName(strings.Repeat("e", delivery.MaxEnvironmentLength))); n != 64 {
		t.Errorf("the longest deploy role name has %d characters, want IAM's limit 64", n)
	}
}

// GIVEN the construct in a bare app under the cdk-nag AwsSolutions and
// HIPAA packs WHEN synthesized THEN nothing is reported, with or without
// the provider.
func TestNoComplianceFindings(t *testing.T) {
	f := getFixture(t)
	for _, s := range []*synthesized{f.created, f.imported} {
		for _, x := range s.findings {
			t.Errorf("%s: finding %s", s.name, x)
		}
	}
}

// GIVEN an account-agnostic stack WHEN the construct is synthesized with
// CDK's CloudFormation validation and the compliance packs THEN nothing is
// reported, and the ARNs take the account from AWS::AccountId.
func TestStrictValidationAccountAgnostic(t *testing.T) {
	s := synth(t, "Strict", testProps(), cdktest.AppOptions{Validation: true})
	for _, x := range s.findings {
		t.Errorf("finding: %s", x)
	}
	var lookup []string
	for id, r := range s.json["Resources"].(map[string]any) {
		doc, _ := props(r.(map[string]any))["PolicyDocument"].(map[string]any)
		statements, _ := doc["Statement"].([]any)
		for _, st := range statements {
			if st := st.(map[string]any); st["Sid"] == "AssumeCdkLookupRole" {
				lookup = append(lookup, id)
				if got := flatten(st["Resource"]); got != bootstrapRole("lookup") {
					t.Errorf("%s: lookup role %s, want %s", id, toJSON(st["Resource"]), bootstrapRole("lookup"))
				}
			}
		}
	}
	sort.Strings(lookup)
	if len(lookup) != 1 {
		t.Errorf("AssumeCdkLookupRole statements: %v, want one (the diff policy)", lookup)
	}
}

// GIVEN props without a repository, targets or stack names WHEN the
// construct is created THEN it panics and says what is required.
func TestPropsAreChecked(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*delivery.Props)
	}{
		{"no repository", func(p *delivery.Props) { p.Repository = "" }},
		{"no targets", func(p *delivery.Props) { p.Targets = nil }},
		{"no stack names", func(p *delivery.Props) { p.StackNames = nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testProps()
			c.change(p)
			stack := cdktest.BareStack(t, "Checks")
			defer func() {
				if r := recover(); fmt.Sprint(r) != "delivery: Props.Repository, Targets and StackNames are required" {
					t.Errorf("panic = %v, want the required props named", r)
				}
			}()
			delivery.NewDelivery(stack, jsii.String("Delivery"), p)
		})
	}
}
