package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/edge"
)

// EdgeStack is an environment's companion in us-east-1 (MedBookingsEdge-<Title>):
// what CloudFront can only take from there. The environment stack depends on
// it, so `cdk deploy MedBookingsInfraStack-<Title>` deploys it first; the
// environment stack reads its values with Fn::GetStackOutput (weak
// cross-region references), which never block a change of them.
type EdgeStack struct {
	awscdk.Stack
	// Environment is the environment's name.
	Environment string
	Edge        *edge.Edge
}

// NewEdgeStack creates the edge stack of one environment.
func NewEdgeStack(scope constructs.Construct, e Environment) *EdgeStack {
	stack := newStack(scope, e.EdgeStackName,
		"MedBookings "+e.Name+" edge (us-east-1): CloudFront's certificate and the Lambda@Edge body hash of "+e.StackName,
		&awscdk.Environment{Region: jsii.String(edge.Region), Account: e.Account}, e.Qualifier, e.TerminationProtection, envTags(e))
	var zone awsroute53.IHostedZone
	if e.HostedZoneID != "" {
		zone = awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("HostedZone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(e.HostedZoneID), ZoneName: jsii.String(e.Domain),
		})
	}
	ed := edge.New(stack, "Edge", edge.Props{
		FunctionName: e.Prefix + "-body-hash",
		Description:  e.Name,
		Hosts:        e.Hosts,
		HostedZone:   zone,
		// the environment's retention (settings.go accepts only periods
		// CloudWatch Logs offers)
		LogRetentionDays: e.Settings.Monitoring.LogRetentionDays,
	})
	awscdk.NewCfnOutput(stack, jsii.String("CertificateArn"), &awscdk.CfnOutputProps{
		Value:       ed.Certificate.CertificateArn(),
		Description: jsii.String("CloudFront certificate of " + joinHosts(e.Hosts) + " (validated by DNS: docs/runbook.md)"),
	})
	delivery.Confine(stack, e.Name)
	return &EdgeStack{Stack: stack, Environment: e.Name, Edge: ed}
}

func joinHosts(hosts []string) string {
	out := ""
	for i, h := range hosts {
		if i > 0 {
			out += ", "
		}
		out += h
	}
	return out
}
