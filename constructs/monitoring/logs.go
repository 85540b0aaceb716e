package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// EnforceLogRetention makes every log group in scope (the stack) keep its
// logs for the configured retention (FR-6.1): a log group with no retention
// (CloudWatch's default is "never expire") gets it, one with a different
// retention gets a warning annotation. Log groups that AWS services create
// at run time outside the template (e.g. a Lambda function's without a
// LogGroup) are not covered: every function of these stacks must be given
// a log group.
func (m *Monitoring) EnforceLogRetention(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(&retentionAspect{days: m.LogRetentionDays}, &awscdk.AspectOptions{
		Priority: awscdk.AspectPriority_MUTATING(),
	})
}

type retentionAspect struct{ days int }

// Visit implements awscdk.IAspect.
func (a *retentionAspect) Visit(node constructs.IConstruct) {
	lg, ok := node.(awslogs.CfnLogGroup)
	if !ok {
		return
	}
	switch r := lg.RetentionInDays(); {
	case r == nil:
		lg.SetRetentionInDays(jsii.Number(float64(a.days)))
	case int(*r) != a.days:
		awscdk.Annotations_Of(node).AddWarningV2(jsii.String("medbookings:logRetention"),
			jsii.String(fmt.Sprintf("log group keeps logs %d days; the environment's logRetentionDays is %d", int(*r), a.days)), nil)
	}
}
