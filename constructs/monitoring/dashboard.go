package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// createDashboard creates the environment's dashboard: traffic, errors,
// latency, the database and the state of every alarm.
func (m *Monitoring) createDashboard() {
	five := minutes(5)
	db := m.props.DatabaseInstance
	dbMetric := func(name, stat, label string) awscloudwatch.IMetric {
		return db.Metric(jsii.String(name), &awscloudwatch.MetricOptions{Statistic: jsii.String(stat), Period: five, Label: jsii.String(label)})
	}
	graph := func(title string, left []awscloudwatch.IMetric, right []awscloudwatch.IMetric, width float64) awscloudwatch.IWidget {
		p := &awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(width), Height: jsii.Number(6)}
		if len(right) > 0 {
			p.Right = &right
		}
		return awscloudwatch.NewGraphWidget(p)
	}
	alarm := func(id string) awscloudwatch.IWidget {
		return awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
			Title: jsii.String(id), Alarm: m.Alarms[id], Width: jsii.Number(8), Height: jsii.Number(6),
		})
	}
	health := func(name, stat string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(m.Namespace), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"Check": jsii.String("Health")},
			Statistic:     jsii.String(stat), Period: five,
		})
	}
	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, id := range m.AlarmIDs {
		alarms = append(alarms, m.Alarms[id])
	}
	d := awscloudwatch.NewDashboard(m, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String("MedBookings-" + m.title),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(24)),
	})
	d.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24), Height: jsii.Number(3),
	}))
	d.AddWidgets(
		graph("Traffic (requests / 5 min)", []awscloudwatch.IMetric{m.amplifyMetric("Requests", "Sum", five)}, nil, 8),
		graph("Errors (count / 5 min)", []awscloudwatch.IMetric{
			m.amplifyMetric("5xxErrors", "Sum", five), m.amplifyMetric("4xxErrors", "Sum", five),
		}, nil, 8),
		alarm(AlarmErrorRate),
	)
	d.AddWidgets(
		graph("Latency p50 / p95 (s)", []awscloudwatch.IMetric{
			m.amplifyMetric("Latency", "p50", five), m.amplifyMetric("Latency", "p95", five),
		}, nil, 8),
		alarm(AlarmLatencyP95),
		graph("Health probe", []awscloudwatch.IMetric{health(MetricHealthCheckSuccess, "Minimum")},
			[]awscloudwatch.IMetric{health(MetricHealthCheckLatency, "Average")}, 8),
	)
	// The database graphs carry their alarm's threshold as a line.
	withThreshold := func(title string, metric awscloudwatch.IMetric, alarmID string) awscloudwatch.IWidget {
		a := m.Alarms[alarmID].(awscloudwatch.Alarm)
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &[]awscloudwatch.IMetric{metric}, Width: jsii.Number(8), Height: jsii.Number(6),
			LeftAnnotations: &[]*awscloudwatch.HorizontalAnnotation{a.ToAnnotation()},
		})
	}
	d.AddWidgets(
		withThreshold("Database CPU (%)", dbMetric("CPUUtilization", "Average", "CPU"), AlarmDatabaseCPU),
		withThreshold("Database connections", dbMetric("DatabaseConnections", "Maximum", "Connections"), AlarmDatabaseConnections),
		withThreshold("Database free storage (bytes)", dbMetric("FreeStorageSpace", "Minimum", "Free storage"), AlarmDatabaseFreeStorage),
	)
	d.AddWidgets(
		graph("Database read / write latency (s)", []awscloudwatch.IMetric{
			dbMetric("ReadLatency", "Average", "Read"), dbMetric("WriteLatency", "Average", "Write"),
		}, nil, 12),
		alarm(AlarmDatabaseConnectionErrors),
	)
	m.Dashboard = d
}
