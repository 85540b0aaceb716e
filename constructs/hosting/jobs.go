package hosting

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdabuild"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdafn"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/schedules"
)

// Job is one of the app's scheduled routes (formerly vercel.json's crons).
type Job struct {
	// ID names the schedule construct (<ID>Schedule).
	ID string
	// Path is called with GET and Authorization: Bearer <CRON_SECRET>.
	Path string
	// Schedule is the EventBridge Scheduler expression (UTC).
	Schedule string
	// Description says what the job does.
	Description string
}

// SyncIntervalMinutes is the calendar sync's interval; the app reads it as
// SYNC_INTERVAL_MINUTES, so job and schedule agree.
const SyncIntervalMinutes = 15

// Jobs are the app's cron routes, at the times vercel.json gave them.
var Jobs = []Job{
	{ID: "SyncCalendars", Path: "/api/cron/sync-calendars", Schedule: fmt.Sprintf("cron(0/%d * * * ? *)", SyncIntervalMinutes),
		Description: "Syncs the providers' Google calendars (every 15 minutes)"},
	{ID: "MonitorSyncHealth", Path: "/api/cron/monitor-sync-health", Schedule: "cron(0 * * * ? *)",
		Description: "Checks the health of the calendar sync (hourly)"},
}

// Cron function settings.
const (
	// CronCallSeconds bounds one call of a job: CloudFront's origin read
	// timeout, which the server's own timeout stays under.
	CronCallSeconds = 60
	// CronTimeoutSeconds is the cron function's timeout: the call, and the
	// time to report it.
	CronTimeoutSeconds = CronCallSeconds + 10
	// CronConcurrency: the two jobs, and a retry.
	CronConcurrency = 3
	// MetricCronJobSuccess is the cron function's metric (1 or 0 per call,
	// dimension Job = the path) in MetricNamespace.
	MetricCronJobSuccess = "CronJobSuccess"
)

// createJobs creates the function that calls the app's cron routes through
// its public URL (like Vercel's cron did), and one schedule per job.
func (h *Hosting) createJobs() {
	p := h.props
	b := lambdabuild.MustBuild("cron", lambdabuild.Layout{})
	id := lambdafn.NewIdentity(h.Construct, "Cron", "MedBookings "+p.Environment+" scheduled jobs",
		lambdafn.LogOptions{Name: "/aws/lambda/" + p.Prefix + "-cron", Key: p.Key, Retention: p.LogRetention, RemovalPolicy: p.RemovalPolicy}, true)
	h.CronSecret.GrantRead(id.Grantee(), nil)
	sg := awsec2.NewSecurityGroup(h.Construct, jsii.String("CronSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: p.Vpc, Description: jsii.String("MedBookings " + p.Environment + " scheduled jobs (HTTPS to the public URL of the app)"), AllowAllOutbound: jsii.Bool(true),
	})
	var quiet []string
	for _, w := range p.QuietWindows {
		quiet = append(quiet, w.String())
	}
	fn := id.NewFunction(h.Construct, "CronFunction", &lambdafn.Placement{Vpc: p.Vpc, Subnets: p.Subnets, SecurityGroup: sg}, &awslambda.FunctionProps{
		FunctionName:                 jsii.String(p.Prefix + "-cron"),
		Description:                  jsii.String("Calls the MedBookings " + p.Environment + " cron routes with the bearer CRON_SECRET (functions/cron)"),
		Code:                         b.Code(),
		MemorySize:                   jsii.Number(128),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(CronTimeoutSeconds)),
		ReservedConcurrentExecutions: jsii.Number(CronConcurrency),
		Environment: jsiiMap(map[string]string{
			"APP_URL":           h.URL,
			"CRON_SECRET_ARN":   *h.CronSecret.SecretArn(),
			"METRIC_NAMESPACE":  p.MetricNamespace,
			"CRON_TIMEOUT":      fmt.Sprintf("%ds", CronCallSeconds),
			"QUIET_WINDOWS_UTC": strings.Join(quiet, ","),
		}),
	})
	compliance.Suppress(fn, map[string]string{
		"HIPAA.Security-LambdaDLQ": "Invoked by EventBridge Scheduler, whose retry policy retries a failed call; a failure is also the CronJobs alarm. A job missed is run again by its next schedule: a dead-letter queue would hold stale calls nobody replays.",
	})
	h.CronFunction = fn

	role, _ := schedules.NewRole(h.Construct, "Jobs", "Runs the MedBookings "+p.Environment+" scheduled jobs",
		[]string{"lambda:InvokeFunction"}, []*string{fn.FunctionArn()})
	for _, j := range Jobs {
		input, _ := json.Marshal(map[string]string{"path": j.Path})
		schedules.New(h.Construct, role, schedules.Schedule{
			ID:          j.ID + "Schedule",
			Name:        p.Prefix + "-" + kebab(j.ID),
			Description: j.Description + ": GET " + j.Path,
			Expression:  j.Schedule,
			Target:      fn.FunctionArn(),
			Input:       jsii.String(string(input)),
			Retries:     2, MaxAgeSeconds: 600,
		})
	}
}

func kebab(id string) string {
	out := make([]rune, 0, len(id)+4)
	for i, r := range id {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				out = append(out, '-')
			}
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
