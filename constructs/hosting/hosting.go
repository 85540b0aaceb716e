// Package hosting runs the MedBookings Next.js 14 app for one environment:
// OpenNext's server and image functions on Lambda (arm64, inside the VPC),
// the static files in S3, CloudFront in front with origin access control on
// every origin, the app's secrets and the env wrapper that puts them into
// process.env, the scheduled jobs, the migrations that run before a new
// server takes traffic, and the DNS records. See docs/hosting.md.
package hosting

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Database is what the hosting needs of the database construct.
type Database interface {
	// AllowFrom opens the database port to peer's security groups.
	AllowFrom(peer awsec2.IConnectable, description string)
}

// Uploads is what the hosting needs of the storage construct.
type Uploads interface {
	// GrantUploads lets grantee put, get and delete uploads; the narrow
	// compliance suppression goes on policy.
	GrantUploads(grantee awsiam.IGrantable, policy constructs.IConstruct) awsiam.Grant
	// AllowPublicRead lets the distribution read the public prefix.
	AllowPublicRead(distributionARN *string)
}

// Props configure one environment's hosting.
type Props struct {
	// Environment is "staging" or "production" (descriptions, Sentry).
	Environment string
	// Prefix names the functions (<prefix>-server, ...): medbookings-<env>.
	Prefix string
	// CanonicalHost serves the app; RedirectHosts answer 301 to it.
	CanonicalHost string
	RedirectHosts []string
	// Bundle is the app build; nil deploys a placeholder server that
	// CloudFormation refuses to deploy (PlaceholderRule).
	Bundle *Bundle
	// App holds the values of the contract's FromSettings variables, by
	// variable name ("" = not known yet).
	App map[string]string
	// CSPExtraSources adds sources to Content-Security-Policy directives.
	CSPExtraSources map[string][]string

	Vpc     awsec2.IVpc
	Subnets *awsec2.SubnetSelection
	// MetricNamespace is where the jobs publish their metrics.
	MetricNamespace string
	// QuietWindows are daily windows (UTC) in which the site is down on
	// purpose (a stopped database): the jobs are skipped then.
	QuietWindows []config.DailyWindow

	// Database admits the server and the migrations; DatabaseInstance is
	// where the migrations connect.
	Database         Database
	DatabaseInstance awsrds.IDatabaseInstance
	// DatabaseSecret is the application user's secret (rotated); the env
	// wrapper builds DATABASE_URL from it at every cold start.
	DatabaseSecret awssecretsmanager.ISecret
	DatabaseName   string
	DatabaseSchema string
	// DatabaseReady is what must exist before migrations run (the roles
	// and the schema).
	DatabaseReady constructs.IDependable
	// DatabaseMaxConnections is the instance's max_connections; the server's
	// reserved concurrency times ConnectionLimit stays under 80 % of it.
	DatabaseMaxConnections int
	ConnectionLimit        int
	ServerMemoryMiB        int

	Uploads       Uploads
	UploadsBucket awss3.IBucket
	// UploadsBucketName is the bucket's physical name (for the CSP and the
	// app, as a plain string: a reference would tie the bucket's key policy,
	// which names the distribution, into a cycle).
	UploadsBucketName string
	// PublicPrefix is the uploads' public key prefix ("media/"), served at /<prefix>*.
	PublicPrefix string
	// AccessLogBucket receives the assets bucket's server access logs.
	AccessLogBucket awss3.IBucket

	// Certificate (us-east-1) covers every host; BodyHash is the
	// Lambda@Edge version that hashes request bodies.
	Certificate awscertificatemanager.ICertificate
	BodyHash    awslambda.IVersion
	// HostedZone, when set, gets the hosts' alias records and the domain's
	// mail records.
	HostedZone awsroute53.IHostedZone
	// Domain is the apex domain; the environment that serves it holds the
	// mail records (SPF, DMARC, SendGridDKIM).
	Domain       string
	DMARCReports string
	SendGridDKIM map[string]string

	// Key encrypts the secrets, the log groups and the assets bucket.
	Key           awskms.IKey
	LogRetention  awslogs.RetentionDays
	RemovalPolicy awscdk.RemovalPolicy
}

// Hosting is what the construct created.
type Hosting struct {
	constructs.Construct
	// URL is https:// and the canonical host.
	URL string
	// Hosts are every host name, canonical first.
	Hosts        []string
	Distribution awscloudfront.Distribution
	// ServerFunction is the Next.js server; ImageFunction the image
	// optimizer; CronFunction calls the app's cron routes.
	ServerFunction, ImageFunction, CronFunction awslambda.Function
	// ReservedConcurrency is the server's.
	ReservedConcurrency int
	AssetsBucket        awss3.IBucket
	CDNLogBucket        awss3.IBucket
	// AppSecret holds NEXTAUTH_SECRET (generated) and the keys an operator
	// fills in; CronSecret CRON_SECRET; BuildSecret SENTRY_AUTH_TOKEN.
	AppSecret, CronSecret, BuildSecret awssecretsmanager.ISecret
	// Environment is the server's non-secret environment, by name.
	Environment map[string]string
	// Placeholder is true when no bundle was given.
	Placeholder bool
	// DNSRecords are the records to have at the DNS provider (all of them
	// created in Route 53 when a hosted zone is given).
	DNSRecords []DNSRecord

	props Props
}

// Connection-budget constants of ReservedConcurrency.
const (
	// ConnectionShare is the share of max_connections the server may use.
	ConnectionShare = 0.8
	// OtherConnections are kept for everything else: the role and
	// migration functions, a rotation in flight, an operator, the
	// read-only user.
	OtherConnections = 5
)

// ReservedConcurrency is the most server instances that keep
// instances × connectionLimit + OtherConnections within ConnectionShare of
// maxConnections.
func ReservedConcurrency(maxConnections, connectionLimit int) int {
	return (int(float64(maxConnections)*ConnectionShare) - OtherConnections) / connectionLimit
}

// New creates the hosting of one environment.
func New(scope constructs.Construct, id string, p Props) *Hosting {
	p.check()
	h := &Hosting{
		URL:                 "https://" + p.CanonicalHost,
		Hosts:               append([]string{p.CanonicalHost}, p.RedirectHosts...),
		ReservedConcurrency: ReservedConcurrency(p.DatabaseMaxConnections, p.ConnectionLimit),
		Placeholder:         p.Bundle == nil,
		props:               p,
	}
	h.Construct = constructs.NewConstruct(scope, jsii.String(id))
	h.createSecrets()
	h.createBuckets()
	h.createFunctions()
	h.createDistribution()
	h.createJobs()
	if p.Bundle != nil {
		h.deployAssets()
		if p.Bundle.MigrationsDir != "" {
			h.createMigrations()
		}
	} else {
		h.refuseDeployment()
	}
	h.createDNSRecords()
	return h
}

func (p Props) check() {
	var problems []string
	add := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	if p.Environment == "" || p.Prefix == "" || p.CanonicalHost == "" || p.Domain == "" || p.UploadsBucketName == "" {
		add("Environment, Prefix, CanonicalHost, Domain and UploadsBucketName are required")
	}
	if p.Vpc == nil || p.Subnets == nil || p.Database == nil || p.DatabaseInstance == nil || p.DatabaseSecret == nil || p.Uploads == nil ||
		p.UploadsBucket == nil || p.AccessLogBucket == nil || p.Certificate == nil || p.BodyHash == nil || p.Key == nil {
		add("Vpc, Subnets, DatabaseInstance, DatabaseSecret, Uploads, UploadsBucket, AccessLogBucket, Certificate, BodyHash and Key are required")
	}
	if p.ConnectionLimit < 1 || ReservedConcurrency(p.DatabaseMaxConnections, max(p.ConnectionLimit, 1)) < 1 {
		add("DatabaseMaxConnections %d leaves no server concurrency at connection limit %d", p.DatabaseMaxConnections, p.ConnectionLimit)
	}
	if p.ServerMemoryMiB < 128 || p.ServerMemoryMiB > 10240 {
		add("ServerMemoryMiB %d is outside 128-10240", p.ServerMemoryMiB)
	}
	for _, name := range Settings() {
		if _, ok := p.App[name]; !ok {
			add("App has no value for %s (the contract's settings: %s)", name, strings.Join(Settings(), ", "))
		}
	}
	for name := range p.App {
		if !slices.Contains(Settings(), name) {
			add("App has %s, which is not a settings variable of the contract", name)
		}
	}
	if !strings.HasSuffix(p.PublicPrefix, "/") || strings.HasPrefix(p.PublicPrefix, "/") {
		add("PublicPrefix %q must end with / and not begin with one", p.PublicPrefix)
	}
	if len(problems) > 0 {
		panic("hosting.New: " + strings.Join(problems, "; "))
	}
}

// refuseDeployment adds a CloudFormation rule that always fails: a template
// synthesized without an app bundle can be diffed and inspected, but never
// deployed over a running app.
func (h *Hosting) refuseDeployment() {
	awscdk.NewCfnRule(awscdk.Stack_Of(h.Construct), jsii.String("AppBundleRequired"), &awscdk.CfnRuleProps{
		Assertions: &[]*awscdk.CfnRuleAssertion{{
			Assert: awscdk.Fn_ConditionEquals(jsii.String("app-bundle"), jsii.String("placeholder")),
			AssertDescription: jsii.String(fmt.Sprintf("This template was synthesized without an app bundle (medbookings.%s.hosting.bundle is empty) "+
				"and would replace the running app with a placeholder. Build the app with scripts/build-app.sh and synthesize with -c medbookings.%s.hosting.bundle=<folder>.",
				h.props.Environment, h.props.Environment)),
		}},
	})
}
