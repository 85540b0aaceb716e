package monitoring

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbudgets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/jsii-runtime-go"
)

// DeploymentStatuses are the CloudFormation stack states that are notified
// (FR-5.4: deployment start, success and failure; the build's own failures
// stop the workflow before CloudFormation is asked, and GitHub reports them).
var DeploymentStatuses = []string{
	"UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE",
	"UPDATE_ROLLBACK_FAILED", "CREATE_COMPLETE", "CREATE_FAILED", "ROLLBACK_COMPLETE",
}

// createEventRules sends this stack's deployment status changes, and RDS
// low-storage and failure events of this instance, to the topic as readable
// text.
func (m *Monitoring) createEventRules() {
	region := *m.stack().Region()
	deploy := awsevents.NewRule(m.Construct, jsii.String("DeploymentNotifications"), &awsevents.RuleProps{
		Description: jsii.String("Deployments of the MedBookings " + m.props.Environment + " stack (CloudFormation status changes), to the alert topic"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.cloudformation"),
			DetailType: jsii.Strings("CloudFormation Stack Status Change"),
			Detail: &map[string]any{
				"stack-id":       []any{awscdk.Aws_STACK_ID()},
				"status-details": map[string]any{"status": DeploymentStatuses},
			},
		},
	})
	status := awsevents.EventField_FromPath(jsii.String("$.detail.status-details.status"))
	reason := awsevents.EventField_FromPath(jsii.String("$.detail.status-details.status-reason"))
	msg := fmt.Sprintf("MedBookings %s: stack %s is %s. %s Console: https://%s.console.aws.amazon.com/cloudformation/home?region=%s#/stacks",
		m.props.Environment, *m.stack().StackName(), *status, *reason, region, region)
	deploy.AddTarget(&topicTarget{topic: m.AlertTopic, account: m.stack().Account(), message: awsevents.RuleTargetInput_FromText(jsii.String(msg))})
	m.DeploymentRule = deploy

	id := m.props.Database.InstanceIdentifier()
	dbRule := awsevents.NewRule(m.Construct, jsii.String("DatabaseEvents"), &awsevents.RuleProps{
		Description: jsii.String("RDS low-storage and failure events of the MedBookings " + m.props.Environment + " database, to the alert topic"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.rds"),
			DetailType: jsii.Strings("RDS DB Instance Event"),
			Detail: &map[string]any{
				"SourceIdentifier": []any{id},
				"EventCategories":  []string{"low storage", "failure"},
			},
		},
	})
	event := awsevents.EventField_FromPath(jsii.String("$.detail.EventID"))
	text := awsevents.EventField_FromPath(jsii.String("$.detail.Message"))
	dbMsg := fmt.Sprintf("MedBookings %s database %s: %s (%s). Console: https://%s.console.aws.amazon.com/rds/home?region=%s#database:id=%s",
		m.props.Environment, *id, *text, *event, region, region, *id)
	dbRule.AddTarget(&topicTarget{topic: m.AlertTopic, account: m.stack().Account(), message: awsevents.RuleTargetInput_FromText(jsii.String(dbMsg))})
	m.DatabaseEventsRule = dbRule
}

// TopicTarget sends an event rule's events to the alert topic as message,
// with the topic policy statement of topicTarget (this rule only).
func (m *Monitoring) TopicTarget(message awsevents.RuleTargetInput) awsevents.IRuleTarget {
	return &topicTarget{topic: m.AlertTopic, account: m.stack().Account(), message: message}
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// topicTarget sends a rule's events to an SNS topic, like CDK's
// awseventstargets.SnsTopic, but lets EventBridge publish only on behalf of
// that rule: the topic policy statement it adds has aws:SourceArn = the rule
// (and aws:SourceAccount = this account), where SnsTopic grants
// events.amazonaws.com sns:Publish with no condition, i.e. to any rule of
// any account.
type topicTarget struct {
	topic   awssns.ITopic
	account *string
	message awsevents.RuleTargetInput
}

// Bind implements awsevents.IRuleTarget.
func (t *topicTarget) Bind(rule interfacesawsevents.IRuleRef, _ *string) *awsevents.RuleTargetConfig {
	t.topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// A Sid is letters and digits only.
		Sid:        jsii.String("Allow" + nonAlnum.ReplaceAllString(*rule.Node().Id(), "") + "RuleToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{t.topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": t.account},
			"ArnEquals":    map[string]any{"aws:SourceArn": rule.RuleRef().RuleArn},
		},
	}))
	return &awsevents.RuleTargetConfig{Arn: t.topic.TopicArn(), Input: t.message, TargetResource: t.topic}
}

// BudgetThresholds are the budget notifications: type and percentage.
var BudgetThresholds = []struct {
	Type    string
	Percent float64
}{{"ACTUAL", 80}, {"ACTUAL", 100}, {"FORECASTED", 100}}

// CostAllocationTag is the filter of the budget. The Environment tag is put
// on every resource by the stack, but AWS Budgets sees it only after it has
// been activated as a cost allocation tag in the Billing console (once per
// account; it applies from activation on, not retroactively).
func CostAllocationTag(env string) string { return "user:Environment$" + env }

func (m *Monitoring) createBudget() {
	var notifications []any
	for _, t := range BudgetThresholds {
		notifications = append(notifications, &awsbudgets.CfnBudget_NotificationWithSubscribersProperty{
			Notification: &awsbudgets.CfnBudget_NotificationProperty{
				NotificationType:   jsii.String(t.Type),
				ComparisonOperator: jsii.String("GREATER_THAN"),
				Threshold:          jsii.Number(t.Percent),
				ThresholdType:      jsii.String("PERCENTAGE"),
			},
			Subscribers: []any{
				&awsbudgets.CfnBudget_SubscriberProperty{SubscriptionType: jsii.String("SNS"), Address: m.AlertTopic.TopicArn()},
				// Also straight to the address: budget mail does not depend on
				// the topic subscription having been confirmed.
				&awsbudgets.CfnBudget_SubscriberProperty{SubscriptionType: jsii.String("EMAIL"), Address: jsii.String(m.props.AlertEmail)},
			},
		})
	}
	b := awsbudgets.NewCfnBudget(m.Construct, jsii.String("Budget"), &awsbudgets.CfnBudgetProps{
		Budget: &awsbudgets.CfnBudget_BudgetDataProperty{
			BudgetName:  jsii.String("MedBookings-" + m.props.Title + "-monthly"),
			BudgetType:  jsii.String("COST"),
			TimeUnit:    jsii.String("MONTHLY"),
			BudgetLimit: &awsbudgets.CfnBudget_SpendProperty{Amount: jsii.Number(m.props.MonthlyBudgetUSD), Unit: jsii.String("USD")},
			CostFilters: map[string]any{"TagKeyValue": []string{CostAllocationTag(m.props.Environment)}},
		},
		NotificationsWithSubscribers: notifications,
	})
	// Budgets checks that it may publish when the notification is created.
	b.Node().AddDependency(m.AlertTopic)
	m.Budget = b
}
