package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// createDashboard creates the environment's dashboard: the state of every
// alarm, the server's traffic, errors, latency and capacity, the jobs, the
// health probe and the database. Each graph shows the metric its alarm
// reads, with the alarm's threshold where it has one.
func (m *Monitoring) createDashboard() {
	x := m.metrics
	graph := func(title string, left, right []awscloudwatch.IMetric, width float64) awscloudwatch.IWidget {
		p := &awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(width), Height: jsii.Number(6)}
		if len(right) > 0 {
			p.Right = &right
		}
		return awscloudwatch.NewGraphWidget(p)
	}
	// A graph of an alarm's metric with its threshold as a line.
	withThreshold := func(title string, alarmID string, extra ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		a := m.Alarms[alarmID].(awscloudwatch.Alarm)
		left := append([]awscloudwatch.IMetric{a.Metric()}, extra...)
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Width: jsii.Number(8), Height: jsii.Number(6),
			LeftAnnotations: &[]*awscloudwatch.HorizontalAnnotation{a.ToAnnotation()},
		})
	}
	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, id := range m.AlarmIDs {
		alarms = append(alarms, m.Alarms[id])
	}
	d := awscloudwatch.NewDashboard(m.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String("MedBookings-" + m.props.Title),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(24)),
	})
	d.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24), Height: jsii.Number(3),
	}))
	d.AddWidgets(
		graph("Requests to the server (function URL)", []awscloudwatch.IMetric{x.requests}, nil, 8),
		graph("Server errors (4xx, 5xx)", []awscloudwatch.IMetric{x.errors4xx, x.errors5xx}, nil, 8),
		withThreshold("5xx error rate (%)", AlarmErrorRate),
	)
	d.AddWidgets(
		withThreshold("Latency p95 / p50 (ms)", AlarmLatencyP95, x.latencyP50),
		withThreshold("Concurrent server instances", AlarmServerConcurrency),
		withThreshold("Throttled requests", AlarmServerThrottles),
	)
	// The jobs: failed calls (the CronJobs alarm's metric, with its
	// threshold) and, on the right, each job's success.
	jobs := withThreshold("Scheduled jobs (failed calls; success per job)", AlarmCronJobs).(awscloudwatch.GraphWidget)
	for _, s := range x.cronSuccess {
		jobs.AddRightMetric(s)
	}
	d.AddWidgets(
		graph("Health probe (success, latency ms)", []awscloudwatch.IMetric{x.healthSuccess}, []awscloudwatch.IMetric{x.healthLatency}, 8),
		jobs,
		withThreshold("NAT", AlarmNAT),
	)
	d.AddWidgets(
		withThreshold("Database CPU (%)", AlarmDatabaseCPU),
		withThreshold("Database connections", AlarmDatabaseConnections),
		withThreshold("Database free storage (bytes)", AlarmDatabaseFreeStorage),
	)
	d.AddWidgets(
		graph("Database read / write latency (s)", []awscloudwatch.IMetric{x.dbReadLatency, x.dbWriteLatency}, nil, 16),
		withThreshold("Failed database connections", AlarmDatabaseConnectionErrors),
	)
	m.Dashboard = d
}
