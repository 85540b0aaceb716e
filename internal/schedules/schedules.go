// Package schedules makes EventBridge Scheduler schedules the same way for
// every construct that has them (the database's and the NAT instance's stop
// and start, the app's jobs): a role of their own that only this account's
// schedules may assume, allowed exactly the calls they make, and schedules
// in UTC that fire on time and retry a failed call.
package schedules

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NewRole creates <id>Role, which EventBridge Scheduler assumes for this
// account's schedules only (aws:SourceAccount), and <id>Policy, a customer
// managed policy of that role that allows actions on resources.
func NewRole(scope constructs.Construct, id, description string, actions []string, resources []*string) (awsiam.Role, awsiam.ManagedPolicy) {
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(scope).Account()},
		}),
		Description: jsii.String(description),
	})
	policy := awsiam.NewManagedPolicy(scope, jsii.String(id+"Policy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: &resources,
		})},
	})
	return role, policy
}

// Schedule is one schedule: its construct ID, name (the environment's
// execution policy allows its own prefix), description, expression (UTC),
// what it calls with which input, and how often and how long a failed call
// is retried.
type Schedule struct {
	ID, Name, Description, Expression string
	Target, Input                     *string
	Retries, MaxAgeSeconds            float64
}

// New creates s in scope, calling its target as role.
func New(scope constructs.Construct, role awsiam.IRole, s Schedule) awsscheduler.CfnSchedule {
	return awsscheduler.NewCfnSchedule(scope, jsii.String(s.ID), &awsscheduler.CfnScheduleProps{
		Name:                       jsii.String(s.Name),
		Description:                jsii.String(s.Description),
		ScheduleExpression:         jsii.String(s.Expression),
		ScheduleExpressionTimezone: jsii.String("UTC"),
		FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		State:                      jsii.String("ENABLED"),
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     s.Target,
			RoleArn: role.RoleArn(),
			Input:   s.Input,
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts: jsii.Number(s.Retries), MaximumEventAgeInSeconds: jsii.Number(s.MaxAgeSeconds),
			},
		},
	})
}
