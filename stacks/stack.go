// Package stacks composes the MedBookings constructs into one stack per
// environment and holds the typed, validated settings those stacks are
// built from (settings.go).
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/storage"
)

// Tag keys put on every resource of both stacks.
const (
	TagProject     = "Project"
	TagEnvironment = "Environment"
	TagManagedBy   = "ManagedBy"

	ProjectName = "MedBookings"
	ManagedBy   = "aws-cdk"
)

// StackProps are what one environment's stack is built from.
type StackProps struct {
	Shared      Shared
	Environment Environment
}

// MedBookingsStack is one environment of MedBookings.
type MedBookingsStack struct {
	awscdk.Stack
	// Environment is the settings the stack was built from.
	Environment Environment
	// Storage is the uploads bucket and its access-log bucket.
	Storage *storage.Uploads
}

// NewMedBookingsStack creates the stack of one environment in scope, named
// after it (MedBookingsInfraStack-Staging, MedBookingsInfraStack-Production).
func NewMedBookingsStack(scope constructs.Construct, props StackProps) *MedBookingsStack {
	env := props.Environment
	var account *string
	if props.Shared.Account != "" {
		account = jsii.String(props.Shared.Account)
	}
	tagValues := map[string]*string{
		TagProject:     jsii.String(ProjectName),
		TagEnvironment: jsii.String(env.Name),
		TagManagedBy:   jsii.String(ManagedBy),
	}
	stack := awscdk.NewStack(scope, jsii.String(env.StackName()), &awscdk.StackProps{
		StackName:             jsii.String(env.StackName()),
		Description:           jsii.String("MedBookings " + env.Name + " environment: database, uploads storage, Amplify hosting and monitoring"),
		Env:                   &awscdk.Environment{Region: jsii.String(props.Shared.Region), Account: account},
		TerminationProtection: jsii.Bool(env.TerminationProtection),
		// Stack tags: CloudFormation propagates them to every resource that
		// takes tags, including ones CDK does not model.
		Tags: &tagValues,
	})
	// The same tags on every construct, so that they are visible in the
	// template (and in `cdk diff`) and not only at deploy time.
	for _, k := range []string{TagProject, TagEnvironment, TagManagedBy} {
		awscdk.Tags_Of(stack).Add(jsii.String(k), tagValues[k], nil)
	}

	st := &MedBookingsStack{Stack: stack, Environment: env}

	st.Storage = storage.NewStorage(stack, jsii.String("Storage"), &storage.Props{Config: env.Storage})

	st.outputs()
	return st
}

// outputs are the values an operator needs from the stack (`cdk deploy`
// prints them; `aws cloudformation describe-stacks` reads them). Never a
// secret value: secrets are given by ARN.
func (st *MedBookingsStack) outputs() {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(st.Stack, jsii.String(id), &awscdk.CfnOutputProps{
			Value:       value,
			Description: jsii.String(description),
		})
	}
	out("UploadsBucketName", "Uploads bucket (app variable "+storage.EnvBucketName+")", st.Storage.BucketName)
	out("UploadsBucketRegion", "Region of the uploads bucket (app variable "+storage.EnvBucketRegion+")", st.Storage.Region)
}
