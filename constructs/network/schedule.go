package network

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/schedules"
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
	role, policy := schedules.NewRole(self, "NatScheduler", "Stops and starts the NAT instance of the "+p.Description+" VPC on schedule",
		[]string{"ec2:StopInstances", "ec2:StartInstances"}, []*string{jsii.String(instance)})
	for i, w := range p.StopSchedule {
		for _, s := range []struct {
			id, name, action, verb string
			at                     config.ClockTime
		}{
			{fmt.Sprintf("NatStop%d", i+1), fmt.Sprintf("%s-nat-stop-%d", p.SchedulePrefix, i+1), "stopInstances", "Stops", w.Start},
			{fmt.Sprintf("NatStart%d", i+1), fmt.Sprintf("%s-nat-start-%d", p.SchedulePrefix, i+1), "startInstances", "Starts", w.End},
		} {
			schedule := schedules.New(self, role, schedules.Schedule{
				ID:          s.id,
				Name:        s.name,
				Description: s.verb + " the NAT instance of the " + p.Description + " VPC daily at " + s.at.String() + " UTC",
				Expression:  s.at.Cron(),
				Target:      jsii.String("arn:aws:scheduler:::aws-sdk:ec2:" + s.action),
				Input:       awscdk.Fn_Sub(jsii.String(`{"InstanceIds":["${Id}"]}`), &map[string]*string{"Id": n.NATInstance.InstanceId()}),
				Retries:     3, MaxAgeSeconds: 3600,
			})
			schedule.Node().AddDependency(policy)
		}
	}
}
