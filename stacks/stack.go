// Package stacks composes the MedBookings constructs into one stack per
// environment and holds the typed, validated settings those stacks are
// built from (settings.go).
package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/storage"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Tag keys put on every resource of both stacks.
const (
	TagProject     = "Project"
	TagEnvironment = "Environment"
	TagManagedBy   = "ManagedBy"

	ProjectName = "MedBookings"
	ManagedBy   = "aws-cdk"
)

// StackProps are what one environment's stack is built from.
type StackProps struct {
	Shared      Shared
	Environment Environment
}

// MedBookingsStack is one environment of MedBookings.
type MedBookingsStack struct {
	awscdk.Stack
	// Environment is the settings the stack was built from.
	Environment Environment
	// Database is PostgreSQL on RDS with its network, keys and users.
	Database *database.Database
	// Storage is the uploads bucket and its access-log bucket.
	Storage *storage.Uploads
	// Hosting is the Amplify app that runs the Next.js server.
	Hosting *hosting.Hosting
	// Monitoring is the alert topic, alarms, health check, dashboard and budget.
	Monitoring *monitoring.Monitoring
}

// NewMedBookingsStack creates the stack of one environment in scope, named
// after it (MedBookingsInfraStack-Staging, MedBookingsInfraStack-Production).
func NewMedBookingsStack(scope constructs.Construct, props StackProps) *MedBookingsStack {
	env, shared := props.Environment, props.Shared
	var account *string
	if shared.Account != "" {
		account = jsii.String(shared.Account)
	}
	tagValues := map[string]*string{
		TagProject:     jsii.String(ProjectName),
		TagEnvironment: jsii.String(env.Name),
		TagManagedBy:   jsii.String(ManagedBy),
	}
	stack := awscdk.NewStack(scope, jsii.String(env.StackName()), &awscdk.StackProps{
		StackName:             jsii.String(env.StackName()),
		Description:           jsii.String("MedBookings " + env.Name + " environment: database, uploads storage, Amplify hosting and monitoring"),
		Env:                   &awscdk.Environment{Region: jsii.String(shared.Region), Account: account},
		TerminationProtection: jsii.Bool(env.TerminationProtection),
		// Stack tags: CloudFormation propagates them to every resource that
		// takes tags, including ones CDK does not model.
		Tags: &tagValues,
	})
	// The same tags on every construct, so that they are visible in the
	// template (and in `cdk diff`) and not only at deploy time.
	for _, k := range []string{TagProject, TagEnvironment, TagManagedBy} {
		awscdk.Tags_Of(stack).Add(jsii.String(k), tagValues[k], nil)
	}
	st := &MedBookingsStack{Stack: stack, Environment: env}

	st.Database = database.NewDatabase(stack, jsii.String("Database"), &database.Props{
		Config:          env.Database,
		EnvironmentName: env.Name,
	})
	st.Storage = storage.NewStorage(stack, jsii.String("Storage"), &storage.Props{Config: env.Storage})
	st.Hosting = hosting.NewHosting(stack, jsii.String("Hosting"), &hosting.Props{
		EnvironmentName:      env.Name,
		Domain:               shared.Domain,
		Repository:           shared.GitHubRepository,
		Branch:               env.Branch,
		CanonicalHost:        env.CanonicalHost,
		RedirectHosts:        env.RedirectHosts,
		AlertEmail:           shared.AlertEmail,
		Config:               env.Hosting,
		Uploads:              st.Storage,
		UploadsBucketName:    st.Storage.BucketName,
		UploadsRegion:        st.Storage.Region,
		Database:             st.Database,
		DatabaseHost:         st.Database.Endpoint,
		DatabasePort:         st.Database.Port,
		DatabaseName:         st.Database.DatabaseName,
		DatabaseAppSecretArn: st.Database.AppSecret.SecretArn(),
	})
	st.Monitoring = monitoring.NewMonitoring(stack, jsii.String("Monitoring"), &monitoring.Props{
		EnvironmentName:                env.Name,
		AlertEmail:                     shared.AlertEmail,
		AmplifyAppId:                   st.Hosting.AppId,
		BranchName:                     st.Hosting.BranchName,
		HealthCheckHost:                env.CanonicalHost,
		HealthCheckQuietWindowUtc:      quietWindow(env.Database.NightlyStop),
		DatabaseInstance:               st.Database.Instance,
		DatabasePostgresLogGroup:       st.Database.PostgresLogGroup,
		DatabaseMaxConnections:         st.Database.MaxConnections,
		DatabaseAllocatedStorageGiB:    env.Database.AllocatedStorageGiB,
		DatabaseMaxAllocatedStorageGiB: st.Database.MaxAllocatedStorageGiB,
		RemovalPolicy:                  removalPolicy(env.Monitoring.RemovalPolicy),
		Config:                         env.Monitoring,
	})
	// Every log group of the stack is kept for the configured period.
	st.Monitoring.EnforceLogRetention(stack)

	st.outputs()
	return st
}

// quietWindow is when the health check expects the site to be down: while a
// nightly-stopped database is stopped, plus 15 minutes for it to start.
func quietWindow(n database.NightlyStop) string {
	if !n.Enabled {
		return ""
	}
	start, _ := config.ParseClock(n.StartAt)
	return n.StopAt + "-" + ((start + 15) % (24 * 60)).String()
}

func removalPolicy(p string) awscdk.RemovalPolicy {
	if p == "destroy" {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

// outputs are the values an operator needs from the stack (`cdk deploy`
// prints them; `aws cloudformation describe-stacks` reads them). Never a
// secret value: secrets are given by ARN.
func (st *MedBookingsStack) outputs() {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(st.Stack, jsii.String(id), &awscdk.CfnOutputProps{
			Value:       value,
			Description: jsii.String(description),
		})
	}
	db, h, m := st.Database, st.Hosting, st.Monitoring
	out("DatabaseEndpoint", "PostgreSQL host name (app variable DB_HOST)", db.Endpoint)
	out("DatabasePort", "PostgreSQL port (app variable DB_PORT)", db.Port)
	out("DatabaseName", "Database name (app variable DB_NAME)", db.DatabaseName)
	out("DatabaseInstanceIdentifier", "RDS instance identifier (snapshots, restores, aws rds commands)", db.Instance.InstanceIdentifier())
	out("DatabaseMasterSecretArn", "Secret of the master user: break-glass only, never the app", db.MasterSecret.SecretArn())
	out("DatabaseAppSecretArn", "Secret of the application user (read at run time by the app; migrations)", db.AppSecret.SecretArn())
	out("DatabaseReadOnlySecretArn", "Secret of medbookings_readonly (analytics and reporting)", db.ReadOnlySecret.SecretArn())
	out("UploadsBucketName", "Uploads bucket (app variable "+storage.EnvBucketName+")", st.Storage.BucketName)
	out("UploadsBucketRegion", "Region of the uploads bucket (app variable "+storage.EnvBucketRegion+")", st.Storage.Region)
	out("AmplifyAppId", "Amplify app ID (aws amplify commands, console)", h.AppId)
	out("AmplifyDefaultDomain", "Amplify default domain (<branch>.<this> reaches the app before DNS is set up)", h.DefaultDomain)
	out("AppUrl", "Canonical URL of the app", jsii.String(h.URL))
	out("AppSecretArn", "The app's secret (AUTH_SECRET generated; provider keys filled in by an operator)", h.AppSecret.SecretArn())
	out("CertificateRecord", "DNS record that validates the Amplify-managed certificate (add at the DNS provider)", h.CertificateRecord)
	for i, r := range h.DNSRecords {
		if r.InRoute53 {
			continue
		}
		out(fmt.Sprintf("DnsRecord%d", i+1), "DNS record to add at the DNS provider: "+r.Purpose,
			awscdk.Fn_Join(jsii.String(" "), &[]*string{jsii.String(r.Name), jsii.String(r.Type), r.Value}))
	}
	out("AlertTopicArn", "SNS topic every alarm and deployment notification goes to", m.AlertTopic.TopicArn())
	out("DashboardUrl", "CloudWatch dashboard of this environment",
		jsii.String(fmt.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards:name=%s",
			*st.Region(), *st.Region(), *m.Dashboard.DashboardName())))
	out("HealthCheckUrl", "URL the health probe calls every minute", jsii.String(m.HealthCheckURL))
}
