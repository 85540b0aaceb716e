package hosting

import (
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/buckets"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/kmsgrant"
)

//go:embed viewer-request.js
var viewerRequestTemplate string

// ViewerRequestSource is the CloudFront Function of every behavior: the
// www → apex redirect, x-forwarded-host, and a 403 for any other host.
func ViewerRequestSource(canonical string, redirects []string) string {
	if redirects == nil {
		redirects = []string{}
	}
	hosts, _ := json.Marshal(redirects)
	return strings.NewReplacer("__CANONICAL_HOST__", canonical, "__REDIRECT_HOSTS__", string(hosts)).Replace(viewerRequestTemplate)
}

// Caching.
const (
	// ImmutableCacheControl is sent with _next/static/* (content-hashed names).
	ImmutableCacheControl = "public, max-age=31536000, immutable"
	// RevalidateCacheControl is sent with the other static files (public/,
	// BUILD_ID): browsers revalidate every time, CloudFront keeps them until
	// the deploy's invalidation.
	RevalidateCacheControl = "public, max-age=0, s-maxage=31536000, must-revalidate"
	// CDNLogDays is how long CloudFront's access logs are kept.
	CDNLogDays = 30
)

// ServerCacheKeyHeaders separate cached server responses: the viewer's host
// (set by the viewer-request function), and the headers by which Next.js
// answers the same URL with a page or a React Server Component payload
// (CloudFront ignores Vary). Cookies stay out of the key: the server's
// dynamic pages say private, no-store, and nothing is cached unless the app
// says so (default TTL 0).
var ServerCacheKeyHeaders = []string{"x-forwarded-host", "rsc", "next-router-prefetch", "next-router-state-tree", "next-url"}

func (h *Hosting) createBuckets() {
	p := h.props
	// Named <prefix>-<what>-<account> (bucket names are global): the
	// environment's CloudFormation execution policy allows its own names.
	named := func(what string) *string {
		return awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String(p.Prefix + "-" + what), awscdk.Aws_ACCOUNT_ID()})
	}
	logs := awss3.NewBucket(h.Construct, jsii.String("CdnLogs"), &awss3.BucketProps{
		BucketName: named("cdn-logs"),
		// CloudFront's standard logs are written with an ACL by its own log
		// delivery account, into a bucket with SSE-S3.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_OBJECT_WRITER,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     p.RemovalPolicy,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("ExpireCdnLogs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(CDNLogDays)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	compliance.Suppress(logs, map[string]string{
		"AwsSolutions-S1":                           "This bucket receives CloudFront's access logs: logging it into itself loops, and into another bucket only moves the finding there.",
		"HIPAA.Security-S3BucketLoggingEnabled":     "This bucket receives CloudFront's access logs: logging it into itself loops, and into another bucket only moves the finding there.",
		"HIPAA.Security-S3DefaultEncryptionKMS":     "CloudFront's standard log delivery writes only to buckets with SSE-S3 (AES-256) default encryption. The logs hold request metadata (paths, addresses), kept 30 days.",
		"HIPAA.Security-S3BucketReplicationEnabled": "Access logs of a single-region deployment (multi-region is out of scope in the requirements), kept 30 days.",
	})
	h.CDNLogBucket = logs

	// Versioned (as every private bucket): a deploy never deletes old static
	// files (open tabs still load them), and an accidental overwrite stays
	// recoverable.
	props := buckets.Private(named("assets"), p.Key, p.RemovalPolicy)
	props.ServerAccessLogsBucket = p.AccessLogBucket
	props.ServerAccessLogsPrefix = jsii.String("assets/")
	props.LifecycleRules = &[]*awss3.LifecycleRule{{
		Id:                                  jsii.String("ExpireNoncurrentVersions"),
		NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
	}}
	assets := awss3.NewBucket(h.Construct, jsii.String("Assets"), props)
	compliance.Suppress(assets, map[string]string{
		"HIPAA.Security-S3BucketReplicationEnabled": "The build output of the app: rebuilt from the repository by every deploy, so a copy in another region adds nothing.",
	})
	h.AssetsBucket = assets
}

// logicalID is the logical ID of construct's CloudFormation resource.
func (h *Hosting) logicalID(c constructs.IConstruct) string {
	stack := awscdk.Stack_Of(h.Construct)
	return (stack.Resolve(stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement)))).(string)
}

// cdnOrigins are the distribution's origins: the two functions through
// their IAM-authenticated URLs, and the two buckets through origin access
// control.
type cdnOrigins struct {
	server, image, assets, media awscloudfront.IOrigin
}

func (h *Hosting) createOrigins() cdnOrigins {
	p := h.props
	serverURL := h.ServerFunction.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_AWS_IAM})
	imageURL := h.ImageFunction.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_AWS_IAM})
	// Imported references: the origins then leave the bucket policies to us,
	// which grant exactly the prefix each behavior serves (_assets/,
	// media/), never the whole bucket (_cache/ and private uploads stay out
	// of CloudFront's reach).
	imported := func(id string, b awss3.IBucket) awss3.IBucket {
		return awss3.Bucket_FromBucketAttributes(h.Construct, jsii.String(id), &awss3.BucketAttributes{
			BucketArn: b.BucketArn(), BucketRegionalDomainName: b.BucketRegionalDomainName(),
		})
	}
	awscdk.Annotations_Of(h.Construct).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac"),
		jsii.String("The bucket policies are written by this construct, for the exact prefixes CloudFront serves."))
	return cdnOrigins{
		server: awscloudfrontorigins.FunctionUrlOrigin_WithOriginAccessControl(serverURL, &awscloudfrontorigins.FunctionUrlOriginWithOACProps{
			ReadTimeout: awscdk.Duration_Seconds(jsii.Number(OriginReadTimeoutSeconds)),
		}),
		image: awscloudfrontorigins.FunctionUrlOrigin_WithOriginAccessControl(imageURL, nil),
		assets: awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(imported("AssetsOriginBucket", h.AssetsBucket),
			&awscloudfrontorigins.S3BucketOriginWithOACProps{OriginPath: jsii.String("/_assets")}),
		media: awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(imported("MediaOriginBucket", p.UploadsBucket), nil),
	}
}

// cdnBehaviors are the distribution's behaviors: the server's (the
// default, and _next/data/*), the image optimizer's, and a static one per
// bucket.
type cdnBehaviors struct {
	server, image, assets, media *awscloudfront.BehaviorOptions
}

func (h *Hosting) createBehaviors(o cdnOrigins) cdnBehaviors {
	p := h.props
	stack := awscdk.Stack_Of(h.Construct)
	viewerRequest := awscloudfront.NewFunction(h.Construct, jsii.String("ViewerRequest"), &awscloudfront.FunctionProps{
		FunctionName: jsii.String(p.Prefix + "-viewer-request"),
		Comment:      jsii.String("www to apex redirect, x-forwarded-host, other hosts refused"),
		Code:         awscloudfront.FunctionCode_FromInline(jsii.String(ViewerRequestSource(p.CanonicalHost, p.RedirectHosts))),
		Runtime:      awscloudfront.FunctionRuntime_JS_2_0(),
	})
	functions := &[]*awscloudfront.FunctionAssociation{{Function: viewerRequest, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST}}
	sentry := ""
	if o, ok := SentryOrigin(p.App["SENTRY_DSN"]); ok {
		sentry = o
	}
	uploadsOrigin := "https://" + p.UploadsBucketName + ".s3." + *stack.Region() + ".amazonaws.com"
	headers := responseHeaders(h.Construct, "SecurityHeaders", p.Prefix+"-security-headers", ContentSecurityPolicy(uploadsOrigin, sentry, p.CSPExtraSources))
	serverCache, imageCache := h.createCachePolicies()

	static := func(origin awscloudfront.IOrigin, cache awscloudfront.ICachePolicy) *awscloudfront.BehaviorOptions {
		return &awscloudfront.BehaviorOptions{
			Origin:                origin,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           cache,
			ResponseHeadersPolicy: headers,
			FunctionAssociations:  functions,
			Compress:              jsii.Bool(true),
		}
	}
	return cdnBehaviors{
		server: &awscloudfront.BehaviorOptions{
			Origin:                o.server,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
			CachedMethods:         awscloudfront.CachedMethods_CACHE_GET_HEAD(),
			CachePolicy:           serverCache,
			OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			ResponseHeadersPolicy: headers,
			FunctionAssociations:  functions,
			EdgeLambdas: &[]*awscloudfront.EdgeLambda{{
				EventType: awscloudfront.LambdaEdgeEventType_ORIGIN_REQUEST, FunctionVersion: p.BodyHash, IncludeBody: jsii.Bool(true),
			}},
			Compress: jsii.Bool(true),
		},
		image:  static(o.image, imageCache),
		assets: static(o.assets, awscloudfront.CachePolicy_CACHING_OPTIMIZED()),
		media:  static(o.media, awscloudfront.CachePolicy_CACHING_OPTIMIZED()),
	}
}

func (h *Hosting) createCachePolicies() (server, image awscloudfront.ICachePolicy) {
	p := h.props
	server = awscloudfront.NewCachePolicy(h.Construct, jsii.String("ServerCachePolicy"), &awscloudfront.CachePolicyProps{
		CachePolicyName:            jsii.String(p.Prefix + "-server"),
		Comment:                    jsii.String("Next.js server: nothing cached unless the app says so; host and RSC headers in the key"),
		DefaultTtl:                 awscdk.Duration_Seconds(jsii.Number(0)),
		MinTtl:                     awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:                     awscdk.Duration_Days(jsii.Number(365)),
		HeaderBehavior:             awscloudfront.CacheHeaderBehavior_AllowList(*jsii.Strings(ServerCacheKeyHeaders...)...),
		QueryStringBehavior:        awscloudfront.CacheQueryStringBehavior_All(),
		CookieBehavior:             awscloudfront.CacheCookieBehavior_None(),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	})
	image = awscloudfront.NewCachePolicy(h.Construct, jsii.String("ImageCachePolicy"), &awscloudfront.CachePolicyProps{
		CachePolicyName:     jsii.String(p.Prefix + "-image"),
		Comment:             jsii.String("next/image: one answer per URL, size and accepted format"),
		DefaultTtl:          awscdk.Duration_Days(jsii.Number(1)),
		MinTtl:              awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:              awscdk.Duration_Days(jsii.Number(365)),
		HeaderBehavior:      awscloudfront.CacheHeaderBehavior_AllowList(jsii.String("accept")),
		QueryStringBehavior: awscloudfront.CacheQueryStringBehavior_All(),
		CookieBehavior:      awscloudfront.CacheCookieBehavior_None(),
	})
	return server, image
}

func (h *Hosting) createDistribution() {
	p := h.props
	b := h.createBehaviors(h.createOrigins())
	dist := awscloudfront.NewDistribution(h.Construct, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment:                jsii.String("MedBookings " + p.Environment),
		DomainNames:            jsii.Strings(h.Hosts...),
		Certificate:            p.Certificate,
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
		// Price class 200 includes the edge locations in South Africa.
		PriceClass:      awscloudfront.PriceClass_PRICE_CLASS_200,
		EnableIpv6:      jsii.Bool(true),
		EnableLogging:   jsii.Bool(true),
		LogBucket:       h.CDNLogBucket,
		LogFilePrefix:   jsii.String("cloudfront/"),
		DefaultBehavior: b.server,
	})
	// Behaviors in order of precedence (CloudFront takes the first match):
	// the image optimizer before the static files' _next/*.
	add := func(pattern string, b *awscloudfront.BehaviorOptions) {
		dist.AddBehavior(jsii.String(pattern), b.Origin, &awscloudfront.AddBehaviorOptions{
			ViewerProtocolPolicy: b.ViewerProtocolPolicy, AllowedMethods: b.AllowedMethods, CachedMethods: b.CachedMethods,
			CachePolicy: b.CachePolicy, OriginRequestPolicy: b.OriginRequestPolicy, ResponseHeadersPolicy: b.ResponseHeadersPolicy,
			FunctionAssociations: b.FunctionAssociations, EdgeLambdas: b.EdgeLambdas, Compress: b.Compress,
		})
	}
	add("_next/image*", b.image)
	add("_next/data/*", b.server)
	if p.Bundle != nil {
		for _, pattern := range p.Bundle.AssetPatterns {
			add(pattern, b.assets)
		}
	}
	add(p.PublicPrefix+"*", b.media)
	h.Distribution = dist
	h.allowDistribution(dist)

	compliance.Suppress(dist, map[string]string{
		"AwsSolutions-CFR1": "Geo restriction is not wanted: MedBookings' patients and providers travel, and the requirements keep the app publicly accessible (non-goal 6, no IP-based restrictions).",
		"AwsSolutions-CFR2": "No WAF web ACL yet (non-goal 5: advanced WAF later): a CLOUDFRONT-scope web ACL lives in us-east-1 and costs $5+/month; every origin is protected by origin access control, so nothing can go around CloudFront, and the app rate-limits itself (Upstash).",
		"AwsSolutions-CFR4": "The viewer policy is TLSv1.2_2021 with the custom domains' certificate; the finding is about the default *.cloudfront.net certificate, which the viewer-request function answers with 403.",
	})
}

// allowDistribution lets the distribution read what it serves from the
// buckets: the static files (and the data key that encrypts them), and the
// uploads' public prefix.
func (h *Hosting) allowDistribution(dist awscloudfront.Distribution) {
	p := h.props
	// Since October 2025 a function URL behind origin access control needs
	// lambda:InvokeFunction (through the URL only) besides
	// lambda:InvokeFunctionUrl; aws-cdk-lib 2.276's FunctionUrlOrigin adds
	// both (the fix of aws/aws-cdk#35872), and the tests check that it does.
	cloudfront := awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)
	source := &map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": dist.DistributionArn()}}
	h.AssetsBucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudFrontReadsStaticFiles"),
		Principals: &[]awsiam.IPrincipal{cloudfront},
		Actions:    jsii.Strings("s3:GetObject"),
		Resources:  &[]*string{h.AssetsBucket.ArnForObjects(jsii.String("_assets/*"))},
		Conditions: source,
	}))
	// The data key lets any distribution of this account decrypt (the key
	// policy cannot name this one without a cycle); the bucket policy above
	// admits this distribution and only _assets/.
	kmsgrant.CloudFrontDecrypt(p.Key)
	p.Uploads.AllowPublicRead(dist.DistributionArn())
}

// deployAssets uploads the bundle's static files (never deleting old ones:
// open tabs still load them) and prerendered cache; the server function
// waits for the content-hashed ones, so a new page never references a file
// not yet uploaded, and the deploy ends with an invalidation of the CDN.
func (h *Hosting) deployAssets() {
	p := h.props
	b := p.Bundle
	logs := awslogs.NewLogGroup(h.Construct, jsii.String("AssetDeploymentLogs"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String("/medbookings/" + p.Environment + "/asset-deployment"),
		Retention:    p.LogRetention, EncryptionKey: p.Key, RemovalPolicy: p.RemovalPolicy,
	})
	deployment := func(id string, source string, prefix string, cacheControl string, include, exclude []string, invalidate awscloudfront.IDistribution) awss3deployment.BucketDeployment {
		props := &awss3deployment.BucketDeploymentProps{
			LogGroup:             logs,
			Sources:              &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(source), nil)},
			DestinationBucket:    h.AssetsBucket,
			DestinationKeyPrefix: jsii.String(prefix),
			Prune:                jsii.Bool(false),
			RetainOnDelete:       jsii.Bool(true),
			MemoryLimit:          jsii.Number(512),
			Vpc:                  p.Vpc,
			VpcSubnets:           p.Subnets,
		}
		if cacheControl != "" {
			props.CacheControl = &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(cacheControl))}
		}
		if include != nil {
			props.Include = jsii.Strings(include...)
		}
		if exclude != nil {
			props.Exclude = jsii.Strings(exclude...)
		}
		if invalidate != nil {
			props.Distribution = invalidate
			props.DistributionPaths = jsii.Strings("/*")
			props.WaitForDistributionInvalidation = jsii.Bool(false)
		}
		d := awss3deployment.NewBucketDeployment(h.Construct, jsii.String(id), props)
		// CDK's AWS CLI layer of the deployment, named like the
		// environment's other resources (layers take no tags).
		if layer := d.Node().TryFindChild(jsii.String("AwsCliLayer")); layer != nil {
			layer.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("LayerName"),
				jsii.String(p.Prefix+"-awscli-"+strings.ToLower(id)))
		}
		return d
	}
	// Before the server: the content-hashed files its pages load, and the
	// prerendered cache it reads.
	before := []awss3deployment.BucketDeployment{
		deployment("VersionedAssets", b.AssetsDir, "_assets", ImmutableCacheControl, []string{"_next/*"}, []string{"*"}, nil),
	}
	if b.CacheDir != "" {
		before = append(before, deployment("PrerenderedCache", b.CacheDir, "_cache", "", nil, nil, nil))
	}
	for _, d := range before {
		h.ServerFunction.Node().AddDependency(d)
	}
	// After the server: the files with fixed names (public/, BUILD_ID),
	// then CloudFront forgets everything it cached, so no page of the
	// previous release is served from the edge.
	after := deployment("OtherAssets", b.AssetsDir, "_assets", RevalidateCacheControl, nil, []string{"_next/*"}, h.Distribution)
	after.Node().AddDependency(h.ServerFunction)
	suppressAssetDeployment(awscdk.Stack_Of(h.Construct))
}

// suppressAssetDeployment records why CDK's BucketDeployment function (one
// per stack, created by CDK with its own role) is acceptable.
func suppressAssetDeployment(stack awscdk.Stack) {
	for _, c := range *stack.Node().Children() {
		if !strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			continue
		}
		compliance.Suppress(c, map[string]string{
			"AwsSolutions-L1":                  "CDK chooses the runtime of its BucketDeployment function (Python with the AWS CLI layer) and moves it forward with CDK releases; it runs only during deployments.",
			"HIPAA.Security-LambdaConcurrency": "CDK's BucketDeployment function runs only during a deployment that changes the app's static files; reserved concurrency would take from the account's pool for minutes a month.",
			"HIPAA.Security-LambdaDLQ":         "A CloudFormation custom resource: its outcome is reported to CloudFormation, which fails and rolls back the deployment on error; nothing to replay.",
			"HIPAA.Security-IAMNoInlinePolicy": "CDK's BucketDeployment puts its grants (read the CDK asset bucket, write the static files) into its role's default policy; the role belongs to this one function and holds nothing else.",
			"AwsSolutions-IAM4":                "CDK's BucketDeployment role uses AWSLambdaBasicExecutionRole (its log stream) and, in the VPC, AWSLambdaVPCAccessExecutionRole (its network interfaces); its log group is encrypted and kept for the environment's retention.",
			"AwsSolutions-IAM5":                "CDK's BucketDeployment copies the build's static files from the CDK asset bucket (cdk-<qualifier>-assets-<account>-<region>/*) into the assets bucket (<bucket>/*, keys from the build), with S3's and KMS's action families that CDK's grants use.",
		})
	}
}
