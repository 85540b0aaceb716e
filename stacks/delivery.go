package stacks

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
)

// DeployRoleOutputName is the delivery stack's output holding the ARN of an
// environment's deploy role, e.g. DeployRoleStagingArn.
func DeployRoleOutputName(environment string) string {
	return "DeployRole" + delivery.EnvironmentTitle(environment) + "Arn"
}

// DeliveryStack holds the GitHub OIDC provider, the workflows' roles, and
// each environment's CloudFormation execution policy and permissions boundary.
type DeliveryStack struct {
	awscdk.Stack
	Delivery *delivery.Delivery
	// Targets are what the delivery construct was told about each
	// environment, in its order.
	Targets []delivery.Target
}

// Deployed is one environment's stacks, as the delivery stack needs them.
type Deployed struct {
	Environment Environment
	Edge        *EdgeStack
	Stack       *MedBookingsStack
}

// NewDeliveryStack creates the MedBookingsDelivery stack in scope from the
// environments' stacks (what they create decides what their execution
// policies allow), with the provider, role and policy names as outputs.
func NewDeliveryStack(scope constructs.Construct, s *Settings, envs []Deployed) *DeliveryStack {
	var account *string
	if s.Shared.Account != "" {
		account = jsii.String(s.Shared.Account)
	}
	stack := newStack(scope, DeliveryStackName,
		"MedBookings delivery (account-wide): GitHub Actions OIDC provider, the roles for cdk diff and cdk deploy, "+
			"and each environment's CloudFormation execution policy and permissions boundary",
		&awscdk.Environment{Region: jsii.String(s.Shared.Region), Account: account}, "",
		// Deleting it locks the pipeline out; it holds nothing stateful.
		true, map[string]string{TagProject: ProjectName, TagManagedBy: ManagedBy})
	targets := make([]delivery.Target, len(envs))
	for i, d := range envs {
		targets[i] = deliveryTarget(d)
	}
	d := delivery.New(stack, "Delivery", delivery.Props{
		Repository:      Repository(s.Shared.GitHubRepository),
		Targets:         targets,
		OIDCProviderARN: s.Delivery.OIDCProviderARN,
		StackName:       DeliveryStackName,
	})
	out := func(name string, value *string, desc string) {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(desc)})
	}
	out("GitHubOidcProviderArn", d.ProviderARN, "IAM OIDC provider of "+delivery.OIDCHost)
	out("DiffRoleArn", d.DiffRole.RoleArn(), "Role of the pull request workflow (cdk diff: reads the stacks' templates)")
	for i, e := range d.Environments {
		t := targets[i]
		out(DeployRoleOutputName(e.Environment), e.Role.RoleArn(),
			"Role of the "+e.Environment+" deploy workflow (cdk deploy through the "+t.Qualifier+" bootstrap roles)")
		out("ExecutionPolicy"+delivery.EnvironmentTitle(e.Environment)+"Arn", e.Execution.ManagedPolicyArn(),
			"cdk bootstrap --qualifier "+t.Qualifier+" --cloudformation-execution-policies <this> (docs/runbook.md)")
		out("Boundary"+delivery.EnvironmentTitle(e.Environment)+"Name", jsii.String(delivery.BoundaryPolicyName(e.Environment)),
			"cdk bootstrap --qualifier "+t.Qualifier+" --custom-permissions-boundary <this> --apply-permissions-boundary-to-all-roles")
	}
	return &DeliveryStack{Stack: stack, Delivery: d, Targets: targets}
}

// deliveryTarget describes one environment to the delivery construct: its
// names, and the services and DNS records its stacks create.
func deliveryTarget(d Deployed) delivery.Target {
	e := d.Environment
	t := delivery.Target{
		Environment:        e.Name,
		Qualifier:          e.Qualifier,
		Stacks:             []delivery.Stack{{Name: e.EdgeStackName, Region: *d.Edge.Region()}, {Name: e.StackName, Region: *d.Stack.Region()}},
		InstanceIdentifier: e.Prefix,
		Prefix:             e.Prefix,
		UploadsBucket:      e.UploadsBucket,
		AlarmPrefix:        "MedBookings-" + e.Title,
		BuildSecret:        hosting.SecretName(e.Name, "build"),
		SecretPrefix:       hosting.SecretName(e.Name, ""),
		Services:           ServicesOf(d.Edge.Stack, d.Stack.Stack),
		HostedZoneID:       e.HostedZoneID,
		Protected:          e.Settings.RetainOnDelete,
	}
	if e.HostedZoneID != "" {
		names := map[string]bool{}
		for _, h := range e.Hosts {
			// the host, and ACM's validation record: _<32 hex digits>.<host>
			names[h], names["_"+strings.Repeat("?", 32)+"."+h] = true, true
		}
		for _, r := range d.Stack.Hosting.DNSRecords {
			names[strings.TrimSuffix(r.Name, ".")] = true
		}
		for n := range names {
			t.RecordNames = append(t.RecordNames, n)
		}
		slices.Sort(t.RecordNames)
	}
	return t
}

// ServicesOf are the IAM service prefixes of every resource in stacks,
// sorted. It panics on a resource type the execution policy does not know:
// such a stack could not be deployed through its bootstrap.
func ServicesOf(stacks ...awscdk.Stack) []string {
	seen := map[string]bool{}
	for _, st := range stacks {
		for _, c := range *st.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			r, ok := c.(awscdk.CfnResource)
			if !ok {
				continue
			}
			typ := *r.CfnResourceType()
			svc, known := delivery.ServiceOf(typ)
			if !known {
				panic("stacks: " + *st.StackName() + " creates " + typ + ", which the execution policy does not know: add it to delivery.ServiceOf")
			}
			seen[svc] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Repository is owner/name of a https://github.com/owner/name URL.
func Repository(url string) string {
	const prefix = "https://github.com/"
	if len(url) > len(prefix) && url[:len(prefix)] == prefix {
		return url[len(prefix):]
	}
	return url
}
