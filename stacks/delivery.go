package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
)

// DeployRoleOutputName is the delivery stack's output holding the ARN of an
// environment's deploy role, e.g. DeployRoleStagingArn.
func DeployRoleOutputName(environment string) string {
	return "DeployRole" + delivery.EnvironmentTitle(environment) + "Arn"
}

// DeliveryStack holds the GitHub OIDC provider and the workflows' roles.
type DeliveryStack struct {
	awscdk.Stack
	Delivery *delivery.Delivery
}

// NewDeliveryStack creates the MedBookingsDelivery stack in scope, with the
// provider and role ARNs as outputs (GitHubOidcProviderArn, DiffRoleArn and
// DeployRole<Title>Arn per environment).
func NewDeliveryStack(scope constructs.Construct, s *Settings, envs []Environment, stackNames []string) *DeliveryStack {
	var account *string
	if s.Shared.Account != "" {
		account = jsii.String(s.Shared.Account)
	}
	stack := newStack(scope, DeliveryStackName,
		"MedBookings delivery (account-wide): GitHub Actions OIDC provider and the roles for cdk diff and cdk deploy",
		&awscdk.Environment{Region: jsii.String(s.Shared.Region), Account: account},
		// Deleting it locks the pipeline out; it holds nothing stateful.
		true, map[string]string{TagProject: ProjectName, TagManagedBy: ManagedBy})
	targets := make([]delivery.Target, len(envs))
	for i, e := range envs {
		targets[i] = delivery.Target{Environment: e.Name, InstanceIdentifier: e.Prefix}
	}
	d := delivery.NewDelivery(stack, jsii.String("Delivery"), &delivery.Props{
		Repository:      Repository(s.Shared.GitHubRepository),
		Targets:         targets,
		OIDCProviderARN: s.Delivery.OIDCProviderARN,
		// The pull request workflow diffs this stack too: a change of the
		// roles' trust is what a reviewer most needs to see.
		StackNames: append(append([]string{}, stackNames...), DeliveryStackName),
	})
	out := func(name string, value *string, desc string) {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(desc)})
	}
	out("GitHubOidcProviderArn", d.ProviderArn, "IAM OIDC provider of "+delivery.OidcHost)
	out("DiffRoleArn", d.DiffRole.RoleArn(), "Role of the pull request workflow (cdk diff, read only)")
	for i, r := range d.DeployRoles {
		out(DeployRoleOutputName(r.Environment), r.Role.RoleArn(),
			"Role of the "+r.Environment+" deploy workflow (cdk deploy, pre-deploy snapshot of "+targets[i].InstanceIdentifier+")")
	}
	return &DeliveryStack{Stack: stack, Delivery: d}
}

// Repository is owner/name of a https://github.com/owner/name URL.
func Repository(url string) string {
	const prefix = "https://github.com/"
	if len(url) > len(prefix) && url[:len(prefix)] == prefix {
		return url[len(prefix):]
	}
	return url
}
