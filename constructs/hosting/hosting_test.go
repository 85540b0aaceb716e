package hosting_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
)

// The managed origin request policy AllViewerExceptHostHeader (a function
// URL refuses a foreign Host).
const allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

func TestContractIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range hosting.Contract {
		assert.False(t, seen[v.Name], "%s listed twice", v.Name)
		seen[v.Name] = true
		assert.NotEmpty(t, v.Doc, v.Name)
		assert.Equal(t, v.Source == hosting.FromSettings, v.Setting != "", "%s: a settings variable names its setting, no other does", v.Name)
		if v.BuildValue != "" {
			assert.True(t, v.Secret || v.Phase == hosting.Run, "%s: only run-time values get a build placeholder", v.Name)
		}
		if v.Source == hosting.FromAppSecret || v.Source == hosting.FromGenerated || v.Source == hosting.FromBuildSecret || v.Source == hosting.FromDatabase {
			assert.True(t, v.Secret, "%s comes from a secret and must be marked secret", v.Name)
		}
	}
	assert.Equal(t, []string{"GOOGLE_CLIENT_SECRET", "SENDGRID_API_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "UPSTASH_REDIS_REST_TOKEN"}, hosting.AppSecretKeys())
	assert.Equal(t, []string{"SENTRY_AUTH_TOKEN"}, hosting.BuildSecretKeys())
	table := hosting.ContractTable()
	for _, v := range hosting.Contract {
		assert.Contains(t, table, "`"+v.Name+"`")
	}
}

// TestReservedConcurrencyFitsTheConnections: instances × connection_limit,
// plus the other clients, stays under 80 % of max_connections.
func TestReservedConcurrencyFitsTheConnections(t *testing.T) {
	for _, maxConn := range []int{84, 168, 336, 5000} {
		for _, limit := range []int{1, 2, 3, 5} {
			n := hosting.ReservedConcurrency(maxConn, limit)
			require.Positive(t, n, "max %d limit %d", maxConn, limit)
			assert.LessOrEqual(t, float64(n*limit+hosting.OtherConnections), hosting.ConnectionShare*float64(maxConn), "max %d limit %d", maxConn, limit)
			assert.Greater(t, float64((n+1)*limit+hosting.OtherConnections), hosting.ConnectionShare*float64(maxConn), "the largest such number: max %d limit %d", maxConn, limit)
		}
	}
}

func TestSecrets(t *testing.T) {
	s := getFixture(t).placeholder
	secrets := s.resources("AWS::SecretsManager::Secret")
	gen := func(part string) map[string]any {
		return s.one(t, "AWS::SecretsManager::Secret", part)["Properties"].(map[string]any)["GenerateSecretString"].(map[string]any)
	}
	require.Len(t, secrets, 4, "the three of the construct and the test's database secret")
	app := gen("HostingAppSecret")
	assert.Equal(t, "NEXTAUTH_SECRET", app["GenerateStringKey"])
	assert.Equal(t, 64.0, app["PasswordLength"], "the app's schema wants at least 32 characters")
	var tpl map[string]string
	require.NoError(t, json.Unmarshal([]byte(app["SecretStringTemplate"].(string)), &tpl))
	for _, k := range hosting.AppSecretKeys() {
		assert.Equal(t, "", tpl[k], "the operator's key %s starts empty", k)
	}
	assert.Len(t, tpl, len(hosting.AppSecretKeys()))
	assert.Equal(t, "CRON_SECRET", gen("HostingCronSecret")["GenerateStringKey"])
	assert.Contains(t, gen("HostingBuildSecret")["SecretStringTemplate"], "SENTRY_AUTH_TOKEN")
	for id, r := range secrets {
		if strings.HasPrefix(id, "Hosting") {
			assert.Contains(t, r["Properties"].(map[string]any), "KmsKeyId", id)
			assert.Equal(t, "Retain", r["DeletionPolicy"], id)
		}
	}
}

func TestServerFunction(t *testing.T) {
	f := getFixture(t)
	for _, s := range []*site{f.placeholder, f.app} {
		name := *s.stack.StackName()
		cdktest.Check(t, name, func() {
			s.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"FunctionName":                 assertions.Match_StringLikeRegexp(jsii.String("-server$")),
				"Runtime":                      "nodejs22.x",
				"Architectures":                []any{"arm64"},
				"Handler":                      "index.handler",
				"MemorySize":                   1536,
				"Timeout":                      hosting.ServerTimeoutSeconds,
				"ReservedConcurrentExecutions": hosting.ReservedConcurrency(maxConnections, 1),
				"VpcConfig":                    assertions.Match_ObjectLike(&map[string]any{"SubnetIds": assertions.Match_AnyValue()}),
				"Layers":                       assertions.Match_AnyValue(),
			})
		})
		assert.Less(t, hosting.ServerTimeoutSeconds, hosting.OriginReadTimeoutSeconds, "the server answers before CloudFront gives up")
		env := s.hosting.Environment
		assert.Equal(t, hosting.WrapperPath, env["AWS_LAMBDA_EXEC_WRAPPER"])
		assert.Equal(t, "https://"+s.hosting.Hosts[0], env["NEXTAUTH_URL"])
		assert.Equal(t, s.hosting.Hosts[0], env["VERCEL_URL"])
		assert.Equal(t, "medbookings-uploads-test", env["S3_BUCKET_NAME"])
		assert.Equal(t, "media/", env["S3_PUBLIC_PREFIX"])
		assert.Equal(t, "production", env["NODE_ENV"])
		assert.Equal(t, fmt.Sprint(hosting.SyncIntervalMinutes), env["SYNC_INTERVAL_MINUTES"])
		assert.Equal(t, hosting.DatabaseURLParams("medbookings", 1), env["MEDBOOKINGS_DATABASE_URL_PARAMS"])
		assert.Contains(t, env["MEDBOOKINGS_DATABASE_URL_PARAMS"], "sslaccept=strict")
		assert.Contains(t, env["MEDBOOKINGS_DATABASE_URL_PARAMS"], "sslcert="+hosting.CAPath)
		assert.Equal(t, "a@medbookings.co.za,b@medbookings.co.za", env["ADMIN_EMAILS"])
		for _, v := range hosting.Contract {
			if v.Secret {
				assert.NotContains(t, env, v.Name, "%s is a secret: the env wrapper puts it into process.env at cold start", v.Name)
			}
			if v.Phase == hosting.Build {
				assert.NotContains(t, env, v.Name, "%s is baked in by the build", v.Name)
			}
		}
		assert.Equal(t, []string{"PostgreSQL from the Next.js server"}, s.database.peers[:1])
		assert.Equal(t, 1, s.uploads.grants)
	}
	// the server's code: the bundle's server function, or a placeholder
	placeholder := f.placeholder.one(t, "AWS::Lambda::Function", "HostingServerFunction")
	assert.Contains(t, placeholder["Properties"].(map[string]any)["Code"], "ZipFile")
	server := f.app.one(t, "AWS::Lambda::Function", "HostingServerFunction")
	assert.Contains(t, server["Properties"].(map[string]any)["Code"], "S3Key")
}

func TestImageFunction(t *testing.T) {
	s := getFixture(t).app
	cdktest.Check(t, "image function", func() {
		s.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"FunctionName":                 "medbookings-staging-image",
			"Runtime":                      "nodejs22.x",
			"Architectures":                []any{"arm64"},
			"ReservedConcurrentExecutions": hosting.ImageConcurrency,
			"Environment": map[string]any{"Variables": map[string]any{
				"BUCKET_NAME": assertions.Match_AnyValue(), "BUCKET_KEY_PREFIX": "_assets",
			}},
			"VpcConfig": assertions.Match_AnyValue(),
		})
	})
}

// TestOriginAccess: both function URLs take IAM-signed requests only, from
// this distribution, with both permissions Lambda wants since October 2025.
func TestOriginAccess(t *testing.T) {
	s := getFixture(t).app
	urls := s.resources("AWS::Lambda::Url")
	require.Len(t, urls, 2)
	for id, u := range urls {
		assert.Equal(t, "AWS_IAM", u["Properties"].(map[string]any)["AuthType"], id)
	}
	var invokeURL, invoke int
	for id, p := range s.resources("AWS::Lambda::Permission") {
		props := p["Properties"].(map[string]any)
		if props["Principal"] != "cloudfront.amazonaws.com" {
			continue
		}
		assert.Contains(t, fmt.Sprint(props["SourceArn"]), "HostingDistribution", id)
		switch props["Action"] {
		case "lambda:InvokeFunctionUrl":
			invokeURL++
		case "lambda:InvokeFunction":
			invoke++
			assert.Equal(t, true, props["InvokedViaFunctionUrl"], id)
		}
	}
	assert.Equal(t, 2, invokeURL, "lambda:InvokeFunctionUrl for the server and the image function")
	assert.Equal(t, 2, invoke, "lambda:InvokeFunction through the URL for the server and the image function (aws/aws-cdk#35872)")
	oacs := s.resources("AWS::CloudFront::OriginAccessControl")
	kinds := map[string]int{}
	for _, o := range oacs {
		cfg := o["Properties"].(map[string]any)["OriginAccessControlConfig"].(map[string]any)
		assert.Equal(t, "always", cfg["SigningBehavior"])
		kinds[cfg["OriginAccessControlOriginType"].(string)]++
	}
	assert.Equal(t, map[string]int{"lambda": 2, "s3": 2}, kinds)
}

func distribution(t *testing.T, s *site) map[string]any {
	t.Helper()
	return s.one(t, "AWS::CloudFront::Distribution", "HostingDistribution")["Properties"].(map[string]any)["DistributionConfig"].(map[string]any)
}

func TestDistribution(t *testing.T) {
	s := getFixture(t).app
	d := distribution(t, s)
	assert.Equal(t, []any{"medbookings.co.za", "www.medbookings.co.za"}, d["Aliases"])
	assert.Equal(t, map[string]any{"AcmCertificateArn": certificateARN, "MinimumProtocolVersion": "TLSv1.2_2021", "SslSupportMethod": "sni-only"}, d["ViewerCertificate"])
	assert.Equal(t, "http2and3", d["HttpVersion"])
	assert.Equal(t, "PriceClass_200", d["PriceClass"], "price class 200 serves South Africa from nearby edges")
	assert.Equal(t, true, d["IPV6Enabled"])
	assert.Contains(t, fmt.Sprint(d["Logging"]), "cloudfront/")

	def := d["DefaultCacheBehavior"].(map[string]any)
	assert.Equal(t, "redirect-to-https", def["ViewerProtocolPolicy"])
	assert.Len(t, def["AllowedMethods"], 7)
	assert.Equal(t, allViewerExceptHostHeader, def["OriginRequestPolicyId"])
	assert.Equal(t, true, def["Compress"])
	require.Len(t, def["LambdaFunctionAssociations"], 1)
	edge := def["LambdaFunctionAssociations"].([]any)[0].(map[string]any)
	assert.Equal(t, "origin-request", edge["EventType"])
	assert.Equal(t, true, edge["IncludeBody"])
	assert.Equal(t, bodyHashARN, edge["LambdaFunctionARN"])
	require.Len(t, def["FunctionAssociations"], 1)

	var patterns []string
	for _, b := range d["CacheBehaviors"].([]any) {
		beh := b.(map[string]any)
		patterns = append(patterns, beh["PathPattern"].(string))
		assert.Len(t, beh["FunctionAssociations"], 1, "every behavior runs the viewer-request function: %s", beh["PathPattern"])
		assert.Equal(t, "redirect-to-https", beh["ViewerProtocolPolicy"])
	}
	// the image optimizer first: _next/* of the static files matches it too
	assert.Equal(t, []string{"_next/image*", "_next/data/*", "BUILD_ID", "_next/*", "logo.png", "media/*"}, patterns)
	b, err := hosting.ReadBundle(cdktest.TestAppBundle(t, "staging"), "staging")
	require.NoError(t, err)
	assert.Equal(t, b.AssetPatterns, patterns[2:5], "the static files' behaviors are the ones OpenNext's output lists")
	assert.Equal(t, []string{"_next/image*", "_next/data/*", "media/*"}, behaviorPatterns(distribution(t, getFixture(t).placeholder)),
		"without a bundle there are no static files")
}

func behaviorPatterns(d map[string]any) []string {
	var out []string
	for _, b := range d["CacheBehaviors"].([]any) {
		out = append(out, b.(map[string]any)["PathPattern"].(string))
	}
	return out
}

func TestCachePolicies(t *testing.T) {
	s := getFixture(t).app
	server := s.one(t, "AWS::CloudFront::CachePolicy", "ServerCachePolicy")["Properties"].(map[string]any)["CachePolicyConfig"].(map[string]any)
	assert.Equal(t, 0.0, server["DefaultTTL"], "nothing is cached unless the app says so")
	assert.Equal(t, 0.0, server["MinTTL"])
	key := server["ParametersInCacheKeyAndForwardedToOrigin"].(map[string]any)
	headers := key["HeadersConfig"].(map[string]any)
	assert.Equal(t, "whitelist", headers["HeaderBehavior"])
	assert.ElementsMatch(t, hosting.ServerCacheKeyHeaders, headers["Headers"])
	assert.Contains(t, headers["Headers"], "x-forwarded-host", "one host's pages never answer another host")
	assert.Equal(t, "none", key["CookiesConfig"].(map[string]any)["CookieBehavior"])
	assert.Equal(t, "all", key["QueryStringsConfig"].(map[string]any)["QueryStringBehavior"])
	image := s.one(t, "AWS::CloudFront::CachePolicy", "ImageCachePolicy")["Properties"].(map[string]any)["CachePolicyConfig"].(map[string]any)
	assert.Equal(t, []any{"accept"}, image["ParametersInCacheKeyAndForwardedToOrigin"].(map[string]any)["HeadersConfig"].(map[string]any)["Headers"])
}

// TestResponseHeaders: CloudFront adds the app's own headers, with the app's
// values, only where a response lacks them; never a second, different value.
func TestResponseHeaders(t *testing.T) {
	s := getFixture(t).app
	cfg := s.one(t, "AWS::CloudFront::ResponseHeadersPolicy", "SecurityHeaders")["Properties"].(map[string]any)["ResponseHeadersPolicyConfig"].(map[string]any)
	sec := cfg["SecurityHeadersConfig"].(map[string]any)
	app := map[string]string{}
	for _, h := range hosting.AppHeaders {
		app[h.Key] = h.Value
	}
	for name, h := range sec {
		assert.Equal(t, false, h.(map[string]any)["Override"], "%s must not override the app's", name)
	}
	hsts := sec["StrictTransportSecurity"].(map[string]any)
	assert.Equal(t, app["Strict-Transport-Security"], fmt.Sprintf("max-age=%d; includeSubDomains; preload", int(hsts["AccessControlMaxAgeSec"].(float64))))
	assert.Equal(t, app["X-Frame-Options"], sec["FrameOptions"].(map[string]any)["FrameOption"])
	assert.Equal(t, app["Referrer-Policy"], sec["ReferrerPolicy"].(map[string]any)["ReferrerPolicy"])
	csp := sec["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"].(string)
	assert.Contains(t, csp, "frame-ancestors 'self'", "as the app's X-Frame-Options SAMEORIGIN says")
	assert.Contains(t, csp, "https://medbookings-uploads-test.s3.eu-west-1.amazonaws.com", "presigned transfers to the uploads bucket")
	assert.Contains(t, csp, "https://o1.ingest.de.sentry.io")
	for _, h := range cfg["CustomHeadersConfig"].(map[string]any)["Items"].([]any) {
		item := h.(map[string]any)
		assert.Equal(t, app[item["Header"].(string)], item["Value"], item["Header"])
		assert.Equal(t, false, item["Override"])
	}
	got, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), "testdata", "app-security-headers.json"))
	require.NoError(t, err)
	var want map[string]string
	require.NoError(t, json.Unmarshal(got, &want))
	assert.Equal(t, want, app, "AppHeaders are what the app's next.config.mjs sends (testdata/app-security-headers.json)")
}

// TestBucketPoliciesExposeOnlyWhatIsServed: CloudFront may read the static
// files (_assets/) of the assets bucket, never the prerendered cache
// (_cache/), and the uploads' public prefix only.
func TestBucketPoliciesExposeOnlyWhatIsServed(t *testing.T) {
	s := getFixture(t).app
	var found bool
	for id, p := range s.resources("AWS::S3::BucketPolicy") {
		raw, _ := json.Marshal(p)
		text := string(raw)
		if !strings.Contains(id, "HostingAssets") {
			continue
		}
		found = true
		assert.Contains(t, text, "/_assets/*")
		assert.NotContains(t, text, "_cache")
		assert.Contains(t, text, "cloudfront.amazonaws.com")
	}
	assert.True(t, found, "the assets bucket has a policy")
	assert.NotNil(t, s.uploads.distribution, "the uploads bucket's public prefix is opened to the distribution")
}

// viewerRequest runs the viewer-request function under Node on a request to
// host with uri and raw query string qs.
func viewerRequest(t *testing.T, canonical string, redirects []string, host, uri, qs string) map[string]any {
	t.Helper()
	program := hosting.ViewerRequestSource(canonical, redirects) + fmt.Sprintf(`
;const req = { method: 'GET', uri: %q, headers: { host: { value: %q }, 'x-forwarded-host': { value: 'evil.example.com' } },
  querystring: {}, cookies: {}, rawQueryString: () => %s };
console.log(JSON.stringify(handler({ version: '1.0', request: req })));`, uri, host, jsString(qs))
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(node(t, program)), &out))
	return out
}

func jsString(qs string) string {
	if qs == "-" {
		return "undefined"
	}
	b, _ := json.Marshal(qs)
	return string(b)
}

func TestViewerRequestFunction(t *testing.T) {
	canonical, redirects := "medbookings.co.za", []string{"www.medbookings.co.za"}
	got := viewerRequest(t, canonical, redirects, "medbookings.co.za", "/providers/42", "a=1")
	assert.Equal(t, "medbookings.co.za", got["headers"].(map[string]any)["x-forwarded-host"].(map[string]any)["value"],
		"x-forwarded-host is the viewer's host, whatever the viewer sent")
	assert.Equal(t, "/providers/42", got["uri"])

	for _, tc := range []struct{ uri, qs, location string }{
		{"/providers/42", "a=1&b=%20x", "https://medbookings.co.za/providers/42?a=1&b=%20x"},
		{"/", "-", "https://medbookings.co.za/"},
		{"/x", "", "https://medbookings.co.za/x"},
	} {
		got := viewerRequest(t, canonical, redirects, "www.medbookings.co.za", tc.uri, tc.qs)
		assert.Equal(t, 301.0, got["statusCode"], tc.uri)
		assert.Equal(t, tc.location, got["headers"].(map[string]any)["location"].(map[string]any)["value"], "path and query kept")
	}
	for _, host := range []string{"d111111abcdef8.cloudfront.net", "other.example.com", ""} {
		got := viewerRequest(t, canonical, redirects, host, "/", "-")
		assert.Equal(t, 403.0, got["statusCode"], "host %q", host)
	}
	// staging has no redirect host
	got = viewerRequest(t, "staging.medbookings.co.za", nil, "www.medbookings.co.za", "/", "-")
	assert.Equal(t, 403.0, got["statusCode"])
}

// TestPlaceholderIsNeverDeployed: without a bundle the template carries a
// rule that fails every deployment; with one it does not.
func TestPlaceholderIsNeverDeployed(t *testing.T) {
	f := getFixture(t)
	rules, _ := f.placeholder.json["Rules"].(map[string]any)
	require.Contains(t, rules, "AppBundleRequired")
	assertion := rules["AppBundleRequired"].(map[string]any)["Assertions"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"Fn::Equals": []any{"app-bundle", "placeholder"}}, assertion["Assert"], "an assertion that is always false")
	assert.Contains(t, assertion["AssertDescription"], "scripts/build-app.sh")
	appRules, _ := f.app.json["Rules"].(map[string]any)
	assert.NotContains(t, appRules, "AppBundleRequired")
	assert.True(t, f.placeholder.hosting.Placeholder)
	assert.False(t, f.app.hosting.Placeholder)
}

// TestAssetsAndMigrationsBeforeTheServer: the static files are uploaded and
// the migrations applied before the server's new code takes traffic.
func TestAssetsAndMigrationsBeforeTheServer(t *testing.T) {
	s := getFixture(t).app
	deployments := s.resources("Custom::CDKBucketDeployment")
	require.Len(t, deployments, 3)
	var cacheControls []string
	for id, d := range deployments {
		props := d["Properties"].(map[string]any)
		assert.Equal(t, false, props["Prune"], "%s keeps old files (open tabs still load them)", id)
		if md, ok := props["SystemMetadata"].(map[string]any); ok {
			cacheControls = append(cacheControls, md["cache-control"].(string))
		}
	}
	assert.ElementsMatch(t, []string{hosting.ImmutableCacheControl, hosting.RevalidateCacheControl}, cacheControls)
	migrations := s.one(t, "Custom::MedBookingsMigrations", "HostingMigrations")
	props := migrations["Properties"].(map[string]any)
	b, err := hosting.ReadBundle(cdktest.TestAppBundle(t, "staging"), "staging")
	require.NoError(t, err)
	files, digest, err := hosting.MigrationFiles(b.MigrationsDir)
	require.NoError(t, err)
	assert.Equal(t, digest, props["MigrationsDigest"])
	assert.Contains(t, files, "migrations/migration_lock.toml")
	assert.Equal(t, "medbookings", props["Schema"])
	assert.Equal(t, "Retain", migrations["DeletionPolicy"])
	server := s.one(t, "AWS::Lambda::Function", "HostingServerFunction")
	deps := fmt.Sprint(server["DependsOn"])
	assert.Contains(t, deps, "HostingMigrations")
	for id, d := range deployments {
		p := d["Properties"].(map[string]any)
		if strings.HasPrefix(id, "HostingOtherAssets") {
			assert.NotContains(t, deps, id)
			assert.Contains(t, fmt.Sprint(d["DependsOn"]), "HostingServerFunction", "the fixed-name files and the invalidation come after the server")
			assert.Equal(t, []any{"/*"}, p["DistributionPaths"])
			continue
		}
		assert.Contains(t, deps, id, "%s before the server", id)
		assert.NotContains(t, p, "DistributionPaths")
	}
	assert.Contains(t, s.database.peers, "PostgreSQL from the migrations")
	assert.Empty(t, getFixture(t).placeholder.resources("Custom::MedBookingsMigrations"))
}

func TestJobs(t *testing.T) {
	s := getFixture(t).placeholder
	schedules := s.resources("AWS::Scheduler::Schedule")
	require.Len(t, schedules, len(hosting.Jobs))
	want := map[string]string{
		`{"path":"/api/cron/sync-calendars"}`:      "cron(0/15 * * * ? *)",
		`{"path":"/api/cron/monitor-sync-health"}`: "cron(0 * * * ? *)",
	}
	for id, sc := range schedules {
		props := sc["Properties"].(map[string]any)
		target := props["Target"].(map[string]any)
		assert.Equal(t, want[target["Input"].(string)], props["ScheduleExpression"], id)
		assert.Equal(t, "UTC", props["ScheduleExpressionTimezone"])
		assert.Contains(t, fmt.Sprint(target["Arn"]), "HostingCronFunction")
	}
	cron := s.one(t, "AWS::Lambda::Function", "HostingCronFunction")["Properties"].(map[string]any)
	env := cron["Environment"].(map[string]any)["Variables"].(map[string]any)
	assert.Equal(t, "https://test.medbookings.co.za", env["APP_URL"])
	assert.Equal(t, "18:00-23:45,02:00-05:15", env["QUIET_WINDOWS_UTC"], "no call while the database sleeps")
	assert.Contains(t, fmt.Sprint(env["CRON_SECRET_ARN"]), "HostingCronSecret", "the secret by reference, never its value")
	assert.Equal(t, "provided.al2023", cron["Runtime"])
	role := s.one(t, "AWS::IAM::Role", "HostingJobsRole")["Properties"].(map[string]any)
	assert.Contains(t, fmt.Sprint(role["AssumeRolePolicyDocument"]), "aws:SourceAccount")
	policy := s.one(t, "AWS::IAM::ManagedPolicy", "HostingJobsPolicy")["Properties"].(map[string]any)
	raw, _ := json.Marshal(policy["PolicyDocument"])
	assert.Contains(t, string(raw), `"Action":"lambda:InvokeFunction"`)
}

func TestDNSRecords(t *testing.T) {
	f := getFixture(t)
	var names []string
	for _, r := range f.app.hosting.DNSRecords {
		assert.False(t, r.InRoute53)
		names = append(names, r.Type+" "+r.Name)
	}
	assert.Equal(t, []string{"ALIAS medbookings.co.za", "CNAME www.medbookings.co.za", "TXT medbookings.co.za", "TXT _dmarc.medbookings.co.za",
		"CNAME s1._domainkey.medbookings.co.za"}, names, "the apex environment holds the domain's mail records")
	assert.Len(t, f.placeholder.hosting.DNSRecords, 1, "a sub-domain environment has only its host")

	z := zoneSite(t)
	for _, r := range z.hosting.DNSRecords {
		assert.True(t, r.InRoute53)
	}
	assert.Len(t, z.resources("AWS::Route53::RecordSet"), 2*2+3, "A and AAAA aliases for both hosts, SPF, DMARC, DKIM")
}

// TestReadBundleRefuses: a bundle the stack cannot deploy is refused with a
// message naming what the app's OpenNext configuration must change. The
// cases start from the real test app build and change one thing.
func TestReadBundleRefuses(t *testing.T) {
	real := cdktest.TestAppBundle(t, "staging")
	raw, err := os.ReadFile(filepath.Join(real, ".open-next", "open-next.output.json"))
	require.NoError(t, err)
	// copy makes a bundle that shares the real one's folders but has its own
	// output file and manifest.
	copyBundle := func(t *testing.T, edit func(out map[string]any), environment string) string {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, ".open-next"), 0o755))
		entries, err := os.ReadDir(filepath.Join(real, ".open-next"))
		require.NoError(t, err)
		for _, e := range entries {
			if e.Name() != "open-next.output.json" {
				require.NoError(t, os.Symlink(filepath.Join(real, ".open-next", e.Name()), filepath.Join(dir, ".open-next", e.Name())))
			}
		}
		var out map[string]any
		require.NoError(t, json.Unmarshal(raw, &out))
		if edit != nil {
			edit(out)
		}
		b, _ := json.Marshal(out)
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".open-next", "open-next.output.json"), b, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, hosting.ManifestFile), []byte(`{"environment":"`+environment+`","commit":"x","openNext":"3.9.12"}`), 0o644))
		return dir
	}
	server := func(out map[string]any) map[string]any {
		return out["origins"].(map[string]any)["default"].(map[string]any)
	}
	_, err = hosting.ReadBundle(copyBundle(t, nil, "staging"), "staging")
	require.NoError(t, err, "an unchanged copy is accepted")
	tests := []struct {
		name, environment, want string
		edit                    func(map[string]any)
	}{
		{"another environment's build", "production", `built for "production", not "staging"`, nil},
		{"a DynamoDB tag cache", "staging", `tagCache "dynamodb"`, func(o map[string]any) { server(o)["tagCache"] = "dynamodb" }},
		{"an SQS queue", "staging", `queue "sqs"`, func(o map[string]any) { server(o)["queue"] = "sqs" }},
		{"streaming", "staging", "buffered Lambda function URLs", func(o map[string]any) { server(o)["streaming"] = true }},
		{"edge functions", "staging", "edge functions", func(o map[string]any) { o["edgeFunctions"] = map[string]any{"middleware": map[string]any{}} }},
		{"a missing server folder", "staging", "is missing", func(o map[string]any) { server(o)["bundle"] = ".open-next/nowhere" }},
		{"too many public files", "staging", "CloudFront behaviors", func(o map[string]any) {
			beh := o["behaviors"].([]any)
			for i := range 25 {
				beh = append(beh, map[string]any{"pattern": fmt.Sprintf("file%d.png", i), "origin": "s3"})
			}
			o["behaviors"] = beh
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hosting.ReadBundle(copyBundle(t, tc.edit, tc.environment), "staging")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err = hosting.ReadBundle(t.TempDir(), "staging")
	require.ErrorContains(t, err, "not an app bundle written by scripts/build-app.sh")
}

// TestReadBundleChecksSharp: OpenNext's default sharp install fails offline
// and still exits 0; a bundle without arm64 sharp is refused.
func TestReadBundleChecksSharp(t *testing.T) {
	real := cdktest.TestAppBundle(t, "staging")
	_, err := os.Stat(filepath.Join(real, ".open-next", "image-optimization-function", "node_modules", "@img", "sharp-linux-arm64"))
	require.NoError(t, err, "the real build has sharp for linux/arm64")
}

func TestPropsAreChecked(t *testing.T) {
	tests := []struct {
		name   string
		change func(*hosting.Props)
		want   string
	}{
		{"a settings variable missing", func(p *hosting.Props) { delete(p.App, "GOOGLE_CLIENT_ID") }, "App has no value for GOOGLE_CLIENT_ID"},
		{"an unknown variable", func(p *hosting.Props) { p.App["FIRECRAWL_API_KEY"] = "x" }, "FIRECRAWL_API_KEY, which is not a settings variable"},
		{"no connections left", func(p *hosting.Props) { p.DatabaseMaxConnections = 5 }, "leaves no server concurrency"},
		{"a public prefix without slash", func(p *hosting.Props) { p.PublicPrefix = "media" }, `PublicPrefix "media"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := cdktest.NewApp(t, cdktest.AppOptions{})
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				stack := newStack(app, "Bad")
				p, _, _ := newProps(stack)
				tc.change(&p)
				hosting.New(stack, "Hosting", p)
				return ""
			}()
			assert.Contains(t, msg, tc.want)
		})
	}
}
