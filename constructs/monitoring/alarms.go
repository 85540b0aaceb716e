package monitoring

import (
	"fmt"
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
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

func minutes(n int) awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(float64(n))) }

const gib = 1024 * 1024 * 1024

// createAlarms creates the alarms of FR-6.2, the database alarms and the
// health-check alarm.
func (m *Monitoring) createAlarms() {
	cfg := m.props.Config
	f := NewAlarmFactory(m, "MedBookings-"+m.title+"-", m.AlertTopic)
	db := m.props.DatabaseInstance

	// Error rate: 100 * 5xxErrors / Requests, 0 when there were no requests
	// (no traffic is not an outage; the health check covers a dead site).
	period := minutes(cfg.ErrorRatePeriodMinutes)
	errorRate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"requests": m.amplifyMetric("Requests", "Sum", period),
			"errors":   m.amplifyMetric("5xxErrors", "Sum", period),
		},
		Label:  jsii.String("5xx error rate (%)"),
		Period: period,
	})
	f.Add(AlarmSpec{
		ID: AlarmErrorRate,
		Description: fmt.Sprintf("MedBookings %s: more than %g%% of requests failed with 5xx in %d minutes. "+
			"Look at the Amplify app's server logs (CloudWatch log group /aws/amplify/<app id>) and Sentry for the failing route; "+
			"if it began with a deployment, redeploy the previous job in the Amplify console; check the database alarms.",
			m.props.EnvironmentName, cfg.ErrorRatePercent, cfg.ErrorRatePeriodMinutes),
		Metric:            errorRate,
		Threshold:         cfg.ErrorRatePercent,
		Comparison:        awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods: 1,
	})

	f.Add(AlarmSpec{
		ID: AlarmLatencyP95,
		Description: fmt.Sprintf("MedBookings %s: p95 response time above %g s over %d minutes (2 periods in a row). "+
			"Check the database CPU, connections and read/write latency on the dashboard, slow statements in the postgresql log, "+
			"and a recent deployment; cold starts after a quiet period also raise the p95.",
			m.props.EnvironmentName, cfg.LatencyP95Seconds, cfg.LatencyPeriodMinutes),
		Metric:            m.amplifyMetric("Latency", "p95", minutes(cfg.LatencyPeriodMinutes)),
		Threshold:         cfg.LatencyP95Seconds,
		Comparison:        awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods: 2,
	})

	// Free storage: a fixed number of bytes, pct of the storage the instance
	// is created with. With storage autoscaling FreeStorageSpace is relative
	// to a size that grows; see docs/monitoring.md for why neither a share
	// of the current size nor a share of the ceiling works.
	freeBytes := cfg.DatabaseFreeStoragePercent / 100 * float64(m.props.DatabaseAllocatedStorageGiB) * gib
	f.Add(AlarmSpec{
		ID: AlarmDatabaseFreeStorage,
		Description: fmt.Sprintf("MedBookings %s: database free storage below %.1f GiB (%g%% of the %d GiB it was created with; "+
			"autoscaling grows it up to %d GiB). Expected once before each autoscaling step (it returns to OK when RDS adds space); "+
			"if it stays in ALARM, autoscaling is at its ceiling or waiting out its 6-hour cooldown: raise maxAllocatedStorageGiB "+
			"or find what is filling the disk (table bloat, logs, temp files).",
			m.props.EnvironmentName, freeBytes/gib, cfg.DatabaseFreeStoragePercent, m.props.DatabaseAllocatedStorageGiB,
			m.props.DatabaseMaxAllocatedStorageGiB),
		Metric:            db.MetricFreeStorageSpace(&awscloudwatch.MetricOptions{Statistic: jsii.String("Minimum"), Period: minutes(5)}),
		Threshold:         freeBytes,
		Comparison:        awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods: 1,
	})

	maxConn := math.Floor(cfg.DatabaseConnectionsPercent / 100 * float64(m.props.DatabaseMaxConnections))
	f.Add(AlarmSpec{
		ID: AlarmDatabaseConnections,
		Description: fmt.Sprintf("MedBookings %s: more than %.0f database connections (%g%% of max_connections %d) for 10 minutes. "+
			"Each Amplify compute instance opens its own Prisma pool: check connection_limit in DATABASE_URL, look for leaked "+
			"connections (pg_stat_activity), and move to a larger instance class if the load is real.",
			m.props.EnvironmentName, maxConn, cfg.DatabaseConnectionsPercent, m.props.DatabaseMaxConnections),
		Metric:            db.MetricDatabaseConnections(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: minutes(5)}),
		Threshold:         maxConn,
		Comparison:        awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods: 2,
	})

	f.Add(AlarmSpec{
		ID: AlarmDatabaseCPU,
		Description: fmt.Sprintf("MedBookings %s: database CPU above %g%% for 15 minutes. Find the expensive statements "+
			"(Performance Insights, slow-statement lines in the postgresql log), add missing indexes; t4g instances that exhaust "+
			"their CPU credits are throttled, so consider a larger class.", m.props.EnvironmentName, cfg.DatabaseCPUPercent),
		Metric:            db.MetricCPUUtilization(&awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: minutes(5)}),
		Threshold:         cfg.DatabaseCPUPercent,
		Comparison:        awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods: 3,
	})

	f.Add(AlarmSpec{
		ID: AlarmDatabaseConnectionErrors,
		Description: fmt.Sprintf("MedBookings %s: %d or more failed database connections or authentications in 5 minutes "+
			"(metric filter on the postgresql log). Search the log for FATAL: a wrong or stale password (a rotation not yet "+
			"picked up by the app), a client without TLS (pg_hba), or too many clients; many from unknown hosts mean someone is "+
			"guessing passwords on the public endpoint.", m.props.EnvironmentName, cfg.DatabaseConnectionErrors),
		Metric:            m.connectionErrorMetric(),
		Threshold:         float64(cfg.DatabaseConnectionErrors),
		Comparison:        awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods: 1,
	})

	missing := awscloudwatch.TreatMissingData_BREACHING
	if m.props.HealthCheckQuietWindowUtc != "" {
		// The probe is silent on purpose in the quiet window; BREACHING would
		// raise the alarm every night.
		missing = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	f.Add(AlarmSpec{
		ID: AlarmHealthCheck,
		Description: fmt.Sprintf("MedBookings %s: %s did not answer HTTP 200 within 10 s for %d checks in a row (one every %d min). "+
			"Open it in a browser; the probe's log group (…/HealthCheckLogGroup) has the status or error of each check. Check the Amplify "+
			"app's last deployment, the database (stopped? connections?) and the domain's certificate and DNS.",
			m.props.EnvironmentName, m.HealthCheckURL, cfg.HealthCheckFailures, cfg.HealthCheckIntervalMinutes),
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(m.Namespace),
			MetricName:    jsii.String(MetricHealthCheckSuccess),
			DimensionsMap: &map[string]*string{"Check": jsii.String("Health")},
			Statistic:     jsii.String("Minimum"),
			Period:        minutes(cfg.HealthCheckIntervalMinutes),
		}),
		Threshold:         1,
		Comparison:        awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods: cfg.HealthCheckFailures,
		TreatMissingData:  missing,
	})

	m.Alarms = f.alarms
	m.AlarmIDs = *f.ids
}

func (m *Monitoring) amplifyMetric(name, statistic string, period awscdk.Duration) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String("AWS/AmplifyHosting"),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{"App": m.props.AmplifyAppId},
		Statistic:     jsii.String(statistic),
		Period:        period,
	})
}

// ConnectionErrorTerms are the messages of the FATAL lines PostgreSQL writes
// for a refused connection, in the RDS log line format
// "2026-01-02 03:04:05 UTC:203.0.113.9(51234):app@medbookings:[4242]:FATAL:  password authentication failed for user "app"".
// Terms joined by "?" match when any of them appears in the line.
var ConnectionErrorTerms = []string{
	"password authentication failed",
	"no pg_hba.conf entry",
	"sorry, too many clients",
	"too many connections for",
	"remaining connection slots are reserved",
	"connection requires a valid client certificate",
}

// ConnectionErrorPattern is the metric filter pattern built from ConnectionErrorTerms.
func ConnectionErrorPattern() string {
	p := ""
	for i, t := range ConnectionErrorTerms {
		if i > 0 {
			p += " "
		}
		p += `?"` + t + `"`
	}
	return p
}

func (m *Monitoring) connectionErrorMetric() awscloudwatch.IMetric {
	mf := awslogs.NewMetricFilter(m, jsii.String("DatabaseConnectionErrorsFilter"), &awslogs.MetricFilterProps{
		LogGroup:        m.props.DatabasePostgresLogGroup,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(ConnectionErrorPattern())),
		MetricNamespace: jsii.String(m.Namespace),
		MetricName:      jsii.String(MetricConnectionErrors),
		MetricValue:     jsii.String("1"),
		Unit:            awscloudwatch.Unit_COUNT,
	})
	return mf.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(5)})
}
