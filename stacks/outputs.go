package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// outputs are the values an operator needs from the stack (`cdk deploy`
// prints them; `aws cloudformation describe-stacks` reads them). Never a
// secret value: secrets are given by ARN.
func (st *MedBookingsStack) outputs() {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(st.Stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	db, h, m := st.Database, st.Hosting, st.Monitoring
	out("DatabaseEndpoint", "PostgreSQL host name (private: reachable from inside the VPC only)", db.Instance.DbInstanceEndpointAddress())
	out("DatabasePort", "PostgreSQL port", db.Instance.DbInstanceEndpointPort())
	out("DatabaseInstanceIdentifier", "RDS instance identifier (snapshots, restores, aws rds commands)", db.Instance.InstanceIdentifier())
	out("DatabaseMasterSecretArn", "Secret of the master user: break-glass only, never the app", db.MasterSecret.SecretArn())
	out("DatabaseAppSecretArn", "Secret of the application user (the server's DATABASE_URL; rotated between medbookings_app and its clone)", db.AppSecret.SecretArn())
	out("DatabaseReadOnlySecretArn", "Secret of medbookings_readonly (analytics and reporting)", db.ReadOnlySecret.SecretArn())
	out("DatabaseAccessLaunchTemplateId", "Launch template of the break-glass access instance (docs/database.md, Connecting); launch only when needed, terminate after", db.AccessLaunchTemplate.Ref())
	out("UploadsBucketName", "Uploads bucket (app variable S3_BUCKET_NAME)", st.Storage.Bucket.BucketName())
	out("AppUrl", "Canonical URL of the app", jsii.String(h.URL))
	out("DistributionId", "CloudFront distribution (the deploy workflow invalidates it)", h.Distribution.DistributionId())
	out("DistributionDomainName", "CloudFront's own name: the target of the hosts' DNS records", h.Distribution.DistributionDomainName())
	out("ServerFunctionName", "The Next.js server's Lambda function (logs: /aws/lambda/<name>)", h.ServerFunction.FunctionName())
	out("AppSecretArn", "The app's secret: NEXTAUTH_SECRET generated; provider keys filled in by an operator (docs/runbook.md)", h.AppSecret.SecretArn())
	out("CronSecretArn", "CRON_SECRET (generated), the bearer token of the scheduled jobs", h.CronSecret.SecretArn())
	out("BuildSecretArn", "Secrets of the app's build: SENTRY_AUTH_TOKEN (filled in by an operator)", h.BuildSecret.SecretArn())
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
	out("HealthCheckUrl", "URL the health probe calls", jsii.String(st.Environment.URL+st.Environment.Settings.Monitoring.HealthCheckPath))
}
