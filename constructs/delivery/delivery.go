// Package delivery is the AWS side of the GitHub Actions pipeline, created
// once per account (stack MedBookingsDelivery):
//
//   - the account's GitHub OIDC provider;
//   - the pull-request role, which can read the MedBookings stacks'
//     templates and nothing else (cdk diff);
//   - per environment, the deploy role its GitHub environment's jobs assume:
//     it can assume only that environment's CDK bootstrap roles (its own
//     bootstrap qualifier), read its stacks' outputs and its build secret,
//     notify its alert topic and snapshot its database;
//   - per environment, the CloudFormation execution policy and the
//     permissions boundary that the environment's bootstrap uses (`cdk
//     bootstrap --cloudformation-execution-policies ...
//     --custom-permissions-boundary ... --apply-permissions-boundary-to-all-roles`,
//     docs/runbook.md): what CloudFormation may do when it deploys that
//     environment, and the ceiling of every role involved, which denies the
//     other environments, this stack, the bootstrap stacks and any way
//     around the boundary.
//
// No long-lived key exists anywhere. Confine is the other half: it puts the
// environment's IAM path and boundary on every role its stacks create.
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
	// OIDCHost issues GitHub Actions' OIDC tokens; its claims are prefixed with it.
	OIDCHost = "token.actions.githubusercontent.com"
	// Audience is the aud claim aws-actions/configure-aws-credentials asks for.
	Audience = "sts.amazonaws.com"
	// DiffRoleName is fixed so that a workflow can name the role as
	// arn:aws:iam::<account>:role/<name> (a repository variable holds only
	// the account ID); DeployRoleName gives the deploy roles' names.
	DiffRoleName = "medbookings-github-diff"
	// DeployRoleNamePrefix begins every deploy role's name (see DeployRoleName).
	DeployRoleNamePrefix = "medbookings-github-deploy-"
	// DeployMaxSessionHours bounds one deploy job: a Multi-AZ or instance
	// class change can keep `cdk deploy` waiting for well over an hour.
	DeployMaxSessionHours = 2
	// MaxEnvironmentLength keeps DeployRoleName within IAM's 64 characters.
	MaxEnvironmentLength = 64 - len(DeployRoleNamePrefix)
	// ToolkitStackPrefix begins the name of every CDK bootstrap stack
	// (CDKToolkit, CDKToolkit-<environment>).
	ToolkitStackPrefix = "CDKToolkit"
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

// BoundaryPolicyName is the name of an environment's permissions boundary
// (the value of `cdk bootstrap --custom-permissions-boundary`).
func BoundaryPolicyName(environment string) string { return "medbookings-" + environment + "-boundary" }

// ExecutionPolicyName is the name of an environment's CloudFormation
// execution policy (`cdk bootstrap --cloudformation-execution-policies`).
func ExecutionPolicyName(environment string) string {
	return "medbookings-" + environment + "-cfn-exec"
}

// IAMPath is the path of every role, managed policy and instance profile an
// environment's stacks create; the execution policy lets CloudFormation
// manage IAM only below it.
func IAMPath(environment string) string { return "/medbookings/" + environment + "/" }

// ToolkitStackName is the bootstrap stack of an environment's qualifier.
func ToolkitStackName(environment string) string { return ToolkitStackPrefix + "-" + environment }

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

// Stack is a stack the workflows diff or deploy.
type Stack struct {
	Name, Region string
}

// Target is one environment the workflows deploy, and what its stacks
// create: the execution policy and the boundary are built from it.
type Target struct {
	// Environment is the GitHub environment (and MedBookings environment)
	// whose jobs alone may assume the target's deploy role.
	Environment string
	// Qualifier is the environment's CDK bootstrap qualifier.
	Qualifier string
	// Stacks are the environment's stacks (its edge stack first).
	Stacks []Stack
	// InstanceIdentifier is the environment's RDS instance (pre-deploy
	// snapshots; a name no other environment's resources start with).
	InstanceIdentifier string
	// Prefix begins the name of the environment's functions, buckets, log
	// groups, schedules and launch templates (medbookings-<environment>);
	// UploadsBucket is the one bucket named otherwise.
	Prefix, UploadsBucket string
	// AlarmPrefix begins its alarms', dashboard's and budget's names
	// (MedBookings-<Title>).
	AlarmPrefix string
	// Services are the IAM service prefixes of what its stacks create
	// (ServiceOf of every resource type): the execution policy allows no other.
	Services []string
	// HostedZoneID and RecordNames: the Route 53 zone its stacks write to
	// ("" for none) and the record names they may change in it.
	HostedZoneID string
	RecordNames  []string
	// BuildSecret is the name of the environment's build secret, which its
	// deploy role may read; SecretPrefix begins the name of every secret
	// its stacks name (medbookings/<environment>/).
	BuildSecret, SecretPrefix string
	// Protected environments keep their data whatever a deployment asks:
	// the boundary denies deleting the database, buckets, keys, secrets and
	// log groups (production).
	Protected bool
}

// Props are what the delivery construct is built from.
type Props struct {
	// Repository is the GitHub repository, owner/name, whose workflows may
	// assume the roles.
	Repository string
	// Targets get one deploy role, execution policy and boundary each, in
	// this order.
	Targets []Target
	// OIDCProviderARN is "" to create the account's GitHub OIDC provider,
	// or the ARN of the one the account already has.
	OIDCProviderARN string
	// StackName is the delivery stack's own name: only an administrator
	// may change it.
	StackName string
}

// Environment is what one target got.
type Environment struct {
	// Environment is the target's environment.
	Environment string
	// Role is the deploy role of the environment's GitHub jobs; Policy its
	// permissions.
	Role   awsiam.IRole
	Policy awsiam.IManagedPolicy
	// Execution is the CloudFormation execution policy of the environment's
	// bootstrap; Boundary the permissions boundary of every role of its
	// bootstrap and its stacks.
	Execution, Boundary awsiam.IManagedPolicy
}

// Delivery is the OIDC provider and the roles and policies.
type Delivery struct {
	constructs.Construct
	// ProviderARN is the GitHub OIDC provider's ARN (created or imported).
	ProviderARN *string
	// Provider is the provider this construct created, nil when imported.
	Provider awsiam.IOidcProvider
	// DiffRole may only read the stacks' templates.
	DiffRole   awsiam.IRole
	DiffPolicy awsiam.IManagedPolicy
	// Environments, one per Props.Targets entry and in its order.
	Environments []Environment

	props   Props
	arn     arns
	targets []Target
}

// arns builds the ARNs of one account; a stack's partition and account are
// tokens in an account-agnostic stack.
type arns struct{ partition, account string }

func (a arns) of(service, region, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.partition, service, region, a.account, resource)
}
func (a arns) iam(resource string) string { return a.of("iam", "", resource) }
func (a arns) s3(resource string) string  { return fmt.Sprintf("arn:%s:s3:::%s", a.partition, resource) }
func (a arns) stack(s Stack) string       { return a.of("cloudformation", s.Region, "stack/"+s.Name+"/*") }

// bootstrapRole is a CDK bootstrap role (deploy, file-publishing, lookup,
// cfn-exec) of a qualifier in a region.
func (a arns) bootstrapRole(qualifier, kind, region string) string {
	return a.iam(fmt.Sprintf("role/cdk-%s-%s-role-%s-%s", qualifier, kind, a.account, region))
}

// New creates the provider (unless Props.OIDCProviderARN names an existing
// one), the diff role, and per target the deploy role, the execution
// policy and the boundary.
func New(scope constructs.Construct, id string, p Props) *Delivery {
	p.check()
	self := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(self)
	d := &Delivery{Construct: self, props: p, targets: p.Targets,
		arn: arns{partition: *stack.Partition(), account: *stack.Account()}}
	if p.OIDCProviderARN == "" {
		provider := awsiam.NewOidcProviderNative(self, jsii.String("GitHubOidcProvider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + OIDCHost),
			ClientIds: jsii.Strings(Audience),
			// No thumbprints: IAM trusts token.actions.githubusercontent.com
			// through its own CA library and ignores them.
		})
		d.Provider, d.ProviderARN = provider, provider.OidcProviderArn()
	} else {
		d.ProviderARN = jsii.String(p.OIDCProviderARN)
	}
	d.diffRole()
	for _, t := range p.Targets {
		e := Environment{Environment: t.Environment}
		e.Boundary = d.boundary(t)
		e.Execution = d.executionPolicy(t)
		e.Role, e.Policy = d.deployRole(t)
		d.Environments = append(d.Environments, e)
	}
	return d
}

func (p Props) check() {
	if p.Repository == "" || len(p.Targets) == 0 || p.StackName == "" {
		panic("delivery.New: Props.Repository, Targets and StackName are required")
	}
	qualifiers, environments := map[string]bool{}, map[string]bool{}
	for _, t := range p.Targets {
		if t.Environment == "" || t.Qualifier == "" || len(t.Stacks) == 0 || t.Prefix == "" || t.InstanceIdentifier == "" || t.AlarmPrefix == "" ||
			t.UploadsBucket == "" || t.BuildSecret == "" || t.SecretPrefix == "" || len(t.Services) == 0 {
			panic(fmt.Sprintf("delivery.New: target %q needs Environment, Qualifier, Stacks, Prefix, UploadsBucket, AlarmPrefix, "+
				"InstanceIdentifier, BuildSecret, SecretPrefix and Services", t.Environment))
		}
		if len(t.Environment) > MaxEnvironmentLength {
			panic(fmt.Sprintf("delivery.New: environment %q is longer than %d characters (the deploy role's name)", t.Environment, MaxEnvironmentLength))
		}
		if qualifiers[t.Qualifier] {
			panic(fmt.Sprintf("delivery.New: qualifier %q appears twice", t.Qualifier))
		}
		if environments[t.Environment] {
			panic(fmt.Sprintf("delivery.New: environment %q appears twice", t.Environment))
		}
		qualifiers[t.Qualifier], environments[t.Environment] = true, true
	}
	// The boundary denies another environment by its names' prefixes: no
	// prefix may begin another target's (prod and prod-eu would deny
	// prod-eu its own resources).
	for _, a := range p.Targets {
		for _, b := range p.Targets {
			if a.Environment != b.Environment && (strings.HasPrefix(b.Prefix+"-", a.Prefix+"-") || strings.HasPrefix(b.Environment+"-", a.Environment+"-")) {
				panic(fmt.Sprintf("delivery.New: target %q's names begin with %q's (%s-, %s-): the boundaries would deny one its own resources",
					b.Environment, a.Environment, a.Prefix, a.Environment))
			}
		}
	}
}

// trust is the web identity principal of the GitHub jobs with one of subjects.
func (d *Delivery) trust(subjects []string) awsiam.IPrincipal {
	return awsiam.NewWebIdentityPrincipal(d.ProviderARN, &map[string]any{
		"StringEquals": map[string]any{
			OIDCHost + ":aud": Audience,
			OIDCHost + ":sub": subjects,
		},
	})
}

func statement(sid string, actions, resources []string, conditions map[string]any) awsiam.PolicyStatement {
	props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
	if conditions != nil {
		props.Conditions = &conditions
	}
	return awsiam.NewPolicyStatement(props)
}

func deny(sid string, actions, resources []string, conditions map[string]any) awsiam.PolicyStatement {
	s := statement(sid, actions, resources, conditions)
	s.SetEffect(awsiam.Effect_DENY)
	return s
}

// diffRole: a pull request's code is not reviewed yet, so the role its
// workflow gets reads the deployed templates and nothing else: no lookup
// role (`cdk diff --method template` reads the templates with the job's
// own credentials when it cannot assume one), no logs, no objects, no
// secrets.
func (d *Delivery) diffRole() {
	var stacks []string
	for _, t := range d.targets {
		for _, s := range t.Stacks {
			stacks = append(stacks, d.arn.stack(s))
		}
	}
	stacks = append(stacks, d.arn.stack(Stack{Name: d.props.StackName, Region: *awscdk.Stack_Of(d.Construct).Region()}))
	d.DiffRole = awsiam.NewRole(d.Construct, jsii.String("DiffRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(DiffRoleName),
		Description: jsii.String("GitHub Actions, pull requests of " + d.props.Repository + ": cdk diff (reads the stacks' templates)"),
		AssumedBy:   d.trust([]string{PullRequestSubject(d.props.Repository)}),
	})
	d.DiffPolicy = awsiam.NewManagedPolicy(d.Construct, jsii.String("DiffPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("cdk diff of the MedBookings stacks: their deployed templates, nothing else"),
		Roles:       &[]awsiam.IRole{d.DiffRole},
		Statements: &[]awsiam.PolicyStatement{
			statement("ReadTemplates", []string{"cloudformation:DescribeStacks", "cloudformation:GetTemplate"}, stacks, nil),
		},
	})
	compliance.SuppressOnly(d.DiffPolicy, "AwsSolutions-IAM5",
		"A stack's ARN ends in the ID CloudFormation generates when it creates the stack (stack/<name>/<id>); the name before it is exact.",
		d.findings(stacks...)...)
}

// findings are the IAM5 findings of resources as cdk-nag prints them (an
// unresolved account is <AWS::AccountId>).
func (d *Delivery) findings(resources ...string) []string {
	var out []string
	for _, r := range resources {
		if !strings.Contains(r, "*") {
			continue // cdk-nag reports wildcards only
		}
		if *awscdk.Token_IsUnresolved(jsii.String(d.arn.account)) {
			r = strings.ReplaceAll(r, d.arn.account, "<AWS::AccountId>")
		}
		out = append(out, "Resource::"+r)
	}
	return out
}

// deployRole: one per GitHub environment, so that a job of one environment
// (and its approval and branch rules) can reach only that environment's
// bootstrap roles, whose boundary denies everything of the others.
func (d *Delivery) deployRole(t Target) (awsiam.IRole, awsiam.IManagedPolicy) {
	title := EnvironmentTitle(t.Environment)
	role := awsiam.NewRole(d.Construct, jsii.String("DeployRole"+title), &awsiam.RoleProps{
		RoleName: jsii.String(DeployRoleName(t.Environment)),
		Description: jsii.String("GitHub Actions, environment " + t.Environment + " of " + d.props.Repository +
			": cdk deploy through the " + t.Qualifier + " bootstrap roles"),
		AssumedBy:          d.trust([]string{EnvironmentSubject(d.props.Repository, t.Environment)}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(DeployMaxSessionHours)),
	})
	var bootstrap, stacks, topics []string
	regions := map[string]bool{}
	for _, s := range t.Stacks {
		stacks = append(stacks, d.arn.stack(s))
		if !regions[s.Region] {
			regions[s.Region] = true
			bootstrap = append(bootstrap, d.arn.bootstrapRole(t.Qualifier, "deploy", s.Region), d.arn.bootstrapRole(t.Qualifier, "file-publishing", s.Region))
		}
	}
	main := t.Stacks[len(t.Stacks)-1]
	topics = append(topics, d.arn.of("sns", main.Region, main.Name+"-*"))
	buildSecret := d.arn.of("secretsmanager", main.Region, "secret:"+t.BuildSecret+"-??????")
	policy := awsiam.NewManagedPolicy(d.Construct, jsii.String("DeployPolicy"+title), &awsiam.ManagedPolicyProps{
		Description: jsii.String("cdk deploy of MedBookings " + t.Environment + " through its bootstrap roles (qualifier " + t.Qualifier +
			"), its build secret, its alert topic and the pre-deploy snapshot of " + t.InstanceIdentifier),
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			statement("AssumeOwnBootstrapRoles", []string{"sts:AssumeRole", "sts:TagSession"}, bootstrap, nil),
			statement("ReadStackOutputs", []string{"cloudformation:DescribeStacks"}, stacks, nil),
			statement("ReadBuildSecret", []string{"secretsmanager:GetSecretValue"}, []string{buildSecret}, nil),
			statement("DecryptBuildSecret", []string{"kms:Decrypt"}, []string{d.arn.of("kms", main.Region, "key/*")}, map[string]any{
				"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + main.Region + ".amazonaws.com"},
				"StringLike":   map[string]any{"kms:EncryptionContext:SecretARN": d.arn.of("secretsmanager", main.Region, "secret:"+t.BuildSecret+"-*")},
			}),
			statement("NotifyDeployments", []string{"sns:Publish"}, topics, nil),
			statement("EncryptNotifications", []string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{d.arn.of("kms", main.Region, "key/*")}, map[string]any{
				"StringEquals": map[string]any{"kms:ViaService": "sns." + main.Region + ".amazonaws.com"},
			}),
			// The environment's instance has a fixed identifier; the
			// snapshot is named after the commit it precedes.
			statement("SnapshotInstance", []string{"rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"},
				[]string{d.arn.of("rds", main.Region, "db:"+t.InstanceIdentifier)}, nil),
			statement("PreDeploySnapshots", []string{"rds:AddTagsToResource", "rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"},
				[]string{d.arn.of("rds", main.Region, "snapshot:"+SnapshotPrefix(t.Environment)+"*")}, nil),
		},
	})
	findings := d.findings(append(append(stacks, topics...), buildSecret, d.arn.of("kms", main.Region, "key/*"),
		d.arn.of("rds", main.Region, "snapshot:"+SnapshotPrefix(t.Environment)+"*"))...)
	compliance.SuppressOnly(policy, "AwsSolutions-IAM5",
		"Every '*' stands for a part AWS generates: the stack ID after the stack's name, the alert topic's generated name after the "+
			"stack's, the 6 random characters after the build secret's name, and the pre-deploy snapshot's commit SHA. The key is "+
			"the environment's data key, reachable only through Secrets Manager for the build secret (kms:ViaService and the "+
			"secret's ARN in the encryption context) and through SNS for the topic.",
		findings...)
	return role, policy
}
