package monitoring

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbudgets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Props are what the monitoring construct watches and where it reports.
type Props struct {
	// EnvironmentName is "staging" or "production"; it names the alarms, the
	// dashboard, the budget and the custom metric namespace MedBookings/<Env>.
	EnvironmentName string
	// AlertEmail is subscribed to the alert topic and to the budget.
	AlertEmail string
	// AmplifyAppId is this environment's Amplify app (the App dimension of
	// AWS/AmplifyHosting; the deployment events' appId).
	AmplifyAppId *string
	// BranchName is the Amplify branch the environment deploys (console links).
	BranchName *string
	// HealthCheckHost is the canonical host the health probe calls over HTTPS.
	HealthCheckHost string
	// HealthCheckQuietWindowUtc, "HH:MM-HH:MM" (UTC, may wrap midnight), is a
	// daily window in which the probe does not call the site, e.g. while a
	// nightly-stopped database is down (its stop time to its start time plus
	// 15 minutes for RDS to start). Empty: the site is probed always.
	HealthCheckQuietWindowUtc string
	// DatabaseInstance is watched for CPU, connections, storage and latency.
	DatabaseInstance awsrds.IDatabaseInstance
	// DatabasePostgresLogGroup is the exported postgresql log; a metric
	// filter counts failed connections and authentications in it.
	DatabasePostgresLogGroup awslogs.ILogGroup
	// DatabaseMaxConnections is the instance's max_connections.
	DatabaseMaxConnections int
	// DatabaseAllocatedStorageGiB is the storage the instance is created with
	// (the basis of the free-storage threshold, see docs/monitoring.md).
	DatabaseAllocatedStorageGiB int
	// DatabaseMaxAllocatedStorageGiB is the storage autoscaling ceiling.
	DatabaseMaxAllocatedStorageGiB int
	// RemovalPolicy of the key and the log groups; the zero value is RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// Config holds the thresholds (context medbookings.<env>.monitoring).
	Config Config
}

// Alarm IDs: construct IDs below Alarms/ and keys of Monitoring.Alarms.
const (
	AlarmErrorRate                = "ErrorRate"
	AlarmLatencyP95               = "LatencyP95"
	AlarmDatabaseFreeStorage      = "DatabaseFreeStorage"
	AlarmDatabaseConnections      = "DatabaseConnections"
	AlarmDatabaseCPU              = "DatabaseCpu"
	AlarmDatabaseConnectionErrors = "DatabaseConnectionErrors"
	AlarmHealthCheck              = "HealthCheck"
)

// Custom metric names in the namespace MedBookings/<Env>.
const (
	MetricConnectionErrors   = "DatabaseConnectionErrors"
	MetricHealthCheckSuccess = "HealthCheckSuccess"
	MetricHealthCheckLatency = "HealthCheckLatency"
)

// Monitoring is what the construct created.
type Monitoring struct {
	constructs.Construct
	// AlertTopic receives every alarm (OK and ALARM), the deployment and RDS
	// storage events, and the budget notifications.
	AlertTopic awssns.ITopic
	// Key encrypts the topic and the log groups this construct creates.
	Key awskms.IKey
	// Alarms by ID (the Alarm* constants); AlarmIDs in creation order.
	Alarms   map[string]awscloudwatch.IAlarm
	AlarmIDs []string
	// Namespace of the custom metrics, MedBookings/<Env>.
	Namespace string
	// AmplifyLogGroup is /aws/amplify/<appId>, where Amplify writes SSR logs.
	AmplifyLogGroup awslogs.ILogGroup
	// HealthCheckFunction probes https://<host><path>.
	HealthCheckFunction awslambda.IFunction
	HealthCheckURL      string
	// DeploymentRule sends Amplify deployment events to the topic.
	DeploymentRule awsevents.IRule
	// DatabaseEventsRule sends RDS low-storage and failure events to the topic.
	DatabaseEventsRule awsevents.IRule
	Dashboard          awscloudwatch.Dashboard
	Budget             awsbudgets.CfnBudget
	// LogRetentionDays is the retention EnforceLogRetention applies.
	LogRetentionDays int

	props Props
	title string
}

// Title is the environment name with a capital first letter.
func title(env string) string {
	if env == "" {
		return ""
	}
	return strings.ToUpper(env[:1]) + env[1:]
}

func (p *Props) check() {
	var problems []string
	add := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	if p.EnvironmentName == "" {
		add("EnvironmentName is empty")
	}
	if !config.IsEmail(p.AlertEmail) {
		add("AlertEmail %q is not an e-mail address", p.AlertEmail)
	}
	if p.AmplifyAppId == nil || p.BranchName == nil {
		add("AmplifyAppId and BranchName are required")
	}
	if !config.IsDomain(p.HealthCheckHost) {
		add("HealthCheckHost %q is not a host name", p.HealthCheckHost)
	}
	if p.HealthCheckQuietWindowUtc != "" {
		if _, _, ok := parseWindow(p.HealthCheckQuietWindowUtc); !ok {
			add("HealthCheckQuietWindowUtc %q is not HH:MM-HH:MM", p.HealthCheckQuietWindowUtc)
		}
	}
	if p.DatabaseInstance == nil || p.DatabasePostgresLogGroup == nil {
		add("DatabaseInstance and DatabasePostgresLogGroup are required")
	}
	if p.DatabaseMaxConnections <= 0 {
		add("DatabaseMaxConnections must be positive, got %d", p.DatabaseMaxConnections)
	}
	if p.DatabaseAllocatedStorageGiB <= 0 || p.DatabaseMaxAllocatedStorageGiB < p.DatabaseAllocatedStorageGiB {
		add("DatabaseAllocatedStorageGiB (%d) must be positive and at most DatabaseMaxAllocatedStorageGiB (%d)",
			p.DatabaseAllocatedStorageGiB, p.DatabaseMaxAllocatedStorageGiB)
	}
	var ps config.Problems
	p.Config.Validate("Config", &ps)
	for _, pr := range ps {
		add("%s", pr.String())
	}
	if len(problems) > 0 {
		panic("monitoring.NewMonitoring: invalid props: " + strings.Join(problems, "; "))
	}
}

func parseWindow(s string) (config.ClockTime, config.ClockTime, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	from, ok1 := config.ParseClock(a)
	to, ok2 := config.ParseClock(b)
	return from, to, ok1 && ok2 && from != to
}

// NewMonitoring creates the alert topic and key, the alarms, the health
// probe, the event rules, the log groups, the dashboard and the budget of
// one environment.
func NewMonitoring(scope constructs.Construct, id *string, props *Props) *Monitoring {
	props.check()
	if props.RemovalPolicy == "" {
		props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	m := &Monitoring{
		Alarms:           map[string]awscloudwatch.IAlarm{},
		Namespace:        "MedBookings/" + title(props.EnvironmentName),
		LogRetentionDays: props.Config.LogRetentionDays,
		props:            *props,
		title:            title(props.EnvironmentName),
	}
	constructs.NewConstruct_Override(m, scope, id)
	m.createTopic()
	m.createLogGroups()
	m.createHealthCheck()
	m.createAlarms()
	m.createEventRules()
	m.createDashboard()
	m.createBudget()
	return m
}

var retentionEnum = []awslogs.RetentionDays{
	awslogs.RetentionDays_ONE_DAY, awslogs.RetentionDays_THREE_DAYS, awslogs.RetentionDays_FIVE_DAYS,
	awslogs.RetentionDays_ONE_WEEK, awslogs.RetentionDays_TWO_WEEKS, awslogs.RetentionDays_ONE_MONTH,
	awslogs.RetentionDays_TWO_MONTHS, awslogs.RetentionDays_THREE_MONTHS, awslogs.RetentionDays_FOUR_MONTHS,
	awslogs.RetentionDays_FIVE_MONTHS, awslogs.RetentionDays_SIX_MONTHS, awslogs.RetentionDays_ONE_YEAR,
	awslogs.RetentionDays_THIRTEEN_MONTHS, awslogs.RetentionDays_EIGHTEEN_MONTHS, awslogs.RetentionDays_TWO_YEARS,
	awslogs.RetentionDays_THREE_YEARS, awslogs.RetentionDays_FIVE_YEARS, awslogs.RetentionDays_SIX_YEARS,
	awslogs.RetentionDays_SEVEN_YEARS, awslogs.RetentionDays_EIGHT_YEARS, awslogs.RetentionDays_NINE_YEARS,
	awslogs.RetentionDays_TEN_YEARS,
}

// retention is the configured retention as the CDK enum (LogRetentionChoices
// and the enum list the same periods in the same order; Validate has checked
// the value).
func (m *Monitoring) retention() awslogs.RetentionDays {
	for i, d := range LogRetentionChoices {
		if d == m.LogRetentionDays {
			return retentionEnum[i]
		}
	}
	panic(fmt.Sprintf("monitoring: log retention %d days is not a CloudWatch Logs period", m.LogRetentionDays))
}

func (m *Monitoring) createLogGroups() {
	m.AmplifyLogGroup = awslogs.NewLogGroup(m, jsii.String("AmplifyLogGroup"), &awslogs.LogGroupProps{
		// The name Amplify Hosting writes its compute (SSR) logs to. Creating
		// it here sets its retention and encryption before Amplify writes.
		LogGroupName:  awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("/aws/amplify/"), m.props.AmplifyAppId}),
		Retention:     m.retention(),
		EncryptionKey: m.Key,
		RemovalPolicy: m.props.RemovalPolicy,
	})
}

func (m *Monitoring) stack() awscdk.Stack { return awscdk.Stack_Of(m) }
