// Package stacks owns the MedBookings context schema (settings.go), derives
// each environment from it (environment.go) and composes the constructs
// into the stacks: one per environment in eu-west-1, its companion in
// us-east-1 (edge.go), and the account-wide delivery stack (delivery.go).
package stacks

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/backup"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/network"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/storage"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Tag keys and values put on every resource.
const (
	TagProject     = "Project"
	TagEnvironment = "Environment"
	TagManagedBy   = "ManagedBy"

	ProjectName = "MedBookings"
	ManagedBy   = "aws-cdk"
)

// MedBookingsStack is one environment of MedBookings.
type MedBookingsStack struct {
	awscdk.Stack
	Environment Environment
	Network     *network.Network
	Database    *database.Database
	Storage     *storage.Uploads
	Hosting     *hosting.Hosting
	Monitoring  *monitoring.Monitoring
	// Backup is nil when the environment opts out (backup.enabled).
	Backup *backup.Backup
}

// newStack creates a tagged stack.
// A qualifier other than "" gives it the synthesizer of that CDK bootstrap
// qualifier (its bootstrap roles, asset bucket and version parameter).
func newStack(scope constructs.Construct, name, description string, env *awscdk.Environment, qualifier string, protect bool, tags map[string]string) awscdk.Stack {
	values := map[string]*string{}
	for k, v := range tags {
		values[k] = jsii.String(v)
	}
	props := &awscdk.StackProps{
		StackName:             jsii.String(name),
		Description:           jsii.String(description),
		Env:                   env,
		TerminationProtection: jsii.Bool(protect),
		// Stack tags: CloudFormation propagates them to every resource that
		// takes tags, including ones CDK does not model.
		Tags:                  &values,
		CrossRegionReferences: jsii.Bool(true),
	}
	if qualifier != "" {
		props.Synthesizer = awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{Qualifier: jsii.String(qualifier)})
	}
	stack := awscdk.NewStack(scope, jsii.String(name), props)
	// The same tags on every construct, so that they are visible in the
	// template (and in `cdk diff`), in a fixed order.
	for _, k := range []string{TagProject, TagEnvironment, TagManagedBy} {
		if v, ok := tags[k]; ok {
			awscdk.Tags_Of(stack).Add(jsii.String(k), jsii.String(v), nil)
		}
	}
	return stack
}

func envTags(e Environment) map[string]string {
	return map[string]string{TagProject: ProjectName, TagEnvironment: e.Name, TagManagedBy: ManagedBy}
}

// NewMedBookingsStack creates the stack of one environment in scope
// (MedBookingsInfraStack-Staging, MedBookingsInfraStack-Production), given
// its edge stack and, when the environment deploys an app, its bundle.
func NewMedBookingsStack(scope constructs.Construct, e Environment, edge *EdgeStack, bundle *hosting.Bundle) *MedBookingsStack {
	stack := newStack(scope, e.StackName,
		"MedBookings "+e.Name+" environment: network, database, uploads storage, hosting (Next.js on Lambda behind CloudFront) and monitoring",
		&awscdk.Environment{Region: jsii.String(e.Region), Account: e.Account}, e.Qualifier, e.TerminationProtection, envTags(e))
	st := &MedBookingsStack{Stack: stack, Environment: e}
	key := newDataKey(stack, e)
	st.network(key)
	st.database(key)
	st.storage(key)
	st.backup(key)
	st.hosting(edge, bundle)
	st.monitoring(key)
	pinLegacyLogicalIDs(stack)
	st.outputs()
	delivery.Confine(stack, e.Name)
	return st
}

func (st *MedBookingsStack) network(key awskms.IKey) {
	e, s := st.Environment, st.Environment.Settings
	st.Network = network.New(st.Stack, "Network", network.Props{
		Description:      e.Name,
		FlowLogGroupName: "/medbookings/" + e.Name + "/vpc-flow-logs",
		SchedulePrefix:   e.Prefix,
		StopSchedule:     natStops(s.Network.NAT, e.StopWindows),
		NAT:              network.NAT(s.Network.NAT),
		FlowLogTraffic:   flowLogTraffic(s.Network.FlowLogs),
		LogKey:           key,
		LogRetention:     e.LogRetention,
		LogRemovalPolicy: e.Logs,
	})
}

func (st *MedBookingsStack) database(key awskms.IKey) {
	e, s := st.Environment, st.Environment.Settings
	st.Database = database.New(st.Stack, "Database", database.Props{
		Identifier:               e.Prefix,
		Description:              e.Name,
		Key:                      key,
		Vpc:                      st.Network.Vpc,
		Subnets:                  st.Network.Data,
		FunctionSubnets:          st.Network.App,
		InstanceClass:            s.Database.InstanceClass,
		MultiAZ:                  s.Database.MultiAZ,
		AllocatedStorageGiB:      s.Database.AllocatedStorageGiB,
		MaxAllocatedStorageGiB:   s.Database.MaxAllocatedStorageGiB,
		BackupRetention:          awscdk.Duration_Days(jsii.Number(float64(s.Database.BackupRetentionDays))),
		BackupWindow:             mustDaily(s.Database.BackupWindow),
		MaintenanceWindow:        mustWeekly(s.Database.MaintenanceWindow),
		DeletionProtection:       s.Database.DeletionProtection,
		RemovalPolicy:            e.Database,
		SecretsRemovalPolicy:     e.Data,
		LogRetention:             e.LogRetention,
		SlowStatementThresholdMs: s.Database.SlowStatementThresholdMs,
		MonitoringInterval:       monitoringInterval(s.Database.EnhancedMonitoring),
		StopSchedule:             e.StopWindows,
	})
}

func (st *MedBookingsStack) storage(key awskms.IKey) {
	e, s := st.Environment, st.Environment.Settings
	st.Storage = storage.New(st.Stack, "Storage", storage.Props{
		BucketName:                  e.UploadsBucket,
		AccessLogBucketName:         e.Prefix + "-access-logs-" + *st.Stack.Account(),
		Key:                         key,
		RemovalPolicy:               e.Data,
		CORSOrigins:                 e.Origins,
		NoncurrentVersionExpiration: days(s.Storage.NoncurrentVersionExpirationDays),
		InfrequentAccessAfter:       optionalDays(s.Storage.InfrequentAccessAfterDays),
		AccessLogExpiration:         days(s.Storage.AccessLogExpirationDays),
	})
}

func (st *MedBookingsStack) hosting(edge *EdgeStack, bundle *hosting.Bundle) {
	e, s := st.Environment, st.Environment.Settings
	var zone awsroute53.IHostedZone
	if e.HostedZoneID != "" {
		zone = awsroute53.HostedZone_FromHostedZoneAttributes(st.Stack, jsii.String("HostedZone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(e.HostedZoneID), ZoneName: jsii.String(e.Domain),
		})
	}
	st.Hosting = hosting.New(st.Stack, "Hosting", hosting.Props{
		Environment:            e.Name,
		Prefix:                 e.Prefix,
		CanonicalHost:          e.CanonicalHost,
		RedirectHosts:          e.RedirectHosts,
		Bundle:                 bundle,
		App:                    AppValues(e),
		CSPExtraSources:        s.Hosting.CspExtraSources,
		Vpc:                    st.Network.Vpc,
		Subnets:                st.Network.App,
		MetricNamespace:        e.Namespace,
		QuietWindows:           e.QuietWindows,
		Database:               st.Database,
		DatabaseInstance:       st.Database.Instance,
		DatabaseSecret:         st.Database.AppSecret,
		DatabaseName:           database.DatabaseName,
		DatabaseSchema:         database.AppSchema,
		DatabaseReady:          st.Database.Ready,
		DatabaseMaxConnections: st.Database.MaxConnections,
		ConnectionLimit:        s.Hosting.ConnectionLimit,
		ServerMemoryMiB:        s.Hosting.ServerMemoryMiB,
		Uploads:                st.Storage,
		UploadsBucket:          st.Storage.Bucket,
		UploadsBucketName:      e.UploadsBucket,
		PublicPrefix:           storage.PublicPrefix,
		AccessLogBucket:        st.Storage.LogBucket,
		Certificate:            edge.Edge.Certificate,
		BodyHash:               edge.Edge.BodyHash,
		HostedZone:             zone,
		Domain:                 e.Domain,
		DMARCReports:           e.AlertEmail,
		SendGridDKIM:           s.Hosting.SendGridDkimRecords,
		Key:                    st.Database.Key,
		LogRetention:           e.LogRetention,
		RemovalPolicy:          e.Data,
	})
}

func (st *MedBookingsStack) monitoring(key awskms.IKey) {
	e, s := st.Environment, st.Environment.Settings
	m := s.Monitoring
	jobs := make([]string, len(hosting.Jobs))
	for i, j := range hosting.Jobs {
		jobs[i] = j.Path
	}
	mon := monitoring.Props{
		Key:                     key,
		HealthCheckFunctionName: e.Prefix + "-health-probe",
		Environment:             e.Name,
		Title:                   e.Title,
		Namespace:               e.Namespace,
		AlertEmail:              e.AlertEmail,
		Thresholds: monitoring.Thresholds{
			ErrorRatePercent:           m.ErrorRatePercent,
			ErrorRatePeriod:            minutes(m.ErrorRatePeriodMinutes),
			LatencyP95:                 awscdk.Duration_Millis(jsii.Number(math.Round(m.LatencyP95Seconds * 1000))),
			LatencyPeriod:              minutes(m.LatencyPeriodMinutes),
			DatabaseFreeStoragePercent: m.DatabaseFreeStoragePercent,
			DatabaseConnectionsPercent: m.DatabaseConnectionsPercent,
			DatabaseCPUPercent:         m.DatabaseCPUPercent,
			DatabaseConnectionErrors:   m.DatabaseConnectionErrors,
			ConcurrencyPercent:         ConcurrencyAlarmPercent,
			HealthCheckFailures:        m.HealthCheckFailures,
		},
		Server:                         st.Hosting.ServerFunction,
		ServerConcurrency:              st.Hosting.ReservedConcurrency,
		Cron:                           st.Hosting.CronFunction,
		JobPaths:                       jobs,
		Database:                       st.Database.Instance,
		PostgresLogGroup:               st.Database.PostgresLogGroup,
		DatabaseMaxConnections:         st.Database.MaxConnections,
		DatabaseAllocatedStorageGiB:    s.Database.AllocatedStorageGiB,
		DatabaseMaxAllocatedStorageGiB: s.Database.MaxAllocatedStorageGiB,
		HealthCheckURL:                 e.URL + m.HealthCheckPath,
		HealthCheckInterval:            minutes(m.HealthCheckIntervalMinutes),
		QuietWindows:                   e.QuietWindows,
		MonthlyBudgetUSD:               m.MonthlyBudgetUSD,
		LogRetention:                   e.LogRetention,
		RemovalPolicy:                  e.Data,
	}
	if st.Network.NAT == network.NATGateway {
		mon.NATGateways = st.Network.NATIDs
	} else {
		mon.NATInstances = st.Network.NATIDs
	}
	st.Monitoring = monitoring.New(st.Stack, "Monitoring", mon)
	if st.Backup != nil {
		job := awsevents.EventField_FromPath(jsii.String("$.detail.backupJobId"))
		state := awsevents.EventField_FromPath(jsii.String("$.detail.state"))
		reason := awsevents.EventField_FromPath(jsii.String("$.detail.statusMessage"))
		st.Backup.NotifyFailures(st.Monitoring.TopicTarget(awsevents.RuleTargetInput_FromText(jsii.String(
			fmt.Sprintf("MedBookings %s: AWS Backup job %s is %s: %s (docs/disaster-recovery.md)", e.Name, *job, *state, *reason)))))
	}
}

// backup puts the database (and the uploads) under AWS Backup, or records
// why the environment does without.
func (st *MedBookingsStack) backup(key awskms.IKey) {
	e, b := st.Environment, st.Environment.Settings.Backup
	if !b.Enabled {
		compliance.Suppress(st.Database.Instance, map[string]string{
			"HIPAA.Security-RDSInBackupPlan": "This environment opts out of AWS Backup (backup.enabled in context; production may not): " +
				"it holds test data, recovered from RDS automated backups with point-in-time recovery (7 days) and the final " +
				"snapshot taken on delete and replacement.",
		})
		return
	}
	resources := []string{*st.Database.Instance.InstanceArn()}
	if b.Uploads {
		resources = append(resources, *st.Storage.Bucket.BucketArn())
	}
	st.Backup = backup.New(st.Stack, "Backup", backup.Props{
		VaultName:            e.Prefix,
		Description:          e.Name,
		Key:                  key,
		DailyRetentionDays:   b.DailyRetentionDays,
		MonthlyRetentionDays: b.MonthlyRetentionDays,
		Resources:            resources,
		S3:                   b.Uploads,
	})
}

// ConcurrencyAlarmPercent of the server's reserved concurrency raises the
// ServerConcurrency alarm.
const ConcurrencyAlarmPercent = 80

// AppValues are the values of the app contract's settings variables, from
// medbookings.<env>.hosting.app.
func AppValues(e Environment) map[string]string {
	a := e.Settings.Hosting.App
	return map[string]string{
		"GOOGLE_CLIENT_ID":                a.GoogleClientID,
		"TWILIO_PHONE_NUMBER":             a.TwilioPhoneNumber,
		"TWILIO_WHATSAPP_NUMBER":          a.TwilioWhatsappNumber,
		"SENDGRID_FROM_EMAIL":             a.SendGridFromEmail,
		"ADMIN_EMAILS":                    strings.Join(a.AdminEmails, ","),
		"ADMIN_NOTIFICATION_EMAIL":        a.AdminNotificationEmail,
		"UPSTASH_REDIS_REST_URL":          a.UpstashRedisRestURL,
		"NEXT_PUBLIC_GOOGLE_MAPS_API_KEY": a.GoogleMapsAPIKey,
		"SENTRY_DSN":                      a.SentryDSN,
		"NEXT_PUBLIC_SENTRY_DSN":          a.SentryDSN,
		"SENTRY_ORG":                      a.SentryOrg,
		"SENTRY_PROJECT":                  a.SentryProject,
	}
}

func days(n int) awscdk.Duration    { return awscdk.Duration_Days(jsii.Number(float64(n))) }
func minutes(n int) awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(float64(n))) }
func optionalDays(n int) awscdk.Duration {
	if n == 0 {
		return nil
	}
	return days(n)
}

func monitoringInterval(on bool) awscdk.Duration {
	if !on {
		return nil
	}
	return awscdk.Duration_Seconds(jsii.Number(60))
}

// natStops are the windows in which a NAT instance sleeps with the
// database: none for a NAT gateway (it cannot be stopped).
func natStops(nat string, windows []config.DailyWindow) []config.DailyWindow {
	if network.NAT(nat) != network.NATInstance {
		return nil
	}
	return windows
}

func flowLogTraffic(s string) awsec2.FlowLogTrafficType {
	if s == "reject" {
		return awsec2.FlowLogTrafficType_REJECT
	}
	return awsec2.FlowLogTrafficType_ALL
}

func mustDaily(s string) config.DailyWindow {
	w, ok := config.ParseDailyWindow(s)
	if !ok {
		panic(fmt.Sprintf("stacks: %q is not a daily window (Load validates it)", s))
	}
	return w
}

func mustWeekly(s string) config.WeeklyWindow {
	w, ok := config.ParseWeeklyWindow(s)
	if !ok {
		panic(fmt.Sprintf("stacks: %q is not a weekly window (Load validates it)", s))
	}
	return w
}
