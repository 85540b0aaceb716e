// Package monitoring watches one MedBookings environment: an encrypted alert
// topic (e-mail), the requirements' alarms on the server's function URL
// metrics and the database, the scheduled jobs, the NAT, a health probe of
// the public site, deployment and database events, a dashboard and a cost
// budget. Every metric is defined once (metrics.go) and used by its alarm
// and its dashboard widget alike. See docs/monitoring.md.
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

// Thresholds say when to page.
type Thresholds struct {
	ErrorRatePercent           float64
	ErrorRatePeriod            awscdk.Duration
	LatencyP95                 awscdk.Duration
	LatencyPeriod              awscdk.Duration
	DatabaseFreeStoragePercent float64
	DatabaseConnectionsPercent float64
	DatabaseCPUPercent         float64
	DatabaseConnectionErrors   int
	// ConcurrencyPercent of the server's reserved concurrency.
	ConcurrencyPercent  float64
	HealthCheckFailures int
}

// Props are what the monitoring construct watches and where it reports.
type Props struct {
	// Environment ("staging") and Title ("Staging") name the alarms, the
	// dashboard and the budget.
	Environment, Title string
	// Namespace of the custom metrics (MedBookings/<Title>).
	Namespace  string
	AlertEmail string
	Thresholds Thresholds

	// Server is the Next.js server function; its reserved concurrency is
	// ServerConcurrency.
	Server            awslambda.IFunction
	ServerConcurrency int
	// Cron is the scheduled-jobs function; JobPaths are the routes it calls.
	Cron     awslambda.IFunction
	JobPaths []string

	Database               awsrds.IDatabaseInstance
	PostgresLogGroup       awslogs.ILogGroup
	DatabaseMaxConnections int
	// DatabaseAllocatedStorageGiB is the storage the instance is created
	// with (the basis of the free-storage threshold).
	DatabaseAllocatedStorageGiB, DatabaseMaxAllocatedStorageGiB int

	// NATGateways or NATInstances (one of them) are watched for errors.
	NATGateways, NATInstances []*string

	// HealthCheckFunctionName names the probe function and its log group
	// /aws/lambda/<name> ("" lets CloudFormation name them).
	HealthCheckFunctionName string
	// HealthCheckURL is probed every HealthCheckInterval; QuietWindows are
	// daily windows (UTC) in which the site is down on purpose (a stopped
	// database and 15 minutes for it to start).
	HealthCheckURL      string
	HealthCheckInterval awscdk.Duration
	QuietWindows        []config.DailyWindow

	MonthlyBudgetUSD float64
	LogRetention     awslogs.RetentionDays
	// RemovalPolicy of the key and the log group.
	RemovalPolicy awscdk.RemovalPolicy
	// Key encrypts the alert topic and the probe's log group (the
	// environment's data key; the construct adds what the topic's
	// publishers need to its policy); nil creates a key of the
	// construct's own (<id>/Key).
	Key awskms.IKey
}

// Alarm IDs: construct IDs below Alarms/ and keys of Monitoring.Alarms.
const (
	AlarmErrorRate                = "ErrorRate"
	AlarmLatencyP95               = "LatencyP95"
	AlarmServerThrottles          = "ServerThrottles"
	AlarmServerConcurrency        = "ServerConcurrency"
	AlarmCronJobs                 = "CronJobs"
	AlarmNAT                      = "Nat"
	AlarmDatabaseFreeStorage      = "DatabaseFreeStorage"
	AlarmDatabaseConnections      = "DatabaseConnections"
	AlarmDatabaseCPU              = "DatabaseCpu"
	AlarmDatabaseConnectionErrors = "DatabaseConnectionErrors"
	AlarmHealthCheck              = "HealthCheck"
)

// Monitoring is what the construct created.
type Monitoring struct {
	constructs.Construct
	// AlertTopic receives every alarm (OK and ALARM), the deployment and RDS
	// events, and the budget notifications.
	AlertTopic awssns.ITopic
	// Key encrypts the topic and the probe's log group.
	Key awskms.IKey
	// Alarms by ID (the Alarm* constants); AlarmIDs in creation order.
	Alarms   map[string]awscloudwatch.IAlarm
	AlarmIDs []string
	// HealthCheckFunction probes HealthCheckURL.
	HealthCheckFunction awslambda.IFunction
	// DeploymentRule sends this stack's CloudFormation status changes to the topic.
	DeploymentRule awsevents.IRule
	// DatabaseEventsRule sends RDS low-storage and failure events to the topic.
	DatabaseEventsRule awsevents.IRule
	Dashboard          awscloudwatch.Dashboard
	Budget             awsbudgets.CfnBudget

	props   Props
	metrics *metrics
}

// New creates the alert topic and key, the alarms, the health probe, the
// event rules, the dashboard and the budget of one environment.
func New(scope constructs.Construct, id string, p Props) *Monitoring {
	p.check()
	m := &Monitoring{Alarms: map[string]awscloudwatch.IAlarm{}, props: p}
	m.Construct = constructs.NewConstruct(scope, jsii.String(id))
	m.metrics = newMetrics(m, p)
	m.createTopic()
	m.createHealthCheck()
	m.createAlarms()
	m.createEventRules()
	m.createDashboard()
	m.createBudget()
	return m
}

func (p Props) check() {
	var problems []string
	add := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	if p.Environment == "" || p.Title == "" || p.Namespace == "" {
		add("Environment, Title and Namespace are required")
	}
	if !config.IsEmail(p.AlertEmail) {
		add("AlertEmail %q is not an e-mail address", p.AlertEmail)
	}
	if p.Server == nil || p.Cron == nil || p.Database == nil || p.PostgresLogGroup == nil {
		add("Server, Cron, Database and PostgresLogGroup are required")
	}
	if p.ServerConcurrency < 1 || p.DatabaseMaxConnections < 1 {
		add("ServerConcurrency (%d) and DatabaseMaxConnections (%d) must be positive", p.ServerConcurrency, p.DatabaseMaxConnections)
	}
	if p.DatabaseAllocatedStorageGiB <= 0 || p.DatabaseMaxAllocatedStorageGiB < p.DatabaseAllocatedStorageGiB {
		add("DatabaseAllocatedStorageGiB (%d) must be positive and at most DatabaseMaxAllocatedStorageGiB (%d)",
			p.DatabaseAllocatedStorageGiB, p.DatabaseMaxAllocatedStorageGiB)
	}
	if (len(p.NATGateways) == 0) == (len(p.NATInstances) == 0) {
		add("exactly one of NATGateways and NATInstances is needed")
	}
	if !strings.HasPrefix(p.HealthCheckURL, "https://") || p.HealthCheckInterval == nil {
		add("HealthCheckURL (https) and HealthCheckInterval are required")
	}
	t := p.Thresholds
	if t.ErrorRatePeriod == nil || t.LatencyP95 == nil || t.LatencyPeriod == nil || t.HealthCheckFailures < 1 ||
		t.ErrorRatePercent <= 0 || t.ConcurrencyPercent <= 0 || t.DatabaseConnectionErrors < 1 {
		add("every threshold is required")
	}
	if len(problems) > 0 {
		panic("monitoring.New: " + strings.Join(problems, "; "))
	}
}

func (m *Monitoring) stack() awscdk.Stack { return awscdk.Stack_Of(m.Construct) }
