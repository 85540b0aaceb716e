package hosting_test

import (
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
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

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// fakeDatabase records the peers the hosting lets in.
type fakeDatabase struct{ peers []string }

func (f *fakeDatabase) AllowFrom(peer awsec2.IConnectable, description string) {
	f.peers = append(f.peers, description)
}

// fakeUploads records the grants and the distribution it was opened to.
type fakeUploads struct {
	bucket       awss3.IBucket
	grants       int
	distribution *string
}

func (f *fakeUploads) GrantUploads(grantee awsiam.IGrantable, _ constructs.IConstruct) awsiam.Grant {
	f.grants++
	return f.bucket.GrantPut(grantee, jsii.String("*"))
}

func (f *fakeUploads) AllowPublicRead(arn *string) { f.distribution = arn }

// site is one hosting construct in its own bare stack.
type site struct {
	stack    awscdk.Stack
	hosting  *hosting.Hosting
	database *fakeDatabase
	uploads  *fakeUploads
	tpl      assertions.Template
	json     map[string]any
}

const (
	certificateARN = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	bodyHashARN    = "arn:aws:lambda:us-east-1:123456789012:function:medbookings-test-body-hash:3"
	maxConnections = 168
)

// appValues are values for every settings variable of the contract.
func appValues() map[string]string {
	v := map[string]string{}
	for _, name := range hosting.Settings() {
		v[name] = ""
	}
	v["GOOGLE_CLIENT_ID"] = "123456789012-abcdefghijklmn.apps.googleusercontent.com"
	v["SENDGRID_FROM_EMAIL"] = "noreply@medbookings.co.za"
	v["ADMIN_EMAILS"] = "a@medbookings.co.za,b@medbookings.co.za"
	v["ADMIN_NOTIFICATION_EMAIL"] = "ops@medbookings.co.za"
	v["SENTRY_DSN"] = "https://abc@o1.ingest.de.sentry.io/2"
	v["NEXT_PUBLIC_SENTRY_DSN"] = v["SENTRY_DSN"]
	v["UPSTASH_REDIS_REST_URL"] = "https://eu1-test-12345.upstash.io"
	return v
}

// newProps are minimal props in stack: everything the construct needs, made
// or imported here, none from cdk.json.
func newProps(stack awscdk.Stack) (hosting.Props, *fakeDatabase, *fakeUploads) {
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1), RestrictDefaultSecurityGroup: jsii.Bool(false),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("App"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Ingress"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
		},
	})
	bucket := awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{BucketName: jsii.String("medbookings-uploads-test")})
	db, uploads := &fakeDatabase{}, &fakeUploads{bucket: bucket}
	return hosting.Props{
		Environment:     "test",
		Prefix:          "medbookings-test",
		CanonicalHost:   "test.medbookings.co.za",
		App:             appValues(),
		Vpc:             vpc,
		Subnets:         &awsec2.SubnetSelection{SubnetGroupName: jsii.String("App")},
		MetricNamespace: "MedBookings/Test",
		Database:        db,
		DatabaseInstance: awsrds.DatabaseInstance_FromDatabaseInstanceAttributes(stack, jsii.String("Db"), &awsrds.DatabaseInstanceAttributes{
			InstanceIdentifier: jsii.String("medbookings-test"), InstanceEndpointAddress: jsii.String("db.example.internal"),
			Port: jsii.Number(5432), SecurityGroups: &[]awsec2.ISecurityGroup{},
		}),
		DatabaseSecret:         awssecretsmanager.NewSecret(stack, jsii.String("DbSecret"), nil),
		DatabaseName:           "medbookings",
		DatabaseSchema:         "medbookings",
		DatabaseMaxConnections: maxConnections,
		ConnectionLimit:        1,
		ServerMemoryMiB:        1536,
		Uploads:                uploads,
		UploadsBucket:          bucket,
		UploadsBucketName:      "medbookings-uploads-test",
		PublicPrefix:           "media/",
		AccessLogBucket:        awss3.NewBucket(stack, jsii.String("AccessLogs"), nil),
		Certificate:            awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"), jsii.String(certificateARN)),
		BodyHash:               awslambda.Version_FromVersionArn(stack, jsii.String("BodyHash"), jsii.String(bodyHashARN)),
		Domain:                 "medbookings.co.za",
		DMARCReports:           "ops@medbookings.co.za",
		Key:                    awskms.NewKey(stack, jsii.String("Key"), nil),
		LogRetention:           awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
	}, db, uploads
}

func newStack(app awscdk.App, id string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(cdktest.Region)}})
}

// newSite builds the construct from newProps, changed by change.
func newSite(t *testing.T, app awscdk.App, id string, change func(awscdk.Stack, *hosting.Props)) *site {
	t.Helper()
	s := &site{}
	cdktest.Must(t, func() {
		stack := newStack(app, id)
		p, db, uploads := newProps(stack)
		if change != nil {
			change(stack, &p)
		}
		s.stack, s.database, s.uploads = stack, db, uploads
		s.hosting = hosting.New(stack, "Hosting", p)
	})
	return s
}

type fixture struct {
	// placeholder has no bundle, no redirects, no hosted zone and two quiet
	// windows; app has the real test app bundle, www redirecting to the
	// apex, and a hosted zone.
	placeholder, app *site
}

var (
	fixOnce sync.Once
	fix     *fixture
)

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		bundle, err := hosting.ReadBundle(cdktest.TestAppBundle(t, "staging"), "staging")
		if err != nil {
			t.Fatal(err)
		}
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		f := &fixture{}
		f.placeholder = newSite(t, app, "Placeholder", func(_ awscdk.Stack, p *hosting.Props) {
			p.QuietWindows = []config.DailyWindow{{Start: 18 * 60, End: 23*60 + 45}, {Start: 2 * 60, End: 5*60 + 15}}
		})
		f.app = newSite(t, app, "App", func(_ awscdk.Stack, p *hosting.Props) {
			p.Environment, p.Prefix = "staging", "medbookings-staging"
			p.CanonicalHost, p.RedirectHosts = "medbookings.co.za", []string{"www.medbookings.co.za"}
			p.Bundle = bundle
			p.SendGridDKIM = map[string]string{"s1._domainkey.medbookings.co.za": "s1.domainkey.u1.wl1.sendgrid.net"}
		})
		for _, s := range []*site{f.placeholder, f.app} {
			s.tpl = cdktest.Template(t, s.stack)
			s.json = cdktest.JSON(t, s.tpl)
		}
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture failed to build in an earlier test")
	}
	return fix
}

// zoneSite is a site with a hosted zone (DNS records in Route 53).
func zoneSite(t *testing.T) *site {
	t.Helper()
	app := cdktest.NewApp(t, cdktest.AppOptions{})
	var s *site
	s = newSite(t, app, "Zone", func(stack awscdk.Stack, p *hosting.Props) {
		p.CanonicalHost, p.RedirectHosts = "medbookings.co.za", []string{"www.medbookings.co.za"}
		p.SendGridDKIM = map[string]string{"s1._domainkey.medbookings.co.za": "s1.domainkey.u1.wl1.sendgrid.net"}
		p.HostedZone = awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"),
			&awsroute53.HostedZoneAttributes{HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"), ZoneName: jsii.String("medbookings.co.za")})
	})
	s.tpl = cdktest.Template(t, s.stack)
	s.json = cdktest.JSON(t, s.tpl)
	return s
}

// one is the only resource of type typ whose logical ID contains part.
func (s *site) one(t *testing.T, typ, part string) map[string]any {
	t.Helper()
	var found []map[string]any
	for id, r := range s.resources(typ) {
		if strings.Contains(id, part) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d resources of type %s with %q in their ID", len(found), typ, part)
	}
	return found[0]
}

// node runs a JavaScript program with Node and returns its output.
func node(t *testing.T, program string) string {
	t.Helper()
	bin := "node"
	if n, err := exec.LookPath("node"); err == nil {
		bin = n
	}
	cmd := exec.Command(bin, "-e", program)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	return string(out)
}

// resources are the template's resources of type typ, by logical ID.
func (s *site) resources(typ string) map[string]map[string]any { return cdktest.OfType(s.json, typ) }
