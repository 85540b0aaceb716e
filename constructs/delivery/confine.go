package delivery

import (
	"reflect"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Confine puts every role, managed policy and instance profile of stack
// (those of CDK's own constructs too) below the environment's IAM path,
// and the environment's permissions boundary on every role: the only IAM
// that the environment's execution policy lets CloudFormation create.
//
// Call it when the stack is complete: it walks the construct tree once in
// Go (an aspect written in Go would cost a call from Node into Go for every
// construct of the stack, most of a second of every synthesis), and sets
// the path of what exists then. CDK's own PermissionsBoundary aspect puts
// the boundary on roles, including any added later.
func Confine(stack awscdk.Stack, environment string) {
	boundary := awsiam.ManagedPolicy_FromManagedPolicyName(stack, jsii.String("PermissionsBoundary"), jsii.String(BoundaryPolicyName(environment)))
	awsiam.PermissionsBoundary_Of(stack).Apply(boundary)
	path := jsii.String(IAMPath(environment))
	for _, node := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		switch r := node.(type) {
		case awsiam.CfnRole:
			r.SetPath(path)
		case awsiam.CfnManagedPolicy:
			r.SetPath(path)
		case awsiam.CfnInstanceProfile:
			r.SetPath(path)
		case awscdk.CfnResource:
			// CDK's custom resource providers create their roles as plain
			// CfnResources of type AWS::IAM::Role. Only a plain CfnResource
			// is asked its type (one call each; the L1 classes are known by
			// their Go type).
			if reflect.TypeOf(node).String() == plainCfnResource && *r.CfnResourceType() == "AWS::IAM::Role" {
				r.AddPropertyOverride(jsii.String("Path"), path)
			}
		}
	}
}

// plainCfnResource is the Go type jsii gives an awscdk.CfnResource that is
// not one of the generated L1 classes (constructs/delivery's tests check it
// with a custom resource provider's role).
const plainCfnResource = "*awscdk.jsiiProxy_CfnResource"
