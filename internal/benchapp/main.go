// Command benchapp is the floor that scripts/bench.sh measures synthesis
// against: a Go CDK app with one empty stack (a single SNS topic, so that
// the template is not empty), run through the same CLI, Node and jsii as
// the real app.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Empty"), nil)
	awssns.NewTopic(stack, jsii.String("Topic"), nil)
	app.Synth(nil)
}
