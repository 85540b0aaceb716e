package database

import (
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// suppress records the compliance findings this design accepts, each on the
// narrowest construct, with the reason.
func (d *Database) suppress(p Props) {
	fn := d.Construct.Node().FindChild(jsii.String("RolesFunction"))
	compliance.Suppress(fn, map[string]string{
		"HIPAA.Security-LambdaConcurrency": "Invoked only by CloudFormation, once per deployment that changes its inputs. Reserved concurrency would be taken from the account's unreserved pool for a function that runs a few seconds a month.",
		"HIPAA.Security-LambdaDLQ":         "A CloudFormation custom resource: every invocation's outcome is reported to CloudFormation (the stack operation fails and rolls back on error) and logged to its KMS-encrypted log group; a dead-letter queue would hold events nobody can replay.",
	})
	rds := map[string]string{
		"AwsSolutions-RDS11": "Port 5432 is kept: the instance is in isolated subnets without a route out of the VPC and admits only the security groups of our own functions; a non-default port would hide nothing and every client, Prisma included, would need it configured.",
	}
	if !p.MultiAZ {
		rds["AwsSolutions-RDS3"] = "Staging runs single-AZ by design (cost; requirement FR-2.1); production is Multi-AZ (multiAz in context)."
		rds["HIPAA.Security-RDSMultiAZSupport"] = rds["AwsSolutions-RDS3"]
	}
	if !p.DeletionProtection {
		rds["AwsSolutions-RDS10"] = "Staging is meant to be torn down and rebuilt; it still takes a final snapshot on delete and replacement. Production has deletion protection (deletionProtection in context)."
		rds["HIPAA.Security-RDSInstanceDeletionProtectionEnabled"] = rds["AwsSolutions-RDS10"]
	}
	if p.MonitoringInterval == nil {
		rds["HIPAA.Security-RDSEnhancedMonitoringEnabled"] = "Enhanced Monitoring is off in this environment (enhancedMonitoring in context): its OS metrics are read only when someone investigates a performance problem, which staging does not need; CloudWatch's instance metrics and Database Insights (standard) stay on. Production has it."
	}
	compliance.Suppress(d.Instance, rds)
	if role := d.Construct.Node().TryFindChild(jsii.String("MonitoringRole")); role != nil {
		compliance.SuppressOnly(role, "AwsSolutions-IAM4",
			"AmazonRDSEnhancedMonitoringRole is the AWS-managed policy RDS documents for Enhanced Monitoring; it only lets RDS write the RDSOSMetrics log group.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
	}
}
