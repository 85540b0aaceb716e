package monitoring_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
)

// expectedAlarm is what one alarm must look like in the template: its
// metric properties, and when and how it pages.
type expectedAlarm struct {
	id         string
	metric     map[string]any
	threshold  float64
	comparison string
	periods    float64
	missing    string
}

// dims is the one dimension of an alarm's metric.
func dims(name string, value any) []any { return []any{map[string]any{"Name": name, "Value": value}} }

// metricStat is one metric of an alarm's Metrics list.
func metricStat(id, label, ns, name string, dimensions []any, period float64, stat string) map[string]any {
	m := map[string]any{"Id": id, "ReturnData": id == "m1",
		"MetricStat": map[string]any{"Metric": map[string]any{"Namespace": ns, "MetricName": name, "Dimensions": dimensions}, "Period": period, "Stat": stat}}
	if label != "" {
		m["Label"] = label
	}
	return m
}

// expectedAlarms are the alarms of v, every threshold worked out by hand
// from the props in fixture_test.go.
func expectedAlarms(t *testing.T, v *variant) []expectedAlarm {
	server := dims("FunctionName", ref(v.id(t, "Server/Resource")))
	db := dims("DBInstanceIdentifier", "medbookings-"+v.props.Environment)
	ns := "MedBookings/" + v.name
	rds := func(name, label, stat string) map[string]any {
		return map[string]any{"Metrics": []any{metricStat("m1", label, "AWS/RDS", name, db, 300, stat)}}
	}
	lambda := func(name, stat string, period float64) map[string]any {
		return map[string]any{"Namespace": "AWS/Lambda", "MetricName": name, "Dimensions": server, "Statistic": stat, "Period": period}
	}
	// What differs between the variants.
	type values struct {
		errorRate, errorPeriod, latencyMs, latencyPeriod, concurrency float64
		freeBytes, connections, cpu, connectionErrors                 float64
		nat                                                           map[string]any
		healthPeriod, healthFailures                                  float64
		healthMissing                                                 string
	}
	w := map[string]values{
		"Staging": {5, 300, 1500, 300, 16, // floor(80% of 20)
			2 * (1 << 30), 67, 80, 5, // 10% of 20 GiB; floor(80% of 84)
			map[string]any{"Namespace": "AWS/EC2", "MetricName": "StatusCheckFailed", "Statistic": "Maximum", "Period": 300.0,
				"Dimensions": dims("InstanceId", "i-0123456789abcdef0")},
			60, 3, "notBreaching"}, // quiet windows: silence is expected
		"Production": {2, 600, 2000, 900, 45, // floor(90% of 50)
			7.5 * (1 << 30), 117, 75, 10, // 15% of 50 GiB; floor(70% of 168)
			map[string]any{"Namespace": "AWS/NATGateway", "MetricName": "ErrorPortAllocation", "Statistic": "Sum", "Period": 300.0,
				"Dimensions": dims("NatGatewayId", "nat-0123456789abcdef0")},
			300, 2, "breaching"}, // no quiet windows: silence is an outage
	}[v.name]
	return []expectedAlarm{
		{monitoring.AlarmErrorRate, map[string]any{"Metrics": []any{
			map[string]any{"Id": "expr_1", "Expression": "IF(requests > 0, 100 * errors / requests, 0)", "Label": "5xx error rate (%)", "ReturnData": true},
			metricStat("errors", "", "AWS/Lambda", "Url5xxCount", server, w.errorPeriod, "Sum"),
			metricStat("requests", "", "AWS/Lambda", "UrlRequestCount", server, w.errorPeriod, "Sum"),
		}}, w.errorRate, "GreaterThanThreshold", 1, "notBreaching"},
		{monitoring.AlarmLatencyP95, map[string]any{"Namespace": "AWS/Lambda", "MetricName": "UrlRequestLatency", "Dimensions": server,
			"ExtendedStatistic": "p95", "Period": w.latencyPeriod}, w.latencyMs, "GreaterThanThreshold", 2, "notBreaching"},
		{monitoring.AlarmServerThrottles, lambda("Throttles", "Sum", 300), 0, "GreaterThanThreshold", 1, "notBreaching"},
		{monitoring.AlarmServerConcurrency, lambda("ConcurrentExecutions", "Maximum", 300), w.concurrency, "GreaterThanOrEqualToThreshold", 2, "notBreaching"},
		{monitoring.AlarmCronJobs, map[string]any{"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 900.0,
			"Dimensions": dims("FunctionName", ref(v.id(t, "Cron/Resource")))}, 1, "GreaterThanOrEqualToThreshold", 1, "notBreaching"},
		{monitoring.AlarmNAT, w.nat, 1, "GreaterThanOrEqualToThreshold", 2, "notBreaching"},
		{monitoring.AlarmDatabaseFreeStorage, rds("FreeStorageSpace", "Free storage", "Minimum"), w.freeBytes, "LessThanThreshold", 1, "notBreaching"},
		{monitoring.AlarmDatabaseConnections, rds("DatabaseConnections", "Connections", "Maximum"), w.connections, "GreaterThanThreshold", 2, "notBreaching"},
		{monitoring.AlarmDatabaseCPU, rds("CPUUtilization", "CPU", "Average"), w.cpu, "GreaterThanThreshold", 3, "notBreaching"},
		{monitoring.AlarmDatabaseConnectionErrors, map[string]any{"Namespace": ns, "MetricName": monitoring.MetricConnectionErrors,
			"Statistic": "Sum", "Period": 300.0, "Dimensions": assertions.Match_Absent()}, w.connectionErrors, "GreaterThanOrEqualToThreshold", 1, "notBreaching"},
		{monitoring.AlarmHealthCheck, map[string]any{"Namespace": ns, "MetricName": monitoring.MetricHealthCheckSuccess, "Statistic": "Minimum",
			"Dimensions": dims("Check", "Health"), "Period": w.healthPeriod}, 1, "LessThanThreshold", w.healthFailures, w.healthMissing},
	}
}

// GIVEN the props of each variant WHEN synthesized THEN every alarm watches
// its metric (the function URL's request, 5xx and latency metrics, the
// server's throttles and concurrency, the cron function's errors, the NAT
// gateway or instance, the database, the connection-error metric filter and
// the health probe) with the threshold, comparison and periods the props
// give, treats missing data as not breaching (the health check: breaching
// unless the site has quiet windows), is named MedBookings-<Title>-<ID> and
// sends both ALARM and OK to the topic.
func TestAlarms(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			want := expectedAlarms(t, v)
			// The concurrency threshold is a share of the server's reserved
			// concurrency: 20 and 50 (expectedAlarms counts on it).
			if got := props(v.resource(t, "Server/Resource"))["ReservedConcurrentExecutions"]; got != float64(map[string]int{"Staging": 20, "Production": 50}[v.name]) {
				t.Fatalf("the server's reserved concurrency is %v, not what the expected thresholds assume", got)
			}
			topic := []any{ref(v.id(t, "Monitoring/AlertTopic/Resource"))}
			var ids []string
			for _, a := range want {
				ids = append(ids, a.id)
				p := map[string]any{
					"AlarmName":          "MedBookings-" + v.name + "-" + a.id,
					"ComparisonOperator": a.comparison,
					"Threshold":          a.threshold,
					"EvaluationPeriods":  a.periods,
					"DatapointsToAlarm":  a.periods,
					"TreatMissingData":   a.missing,
					"ActionsEnabled":     true,
					"AlarmActions":       topic,
					"OKActions":          topic,
				}
				for k, m := range a.metric {
					p[k] = m
				}
				cdktest.Check(t, "alarm "+a.id, func() {
					v.tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&p))
				})
				if v.m.Alarms[a.id] == nil {
					t.Errorf("Monitoring.Alarms[%q] is nil", a.id)
				}
			}
			if got := len(v.resources("AWS::CloudWatch::Alarm")); got != len(want) {
				t.Errorf("%d alarms in the template, want %d", got, len(want))
			}
			if !slices.Equal(v.m.AlarmIDs, ids) || len(v.m.Alarms) != len(ids) {
				t.Errorf("Monitoring.AlarmIDs = %v (%d in Alarms), want %v", v.m.AlarmIDs, len(v.m.Alarms), ids)
			}
			// Every alarm tells the person on call what to do.
			for id, r := range v.resources("AWS::CloudWatch::Alarm") {
				if d := fmt.Sprint(flatten(props(r)["AlarmDescription"])); len(d) < 120 || !strings.Contains(d, "MedBookings "+v.props.Environment) {
					t.Errorf("alarm %s: description %q is not an actionable description naming the environment", id, d)
				}
			}
		})
	}
}

// The alarm IDs are the construct IDs and the suffix of the alarm names
// that the runbooks and e-mail filters use.
func TestAlarmIDs(t *testing.T) {
	got := []string{monitoring.AlarmErrorRate, monitoring.AlarmLatencyP95, monitoring.AlarmServerThrottles, monitoring.AlarmServerConcurrency,
		monitoring.AlarmCronJobs, monitoring.AlarmNAT, monitoring.AlarmDatabaseFreeStorage, monitoring.AlarmDatabaseConnections,
		monitoring.AlarmDatabaseCPU, monitoring.AlarmDatabaseConnectionErrors, monitoring.AlarmHealthCheck}
	want := []string{"ErrorRate", "LatencyP95", "ServerThrottles", "ServerConcurrency", "CronJobs", "Nat", "DatabaseFreeStorage",
		"DatabaseConnections", "DatabaseCpu", "DatabaseConnectionErrors", "HealthCheck"}
	if !slices.Equal(got, want) {
		t.Errorf("alarm IDs %v, want %v", got, want)
	}
}

// GIVEN either variant WHEN synthesized THEN the alert topic is encrypted
// with the construct's key and has the e-mail subscription; its policy lets
// only CloudWatch alarms and Budgets of this account, and each event rule
// that targets it (this stack's two, and JobFailures through TopicTarget)
// for itself, publish (all over TLS). The key lets CloudWatch alarms,
// Budgets and EventBridge use it for this stack's topics only (SNS's
// encryption context, arn:...:sns:<region>:<account>:<stack name>-*), the
// first two also only on behalf of this account, and this region's
// CloudWatch Logs for this account's log groups; it refuses grants except
// for AWS resources to everyone, rotates, and follows RemovalPolicy.
func TestTopicAndKey(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			topicID, keyID := v.id(t, "Monitoring/AlertTopic/Resource"), v.id(t, "Monitoring/Key/Resource")
			if got, want := props(v.resource(t, "Monitoring/AlertTopic/Resource")), map[string]any{
				"KmsMasterKeyId": getAtt(keyID, "Arn"), "DisplayName": "MedBookings " + v.name + " alerts",
			}; !reflect.DeepEqual(got, want) {
				t.Errorf("topic %s, want %s", toJSON(got), toJSON(want))
			}
			if v.m.Key == nil || *v.m.Key.Node().Path() != v.name+"/Monitoring/Key" || v.m.AlertTopic == nil {
				t.Error("Monitoring.Key or AlertTopic is not the construct's")
			}
			cdktest.Check(t, "e-mail subscription", func() {
				v.tpl.ResourcePropertiesCountIs(jsii.String("AWS::SNS::Subscription"), &map[string]any{
					"Protocol": "email", "Endpoint": alertEmail, "TopicArn": ref(topicID),
				}, jsii.Number(1))
			})
			publish := func(sid, service string, cond map[string]any) any {
				return map[string]any{"Sid": sid, "Effect": "Allow", "Action": "sns:Publish", "Principal": map[string]any{"Service": service},
					"Resource": "${" + topicID + "}", "Condition": cond}
			}
			sourceAccount := map[string]any{"aws:SourceAccount": "${AWS::AccountId}"}
			rule := func(path string) map[string]any {
				return map[string]any{"StringEquals": sourceAccount, "ArnEquals": map[string]any{"aws:SourceArn": "${" + v.id(t, path) + ".Arn}"}}
			}
			policy := map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Sid": "AllowPublishThroughSSLOnly", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": "${" + topicID + "}",
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
				publish("AllowCloudWatchAlarmsToPublish", "cloudwatch.amazonaws.com", map[string]any{"StringEquals": sourceAccount,
					"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:${AWS::AccountId}:alarm:*"}}),
				publish("AllowBudgetsToPublish", "budgets.amazonaws.com", map[string]any{"StringEquals": sourceAccount,
					"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:budgets::${AWS::AccountId}:budget/*"}}),
				publish("AllowDeploymentNotificationsRuleToPublish", "events.amazonaws.com", rule("Monitoring/DeploymentNotifications/Resource")),
				publish("AllowDatabaseEventsRuleToPublish", "events.amazonaws.com", rule("Monitoring/DatabaseEvents/Resource")),
				publish("AllowJobFailuresRuleToPublish", "events.amazonaws.com", rule("JobFailures/Resource")),
			}}
			tp := props(v.resource(t, "Monitoring/AlertTopic/Policy/Resource"))
			if got := flatten(tp["PolicyDocument"]); !reflect.DeepEqual(bySid(got), bySid(policy)) || !reflect.DeepEqual(tp["Topics"], []any{ref(topicID)}) {
				t.Errorf("topic policy\n got %s\nwant %s", toJSON(got), toJSON(policy))
			}
			use := []any{"kms:Decrypt", "kms:GenerateDataKey*"}
			// SNS asks KMS with the topic's ARN as encryption context; the
			// topic's name begins with the stack's (CloudFormation names it).
			stackTopics := map[string]any{"kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:eu-west-1:${AWS::AccountId}:" + v.name + "-*"}
			keyPolicy := map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Principal": map[string]any{"AWS": "arn:aws:iam::${AWS::AccountId}:root"}},
				map[string]any{"Sid": "DenyGrantsExceptForAWSResources", "Effect": "Deny", "Action": "kms:CreateGrant", "Resource": "*",
					"Principal": map[string]any{"AWS": "*"}, "Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "false"}}},
				map[string]any{"Sid": "AllowCloudWatchAlarmsToUseKey", "Effect": "Allow", "Action": use, "Resource": "*",
					"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
					"Condition": map[string]any{"StringEquals": sourceAccount, "ArnLike": stackTopics}},
				map[string]any{"Sid": "AllowBudgetsToUseKey", "Effect": "Allow", "Action": use, "Resource": "*",
					"Principal": map[string]any{"Service": "budgets.amazonaws.com"},
					"Condition": map[string]any{"StringEquals": sourceAccount, "ArnLike": stackTopics}},
				// No source condition: EventBridge sends none to KMS for SNS
				// targets (the topic policy names each rule).
				map[string]any{"Sid": "AllowEventBridgeToUseKey", "Effect": "Allow", "Action": use, "Resource": "*",
					"Principal": map[string]any{"Service": "events.amazonaws.com"},
					"Condition": map[string]any{"ArnLike": stackTopics}},
				map[string]any{"Sid": "AllowCloudWatchLogsToUseKey", "Effect": "Allow", "Resource": "*",
					"Action":    []any{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
					"Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
					"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:${AWS::AccountId}:log-group:*"}}},
			}}
			key := v.resource(t, "Monitoring/Key/Resource")
			if got := flatten(props(key)["KeyPolicy"]); !reflect.DeepEqual(bySid(got), bySid(keyPolicy)) {
				t.Errorf("key policy\n got %s\nwant %s", toJSON(got), toJSON(keyPolicy))
			}
			wantPolicy := map[string]string{"Staging": "Delete", "Production": "Retain"}[v.name]
			if props(key)["EnableKeyRotation"] != true || key["DeletionPolicy"] != wantPolicy || key["UpdateReplacePolicy"] != wantPolicy {
				t.Errorf("key: rotation %v, DeletionPolicy %v; want rotation and %s", props(key)["EnableKeyRotation"], key["DeletionPolicy"], wantPolicy)
			}
		})
	}
}

// bySid is a policy document with its statements keyed by Sid ("" for the
// one without), so that documents compare regardless of statement order (IAM
// does not care); a repeated Sid keeps both, under "<sid>#2".
func bySid(doc any) map[string]any {
	d, _ := doc.(map[string]any)
	statements := map[string]any{}
	sts, _ := d["Statement"].([]any)
	for _, st := range sts {
		sid, _ := st.(map[string]any)["Sid"].(string)
		k := sid
		for n := 2; statements[k] != nil; n++ {
			k = fmt.Sprintf("%s#%d", sid, n)
		}
		statements[k] = st
	}
	return map[string]any{"Version": d["Version"], "Statement": statements}
}

// GIVEN a rule of another construct WHEN its target is
// Monitoring.TopicTarget(message) THEN it sends message to the alert topic,
// and EventBridge may publish to the topic on behalf of that rule of this
// account only (one statement, aws:SourceArn = the rule).
func TestTopicTarget(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			topicID, ruleID := v.id(t, "Monitoring/AlertTopic/Resource"), v.id(t, "JobFailures/Resource")
			r := props(v.resource(t, "JobFailures/Resource"))
			if want := []any{map[string]any{"Arn": ref(topicID), "Id": "Target0", "Input": toJSON(jobFailureMessage)}}; !reflect.DeepEqual(r["Targets"], want) {
				t.Errorf("JobFailures targets %s, want %s", toJSON(r["Targets"]), toJSON(want))
			}
			want := map[string]any{"Sid": "AllowJobFailuresRuleToPublish", "Effect": "Allow", "Action": "sns:Publish",
				"Principal": map[string]any{"Service": "events.amazonaws.com"}, "Resource": ref(topicID),
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
					"ArnEquals":    map[string]any{"aws:SourceArn": getAtt(ruleID, "Arn")},
				}}
			doc, _ := props(v.resource(t, "Monitoring/AlertTopic/Policy/Resource"))["PolicyDocument"].(map[string]any)
			var naming []any
			for _, st := range doc["Statement"].([]any) {
				if strings.Contains(toJSON(st), ruleID) {
					naming = append(naming, st)
				}
			}
			if !reflect.DeepEqual(naming, []any{want}) {
				t.Errorf("topic policy statements naming JobFailures %s, want %s", toJSON(naming), toJSON(want))
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN this stack's CloudFormation
// status changes (DeploymentStatuses) and the instance's RDS low-storage and
// failure events reach the topic as readable text.
func TestEventRules(t *testing.T) {
	for _, s := range []string{"UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_FAILED"} {
		if !slices.Contains(monitoring.DeploymentStatuses, s) {
			t.Errorf("DeploymentStatuses lack %s (deployment start, success and failure are notified)", s)
		}
	}
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			topic := ref(v.id(t, "Monitoring/AlertTopic/Resource"))
			statuses := make([]any, len(monitoring.DeploymentStatuses))
			for i, s := range monitoring.DeploymentStatuses {
				statuses[i] = s
			}
			deploy := props(v.resource(t, "Monitoring/DeploymentNotifications/Resource"))
			if want := map[string]any{
				"source":      []any{"aws.cloudformation"},
				"detail-type": []any{"CloudFormation Stack Status Change"},
				"detail":      map[string]any{"stack-id": []any{ref("AWS::StackId")}, "status-details": map[string]any{"status": statuses}},
			}; !reflect.DeepEqual(deploy["EventPattern"], want) || deploy["State"] != "ENABLED" {
				t.Errorf("deployment rule pattern %s\nwant %s", toJSON(deploy["EventPattern"]), toJSON(want))
			}
			dbRule := props(v.resource(t, "Monitoring/DatabaseEvents/Resource"))
			if want := map[string]any{
				"source": []any{"aws.rds"}, "detail-type": []any{"RDS DB Instance Event"},
				"detail": map[string]any{"SourceIdentifier": []any{"medbookings-" + v.props.Environment}, "EventCategories": []any{"low storage", "failure"}},
			}; !reflect.DeepEqual(dbRule["EventPattern"], want) || dbRule["State"] != "ENABLED" {
				t.Errorf("database events pattern %s\nwant %s", toJSON(dbRule["EventPattern"]), toJSON(want))
			}
			for name, r := range map[string]map[string]any{"deployment": deploy, "database events": dbRule} {
				targets, _ := r["Targets"].([]any)
				if len(targets) != 1 {
					t.Errorf("%s rule: targets %s, want the topic only", name, toJSON(targets))
					continue
				}
				tg := targets[0].(map[string]any)
				tr, _ := tg["InputTransformer"].(map[string]any)
				if !reflect.DeepEqual(tg["Arn"], topic) || !strings.HasPrefix(fmt.Sprint(tr["InputTemplate"]), `"MedBookings `+v.props.Environment) {
					t.Errorf("%s rule target %s: want the topic, with a message naming the environment", name, toJSON(tg))
				}
			}
			if tr := toJSON(deploy["Targets"]); !strings.Contains(tr, "$.detail.status-details.status") || !strings.Contains(tr, "$.detail.status-details.status-reason") {
				t.Errorf("deployment message without the status and its reason: %s", tr)
			}
			if v.m.DeploymentRule == nil || v.m.DatabaseEventsRule == nil {
				t.Error("Monitoring.DeploymentRule or DatabaseEventsRule is nil")
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN the postgresql log group's
// refused connections (ConnectionErrorPattern) are counted in the
// environment's namespace.
func TestConnectionErrorMetricFilter(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		want := map[string]any{
			"LogGroupName": ref(v.id(t, "PostgresLog/Resource")),
			"FilterPattern": `?"password authentication failed" ?"no pg_hba.conf entry" ?"sorry, too many clients" ?"too many connections for" ` +
				`?"remaining connection slots are reserved" ?"connection requires a valid client certificate"`,
			"MetricTransformations": []any{map[string]any{"MetricNamespace": "MedBookings/" + v.name,
				"MetricName": monitoring.MetricConnectionErrors, "MetricValue": "1", "Unit": "Count"}},
		}
		if got := props(v.resource(t, "Monitoring/DatabaseConnectionErrorsFilter/Resource")); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: metric filter %s\nwant %s", v.name, toJSON(got), toJSON(want))
		}
	}
}

// GIVEN either variant WHEN synthesized THEN the health probe is a small
// nodejs24.x arm64 function running the probe's code against the URL, with
// the namespace and the quiet windows (comma-separated HH:MM-HH:MM, several
// of them, one over midnight) in its environment; it writes its own log
// group (the construct's key, the props' retention) and nothing else, and
// runs every HealthCheckInterval without retries. GIVEN
// HealthCheckFunctionName THEN the function has that name and its log group
// /aws/lambda/<name>; GIVEN none THEN CloudFormation names both.
func TestHealthProbeFunction(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v         *variant
		quiet     string
		rate      string
		retention float64
		name      string
	}{
		{f.staging, "18:00-23:45,23:50-00:20", "rate(1 minute)", 30, ""},
		{f.production, "", "rate(5 minutes)", 90, "medbookings-production-health-probe"},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			fnID, logsID := v.id(t, "Monitoring/HealthCheckFunction/Resource"), v.id(t, "Monitoring/HealthCheckLogGroup/Resource")
			fn := props(v.resource(t, "Monitoring/HealthCheckFunction/Resource"))
			for k, want := range map[string]any{
				"Runtime": "nodejs24.x", "Architectures": []any{"arm64"}, "Handler": "index.handler", "MemorySize": 128.0, "Timeout": 20.0,
				"Code": map[string]any{"ZipFile": monitoring.ProbeSource},
				"Environment": map[string]any{"Variables": map[string]any{
					"URL": v.props.HealthCheckURL, "NAMESPACE": "MedBookings/" + v.name, "QUIET_WINDOWS_UTC": c.quiet,
				}},
				"LoggingConfig": map[string]any{"LogGroup": ref(logsID)},
				"Role":          getAtt(v.id(t, "Monitoring/HealthCheckRole/Resource"), "Arn"),
				"FunctionName":  map[bool]any{true: c.name, false: nil}[c.name != ""],
			} {
				if !reflect.DeepEqual(fn[k], want) {
					t.Errorf("probe %s = %s, want %s", k, toJSON(fn[k]), toJSON(want))
				}
			}
			logs := v.resource(t, "Monitoring/HealthCheckLogGroup/Resource")
			want := map[string]any{"KmsKeyId": getAtt(v.id(t, "Monitoring/Key/Resource"), "Arn"), "RetentionInDays": c.retention}
			if c.name != "" {
				want["LogGroupName"] = "/aws/lambda/" + c.name
			}
			if !reflect.DeepEqual(props(logs), want) {
				t.Errorf("probe log group %s, want %s", toJSON(props(logs)), toJSON(want))
			}
			role := props(v.resource(t, "Monitoring/HealthCheckRole/Resource"))
			if !reflect.DeepEqual(role["ManagedPolicyArns"], []any{ref(v.id(t, "Monitoring/HealthCheckPolicy/Resource"))}) || role["Policies"] != nil {
				t.Errorf("probe role %s: want only its own managed policy", toJSON(role))
			}
			policy := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": getAtt(logsID, "Arn"),
			}}}
			if got := props(v.resource(t, "Monitoring/HealthCheckPolicy/Resource"))["PolicyDocument"]; !reflect.DeepEqual(got, policy) {
				t.Errorf("probe policy %s, want %s", toJSON(got), toJSON(policy))
			}
			schedule := props(v.resource(t, "Monitoring/HealthCheckSchedule/Resource"))
			target := []any{map[string]any{"Arn": getAtt(fnID, "Arn"), "Id": "Target0",
				"RetryPolicy": map[string]any{"MaximumRetryAttempts": 0.0, "MaximumEventAgeInSeconds": 60.0}}}
			if schedule["ScheduleExpression"] != c.rate || !reflect.DeepEqual(schedule["Targets"], target) {
				t.Errorf("probe schedule %s %s, want %s calling the probe once", schedule["ScheduleExpression"], toJSON(schedule["Targets"]), c.rate)
			}
			if v.m.HealthCheckFunction == nil {
				t.Error("Monitoring.HealthCheckFunction is nil")
			}
		})
	}
}

// dashboardBody is the dashboard's body of v, decoded, with references as
// ${LogicalId} and ${LogicalId.Attribute}.
func dashboardBody(t *testing.T, v *variant) (name string, widgets []map[string]any) {
	t.Helper()
	d := props(v.resource(t, "Monitoring/Dashboard/Resource"))
	var body struct{ Widgets []map[string]any }
	if err := json.Unmarshal([]byte(fmt.Sprint(flatten(d["DashboardBody"]))), &body); err != nil {
		t.Fatalf("dashboard body: %v", err)
	}
	name, _ = d["DashboardName"].(string)
	return name, body.Widgets
}

// alarmMetrics are the metrics an alarm reads, each as the dashboard writes
// a metric (namespace, name, dimension names and values) or as its math
// expression.
func alarmMetrics(alarm map[string]any) []string {
	line := func(m map[string]any) string {
		parts := []any{m["Namespace"], m["MetricName"]}
		ds, _ := m["Dimensions"].([]any)
		for _, d := range ds {
			parts = append(parts, d.(map[string]any)["Name"], flatten(d.(map[string]any)["Value"]))
		}
		return strings.TrimSuffix(toJSON(parts), "]")
	}
	p := props(alarm)
	if ms, ok := p["Metrics"].([]any); ok {
		var out []string
		for _, m := range ms {
			m := m.(map[string]any)
			if e, ok := m["Expression"].(string); ok {
				out = append(out, `"expression":`+toJSON(e))
			} else {
				out = append(out, line(m["MetricStat"].(map[string]any)["Metric"].(map[string]any)))
			}
		}
		return out
	}
	return []string{line(p)}
}

// GIVEN either variant WHEN synthesized THEN the dashboard MedBookings-<Title>
// shows the state of every alarm, and for every alarm a graph of the very
// metric the alarm reads, with the alarm's threshold as a line (the health
// check's 0/1 success has none).
func TestDashboard(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			name, widgets := dashboardBody(t, v)
			if name != "MedBookings-"+v.name {
				t.Errorf("DashboardName = %q", name)
			}
			if len(widgets) == 0 || widgets[0]["type"] != "alarm" {
				t.Fatalf("the first widget is not the alarm status: %s", toJSON(widgets))
			}
			var shown, want []string
			for _, a := range widgets[0]["properties"].(map[string]any)["alarms"].([]any) {
				shown = append(shown, a.(string))
			}
			for _, id := range v.m.AlarmIDs {
				want = append(want, "${"+v.id(t, "Monitoring/Alarms/"+id+"/Resource")+".Arn}")
			}
			if !slices.Equal(shown, want) {
				t.Errorf("alarm status widget shows %v, want every alarm %v", shown, want)
			}
			for _, id := range v.m.AlarmIDs {
				alarm := v.resource(t, "Monitoring/Alarms/"+id+"/Resource")
				threshold := props(alarm)["Threshold"]
				for _, metric := range alarmMetrics(alarm) {
					var found []map[string]any
					for _, w := range widgets[1:] {
						if strings.Contains(toJSON(w["properties"].(map[string]any)["metrics"]), metric) {
							found = append(found, w)
						}
					}
					if len(found) == 0 {
						t.Errorf("alarm %s: no graph of its metric %s", id, metric)
						continue
					}
					if id == monitoring.AlarmHealthCheck {
						continue
					}
					lined := false
					for _, w := range found {
						lined = lined || strings.Contains(toJSON(w["properties"].(map[string]any)["annotations"]), `"value":`+toJSON(threshold))
					}
					if !lined {
						t.Errorf("alarm %s: the graph of %s has no line at its threshold %v", id, metric, threshold)
					}
				}
			}
			if v.m.Dashboard == nil {
				t.Error("Monitoring.Dashboard is nil")
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN the monthly cost budget of
// the props, filtered on the environment's cost allocation tag, notifies the
// topic and the address at 80% and 100% of actual and 100% of forecast
// cost, and is created after the topic's policy lets Budgets publish.
func TestBudget(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			topicID := v.id(t, "Monitoring/AlertTopic/Resource")
			subscribers := []any{
				map[string]any{"SubscriptionType": "SNS", "Address": ref(topicID)},
				map[string]any{"SubscriptionType": "EMAIL", "Address": alertEmail},
			}
			n := func(typ string, pct float64) any {
				return map[string]any{"Notification": map[string]any{"NotificationType": typ, "ComparisonOperator": "GREATER_THAN",
					"Threshold": pct, "ThresholdType": "PERCENTAGE"}, "Subscribers": subscribers}
			}
			want := map[string]any{
				"Budget": map[string]any{
					"BudgetName":  "MedBookings-" + v.name + "-monthly",
					"BudgetType":  "COST",
					"TimeUnit":    "MONTHLY",
					"BudgetLimit": map[string]any{"Amount": v.props.MonthlyBudgetUSD, "Unit": "USD"},
					"CostFilters": map[string]any{"TagKeyValue": []any{"user:Environment$" + v.props.Environment}},
				},
				"NotificationsWithSubscribers": []any{n("ACTUAL", 80), n("ACTUAL", 100), n("FORECASTED", 100)},
			}
			b := v.resource(t, "Monitoring/Budget")
			if !reflect.DeepEqual(props(b), want) {
				t.Errorf("budget %s\nwant %s", toJSON(props(b)), toJSON(want))
			}
			deps, _ := b["DependsOn"].([]any)
			if !slices.Contains(deps, any(v.id(t, "Monitoring/AlertTopic/Policy/Resource"))) {
				t.Errorf("budget depends on %v, want the topic policy among them", deps)
			}
			if got := monitoring.CostAllocationTag(v.props.Environment); got != "user:Environment$"+v.props.Environment {
				t.Errorf("CostAllocationTag = %s", got)
			}
			if v.m.Budget == nil {
				t.Error("Monitoring.Budget is nil")
			}
		})
	}
}

// GIVEN either variant under the cdk-nag AwsSolutions, HIPAA Security and
// NIST 800-53 rev 5 packs WHEN synthesized THEN nothing of the monitoring
// construct is reported, and each of its suppressions gives a reason.
func TestCompliance(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		for _, x := range v.findings {
			if strings.Contains(x.Path, "/Monitoring/") {
				t.Errorf("%s: finding %s", v.name, x)
			}
		}
		for id, r := range v.json["Resources"].(map[string]any) {
			md, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := md["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, s := range rules {
				if reason, _ := s.(map[string]any)["reason"].(string); len(reason) < 40 {
					t.Errorf("%s %s: suppression %v without a real reason", v.name, id, s)
				}
			}
		}
	}
}

// GIVEN props that cannot make sound monitoring WHEN New is called THEN it
// panics before creating anything, naming the problem.
func TestPropsAreChecked(t *testing.T) {
	f := getFixture(t)
	base := f.staging.props
	for _, c := range []struct {
		name   string
		change func(*monitoring.Props)
		want   string
	}{
		{"no title", func(p *monitoring.Props) { p.Title = "" }, "Environment, Title and Namespace are required"},
		{"e-mail", func(p *monitoring.Props) { p.AlertEmail = "ops" }, `AlertEmail "ops" is not an e-mail address`},
		{"no database", func(p *monitoring.Props) { p.Database = nil }, "Server, Cron, Database and PostgresLogGroup are required"},
		{"no concurrency", func(p *monitoring.Props) { p.ServerConcurrency = 0 }, "ServerConcurrency (0) and DatabaseMaxConnections (84) must be positive"},
		{"storage", func(p *monitoring.Props) { p.DatabaseAllocatedStorageGiB = 200 },
			"DatabaseAllocatedStorageGiB (200) must be positive and at most DatabaseMaxAllocatedStorageGiB (100)"},
		{"both NATs", func(p *monitoring.Props) { p.NATGateways = []*string{jsii.String("nat-1")} }, "exactly one of NATGateways and NATInstances is needed"},
		{"no NAT", func(p *monitoring.Props) { p.NATInstances = nil }, "exactly one of NATGateways and NATInstances is needed"},
		{"plain http", func(p *monitoring.Props) { p.HealthCheckURL = "http://staging.medbookings.example/api/health" },
			"HealthCheckURL (https) and HealthCheckInterval are required"},
		{"no latency threshold", func(p *monitoring.Props) { p.Thresholds.LatencyP95 = nil }, "every threshold is required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := base
			c.change(&p)
			stack := cdktest.BareStack(t, "Checks")
			defer func() {
				r := recover()
				msg := fmt.Sprint(r)
				if r == nil || !strings.HasPrefix(msg, "monitoring.New: ") || !strings.Contains(msg, c.want) {
					t.Errorf("panic = %v\nwant monitoring.New: ... %s", r, c.want)
				}
				if strings.Contains(msg, ";") {
					t.Errorf("more than the one problem reported: %s", msg)
				}
			}()
			monitoring.New(stack, "Monitoring", p)
		})
	}
}
