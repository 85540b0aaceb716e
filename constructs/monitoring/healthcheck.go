package monitoring

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// probeSource is the health probe (Node.js, no dependencies). It calls the
// URL once, without following redirects, and writes one CloudWatch Embedded
// Metric Format record: HealthCheckSuccess (1 for HTTP 200 within the
// timeout, else 0) and HealthCheckLatency (ms), dimension Check=Health.
// CloudWatch Logs turns the record into metrics, so the function needs no
// cloudwatch:PutMetricData (a "*" resource) permission. Inside a quiet
// window (QUIET_WINDOWS_UTC, "HH:MM-HH:MM,...") it checks nothing and
// publishes nothing.
const probeSource = `const url = process.env.URL, ns = process.env.NAMESPACE, quiet = process.env.QUIET_WINDOWS_UTC || "";
const minutes = (s) => { const [h, m] = s.split(":"); return Number(h) * 60 + Number(m); };
function inQuiet(d) {
  const t = d.getUTCHours() * 60 + d.getUTCMinutes();
  return quiet.split(",").filter(Boolean).some((w) => {
    const [a, b] = w.split("-").map(minutes);
    return a < b ? t >= a && t < b : t >= a || t < b;
  });
}
exports.handler = async () => {
  const now = new Date();
  if (inQuiet(now)) { console.log(JSON.stringify({ url, skipped: "quiet window " + quiet })); return; }
  const started = Date.now(); let status = 0, error = "";
  try {
    const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10000), headers: { "user-agent": "MedBookings-HealthProbe/1" } });
    status = r.status; await r.arrayBuffer();
  } catch (e) { error = String((e && e.message) || e); }
  const ok = status === 200;
  console.log(JSON.stringify({
    _aws: { Timestamp: now.getTime(), CloudWatchMetrics: [{ Namespace: ns, Dimensions: [["Check"]],
      Metrics: [{ Name: "` + MetricHealthCheckSuccess + `", Unit: "None" }, { Name: "` + MetricHealthCheckLatency + `", Unit: "Milliseconds" }] }] },
    Check: "Health", ` + MetricHealthCheckSuccess + `: ok ? 1 : 0, ` + MetricHealthCheckLatency + `: Date.now() - started, url, status, error,
  }));
};
`

// createHealthCheck creates the scheduled probe of https://<host><path>.
//
// Why a Lambda probe rather than a Route 53 health check or a Synthetics
// canary (docs/monitoring.md has the figures): Route 53 health-check metrics
// exist only in us-east-1 and an alarm in eu-west-1 cannot watch them; a
// canary costs $0.0012 per run and writes to a Lambda log group whose name
// ends in a generated ID, so its retention cannot be set in the template
// (aws/aws-cdk#23718). The probe is a 128 MB arm64 function with its own
// encrypted 30-day log group and one least-privilege role.
func (m *Monitoring) createHealthCheck() {
	p := m.props
	var quiet []string
	for _, w := range p.QuietWindows {
		quiet = append(quiet, w.String())
	}
	var fnName, groupName *string
	if p.HealthCheckFunctionName != "" {
		fnName, groupName = jsii.String(p.HealthCheckFunctionName), jsii.String("/aws/lambda/"+p.HealthCheckFunctionName)
	}
	logGroup := awslogs.NewLogGroup(m.Construct, jsii.String("HealthCheckLogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  groupName,
		Retention:     p.LogRetention,
		EncryptionKey: m.Key,
		RemovalPolicy: m.props.RemovalPolicy,
	})
	// A customer-managed policy rather than the role's inline default policy
	// (HIPAA.Security-IAMNoInlinePolicy), and not AWSLambdaBasicExecutionRole
	// (AwsSolutions-IAM4, and it allows every log group of the account).
	policy := awsiam.NewManagedPolicy(m.Construct, jsii.String("HealthCheckPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("MedBookings " + m.props.Environment + " health probe: write its own log group"),
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: &[]*string{logGroup.LogGroupArn()},
		})},
	})
	role := awsiam.NewRole(m.Construct, jsii.String("HealthCheckRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description:     jsii.String("MedBookings " + m.props.Environment + " health probe"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{policy},
	})
	fn := awslambda.NewFunction(m.Construct, jsii.String("HealthCheckFunction"), &awslambda.FunctionProps{
		FunctionName: fnName,
		Description:  jsii.String("Calls " + p.HealthCheckURL + " and publishes " + p.Namespace + " " + MetricHealthCheckSuccess),
		Runtime:      awslambda.Runtime_NODEJS_24_X(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String(probeSource)),
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(20)),
		Role:         role,
		LogGroup:     logGroup,
		Environment: &map[string]*string{
			"URL":               jsii.String(p.HealthCheckURL),
			"NAMESPACE":         jsii.String(p.Namespace),
			"QUIET_WINDOWS_UTC": jsii.String(strings.Join(quiet, ",")),
		},
	})
	fn.Node().AddDependency(role)
	compliance.Suppress(fn, map[string]string{
		"HIPAA.Security-LambdaConcurrency": "Invoked only by its own schedule (one call per interval, 20 s timeout); " +
			"reserving concurrency would take it from the account's unreserved pool (a new account has 10 and must keep 10 unreserved).",
		"HIPAA.Security-LambdaDLQ": "A failed or missed probe is itself the signal: it publishes no HealthCheckSuccess datapoint and the " +
			"HealthCheck alarm treats missing data as failing where there are no quiet windows (production); a queued retry of a health check minutes later has no value.",
		"HIPAA.Security-LambdaInsideVPC": "The probe calls the public HTTPS endpoint of the site from outside, like a user; it handles no " +
			"data and needs no private network; outside the VPC it does not depend on the NAT it should also detect failures of.",
	})
	rule := awsevents.NewRule(m.Construct, jsii.String("HealthCheckSchedule"), &awsevents.RuleProps{
		Description: jsii.String(fmt.Sprintf("Runs the MedBookings %s health probe every %g minute(s)", p.Environment, *p.HealthCheckInterval.ToMinutes(exact))),
		Schedule:    awsevents.Schedule_Rate(p.HealthCheckInterval),
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		RetryAttempts: jsii.Number(0),
		MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(1)),
	}))
	m.HealthCheckFunction = fn
}
