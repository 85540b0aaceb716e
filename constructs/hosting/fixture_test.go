package hosting_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// Test doubles for the storage and database seams: they grant exactly what
// the real constructs promise, on an imported bucket and an imported secret.
type fakeUploads struct{ bucket awss3.IBucket }

func (f fakeUploads) GrantUploads(g awsiam.IGrantable) awsiam.Grant {
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      g,
		Actions:      jsii.Strings("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
		ResourceArns: jsii.Strings(*f.bucket.ArnForObjects(jsii.String("*"))),
	})
}

func (f fakeUploads) ObjectsFinding() string {
	return "Resource::" + *f.bucket.ArnForObjects(jsii.String("*"))
}

type fakeDatabase struct{ secret awssecretsmanager.ISecret }

func (f fakeDatabase) GrantAppSecretRead(g awsiam.IGrantable) awsiam.Grant {
	return f.secret.GrantRead(g, nil)
}

const fakeDBHost = "medbookings-db.abcdefghijkl.eu-west-1.rds.amazonaws.com"

func fakeDBSecretArn(env string) string {
	return "arn:aws:secretsmanager:eu-west-1:123456789012:secret:medbookings/" + env + "/db-app-AbCdEf"
}

type envFixture struct {
	Env     stacks.Environment
	Stack   awscdk.Stack
	Hosting *hosting.Hosting
	tpl     assertions.Template
}

type fixture struct {
	Settings *stacks.Settings
	App      awscdk.App
	Envs     map[string]*envFixture
	Asm      cxapi.CloudAssembly
}

// Template is the environment's synthesized template (from the one synthesis).
func (f *fixture) Template(t *testing.T, env string) assertions.Template {
	t.Helper()
	e := f.Envs[env]
	if e.tpl == nil {
		e.tpl = cdktest.Template(t, e.Stack)
	}
	return e.tpl
}

// propsFor are the props the stack passes, with the test doubles.
func propsFor(stack awscdk.Stack, s *stacks.Settings, env stacks.Environment) *hosting.Props {
	bucketName := "medbookings-uploads-" + env.Name
	return &hosting.Props{
		EnvironmentName:      env.Name,
		Domain:               s.Shared.Domain,
		Repository:           s.Shared.GitHubRepository,
		Branch:               env.Branch,
		CanonicalHost:        env.CanonicalHost,
		RedirectHosts:        env.RedirectHosts,
		AlertEmail:           s.Shared.AlertEmail,
		Config:               env.Hosting,
		Uploads:              fakeUploads{awss3.Bucket_FromBucketName(stack, jsii.String("FakeUploads"), jsii.String(bucketName))},
		UploadsBucketName:    jsii.String(bucketName),
		UploadsRegion:        jsii.String("eu-west-1"),
		Database:             fakeDatabase{awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String("FakeDbSecret"), jsii.String(fakeDBSecretArn(env.Name)))},
		DatabaseHost:         jsii.String(fakeDBHost),
		DatabasePort:         jsii.String("5432"),
		DatabaseName:         jsii.String("medbookings"),
		DatabaseAppSecretArn: jsii.String(fakeDBSecretArn(env.Name)),
	}
}

// build creates both environments' hosting from cdk.json plus overrides,
// with the compliance packs, and synthesizes once.
func build(t *testing.T, overrides map[string]any, validation bool) *fixture {
	t.Helper()
	ctx := cdktest.Context(t)
	for k, v := range overrides {
		ctx[k] = v
	}
	s, err := stacks.Load(ctx)
	if err != nil {
		t.Fatalf("load settings: %v", err)
	}
	app := cdktest.NewApp(t, cdktest.AppOptions{Overrides: overrides, Validation: validation})
	f := &fixture{Settings: s, App: app, Envs: map[string]*envFixture{}}
	cdktest.Must(t, func() {
		for _, env := range s.Environments() {
			stack := awscdk.NewStack(app, jsii.String("Test"+env.Title()), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
			h := hosting.NewHosting(stack, jsii.String("Hosting"), propsFor(stack, s, env))
			f.Envs[env.Name] = &envFixture{Env: env, Stack: stack, Hosting: h}
		}
		compliance.AddPacks(app)
		f.Asm = app.Synth(nil)
	})
	return f
}

type cached struct {
	once sync.Once
	f    *fixture
	err  string
}

func (c *cached) get(t *testing.T, overrides map[string]any, validation bool) *fixture {
	t.Helper()
	c.once.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				c.err = fmt.Sprint(r)
			}
		}()
		c.f = build(t, overrides, validation)
	})
	if c.f == nil {
		t.Fatalf("fixture could not be built: %s", c.err)
	}
	return c.f
}

var plainFixture, fullFixture cached

// plain is cdk.json as committed.
func plain(t *testing.T) *fixture { return plainFixture.get(t, nil, false) }

// Values of the full fixture: every optional setting set.
const (
	sentryDsn   = "https://0123456789abcdef0123456789abcdef@o450000.ingest.de.sentry.io/4500000000000000"
	mapsKey     = "AIza" + "SyA-abcdefghijklmnopqrstuvwxyz01234" // split so the repository scan does not flag a test value
	clientID    = "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
	zoneID      = "Z0123456789ABCDEFGHIJ"
	dkimName1   = "s1._domainkey.medbookings.co.za"
	dkimTarget1 = "s1.domainkey.u1234567.wl123.sendgrid.net"
	dkimName2   = "s2._domainkey.medbookings.co.za"
	dkimTarget2 = "s2.domainkey.u1234567.wl123.sendgrid.net"
)

func fullOverrides() map[string]any {
	o := map[string]any{}
	for _, env := range []string{"staging", "production"} {
		k := "medbookings." + env + ".hosting."
		o[k+"sentryDsn"] = sentryDsn
		o[k+"googleMapsApiKey"] = mapsKey
		o[k+"googleClientId"] = clientID
		o[k+"twilioPhoneNumber"] = "+27211234567"
		o[k+"twilioWhatsappNumber"] = "+27211234568"
		o[k+"hostedZoneId"] = zoneID
		o[k+"adminEmails"] = `["aws-root@medbookings.co.za","ops@medbookings.co.za"]`
	}
	o["medbookings.staging.hosting.pullRequestPreviews"] = "true"
	o["medbookings.production.hosting.sendGridDkimRecords"] = `{"` + dkimName1 + `":"` + dkimTarget1 + `","` + dkimName2 + `":"` + dkimTarget2 + `"}`
	o["medbookings.production.hosting.cspExtraSources"] = `{"img-src":["https://lh3.googleusercontent.com"]}`
	return o
}

// full sets every optional setting (hosted zone, DKIM, Sentry, Maps, ...).
func full(t *testing.T) *fixture { return fullFixture.get(t, fullOverrides(), false) }
