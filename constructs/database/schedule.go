package database

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// stopSchedule stops the instance at each window's start and starts it at its
// end (UTC) with EventBridge Scheduler; its role may only stop and start
// this instance, and only this account's schedules may assume it.
func stopSchedule(scope constructs.Construct, instance awsrds.IDatabaseInstance, p Props) {
	account := awscdk.Stack_Of(scope).Account()
	role := awsiam.NewRole(scope, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": account},
		}),
		Description: jsii.String("Stops and starts the MedBookings " + p.Identifier + " database on schedule"),
	})
	awsiam.NewManagedPolicy(scope, jsii.String("SchedulerPolicy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("rds:StopDBInstance", "rds:StartDBInstance"),
			Resources: jsii.Strings(*instance.InstanceArn()),
		})},
	})
	for i, w := range p.StopSchedule {
		suffix := ""
		if i > 0 {
			suffix = fmt.Sprint(i + 1)
		}
		for _, s := range []struct{ id, name, action, verb, at, cron string }{
			{"StopSchedule" + suffix, fmt.Sprintf("%s-stop-%d", p.Identifier, i+1), "stopDBInstance", "Stops", w.Start.String(), w.Start.Cron()},
			{"StartSchedule" + suffix, fmt.Sprintf("%s-start-%d", p.Identifier, i+1), "startDBInstance", "Starts", w.End.String(), w.End.Cron()},
		} {
			awsscheduler.NewCfnSchedule(scope, jsii.String(s.id), &awsscheduler.CfnScheduleProps{
				// Named after the instance: the environment's execution
				// policy allows its own schedules' names.
				Name:                       jsii.String(s.name),
				Description:                jsii.String(s.verb + " the " + p.Identifier + " database daily at " + s.at + " UTC"),
				ScheduleExpression:         jsii.String(s.cron),
				ScheduleExpressionTimezone: jsii.String("UTC"),
				FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
				State:                      jsii.String("ENABLED"),
				Target: &awsscheduler.CfnSchedule_TargetProperty{
					Arn:     jsii.String("arn:aws:scheduler:::aws-sdk:rds:" + s.action),
					RoleArn: role.RoleArn(),
					Input:   jsii.String(`{"DbInstanceIdentifier":"` + p.Identifier + `"}`),
					RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
						MaximumRetryAttempts: jsii.Number(3), MaximumEventAgeInSeconds: jsii.Number(3600),
					},
				},
			})
		}
	}
}
