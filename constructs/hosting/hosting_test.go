package hosting_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/secretscan"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// envCase is what differs between the environments, from cdk.json.
type envCase struct {
	env, branch, stage, domainName, canonical, removal string
	prefixes                                           []string
	redirects                                          []string
}

var envCases = []envCase{
	{env: "staging", branch: "staging", stage: "BETA", domainName: "staging.medbookings.co.za", canonical: "staging.medbookings.co.za",
		removal: "Delete", prefixes: []string{""}},
	{env: "production", branch: "master", stage: "PRODUCTION", domainName: "medbookings.co.za", canonical: "medbookings.co.za",
		removal: "Retain", prefixes: []string{"", "www"}, redirects: []string{"www.medbookings.co.za"}},
}

// resource returns the only resource of type in tpl, with its logical ID.
func resource(t *testing.T, tpl assertions.Template, typ string) (string, map[string]any) {
	t.Helper()
	found := findResources(t, tpl, typ)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, found %d", typ, len(found))
	}
	for id, r := range found {
		return id, r.(map[string]any)
	}
	return "", nil
}

// findResources returns the resources of type typ by logical ID.
func findResources(t *testing.T, tpl assertions.Template, typ string) map[string]any {
	t.Helper()
	out := map[string]any{}
	cdktest.Must(t, func() {
		for id, r := range *tpl.FindResources(jsii.String(typ), nil) {
			out[id] = *r
		}
	})
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAppBranchAndDomain(t *testing.T) {
	f := plain(t)
	for _, c := range envCases {
		t.Run(c.env, func(t *testing.T) {
			tpl := f.Template(t, c.env)
			// GIVEN cdk.json WHEN synthesized THEN one app per environment, SSR, from the repository, token by reference
			appID, app := resource(t, tpl, "AWS::Amplify::App")
			p := props(app)
			want := map[string]any{
				"Name":                     "medbookings-" + c.env,
				"Platform":                 "WEB_COMPUTE",
				"Repository":               "https://github.com/sheigoldberg/medbookings",
				"AccessToken":              "{{resolve:secretsmanager:medbookings/github-token:SecretString:::}}",
				"EnableBranchAutoDeletion": false,
				"CacheConfig":              map[string]any{"Type": "AMPLIFY_MANAGED"},
				"JobConfig":                map[string]any{"BuildComputeType": "STANDARD_8GB"},
				"IAMServiceRole":           map[string]any{"Fn::GetAtt": []any{"HostingServiceRoleAE9817C2", "Arn"}},
				"ComputeRoleArn":           map[string]any{"Fn::GetAtt": []any{"HostingComputeRole409C7311", "Arn"}},
			}
			for k, v := range want {
				if toJSON(p[k]) != toJSON(v) {
					t.Errorf("App.%s = %s, want %s", k, toJSON(p[k]), toJSON(v))
				}
			}
			for _, k := range []string{"OauthToken", "BasicAuthConfig", "AutoBranchCreationConfig"} {
				if _, ok := p[k]; ok {
					t.Errorf("App.%s is set; want it absent", k)
				}
			}
			// Canonical host: every other host redirects to it, 301, path kept.
			var wantRules []any
			for _, h := range c.redirects {
				wantRules = append(wantRules, map[string]any{"Source": "https://" + h + "/<*>", "Target": "https://" + c.canonical + "/<*>", "Status": "301"})
			}
			if toJSON(p["CustomRules"]) != toJSON(wantRules) {
				t.Errorf("CustomRules = %s, want %s", toJSON(p["CustomRules"]), toJSON(wantRules))
			}

			branchID, branch := resource(t, tpl, "AWS::Amplify::Branch")
			wantBranch := map[string]any{
				"AppId":      map[string]any{"Fn::GetAtt": []any{appID, "AppId"}},
				"BranchName": c.branch, "Stage": c.stage, "Framework": "Next.js - SSR",
				"EnableAutoBuild": true, "EnablePullRequestPreview": false, "Description": "MedBookings " + c.env,
			}
			if toJSON(props(branch)) != toJSON(wantBranch) {
				t.Errorf("Branch = %s\nwant %s", toJSON(props(branch)), toJSON(wantBranch))
			}

			domainID, domain := resource(t, tpl, "AWS::Amplify::Domain")
			var subs []any
			for _, pre := range c.prefixes {
				subs = append(subs, map[string]any{"BranchName": map[string]any{"Fn::GetAtt": []any{branchID, "BranchName"}}, "Prefix": pre})
			}
			wantDomain := map[string]any{
				"AppId":               map[string]any{"Fn::GetAtt": []any{appID, "AppId"}},
				"DomainName":          c.domainName,
				"SubDomainSettings":   subs,
				"EnableAutoSubDomain": false,
				"CertificateSettings": map[string]any{"CertificateType": "AMPLIFY_MANAGED"},
			}
			if toJSON(props(domain)) != toJSON(wantDomain) {
				t.Errorf("Domain = %s\nwant %s", toJSON(props(domain)), toJSON(wantDomain))
			}

			// Logical IDs are the contract with the deployed resources: a change replaces them.
			pinned := map[string]string{"AWS::Amplify::App": appID, "AWS::Amplify::Branch": branchID, "AWS::Amplify::Domain": domainID}
			wantIDs := map[string]string{"AWS::Amplify::App": "HostingAppD21D0D36", "AWS::Amplify::Branch": "HostingBranch914A7724", "AWS::Amplify::Domain": "HostingDomain2E6EF11B"}
			for typ, id := range wantIDs {
				if pinned[typ] != id {
					t.Errorf("%s logical ID = %s, want %s", typ, pinned[typ], id)
				}
			}

			h := f.Envs[c.env].Hosting
			if h.URL != "https://"+c.canonical {
				t.Errorf("URL = %s", h.URL)
			}
			if h.AppId == nil || h.DefaultDomain == nil || h.BranchName == nil || h.ComputeRole == nil || h.ServiceRole == nil || h.AppSecret == nil {
				t.Errorf("a field of Hosting is nil: %+v", h)
			}
		})
	}
}

func TestTokenNeverLiteral(t *testing.T) {
	f := plain(t)
	for _, c := range envCases {
		raw := toJSON(cdktest.JSON(t, f.Template(t, c.env)))
		if n := strings.Count(raw, "{{resolve:secretsmanager:medbookings/github-token:SecretString:::}}"); n != 1 {
			t.Errorf("%s: the GitHub token reference appears %d times, want 1", c.env, n)
		}
		for _, re := range []string{`ghp_[A-Za-z0-9]{20,}`, `github_pat_[A-Za-z0-9_]{20,}`} {
			if regexp.MustCompile(re).MatchString(raw) {
				t.Errorf("%s: template contains a literal GitHub token (%s)", c.env, re)
			}
		}
	}
}

func wantBuildSpec(envNames []string) string {
	var b strings.Builder
	b.WriteString(`version: 1
frontend:
  phases:
    preBuild:
      commands:
        - 'nvm install 22'
        - 'nvm use 22'
        - 'node --version'
        - 'npm ci --include=dev --cache .npm --prefer-offline'
        - 'npx prisma generate'
    build:
      commands:
        - ': > .env.production.amplify'
`)
	for _, n := range envNames {
		fmt.Fprintf(&b, "        - 'echo \"%s=${%s}\" >> .env.production.amplify'\n", n, n)
	}
	b.WriteString(`        - 'cat .env.production.amplify >> .env.production'
        - 'npx next build'
  artifacts:
    baseDirectory: .next
    files:
      - '**/*'
  cache:
    paths:
      - '.npm/**/*'
      - '.next/cache/**/*'
`)
	return b.String()
}

// Variables every environment has (no optional setting given).
var baseVariables = []string{
	"ADMIN_EMAILS", "ADMIN_NOTIFICATION_EMAIL", "APP_ENVIRONMENT", "APP_SECRET_ARN", "DATABASE_SECRET_ARN", "DB_HOST", "DB_NAME", "DB_PORT",
	"NEXTAUTH_URL", "NODE_ENV", "SENDGRID_FROM_EMAIL", "UPLOADS_BUCKET_NAME", "UPLOADS_BUCKET_REGION",
}

var optionalVariables = []string{
	"GOOGLE_CLIENT_ID", "NEXT_PUBLIC_GOOGLE_MAPS_API_KEY", "NEXT_PUBLIC_SENTRY_DSN", "SENTRY_DSN", "TWILIO_PHONE_NUMBER", "TWILIO_WHATSAPP_NUMBER",
}

func envVars(t *testing.T, tpl assertions.Template) (names []string, values map[string]any) {
	t.Helper()
	_, app := resource(t, tpl, "AWS::Amplify::App")
	values = map[string]any{}
	for _, v := range props(app)["EnvironmentVariables"].([]any) {
		m := v.(map[string]any)
		names = append(names, m["Name"].(string))
		values[m["Name"].(string)] = m["Value"]
	}
	return names, values
}

func TestBuildSpecAndVariables(t *testing.T) {
	for _, fx := range []struct {
		name  string
		f     func(*testing.T) *fixture
		names []string
	}{
		{"plain", plain, baseVariables},
		{"full", full, append(append([]string{}, baseVariables...), optionalVariables...)},
	} {
		for _, c := range envCases {
			t.Run(fx.name+"/"+c.env, func(t *testing.T) {
				f := fx.f(t)
				tpl := f.Template(t, c.env)
				names, values := envVars(t, tpl)
				want := append([]string{}, fx.names...)
				sort.Strings(want)
				if strings.Join(names, ",") != strings.Join(want, ",") {
					t.Errorf("variables = %v\nwant %v", names, want)
				}
				_, app := resource(t, tpl, "AWS::Amplify::App")
				if got := props(app)["BuildSpec"]; got != wantBuildSpec(want) {
					t.Errorf("BuildSpec =\n%s\nwant\n%s", got, wantBuildSpec(want))
				}
				wantValues := map[string]any{
					"NODE_ENV": "production", "APP_ENVIRONMENT": c.env, "NEXTAUTH_URL": "https://" + c.canonical,
					"APP_SECRET_ARN":      map[string]any{"Ref": "HostingAppSecret7F3B739D"},
					"DATABASE_SECRET_ARN": fakeDBSecretArn(c.env), "DB_HOST": fakeDBHost, "DB_PORT": "5432", "DB_NAME": "medbookings",
					"UPLOADS_BUCKET_NAME": "medbookings-uploads-" + c.env, "UPLOADS_BUCKET_REGION": "eu-west-1",
					"SENDGRID_FROM_EMAIL": "noreply@medbookings.co.za", "ADMIN_NOTIFICATION_EMAIL": "aws-root@medbookings.co.za",
				}
				if fx.name == "full" {
					wantValues["ADMIN_EMAILS"] = "aws-root@medbookings.co.za,ops@medbookings.co.za"
					wantValues["SENTRY_DSN"], wantValues["NEXT_PUBLIC_SENTRY_DSN"] = sentryDsn, sentryDsn
					wantValues["NEXT_PUBLIC_GOOGLE_MAPS_API_KEY"], wantValues["GOOGLE_CLIENT_ID"] = mapsKey, clientID
					wantValues["TWILIO_PHONE_NUMBER"], wantValues["TWILIO_WHATSAPP_NUMBER"] = "+27211234567", "+27211234568"
				} else {
					wantValues["ADMIN_EMAILS"] = "aws-root@medbookings.co.za"
				}
				for k, v := range wantValues {
					if toJSON(values[k]) != toJSON(v) {
						t.Errorf("%s = %s, want %s", k, toJSON(values[k]), toJSON(v))
					}
				}
				if _, ok := values["BLOB_READ_WRITE_TOKEN"]; ok {
					t.Errorf("BLOB_READ_WRITE_TOKEN is set; storage replaces it")
				}
				assertSecretFree(t, values)
			})
		}
	}
}

var (
	// Names that would hold a secret; the public Maps key is the one
	// documented exception (inlined into the browser bundle by Next.js).
	secretNameRE = regexp.MustCompile(`SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE|CREDENTIAL|DATABASE_URL|AUTH_SECRET`)
	publicNames  = map[string]bool{"NEXT_PUBLIC_GOOGLE_MAPS_API_KEY": true, "APP_SECRET_ARN": true, "DATABASE_SECRET_ARN": true}
	// Beyond the credential shapes of internal/secretscan, a variable must
	// not hold anything random-looking.
	secretValueRE = []*regexp.Regexp{
		regexp.MustCompile(`^[A-Za-z0-9+/=_-]{40,}$`), // long random-looking value
		regexp.MustCompile(`^[0-9a-f]{32}$`),          // Twilio auth token
	}
)

// assertSecretFree fails on any variable whose name or value looks secret.
func assertSecretFree(t *testing.T, values map[string]any) {
	t.Helper()
	for name, v := range values {
		if secretNameRE.MatchString(name) && !publicNames[name] {
			t.Errorf("variable %s has a secret's name; secrets belong in the app secret", name)
		}
		s, isString := v.(string)
		if !isString {
			if name != "APP_SECRET_ARN" { // a Ref to the secret: its ARN, never its value
				t.Errorf("variable %s is not a literal: %s", name, toJSON(v))
			}
			if strings.Contains(toJSON(v), "SecretString") || strings.Contains(toJSON(v), "resolve:") {
				t.Errorf("variable %s resolves a secret value: %s", name, toJSON(v))
			}
			continue
		}
		if strings.Contains(s, "{{resolve:") {
			t.Errorf("variable %s resolves a secret value at deploy time: %s", name, s)
		}
		for _, f := range secretscan.ScanText(name, name+"="+s) {
			t.Errorf("variable %s = %q: %s", name, s, f.Why)
		}
		for _, re := range secretValueRE {
			if re.MatchString(s) {
				t.Errorf("variable %s = %q looks like a secret (%s)", name, s, re)
			}
		}
	}
}

func TestSecretScannerCatches(t *testing.T) {
	// The scanner must be able to fail: each of these is reported.
	for name, v := range map[string]any{
		"SENDGRID_API_KEY":  "x",
		"GOOGLE_CLIENT_ID":  "SG." + "abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789",
		"DB_HOST":           "postgresql://app:" + "hunter2@db:5432/x",
		"ADMIN_EMAILS":      "ghp_" + "abcdefghijklmnopqrstuvwxyz0123",
		"SENTRY_DSN":        "0123456789abcdef0123456789abcdef",
		"APP_SECRET_ARN":    map[string]any{"Fn::Join": []any{"", []any{"{{resolve:secretsmanager:x:SecretString:::}}"}}},
		"DATABASE_URL":      "x",
		"UPLOADS_BUCKET_ID": "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5",
	} {
		ft := &testing.T{}
		func() {
			defer func() { _ = recover() }()
			assertSecretFree(ft, map[string]any{name: v})
		}()
		if !ft.Failed() {
			t.Errorf("the scanner let %s = %v through", name, v)
		}
	}
}

func TestHeaders(t *testing.T) {
	cases := []struct {
		fx     func(*testing.T) *fixture
		env    string
		extras string // Sentry origin and extra sources in the CSP
	}{
		{plain, "staging", ""},
		{plain, "production", ""},
		{full, "staging", "sentry"},
		{full, "production", "sentry+img"},
	}
	for _, c := range cases {
		t.Run(c.env+"/"+c.extras, func(t *testing.T) {
			f := c.fx(t)
			_, app := resource(t, f.Template(t, c.env), "AWS::Amplify::App")
			bucket := "https://medbookings-uploads-" + c.env + ".s3.eu-west-1.amazonaws.com"
			img := "img-src 'self' data: blob: https://maps.googleapis.com https://maps.gstatic.com " + bucket
			connect := "connect-src 'self' https://maps.googleapis.com " + bucket
			if strings.Contains(c.extras, "img") {
				img += " https://lh3.googleusercontent.com"
			}
			if strings.Contains(c.extras, "sentry") {
				connect += " https://o450000.ingest.de.sentry.io"
			}
			csp := "default-src 'self'; script-src 'self' 'unsafe-inline' https://maps.googleapis.com; style-src 'self' 'unsafe-inline'; " +
				img + "; font-src 'self'; " + connect + "; worker-src 'self' blob:; form-action 'self' https://accounts.google.com; " +
				"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; upgrade-insecure-requests"
			want := "customHeaders:\n  - pattern: '**'\n    headers:\n" +
				"      - key: 'Strict-Transport-Security'\n        value: 'max-age=63072000; includeSubDomains'\n" +
				"      - key: 'Content-Security-Policy'\n        value: '" + strings.ReplaceAll(csp, "'", "''") + "'\n" +
				"      - key: 'X-Frame-Options'\n        value: 'DENY'\n" +
				"      - key: 'X-Content-Type-Options'\n        value: 'nosniff'\n" +
				"      - key: 'Referrer-Policy'\n        value: 'strict-origin-when-cross-origin'\n" +
				"      - key: 'Permissions-Policy'\n        value: 'accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()'\n"
			if got := props(app)["CustomHeaders"]; got != want {
				t.Errorf("CustomHeaders =\n%s\nwant\n%s", got, want)
			}
			h := f.Envs[c.env].Hosting
			if len(h.Headers) != 6 || h.Headers[1].Value != csp {
				t.Errorf("Hosting.Headers = %+v", h.Headers)
			}
		})
	}
}

func TestRolesExactly(t *testing.T) {
	f := plain(t)
	for _, c := range envCases {
		t.Run(c.env, func(t *testing.T) {
			tpl := f.Template(t, c.env)
			tplJSON := cdktest.JSON(t, tpl)
			res := tplJSON["Resources"].(map[string]any)
			// Only customer managed policies: no inline policy, no AWS managed policy.
			for id, r := range res {
				typ := r.(map[string]any)["Type"]
				if typ == "AWS::IAM::Policy" {
					t.Errorf("%s is an inline policy", id)
				}
				if typ == "AWS::IAM::Role" {
					p := props(r.(map[string]any))
					if _, ok := p["ManagedPolicyArns"]; ok {
						t.Errorf("role %s has managed policy ARNs %s", id, toJSON(p["ManagedPolicyArns"]))
					}
					if _, ok := p["Policies"]; ok {
						t.Errorf("role %s has inline policies", id)
					}
				}
			}
			trust := func(cond any) string {
				st := map[string]any{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "amplify.amazonaws.com"}}
				if cond != nil {
					st["Condition"] = cond
				}
				return toJSON(map[string]any{"Statement": []any{st}, "Version": "2012-10-17"})
			}
			accountRef := map[string]any{"Ref": "AWS::AccountId"}
			wantServiceTrust := trust(map[string]any{
				"ArnLike":      map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:amplify:eu-west-1:", accountRef, ":apps/*"}}}},
				"StringEquals": map[string]any{"aws:SourceAccount": accountRef},
			})
			if got := toJSON(props(res["HostingServiceRoleAE9817C2"].(map[string]any))["AssumeRolePolicyDocument"]); got != wantServiceTrust {
				t.Errorf("service role trust = %s\nwant %s", got, wantServiceTrust)
			}
			if got := toJSON(props(res["HostingComputeRole409C7311"].(map[string]any))["AssumeRolePolicyDocument"]); got != trust(nil) {
				t.Errorf("compute role trust = %s\nwant %s", got, trust(nil))
			}

			appID := map[string]any{"Fn::GetAtt": []any{"HostingAppD21D0D36", "AppId"}}
			logs := func(rest ...any) map[string]any {
				return map[string]any{"Fn::Join": []any{"", append([]any{"arn:aws:logs:eu-west-1:", accountRef}, rest...)}}
			}
			wantService := map[string]any{
				"Roles": []any{map[string]any{"Ref": "HostingServiceRoleAE9817C2"}},
				"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Sid": "SsrLogGroup", "Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": logs(":log-group:/aws/amplify/", appID)},
					map[string]any{"Sid": "SsrLogStreams", "Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
						"Resource": logs(":log-group:/aws/amplify/", appID, ":log-stream:*")},
					map[string]any{"Sid": "DescribeLogGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": logs(":log-group:*")},
				}},
			}
			wantCompute := map[string]any{
				"Roles": []any{map[string]any{"Ref": "HostingComputeRole409C7311"}},
				"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Effect": "Allow", "Action": []any{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
						"Resource": "arn:aws:s3:::medbookings-uploads-" + c.env + "/*"},
					map[string]any{"Effect": "Allow", "Action": []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"},
						"Resource": []any{fakeDBSecretArn(c.env), map[string]any{"Ref": "HostingAppSecret7F3B739D"}}},
				}},
			}
			for id, want := range map[string]map[string]any{"HostingServicePolicy0BFC039E": wantService, "HostingComputePolicy350D9B1C": wantCompute} {
				r, ok := res[id].(map[string]any)
				if !ok {
					t.Errorf("no managed policy %s", id)
					continue
				}
				p := props(r)
				for _, k := range []string{"Roles", "PolicyDocument"} {
					if toJSON(p[k]) != toJSON(want[k]) {
						t.Errorf("%s.%s = %s\nwant %s", id, k, toJSON(p[k]), toJSON(want[k]))
					}
				}
			}
			// The compute role may decrypt the app secret's key only through Secrets Manager.
			key := props(res["HostingAppSecretKey2E668CDD"].(map[string]any))
			var roleStatements []string
			for _, st := range key["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				if strings.Contains(toJSON(st), "HostingComputeRole") {
					roleStatements = append(roleStatements, toJSON(st))
				}
			}
			wantKey := toJSON(map[string]any{"Action": "kms:Decrypt",
				"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
				"Effect":    "Allow", "Principal": map[string]any{"AWS": map[string]any{"Fn::GetAtt": []any{"HostingComputeRole409C7311", "Arn"}}}, "Resource": "*"})
			if len(roleStatements) != 1 || roleStatements[0] != wantKey {
				t.Errorf("key policy statements for the compute role = %v\nwant [%s]", roleStatements, wantKey)
			}
			// Nothing else in the whole template names the compute role as a principal or attaches a policy to it.
			if n := strings.Count(toJSON(tplJSON), `"Ref":"HostingComputeRole409C7311"`); n != 1 {
				t.Errorf("the compute role is referenced by %d policy attachments, want 1", n)
			}
		})
	}
}

func TestAppSecret(t *testing.T) {
	f := plain(t)
	for _, c := range envCases {
		t.Run(c.env, func(t *testing.T) {
			tpl := f.Template(t, c.env)
			id, secret := resource(t, tpl, "AWS::SecretsManager::Secret")
			keyID, key := resource(t, tpl, "AWS::KMS::Key")
			if id != "HostingAppSecret7F3B739D" || keyID != "HostingAppSecretKey2E668CDD" {
				t.Errorf("logical IDs = %s, %s; want HostingAppSecret7F3B739D, HostingAppSecretKey2E668CDD", id, keyID)
			}
			p := props(secret)
			if _, ok := p["SecretString"]; ok {
				t.Errorf("the secret has a SecretString in the template")
			}
			wantGen := `{"ExcludePunctuation":true,"GenerateStringKey":"AUTH_SECRET","PasswordLength":64,` +
				`"SecretStringTemplate":"{\"FIRECRAWL_API_KEY\":\"\",\"GOOGLE_CLIENT_SECRET\":\"\",\"SENDGRID_API_KEY\":\"\",\"TWILIO_ACCOUNT_SID\":\"\",\"TWILIO_AUTH_TOKEN\":\"\"}"}`
			if got := toJSON(p["GenerateSecretString"]); got != wantGen {
				t.Errorf("GenerateSecretString = %s\nwant %s", got, wantGen)
			}
			if toJSON(p["KmsKeyId"]) != toJSON(map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}) {
				t.Errorf("KmsKeyId = %s", toJSON(p["KmsKeyId"]))
			}
			if props(key)["EnableKeyRotation"] != true {
				t.Errorf("key rotation is off")
			}
			for what, r := range map[string]map[string]any{"secret": secret, "key": key} {
				if r["DeletionPolicy"] != c.removal || r["UpdateReplacePolicy"] != c.removal {
					t.Errorf("%s DeletionPolicy/UpdateReplacePolicy = %v/%v, want %s", what, r["DeletionPolicy"], r["UpdateReplacePolicy"], c.removal)
				}
			}
			if strings.Contains(toJSON(cdktest.JSON(t, tpl)), "BLOB_READ_WRITE_TOKEN") {
				t.Errorf("BLOB_READ_WRITE_TOKEN appears in the template")
			}
		})
	}
}

func TestDNS(t *testing.T) {
	spf := `"v=spf1 include:sendgrid.net ~all"`
	dmarc := `"v=DMARC1; p=none; rua=mailto:aws-root@medbookings.co.za"`
	t.Run("no hosted zone: records listed, none created", func(t *testing.T) {
		f := plain(t)
		for _, c := range envCases {
			rs := findResources(t, f.Template(t, c.env), "AWS::Route53::RecordSet")
			if len(rs) != 0 {
				t.Errorf("%s: %d record sets created without a hosted zone", c.env, len(rs))
			}
			recs := f.Envs[c.env].Hosting.DNSRecords
			if c.env == "staging" {
				if len(recs) != 0 {
					t.Errorf("staging lists mail records %+v; they belong to production", recs)
				}
				continue
			}
			var got []string
			for _, r := range recs {
				got = append(got, fmt.Sprintf("%s %s %s %v", r.Name, r.Type, *r.Value, r.InRoute53))
			}
			want := []string{
				"medbookings.co.za TXT v=spf1 include:sendgrid.net ~all false",
				"_dmarc.medbookings.co.za TXT v=DMARC1; p=none; rua=mailto:aws-root@medbookings.co.za false",
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("records =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	})
	t.Run("hosted zone: production creates SPF, DMARC and DKIM", func(t *testing.T) {
		f := full(t)
		rs := findResources(t, f.Template(t, "production"), "AWS::Route53::RecordSet")
		want := map[string]string{
			"HostingSpfRecord23A780D8":       `{"HostedZoneId":"` + zoneID + `","Name":"medbookings.co.za.","ResourceRecords":[` + jsonString(spf) + `],"TTL":"1800","Type":"TXT"}`,
			"HostingDmarcRecord287F6459":     `{"HostedZoneId":"` + zoneID + `","Name":"_dmarc.medbookings.co.za.","ResourceRecords":[` + jsonString(dmarc) + `],"TTL":"1800","Type":"TXT"}`,
			"HostingDkimS1Domainkey6C37415C": `{"HostedZoneId":"` + zoneID + `","Name":"` + dkimName1 + `.","ResourceRecords":["` + dkimTarget1 + `"],"TTL":"1800","Type":"CNAME"}`,
			"HostingDkimS2DomainkeyD7555FF6": `{"HostedZoneId":"` + zoneID + `","Name":"` + dkimName2 + `.","ResourceRecords":["` + dkimTarget2 + `"],"TTL":"1800","Type":"CNAME"}`,
		}
		if len(rs) != len(want) {
			t.Errorf("%d record sets, want %d: %s", len(rs), len(want), toJSON(rs))
		}
		for id, w := range want {
			r, ok := rs[id].(map[string]any)
			if !ok {
				t.Errorf("no record set %s (have %s)", id, toJSON(rs))
				continue
			}
			if got := toJSON(props(r)); got != w {
				t.Errorf("%s = %s\nwant %s", id, got, w)
			}
		}
		for _, r := range f.Envs["production"].Hosting.DNSRecords {
			if !r.InRoute53 {
				t.Errorf("record %s not marked as created", r.Name)
			}
		}
		rs = findResources(t, f.Template(t, "staging"), "AWS::Route53::RecordSet")
		if len(rs) != 0 {
			t.Errorf("staging creates %d record sets; the domain's mail records belong to production", len(rs))
		}
	})
}

func jsonString(s string) string { return toJSON(s) }

func TestPullRequestPreviewsFollowContext(t *testing.T) {
	_, b := resource(t, full(t).Template(t, "staging"), "AWS::Amplify::Branch")
	if props(b)["EnablePullRequestPreview"] != true {
		t.Errorf("staging previews not turned on by context")
	}
}

func TestCompliance(t *testing.T) {
	for name, fx := range map[string]func(*testing.T) *fixture{"plain": plain, "full": full} {
		t.Run(name, func(t *testing.T) {
			for _, finding := range compliance.Findings(fx(t).Asm) {
				t.Errorf("%s", finding)
			}
		})
	}
}

func TestStrictCloudFormationValidation(t *testing.T) {
	// Every optional setting on, so that every resource kind is validated.
	f := build(t, fullOverrides(), true)
	if len(f.Envs) != 2 {
		t.Fatalf("want both environments")
	}
	for _, finding := range compliance.Findings(f.Asm) {
		t.Errorf("%s", finding)
	}
}

// loadErr loads cdk.json with overrides and returns the error text.
func loadErr(t *testing.T, overrides map[string]any) string {
	t.Helper()
	ctx := cdktest.Context(t)
	for k, v := range overrides {
		ctx[k] = v
	}
	_, err := stacks.Load(ctx)
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestBadContext(t *testing.T) {
	const k = "medbookings.production.hosting."
	cases := []struct {
		name, key string
		value     any
		wantKey   string
		wantText  []string
	}{
		{"empty secret name", k + "gitHubTokenSecretName", "", k + "gitHubTokenSecretName", []string{`got ""`, "the name of an existing Secrets Manager secret (not empty)"}},
		{"secret name with spaces", k + "gitHubTokenSecretName", "my token", k + "gitHubTokenSecretName", []string{`"my token"`, "a Secrets Manager secret name"}},
		{"bad admin e-mail", k + "adminEmails", `["aws-root@medbookings.co.za","not-an-address"]`, k + "adminEmails[1]", []string{`"not-an-address"`, "an e-mail address"}},
		{"repeated admin e-mail", k + "adminEmails", `["a@medbookings.co.za","a@medbookings.co.za"]`, k + "adminEmails[1]", []string{"not already in the list"}},
		{"bad notification e-mail", k + "adminNotificationEmail", "Ops <ops@medbookings.co.za>", k + "adminNotificationEmail", []string{"an e-mail address"}},
		{"bad sender", k + "sendGridFromEmail", "noreply@", k + "sendGridFromEmail", []string{"an e-mail address"}},
		{"node version", k + "nodeVersion", "18", k + "nodeVersion", []string{`"18"`, "one of 20, 22"}},
		{"removal policy", k + "removalPolicy", "snapshot", k + "removalPolicy", []string{"one of retain, destroy"}},
		{"phone number", k + "twilioPhoneNumber", "0211234567", k + "twilioPhoneNumber", []string{"E.164"}},
		{"sentry dsn", k + "sentryDsn", "https://example.com/1", k + "sentryDsn", []string{"a Sentry DSN"}},
		{"sentry dsn with secret", k + "sentryDsn", "https://abc:def@o1.ingest.sentry.io/2", k + "sentryDsn", []string{"a Sentry DSN"}},
		{"google client id", k + "googleClientId", "my-client", k + "googleClientId", []string{"apps.googleusercontent.com"}},
		{"maps key", k + "googleMapsApiKey", "secret", k + "googleMapsApiKey", []string{"AIza"}},
		{"hosted zone", k + "hostedZoneId", "medbookings.co.za", k + "hostedZoneId", []string{"hosted zone ID"}},
		{"dkim target", k + "sendGridDkimRecords", `{"s1._domainkey.medbookings.co.za":"Not A Host"}`, k + "sendGridDkimRecords.s1._domainkey.medbookings.co.za", []string{"CNAME target"}},
		{"csp directive", k + "cspExtraSources", `{"script-src-elem":["https://x.example.com"]}`, k + "cspExtraSources.script-src-elem", []string{"one of the directives"}},
		{"csp source", k + "cspExtraSources", `{"img-src":["'unsafe-eval'"]}`, k + "cspExtraSources.img-src[0]", []string{"an https origin"}},
		{"unknown key", k + "buildImage", "x", k + "buildImage", []string{"one of the known keys"}},
		// Validated by the stack settings, listed here because the hosting depends on them.
		{"host outside the domain", "medbookings.staging.canonicalHost", "staging.example.com", "medbookings.staging.canonicalHost", []string{"medbookings.co.za or a host name under it"}},
		{"malformed repository", "medbookings.shared.gitHubRepository", "git@github.com:sheigoldberg/medbookings.git", "medbookings.shared.gitHubRepository", []string{"https://github.com/owner/name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := loadErr(t, map[string]any{c.key: c.value})
			if msg == "" {
				t.Fatalf("%s = %v was accepted", c.key, c.value)
			}
			line := ""
			for _, l := range strings.Split(msg, "\n") {
				if strings.Contains(l, "- "+c.wantKey+":") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no problem names %s:\n%s", c.wantKey, msg)
			}
			for _, w := range c.wantText {
				if !strings.Contains(line, w) {
					t.Errorf("problem %q does not say %q", line, w)
				}
			}
		})
	}
	if msg := loadErr(t, nil); msg != "" {
		t.Fatalf("cdk.json itself is invalid: %s", msg)
	}
}

func TestBadScope(t *testing.T) {
	base := func() (hosting.Config, hosting.Scope) {
		s, err := stacks.Load(cdktest.Context(t))
		if err != nil {
			t.Fatal(err)
		}
		e := s.Production
		return e.Hosting, hosting.Scope{Environment: "production", Domain: s.Shared.Domain, CanonicalHost: e.CanonicalHost, RedirectHosts: e.RedirectHosts}
	}
	cases := []struct {
		name   string
		change func(*hosting.Config, *hosting.Scope)
		want   string
	}{
		{"previews in production", func(c *hosting.Config, _ *hosting.Scope) { c.PullRequestPreviews = true }, "pullRequestPreviews: got true; allowed: false in production"},
		{"sender outside the domain", func(c *hosting.Config, _ *hosting.Scope) { c.SendGridFromEmail = "noreply@gmail.com" }, "sendGridFromEmail: got \"noreply@gmail.com\"; allowed: an address at medbookings.co.za"},
		{"dkim in staging", func(c *hosting.Config, s *hosting.Scope) {
			c.SendGridDkimRecords = map[string]string{dkimName1: dkimTarget1}
			s.Environment, s.CanonicalHost, s.RedirectHosts = "staging", "staging.medbookings.co.za", nil
		}, "the mail records of medbookings.co.za belong to the environment that serves it"},
		{"dkim outside the domain", func(c *hosting.Config, _ *hosting.Scope) {
			c.SendGridDkimRecords = map[string]string{"s1._domainkey.example.com": dkimTarget1}
		}, "a record name under medbookings.co.za"},
		{"hosts that are not one association", func(_ *hosting.Config, s *hosting.Scope) { s.RedirectHosts = []string{"a.b.medbookings.co.za"} },
			"a.b.medbookings.co.za is not under medbookings.co.za"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, sc := base()
			var ps config.Problems
			cfg.ValidateIn("medbookings."+sc.Environment+".hosting", sc, &ps)
			if len(ps) != 0 {
				t.Fatalf("the unchanged settings have problems: %v", ps)
			}
			c.change(&cfg, &sc)
			cfg.ValidateIn("medbookings."+sc.Environment+".hosting", sc, &ps)
			err := ps.Err()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a problem containing %q", err, c.want)
			}
			// The construct refuses the same props, with the same message.
			app := cdktest.NewApp(t, cdktest.AppOptions{})
			stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
			s, _ := stacks.Load(cdktest.Context(t))
			p := propsFor(stack, s, s.Production)
			p.Config, p.EnvironmentName, p.CanonicalHost, p.RedirectHosts = cfg, sc.Environment, sc.CanonicalHost, sc.RedirectHosts
			var got any
			func() {
				defer func() { got = recover() }()
				hosting.NewHosting(stack, jsii.String("Hosting"), p)
			}()
			if got == nil || !strings.Contains(fmt.Sprint(got), c.want) {
				t.Errorf("NewHosting: got %v, want a panic containing %q", got, c.want)
			}
		})
	}
}

func TestDomainAssociation(t *testing.T) {
	for _, c := range []struct {
		canonical string
		redirects []string
		domain    string
		prefixes  string
	}{
		{"medbookings.co.za", []string{"www.medbookings.co.za"}, "medbookings.co.za", `["","www"]`},
		{"www.medbookings.co.za", []string{"medbookings.co.za"}, "medbookings.co.za", `["www",""]`},
		{"staging.medbookings.co.za", nil, "staging.medbookings.co.za", `[""]`},
	} {
		d, p, err := hosting.DomainAssociation(c.canonical, c.redirects)
		if err != nil || d != c.domain || toJSON(p) != c.prefixes {
			t.Errorf("DomainAssociation(%s, %v) = %s %s %v, want %s %s", c.canonical, c.redirects, d, toJSON(p), err, c.domain, c.prefixes)
		}
	}
	if _, _, err := hosting.DomainAssociation("medbookings.co.za", []string{"medbookings.co.za"}); err == nil {
		t.Errorf("a repeated host was accepted")
	}
}
