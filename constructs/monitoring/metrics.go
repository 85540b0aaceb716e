package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// Custom metric names in the namespace MedBookings/<Title>.
const (
	MetricConnectionErrors   = "DatabaseConnectionErrors"
	MetricHealthCheckSuccess = "HealthCheckSuccess"
	MetricHealthCheckLatency = "HealthCheckLatency"
	// MetricCronJobSuccess is published by functions/cron, dimension Job.
	MetricCronJobSuccess = "CronJobSuccess"
)

// metrics are every metric the alarms and the dashboard read, each defined
// once.
type metrics struct {
	requests, errors4xx, errors5xx awscloudwatch.IMetric
	errorRate                      awscloudwatch.IMetric
	latencyP50, latencyP95         awscloudwatch.IMetric
	throttles, concurrency         awscloudwatch.IMetric
	cronErrors                     awscloudwatch.IMetric
	cronSuccess                    []awscloudwatch.IMetric
	nat                            []awscloudwatch.IMetric
	dbFreeStorage, dbConnections   awscloudwatch.IMetric
	dbCPU, dbReadLatency           awscloudwatch.IMetric
	dbWriteLatency                 awscloudwatch.IMetric
	dbConnectionErrors             awscloudwatch.IMetric
	healthSuccess, healthLatency   awscloudwatch.IMetric
}

func minutes(n float64) awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(n)) }

func newMetrics(m *Monitoring, p Props) *metrics {
	t := p.Thresholds
	five := minutes(5)
	// Function URL metrics are regional, in AWS/Lambda by FunctionName
	// (CloudFront's own metrics exist only in us-east-1).
	url := func(name, stat string, period awscdk.Duration) awscloudwatch.IMetric {
		return p.Server.Metric(jsii.String(name), &awscloudwatch.MetricOptions{Statistic: jsii.String(stat), Period: period})
	}
	db := func(name, stat, label string) awscloudwatch.IMetric {
		return p.Database.Metric(jsii.String(name), &awscloudwatch.MetricOptions{Statistic: jsii.String(stat), Period: five, Label: jsii.String(label)})
	}
	custom := func(name, stat string, dims map[string]string, period awscdk.Duration) awscloudwatch.IMetric {
		d := map[string]*string{}
		for k, v := range dims {
			d[k] = jsii.String(v)
		}
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(p.Namespace), MetricName: jsii.String(name), DimensionsMap: &d, Statistic: jsii.String(stat), Period: period,
		})
	}
	x := &metrics{
		requests:       url("UrlRequestCount", "Sum", t.ErrorRatePeriod),
		errors4xx:      url("Url4xxCount", "Sum", t.ErrorRatePeriod),
		errors5xx:      url("Url5xxCount", "Sum", t.ErrorRatePeriod),
		latencyP50:     url("UrlRequestLatency", "p50", t.LatencyPeriod),
		latencyP95:     url("UrlRequestLatency", "p95", t.LatencyPeriod),
		throttles:      url("Throttles", "Sum", five),
		concurrency:    url("ConcurrentExecutions", "Maximum", five),
		cronErrors:     p.Cron.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: minutes(15)}),
		dbFreeStorage:  db("FreeStorageSpace", "Minimum", "Free storage"),
		dbConnections:  db("DatabaseConnections", "Maximum", "Connections"),
		dbCPU:          db("CPUUtilization", "Average", "CPU"),
		dbReadLatency:  db("ReadLatency", "Average", "Read"),
		dbWriteLatency: db("WriteLatency", "Average", "Write"),
		healthSuccess:  custom(MetricHealthCheckSuccess, "Minimum", map[string]string{"Check": "Health"}, p.HealthCheckInterval),
		healthLatency:  custom(MetricHealthCheckLatency, "Average", map[string]string{"Check": "Health"}, five),
	}
	// 100 * 5xx / requests, 0 when there were none (no traffic is not an
	// outage; the health probe covers a dead site).
	x.errorRate = awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"requests": x.requests, "errors": x.errors5xx},
		Label:        jsii.String("5xx error rate (%)"),
		Period:       t.ErrorRatePeriod,
	})
	for _, path := range p.JobPaths {
		x.cronSuccess = append(x.cronSuccess, custom(MetricCronJobSuccess, "Minimum", map[string]string{"Job": path}, minutes(60)))
	}
	for _, id := range p.NATGateways {
		x.nat = append(x.nat, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/NATGateway"), MetricName: jsii.String("ErrorPortAllocation"),
			DimensionsMap: &map[string]*string{"NatGatewayId": id}, Statistic: jsii.String("Sum"), Period: five,
		}))
	}
	for _, id := range p.NATInstances {
		x.nat = append(x.nat, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/EC2"), MetricName: jsii.String("StatusCheckFailed"),
			DimensionsMap: &map[string]*string{"InstanceId": id}, Statistic: jsii.String("Maximum"), Period: five,
		}))
	}
	mf := awslogs.NewMetricFilter(m.Construct, jsii.String("DatabaseConnectionErrorsFilter"), &awslogs.MetricFilterProps{
		LogGroup:        p.PostgresLogGroup,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(ConnectionErrorPattern())),
		MetricNamespace: jsii.String(p.Namespace),
		MetricName:      jsii.String(MetricConnectionErrors),
		MetricValue:     jsii.String("1"),
		Unit:            awscloudwatch.Unit_COUNT,
	})
	x.dbConnectionErrors = mf.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five})
	return x
}

// ConnectionErrorTerms are the messages of the FATAL lines PostgreSQL writes
// for a refused connection, in the RDS log line format
// "2026-01-02 03:04:05 UTC:10.20.2.9(51234):app@medbookings:[4242]:FATAL:  password authentication failed for user "app"".
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
