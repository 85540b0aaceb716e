package monitoring

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AlarmSpec is one alarm: what to watch and when to page. Everything not in
// it (actions, missing-data default, naming) is the factory's.
type AlarmSpec struct {
	// ID is the construct ID (below Alarms/) and the key in Monitoring.Alarms.
	ID string
	// Description tells the person on call what happened and what to do.
	Description string
	Metric      awscloudwatch.IMetric
	Threshold   float64
	Comparison  awscloudwatch.ComparisonOperator
	// EvaluationPeriods and DatapointsToAlarm ("M out of N"); DatapointsToAlarm
	// 0 means all of them.
	EvaluationPeriods int
	DatapointsToAlarm int
	// TreatMissingData overrides the factory default (NOT_BREACHING).
	TreatMissingData awscloudwatch.TreatMissingData
}

// AlarmFactory creates every alarm of the construct with the same defaults,
// in the style of cdk-monitoring-constructs: missing data is not breaching
// unless the alarm says otherwise (a stopped database or an idle site is
// not an incident), both ALARM and OK go to the one alert topic, and the
// alarm name is "MedBookings-<Env>-<ID>" so that the e-mail subject says
// which environment and which alarm.
type AlarmFactory struct {
	scope      constructs.Construct
	namePrefix string
	action     awscloudwatch.IAlarmAction
	alarms     map[string]awscloudwatch.IAlarm
	ids        *[]string
}

// NewAlarmFactory creates alarms in scope that notify topic.
func NewAlarmFactory(scope constructs.Construct, namePrefix string, topic awssns.ITopic) *AlarmFactory {
	return &AlarmFactory{
		scope:      constructs.NewConstruct(scope, jsii.String("Alarms")),
		namePrefix: namePrefix,
		action:     awscloudwatchactions.NewSnsAction(topic),
		alarms:     map[string]awscloudwatch.IAlarm{},
		ids:        &[]string{},
	}
}

// Add creates one alarm.
func (f *AlarmFactory) Add(s AlarmSpec) awscloudwatch.Alarm {
	if _, dup := f.alarms[s.ID]; dup {
		panic("monitoring: alarm " + s.ID + " created twice")
	}
	missing := s.TreatMissingData
	if missing == "" {
		missing = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	datapoints := s.DatapointsToAlarm
	if datapoints == 0 {
		datapoints = s.EvaluationPeriods
	}
	a := awscloudwatch.NewAlarm(f.scope, jsii.String(s.ID), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(f.namePrefix + s.ID),
		AlarmDescription:   jsii.String(s.Description),
		Metric:             s.Metric,
		Threshold:          jsii.Number(s.Threshold),
		ComparisonOperator: s.Comparison,
		EvaluationPeriods:  jsii.Number(float64(s.EvaluationPeriods)),
		DatapointsToAlarm:  jsii.Number(float64(datapoints)),
		TreatMissingData:   missing,
		ActionsEnabled:     jsii.Bool(true),
	})
	a.AddAlarmAction(f.action)
	a.AddOkAction(f.action)
	f.alarms[s.ID] = a
	*f.ids = append(*f.ids, s.ID)
	return a
}

const gib = 1024 * 1024 * 1024

// exact converts a duration to another unit without CDK's default
// whole-number check: a p95 threshold of 1.5 s is 1.5 seconds, not an error.
var exact = &awscdk.TimeConversionOptions{Integral: jsii.Bool(false)}

// createAlarms creates the alarms of FR-6.2 on the server's function URL
// metrics, the server's capacity, the jobs, the NAT, the database and the
// health probe.
func (m *Monitoring) createAlarms() {
	p, t, x := m.props, m.props.Thresholds, m.metrics
	f := NewAlarmFactory(m.Construct, "MedBookings-"+p.Title+"-", m.AlertTopic)
	env := p.Environment
	gt, ge, lt := awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD
	logs := "the server's log group /aws/lambda/" + *p.Server.FunctionName()

	f.Add(AlarmSpec{ID: AlarmErrorRate, Metric: x.errorRate, Threshold: t.ErrorRatePercent, Comparison: gt, EvaluationPeriods: 1,
		Description: fmt.Sprintf("MedBookings %s: more than %g%% of requests failed with 5xx in %g minutes. "+
			"Look at %s and Sentry for the failing route; if it began with a deployment, roll back (docs/disaster-recovery.md); check the database alarms.",
			env, t.ErrorRatePercent, *t.ErrorRatePeriod.ToMinutes(exact), logs)})
	f.Add(AlarmSpec{ID: AlarmLatencyP95, Metric: x.latencyP95, Threshold: *t.LatencyP95.ToMilliseconds(exact), Comparison: gt, EvaluationPeriods: 2,
		Description: fmt.Sprintf("MedBookings %s: p95 response time above %g s over %g minutes (2 periods in a row). "+
			"Check the database CPU, connections and latency on the dashboard, slow statements in the postgresql log, and a recent deployment; "+
			"cold starts after a quiet period also raise the p95.", env, *t.LatencyP95.ToSeconds(exact), *t.LatencyPeriod.ToMinutes(exact))})
	f.Add(AlarmSpec{ID: AlarmServerThrottles, Metric: x.throttles, Threshold: 0, Comparison: gt, EvaluationPeriods: 1,
		Description: fmt.Sprintf("MedBookings %s: the server refused requests because all %d instances of its reserved concurrency were busy "+
			"(visitors saw 429/503). The reservation keeps the database's connections within limits: a larger instance class raises it "+
			"(docs/operations.md, scaling).", env, p.ServerConcurrency)})
	near := float64(int(float64(p.ServerConcurrency) * t.ConcurrencyPercent / 100))
	f.Add(AlarmSpec{ID: AlarmServerConcurrency, Metric: x.concurrency, Threshold: near, Comparison: ge, EvaluationPeriods: 2,
		Description: fmt.Sprintf("MedBookings %s: %g or more server instances busy at once for 10 minutes (%g%% of the reserved %d): "+
			"traffic is close to what the database connections allow; throttling follows. Plan a larger instance class.",
			env, near, t.ConcurrencyPercent, p.ServerConcurrency)})
	f.Add(AlarmSpec{ID: AlarmCronJobs, Metric: x.cronErrors, Threshold: 1, Comparison: ge, EvaluationPeriods: 1,
		Description: fmt.Sprintf("MedBookings %s: a scheduled job (%s) failed (Scheduler retries a failed call twice; the alarm counts every failed run). The log group of %s has each call's route and HTTP "+
			"status; a 401 means CRON_SECRET differs between the cron secret and the server, a 5xx is the app's own error (see the server's log).",
			env, strings.Join(p.JobPaths, ", "), *p.Cron.FunctionName())})
	natMetric, natWhat := awscloudwatch.IMetric(nil), ""
	if len(p.NATGateways) > 0 {
		natMetric, natWhat = x.nat[0], "the NAT gateway could not allocate ports (ErrorPortAllocation)"
	} else {
		natMetric, natWhat = x.nat[0], "the NAT instance failed its status checks (stop and start it, or deploy again to replace it)"
	}
	f.Add(AlarmSpec{ID: AlarmNAT, Metric: natMetric, Threshold: 1, Comparison: ge, EvaluationPeriods: 2,
		Description: fmt.Sprintf("MedBookings %s: %s. Everything in the App subnets reaches the internet (Google, Twilio, SendGrid, Upstash, "+
			"Secrets Manager) through it: sign-in, messages and cold starts fail.", env, natWhat)})

	// Free storage: a fixed number of bytes, pct of the storage the instance
	// is created with (docs/monitoring.md says why not a share of the
	// current size or of the autoscaling ceiling).
	freeBytes := t.DatabaseFreeStoragePercent / 100 * float64(p.DatabaseAllocatedStorageGiB) * gib
	f.Add(AlarmSpec{ID: AlarmDatabaseFreeStorage, Metric: x.dbFreeStorage, Threshold: freeBytes, Comparison: lt, EvaluationPeriods: 1,
		Description: fmt.Sprintf("MedBookings %s: database free storage below %.1f GiB (%g%% of the %d GiB it was created with; "+
			"autoscaling grows it up to %d GiB). Expected once before each autoscaling step (it returns to OK when RDS adds space); "+
			"if it stays in ALARM, autoscaling is at its ceiling or waiting out its 6-hour cooldown: raise maxAllocatedStorageGiB "+
			"or find what is filling the disk (table bloat, logs, temp files).",
			env, freeBytes/gib, t.DatabaseFreeStoragePercent, p.DatabaseAllocatedStorageGiB, p.DatabaseMaxAllocatedStorageGiB)})
	maxConn := math.Floor(t.DatabaseConnectionsPercent / 100 * float64(p.DatabaseMaxConnections))
	f.Add(AlarmSpec{ID: AlarmDatabaseConnections, Metric: x.dbConnections, Threshold: maxConn, Comparison: gt, EvaluationPeriods: 2,
		Description: fmt.Sprintf("MedBookings %s: more than %.0f database connections (%g%% of max_connections %d) for 10 minutes. "+
			"Each server instance holds connection_limit connections and the reserved concurrency caps the instances: look for other "+
			"clients and leaked connections (pg_stat_activity), and move to a larger instance class if the load is real.",
			env, maxConn, t.DatabaseConnectionsPercent, p.DatabaseMaxConnections)})
	f.Add(AlarmSpec{ID: AlarmDatabaseCPU, Metric: x.dbCPU, Threshold: t.DatabaseCPUPercent, Comparison: gt, EvaluationPeriods: 3,
		Description: fmt.Sprintf("MedBookings %s: database CPU above %g%% for 15 minutes. Find the expensive statements "+
			"(Database Insights, slow-statement lines in the postgresql log), add missing indexes; t4g instances that exhaust "+
			"their CPU credits are throttled, so consider a larger class.", env, t.DatabaseCPUPercent)})
	f.Add(AlarmSpec{ID: AlarmDatabaseConnectionErrors, Metric: x.dbConnectionErrors, Threshold: float64(t.DatabaseConnectionErrors), Comparison: ge, EvaluationPeriods: 1,
		Description: fmt.Sprintf("MedBookings %s: %d or more failed database connections or authentications in 5 minutes "+
			"(metric filter on the postgresql log). Search the log for FATAL: a wrong or stale password (a rotation and a server started "+
			"before it? see docs/database.md), a client without TLS, or too many clients.", env, t.DatabaseConnectionErrors)})

	missing := awscloudwatch.TreatMissingData_BREACHING
	if len(p.QuietWindows) > 0 {
		// The probe is silent on purpose in its quiet windows; BREACHING
		// would raise the alarm every night.
		missing = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	f.Add(AlarmSpec{ID: AlarmHealthCheck, Metric: x.healthSuccess, Threshold: 1, Comparison: lt, EvaluationPeriods: t.HealthCheckFailures, TreatMissingData: missing,
		Description: fmt.Sprintf("MedBookings %s: %s did not answer HTTP 200 within 10 s for %d checks in a row (one every %g min). "+
			"It answers 200 only when the database and Redis answer (docs/monitoring.md): the probe's log group has each check's status or error; "+
			"check the database (stopped? connections?), Upstash, the last deployment, and the certificate and DNS.",
			env, p.HealthCheckURL, t.HealthCheckFailures, *p.HealthCheckInterval.ToMinutes(exact))})

	m.Alarms = f.alarms
	m.AlarmIDs = *f.ids
}
