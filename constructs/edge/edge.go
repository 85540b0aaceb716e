// Package edge holds what CloudFront needs from us-east-1 for one MedBookings
// environment: the TLS certificate of its host names, and the Lambda@Edge
// function that hashes request bodies so that CloudFront's origin access
// control can sign POST and PUT requests to the server's function URL (Lambda
// refuses unsigned payloads). The construct must be in a stack in us-east-1;
// the environment stack in eu-west-1 reads both through CDK's weak
// cross-region references (Fn::GetStackOutput).
package edge

import (
	_ "embed"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// BodyHashSource is the Lambda@Edge origin-request handler (Node.js, no
// dependencies; tested by running it under Node). For POST, PUT, PATCH and
// DELETE it sets x-amz-content-sha256 to the SHA-256 of the body, which
// CloudFront then signs; a body over Lambda@Edge's 1 MB limit is refused with
// 413 (uploads go straight to S3 with presigned URLs). Other methods pass
// untouched. It logs nothing: request bodies are patient data.
//
//go:embed bodyhash.js
var BodyHashSource string

// Region is where the construct must be.
const Region = "us-east-1"

// Props configure the edge resources of one environment.
type Props struct {
	// FunctionName is the Lambda@Edge function's name (its logs appear in
	// each edge region as /aws/lambda/us-east-1.<name>).
	FunctionName string
	// Description names the environment in descriptions.
	Description string
	// Hosts are the environment's host names, canonical first; the
	// certificate covers all of them.
	Hosts []string
	// HostedZone, when the domain's DNS is in Route 53, gets the
	// certificate's validation records; nil leaves them to the operator
	// (`cdk deploy` prints them as they are requested; docs/runbook.md).
	HostedZone awsroute53.IHostedZone
	// LogRetentionDays of the function's log group in us-east-1 (0: CDK's
	// default, two years).
	LogRetentionDays int
}

// Edge is what the construct created.
type Edge struct {
	constructs.Construct
	Certificate awscertificatemanager.ICertificate
	// BodyHash is the published version of the body-hash function.
	BodyHash awslambda.IVersion
}

// New creates the certificate and the body-hash function.
func New(scope constructs.Construct, id string, p Props) *Edge {
	self := constructs.NewConstruct(scope, jsii.String(id))
	if r := awscdk.Stack_Of(self).Region(); r == nil || *r != Region {
		panic(fmt.Sprintf("edge.New: the construct must be in a stack in %s", Region))
	}
	if len(p.Hosts) == 0 || p.FunctionName == "" {
		panic("edge.New: Hosts and FunctionName are required")
	}
	// One host: no SubjectAlternativeNames at all. An empty list would be
	// sent to ACM, whose RequestCertificate wants at least one name when the
	// list is given (and changing the property later replaces the certificate).
	var sans *[]*string
	if len(p.Hosts) > 1 {
		sans = jsii.Strings(p.Hosts[1:]...)
	}
	cert := awscertificatemanager.NewCertificate(self, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
		DomainName:              jsii.String(p.Hosts[0]),
		SubjectAlternativeNames: sans,
		Validation:              awscertificatemanager.CertificateValidation_FromDns(p.HostedZone),
		CertificateName:         jsii.String("MedBookings " + p.Description),
	})

	role := awsiam.NewRole(self, jsii.String("BodyHashRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewCompositePrincipal(
			awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			awsiam.NewServicePrincipal(jsii.String("edgelambda.amazonaws.com"), nil),
		),
		Description: jsii.String("Lambda@Edge body hash of MedBookings " + p.Description + ": writes its own logs"),
	})
	stack := awscdk.Stack_Of(self)
	policy := awsiam.NewManagedPolicy(self, jsii.String("BodyHashPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Lambda@Edge body hash of MedBookings " + p.Description + ": its log groups in the edge regions"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:logs:*:%s:log-group:/aws/lambda/us-east-1.%s:*",
				*stack.Partition(), *stack.Account(), p.FunctionName)),
		})},
	})
	compliance.SuppressMatching(policy, "AwsSolutions-IAM5",
		"Lambda@Edge writes its logs in the region of the edge location that ran it, into /aws/lambda/us-east-1.<function name>: the region is not known in advance, and log streams are named by Lambda. The log group name is exact.",
		`/^Resource::arn:[a-z-]+:logs:\*:<AWS::AccountId>:log-group:\/aws\/lambda\/us-east-1\.`+regexp.QuoteMeta(p.FunctionName)+`:\*$/`)
	fn := awslambda.NewFunction(self, jsii.String("BodyHash"), &awslambda.FunctionProps{
		FunctionName: jsii.String(p.FunctionName),
		Description:  jsii.String("Sets x-amz-content-sha256 on request bodies for CloudFront's origin access control (MedBookings " + p.Description + ")"),
		Runtime:      awslambda.Runtime_NODEJS_24_X(),
		Handler:      jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String(BodyHashSource)),
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(5)),
		Role:         role,
		// Replicas are deleted by CloudFront hours after the distribution
		// lets go of a version: keep old versions rather than fail a deploy.
		CurrentVersionOptions: &awslambda.VersionOptions{RemovalPolicy: awscdk.RemovalPolicy_RETAIN},
	})
	fn.Node().AddDependency(policy)
	if lg := fn.Node().TryFindChild(jsii.String("LogGroup")); lg != nil {
		// The name as text, not a reference to the function: the same
		// group, and a name the environment's execution policy can match.
		group := lg.Node().DefaultChild().(awscdk.CfnResource)
		group.AddPropertyOverride(jsii.String("LogGroupName"), jsii.String("/aws/lambda/"+p.FunctionName))
		if p.LogRetentionDays > 0 {
			group.AddPropertyOverride(jsii.String("RetentionInDays"), jsii.Number(float64(p.LogRetentionDays)))
		}
		compliance.Suppress(lg, map[string]string{
			"HIPAA.Security-CloudWatchLogGroupEncrypted": "CDK's log group for the function's own region; Lambda@Edge never writes to it (its logs go to /aws/lambda/us-east-1.<name> in the edge regions), and the function logs no request data. A customer managed key in us-east-1 for an empty group would cost $1 a month.",
		})
	}
	compliance.Suppress(fn, map[string]string{
		"HIPAA.Security-LambdaInsideVPC":   "Lambda@Edge functions run at CloudFront's edge locations and cannot be attached to a VPC. It only hashes the request body it is given; it calls nothing and stores nothing.",
		"HIPAA.Security-LambdaConcurrency": "Lambda@Edge does not support reserved concurrency; CloudFront scales it with the requests of the distribution.",
		"HIPAA.Security-LambdaDLQ":         "Lambda@Edge is invoked synchronously by CloudFront for each request; there is no asynchronous event to put in a dead-letter queue.",
	})
	return &Edge{Construct: self, Certificate: cert, BodyHash: fn.CurrentVersion()}
}
