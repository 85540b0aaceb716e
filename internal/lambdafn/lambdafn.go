// Package lambdafn gives every Lambda function of the stacks the same
// footing: an encrypted log group with the environment's retention, and a
// role whose permissions live in one customer managed policy (no inline
// policies, no AWSLambdaBasicExecutionRole that may write every log group of
// the account).
package lambdafn

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// VPCAccessPolicy is the AWS managed policy a function in a VPC needs to
// manage its network interfaces.
const VPCAccessPolicy = "service-role/AWSLambdaVPCAccessExecutionRole"

// LogOptions place a function's log group.
type LogOptions struct {
	// Name is the log group's name; "" lets CloudFormation name it.
	Name          string
	Key           awskms.IKey
	Retention     awslogs.RetentionDays
	RemovalPolicy awscdk.RemovalPolicy
}

// Identity is a function's log group, role and policy.
type Identity struct {
	Logs   awslogs.LogGroup
	Role   awsiam.Role
	Policy awsiam.ManagedPolicy
}

// NewIdentity creates <id>Logs, <id>Role and <id>Policy in scope: a log group,
// a role Lambda assumes, and a customer managed policy that lets the
// function write that log group. inVPC adds the AWS managed policy for the
// function's network interfaces.
func NewIdentity(scope constructs.Construct, id, description string, logs LogOptions, inVPC bool) *Identity {
	lp := &awslogs.LogGroupProps{
		Retention: logs.Retention, EncryptionKey: logs.Key, RemovalPolicy: logs.RemovalPolicy,
	}
	if logs.Name != "" {
		lp.LogGroupName = jsii.String(logs.Name)
	}
	group := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), lp)
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(description),
	})
	policy := awsiam.NewManagedPolicy(scope, jsii.String(id+"Policy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String(description),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("OwnLogGroup"),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(*group.LogGroupArn()),
		})},
	})
	if inVPC {
		role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(VPCAccessPolicy)))
		compliance.SuppressOnly(role, "AwsSolutions-IAM4",
			"AWSLambdaVPCAccessExecutionRole only lets Lambda create, describe and delete the function's network interfaces in the VPC (EC2 network-interface actions have no resource-level scoping); it is the policy Lambda documents for functions in a VPC.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/"+VPCAccessPolicy)
	}
	return &Identity{Logs: group, Role: role, Policy: policy}
}

// Grantee is the role as a grantee whose grants are added to the managed
// policy rather than to an inline default policy of the role.
func (i *Identity) Grantee() awsiam.IGrantable { return Grantee(i.Role, i.Policy) }

// Grantee is role as a grantee whose grants are added to policy (a
// customer managed policy of the role) rather than to an inline default
// policy of the role.
func Grantee(role awsiam.IRole, policy awsiam.ManagedPolicy) awsiam.IGrantable {
	return &grantee{role: role, policy: policy}
}

// ExecutionRole is the role to give the function: grants through the
// function itself are refused (they would create an inline policy); grant
// through Grantee instead.
func (i *Identity) ExecutionRole() awsiam.IRole { return i.Role.WithoutPolicyUpdates(nil) }

// Placement puts a function into a VPC.
type Placement struct {
	Vpc           awsec2.IVpc
	Subnets       *awsec2.SubnetSelection
	SecurityGroup awsec2.ISecurityGroup
}

// NewFunction creates the function id in scope from props, running as this
// identity (its role and log group) on arm64, at the placement (when not
// nil), and created after the identity's policy, so that its first run
// has its permissions. Without a runtime in props it is a Go function
// built by lambdabuild (provided.al2023, handler bootstrap).
func (i *Identity) NewFunction(scope constructs.Construct, id string, at *Placement, props *awslambda.FunctionProps) awslambda.Function {
	if props.Runtime == nil {
		props.Runtime, props.Handler = awslambda.Runtime_PROVIDED_AL2023(), jsii.String("bootstrap")
	}
	props.Architecture = awslambda.Architecture_ARM_64()
	props.Role, props.LogGroup = i.ExecutionRole(), i.Logs
	if at != nil {
		props.Vpc, props.VpcSubnets, props.SecurityGroups = at.Vpc, at.Subnets, &[]awsec2.ISecurityGroup{at.SecurityGroup}
	}
	fn := awslambda.NewFunction(scope, jsii.String(id), props)
	fn.Node().AddDependency(i.Policy)
	return fn
}

type grantee struct {
	role   awsiam.IRole
	policy awsiam.ManagedPolicy
}

func (g *grantee) GrantPrincipal() awsiam.IPrincipal { return g }

func (g *grantee) AddToPrincipalPolicy(st awsiam.PolicyStatement) *awsiam.AddToPrincipalPolicyResult {
	g.policy.AddStatements(st)
	return &awsiam.AddToPrincipalPolicyResult{StatementAdded: jsii.Bool(true), PolicyDependable: g.policy}
}

func (g *grantee) AssumeRoleAction() *string                      { return g.role.AssumeRoleAction() }
func (g *grantee) PolicyFragment() awsiam.PrincipalPolicyFragment { return g.role.PolicyFragment() }
func (g *grantee) PrincipalAccount() *string                      { return g.role.PrincipalAccount() }
