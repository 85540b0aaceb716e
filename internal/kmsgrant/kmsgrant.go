// Package kmsgrant holds the key-policy statements that more than one
// construct needs on the same key, written once per key.
package kmsgrant

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// CloudFrontDecryptSid is the Sid of the statement CloudFrontDecrypt adds.
const CloudFrontDecryptSid = "CloudFrontDecrypts"

// marker is the ID of the (template-less) construct that records, under
// the key, that the statement is there.
const marker = "CloudFrontDecryptGranted"

// CloudFrontDecrypt lets CloudFront (origin access control) decrypt with
// key on behalf of any distribution of this account, once per key however
// many constructs ask: the storage construct for the uploads' public
// prefix and the hosting construct for the static files share the
// environment's data key.
//
// The key policy cannot name the distribution: the distribution's origins
// depend on the functions, whose roles name the buckets, whose encryption
// names the key — a cycle. What a distribution may read is decided by each
// bucket's policy, which names the one distribution and the one prefix.
func CloudFrontDecrypt(key awskms.IKey) {
	if key.Node().TryFindChild(jsii.String(marker)) != nil {
		return
	}
	if scope, ok := key.(constructs.Construct); ok {
		constructs.NewConstruct(scope, jsii.String(marker))
	}
	stack := awscdk.Stack_Of(key)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(CloudFrontDecryptSid),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("cloudfront"), Region: jsii.String(""), Resource: jsii.String("distribution"), ResourceName: jsii.String("*"),
			})},
		},
	}), nil)
}
