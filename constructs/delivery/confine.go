package delivery

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Confine puts every role, managed policy and instance profile of stack
// (those of CDK's own constructs too) below the environment's IAM path,
// and the environment's permissions boundary on every role: the only IAM
// that the environment's execution policy lets CloudFormation create.
func Confine(stack awscdk.Stack, environment string) {
	boundary := awsiam.ManagedPolicy_FromManagedPolicyName(stack, jsii.String("PermissionsBoundary"), jsii.String(BoundaryPolicyName(environment)))
	awsiam.PermissionsBoundary_Of(stack).Apply(boundary)
	awscdk.Aspects_Of(stack).Add(&iamPath{path: IAMPath(environment)}, nil)
}

// iamPath sets the path of IAM roles, managed policies and instance profiles.
type iamPath struct{ path string }

func (a *iamPath) Visit(node constructs.IConstruct) {
	switch r := node.(type) {
	case awsiam.CfnRole:
		r.SetPath(jsii.String(a.path))
	case awsiam.CfnManagedPolicy:
		r.SetPath(jsii.String(a.path))
	case awsiam.CfnInstanceProfile:
		r.SetPath(jsii.String(a.path))
	case awscdk.CfnResource:
		// CDK's custom resource providers create their roles as plain
		// CfnResources of type AWS::IAM::Role.
		if *r.CfnResourceType() == "AWS::IAM::Role" {
			r.AddPropertyOverride(jsii.String("Path"), jsii.String(a.path))
		}
	}
}
