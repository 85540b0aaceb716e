package database

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/schedules"
)

// stopSchedule stops the instance at each window's start and starts it at its
// end (UTC) with EventBridge Scheduler; its role may only stop and start
// this instance, and only this account's schedules may assume it.
func stopSchedule(scope constructs.Construct, instance awsrds.IDatabaseInstance, p Props) {
	role, _ := schedules.NewRole(scope, "Scheduler", "Stops and starts the MedBookings "+p.Identifier+" database on schedule",
		[]string{"rds:StopDBInstance", "rds:StartDBInstance"}, []*string{instance.InstanceArn()})
	for i, w := range p.StopSchedule {
		suffix := ""
		if i > 0 {
			suffix = fmt.Sprint(i + 1)
		}
		for _, s := range []struct{ id, name, action, verb, at, cron string }{
			{"StopSchedule" + suffix, fmt.Sprintf("%s-stop-%d", p.Identifier, i+1), "stopDBInstance", "Stops", w.Start.String(), w.Start.Cron()},
			{"StartSchedule" + suffix, fmt.Sprintf("%s-start-%d", p.Identifier, i+1), "startDBInstance", "Starts", w.End.String(), w.End.Cron()},
		} {
			// Named after the instance: the environment's execution policy
			// allows its own schedules' names.
			schedules.New(scope, role, schedules.Schedule{
				ID:          s.id,
				Name:        s.name,
				Description: s.verb + " the " + p.Identifier + " database daily at " + s.at + " UTC",
				Expression:  s.cron,
				Target:      jsii.String("arn:aws:scheduler:::aws-sdk:rds:" + s.action),
				Input:       jsii.String(`{"DbInstanceIdentifier":"` + p.Identifier + `"}`),
				Retries:     3, MaxAgeSeconds: 3600,
			})
		}
	}
}
