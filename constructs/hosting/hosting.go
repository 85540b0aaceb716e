package hosting

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsamplify"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Facts of the Amplify app that the tests and the docs rely on.
const (
	Platform         = "WEB_COMPUTE"
	Framework        = "Next.js - SSR"
	CertificateType  = "AMPLIFY_MANAGED"
	CacheConfigType  = "AMPLIFY_MANAGED" // cookies stay in the cache key: one user's page is never served to another
	BuildComputeType = "STANDARD_8GB"
	SPFValue         = "v=spf1 include:sendgrid.net ~all"
	AmplifyPrincipal = "amplify.amazonaws.com"
)

// AppSecretKeys are the keys of the app secret. AUTH_SECRET is generated at
// creation; an operator fills in the others (docs/hosting.md). Changing this
// list changes the secret's generation template, which makes CloudFormation
// generate a new secret value and drop the operator's values: add keys with
// put-secret-value instead.
var AppSecretKeys = []string{
	"AUTH_SECRET", "FIRECRAWL_API_KEY", "GOOGLE_CLIENT_SECRET", "SENDGRID_API_KEY",
	"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
}

// UploadsGranter is the storage construct's uploads bucket.
type UploadsGranter interface {
	GrantUploads(grantee awsiam.IGrantable) awsiam.Grant
	// ObjectsFinding is the AwsSolutions-IAM5 finding of the grant's
	// "<bucket ARN>/*" resource, suppressed on the compute policy by name.
	ObjectsFinding() string
}

// DatabaseSecretGranter is the database construct's application user secret.
type DatabaseSecretGranter interface {
	GrantAppSecretRead(grantee awsiam.IGrantable) awsiam.Grant
}

// Props are what one environment's hosting is built from. The shared values
// come from the stack settings; the seams from the storage and database
// constructs.
type Props struct {
	// EnvironmentName is "staging" or "production".
	EnvironmentName string
	// Domain is the shared apex domain (medbookings.co.za).
	Domain string
	// Repository is the GitHub repository URL Amplify builds.
	Repository string
	// Branch is the repository branch this environment deploys.
	Branch string
	// CanonicalHost serves the app; RedirectHosts redirect to it (301).
	CanonicalHost string
	RedirectHosts []string
	// AlertEmail receives DMARC aggregate reports.
	AlertEmail string
	// Config is medbookings.<environment>.hosting.
	Config Config

	// Uploads grants the compute role object access to the uploads bucket.
	Uploads UploadsGranter
	// UploadsBucketName and UploadsRegion locate the uploads bucket.
	UploadsBucketName, UploadsRegion *string
	// Database grants the compute role read access to the app user's secret.
	Database DatabaseSecretGranter
	// DatabaseHost, DatabasePort and DatabaseName locate the database.
	DatabaseHost, DatabasePort, DatabaseName *string
	// DatabaseAppSecretArn is the ARN of the app user's secret (read at run time).
	DatabaseAppSecretArn *string
}

// DNSRecord is a record the environment needs in the domain's DNS.
type DNSRecord struct {
	// Name is the fully qualified record name (or, for the Amplify
	// certificate record, the whole "name CNAME target" line Amplify returns).
	Name string
	// Type is TXT or CNAME.
	Type string
	// Value is the record's value (a token for the certificate record).
	Value *string
	// Purpose says what the record is for.
	Purpose string
	// InRoute53 is true when the stack creates the record in the hosted zone.
	InRoute53 bool
}

// Header is one HTTP response header Amplify adds to every response.
type Header struct{ Key, Value string }

// Hosting is the Amplify app of one environment.
type Hosting struct {
	App           awsamplify.CfnApp
	AppId         *string
	DefaultDomain *string
	BranchName    *string
	ComputeRole   awsiam.IRole
	ServiceRole   awsiam.IRole
	AppSecret     awssecretsmanager.ISecret
	// URL is https:// and the canonical host.
	URL string

	Branch       awsamplify.CfnBranch
	Domain       awsamplify.CfnDomain
	AppSecretKey awskms.IKey
	// URLs are the https URLs of every host, canonical first.
	URLs []string
	// Headers are the security headers of every response.
	Headers []Header
	// EnvironmentVariables are the Amplify variables (all non-secret), by name.
	EnvironmentVariables map[string]*string
	// DNSRecords are the records to have in the domain's DNS besides the
	// host records Amplify shows for the domain association (docs/hosting.md).
	DNSRecords []DNSRecord
	// CertificateRecord is the Amplify certificate validation record
	// ("name CNAME target") once the domain association exists.
	CertificateRecord *string
}

// NewHosting creates the Amplify app, branch and domain association of one
// environment, its roles and its app secret (and, with a hosted zone, the
// domain's mail records).
func NewHosting(scope constructs.Construct, id *string, props *Props) *Hosting {
	p := *props
	checkProps(p)
	c := p.Config
	s := constructs.NewConstruct(scope, id)
	stack := awscdk.Stack_Of(s)
	removal := awscdk.RemovalPolicy_DESTROY
	if c.RemovalPolicy == "retain" {
		removal = awscdk.RemovalPolicy_RETAIN
	}

	// App secret: AUTH_SECRET generated, the rest filled in by an operator.
	key := awskms.NewKey(s, jsii.String("AppSecretKey"), &awskms.KeyProps{
		Description:       jsii.String("MedBookings " + p.EnvironmentName + " app secret encryption"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	template := map[string]string{}
	for _, k := range AppSecretKeys[1:] {
		template[k] = ""
	}
	tpl, _ := json.Marshal(template)
	secret := awssecretsmanager.NewSecret(s, jsii.String("AppSecret"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("MedBookings " + p.EnvironmentName + " application secrets (AUTH_SECRET generated; the others set by an operator, see docs/hosting.md)"),
		EncryptionKey: key,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String(string(tpl)),
			GenerateStringKey:    jsii.String(AppSecretKeys[0]),
			PasswordLength:       jsii.Number(64),
			ExcludePunctuation:   jsii.Bool(true),
		},
		RemovalPolicy: removal,
	})
	compliance.Suppress(secret, map[string]string{
		"AwsSolutions-SMG4":                            "The secret holds third-party API keys (Google, Twilio, SendGrid, Firecrawl) that can only be rotated at the provider; an operator rotates them and AUTH_SECRET by the runbook (docs/hosting.md). A rotation Lambda could not rotate them.",
		"HIPAA.Security-SecretsManagerRotationEnabled": "The secret holds third-party API keys that can only be rotated at the provider; an operator rotates them and AUTH_SECRET by the runbook (docs/hosting.md).",
	})

	// Service role: Amplify writes the SSR compute logs with it; nothing else
	// (this app has no Amplify backend to deploy).
	serviceRole := awsiam.NewRole(s, jsii.String("ServiceRole"), &awsiam.RoleProps{
		Description: jsii.String("Amplify service role of MedBookings " + p.EnvironmentName + ": writes the SSR logs to CloudWatch Logs"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String(AmplifyPrincipal), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike":      map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("amplify"), Resource: jsii.String("apps"), ResourceName: jsii.String("*")})},
		}),
	})

	// Compute role: what the Next.js server code may do, and nothing else.
	// The trust has no aws:SourceArn/SourceAccount condition: Amplify's
	// documented trust policy for SSR compute roles has none, and whether the
	// SSR compute service passes those keys is not documented (a trust it
	// cannot satisfy would fail every server request). The service role,
	// where Amplify documents them, has both.
	computeRole := awsiam.NewRole(s, jsii.String("ComputeRole"), &awsiam.RoleProps{
		Description: jsii.String("Amplify SSR compute role of MedBookings " + p.EnvironmentName + ": uploads bucket objects, the app secret and the database app user's secret"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String(AmplifyPrincipal), nil),
	})
	// Grants land in a customer managed policy attached to the role, not in
	// an inline policy (HIPAA.Security-IAMNoInlinePolicy).
	computePolicy := awsiam.NewManagedPolicy(s, jsii.String("ComputePolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("What the MedBookings " + p.EnvironmentName + " server code may do"),
		Roles:       &[]awsiam.IRole{computeRole},
	})
	computeGrantee := &managedGrantee{role: computeRole, policy: computePolicy}
	p.Uploads.GrantUploads(computeGrantee)
	p.Database.GrantAppSecretRead(computeGrantee)
	secret.GrantRead(computeGrantee, nil)
	// Exactly the uploads bucket's object wildcard: any other wildcard on
	// the compute policy still fails the check.
	cdknag.NagSuppressions_AddResourceSuppressions(computePolicy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Uploads are objects whose keys the app chooses at run time: put/get/delete apply to <uploads bucket ARN>/* " +
			"(and to no other bucket, no bucket-level action). Any other wildcard still fails the check."),
		AppliesTo: &[]any{jsii.String(p.Uploads.ObjectsFinding())},
	}}, jsii.Bool(true))

	hosts := append([]string{p.CanonicalHost}, p.RedirectHosts...)
	urls := make([]string, len(hosts))
	for i, h := range hosts {
		urls[i] = "https://" + h
	}
	url := urls[0]

	env := environmentVariables(p, url, secret.SecretArn())
	names := slices.Sorted(maps.Keys(env))
	var envProps []any
	for _, n := range names {
		envProps = append(envProps, &awsamplify.CfnApp_EnvironmentVariableProperty{Name: jsii.String(n), Value: env[n]})
	}
	headers := securityHeaders(p)
	var rules []any
	for _, h := range p.RedirectHosts {
		rules = append(rules, &awsamplify.CfnApp_CustomRuleProperty{
			Source: jsii.String("https://" + h + "/<*>"),
			Target: jsii.String(url + "/<*>"),
			Status: jsii.String("301"),
		})
	}

	var customRules any // absent, not [], when there is nothing to redirect
	if len(rules) > 0 {
		customRules = rules
	}
	app := awsamplify.NewCfnApp(s, jsii.String("App"), &awsamplify.CfnAppProps{
		Name:                     jsii.String("medbookings-" + p.EnvironmentName),
		Description:              jsii.String("MedBookings " + p.EnvironmentName + " (Next.js 14 SSR)"),
		Repository:               jsii.String(p.Repository),
		AccessToken:              awscdk.SecretValue_SecretsManager(jsii.String(c.GitHubTokenSecretName), nil).UnsafeUnwrap(),
		Platform:                 jsii.String(Platform),
		IamServiceRole:           serviceRole.RoleArn(),
		ComputeRoleArn:           computeRole.RoleArn(),
		BuildSpec:                jsii.String(BuildSpec(c.NodeVersion, names)),
		CustomHeaders:            jsii.String(customHeadersYAML(headers)),
		CustomRules:              customRules,
		EnvironmentVariables:     envProps,
		EnableBranchAutoDeletion: jsii.Bool(false),
		CacheConfig:              &awsamplify.CfnApp_CacheConfigProperty{Type: jsii.String(CacheConfigType)},
		JobConfig:                &awsamplify.CfnApp_JobConfigProperty{BuildComputeType: jsii.String(BuildComputeType)},
	})

	// The SSR log group is /aws/amplify/<app id>: the service role writes only there.
	servicePolicy := awsiam.NewManagedPolicy(s, jsii.String("ServicePolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("What Amplify may do for MedBookings " + p.EnvironmentName + ": write the SSR logs"),
		Roles:       &[]awsiam.IRole{serviceRole},
	})
	logGroupArn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"),
		ResourceName: jsii.String("/aws/amplify/" + *app.AttrAppId()), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	servicePolicy.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SsrLogGroup"),
		Actions:   jsii.Strings("logs:CreateLogGroup"),
		Resources: jsii.Strings(*logGroupArn),
	}))
	servicePolicy.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SsrLogStreams"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logGroupArn + ":log-stream:*"),
	}))
	servicePolicy.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("DescribeLogGroups"),
		Actions: jsii.Strings("logs:DescribeLogGroups"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"),
			ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})),
	}))
	suppressWildcards(servicePolicy, "AwsSolutions-IAM5",
		"Amplify names the SSR log streams itself (/aws/amplify/<app id>:log-stream:*), and logs:DescribeLogGroups is a list action that IAM authorizes only on log-group:*. Any other wildcard still fails the check.",
		`/^Resource::.*:log-group:\/aws\/amplify\/.*:log-stream:\*$/`, `/^Resource::.*:log-group:\*$/`)

	branch := awsamplify.NewCfnBranch(s, jsii.String("Branch"), &awsamplify.CfnBranchProps{
		AppId:                    app.AttrAppId(),
		BranchName:               jsii.String(p.Branch),
		Description:              jsii.String("MedBookings " + p.EnvironmentName),
		Stage:                    jsii.String(Stage(p.EnvironmentName)),
		Framework:                jsii.String(Framework),
		EnableAutoBuild:          jsii.Bool(true),
		EnablePullRequestPreview: jsii.Bool(c.PullRequestPreviews),
	})

	domainName, prefixes, _ := DomainAssociation(p.CanonicalHost, p.RedirectHosts)
	var subs []any
	for _, prefix := range prefixes {
		subs = append(subs, &awsamplify.CfnDomain_SubDomainSettingProperty{BranchName: branch.AttrBranchName(), Prefix: jsii.String(prefix)})
	}
	domain := awsamplify.NewCfnDomain(s, jsii.String("Domain"), &awsamplify.CfnDomainProps{
		AppId:               app.AttrAppId(),
		DomainName:          jsii.String(domainName),
		SubDomainSettings:   subs,
		EnableAutoSubDomain: jsii.Bool(false),
		CertificateSettings: &awsamplify.CfnDomain_CertificateSettingsProperty{CertificateType: jsii.String(CertificateType)},
	})

	h := &Hosting{
		App: app, AppId: app.AttrAppId(), DefaultDomain: app.AttrDefaultDomain(), BranchName: branch.AttrBranchName(),
		ComputeRole: computeRole, ServiceRole: serviceRole, AppSecret: secret, URL: url,
		Branch: branch, Domain: domain, AppSecretKey: key, URLs: urls, Headers: headers,
		EnvironmentVariables: env, CertificateRecord: domain.AttrCertificateRecord(),
	}
	h.DNSRecords = dnsRecords(s, p)
	return h
}

// Stage is the Amplify branch stage of an environment.
func Stage(environment string) string {
	if environment == "production" {
		return "PRODUCTION"
	}
	// Staging is the release candidate of production, not a developer's
	// branch: BETA, the stage Amplify has for that.
	return "BETA"
}

func checkProps(p Props) {
	var ps config.Problems
	key := "medbookings." + p.EnvironmentName + ".hosting"
	p.Config.Validate(key, &ps)
	p.Config.ValidateIn(key, Scope{Environment: p.EnvironmentName, Domain: p.Domain, CanonicalHost: p.CanonicalHost, RedirectHosts: p.RedirectHosts}, &ps)
	need := map[string]bool{
		"EnvironmentName": p.EnvironmentName != "", "Domain": p.Domain != "", "Repository": p.Repository != "",
		"Branch": p.Branch != "", "CanonicalHost": p.CanonicalHost != "", "AlertEmail": p.AlertEmail != "",
		"Uploads": p.Uploads != nil, "UploadsBucketName": p.UploadsBucketName != nil, "UploadsRegion": p.UploadsRegion != nil,
		"Database": p.Database != nil, "DatabaseHost": p.DatabaseHost != nil, "DatabasePort": p.DatabasePort != nil,
		"DatabaseName": p.DatabaseName != nil, "DatabaseAppSecretArn": p.DatabaseAppSecretArn != nil,
	}
	for _, k := range slices.Sorted(maps.Keys(need)) {
		if !need[k] {
			ps.Add("hosting.Props."+k, config.Missing{}, "a value (the stack must pass it)")
		}
	}
	if err := ps.Err(); err != nil {
		panic(err.Error())
	}
}

// environmentVariables are the Amplify variables: only non-secret values and
// the ARNs of the secrets the server reads at run time.
func environmentVariables(p Props, url string, appSecretArn *string) map[string]*string {
	c := p.Config
	env := map[string]*string{
		// npm ci installs devDependencies anyway (--include=dev in the build spec).
		"NODE_ENV":                 jsii.String("production"),
		"APP_ENVIRONMENT":          jsii.String(p.EnvironmentName),
		"NEXTAUTH_URL":             jsii.String(url),
		"APP_SECRET_ARN":           appSecretArn,
		"DATABASE_SECRET_ARN":      p.DatabaseAppSecretArn,
		"DB_HOST":                  p.DatabaseHost,
		"DB_PORT":                  p.DatabasePort,
		"DB_NAME":                  p.DatabaseName,
		"UPLOADS_BUCKET_NAME":      p.UploadsBucketName,
		"UPLOADS_BUCKET_REGION":    p.UploadsRegion,
		"ADMIN_NOTIFICATION_EMAIL": jsii.String(c.AdminNotificationEmail),
		"SENDGRID_FROM_EMAIL":      jsii.String(c.SendGridFromEmail),
	}
	optional := map[string]string{
		"ADMIN_EMAILS":                    strings.Join(c.AdminEmails, ","),
		"TWILIO_PHONE_NUMBER":             c.TwilioPhoneNumber,
		"TWILIO_WHATSAPP_NUMBER":          c.TwilioWhatsappNumber,
		"GOOGLE_CLIENT_ID":                c.GoogleClientId,
		"NEXT_PUBLIC_GOOGLE_MAPS_API_KEY": c.GoogleMapsApiKey,
		"SENTRY_DSN":                      c.SentryDsn,
		"NEXT_PUBLIC_SENTRY_DSN":          c.SentryDsn,
	}
	for k, v := range optional {
		if v != "" {
			env[k] = jsii.String(v)
		}
	}
	return env
}

// BuildSpec is the Amplify build specification: the Node.js version, npm ci,
// prisma generate, the runtime configuration written into .env.production
// (the only place Next.js server code reads build-time variables from on
// Amplify), next build, and the caches.
func BuildSpec(nodeVersion string, envNames []string) string {
	var b strings.Builder
	line := func(indent int, s string) { b.WriteString(strings.Repeat("  ", indent) + s + "\n") }
	item := func(indent int, s string) { line(indent, "- "+yamlQuote(s)) }
	line(0, "version: 1")
	line(0, "frontend:")
	line(1, "phases:")
	line(2, "preBuild:")
	line(3, "commands:")
	item(4, "nvm install "+nodeVersion)
	item(4, "nvm use "+nodeVersion)
	item(4, "node --version")
	// NODE_ENV=production would make npm omit the devDependencies the build
	// needs (prisma, typescript); the npm cache makes npm ci fast.
	item(4, "npm ci --include=dev --cache .npm --prefer-offline")
	item(4, "npx prisma generate")
	line(2, "build:")
	line(3, "commands:")
	item(4, ": > .env.production.amplify")
	for _, n := range envNames {
		item(4, fmt.Sprintf(`echo "%s=${%s}" >> .env.production.amplify`, n, n))
	}
	// Values set here win over a committed .env.production.
	item(4, "cat .env.production.amplify >> .env.production")
	item(4, "npx next build")
	line(1, "artifacts:")
	line(2, "baseDirectory: .next")
	line(2, "files:")
	item(3, "**/*")
	line(1, "cache:")
	line(2, "paths:")
	// npm ci deletes node_modules before installing, so a cached
	// node_modules is never used: the npm download cache is what saves time.
	item(3, ".npm/**/*")
	item(3, ".next/cache/**/*")
	return b.String()
}

func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// securityHeaders are the headers of every response (FR-7.3).
func securityHeaders(p Props) []Header {
	return []Header{
		// Two years; no "preload": the preload list is a commitment for
		// every subdomain of the domain that is slow to undo.
		{"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
		{"Content-Security-Policy", ContentSecurityPolicy(p.Config, "https://"+*p.UploadsBucketName+".s3."+*p.UploadsRegion+".amazonaws.com")},
		{"X-Frame-Options", "DENY"},
		{"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "strict-origin-when-cross-origin"},
		{"Permissions-Policy", "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"},
	}
}

// ContentSecurityPolicy lets the app work — its own origin, Google sign-in
// (a form post redirected to accounts.google.com), Google Maps, Sentry and
// the uploads bucket — and nothing more.
func ContentSecurityPolicy(c Config, uploadsOrigin string) string {
	const maps = "https://maps.googleapis.com"
	const mapsStatic = "https://maps.gstatic.com"
	d := map[string][]string{
		"default-src": {"'self'"},
		// Next.js 14 inlines its bootstrap scripts; without a nonce
		// middleware they need 'unsafe-inline'.
		"script-src":  {"'self'", "'unsafe-inline'", maps},
		"style-src":   {"'self'", "'unsafe-inline'"},
		"img-src":     {"'self'", "data:", "blob:", maps, mapsStatic, uploadsOrigin},
		"font-src":    {"'self'"},
		"connect-src": {"'self'", maps, uploadsOrigin},
		"worker-src":  {"'self'", "blob:"},
		"form-action": {"'self'", "https://accounts.google.com"},
	}
	if o, ok := SentryOrigin(c.SentryDsn); ok {
		d["connect-src"] = append(d["connect-src"], o)
	}
	for dir, extra := range c.CspExtraSources {
		d[dir] = append(d[dir], extra...)
	}
	order := []string{"default-src", "script-src", "style-src", "img-src", "font-src", "connect-src", "media-src", "frame-src", "worker-src", "form-action"}
	var parts []string
	for _, dir := range order {
		if v, ok := d[dir]; ok {
			parts = append(parts, dir+" "+strings.Join(v, " "))
		}
	}
	parts = append(parts, "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "upgrade-insecure-requests")
	return strings.Join(parts, "; ")
}

func customHeadersYAML(headers []Header) string {
	var b strings.Builder
	b.WriteString("customHeaders:\n  - pattern: '**'\n    headers:\n")
	for _, h := range headers {
		b.WriteString("      - key: " + yamlQuote(h.Key) + "\n        value: " + yamlQuote(h.Value) + "\n")
	}
	return b.String()
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// dnsRecords lists the mail records of the domain (held by the environment
// that serves the apex) and creates them when a hosted zone is configured.
// The Amplify host and certificate records are not created here: in a
// same-account Route 53 zone Amplify adds them itself, and elsewhere their
// targets are only known after the domain association exists.
func dnsRecords(s constructs.Construct, p Props) []DNSRecord {
	c := p.Config
	sc := Scope{Environment: p.EnvironmentName, Domain: p.Domain, CanonicalHost: p.CanonicalHost, RedirectHosts: p.RedirectHosts}
	if !sc.ServesApex() {
		return nil
	}
	recs := []DNSRecord{
		{Name: p.Domain, Type: "TXT", Value: jsii.String(SPFValue), Purpose: "SendGrid SPF"},
		{Name: "_dmarc." + p.Domain, Type: "TXT", Value: jsii.String("v=DMARC1; p=none; rua=mailto:" + p.AlertEmail), Purpose: "DMARC (monitoring only, reports to the alert address)"},
	}
	for _, n := range slices.Sorted(maps.Keys(c.SendGridDkimRecords)) {
		recs = append(recs, DNSRecord{Name: n, Type: "CNAME", Value: jsii.String(c.SendGridDkimRecords[n]), Purpose: "SendGrid DKIM"})
	}
	if c.HostedZoneId == "" {
		return recs
	}
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(s, jsii.String("HostedZone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(c.HostedZoneId), ZoneName: jsii.String(p.Domain),
	})
	awsroute53.NewTxtRecord(s, jsii.String("SpfRecord"), &awsroute53.TxtRecordProps{
		Zone: zone, RecordName: jsii.String(p.Domain + "."), Values: jsii.Strings(SPFValue),
	})
	awsroute53.NewTxtRecord(s, jsii.String("DmarcRecord"), &awsroute53.TxtRecordProps{
		Zone: zone, RecordName: jsii.String("_dmarc." + p.Domain + "."), Values: jsii.Strings(*recs[1].Value),
	})
	for _, r := range recs[2:] {
		label := strings.TrimSuffix(r.Name, "."+p.Domain)
		id := "Dkim"
		for _, w := range strings.Fields(nonAlnum.ReplaceAllString(label, " ")) {
			id += strings.ToUpper(w[:1]) + w[1:]
		}
		awsroute53.NewCnameRecord(s, jsii.String(id), &awsroute53.CnameRecordProps{
			Zone: zone, RecordName: jsii.String(r.Name + "."), DomainName: r.Value,
		})
	}
	for i := range recs {
		recs[i].InRoute53 = true
	}
	return recs
}

// managedGrantee is a role as a grantee whose grants are added to a customer
// managed policy attached to it rather than to the role's inline default policy.
type managedGrantee struct {
	role   awsiam.IRole
	policy awsiam.ManagedPolicy
}

func (g *managedGrantee) GrantPrincipal() awsiam.IPrincipal { return g }

func (g *managedGrantee) AddToPrincipalPolicy(st awsiam.PolicyStatement) *awsiam.AddToPrincipalPolicyResult {
	g.policy.AddStatements(st)
	return &awsiam.AddToPrincipalPolicyResult{StatementAdded: jsii.Bool(true), PolicyDependable: g.policy}
}

func (g *managedGrantee) AssumeRoleAction() *string { return g.role.AssumeRoleAction() }

func (g *managedGrantee) PolicyFragment() awsiam.PrincipalPolicyFragment {
	return g.role.PolicyFragment()
}

func (g *managedGrantee) PrincipalAccount() *string { return g.role.PrincipalAccount() }

// suppressWildcards suppresses rule on scope for the findings matching the
// regular expressions only (cdk-nag appliesTo), with reason.
func suppressWildcards(scope constructs.IConstruct, rule, reason string, regexes ...string) {
	var appliesTo []any
	for _, r := range regexes {
		appliesTo = append(appliesTo, &cdknag.RegexAppliesTo{Regex: jsii.String(r)})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String(rule), Reason: jsii.String(reason), AppliesTo: &appliesTo,
	}}, jsii.Bool(true))
}
