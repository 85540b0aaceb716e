package monitoring_test

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// alertEmail receives the alerts of the fixtures.
const alertEmail = "ops@example.com"

// jobFailureMessage is what the JobFailures rule sends to the topic.
const jobFailureMessage = "AWS Backup job failed"

// jobPaths are the routes the fixtures' cron function calls.
var jobPaths = []string{"/api/cron/reminders", "/api/cron/cleanup"}

// quietWindows are two daily windows, the second over midnight:
// 18:00-23:45 and 23:50-00:20 UTC.
var quietWindows = []config.DailyWindow{{Start: 18 * 60, End: 23*60 + 45}, {Start: 23*60 + 50, End: 20}}

// variant is one environment's monitoring in its own bare stack, with real
// stand-ins for what the stack wires into it: the server and cron functions
// (inline code), an imported database instance and its postgresql log group;
// and, as the stack's AWS Backup failures do, a rule of another construct
// that sends its events to the alert topic through Monitoring.TopicTarget.
type variant struct {
	name   string
	props  monitoring.Props
	stack  awscdk.Stack
	server awslambda.Function
	cron   awslambda.Function
	pgLogs awslogs.LogGroup
	m      *monitoring.Monitoring

	tpl      assertions.Template
	json     map[string]any
	findings []compliance.Finding
}

// standIn is the reason for the stand-ins' suppressions: their findings
// belong to the constructs that make the real ones.
const standIn = "Test stand-in for a resource of another construct (constructs/hosting or constructs/database), checked by that package's tests."

// inlineFunction is a Node.js function with inline code and reserved
// concurrency (0: none), its findings suppressed.
func inlineFunction(stack awscdk.Stack, id string, reserved int) awslambda.Function {
	p := &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_24_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({ statusCode: 200 });")),
	}
	if reserved > 0 {
		p.ReservedConcurrentExecutions = jsii.Number(float64(reserved))
	}
	fn := awslambda.NewFunction(stack, jsii.String(id), p)
	compliance.Suppress(fn, map[string]string{
		"AwsSolutions-IAM4":                          standIn,
		"HIPAA.Security-CloudWatchLogGroupEncrypted": standIn,
		"HIPAA.Security-LambdaConcurrency":           standIn,
		"HIPAA.Security-LambdaDLQ":                   standIn,
		"HIPAA.Security-LambdaInsideVPC":             standIn,
	})
	return fn
}

// newVariant builds the monitoring of one environment from the props that
// configure fills in (the dependencies are set already).
func newVariant(t testing.TB, name string, opts cdktest.AppOptions, configure func(p *monitoring.Props)) *variant {
	t.Helper()
	v := &variant{name: name}
	app := cdktest.NewApp(t, opts)
	cdktest.Must(t, func() {
		v.stack = awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(cdktest.Region)}})
		env := strings.ToLower(name)
		db := awsrds.DatabaseInstance_FromDatabaseInstanceAttributes(v.stack, jsii.String("Db"), &awsrds.DatabaseInstanceAttributes{
			InstanceIdentifier:      jsii.String("medbookings-" + env),
			InstanceEndpointAddress: jsii.String("medbookings-" + env + ".abc.eu-west-1.rds.amazonaws.com"),
			Port:                    jsii.Number(5432),
			SecurityGroups:          &[]awsec2.ISecurityGroup{},
		})
		v.pgLogs = awslogs.NewLogGroup(v.stack, jsii.String("PostgresLog"), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/rds/instance/medbookings-" + env + "/postgresql"),
			Retention:     awslogs.RetentionDays_ONE_MONTH,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		compliance.Suppress(v.pgLogs, map[string]string{"HIPAA.Security-CloudWatchLogGroupEncrypted": standIn})
		v.props = monitoring.Props{
			Environment: env, Title: name, Namespace: "MedBookings/" + name, AlertEmail: alertEmail,
			ServerConcurrency: 20, JobPaths: jobPaths, Database: db, PostgresLogGroup: v.pgLogs,
			HealthCheckURL: "https://" + env + ".medbookings.example/api/health",
		}
		configure(&v.props)
		// The server's reserved concurrency is what the props say it is.
		v.server = inlineFunction(v.stack, "Server", v.props.ServerConcurrency)
		v.cron = inlineFunction(v.stack, "Cron", 0)
		v.props.Server, v.props.Cron = v.server, v.cron
		v.m = monitoring.New(v.stack, "Monitoring", v.props)
		jobFailures := awsevents.NewRule(v.stack, jsii.String("JobFailures"), &awsevents.RuleProps{
			EventPattern: &awsevents.EventPattern{Source: jsii.Strings("aws.backup")},
		})
		jobFailures.AddTarget(v.m.TopicTarget(awsevents.RuleTargetInput_FromText(jsii.String(jobFailureMessage))))
		compliance.AddPacks(app, false)
		asm := app.Synth(nil)
		v.findings = compliance.Findings(asm)
		raw, err := os.ReadFile(*asm.GetStackArtifact(v.stack.ArtifactId()).TemplateFullPath())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(raw, &v.json); err != nil {
			panic(err)
		}
		v.tpl = assertions.Template_FromJSON(&v.json, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
	})
	return v
}

// minutes is a duration of n minutes.
func minutes(n float64) awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(n)) }

// stagingProps are those of a staging-like environment: a NAT instance,
// the database stopped at night (two quiet windows), a p95 threshold in
// fractions of a second, everything deleted with the stack.
func stagingProps(p *monitoring.Props) {
	p.Thresholds = monitoring.Thresholds{
		ErrorRatePercent: 5, ErrorRatePeriod: minutes(5),
		LatencyP95: awscdk.Duration_Millis(jsii.Number(1500)), LatencyPeriod: minutes(5),
		DatabaseFreeStoragePercent: 10, DatabaseConnectionsPercent: 80, DatabaseCPUPercent: 80, DatabaseConnectionErrors: 5,
		ConcurrencyPercent: 80, HealthCheckFailures: 3,
	}
	p.DatabaseMaxConnections = 84 // db.t4g.micro
	p.DatabaseAllocatedStorageGiB, p.DatabaseMaxAllocatedStorageGiB = 20, 100
	p.NATInstances = []*string{jsii.String("i-0123456789abcdef0")}
	p.HealthCheckInterval = minutes(1)
	p.QuietWindows = quietWindows
	p.MonthlyBudgetUSD = 50
	p.LogRetention = awslogs.RetentionDays_ONE_MONTH
	p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
}

// productionProps are those of a production-like environment: a NAT
// gateway, never stopped, retained, the probe function named.
func productionProps(p *monitoring.Props) {
	p.HealthCheckFunctionName = "medbookings-production-health-probe"
	p.Thresholds = monitoring.Thresholds{
		ErrorRatePercent: 2, ErrorRatePeriod: minutes(10),
		LatencyP95: awscdk.Duration_Seconds(jsii.Number(2)), LatencyPeriod: minutes(15),
		DatabaseFreeStoragePercent: 15, DatabaseConnectionsPercent: 70, DatabaseCPUPercent: 75, DatabaseConnectionErrors: 10,
		ConcurrencyPercent: 90, HealthCheckFailures: 2,
	}
	p.ServerConcurrency = 50
	p.DatabaseMaxConnections = 168 // db.t4g.small
	p.DatabaseAllocatedStorageGiB, p.DatabaseMaxAllocatedStorageGiB = 50, 200
	p.NATGateways = []*string{jsii.String("nat-0123456789abcdef0")}
	p.HealthCheckInterval = minutes(5)
	p.MonthlyBudgetUSD = 150
	p.LogRetention = awslogs.RetentionDays_THREE_MONTHS
	p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
}

// fixture is the staging-like and the production-like monitoring, each
// synthesized once under the compliance packs.
type fixture struct{ staging, production *variant }

var (
	fixOnce sync.Once
	fix     *fixture
)

// getFixture builds the fixture on first use; a failure fails every test
// that needs it.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		fix = &fixture{
			staging:    newVariant(t, "Staging", cdktest.AppOptions{}, stagingProps),
			production: newVariant(t, "Production", cdktest.AppOptions{}, productionProps),
		}
	})
	if fix == nil {
		t.Fatal("the fixture failed to build (see the first test that used it)")
	}
	return fix
}

// variants are both environments, for the tests that hold for either.
func (f *fixture) variants() []*variant { return []*variant{f.staging, f.production} }

// Template readers shared by the construct tests (internal/cdktest).
var (
	props   = cdktest.Props
	ref     = cdktest.Ref
	getAtt  = cdktest.GetAtt
	flatten = cdktest.Flatten
	toJSON  = cdktest.CompactJSON
)

// id is the logical ID of the resource at construct path (below the stack).
func (v *variant) id(t *testing.T, path string) string {
	t.Helper()
	return cdktest.IDAt(t, v.json, v.name+"/"+path)
}

// resource is the resource at construct path.
func (v *variant) resource(t *testing.T, path string) map[string]any {
	t.Helper()
	return cdktest.ResourceAt(t, v.json, v.name+"/"+path)
}

// resources are the template's resources of type typ by logical ID.
func (v *variant) resources(typ string) map[string]map[string]any {
	return cdktest.OfType(v.json, typ)
}
