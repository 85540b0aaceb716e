package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
)

// DeliveryStackName is the account-wide stack of the GitHub Actions
// pipeline. It is not named MedBookingsInfraStack-<Environment>: it belongs
// to no environment (IAM allows one GitHub OIDC provider per account, so the
// provider cannot live in both environment stacks), it is deployed by hand
// with administrator credentials (the deploy role cannot change its own
// trust through a workflow), and `cdk deploy 'MedBookingsInfraStack-*'`
// leaves it alone.
const DeliveryStackName = "MedBookingsDelivery"

// DeployRoleOutputName is the delivery stack's output holding the ARN of a
// GitHub environment's deploy role, e.g. DeployRoleStagingArn.
func DeployRoleOutputName(environment string) string {
	return "DeployRole" + delivery.EnvironmentTitle(environment) + "Arn"
}

// DeliveryStackProps are what the delivery stack is built from.
type DeliveryStackProps struct {
	Shared Shared
	// Delivery is medbookings.delivery.
	Delivery delivery.Config
	// EnvironmentStackNames are the stacks the workflows diff and deploy.
	EnvironmentStackNames []string
}

// DeliveryStack holds the GitHub OIDC provider and the workflows' roles.
type DeliveryStack struct {
	awscdk.Stack
	Delivery *delivery.Delivery
}

// NewDeliveryStack creates the MedBookingsDelivery stack in scope, with the
// provider and role ARNs as outputs (GitHubOidcProviderArn, DiffRoleArn and
// DeployRole<Environment>Arn per deploy environment: DeployRoleStagingArn,
// DeployRoleProductionArn).
func NewDeliveryStack(scope constructs.Construct, props DeliveryStackProps) *DeliveryStack {
	var account *string
	if props.Shared.Account != "" {
		account = jsii.String(props.Shared.Account)
	}
	tagValues := map[string]*string{
		TagProject:   jsii.String(ProjectName),
		TagManagedBy: jsii.String(ManagedBy),
	}
	stack := awscdk.NewStack(scope, jsii.String(DeliveryStackName), &awscdk.StackProps{
		StackName:   jsii.String(DeliveryStackName),
		Description: jsii.String("MedBookings delivery (account-wide): GitHub Actions OIDC provider and the roles for cdk diff and cdk deploy"),
		Env:         &awscdk.Environment{Region: jsii.String(props.Shared.Region), Account: account},
		// Deleting it locks the pipeline out; it holds nothing stateful.
		TerminationProtection: jsii.Bool(true),
		Tags:                  &tagValues,
	})
	for _, k := range []string{TagProject, TagManagedBy} {
		awscdk.Tags_Of(stack).Add(jsii.String(k), tagValues[k], nil)
	}
	d := delivery.NewDelivery(stack, jsii.String("Delivery"), &delivery.Props{
		Config: props.Delivery,
		// The pull request workflow diffs this stack too: a change of the
		// roles' trust is what a reviewer most needs to see.
		StackNames: append(append([]string{}, props.EnvironmentStackNames...), DeliveryStackName),
	})
	out := func(name string, value *string, desc string) {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(desc)})
	}
	out("GitHubOidcProviderArn", d.ProviderArn, "IAM OIDC provider of "+delivery.OidcHost)
	out("DiffRoleArn", d.DiffRole.RoleArn(), "Role of the pull request workflow (cdk diff, read only)")
	for _, r := range d.DeployRoles {
		out(DeployRoleOutputName(r.Environment), r.Role.RoleArn(),
			"Role of the "+r.Environment+" deploy workflow (cdk deploy, pre-deploy snapshot of "+delivery.InstanceIdentifier(r.Environment)+")")
	}
	return &DeliveryStack{Stack: stack, Delivery: d}
}
