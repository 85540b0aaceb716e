package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// createTopicKey is the key of the alert topic: the environment's, or its
// own (customer managed) for a construct used alone.
//
// Key policy (besides the account root statement CDK adds):
//   - CloudWatch alarms, AWS Budgets and EventBridge may
//     GenerateDataKey*/Decrypt so that they can publish to the encrypted
//     topic, and only for this stack's topics (the encryption context SNS
//     sends, aws:sns:topicArn); CloudWatch and Budgets also only on behalf
//     of this account (aws:SourceAccount). EventBridge gets no source
//     condition: it sends none to KMS for SNS targets, and one would drop
//     every event silently;
//   - CloudWatch Logs in this region may use the key for log groups of this
//     account (kms:EncryptionContext:aws:logs:arn), when the key is the
//     construct's own (the environment's key allows them already).
func (m *Monitoring) createTopicKey() {
	stack := m.stack()
	key := m.props.Key
	if key == nil {
		own := awskms.NewKey(m.Construct, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("MedBookings " + m.props.Environment + ": alert topic and monitoring log groups"),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     m.props.RemovalPolicy,
			PendingWindow:     awscdk.Duration_Days(jsii.Number(30)),
		})
		compliance.GuardGrants(own)
		key = own
	}
	// SNS asks KMS with the topic's ARN as encryption context: the
	// services may use the key for this stack's topics only. (The topic's
	// own ARN would be a dependency cycle: the topic names the key.) This
	// relies on CloudFormation naming the topic <StackName>-<id>-<random>:
	// do not give the topic a name.
	stackTopics := map[string]any{"kms:EncryptionContext:aws:sns:topicArn": stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("sns"), Resource: jsii.String(*stack.StackName() + "-*"), ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
	})}
	for _, svc := range []struct {
		sid, principal string
		sourceAccount  bool
	}{
		{"AllowCloudWatchAlarmsToUseKey", "cloudwatch.amazonaws.com", true},
		{"AllowBudgetsToUseKey", "budgets.amazonaws.com", true},
		// EventBridge sends no source account or ARN to KMS for SNS
		// targets; the encryption context still binds it to our topics.
		{"AllowEventBridgeToUseKey", "events.amazonaws.com", false},
	} {
		conditions := map[string]any{"ArnLike": stackTopics}
		if svc.sourceAccount {
			conditions["StringEquals"] = map[string]any{"aws:SourceAccount": stack.Account()}
		}
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(svc.sid),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(svc.principal), nil)},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
			Conditions: &conditions,
		}), nil)
	}
	if m.props.Key == nil { // a given key is the environment's, which allows the log groups already
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowCloudWatchLogsToUseKey"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
			Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"ArnLike": map[string]any{
				"kms:EncryptionContext:aws:logs:arn": stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"),
					ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
				}),
			}},
		}), nil)
	}
	m.Key = key
}

// createTopic creates the alert topic (and its key): alarms and budgets
// of this account may publish, and the alert e-mail address subscribes.
func (m *Monitoring) createTopic() {
	m.createTopicKey()
	stack := m.stack()
	key := m.Key

	topic := awssns.NewTopic(m.Construct, jsii.String("AlertTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("MedBookings " + m.props.Title + " alerts"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})},
		},
	}))
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowBudgetsToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("budgets.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("budgets"), Region: jsii.String(""), Resource: jsii.String("budget"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
			})},
		},
	}))
	topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(m.props.AlertEmail), nil))
	m.AlertTopic = topic
}
