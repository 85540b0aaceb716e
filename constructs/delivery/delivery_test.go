package delivery_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/iampolicy"
)

// The construct is built in a bare stack of a concrete account, so that
// every ARN in its policies is a plain string that iampolicy can evaluate.
const (
	account     = "123456789012"
	region      = "eu-west-1"
	repo        = "sheigoldberg/medbookings"
	zoneID      = "Z0123456789ABCDEFGHIJ"
	existingARN = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
	deliveryStk = "MedBookingsDelivery"
)

// services are what the environment stacks create (stacks.ServicesOf);
// production also writes DNS records.
var services = []string{"acm", "backup", "budgets", "cloudfront", "cloudwatch", "ec2", "events", "iam", "kms", "lambda", "logs",
	"rds", "s3", "scheduler", "secretsmanager", "sns", "ssm"}

// acmRecord is how stacks.deliveryTarget names ACM's validation record of
// a host: _<32 hex digits>.<host>.
func acmRecord(host string) string { return "_" + strings.Repeat("?", 32) + "." + host }

// target is an environment as stacks.deliveryTarget builds it.
func target(env, title, qualifier string) delivery.Target {
	return delivery.Target{
		Environment: env,
		Qualifier:   qualifier,
		Stacks: []delivery.Stack{
			{Name: "MedBookingsEdge-" + title, Region: "us-east-1"},
			{Name: "MedBookingsInfraStack-" + title, Region: region},
		},
		InstanceIdentifier: "medbookings-" + env,
		Prefix:             "medbookings-" + env,
		UploadsBucket:      "medbookings-uploads-" + env,
		AlarmPrefix:        "MedBookings-" + title,
		BuildSecret:        "medbookings/" + env + "/build",
		SecretPrefix:       "medbookings/" + env + "/",
		Services:           slices.Clone(services),
	}
}

func testProps() delivery.Props {
	staging := target("staging", "Staging", "mbstaging")
	production := target("production", "Production", "mbprod")
	production.Protected = true
	production.HostedZoneID = zoneID
	production.Services = append(production.Services, "route53")
	slices.Sort(production.Services)
	production.RecordNames = []string{
		acmRecord("medbookings.co.za"), "_dmarc.medbookings.co.za", acmRecord("www.medbookings.co.za"),
		"medbookings.co.za", "s1._domainkey.medbookings.co.za", "www.medbookings.co.za",
	}
	return delivery.Props{Repository: repo, Targets: []delivery.Target{staging, production}, StackName: deliveryStk}
}

// synthesized is one stack holding the construct, synthesized under the
// compliance packs.
type synthesized struct {
	name     string
	d        *delivery.Delivery
	json     map[string]any
	findings []compliance.Finding
}

func synth(t testing.TB, name string, props delivery.Props) *synthesized {
	t.Helper()
	s := &synthesized{name: name}
	app := cdktest.NewApp(t, cdktest.AppOptions{})
	cdktest.Must(t, func() {
		stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
		})
		s.d = delivery.New(stack, "Delivery", props)
		compliance.AddPacks(app, false)
		asm := app.Synth(nil)
		s.findings = compliance.Findings(asm)
		raw, err := os.ReadFile(*asm.GetStackArtifact(stack.ArtifactId()).TemplateFullPath())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(raw, &s.json); err != nil {
			panic(err)
		}
	})
	return s
}

// fixture: the construct creating the account's provider, and the one
// given an existing provider.
type fixture struct{ created, imported *synthesized }

var (
	fixOnce sync.Once
	fix     *fixture
)

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		imported := testProps()
		imported.OIDCProviderARN = existingARN
		fix = &fixture{created: synth(t, deliveryStk, testProps()), imported: synth(t, "Imported", imported)}
	})
	if fix == nil {
		t.Fatal("the fixture failed to build (see the first test that used it)")
	}
	return fix
}

func (s *synthesized) resources() map[string]any { return s.json["Resources"].(map[string]any) }

func (s *synthesized) count(typ string) int {
	n := 0
	for _, r := range s.resources() {
		if r.(map[string]any)["Type"] == typ {
			n++
		}
	}
	return n
}

var env = iampolicy.Env{Account: account, Region: region}

// policy is the policy document of the managed policy at path, resolved
// and parsed.
func (s *synthesized) policy(t *testing.T, path string) *iampolicy.Policy {
	t.Helper()
	id := s.id(t, path)
	p, err := iampolicy.ResolveAndParse(id, props(s.resources()[id].(map[string]any))["PolicyDocument"], env)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// identity is every policy that applies to the role at path: managed and
// inline policies naming it, and its own inline policies. A managed policy
// ARN on the role (an AWS managed policy) cannot be evaluated and fails.
func (s *synthesized) identity(t *testing.T, rolePath string) []*iampolicy.Policy {
	t.Helper()
	roleID := s.id(t, rolePath)
	role := props(s.resources()[roleID].(map[string]any))
	if arns, ok := role["ManagedPolicyArns"]; ok {
		t.Fatalf("%s has managed policy ARNs %v, which this test cannot evaluate", roleID, arns)
	}
	var out []*iampolicy.Policy
	if inline, ok := role["Policies"].([]any); ok {
		for i, p := range inline {
			doc := p.(map[string]any)["PolicyDocument"]
			pol, err := iampolicy.ResolveAndParse(fmt.Sprintf("%s.Policies[%d]", roleID, i), doc, env)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, pol)
		}
	}
	ref := map[string]any{"Ref": roleID}
	for _, id := range slices.Sorted(maps.Keys(s.resources())) {
		r := s.resources()[id].(map[string]any)
		if r["Type"] != "AWS::IAM::ManagedPolicy" && r["Type"] != "AWS::IAM::Policy" {
			continue
		}
		roles, _ := props(r)["Roles"].([]any)
		if slices.ContainsFunc(roles, func(x any) bool { return reflect.DeepEqual(x, ref) }) {
			pol, err := iampolicy.ResolveAndParse(id, props(r)["PolicyDocument"], env)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, pol)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no policy applies to %s", roleID)
	}
	return out
}

// outcome is what a check expects: Allowed, Denied (implicitly or
// explicitly: what matters is that it is not allowed), or ExplicitDeny (a
// Deny statement must catch it, whatever the allows say).
type outcome int

const (
	allowed outcome = iota
	denied
	explicit
)

func (o outcome) String() string { return [...]string{"Allowed", "Denied", "ExplicitDeny"}[o] }

// check is one request and what must come of it.
type check struct {
	action, resource string
	ctx              map[string][]string
	want             outcome
	// sid, if set, is the statement that must decide.
	sid string
}

// run evaluates every check against set, one subtest each.
func run(t *testing.T, set iampolicy.Set, checks []check) {
	t.Helper()
	for _, c := range checks {
		name := c.want.String() + " " + c.action + " " + strings.NewReplacer("arn:aws:", "", ":"+account+":", "::").Replace(c.resource)
		if len(c.ctx) > 0 {
			name += " " + toJSON(c.ctx)
		}
		t.Run(name, func(t *testing.T) {
			r, err := set.Evaluate(iampolicy.Request{Action: c.action, Resource: c.resource, Context: c.ctx})
			if err != nil {
				t.Fatal(err)
			}
			ok := false
			switch c.want {
			case allowed:
				ok = r.Decision == iampolicy.Allowed
			case denied:
				ok = r.Decision != iampolicy.Allowed
			case explicit:
				ok = r.Decision == iampolicy.ExplicitDeny
			}
			if ok && c.sid != "" && r.Sid != c.sid {
				ok = false
			}
			switch {
			case !ok && c.sid != "":
				t.Errorf("got %s; want %s by %s", r, c.want, c.sid)
			case !ok:
				t.Errorf("got %s; want %s", r, c.want)
			}
		})
	}
}

// ctx merges key/value pairs into a request context.
func ctx(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

func tagged(env string) map[string][]string { return ctx("aws:ResourceTag/Environment", env) }

func arn(service, region, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}

func iamARN(resource string) string { return "arn:aws:iam::" + account + ":" + resource }

func stackARN(region, name string) string {
	return arn("cloudformation", region, "stack/"+name+"/0f6a1a50-1d2b-11f0-9e0c-0a1b2c3d4e5f")
}

func bootstrapRole(qualifier, kind, region string) string {
	return iamARN("role/cdk-" + qualifier + "-" + kind + "-role-" + account + "-" + region)
}

func boundaryARN(env string) string { return iamARN("policy/" + delivery.BoundaryPolicyName(env)) }

// GIVEN the construct under the AwsSolutions, HIPAA and NIST packs WHEN
// synthesized (with the provider created or imported) THEN nothing is
// reported.
func TestNoComplianceFindings(t *testing.T) {
	f := getFixture(t)
	for _, s := range []*synthesized{f.created, f.imported} {
		for _, x := range s.findings {
			t.Errorf("%s: finding %s", s.name, x)
		}
	}
}

// GIVEN the synthesized construct THEN every suppression has a reason; the
// IAM5 suppressions of the diff and deploy policies name exactly the
// findings their wildcards cause (appliesTo), so a new wildcard there is
// reported; only the execution policies and boundaries suppress IAM5 as a
// whole.
func TestSuppressions(t *testing.T) {
	s := getFixture(t).created
	exact := map[string]bool{s.id(t, "Delivery/DiffPolicy/Resource"): true}
	blanket := map[string]bool{}
	for _, e := range []string{"Staging", "Production"} {
		exact[s.id(t, "Delivery/DeployPolicy"+e+"/Resource")] = true
		blanket[s.id(t, "Delivery/ExecutionPolicy"+e+"/Resource")] = true
		blanket[s.id(t, "Delivery/Boundary"+e+"/Resource")] = true
	}
	seenExact := map[string]bool{}
	for id, r := range s.resources() {
		md, _ := r.(map[string]any)["Metadata"].(map[string]any)
		nag, _ := md["cdk_nag"].(map[string]any)
		rules, _ := nag["rules_to_suppress"].([]any)
		for _, x := range rules {
			rule := x.(map[string]any)
			ruleID, _ := rule["id"].(string)
			reason, _ := rule["reason"].(string)
			if ruleID == "" || len(strings.TrimSpace(reason)) < 40 {
				t.Errorf("%s: suppression %s without a reason a reviewer could check: %q", id, ruleID, reason)
			}
			if ruleID != "AwsSolutions-IAM5" {
				continue
			}
			appliesTo, has := rule["applies_to"].([]any)
			switch {
			case exact[id]:
				seenExact[id] = true
				var got []string
				for _, a := range appliesTo {
					got = append(got, a.(string))
				}
				exactAppliesTo(t, id, got, wildcardFindings(t, s, id))
			case blanket[id]:
				if has {
					t.Errorf("%s: IAM5 applies to %v; the test expects the whole rule suppressed here", id, appliesTo)
				}
			default:
				t.Errorf("%s: unexpected IAM5 suppression %v", id, rule)
			}
		}
	}
	for id := range exact {
		if !seenExact[id] {
			t.Errorf("%s: no IAM5 suppression (its stack ARNs end in *)", id)
		}
	}
}

// exactAppliesTo checks that the IAM5 suppression of policy id applies to
// exactly its findings. An entry without a * can never be a finding
// (cdk-nag's IAMNoWildcardPermissions reports only *): it would suppress
// nothing, and is an error too.
func exactAppliesTo(t *testing.T, id string, got, findings []string) {
	t.Helper()
	t.Run(id+" appliesTo", func(t *testing.T) {
		var missing, spare, never []string
		for _, f := range findings {
			if !slices.Contains(got, f) {
				missing = append(missing, f)
			}
		}
		for _, g := range got {
			switch {
			case slices.Contains(findings, g):
			case !strings.Contains(g, "*"):
				never = append(never, g)
			default:
				spare = append(spare, g)
			}
		}
		if len(missing) > 0 || len(spare) > 0 {
			t.Errorf("IAM5 applies to %v\nwant exactly its wildcard findings %v\n(missing %v, spare %v)", got, findings, missing, spare)
		}
		if len(never) > 0 {
			t.Errorf("IAM5 applies to resources without *, which cdk-nag never reports: %v", never)
		}
	})
}

// wildcardFindings are the IAM5 findings cdk-nag reports for the policy
// id: every resource and action with a * in an Allow statement, as cdk-nag
// writes them.
func wildcardFindings(t *testing.T, s *synthesized, id string) []string {
	t.Helper()
	doc, err := iampolicy.Resolve(props(s.resources()[id].(map[string]any))["PolicyDocument"], env)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, st := range doc.(map[string]any)["Statement"].([]any) {
		if st.(map[string]any)["Effect"] != "Allow" {
			continue
		}
		for _, k := range []string{"Action", "Resource"} {
			var list []any
			switch v := st.(map[string]any)[k].(type) {
			case string:
				list = []any{v}
			case []any:
				list = v
			}
			for _, e := range list {
				if strings.Contains(e.(string), "*") {
					out = append(out, k+"::"+e.(string))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// GIVEN no provider ARN THEN one GitHub OIDC provider is created for the
// audience sts.amazonaws.com, without thumbprints; GIVEN an existing
// provider's ARN THEN none is created and the roles trust that ARN.
func TestOIDCProvider(t *testing.T) {
	f := getFixture(t)
	s := f.created
	want := map[string]any{"Url": "https://token.actions.githubusercontent.com", "ClientIdList": []any{"sts.amazonaws.com"}}
	r := s.resource(t, "Delivery/GitHubOidcProvider/Resource")
	if r["Type"] != "AWS::IAM::OIDCProvider" || !reflect.DeepEqual(props(r), want) {
		t.Errorf("provider %s\nwant an AWS::IAM::OIDCProvider with exactly %s", toJSON(r), toJSON(want))
	}
	if n := s.count("AWS::IAM::OIDCProvider"); n != 1 {
		t.Errorf("%d providers, want 1", n)
	}
	if s.d.Provider == nil || s.d.ProviderARN == nil {
		t.Error("Delivery.Provider or ProviderARN is nil")
	}
	i := f.imported
	if n := i.count("AWS::IAM::OIDCProvider"); n != 0 {
		t.Errorf("imported: %d providers created, want none", n)
	}
	if i.d.Provider != nil || i.d.ProviderARN == nil || *i.d.ProviderARN != existingARN {
		t.Errorf("imported: Provider %v, ProviderARN %v; want nil and %s", i.d.Provider, i.d.ProviderARN, existingARN)
	}
}

// trust is the trust policy of a role assumed with a GitHub token of one
// sub claim through the provider federated.
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

// GIVEN the construct THEN each role trusts exactly the provider, the
// audience and one sub claim (pull requests for the diff role, its own
// GitHub environment for each deploy role), has its fixed name, and a
// deploy session may last 2 hours (the diff role keeps IAM's default).
func TestTrustPolicies(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		s        *synthesized
		provider any
	}{
		{f.created, map[string]any{"Ref": f.created.id(t, "Delivery/GitHubOidcProvider/Resource")}},
		{f.imported, existingARN},
	} {
		s := c.s
		type role struct {
			path, name, subject string
			maxSession          any
		}
		roles := []role{{"Delivery/DiffRole/Resource", "medbookings-github-diff", "repo:sheigoldberg/medbookings:pull_request", nil}}
		for _, e := range []struct{ env, title string }{{"staging", "Staging"}, {"production", "Production"}} {
			roles = append(roles, role{"Delivery/DeployRole" + e.title + "/Resource", "medbookings-github-deploy-" + e.env,
				"repo:sheigoldberg/medbookings:environment:" + e.env, 7200.0})
		}
		for _, r := range roles {
			p := props(s.resource(t, r.path))
			if p["RoleName"] != r.name || p["MaxSessionDuration"] != r.maxSession {
				t.Errorf("%s %s: RoleName %v, MaxSessionDuration %v; want %s, %v", s.name, r.path, p["RoleName"], p["MaxSessionDuration"], r.name, r.maxSession)
			}
			if want := trust(c.provider, r.subject); !reflect.DeepEqual(p["AssumeRolePolicyDocument"], want) {
				t.Errorf("%s %s trusts\n %s\nwant %s", s.name, r.path, toJSON(p["AssumeRolePolicyDocument"]), toJSON(want))
			}
			if _, ok := p["PermissionsBoundary"]; ok {
				t.Errorf("%s %s has a permissions boundary", s.name, r.path)
			}
		}
		if n := s.count("AWS::IAM::Role"); n != len(roles) {
			t.Errorf("%s: %d roles, want %d", s.name, n, len(roles))
		}
	}
	if delivery.DeployMaxSessionHours != 2 {
		t.Errorf("DeployMaxSessionHours = %d", delivery.DeployMaxSessionHours)
	}
	var envs []string
	for _, e := range f.created.d.Environments {
		envs = append(envs, e.Environment)
		if e.Role == nil || e.Policy == nil || e.Execution == nil || e.Boundary == nil {
			t.Errorf("%s: a nil role or policy in %+v", e.Environment, e)
		}
	}
	if got := strings.Join(envs, ","); got != "staging,production" {
		t.Errorf("Delivery.Environments are %s, want the targets in order", got)
	}
}

// The stacks the workflows diff: both environments' and the delivery stack.
var allStacks = [][2]string{
	{"us-east-1", "MedBookingsEdge-Staging"}, {region, "MedBookingsInfraStack-Staging"},
	{"us-east-1", "MedBookingsEdge-Production"}, {region, "MedBookingsInfraStack-Production"},
	{region, deliveryStk},
}

// GIVEN the diff role WHEN its permissions are evaluated THEN it can read
// the five stacks' templates and nothing else:
// no other stack, no change, no logs, objects, secrets or lookup role.
func TestDiffRole(t *testing.T) {
	s := getFixture(t).created
	identity := s.identity(t, "Delivery/DiffRole/Resource")
	if len(identity) != 1 {
		t.Errorf("%d policies on the diff role, want its one managed policy", len(identity))
	}
	// Structurally: three actions, no NotAction, no Deny.
	var actions []string
	for _, p := range identity {
		for _, st := range p.Statements {
			if st.Deny || st.NotActions != nil || st.NotResources != nil {
				t.Errorf("%s/%s: a Deny, NotAction or NotResource in the diff policy", p.Name, st.Sid)
			}
			actions = append(actions, st.Actions...)
		}
	}
	slices.Sort(actions)
	if want := []string{"cloudformation:DescribeStacks", "cloudformation:GetTemplate"}; !slices.Equal(actions, want) {
		t.Errorf("diff policy actions %v, want exactly %v", actions, want)
	}
	var checks []check
	for _, st := range allStacks {
		checks = append(checks,
			check{action: "cloudformation:DescribeStacks", resource: stackARN(st[0], st[1]), want: allowed},
			check{action: "cloudformation:GetTemplate", resource: stackARN(st[0], st[1]), want: allowed},
			check{action: "cloudformation:UpdateStack", resource: stackARN(st[0], st[1]), want: denied},
			check{action: "cloudformation:CreateChangeSet", resource: stackARN(st[0], st[1]), want: denied},
		)
	}
	for _, q := range []string{"mbstaging", "mbprod"} {
		for _, r := range []string{"us-east-1", region} {
			checks = append(checks,
				check{action: "ssm:GetParameter", resource: arn("ssm", r, "parameter/cdk-bootstrap/"+q+"/version"), want: denied},
				check{action: "sts:AssumeRole", resource: bootstrapRole(q, "lookup", r), want: denied},
				check{action: "sts:AssumeRole", resource: bootstrapRole(q, "deploy", r), want: denied},
			)
		}
	}
	checks = append(checks,
		check{action: "sts:AssumeRole", resource: bootstrapRole("hnb659fds", "lookup", region), want: denied},
		check{action: "cloudformation:DescribeStacks", resource: stackARN(region, "SomeOtherStack"), want: denied},
		check{action: "cloudformation:GetTemplate", resource: stackARN(region, "CDKToolkit"), want: denied},
		// the right name in the wrong region is another stack
		check{action: "cloudformation:GetTemplate", resource: stackARN("us-east-1", "MedBookingsInfraStack-Staging"), want: denied},
		check{action: "cloudformation:ListStacks", resource: "*", want: denied},
		check{action: "ssm:GetParameter", resource: arn("ssm", region, "parameter/cdk-bootstrap/mbstaging/other"), want: denied},
		check{action: "ssm:GetParameter", resource: arn("ssm", region, "parameter/medbookings/staging/anything"), want: denied},
		check{action: "ssm:GetParameters", resource: arn("ssm", region, "parameter/cdk-bootstrap/mbstaging/version"), want: denied},
		check{action: "logs:FilterLogEvents", resource: arn("logs", region, "log-group:/aws/lambda/medbookings-staging-server:*"), want: denied},
		check{action: "logs:GetLogEvents", resource: arn("logs", region, "log-group:/aws/lambda/medbookings-production-server:log-stream:x"), want: denied},
		check{action: "s3:GetObject", resource: "arn:aws:s3:::medbookings-uploads-production/patient.pdf", want: denied},
		check{action: "s3:GetObject", resource: "arn:aws:s3:::cdk-mbstaging-assets-123456789012-eu-west-1/x.zip", want: denied},
		check{action: "s3:ListBucket", resource: "arn:aws:s3:::medbookings-uploads-staging", want: denied},
		check{action: "secretsmanager:GetSecretValue", resource: arn("secretsmanager", region, "secret:medbookings/staging/build-AbCdEf"), want: denied},
		check{action: "secretsmanager:GetSecretValue", resource: arn("secretsmanager", region, "secret:medbookings/production/app-AbCdEf"), want: denied},
		check{action: "kms:Decrypt", resource: arn("kms", region, "key/1234abcd-12ab-34cd-56ef-1234567890ab"), want: denied},
		check{action: "rds:CreateDBSnapshot", resource: arn("rds", region, "db:medbookings-staging"), want: denied},
		check{action: "iam:PassRole", resource: iamARN("role/medbookings/staging/x"), want: denied},
	)
	run(t, iampolicy.Set{Identity: identity}, checks)
}

// GIVEN each deploy role WHEN its permissions are evaluated THEN it can
// assume only its own qualifier's deploy and file-publishing roles (in
// both regions), read its stacks' outputs and its build secret (through
// Secrets Manager), notify its own stack's topic and snapshot its own
// instance; nothing of the other environment, no other bootstrap role.
func TestDeployRoles(t *testing.T) {
	s := getFixture(t).created
	type envSpec struct{ env, title, q, other, otherTitle, otherQ string }
	for _, e := range []envSpec{
		{"staging", "Staging", "mbstaging", "production", "Production", "mbprod"},
		{"production", "Production", "mbprod", "staging", "Staging", "mbstaging"},
	} {
		t.Run(e.env, func(t *testing.T) {
			identity := s.identity(t, "Delivery/DeployRole"+e.title+"/Resource")
			if len(identity) != 1 {
				t.Errorf("%d policies on the deploy role, want its one managed policy", len(identity))
			}
			buildSecret := arn("secretsmanager", region, "secret:medbookings/"+e.env+"/build-AbC123")
			otherSecret := arn("secretsmanager", region, "secret:medbookings/"+e.other+"/build-AbC123")
			key := arn("kms", region, "key/1234abcd-12ab-34cd-56ef-1234567890ab")
			viaSM := "secretsmanager." + region + ".amazonaws.com"
			topic := arn("sns", region, "MedBookingsInfraStack-"+e.title+"-MonitoringAlertTopicB48B06C2-Xy12Ab34")
			var checks []check
			for _, r := range []string{"us-east-1", region} {
				checks = append(checks,
					check{action: "sts:AssumeRole", resource: bootstrapRole(e.q, "deploy", r), want: allowed, sid: "AssumeOwnBootstrapRoles"},
					check{action: "sts:AssumeRole", resource: bootstrapRole(e.q, "file-publishing", r), want: allowed, sid: "AssumeOwnBootstrapRoles"},
					check{action: "sts:TagSession", resource: bootstrapRole(e.q, "deploy", r), want: allowed},
					check{action: "sts:AssumeRole", resource: bootstrapRole(e.q, "cfn-exec", r), want: denied},
					check{action: "sts:AssumeRole", resource: bootstrapRole(e.q, "lookup", r), want: denied},
					check{action: "sts:AssumeRole", resource: bootstrapRole(e.q, "image-publishing", r), want: denied},
					check{action: "sts:AssumeRole", resource: bootstrapRole(e.otherQ, "deploy", r), want: denied},
					check{action: "sts:AssumeRole", resource: bootstrapRole(e.otherQ, "file-publishing", r), want: denied},
					check{action: "sts:AssumeRole", resource: bootstrapRole("hnb659fds", "deploy", r), want: denied},
				)
			}
			checks = append(checks,
				// a region the environment has no stack in
				check{action: "sts:AssumeRole", resource: bootstrapRole(e.q, "deploy", "eu-central-1"), want: denied},
				check{action: "sts:AssumeRole", resource: iamARN("role/" + delivery.DeployRoleName(e.other)), want: denied},
				check{action: "cloudformation:DescribeStacks", resource: stackARN(region, "MedBookingsInfraStack-"+e.title), want: allowed},
				check{action: "cloudformation:DescribeStacks", resource: stackARN("us-east-1", "MedBookingsEdge-"+e.title), want: allowed},
				check{action: "cloudformation:DescribeStacks", resource: stackARN(region, "MedBookingsInfraStack-"+e.otherTitle), want: denied},
				check{action: "cloudformation:UpdateStack", resource: stackARN(region, "MedBookingsInfraStack-"+e.title), want: denied},
				check{action: "secretsmanager:GetSecretValue", resource: buildSecret, want: allowed, sid: "ReadBuildSecret"},
				check{action: "secretsmanager:GetSecretValue", resource: otherSecret, want: denied},
				check{action: "secretsmanager:GetSecretValue", resource: arn("secretsmanager", region, "secret:medbookings/"+e.env+"/cron-AbC123"), want: denied},
				check{action: "secretsmanager:PutSecretValue", resource: buildSecret, want: denied},
				check{action: "kms:Decrypt", resource: key, want: allowed, sid: "DecryptBuildSecret",
					ctx: ctx("kms:ViaService", viaSM, "kms:EncryptionContext:SecretARN", buildSecret)},
				check{action: "kms:Decrypt", resource: key, want: denied,
					ctx: ctx("kms:ViaService", viaSM, "kms:EncryptionContext:SecretARN", otherSecret)},
				check{action: "kms:Decrypt", resource: key, want: denied, ctx: ctx("kms:EncryptionContext:SecretARN", buildSecret)},
				check{action: "kms:Decrypt", resource: key, want: denied},
				check{action: "kms:Decrypt", resource: key, want: denied,
					ctx: ctx("kms:ViaService", "s3."+region+".amazonaws.com", "kms:EncryptionContext:SecretARN", buildSecret)},
				check{action: "sns:Publish", resource: topic, want: allowed, sid: "NotifyDeployments"},
				check{action: "sns:Publish", resource: arn("sns", region, "MedBookingsInfraStack-"+e.otherTitle+"-MonitoringAlertTopicB48B06C2-Xy12Ab34"), want: denied},
				check{action: "sns:Publish", resource: arn("sns", "us-east-1", "MedBookingsEdge-"+e.title+"-Topic-Xy12"), want: denied},
				check{action: "sns:Subscribe", resource: topic, want: denied},
				check{action: "kms:GenerateDataKey", resource: key, want: allowed, ctx: ctx("kms:ViaService", "sns."+region+".amazonaws.com")},
				check{action: "kms:GenerateDataKey", resource: key, want: denied},
				check{action: "rds:CreateDBSnapshot", resource: arn("rds", region, "db:medbookings-"+e.env), want: allowed, sid: "SnapshotInstance"},
				check{action: "rds:CreateDBSnapshot", resource: arn("rds", region, "snapshot:medbookings-"+e.env+"-predeploy-3a654b5"), want: allowed},
				check{action: "rds:AddTagsToResource", resource: arn("rds", region, "snapshot:medbookings-"+e.env+"-predeploy-3a654b5"), want: allowed},
				check{action: "rds:DescribeDBSnapshots", resource: arn("rds", region, "snapshot:medbookings-"+e.env+"-predeploy-3a654b5"), want: allowed},
				check{action: "rds:CreateDBSnapshot", resource: arn("rds", region, "db:medbookings-"+e.other), want: denied},
				check{action: "rds:CreateDBSnapshot", resource: arn("rds", region, "snapshot:medbookings-"+e.other+"-predeploy-3a654b5"), want: denied},
				check{action: "rds:CreateDBSnapshot", resource: arn("rds", region, "db:medbookings-"+e.env+"-copy"), want: denied},
				check{action: "rds:DeleteDBSnapshot", resource: arn("rds", region, "snapshot:medbookings-"+e.env+"-predeploy-3a654b5"), want: denied},
				check{action: "rds:AddTagsToResource", resource: arn("rds", region, "db:medbookings-"+e.env), want: denied},
				check{action: "rds:DeleteDBInstance", resource: arn("rds", region, "db:medbookings-"+e.env), want: denied},
				check{action: "iam:PassRole", resource: bootstrapRole(e.q, "cfn-exec", region), want: denied},
				check{action: "s3:PutObject", resource: "arn:aws:s3:::cdk-" + e.q + "-assets-123456789012-eu-west-1/x.zip", want: denied},
			)
			run(t, iampolicy.Set{Identity: identity}, checks)
		})
	}
}

// environment is one target's CloudFormation execution policy and
// boundary, evaluated together as its cfn-exec role would be.
func (s *synthesized) execution(t *testing.T, title string) iampolicy.Set {
	t.Helper()
	return iampolicy.Set{
		Identity:   []*iampolicy.Policy{s.policy(t, "Delivery/ExecutionPolicy"+title+"/Resource")},
		Boundaries: []*iampolicy.Policy{s.policy(t, "Delivery/Boundary"+title+"/Resource")},
	}
}

// GIVEN staging's execution policy and boundary, as CloudFormation's
// execution role of the mbstaging bootstrap has them, and request contexts
// that carry the resource's Environment tag where the service supports tags
// WHEN a staging deployment's calls are evaluated THEN it can manage its own
// resources (roles only below its path and with its boundary) and nothing
// of production, the delivery stack, the bootstrap stacks or the boundary.
func TestStagingExecutionRole(t *testing.T) {
	s := getFixture(t).created
	set := s.execution(t, "Staging")
	pb := ctx("iam:PermissionsBoundary", boundaryARN("staging"))
	withPB := func(extra ...string) map[string][]string {
		m := ctx(extra...)
		m["iam:PermissionsBoundary"] = pb["iam:PermissionsBoundary"]
		return m
	}
	fnStaging := arn("lambda", region, "function:medbookings-staging-server")
	checks := []check{
		// its own resources
		{action: "ec2:CreateVpc", resource: arn("ec2", region, "vpc/*"), ctx: ctx("aws:RequestTag/Environment", "staging"), want: allowed, sid: "TaggedServices"},
		{action: "ec2:CreateTags", resource: arn("ec2", region, "vpc/vpc-0a1b2c3d"), ctx: ctx("aws:RequestTag/Environment", "staging"), want: allowed},
		{action: "ec2:AuthorizeSecurityGroupIngress", resource: arn("ec2", region, "security-group/sg-0a1b"), ctx: tagged("staging"), want: allowed},
		{action: "lambda:UpdateFunctionCode", resource: fnStaging, ctx: tagged("staging"), want: allowed},
		{action: "lambda:CreateFunction", resource: arn("lambda", region, "function:medbookings-staging-cron"), ctx: ctx("aws:RequestTag/Environment", "staging"), want: allowed},
		{action: "lambda:InvokeFunction", resource: arn("lambda", region, "function:medbookings-staging-migrate"), ctx: tagged("staging"), want: allowed},
		{action: "s3:PutObject", resource: "arn:aws:s3:::medbookings-staging-assets-123456789012/_next/static/x.js", want: allowed, sid: "OwnBuckets"},
		{action: "s3:CreateBucket", resource: "arn:aws:s3:::medbookings-staging-cdn-logs-123456789012", want: allowed},
		{action: "s3:PutBucketPolicy", resource: "arn:aws:s3:::medbookings-uploads-staging", want: allowed},
		{action: "s3:GetObject", resource: "arn:aws:s3:::cdk-mbstaging-assets-123456789012-eu-west-1/0a1b.zip", want: allowed, sid: "ReadAssets"},
		{action: "s3:GetObject", resource: "arn:aws:s3:::cdk-mbstaging-assets-123456789012-us-east-1/0a1b.zip", want: allowed},
		{action: "secretsmanager:CreateSecret", resource: arn("secretsmanager", region, "secret:medbookings/staging/cron-AbC123"), ctx: ctx("aws:RequestTag/Environment", "staging"), want: allowed},
		{action: "kms:CreateKey", resource: "*", ctx: ctx("aws:RequestTag/Environment", "staging"), want: allowed},
		{action: "rds:DeleteDBInstance", resource: arn("rds", region, "db:medbookings-staging"), ctx: tagged("staging"), want: allowed},
		{action: "s3:DeleteBucket", resource: "arn:aws:s3:::medbookings-uploads-staging", want: allowed},
		{action: "logs:CreateLogGroup", resource: arn("logs", region, "log-group:/aws/lambda/medbookings-staging-server"), want: allowed, sid: "OwnLogGroups"},
		{action: "logs:PutRetentionPolicy", resource: arn("logs", region, "log-group:/medbookings/staging/vpc-flow-logs:*"), want: allowed},
		{action: "logs:DeleteLogGroup", resource: arn("logs", region, "log-group:/aws/rds/instance/medbookings-staging/postgresql"), want: allowed},
		{action: "cloudwatch:PutMetricAlarm", resource: arn("cloudwatch", region, "alarm:MedBookings-Staging-ErrorRate"), want: allowed},
		{action: "cloudwatch:PutDashboard", resource: "arn:aws:cloudwatch::123456789012:dashboard/MedBookings-Staging", want: allowed},
		{action: "budgets:ModifyBudget", resource: "arn:aws:budgets::123456789012:budget/MedBookings-Staging-Monthly", want: allowed},
		{action: "scheduler:CreateSchedule", resource: arn("scheduler", region, "schedule/default/medbookings-staging-stop-1"), want: allowed},
		{action: "ssm:GetParameters", resource: arn("ssm", region, "parameter/cdk-bootstrap/mbstaging/version"), want: allowed},
		{action: "cloudformation:DescribeStacks", resource: stackARN("us-east-1", "MedBookingsEdge-Staging"), want: allowed, sid: "ReadOwnStacks"},
		{action: "cloudformation:DescribeStacks", resource: stackARN(region, "MedBookingsInfraStack-Staging"), want: allowed},
		{action: "iam:CreateRole", resource: iamARN("role/medbookings/staging/MedBookingsInfraStack-Staging-HostingServerRole-AbC"), ctx: withPB("aws:RequestTag/Environment", "staging"), want: allowed, sid: "OwnRolesWithBoundary"},
		{action: "iam:PutRolePolicy", resource: iamARN("role/medbookings/staging/x"), ctx: pb, want: allowed},
		{action: "iam:AttachRolePolicy", resource: iamARN("role/medbookings/staging/x"), ctx: withPB("iam:PolicyARN", iamARN("policy/medbookings/staging/p")), want: allowed},
		{action: "iam:PassRole", resource: iamARN("role/medbookings/staging/x"), ctx: ctx("iam:PassedToService", "lambda.amazonaws.com"), want: allowed},
		{action: "iam:DeleteRole", resource: iamARN("role/medbookings/staging/x"), want: allowed},
		{action: "iam:CreatePolicy", resource: iamARN("policy/medbookings/staging/HostingServerPolicy-AbC"), want: allowed},
		{action: "iam:CreateInstanceProfile", resource: iamARN("instance-profile/medbookings/staging/ip"), want: allowed},
		{action: "iam:CreateServiceLinkedRole", resource: iamARN("role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"), ctx: ctx("iam:AWSServiceName", "rds.amazonaws.com"), want: allowed},
		// no SSM parameters: ServiceOf refuses AWS::SSM::Parameter, so a stack
		// that adds one fails the tests before it fails a deployment
		{action: "ssm:PutParameter", resource: arn("ssm", region, "parameter/medbookings/staging/x"), ctx: ctx("aws:RequestTag/Environment", "staging"), want: denied},
		// a service the stacks do not use, and route53 (staging has no zone)
		{action: "dynamodb:CreateTable", resource: arn("dynamodb", region, "table/medbookings-staging-x"), ctx: ctx("aws:RequestTag/Environment", "staging"), want: denied},
		{action: "route53:ChangeResourceRecordSets", resource: "arn:aws:route53:::hostedzone/" + zoneID, want: denied},
		{action: "iam:CreateServiceLinkedRole", resource: iamARN("role/aws-service-role/ec2.amazonaws.com/x"), ctx: ctx("iam:AWSServiceName", "elasticmapreduce.amazonaws.com"), want: denied},
		// roles: only with this boundary, only below the path
		{action: "iam:CreateRole", resource: iamARN("role/medbookings/staging/x"), want: explicit, sid: "DenyRolesWithoutThisBoundary"},
		{action: "iam:CreateRole", resource: iamARN("role/medbookings/staging/x"), ctx: ctx("iam:PermissionsBoundary", boundaryARN("production")), want: explicit, sid: "DenyRolesWithoutThisBoundary"},
		{action: "iam:CreateRole", resource: iamARN("role/medbookings/staging/x"), ctx: ctx("iam:PermissionsBoundary", iamARN("policy/medbookings-staging-boundary-v2")), want: explicit},
		{action: "iam:CreateRole", resource: iamARN("role/other/x"), ctx: pb, want: denied},
		{action: "iam:CreateRole", resource: iamARN("role/x"), ctx: pb, want: denied},
		{action: "iam:PutRolePermissionsBoundary", resource: iamARN("role/medbookings/staging/x"), ctx: ctx("iam:PermissionsBoundary", iamARN("policy/AdministratorAccess")), want: explicit},
		// a role without the boundary (the request carries no iam:PermissionsBoundary)
		{action: "iam:AttachRolePolicy", resource: iamARN("role/Admin"), ctx: ctx("iam:PolicyARN", "arn:aws:iam::aws:policy/AdministratorAccess"), want: explicit, sid: "DenyRolesWithoutThisBoundary"},
		{action: "iam:PutRolePolicy", resource: iamARN("role/medbookings/staging/unbounded"), want: explicit, sid: "DenyRolesWithoutThisBoundary"},
		{action: "iam:DeleteRolePermissionsBoundary", resource: iamARN("role/medbookings/staging/x"), ctx: pb, want: explicit, sid: "DenyLiftingBoundaries"},
		{action: "iam:CreatePolicy", resource: iamARN("policy/other"), want: denied},
		{action: "iam:CreateUser", resource: iamARN("user/medbookings/staging/u"), ctx: pb, want: explicit, sid: "DenyUsersGroupsAndKeys"},
		{action: "iam:CreateAccessKey", resource: iamARN("user/admin"), want: explicit, sid: "DenyUsersGroupsAndKeys"},
		{action: "iam:CreateLoginProfile", resource: iamARN("user/admin"), want: explicit},
		{action: "iam:CreateOpenIDConnectProvider", resource: iamARN("oidc-provider/evil.example.com"), want: explicit},
		{action: "iam:PassRole", resource: iamARN("role/Admin"), want: explicit, sid: "DenyOtherRoles"},
		{action: "iam:PassRole", resource: iamARN("role/medbookings/production/x"), want: explicit},
		{action: "iam:PassRole", resource: bootstrapRole("mbprod", "cfn-exec", region), want: explicit},
		// the default qualifier's execution role (the delivery stack's bootstrap) has AdministratorAccess
		{action: "iam:PassRole", resource: bootstrapRole("hnb659fds", "cfn-exec", region), want: explicit, sid: "DenyOtherRoles"},
		{action: "iam:UpdateAssumeRolePolicy", resource: iamARN("role/Admin"), want: explicit, sid: "DenyOtherRoles"},
		{action: "sts:AssumeRole", resource: iamARN("role/medbookings/staging/x"), want: explicit, sid: "DenyAssumingRoles"},
		{action: "sts:AssumeRole", resource: bootstrapRole("mbstaging", "deploy", region), want: explicit, sid: "DenyAssumingRoles"},
		{action: "sts:AssumeRole", resource: bootstrapRole("mbprod", "deploy", region), want: explicit},
		// the delivery identities and policies
		{action: "iam:UpdateAssumeRolePolicy", resource: iamARN("role/medbookings-github-deploy-production"), want: explicit},
		{action: "iam:AttachRolePolicy", resource: iamARN("role/medbookings-github-deploy-staging"), want: explicit, sid: "DenyDeliveryIdentities"},
		{action: "iam:PutRolePolicy", resource: iamARN("role/medbookings-github-diff"), want: explicit},
		{action: "iam:UpdateRole", resource: iamARN("role/medbookings-github-deploy-staging"), want: explicit},
		{action: "iam:CreatePolicyVersion", resource: iamARN("policy/medbookings-staging-boundary"), want: explicit, sid: "DenyDeliveryIdentities"},
		{action: "iam:CreatePolicyVersion", resource: iamARN("policy/medbookings-staging-cfn-exec"), want: explicit},
		{action: "iam:DeletePolicy", resource: iamARN("policy/medbookings-production-boundary"), want: explicit},
		{action: "iam:SetDefaultPolicyVersion", resource: iamARN("policy/medbookings-staging-cfn-exec"), want: explicit},
		{action: "iam:UpdateOpenIDConnectProviderThumbprint", resource: iamARN("oidc-provider/token.actions.githubusercontent.com"), want: explicit},
		// backups and snapshots
		{action: "backup:DeleteRecoveryPoint", resource: arn("backup", region, "recovery-point:abc"), ctx: tagged("staging"), want: explicit, sid: "DenyDeletingBackups"},
		{action: "rds:DeleteDBSnapshot", resource: arn("rds", region, "snapshot:medbookings-staging-predeploy-3a654b5"), ctx: tagged("staging"), want: explicit, sid: "DenyDeletingBackups"},
		{action: "rds:DeleteDBInstanceAutomatedBackup", resource: arn("rds", region, "auto-backup:ab-x"), want: explicit},
	}
	// anything tagged production, by any service that knows tags
	for _, c := range []struct{ action, resource string }{
		{"ec2:DeleteVpc", arn("ec2", region, "vpc/vpc-0prod")},
		{"ec2:AuthorizeSecurityGroupIngress", arn("ec2", region, "security-group/sg-0prod")},
		{"ec2:RunInstances", arn("ec2", region, "subnet/subnet-0prod")},
		{"lambda:UpdateFunctionCode", arn("lambda", region, "function:MedBookingsInfraStack-Pro-CustomCDKBucketDeployment-AbC")},
		{"kms:Decrypt", arn("kms", region, "key/prod-key")},
		{"kms:ScheduleKeyDeletion", arn("kms", region, "key/prod-key")},
		{"rds:ModifyDBInstance", arn("rds", region, "db:medbookings-production")},
		{"secretsmanager:GetSecretValue", arn("secretsmanager", region, "secret:DatabaseAppSecret2E50FD00-AbCdEfGh-XyZ123")},
		{"sns:Publish", arn("sns", region, "MedBookingsInfraStack-Production-MonitoringAlertTopic-X")},
		{"events:PutTargets", arn("events", region, "rule/MedBookingsInfraStack-Production-X")},
		{"cloudfront:UpdateDistribution", "arn:aws:cloudfront::123456789012:distribution/E2PROD"},
		{"acm:DeleteCertificate", arn("acm", "us-east-1", "certificate/prod")},
		{"backup:DeleteBackupPlan", arn("backup", region, "backup-plan:prod")},
	} {
		checks = append(checks, check{action: c.action, resource: c.resource, ctx: tagged("production"), want: explicit, sid: "DenyOtherEnvironmentsByTag"})
	}
	// tagging anything as production
	for _, c := range []struct{ action, resource string }{
		{"ec2:CreateTags", arn("ec2", region, "vpc/vpc-0stag")},
		{"ec2:CreateVpc", arn("ec2", region, "vpc/*")},
		{"lambda:TagResource", fnStaging},
		{"kms:CreateKey", "*"},
		{"secretsmanager:TagResource", arn("secretsmanager", region, "secret:medbookings/staging/app-AbC123")},
	} {
		checks = append(checks, check{action: c.action, resource: c.resource, ctx: ctx("aws:RequestTag/Environment", "production"), want: explicit, sid: "DenyTaggingAsOtherEnvironments"})
	}
	// production's names, without any tag in the request
	for _, c := range []struct{ action, resource string }{
		{"s3:GetObject", "arn:aws:s3:::medbookings-uploads-production/patients/1.pdf"},
		{"s3:PutBucketPolicy", "arn:aws:s3:::medbookings-uploads-production"},
		{"s3:DeleteBucket", "arn:aws:s3:::medbookings-uploads-production"},
		{"s3:PutObject", "arn:aws:s3:::medbookings-production-assets-123456789012/_next/x.js"},
		{"s3:GetObject", "arn:aws:s3:::cdk-mbprod-assets-123456789012-eu-west-1/x.zip"},
		{"lambda:UpdateFunctionCode", arn("lambda", region, "function:medbookings-production-server")},
		{"lambda:InvokeFunction", arn("lambda", "us-east-1", "function:medbookings-production-body-hash")},
		{"secretsmanager:GetSecretValue", arn("secretsmanager", region, "secret:medbookings/production/build-AbC123")},
		{"secretsmanager:PutSecretValue", arn("secretsmanager", region, "secret:medbookings/production/cron-AbC123")},
		{"rds:DeleteDBInstance", arn("rds", region, "db:medbookings-production")},
		{"logs:DeleteLogGroup", arn("logs", region, "log-group:/aws/lambda/medbookings-production-server")},
		{"logs:PutRetentionPolicy", arn("logs", region, "log-group:/medbookings/production/vpc-flow-logs:*")},
		{"cloudwatch:DeleteAlarms", arn("cloudwatch", region, "alarm:MedBookings-Production-ErrorRate")},
		{"scheduler:DeleteSchedule", arn("scheduler", region, "schedule/default/medbookings-production-sync-calendars")},
		{"ssm:GetParameter", arn("ssm", region, "parameter/cdk-bootstrap/mbprod/version")},
		{"iam:PassRole", iamARN("role/medbookings/production/HostingServerRole")},
		{"iam:CreatePolicyVersion", iamARN("policy/medbookings/production/HostingServerPolicy")},
	} {
		checks = append(checks, check{action: c.action, resource: c.resource, want: explicit})
	}
	// production's stacks, the delivery stack and the bootstrap stacks
	for _, st := range [][2]string{
		{region, "MedBookingsInfraStack-Production"}, {"us-east-1", "MedBookingsEdge-Production"},
		{region, deliveryStk}, {"us-east-1", deliveryStk},
		{region, "CDKToolkit"}, {"us-east-1", "CDKToolkit"},
		{region, "CDKToolkit-production"}, {"us-east-1", "CDKToolkit-production"},
		{region, "CDKToolkit-staging"}, {"us-east-1", "CDKToolkit-staging"},
	} {
		for _, a := range []string{"cloudformation:UpdateStack", "cloudformation:DeleteStack"} {
			checks = append(checks, check{action: a, resource: stackARN(st[0], st[1]), want: explicit})
		}
	}
	// what the boundary cannot see
	checks = append(checks,
		// CloudFront Functions and Lambda layers take no tags: the stacks name
		// them after the environment, and the boundary denies the names
		check{action: "cloudfront:UpdateFunction", resource: "arn:aws:cloudfront::123456789012:function/medbookings-production-viewer-request", want: explicit},
		check{action: "lambda:AddLayerVersionPermission", resource: arn("lambda", region, "layer:medbookings-production-env-wrapper:3"), want: explicit},
		check{action: "lambda:DeleteLayerVersion", resource: arn("lambda", region, "layer:medbookings-production-awscli-otherassets:1"), want: explicit},
		// The residue of one account, documented in docs/runbook.md ("Security
		// of the pipeline"): CloudFront's response headers, cache and origin
		// request policies and origin access controls take no tags and have
		// generated IDs, and EC2 creates a VPC's default network ACL untagged;
		// one account per environment removes it. Pinned here so that a
		// change either way is noticed.
		check{action: "cloudfront:UpdateResponseHeadersPolicy", resource: "arn:aws:cloudfront::123456789012:response-headers-policy/0a1b2c3d-prod", want: allowed},
		check{action: "ec2:CreateNetworkAclEntry", resource: arn("ec2", region, "network-acl/acl-0proddefault"), want: allowed},
	)
	run(t, set, checks)
}

// GIVEN production's execution policy and boundary THEN, beyond what
// staging's deny, a production deployment cannot delete its data (the
// database, buckets, keys, secrets and log groups) and can write only its
// own DNS records.
func TestProductionExecutionRole(t *testing.T) {
	s := getFixture(t).created
	set := s.execution(t, "Production")
	zone := "arn:aws:route53:::hostedzone/" + zoneID
	names := func(n ...string) map[string][]string {
		return map[string][]string{"route53:ChangeResourceRecordSetsNormalizedRecordNames": n}
	}
	checks := []check{
		{action: "lambda:UpdateFunctionCode", resource: arn("lambda", region, "function:medbookings-production-server"), ctx: tagged("production"), want: allowed},
		{action: "rds:ModifyDBInstance", resource: arn("rds", region, "db:medbookings-production"), ctx: tagged("production"), want: allowed},
		{action: "rds:DeleteDBInstance", resource: arn("rds", region, "db:medbookings-production"), ctx: tagged("production"), want: explicit, sid: "DenyDeletingData"},
		{action: "s3:DeleteBucket", resource: "arn:aws:s3:::medbookings-uploads-production", want: explicit, sid: "DenyDeletingData"},
		{action: "s3:DeleteBucket", resource: "arn:aws:s3:::medbookings-production-assets-123456789012", want: explicit, sid: "DenyDeletingData"},
		{action: "kms:ScheduleKeyDeletion", resource: arn("kms", region, "key/prod-key"), ctx: tagged("production"), want: explicit, sid: "DenyDeletingData"},
		{action: "kms:DisableKey", resource: arn("kms", region, "key/prod-key"), ctx: tagged("production"), want: explicit},
		{action: "secretsmanager:DeleteSecret", resource: arn("secretsmanager", region, "secret:medbookings/production/build-AbC123"), ctx: tagged("production"), want: explicit, sid: "DenyDeletingData"},
		{action: "secretsmanager:DeleteSecret", resource: arn("secretsmanager", region, "secret:DatabaseAppSecret2E50FD00-AbCdEfGh-XyZ123"), ctx: tagged("production"), want: explicit},
		{action: "logs:DeleteLogGroup", resource: arn("logs", region, "log-group:/aws/lambda/medbookings-production-server"), want: explicit, sid: "DenyDeletingData"},
		{action: "backup:DeleteBackupVault", resource: arn("backup", region, "backup-vault:medbookings-production"), ctx: tagged("production"), want: explicit},
		{action: "backup:DeleteRecoveryPoint", resource: arn("backup", region, "recovery-point:x"), ctx: tagged("production"), want: explicit},
		// and nothing of staging
		{action: "s3:GetObject", resource: "arn:aws:s3:::medbookings-uploads-staging/x", want: explicit, sid: "DenyOtherEnvironmentsByName"},
		{action: "lambda:UpdateFunctionCode", resource: arn("lambda", region, "function:medbookings-staging-server"), want: explicit},
		{action: "ec2:DeleteVpc", resource: arn("ec2", region, "vpc/vpc-0stag"), ctx: tagged("staging"), want: explicit, sid: "DenyOtherEnvironmentsByTag"},
		{action: "cloudformation:DeleteStack", resource: stackARN(region, "MedBookingsInfraStack-Staging"), want: explicit},
		{action: "iam:CreateRole", resource: iamARN("role/medbookings/production/x"), ctx: ctx("iam:PermissionsBoundary", boundaryARN("staging")), want: explicit},
		{action: "iam:CreateRole", resource: iamARN("role/medbookings/production/x"), ctx: ctx("iam:PermissionsBoundary", boundaryARN("production")), want: allowed},
		// DNS: its own names only
		{action: "route53:ChangeResourceRecordSets", resource: zone, ctx: names("medbookings.co.za", "www.medbookings.co.za"), want: allowed, sid: "OwnRecords"},
		{action: "route53:ChangeResourceRecordSets", resource: zone, ctx: names("_dmarc.medbookings.co.za"), want: allowed},
		{action: "route53:ChangeResourceRecordSets", resource: zone, ctx: names("medbookings.co.za", "staging.medbookings.co.za"), want: denied},
		{action: "route53:ChangeResourceRecordSets", resource: "arn:aws:route53:::hostedzone/ZOTHERZONE", ctx: names("medbookings.co.za"), want: denied},
		{action: "route53:GetChange", resource: "arn:aws:route53:::change/C0123", want: allowed},
		// ACM's validation record of its own host, not of staging's
		{action: "route53:ChangeResourceRecordSets", resource: zone, ctx: names("_0123456789abcdef0123456789abcdef.medbookings.co.za"), want: allowed},
		{action: "route53:ChangeResourceRecordSets", resource: zone, ctx: names("_0123456789abcdef0123456789abcdef.staging.medbookings.co.za"), want: denied},
	}
	run(t, set, checks)
}

// GIVEN the boundary alone, on a role of the stacks whose own policy allows
// everything WHEN it reaches for the other environment THEN the boundary
// denies it, and leaves its own environment alone.
func TestBoundaryAlone(t *testing.T) {
	s := getFixture(t).created
	broad := iampolicy.MustParse("Broad", `{"Version":"2012-10-17","Statement":[{"Sid":"Everything","Effect":"Allow","Action":["s3:*","lambda:*","secretsmanager:*","ec2:*","logs:*"],"Resource":"*"}]}`)
	for _, c := range []struct{ title, env, other string }{{"Staging", "staging", "production"}, {"Production", "production", "staging"}} {
		t.Run(c.env, func(t *testing.T) {
			set := iampolicy.Set{Identity: []*iampolicy.Policy{broad}, Boundaries: []*iampolicy.Policy{s.policy(t, "Delivery/Boundary"+c.title+"/Resource")}}
			run(t, set, []check{
				{action: "s3:GetObject", resource: "arn:aws:s3:::medbookings-uploads-" + c.env + "/x", want: allowed},
				{action: "s3:GetObject", resource: "arn:aws:s3:::medbookings-uploads-" + c.other + "/x", want: explicit, sid: "DenyOtherEnvironmentsByName"},
				{action: "s3:ListBucket", resource: "arn:aws:s3:::medbookings-" + c.other + "-assets-123456789012", want: explicit},
				{action: "lambda:InvokeFunction", resource: arn("lambda", region, "function:medbookings-"+c.other+"-server"), want: explicit},
				{action: "lambda:InvokeFunction", resource: arn("lambda", region, "function:medbookings-"+c.env+"-server"), want: allowed},
				{action: "secretsmanager:GetSecretValue", resource: arn("secretsmanager", region, "secret:medbookings/"+c.other+"/build-AbC123"), want: explicit},
				{action: "secretsmanager:GetSecretValue", resource: arn("secretsmanager", region, "secret:Generated-AbC123"), ctx: tagged(c.other), want: explicit},
				{action: "ec2:TerminateInstances", resource: arn("ec2", region, "instance/i-0"), ctx: tagged(c.other), want: explicit},
				{action: "logs:GetLogEvents", resource: arn("logs", region, "log-group:/aws/lambda/medbookings-"+c.other+"-server:log-stream:x"), want: explicit},
				{action: "iam:PassRole", resource: iamARN("role/medbookings/" + c.env + "/x"), want: denied}, // not in the broad policy
				{action: "sqs:SendMessage", resource: arn("sqs", region, "q"), want: denied},
			})
		})
	}
}

// GIVEN a bootstrap deploy role with the staging boundary (cdk bootstrap
// --apply-permissions-boundary-to-all-roles) and its policy from the
// bootstrap template (cdk bootstrap --show-template: cloudformation changes
// on any stack, iam:PassRole of its cfn-exec role) WHEN it deploys THEN it
// may change staging's stacks only: not production's, not the delivery
// stack, not a bootstrap stack.
func TestBootstrapDeployRoleWithinBoundary(t *testing.T) {
	s := getFixture(t).created
	for _, c := range []struct{ title, q, other string }{{"Staging", "mbstaging", "Production"}, {"Production", "mbprod", "Staging"}} {
		t.Run(c.title, func(t *testing.T) {
			deployRole := iampolicy.MustParse("BootstrapDeployRole", `{"Version":"2012-10-17","Statement":[
				{"Sid":"DeployPermissions","Effect":"Allow","Action":["cloudformation:CreateChangeSet","cloudformation:DeleteChangeSet",
					"cloudformation:ExecuteChangeSet","cloudformation:CreateStack","cloudformation:UpdateStack","cloudformation:RollbackStack",
					"cloudformation:ContinueUpdateRollback"],"Resource":"*"},
				{"Effect":"Allow","Action":"iam:PassRole","Resource":["`+bootstrapRole(c.q, "cfn-exec", region)+`","`+bootstrapRole("hnb659fds", "cfn-exec", region)+`"]},
				{"Sid":"CliPermissions","Effect":"Allow","Action":["cloudformation:DeleteStack","cloudformation:UpdateTerminationProtection","sts:GetCallerIdentity"],"Resource":"*"},
				{"Sid":"ReadOnly","Effect":"Allow","Action":["cloudformation:Describe*","cloudformation:Get*","cloudformation:List*"],"Resource":"*"}]}`)
			set := iampolicy.Set{Identity: []*iampolicy.Policy{deployRole}, Boundaries: []*iampolicy.Policy{s.policy(t, "Delivery/Boundary"+c.title+"/Resource")}}
			checks := []check{
				{action: "iam:PassRole", resource: bootstrapRole(c.q, "cfn-exec", region), ctx: ctx("iam:PassedToService", "cloudformation.amazonaws.com"), want: allowed},
				{action: "sts:GetCallerIdentity", resource: "*", want: allowed},
				// even with a deploy role policy that allowed it, no other qualifier's execution role
				{action: "iam:PassRole", resource: bootstrapRole("hnb659fds", "cfn-exec", region), want: explicit, sid: "DenyOtherRoles"},
			}
			for _, st := range [][2]string{{"us-east-1", "MedBookingsEdge-" + c.title}, {region, "MedBookingsInfraStack-" + c.title}} {
				for _, a := range []string{"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteStack", "cloudformation:DescribeStacks"} {
					checks = append(checks, check{action: a, resource: stackARN(st[0], st[1]), want: allowed})
				}
			}
			for _, st := range [][2]string{{"us-east-1", "MedBookingsEdge-" + c.other}, {region, "MedBookingsInfraStack-" + c.other}} {
				for _, a := range []string{"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteStack"} {
					checks = append(checks, check{action: a, resource: stackARN(st[0], st[1]), want: explicit, sid: "DenyOtherEnvironmentsByName"})
				}
			}
			own, other := "CDKToolkit-"+strings.ToLower(c.title), "CDKToolkit-"+strings.ToLower(c.other)
			for _, st := range []string{deliveryStk, "CDKToolkit", own, other} {
				for _, a := range []string{"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:UpdateTerminationProtection"} {
					checks = append(checks, check{action: a, resource: stackARN(region, st), want: explicit})
				}
			}
			// the CLI reads the bootstrap stacks; the other environment's is not its business
			for _, st := range []string{deliveryStk, "CDKToolkit", own} {
				checks = append(checks, check{action: "cloudformation:DescribeStacks", resource: stackARN(region, st), want: allowed})
			}
			checks = append(checks, check{action: "cloudformation:DescribeStacks", resource: stackARN(region, other), want: explicit})
			run(t, set, checks)
		})
	}
}

// GIVEN a stack confined to staging with roles, managed policies and
// instance profiles of its own and of CDK's constructs WHEN synthesized
// THEN every role has the staging path and boundary, and every managed
// policy and instance profile the path: what staging's execution policy
// lets CloudFormation create.
func TestConfine(t *testing.T) {
	app := cdktest.NewApp(t, cdktest.AppOptions{})
	var tpl map[string]any
	cdktest.Must(t, func() {
		stack := awscdk.NewStack(app, jsii.String("Confined"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
		})
		role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil)})
		awsiam.NewManagedPolicy(stack, jsii.String("Policy"), &awsiam.ManagedPolicyProps{
			Roles:      &[]awsiam.IRole{role},
			Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("arn:aws:s3:::b/*")})},
		})
		awsiam.NewInstanceProfile(stack, jsii.String("Profile"), &awsiam.InstanceProfileProps{Role: role})
		awsiam.NewCfnRole(stack, jsii.String("L1Role"), &awsiam.CfnRoleProps{AssumeRolePolicyDocument: map[string]any{
			"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}}},
		}})
		// an L2 that creates its own role (and inline policy)
		fn := awslambda.NewFunction(stack, jsii.String("Function"), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
			Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => {};")),
		})
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("sns:Publish"), Resources: jsii.Strings("*")}))
		// when the stack is complete, as the stacks do
		delivery.Confine(stack, "staging")
		tpl = cdktest.JSON(t, cdktest.Template(t, stack))
	})
	counts := checkConfined(t, tpl, "staging")
	// the two roles, the function's; the policy; the profile
	if want := map[string]int{"AWS::IAM::Role": 3, "AWS::IAM::ManagedPolicy": 1, "AWS::IAM::InstanceProfile": 1}; !reflect.DeepEqual(counts, want) {
		t.Errorf("IAM resources checked: %v, want %v", counts, want)
	}
	if t.Failed() {
		return
	}
	// CDK's custom resource providers create their role as a plain
	// CfnResource of type AWS::IAM::Role (not an awsiam.CfnRole).
	t.Run("custom resource provider", func(t *testing.T) {
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		var tpl map[string]any
		cdktest.Must(t, func() {
			stack := awscdk.NewStack(app, jsii.String("ConfinedProvider"), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
			})
			awss3.NewBucket(stack, jsii.String("Bucket"), &awss3.BucketProps{AutoDeleteObjects: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
			delivery.Confine(stack, "staging")
			tpl = cdktest.JSON(t, cdktest.Template(t, stack))
		})
		var missing []string
		for id, r := range tpl["Resources"].(map[string]any) {
			r := r.(map[string]any)
			if r["Type"] == "AWS::IAM::Role" && props(r)["Path"] != delivery.IAMPath("staging") {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			t.Errorf("roles of CDK custom resource providers without the path (the execution policy would refuse to create them): %v", missing)
		}
		if counts := checkConfined(t, tpl, "staging"); counts["AWS::IAM::Role"] != 1 {
			t.Errorf("IAM resources checked: %v, want the provider's role", counts)
		}
	})
}

// checkConfined asserts the path and boundary of every IAM resource of
// tpl, and counts them by type.
func checkConfined(t *testing.T, tpl map[string]any, environment string) map[string]int {
	t.Helper()
	wantBoundary := "arn:aws:iam::" + account + ":policy/" + delivery.BoundaryPolicyName(environment)
	counts := map[string]int{}
	for id, r := range tpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		typ, _ := r["Type"].(string)
		p := props(r)
		switch typ {
		case "AWS::IAM::Role":
			b, err := iampolicy.Resolve(p["PermissionsBoundary"], env)
			if err != nil || b != wantBoundary {
				t.Errorf("%s: PermissionsBoundary %s, want %s", id, toJSON(p["PermissionsBoundary"]), wantBoundary)
			}
			fallthrough
		case "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile":
			counts[typ]++
			if p["Path"] != delivery.IAMPath(environment) {
				t.Errorf("%s (%s): Path %v, want %s", id, typ, p["Path"], delivery.IAMPath(environment))
			}
		}
	}
	return counts
}

// ServiceOf maps the resource types of the stacks to their IAM prefixes,
// custom resources to lambda (CloudFormation invokes their provider), and
// refuses what the execution policy does not know; every service it knows
// is either tag-fenced or name-fenced, never both.
func TestServiceOf(t *testing.T) {
	for typ, want := range map[string]string{
		"AWS::CertificateManager::Certificate": "acm", "AWS::Backup::BackupVault": "backup", "AWS::Budgets::Budget": "budgets",
		"AWS::CloudFront::Distribution": "cloudfront", "AWS::CloudFront::Function": "cloudfront", "AWS::CloudWatch::Alarm": "cloudwatch",
		"AWS::EC2::VPC": "ec2", "AWS::EC2::SecurityGroupIngress": "ec2", "AWS::Events::Rule": "events", "AWS::IAM::Role": "iam",
		"AWS::KMS::Key": "kms", "AWS::Lambda::Function": "lambda", "AWS::Logs::LogGroup": "logs", "AWS::RDS::DBInstance": "rds",
		"AWS::Route53::RecordSet": "route53", "AWS::S3::Bucket": "s3", "AWS::Scheduler::Schedule": "scheduler",
		"AWS::SecretsManager::Secret": "secretsmanager", "AWS::SNS::Topic": "sns",
		"Custom::MedBookingsMigrations": "lambda", "Custom::CDKBucketDeployment": "lambda", "AWS::CloudFormation::CustomResource": "lambda",
	} {
		got, ok := delivery.ServiceOf(typ)
		if !ok || got != want {
			t.Errorf("ServiceOf(%q) = %q, %v; want %q, true", typ, got, ok, want)
		}
		if slices.Contains(delivery.TaggedServices, got) == slices.Contains(delivery.NamedServices, got) {
			t.Errorf("%s: in both or neither of TaggedServices and NamedServices", got)
		}
	}
	for _, typ := range []string{"AWS::SSM::Parameter", "AWS::Logs::ResourcePolicy", "AWS::Scheduler::ScheduleGroup", "AWS::Route53::HostedZone",
		"AWS::IAM::User", "AWS::S3::AccessPoint", "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::CloudFormation::Stack", "AWS::S3", "AWS::S3::Bucket::X",
		"Foo::S3::Bucket", "", "Custom", "AWS::ECS::Cluster"} {
		if got, ok := delivery.ServiceOf(typ); ok {
			t.Errorf("ServiceOf(%q) = %q, true; want not ok", typ, got)
		}
	}
}

// GIVEN props missing something WHEN the construct is created THEN it
// panics naming what is missing.
func TestPropsAreChecked(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*delivery.Props)
		want   []string
	}{
		{"no repository", func(p *delivery.Props) { p.Repository = "" }, []string{"Repository"}},
		{"no targets", func(p *delivery.Props) { p.Targets = nil }, []string{"Targets"}},
		{"no stack name", func(p *delivery.Props) { p.StackName = "" }, []string{"StackName"}},
		{"a target without qualifier", func(p *delivery.Props) { p.Targets[1].Qualifier = "" }, []string{`"production"`, "Qualifier"}},
		{"a target without stacks", func(p *delivery.Props) { p.Targets[0].Stacks = nil }, []string{`"staging"`, "Stacks"}},
		{"a target without services", func(p *delivery.Props) { p.Targets[0].Services = nil }, []string{`"staging"`, "Services"}},
		{"duplicate qualifier", func(p *delivery.Props) { p.Targets[1].Qualifier = "mbstaging" }, []string{`"mbstaging"`, "twice"}},
		{"duplicate environment", func(p *delivery.Props) { p.Targets[1].Environment = "staging" }, []string{`"staging"`, "twice"}},
		{"environment too long", func(p *delivery.Props) {
			p.Targets[0].Environment = strings.Repeat("e", delivery.MaxEnvironmentLength+1)
		},
			[]string{"longer than", fmt.Sprint(delivery.MaxEnvironmentLength)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testProps()
			c.change(&p)
			stack := cdktest.BareStack(t, "Checks")
			defer func() {
				r := recover()
				msg := fmt.Sprint(r)
				for _, w := range c.want {
					if r == nil || !strings.Contains(msg, w) {
						t.Errorf("panic %q, want one naming %s", msg, w)
					}
				}
			}()
			delivery.New(stack, "Delivery", p)
		})
	}
}

// The names derived from an environment, within IAM's limits for the
// longest environment the construct accepts.
func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{delivery.BoundaryPolicyName("staging"), "medbookings-staging-boundary"},
		{delivery.ExecutionPolicyName("staging"), "medbookings-staging-cfn-exec"},
		{delivery.IAMPath("staging"), "/medbookings/staging/"},
		{delivery.ToolkitStackName("production"), "CDKToolkit-production"},
		{delivery.DeployRoleName("production"), "medbookings-github-deploy-production"},
		{delivery.SnapshotPrefix("staging"), "medbookings-staging-predeploy-"},
		{delivery.PullRequestSubject(repo), "repo:sheigoldberg/medbookings:pull_request"},
		{delivery.EnvironmentSubject(repo, "staging"), "repo:sheigoldberg/medbookings:environment:staging"},
		{delivery.EnvironmentTitle("pre-prod"), "PreProd"},
		{delivery.EnvironmentTitle("qa.2_x"), "Qa2X"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	longest := strings.Repeat("e", delivery.MaxEnvironmentLength)
	if n := len(delivery.DeployRoleName(longest)); n != 64 {
		t.Errorf("the longest deploy role name has %d characters, want IAM's limit 64", n)
	}
	// IAM: policy names up to 128 characters, paths up to 512; CloudFormation
	// stack names up to 128.
	for _, c := range []struct {
		what  string
		value string
		limit int
	}{
		{"boundary policy name", delivery.BoundaryPolicyName(longest), 128},
		{"execution policy name", delivery.ExecutionPolicyName(longest), 128},
		{"IAM path", delivery.IAMPath(longest), 512},
		{"toolkit stack name", delivery.ToolkitStackName(longest), 128},
	} {
		if len(c.value) > c.limit {
			t.Errorf("%s for the longest environment has %d characters, over %d", c.what, len(c.value), c.limit)
		}
	}
}

// Template readers shared by the tests (internal/cdktest).
var (
	props  = cdktest.Props
	toJSON = cdktest.CompactJSON
)

// id is the logical ID of the resource at construct path (below the stack).
func (s *synthesized) id(t *testing.T, path string) string {
	t.Helper()
	return cdktest.IDAt(t, s.json, s.name+"/"+path)
}

func (s *synthesized) resource(t *testing.T, path string) map[string]any {
	t.Helper()
	return cdktest.ResourceAt(t, s.json, s.name+"/"+path)
}
