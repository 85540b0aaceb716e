package monitoring_test

import (
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// fixture is one app with a test stack per environment, each holding the
// monitoring construct and stand-ins for what the stack wires into it.
type fixture struct {
	settings *stacks.Settings
	app      awscdk.App
	stacks   map[string]awscdk.Stack
	mons     map[string]*monitoring.Monitoring
	asm      cxapi.CloudAssembly
	tpls     map[string]assertions.Template
	json     map[string]map[string]any
}

// maxConnections is what the stack passes as DatabaseMaxConnections for the
// instance classes cdk.json uses: database.EstimatedMaxConnections(class),
// 75% of the nominal memory / 9531392 (db.t4g.micro: 768 MiB -> 84,
// db.t4g.small: 1536 MiB -> 168), written out so that the expected alarm
// thresholds below are worked out by hand, not by the code under test.
var maxConnections = map[string]int{"db.t4g.micro": 84, "db.t4g.small": 168}

// quietWindow is what the stack derives from a nightly stop: from the stop
// time to 15 minutes after the start time.
func quietWindow(n database.NightlyStop) string {
	if !n.Enabled {
		return ""
	}
	start, _ := config.ParseClock(n.StartAt)
	end := config.ClockTime((int(start) + 15) % (24 * 60))
	return n.StopAt + "-" + end.String()
}

func buildFixture(t testing.TB, overrides map[string]any, validation, nag bool) *fixture {
	t.Helper()
	ctx := cdktest.Context(t)
	for k, v := range overrides {
		ctx[k] = v
	}
	s, err := stacks.Load(ctx)
	if err != nil {
		t.Fatalf("load settings: %v", err)
	}
	f := &fixture{settings: s, stacks: map[string]awscdk.Stack{}, mons: map[string]*monitoring.Monitoring{},
		tpls: map[string]assertions.Template{}, json: map[string]map[string]any{}}
	for _, env := range s.Environments() {
		class := env.Database.InstanceClass
		if n, ok := maxConnections[class]; !ok || n != database.EstimatedMaxConnections(class) {
			t.Fatalf("%s uses %s: add its max_connections to the fixture (the stack passes %d)", env.Name, class, database.EstimatedMaxConnections(class))
		}
	}
	f.app = cdktest.NewApp(t, cdktest.AppOptions{Overrides: overrides, Validation: validation})
	cdktest.Must(t, func() {
		for _, env := range s.Environments() {
			stack := awscdk.NewStack(f.app, jsii.String("Test"+env.Title()), &awscdk.StackProps{
				Env: &awscdk.Environment{Region: jsii.String(s.Shared.Region)},
			})
			db := awsrds.DatabaseInstance_FromDatabaseInstanceAttributes(stack, jsii.String("Db"), &awsrds.DatabaseInstanceAttributes{
				InstanceIdentifier:      jsii.String("medbookings-" + env.Name),
				InstanceEndpointAddress: jsii.String("medbookings-" + env.Name + ".abc.eu-west-1.rds.amazonaws.com"),
				Port:                    jsii.Number(5432),
				SecurityGroups:          &[]awsec2.ISecurityGroup{},
			})
			pg := awslogs.NewLogGroup(stack, jsii.String("PostgresLog"), &awslogs.LogGroupProps{
				LogGroupName:  jsii.String("/aws/rds/instance/medbookings-" + env.Name + "/postgresql"),
				Retention:     awslogs.RetentionDays_ONE_MONTH,
				RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
			})
			// A log group created without retention, as a construct or a
			// custom resource might: EnforceLogRetention must give it one.
			stray := awslogs.NewCfnLogGroup(stack, jsii.String("StrayLogGroup"), &awslogs.CfnLogGroupProps{})
			compliance.Suppress(pg, map[string]string{"HIPAA.Security-CloudWatchLogGroupEncrypted": "test stand-in for the database construct's log group (encrypted there)"})
			compliance.Suppress(stray, map[string]string{"HIPAA.Security-CloudWatchLogGroupEncrypted": "test stand-in for another construct's log group"})
			removal := awscdk.RemovalPolicy_DESTROY
			if env.Name == "production" {
				removal = awscdk.RemovalPolicy_RETAIN
			}
			m := monitoring.NewMonitoring(stack, jsii.String("Monitoring"), &monitoring.Props{
				EnvironmentName:                env.Name,
				AlertEmail:                     s.Shared.AlertEmail,
				AmplifyAppId:                   jsii.String("d1" + env.Name),
				BranchName:                     jsii.String(env.Branch),
				HealthCheckHost:                env.CanonicalHost,
				HealthCheckQuietWindowUtc:      quietWindow(env.Database.NightlyStop),
				DatabaseInstance:               db,
				DatabasePostgresLogGroup:       pg,
				DatabaseMaxConnections:         maxConnections[env.Database.InstanceClass],
				DatabaseAllocatedStorageGiB:    env.Database.AllocatedStorageGiB,
				DatabaseMaxAllocatedStorageGiB: env.Database.MaxAllocatedStorageGiB,
				RemovalPolicy:                  removal,
				Config:                         env.Monitoring,
			})
			m.EnforceLogRetention(stack)
			f.stacks[env.Name], f.mons[env.Name] = stack, m
		}
		if nag {
			compliance.AddPacks(f.app)
		}
		f.asm = f.app.Synth(nil)
	})
	for name, st := range f.stacks {
		f.tpls[name] = cdktest.Template(t, st)
		f.json[name] = cdktest.JSON(t, f.tpls[name])
	}
	return f
}

var (
	defaultOnce sync.Once
	defaultFix  *fixture
)

// defaults is the fixture built from cdk.json as it is, with the compliance
// packs, shared by the tests that only read it.
func defaults(t *testing.T) *fixture {
	t.Helper()
	defaultOnce.Do(func() { defaultFix = buildFixture(t, nil, false, true) })
	if defaultFix == nil {
		t.Fatal("the default fixture failed to build (see the first test that used it)")
	}
	return defaultFix
}

func (f *fixture) env(name string) stacks.Environment {
	for _, e := range f.settings.Environments() {
		if e.Name == name {
			return e
		}
	}
	panic("no environment " + name)
}
