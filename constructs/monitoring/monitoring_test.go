package monitoring_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// Logical IDs of the stateful resources (a change is a replacement: the key
// and log groups would be re-created, the old ones orphaned or deleted).
const (
	keyID             = "MonitoringKey61F0DC42"
	topicID           = "MonitoringAlertTopicB48B06C2"
	amplifyLogGroupID = "MonitoringAmplifyLogGroup17F262DE"
	probeLogGroupID   = "MonitoringHealthCheckLogGroupCA058BCA"
	budgetID          = "MonitoringBudget58B6A9D9"
	deployRuleID      = "MonitoringDeploymentNotificationsFE2AA72E"
	dbEventsRuleID    = "MonitoringDatabaseEventsC3B5C714"
)

var envNames = []string{"staging", "production"}

func resources(f *fixture, env, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range f.json[env]["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func props(res map[string]any) map[string]any { p, _ := res["Properties"].(map[string]any); return p }

func TestStatefulLogicalIDs(t *testing.T) {
	f := defaults(t)
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) {
			for typ, id := range map[string]string{"AWS::KMS::Key": keyID, "AWS::SNS::Topic": topicID, "AWS::Budgets::Budget": budgetID} {
				if _, ok := resources(f, env, typ)[id]; !ok || len(resources(f, env, typ)) != 1 {
					t.Errorf("%s: want exactly one, with logical ID %s; got %v", typ, id, keys(resources(f, env, typ)))
				}
			}
			lgs := resources(f, env, "AWS::Logs::LogGroup")
			for _, id := range []string{amplifyLogGroupID, probeLogGroupID} {
				if _, ok := lgs[id]; !ok {
					t.Errorf("log group %s missing; have %v", id, keys(lgs))
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expectedAlarm is what one alarm must look like in the template.
type expectedAlarm struct {
	id         string
	props      map[string]any
	missing    string
	comparison string
	threshold  float64
	periods    float64
	datapoints float64
}

// connectionsThreshold is the connections alarm's threshold with cdk.json's
// databaseConnectionsPercent (80) and instance classes: floor(80% of 84) for
// staging's db.t4g.micro, floor(80% of 168) for production's db.t4g.small.
var connectionsThreshold = map[string]float64{"staging": 67, "production": 134}

func expectedAlarms(f *fixture, env string) []expectedAlarm {
	e := f.env(env)
	cfg := e.Monitoring
	dims := func(name, value string) []any { return []any{map[string]any{"Name": name, "Value": value}} }
	app := dims("App", "d1"+env)
	db := dims("DBInstanceIdentifier", "medbookings-"+env)
	ns := "MedBookings/" + e.Title()
	healthMissing := "breaching"
	if e.Database.NightlyStop.Enabled {
		healthMissing = "notBreaching"
	}
	return []expectedAlarm{
		{id: monitoring.AlarmErrorRate, props: map[string]any{
			"Metrics": []any{
				map[string]any{"Expression": "IF(requests > 0, 100 * errors / requests, 0)", "ReturnData": true},
				map[string]any{"Id": "errors", "ReturnData": false, "MetricStat": map[string]any{"Period": float64(cfg.ErrorRatePeriodMinutes * 60), "Stat": "Sum",
					"Metric": map[string]any{"Namespace": "AWS/AmplifyHosting", "MetricName": "5xxErrors", "Dimensions": app}}},
				map[string]any{"Id": "requests", "ReturnData": false, "MetricStat": map[string]any{"Period": float64(cfg.ErrorRatePeriodMinutes * 60), "Stat": "Sum",
					"Metric": map[string]any{"Namespace": "AWS/AmplifyHosting", "MetricName": "Requests", "Dimensions": app}}},
			}},
			missing: "notBreaching", comparison: "GreaterThanThreshold", threshold: cfg.ErrorRatePercent, periods: 1, datapoints: 1},
		{id: monitoring.AlarmLatencyP95, props: map[string]any{"Namespace": "AWS/AmplifyHosting", "MetricName": "Latency", "ExtendedStatistic": "p95",
			"Dimensions": app, "Period": float64(cfg.LatencyPeriodMinutes * 60)},
			missing: "notBreaching", comparison: "GreaterThanThreshold", threshold: cfg.LatencyP95Seconds, periods: 2, datapoints: 2},
		{id: monitoring.AlarmDatabaseFreeStorage, props: map[string]any{"Namespace": "AWS/RDS", "MetricName": "FreeStorageSpace", "Statistic": "Minimum",
			"Dimensions": db, "Period": 300.0},
			missing: "notBreaching", comparison: "LessThanThreshold",
			threshold: cfg.DatabaseFreeStoragePercent / 100 * float64(e.Database.AllocatedStorageGiB) * (1 << 30), periods: 1, datapoints: 1},
		{id: monitoring.AlarmDatabaseConnections, props: map[string]any{"Namespace": "AWS/RDS", "MetricName": "DatabaseConnections", "Statistic": "Maximum",
			"Dimensions": db, "Period": 300.0},
			missing: "notBreaching", comparison: "GreaterThanThreshold",
			threshold: connectionsThreshold[env], periods: 2, datapoints: 2},
		{id: monitoring.AlarmDatabaseCPU, props: map[string]any{"Namespace": "AWS/RDS", "MetricName": "CPUUtilization", "Statistic": "Average",
			"Dimensions": db, "Period": 300.0},
			missing: "notBreaching", comparison: "GreaterThanThreshold", threshold: cfg.DatabaseCPUPercent, periods: 3, datapoints: 3},
		{id: monitoring.AlarmDatabaseConnectionErrors, props: map[string]any{"Namespace": ns, "MetricName": monitoring.MetricConnectionErrors, "Statistic": "Sum",
			"Period": 300.0},
			missing: "notBreaching", comparison: "GreaterThanOrEqualToThreshold", threshold: float64(cfg.DatabaseConnectionErrors), periods: 1, datapoints: 1},
		{id: monitoring.AlarmHealthCheck, props: map[string]any{"Namespace": ns, "MetricName": monitoring.MetricHealthCheckSuccess, "Statistic": "Minimum",
			"Dimensions": dims("Check", "Health"), "Period": float64(cfg.HealthCheckIntervalMinutes * 60)},
			missing: healthMissing, comparison: "LessThanThreshold", threshold: 1,
			periods: float64(cfg.HealthCheckFailures), datapoints: float64(cfg.HealthCheckFailures)},
	}
}

func checkAlarms(t *testing.T, f *fixture, env string) {
	t.Helper()
	want := expectedAlarms(f, env)
	if got := len(resources(f, env, "AWS::CloudWatch::Alarm")); got != len(want) {
		t.Errorf("%d alarms in the template, want %d", got, len(want))
	}
	if got := f.mons[env].AlarmIDs; len(got) != len(want) {
		t.Errorf("Monitoring.AlarmIDs = %v, want %d alarms", got, len(want))
	}
	title := strings.ToUpper(env[:1]) + env[1:]
	for _, a := range want {
		p := map[string]any{
			"AlarmName":          "MedBookings-" + title + "-" + a.id,
			"ComparisonOperator": a.comparison,
			"Threshold":          a.threshold,
			"EvaluationPeriods":  a.periods,
			"DatapointsToAlarm":  a.datapoints,
			"TreatMissingData":   a.missing,
			"ActionsEnabled":     true,
			"AlarmActions":       []any{map[string]any{"Ref": topicID}},
			"OKActions":          []any{map[string]any{"Ref": topicID}},
		}
		for k, v := range a.props {
			p[k] = v
		}
		cdktest.Check(t, env+" alarm "+a.id, func() {
			f.tpls[env].HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), assertions.Match_ObjectLike(&p))
		})
		if f.mons[env].Alarms[a.id] == nil {
			t.Errorf("Monitoring.Alarms[%q] is nil", a.id)
		}
	}
	// Every alarm tells the person on call what to do.
	for id, r := range resources(f, env, "AWS::CloudWatch::Alarm") {
		if d, _ := props(r)["AlarmDescription"].(string); len(d) < 120 || !strings.Contains(d, "MedBookings "+env) {
			t.Errorf("alarm %s: description %q is not an actionable description naming the environment", id, d)
		}
	}
}

func TestAlarms(t *testing.T) {
	f := defaults(t)
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) { checkAlarms(t, f, env) })
	}
}

// GIVEN thresholds overridden on the command line, WHEN the app is built,
// THEN they reach the alarms of that environment only.
func TestContextOverridesReachAlarms(t *testing.T) {
	f := buildFixture(t, map[string]any{
		"medbookings.production.monitoring.latencyP95Seconds":          "3",
		"medbookings.production.monitoring.healthCheckIntervalMinutes": "5",
		"medbookings.staging.monitoring.errorRatePercent":              "10",
		"medbookings.staging.monitoring.databaseConnectionErrors":      "20",
	}, false, false)
	if got := f.settings.Production.Monitoring.LatencyP95Seconds; got != 3 {
		t.Fatalf("override did not reach the settings: latencyP95Seconds = %g", got)
	}
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) { checkAlarms(t, f, env) })
	}
	threshold := func(env, id string) float64 {
		for _, r := range resources(f, env, "AWS::CloudWatch::Alarm") {
			if props(r)["AlarmName"] == "MedBookings-"+strings.ToUpper(env[:1])+env[1:]+"-"+id {
				return props(r)["Threshold"].(float64)
			}
		}
		t.Fatalf("%s: alarm %s not found", env, id)
		return 0
	}
	for _, c := range []struct {
		env, id string
		want    float64
	}{
		{"production", monitoring.AlarmLatencyP95, 3}, {"staging", monitoring.AlarmLatencyP95, 2},
		{"staging", monitoring.AlarmErrorRate, 10}, {"production", monitoring.AlarmErrorRate, 5},
		{"staging", monitoring.AlarmDatabaseConnectionErrors, 20}, {"production", monitoring.AlarmDatabaseConnectionErrors, 5},
	} {
		if got := threshold(c.env, c.id); got != c.want {
			t.Errorf("%s %s threshold = %g, want %g", c.env, c.id, got, c.want)
		}
	}
	cdktest.Check(t, "production probe every 5 minutes", func() {
		f.tpls["production"].HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]any{
			"ScheduleExpression": "rate(5 minutes)"}))
	})
}

func TestTopicAndKeyPolicies(t *testing.T) {
	f := defaults(t)
	account := map[string]any{"Ref": "AWS::AccountId"}
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) {
			tpl := f.tpls[env]
			cdktest.Check(t, "topic encrypted with the key", func() {
				tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), &map[string]any{
					"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
					"DisplayName":    "MedBookings " + strings.ToUpper(env[:1]) + env[1:] + " alerts",
				})
			})
			cdktest.Check(t, "e-mail subscription", func() {
				tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{
					"Protocol": "email", "Endpoint": f.settings.Shared.AlertEmail, "TopicArn": map[string]any{"Ref": topicID},
				})
			})
			topic := map[string]any{"Ref": topicID}
			stmt := func(sid, principal string, cond any) any {
				s := map[string]any{"Effect": "Allow", "Action": "sns:Publish", "Principal": map[string]any{"Service": principal}, "Resource": topic}
				if sid != "" {
					s["Sid"] = sid
				}
				if cond != nil {
					s["Condition"] = cond
				}
				return assertions.Match_ObjectEquals(&s)
			}
			cdktest.Check(t, "topic policy", func() {
				tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), &map[string]any{
					"Topics": []any{topic},
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						map[string]any{"Sid": "AllowPublishThroughSSLOnly", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": topic,
							"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}},
						stmt("AllowCloudWatchAlarmsToPublish", "cloudwatch.amazonaws.com", map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": account},
							"ArnLike": map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
								"arn:aws:cloudwatch:eu-west-1:", account, ":alarm:*"}}}}}),
						stmt("AllowBudgetsToPublish", "budgets.amazonaws.com", map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": account},
							"ArnLike": map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
								"arn:aws:budgets::", account, ":budget/*"}}}}}),
						// Each event rule may publish only for itself.
						stmt("AllowDeploymentNotificationsRuleToPublish", "events.amazonaws.com", map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": account},
							"ArnEquals":    map[string]any{"aws:SourceArn": map[string]any{"Fn::GetAtt": []any{deployRuleID, "Arn"}}}}),
						stmt("AllowDatabaseEventsRuleToPublish", "events.amazonaws.com", map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": account},
							"ArnEquals":    map[string]any{"aws:SourceArn": map[string]any{"Fn::GetAtt": []any{dbEventsRuleID, "Arn"}}}}),
					})},
				})
			})
			// No statement lets EventBridge (or anyone) publish without a
			// source condition.
			for id, tp := range resources(f, env, "AWS::SNS::TopicPolicy") {
				doc, _ := props(tp)["PolicyDocument"].(map[string]any)
				sts, _ := doc["Statement"].([]any)
				if len(sts) != 5 {
					t.Errorf("topic policy %s has %d statements, want 5 (SSL deny, alarms, budgets, two rules): %s", id, len(sts), toJSON(sts))
				}
				for _, st := range sts {
					if m := st.(map[string]any); m["Effect"] == "Allow" && m["Condition"] == nil {
						t.Errorf("topic policy %s: unconditioned statement %s", id, toJSON(m))
					}
				}
			}
			use := []any{"kms:Decrypt", "kms:GenerateDataKey*"}
			sourceAccount := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}}
			cdktest.Check(t, "key policy and rotation", func() {
				tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{
					"EnableKeyRotation": true,
					"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						map[string]any{"Sid": "AllowCloudWatchAlarmsToUseKey", "Effect": "Allow", "Action": use, "Resource": "*",
							"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"}, "Condition": sourceAccount},
						map[string]any{"Sid": "AllowBudgetsToUseKey", "Effect": "Allow", "Action": use, "Resource": "*",
							"Principal": map[string]any{"Service": "budgets.amazonaws.com"}, "Condition": sourceAccount},
						map[string]any{"Sid": "AllowCloudWatchLogsToUseKey", "Effect": "Allow", "Resource": "*",
							"Action":    []any{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
							"Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
							"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": map[string]any{
								"Fn::Join": []any{"", []any{"arn:aws:logs:eu-west-1:", account, ":log-group:*"}}}}}},
						// Added by CDK's SnsTopic event target; unconditioned because
						// KMS key policies for EventBridge do not support source keys.
						map[string]any{"Effect": "Allow", "Action": use, "Resource": "*",
							"Principal": map[string]any{"Service": "events.amazonaws.com"}},
					})},
				})
			})
			wantPolicy := "Retain"
			if env == "staging" {
				wantPolicy = "Delete"
			}
			if got := resources(f, env, "AWS::KMS::Key")[keyID]["DeletionPolicy"]; got != wantPolicy {
				t.Errorf("key DeletionPolicy = %v, want %s", got, wantPolicy)
			}
		})
	}
}

func TestEventRules(t *testing.T) {
	f := defaults(t)
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) {
			tpl := f.tpls[env]
			e := f.env(env)
			cdktest.Check(t, "deployment notifications", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), &map[string]any{
					"EventPattern": map[string]any{
						"source":      []any{"aws.amplify"},
						"detail-type": []any{"Amplify Deployment Status Change"},
						"detail":      map[string]any{"appId": []any{"d1" + env}, "jobStatus": []any{"STARTED", "SUCCEED", "FAILED"}},
					},
					"State": "ENABLED",
					"Targets": []any{map[string]any{
						"Arn": map[string]any{"Ref": topicID},
						"Id":  "Target0",
						"InputTransformer": map[string]any{
							"InputPathsMap": map[string]any{
								"detail-appId": "$.detail.appId", "detail-branchName": "$.detail.branchName",
								"detail-jobId": "$.detail.jobId", "detail-jobStatus": "$.detail.jobStatus",
							},
							"InputTemplate": `"MedBookings ` + env + `: Amplify deployment <detail-jobStatus>. App <detail-appId>, branch <detail-branchName>, job <detail-jobId>. ` +
								`Console: https://eu-west-1.console.aws.amazon.com/amplify/apps/<detail-appId>/branches/<detail-branchName>/deployments/<detail-jobId>"`,
						},
					}},
				})
			})
			cdktest.Check(t, "database events", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]any{
					"EventPattern": map[string]any{
						"source": []any{"aws.rds"}, "detail-type": []any{"RDS DB Instance Event"},
						"detail": map[string]any{"SourceIdentifier": []any{"medbookings-" + env}, "EventCategories": []any{"low storage", "failure"}},
					},
					"Targets": []any{assertions.Match_ObjectLike(&map[string]any{"Arn": map[string]any{"Ref": topicID},
						"InputTransformer": assertions.Match_ObjectLike(&map[string]any{"InputPathsMap": map[string]any{
							"detail-EventID": "$.detail.EventID", "detail-Message": "$.detail.Message"}})})},
				}))
			})
			cdktest.Check(t, "health probe schedule", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]any{
					"ScheduleExpression": fmt.Sprintf("rate(%d minute)", e.Monitoring.HealthCheckIntervalMinutes),
					"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
						"RetryPolicy": map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}})},
				}))
			})
			cdktest.Check(t, "health probe function", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), assertions.Match_ObjectLike(&map[string]any{
					"Runtime": "nodejs24.x", "Architectures": []any{"arm64"}, "MemorySize": 128, "Timeout": 20,
					"Environment": map[string]any{"Variables": map[string]any{
						"URL":              "https://" + e.CanonicalHost + e.Monitoring.HealthCheckPath,
						"NAMESPACE":        "MedBookings/" + e.Title(),
						"QUIET_WINDOW_UTC": quietWindow(e.Database.NightlyStop),
					}},
					"LoggingConfig": map[string]any{"LogGroup": map[string]any{"Ref": probeLogGroupID}},
				}))
			})
			cdktest.Check(t, "connection error metric filter", func() {
				tpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), &map[string]any{
					"LogGroupName": map[string]any{"Ref": "PostgresLog43DE1923"},
					"FilterPattern": `?"password authentication failed" ?"no pg_hba.conf entry" ?"sorry, too many clients" ?"too many connections for" ` +
						`?"remaining connection slots are reserved" ?"connection requires a valid client certificate"`,
					"MetricTransformations": []any{map[string]any{"MetricNamespace": "MedBookings/" + e.Title(),
						"MetricName": monitoring.MetricConnectionErrors, "MetricValue": "1", "Unit": "Count"}},
				})
			})
		})
	}
}

// Every log group of the stack, including ones other constructs create
// without a retention, keeps logs for logRetentionDays; the construct's own
// are encrypted with its key and kept in production.
func TestLogRetentionEverywhere(t *testing.T) {
	f := defaults(t)
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) {
			lgs := resources(f, env, "AWS::Logs::LogGroup")
			if len(lgs) != 4 {
				t.Errorf("log groups %v, want the Amplify, probe, postgres and stray ones", keys(lgs))
			}
			for id, lg := range lgs {
				if got := props(lg)["RetentionInDays"]; got != 30.0 {
					t.Errorf("log group %s: RetentionInDays = %v, want 30", id, got)
				}
			}
			for _, id := range []string{amplifyLogGroupID, probeLogGroupID} {
				if got := fmt.Sprint(props(lgs[id])["KmsKeyId"]); !strings.Contains(got, keyID) {
					t.Errorf("log group %s: KmsKeyId = %s, want the monitoring key", id, got)
				}
				want := map[string]string{"staging": "Delete", "production": "Retain"}[env]
				if got := lgs[id]["DeletionPolicy"]; got != want {
					t.Errorf("log group %s: DeletionPolicy = %v, want %s", id, got, want)
				}
			}
			if got := props(lgs[amplifyLogGroupID])["LogGroupName"]; got != "/aws/amplify/d1"+env {
				t.Errorf("Amplify log group name = %v, want /aws/amplify/d1%s", got, env)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	f := defaults(t)
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) {
			e := f.env(env)
			subscribers := []any{
				map[string]any{"SubscriptionType": "SNS", "Address": map[string]any{"Ref": topicID}},
				map[string]any{"SubscriptionType": "EMAIL", "Address": f.settings.Shared.AlertEmail},
			}
			n := func(typ string, pct float64) any {
				return map[string]any{"Notification": map[string]any{"NotificationType": typ, "ComparisonOperator": "GREATER_THAN",
					"Threshold": pct, "ThresholdType": "PERCENTAGE"}, "Subscribers": subscribers}
			}
			cdktest.Check(t, "budget", func() {
				f.tpls[env].HasResourceProperties(jsii.String("AWS::Budgets::Budget"), &map[string]any{
					"Budget": map[string]any{
						"BudgetName":  "MedBookings-" + e.Title() + "-monthly",
						"BudgetType":  "COST",
						"TimeUnit":    "MONTHLY",
						"BudgetLimit": map[string]any{"Amount": e.Monitoring.MonthlyBudgetUSD, "Unit": "USD"},
						"CostFilters": map[string]any{"TagKeyValue": []any{"user:Environment$" + env}},
					},
					"NotificationsWithSubscribers": []any{n("ACTUAL", 80), n("ACTUAL", 100), n("FORECASTED", 100)},
				})
			})
		})
	}
	if f.settings.Staging.Monitoring.MonthlyBudgetUSD == f.settings.Production.Monitoring.MonthlyBudgetUSD {
		t.Errorf("cdk.json gives both environments the same budget; the test no longer shows the per-environment amount")
	}
}

func TestDashboard(t *testing.T) {
	f := defaults(t)
	for _, env := range envNames {
		t.Run(env, func(t *testing.T) {
			ds := resources(f, env, "AWS::CloudWatch::Dashboard")
			if len(ds) != 1 {
				t.Fatalf("dashboards: %v", keys(ds))
			}
			var d map[string]any
			for _, v := range ds {
				d = props(v)
			}
			if d["DashboardName"] != "MedBookings-"+strings.ToUpper(env[:1])+env[1:] {
				t.Errorf("DashboardName = %v", d["DashboardName"])
			}
			body, _ := json.Marshal(d["DashboardBody"])
			for _, want := range []string{`\"Requests\"`, `\"5xxErrors\"`, `\"stat\":\"p50\"`, `\"stat\":\"p95\"`, `\"CPUUtilization\"`,
				`\"DatabaseConnections\"`, `\"FreeStorageSpace\"`, `\"ReadLatency\"`, `\"WriteLatency\"`, `\"type\":\"alarm\"`,
				monitoring.MetricHealthCheckSuccess} {
				if !strings.Contains(string(body), want) {
					t.Errorf("dashboard body has no %s", want)
				}
			}
			for _, id := range f.mons[env].AlarmIDs {
				if !strings.Contains(string(body), "Alarms"+id) {
					t.Errorf("alarm status widget does not show %s", id)
				}
			}
		})
	}
}

func TestCompliance(t *testing.T) {
	f := defaults(t)
	for _, fd := range compliance.Findings(f.asm) {
		t.Errorf("finding: %s", fd)
	}
	// Every suppression carries a reason a reviewer can read.
	for _, env := range envNames {
		for id, r := range f.json[env]["Resources"].(map[string]any) {
			md, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := md["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, s := range rules {
				if reason, _ := s.(map[string]any)["reason"].(string); len(reason) < 40 {
					t.Errorf("%s %s: suppression %v without a real reason", env, id, s)
				}
			}
		}
	}
}

func TestStrictValidation(t *testing.T) {
	// buildFixture synthesizes; in strict mode a finding panics and fails here.
	buildFixture(t, nil, true, false)
}

// GIVEN a bad monitoring value in context, WHEN the settings load, THEN the
// error names the key, the value and what is allowed.
func TestBadThresholdsFailClearly(t *testing.T) {
	for _, c := range []struct{ key, value, allowed string }{
		{"medbookings.staging.monitoring.errorRatePercent", "-5", "a number from 0.1 to 100"},
		{"medbookings.production.monitoring.errorRatePercent", "150", "a number from 0.1 to 100"},
		{"medbookings.production.monitoring.databaseCpuPercent", "101", "a number from 1 to 100"},
		{"medbookings.staging.monitoring.databaseConnectionsPercent", "120", "a number from 1 to 100"},
		{"medbookings.staging.monitoring.databaseFreeStoragePercent", "100", "a number from 1 to 99"},
		{"medbookings.production.monitoring.latencyP95Seconds", "-1", "a number from 0.05 to 60"},
		{"medbookings.production.monitoring.databaseConnectionErrors", "0", "a whole number from 1 to 100000"},
		{"medbookings.staging.monitoring.healthCheckIntervalMinutes", "0", "a whole number from 1 to 60"},
		{"medbookings.staging.monitoring.healthCheckFailures", "-2", "a whole number from 1 to 10"},
		{"medbookings.staging.monitoring.healthCheckPath", "api/health", "an absolute URL path"},
		{"medbookings.production.monitoring.logRetentionDays", "31", "one of the CloudWatch Logs retention periods"},
		{"medbookings.production.monitoring.monthlyBudgetUsd", "-10", "a number from 1 to 200"},
		{"medbookings.production.monitoring.latencyP95Seconds", "fast", "a number"},
	} {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			ctx := cdktest.Context(t)
			ctx[c.key] = c.value
			_, err := stacks.Load(ctx)
			if err == nil {
				t.Fatalf("Load accepted %s=%s", c.key, c.value)
			}
			msg := err.Error()
			for _, want := range []string{c.key + ": got ", c.value, "allowed: " + c.allowed} {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not contain %q:\n%s", want, msg)
				}
			}
		})
	}
}

func TestPropsAreChecked(t *testing.T) {
	ctx := cdktest.Context(t)
	s, err := stacks.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	base := func() *monitoring.Props {
		return &monitoring.Props{EnvironmentName: "staging", AlertEmail: "ops@example.com", AmplifyAppId: jsii.String("d1"),
			BranchName: jsii.String("staging"), HealthCheckHost: "staging.medbookings.co.za",
			DatabaseMaxConnections: 100, DatabaseAllocatedStorageGiB: 20, DatabaseMaxAllocatedStorageGiB: 100, Config: s.Staging.Monitoring}
	}
	for _, c := range []struct {
		name   string
		change func(*monitoring.Props)
		want   string
	}{
		{"no database", func(p *monitoring.Props) {}, "DatabaseInstance and DatabasePostgresLogGroup are required"},
		{"max connections", func(p *monitoring.Props) { p.DatabaseMaxConnections = 0 }, "DatabaseMaxConnections must be positive, got 0"},
		{"storage", func(p *monitoring.Props) { p.DatabaseAllocatedStorageGiB = 200 }, "DatabaseAllocatedStorageGiB (200) must be positive and at most"},
		{"quiet window", func(p *monitoring.Props) { p.HealthCheckQuietWindowUtc = "18:00" }, `HealthCheckQuietWindowUtc "18:00" is not HH:MM-HH:MM`},
		{"e-mail", func(p *monitoring.Props) { p.AlertEmail = "ops" }, `AlertEmail "ops" is not an e-mail address`},
		{"config", func(p *monitoring.Props) { p.Config.DatabaseCPUPercent = 180 }, "Config.databaseCpuPercent: got 180"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := base()
			c.change(p)
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("panic = %v, want one containing %q", r, c.want)
				}
			}()
			monitoring.NewMonitoring(nil, jsii.String("Monitoring"), p)
		})
	}
}
