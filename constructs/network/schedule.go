package network

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// stopNAT stops the NAT instance at each window's start and starts it at
// its end (UTC), with EventBridge Scheduler: while the environment's
// database sleeps nothing in the VPC needs the internet, and a stopped
// instance costs neither its hours nor its public address. The schedules'
// role may only stop and start this instance, for this account's schedules.
func (n *Network) stopNAT(p Props) {
	self := n.Construct
	stack := awscdk.Stack_Of(self)
	instance := fmt.Sprintf("arn:%s:ec2:%s:%s:instance/%s", *stack.Partition(), *stack.Region(), *stack.Account(), *n.NATInstance.InstanceId())
	role := awsiam.NewRole(self, jsii.String("NatSchedulerRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		}),
		Description: jsii.String("Stops and starts the NAT instance of the " + p.Description + " VPC on schedule"),
	})
	policy := awsiam.NewManagedPolicy(self, jsii.String("NatSchedulerPolicy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("ec2:StopInstances", "ec2:StartInstances"),
			Resources: jsii.Strings(instance),
		})},
	})
	for i, w := range p.StopSchedule {
		for _, s := range []struct {
			id, name, action, verb string
			at                     config.ClockTime
		}{
			{fmt.Sprintf("NatStop%d", i+1), fmt.Sprintf("%s-nat-stop-%d", p.SchedulePrefix, i+1), "stopInstances", "Stops", w.Start},
			{fmt.Sprintf("NatStart%d", i+1), fmt.Sprintf("%s-nat-start-%d", p.SchedulePrefix, i+1), "startInstances", "Starts", w.End},
		} {
			schedule := awsscheduler.NewCfnSchedule(self, jsii.String(s.id), &awsscheduler.CfnScheduleProps{
				Name:                       jsii.String(s.name),
				Description:                jsii.String(s.verb + " the NAT instance of the " + p.Description + " VPC daily at " + s.at.String() + " UTC"),
				ScheduleExpression:         jsii.String(s.at.Cron()),
				ScheduleExpressionTimezone: jsii.String("UTC"),
				FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
				State:                      jsii.String("ENABLED"),
				Target: &awsscheduler.CfnSchedule_TargetProperty{
					Arn:     jsii.String("arn:aws:scheduler:::aws-sdk:ec2:" + s.action),
					RoleArn: role.RoleArn(),
					Input:   awscdk.Fn_Sub(jsii.String(`{"InstanceIds":["${Id}"]}`), &map[string]*string{"Id": n.NATInstance.InstanceId()}),
					RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
						MaximumRetryAttempts: jsii.Number(3), MaximumEventAgeInSeconds: jsii.Number(3600),
					},
				},
			})
			schedule.Node().AddDependency(policy)
		}
	}
}
