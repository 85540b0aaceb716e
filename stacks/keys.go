package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// newDataKey is the environment's key for data at rest: the database
// (storage, snapshots, Performance Insights), the secrets, the log groups
// and the static files. It is always retained: the final snapshot of a
// deleted database cannot be restored without it.
//
// It is the key the database construct created before 2026-12
// (Database/Key): its logical ID is pinned (legacy.go), because a new key
// would replace the database instance.
func newDataKey(stack awscdk.Stack, e Environment) awskms.Key {
	key := awskms.NewKey(stack, jsii.String("DataKey"), &awskms.KeyProps{
		Description:       jsii.String("MedBookings " + e.Name + " data at rest: database, snapshots, Performance Insights, secrets, logs, static files"),
		Alias:             jsii.String("alias/medbookings/" + e.Name + "/data"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		PendingWindow:     awscdk.Duration_Days(jsii.Number(30)),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), *stack.Region(), *stack.Account()),
		}},
	}), jsii.Bool(true))
	compliance.GuardGrants(key)
	return key
}
