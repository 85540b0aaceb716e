package main

import (
	"encoding/json"
	"fmt"
)

// Metric names (CloudWatch, in the namespace from METRIC_NAMESPACE).
const (
	MetricSuccess  = "CronJobSuccess"
	MetricDuration = "CronJobDuration"
	// DimensionJob is the metrics' one dimension: the route's path.
	DimensionJob = "Job"
)

// emit writes one CloudWatch Embedded Metric Format line for a run: success
// 1 or 0 and the duration, by Job, with the status code and, on failure, the
// error as properties. Never the secret or the response body.
func (j *job) emit(out Output, runErr error) {
	success := 1
	if runErr != nil {
		success = 0
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": j.now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  j.namespace,
				"Dimensions": [][]string{{DimensionJob}},
				"Metrics": []any{
					map[string]string{"Name": MetricSuccess, "Unit": "Count"},
					map[string]string{"Name": MetricDuration, "Unit": "Milliseconds"},
				},
			}},
		},
		DimensionJob:   out.Path,
		MetricSuccess:  success,
		MetricDuration: out.DurationMS,
		"StatusCode":   out.StatusCode,
		"Attempts":     out.Attempts,
	}
	if runErr != nil {
		line["Error"] = runErr.Error()
	}
	b, err := json.Marshal(line)
	if err != nil {
		j.log.Printf("metric line: %v", err)
		return
	}
	fmt.Fprintf(j.metrics, "%s\n", b)
}
