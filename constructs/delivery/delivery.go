// Package delivery is the AWS side of the GitHub Actions pipeline: the
// account's GitHub OIDC provider and the roles the workflows assume with it:
// one that can only read (cdk diff on pull requests) and one deploy role per
// GitHub environment (cdk deploy through the CDK bootstrap roles, plus the
// pre-deploy snapshot of that environment's database). No long-lived key
// exists anywhere.
package delivery

import (
	"fmt"
	"strings"
	"unicode"

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
	// DiffRoleName is fixed so that a workflow can name the role as
	// arn:aws:iam::<account>:role/<name> (a repository variable holds only
	// the account ID); DeployRoleName gives the deploy roles' names.
	DiffRoleName = "medbookings-github-diff"
	// DeployRoleNamePrefix begins every deploy role's name (see DeployRoleName).
	DeployRoleNamePrefix = "medbookings-github-deploy-"
	// BootstrapQualifier is the default qualifier of `cdk bootstrap`, part of
	// the bootstrap roles' names.
	BootstrapQualifier = "hnb659fds"
	// DeployMaxSessionHours bounds one deploy job: a Multi-AZ or instance
	// class change can keep `cdk deploy` waiting for well over an hour.
	DeployMaxSessionHours = 2
	// MaxEnvironmentLength keeps DeployRoleName within IAM's 64 characters.
	MaxEnvironmentLength = 64 - len(DeployRoleNamePrefix)
)

// DeployRoleName is the fixed name of the role the jobs of GitHub
// environment environment assume, medbookings-github-deploy-<environment>.
func DeployRoleName(environment string) string { return DeployRoleNamePrefix + environment }

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

// EnvironmentTitle is environment as a construct and output name part:
// "staging" -> "Staging", "pre-prod" -> "PreProd".
func EnvironmentTitle(environment string) string {
	var b strings.Builder
	upper := true
	for _, r := range environment {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if upper {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}

// Target is one environment the workflows deploy.
type Target struct {
	// Environment is the GitHub environment (and MedBookings environment)
	// whose jobs alone may assume the target's deploy role.
	Environment string
	// InstanceIdentifier is the environment's RDS instance (pre-deploy snapshots).
	InstanceIdentifier string
}

// Props are what the delivery construct is built from.
type Props struct {
	// Repository is the GitHub repository, owner/name, whose workflows may
	// assume the roles.
	Repository string
	// Targets get one deploy role each, in this order.
	Targets []Target
	// OIDCProviderARN is "" to create the account's GitHub OIDC provider,
	// or the ARN of the one the account already has.
	OIDCProviderARN string
	// StackNames are the stacks the workflows diff and whose outputs they
	// read (the environment stacks and the delivery stack itself).
	StackNames []string
}

// DeployRole is the role of one GitHub environment's deploy jobs.
type DeployRole struct {
	// Environment is the GitHub environment (and MedBookings environment)
	// whose jobs alone may assume Role.
	Environment string
	Role        awsiam.IRole
	Policy      awsiam.IManagedPolicy
}

// Delivery is the OIDC provider and the roles.
type Delivery struct {
	// ProviderArn is the GitHub OIDC provider's ARN (created or imported).
	ProviderArn *string
	// Provider is the provider this construct created, nil when imported.
	Provider awsiam.IOidcProvider
	// DiffRole may only read: assume the CDK lookup role and read the stacks.
	DiffRole   awsiam.IRole
	DiffPolicy awsiam.IManagedPolicy
	// DeployRoles, one per Props.Targets entry and in its order,
	// may only deploy: assume the CDK bootstrap roles, read the stacks'
	// outputs and take the pre-deploy snapshot of their own environment's
	// instance.
	DeployRoles []DeployRole
}

// NewDelivery creates the provider (unless Config.OidcProviderArn names an
// existing one), the diff role and one deploy role per deploy environment in
// scope.
func NewDelivery(scope constructs.Construct, id *string, props *Props) *Delivery {
	c := props
	if len(props.StackNames) == 0 || len(props.Targets) == 0 || props.Repository == "" {
		panic("delivery: Props.Repository, Targets and StackNames are required")
	}
	this := constructs.NewConstruct(scope, id)
	stack := awscdk.Stack_Of(this)
	partition, account, region := *stack.Partition(), *stack.Account(), *stack.Region()

	d := &Delivery{}
	if c.OIDCProviderARN == "" {
		p := awsiam.NewOidcProviderNative(this, jsii.String("GitHubOidcProvider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + OidcHost),
			ClientIds: jsii.Strings(Audience),
			// No thumbprints: IAM trusts token.actions.githubusercontent.com
			// through its own CA library and ignores them.
		})
		d.Provider, d.ProviderArn = p, p.OidcProviderArn()
	} else {
		d.ProviderArn = jsii.String(c.OIDCProviderARN)
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
		stackArns[i] = jsii.String(fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/*", partition, region, account, n))
	}
	bootstrapRole := func(kind string) *string {
		return jsii.String(fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-%s-role-%s-%s", partition, account, BootstrapQualifier, kind, account, region))
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
	compliance.Suppress(diffPolicy, map[string]string{
		"AwsSolutions-IAM5": "The '*' are forced by the services: CloudFormation stack ARNs end in a generated stack ID " +
			"(stack/<name>/*), and cloudformation:ListStacks supports no resource-level permission.",
	})
	d.DiffRole, d.DiffPolicy = diffRole, diffPolicy

	// Deploy: one role per GitHub environment, so that a job of one
	// environment (and its approval and branch rules) cannot take the role
	// of another. Both still reach the same CDK bootstrap deploy role, which
	// can deploy any stack of the account (docs/runbook.md, security).
	for _, t := range c.Targets {
		e := t.Environment
		title := EnvironmentTitle(e)
		role := awsiam.NewRole(this, jsii.String("DeployRole"+title), &awsiam.RoleProps{
			RoleName: jsii.String(DeployRoleName(e)),
			Description: jsii.String("GitHub Actions, environment " + e + " of " + c.Repository +
				": cdk deploy and the pre-deploy snapshot of " + t.InstanceIdentifier),
			AssumedBy:          trust([]string{EnvironmentSubject(c.Repository, e)}),
			MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(DeployMaxSessionHours)),
		})
		policy := awsiam.NewManagedPolicy(this, jsii.String("DeployPolicy"+title), &awsiam.ManagedPolicyProps{
			Description: jsii.String("cdk deploy of the MedBookings stacks through the CDK bootstrap roles, and the pre-deploy " +
				"snapshot of " + t.InstanceIdentifier),
			Roles: &[]awsiam.IRole{role},
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
				// The environment's instance has a fixed identifier.
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:     jsii.String("SnapshotInstance"),
					Actions: jsii.Strings("rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"),
					Resources: jsii.Strings(fmt.Sprintf("arn:%s:rds:%s:%s:db:%s",
						partition, region, account, t.InstanceIdentifier)),
				}),
				// The snapshot is named after the commit it precedes.
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:     jsii.String("PreDeploySnapshots"),
					Actions: jsii.Strings("rds:AddTagsToResource", "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"),
					Resources: jsii.Strings(fmt.Sprintf("arn:%s:rds:%s:%s:snapshot:%s*",
						partition, region, account, SnapshotPrefix(e))),
				}),
			},
		})
		compliance.Suppress(policy, map[string]string{
			"AwsSolutions-IAM5": "Only two '*', both forced by names that are not known in advance: stack/<name>/* is " +
				"the generated stack ID of the named stacks, and snapshot:" + SnapshotPrefix(e) + "* is the pre-deploy " +
				"snapshot the workflow names after the commit it deploys. The instance is named exactly.",
		})
		d.DeployRoles = append(d.DeployRoles, DeployRole{Environment: e, Role: role, Policy: policy})
	}
	return d
}
