package monitoring

import (
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Config is the monitoring part of one environment's context
// (medbookings.<environment>.monitoring in cdk.json). Every threshold is
// optional; an absent key takes the requirements document's value (see
// Defaults).
type Config struct {
	// ErrorRatePercent alarms when 5xx responses exceed this share of requests.
	ErrorRatePercent float64 `json:"errorRatePercent" config:"optional"`
	// ErrorRatePeriodMinutes is the period the error rate is computed over.
	ErrorRatePeriodMinutes int `json:"errorRatePeriodMinutes" config:"optional"`
	// LatencyP95Seconds alarms when the p95 of Amplify's Latency exceeds it.
	LatencyP95Seconds float64 `json:"latencyP95Seconds" config:"optional"`
	// LatencyPeriodMinutes is the period of the latency statistic.
	LatencyPeriodMinutes int `json:"latencyPeriodMinutes" config:"optional"`
	// DatabaseFreeStoragePercent alarms when free storage falls below this
	// share of the storage the instance is created with (its allocated,
	// starting size; not the autoscaling ceiling): a fixed number of bytes.
	DatabaseFreeStoragePercent float64 `json:"databaseFreeStoragePercent" config:"optional"`
	// DatabaseConnectionsPercent alarms when connections exceed this share of
	// the instance class's max_connections.
	DatabaseConnectionsPercent float64 `json:"databaseConnectionsPercent" config:"optional"`
	// DatabaseCPUPercent alarms on sustained CPU above it.
	DatabaseCPUPercent float64 `json:"databaseCpuPercent" config:"optional"`
	// DatabaseConnectionErrors alarms when failed connections or
	// authentications in 5 minutes reach it.
	DatabaseConnectionErrors int `json:"databaseConnectionErrors" config:"optional"`
	// HealthCheckPath is the app's health endpoint, checked over HTTPS.
	HealthCheckPath string `json:"healthCheckPath" config:"optional"`
	// HealthCheckIntervalMinutes is how often the probe calls the health
	// endpoint; the alarm fires after HealthCheckFailures failed calls in a row.
	HealthCheckIntervalMinutes int `json:"healthCheckIntervalMinutes" config:"optional"`
	// HealthCheckFailures is the number of consecutive failed probes that
	// raise the health-check alarm.
	HealthCheckFailures int `json:"healthCheckFailures" config:"optional"`
	// LogRetentionDays for every log group of the stack.
	LogRetentionDays int `json:"logRetentionDays" config:"optional"`
	// RemovalPolicy of the alert key and the log groups on stack delete:
	// "retain" or "destroy".
	RemovalPolicy string `json:"removalPolicy"`
	// MonthlyBudgetUSD is this environment's AWS Budgets cost budget.
	MonthlyBudgetUSD float64 `json:"monthlyBudgetUsd"`
}

// Defaults are the requirements document's values.
func Defaults() Config {
	return Config{
		ErrorRatePercent:           5,
		ErrorRatePeriodMinutes:     5,
		LatencyP95Seconds:          2,
		LatencyPeriodMinutes:       5,
		DatabaseFreeStoragePercent: 20,
		DatabaseConnectionsPercent: 80,
		DatabaseCPUPercent:         80,
		DatabaseConnectionErrors:   5,
		HealthCheckPath:            "/api/health",
		HealthCheckIntervalMinutes: 1,
		HealthCheckFailures:        3,
		LogRetentionDays:           30,
	}
}

// LogRetentionChoices are the retention periods CloudWatch Logs accepts.
var LogRetentionChoices = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Validate checks the settings.
func (c Config) Validate(key string, ps *config.Problems) {
	ps.OneOf(key+".removalPolicy", c.RemovalPolicy, "retain", "destroy")
	ps.FloatRange(key+".errorRatePercent", c.ErrorRatePercent, 0.1, 100)
	ps.IntRange(key+".errorRatePeriodMinutes", c.ErrorRatePeriodMinutes, 1, 60)
	ps.FloatRange(key+".latencyP95Seconds", c.LatencyP95Seconds, 0.05, 60)
	ps.IntRange(key+".latencyPeriodMinutes", c.LatencyPeriodMinutes, 1, 60)
	ps.FloatRange(key+".databaseFreeStoragePercent", c.DatabaseFreeStoragePercent, 1, 99)
	ps.FloatRange(key+".databaseConnectionsPercent", c.DatabaseConnectionsPercent, 1, 100)
	ps.FloatRange(key+".databaseCpuPercent", c.DatabaseCPUPercent, 1, 100)
	ps.IntRange(key+".databaseConnectionErrors", c.DatabaseConnectionErrors, 1, 100000)
	if !strings.HasPrefix(c.HealthCheckPath, "/") || strings.ContainsAny(c.HealthCheckPath, " ?#") {
		ps.Add(key+".healthCheckPath", c.HealthCheckPath, "an absolute URL path such as /api/health")
	}
	ps.IntRange(key+".healthCheckIntervalMinutes", c.HealthCheckIntervalMinutes, 1, 60)
	ps.IntRange(key+".healthCheckFailures", c.HealthCheckFailures, 1, 10)
	ok := false
	for _, d := range LogRetentionChoices {
		ok = ok || d == c.LogRetentionDays
	}
	if !ok {
		ps.Add(key+".logRetentionDays", c.LogRetentionDays, "one of the CloudWatch Logs retention periods (1, 3, 5, 7, 14, 30, 60, 90, ... 3653 days)")
	}
	ps.FloatRange(key+".monthlyBudgetUsd", c.MonthlyBudgetUSD, 1, 200)
}
