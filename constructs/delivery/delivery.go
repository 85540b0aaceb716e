// Package delivery is the AWS side of the GitHub Actions pipeline: the
// account's GitHub OIDC provider and the two roles the workflows assume with
// it, one that can only read (cdk diff on pull requests) and one that can
// only deploy (cdk deploy through the CDK bootstrap roles, plus the
// pre-deploy database snapshot). No long-lived key exists anywhere.
package delivery

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// Facts the workflows, the docs and the tests rely on.
const (
	// OidcHost issues GitHub Actions' OIDC tokens; its claims are prefixed with it.
	OidcHost = "token.actions.githubusercontent.com"
	// Audience is the aud claim aws-actions/configure-aws-credentials asks for.
	Audience = "sts.amazonaws.com"
	// DiffRoleName and DeployRoleName are fixed so that a workflow can name
	// the role as arn:aws:iam::<account>:role/<name> (a repository variable
	// holds only the account ID).
	DiffRoleName   = "medbookings-github-diff"
	DeployRoleName = "medbookings-github-deploy"
	// BootstrapQualifier is the default qualifier of `cdk bootstrap`, part of
	// the bootstrap roles' names.
	BootstrapQualifier = "hnb659fds"
	// DeployMaxSessionHours bounds one deploy job: a Multi-AZ or instance
	// class change can keep `cdk deploy` waiting for well over an hour.
	DeployMaxSessionHours = 2
	// ProjectTagKey/ProjectTagValue mark the RDS instances the deploy role
	// may snapshot (every resource of the environment stacks carries them).
	ProjectTagKey   = "Project"
	ProjectTagValue = "MedBookings"
)

// PullRequestSubject is the sub claim of a pull_request job that does not
// name a GitHub environment (the only claim the diff role trusts).
func PullRequestSubject(repository string) string { return "repo:" + repository + ":pull_request" }

// EnvironmentSubject is the sub claim of a job that runs in a GitHub environment.
func EnvironmentSubject(repository, environment string) string {
	return "repo:" + repository + ":environment:" + environment
}

// SnapshotPrefix is how the pre-deploy snapshot of an environment's database
// begins; the workflow appends the commit SHA.
func SnapshotPrefix(environment string) string { return "medbookings-" + environment + "-predeploy-" }

// Props are what the delivery construct is built from.
type Props struct {
	// Config is medbookings.delivery.
	Config Config
	// StackNames are the stacks the workflows diff and whose outputs they
	// read (the environment stacks and the delivery stack itself).
	StackNames []string
}

// Delivery is the OIDC provider and the two roles.
type Delivery struct {
	// ProviderArn is the GitHub OIDC provider's ARN (created or imported).
	ProviderArn *string
	// Provider is the provider this construct created, nil when imported.
	Provider awsiam.IOidcProvider
	// DiffRole may only read: assume the CDK lookup role and read the stacks.
	DiffRole   awsiam.IRole
	DiffPolicy awsiam.IManagedPolicy
	// DeployRole may only deploy: assume the CDK bootstrap deploy roles,
	// read the stacks' outputs and take the pre-deploy RDS snapshot.
	DeployRole   awsiam.IRole
	DeployPolicy awsiam.IManagedPolicy
}

// NewDelivery creates the provider (unless Config.OidcProviderArn names an
// existing one) and both roles in scope.
func NewDelivery(scope constructs.Construct, id *string, props *Props) *Delivery {
	c := props.Config
	if len(props.StackNames) == 0 {
		panic("delivery: Props.StackNames is empty")
	}
	this := constructs.NewConstruct(scope, id)
	stack := awscdk.Stack_Of(this)
	account, region := *stack.Account(), *stack.Region()

	d := &Delivery{}
	if c.OidcProviderArn == "" {
		p := awsiam.NewOidcProviderNative(this, jsii.String("GitHubOidcProvider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + OidcHost),
			ClientIds: jsii.Strings(Audience),
			// No thumbprints: IAM trusts token.actions.githubusercontent.com
			// through its own CA library and ignores them.
		})
		d.Provider, d.ProviderArn = p, p.OidcProviderArn()
	} else {
		d.ProviderArn = jsii.String(c.OidcProviderArn)
	}

	trust := func(subjects []string) awsiam.IPrincipal {
		return awsiam.NewWebIdentityPrincipal(d.ProviderArn, &map[string]any{
			"StringEquals": map[string]any{
				OidcHost + ":aud": Audience,
				OidcHost + ":sub": subjects,
			},
		})
	}
	stackArns := make([]*string, len(props.StackNames))
	for i, n := range props.StackNames {
		stackArns[i] = jsii.String(fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/*", region, account, n))
	}
	bootstrapRole := func(kind string) *string {
		return jsii.String(fmt.Sprintf("arn:aws:iam::%s:role/cdk-%s-%s-role-%s-%s", account, BootstrapQualifier, kind, account, region))
	}

	// Diff: a pull request's code is not reviewed yet, so the role it gets
	// can read and nothing else.
	diffRole := awsiam.NewRole(this, jsii.String("DiffRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(DiffRoleName),
		Description: jsii.String("GitHub Actions, pull requests of " + c.Repository + ": cdk diff (read only)"),
		AssumedBy:   trust([]string{PullRequestSubject(c.Repository)}),
	})
	diffPolicy := awsiam.NewManagedPolicy(this, jsii.String("DiffPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("cdk diff of the MedBookings stacks: CDK lookup role, CloudFormation reads"),
		Roles:       &[]awsiam.IRole{diffRole},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("AssumeCdkLookupRole"),
				Actions:   jsii.Strings("sts:AssumeRole"),
				Resources: &[]*string{bootstrapRole("lookup")},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadMedBookingsStacks"),
				Actions:   jsii.Strings("cloudformation:DescribeStackResources", "cloudformation:DescribeStacks", "cloudformation:GetTemplate"),
				Resources: &stackArns,
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ListStacks"),
				Actions:   jsii.Strings("cloudformation:ListStacks"),
				Resources: jsii.Strings("*"),
			}),
		},
	})

	deploySubjects := make([]string, len(c.DeployEnvironments))
	snapshotArns := make([]*string, len(c.DeployEnvironments))
	for i, e := range c.DeployEnvironments {
		deploySubjects[i] = EnvironmentSubject(c.Repository, e)
		snapshotArns[i] = jsii.String(fmt.Sprintf("arn:aws:rds:%s:%s:snapshot:%s*", region, account, SnapshotPrefix(e)))
	}
	deployRole := awsiam.NewRole(this, jsii.String("DeployRole"), &awsiam.RoleProps{
		RoleName: jsii.String(DeployRoleName),
		Description: jsii.String("GitHub Actions, environments " + strings.Join(c.DeployEnvironments, ", ") +
			" of " + c.Repository + ": cdk deploy and the pre-deploy snapshot"),
		AssumedBy:          trust(deploySubjects),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(DeployMaxSessionHours)),
	})
	deployPolicy := awsiam.NewManagedPolicy(this, jsii.String("DeployPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("cdk deploy of the MedBookings stacks through the CDK bootstrap roles, and the pre-deploy RDS snapshot"),
		Roles:       &[]awsiam.IRole{deployRole},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("AssumeCdkBootstrapRoles"),
				Actions:   jsii.Strings("sts:AssumeRole"),
				Resources: &[]*string{bootstrapRole("deploy"), bootstrapRole("file-publishing"), bootstrapRole("lookup")},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadStackOutputs"),
				Actions:   jsii.Strings("cloudformation:DescribeStacks"),
				Resources: &stackArns,
			}),
			// The instances have generated names, so they are chosen by the
			// tag every resource of the environment stacks carries.
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("SnapshotMedBookingsInstances"),
				Actions:   jsii.Strings("rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"),
				Resources: jsii.Strings(fmt.Sprintf("arn:aws:rds:%s:%s:db:*", region, account)),
				Conditions: &map[string]any{
					"StringEquals": map[string]any{"aws:ResourceTag/" + ProjectTagKey: ProjectTagValue},
				},
			}),
			// The snapshot does not exist yet when it is created, so it has
			// no tag to test: it is chosen by its name.
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("PreDeploySnapshots"),
				Actions:   jsii.Strings("rds:AddTagsToResource", "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"),
				Resources: &snapshotArns,
			}),
		},
	})

	compliance.Suppress(diffPolicy, map[string]string{
		"AwsSolutions-IAM5": "The '*' are forced by the services: CloudFormation stack ARNs end in a generated stack ID " +
			"(stack/<name>/*), and cloudformation:ListStacks supports no resource-level permission.",
	})
	compliance.Suppress(deployPolicy, map[string]string{
		"AwsSolutions-IAM5": "stack/<name>/* only covers the generated stack ID of the named stacks; db:* is narrowed by the " +
			"condition aws:ResourceTag/Project=MedBookings (the instances have generated names); the snapshot ARNs " +
			"are <environment>-predeploy-* because the workflow names each snapshot after the commit it deploys.",
	})

	d.DiffRole, d.DiffPolicy = diffRole, diffPolicy
	d.DeployRole, d.DeployPolicy = deployRole, deployPolicy
	return d
}
