package hosting

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/rdsca"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdabuild"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdafn"
)

// The env wrapper layer (functions/envwrapper) as mounted at /opt.
const (
	WrapperPath = "/opt/medbookings/env-wrapper"
	CAPath      = "/opt/medbookings/rds-ca-eu-west-1.pem"
)

// Runtime is the Node.js runtime of the server and image functions: the
// version the app is built with (Next.js 14 supports Node 18 to 22). A
// function, not a variable: a package variable would start jsii (and Node)
// in every program that imports this package.
func Runtime() awslambda.Runtime { return awslambda.Runtime_NODEJS_22_X() }

// placeholderServer answers every request while no app bundle is deployed
// (it never is: see refuseDeployment).
const placeholderServer = `exports.handler = async () => ({ statusCode: 503, headers: { "content-type": "text/plain" }, body: "MedBookings: no app bundle deployed" });`

// createSecrets creates the app secret (NEXTAUTH_SECRET generated; the other
// keys empty until an operator fills them in), the cron secret (generated)
// and the build secret (filled in by an operator).
func (h *Hosting) createSecrets() {
	p := h.props
	secret := func(id, name, description, generated string, keys []string) awssecretsmanager.ISecret {
		tpl := map[string]string{}
		for _, k := range keys {
			tpl[k] = ""
		}
		raw, _ := json.Marshal(tpl)
		props := &awssecretsmanager.SecretProps{
			Description:   jsii.String(fmt.Sprintf("MedBookings %s: %s (docs/runbook.md)", p.Environment, description)),
			EncryptionKey: p.Key,
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String(string(raw)),
				GenerateStringKey:    jsii.String(generated),
				PasswordLength:       jsii.Number(64),
				ExcludePunctuation:   jsii.Bool(true),
			},
			RemovalPolicy: p.RemovalPolicy,
		}
		if name != "" {
			props.SecretName = jsii.String(name)
		}
		s := awssecretsmanager.NewSecret(h.Construct, jsii.String(id), props)
		compliance.Suppress(s, map[string]string{
			"AwsSolutions-SMG4":                            "Its values are third-party keys that can only be rotated at the provider, or app signing keys whose rotation logs every user out; an operator rotates them by the runbook (docs/operations.md). The database passwords are rotated automatically.",
			"HIPAA.Security-SecretsManagerRotationEnabled": "Its values are third-party keys that can only be rotated at the provider, or app signing keys whose rotation logs every user out; an operator rotates them by the runbook (docs/operations.md).",
		})
		return s
	}
	// The app secret keeps the generated name it had before (a new name
	// would be a new, empty secret); the newer ones have fixed names that
	// a deploy role can be scoped to.
	h.AppSecret = secret("AppSecret", "", "the app's secrets (NEXTAUTH_SECRET generated; provider keys set by an operator)", "NEXTAUTH_SECRET", AppSecretKeys())
	h.CronSecret = secret("CronSecret", SecretName(p.Environment, "cron"), "CRON_SECRET, the bearer token of the scheduled jobs (generated)", "CRON_SECRET", nil)
	// The build secret's generated key is not read by anyone: CloudFormation
	// needs something to generate, and SENTRY_AUTH_TOKEN is an operator's.
	h.BuildSecret = secret("BuildSecret", SecretName(p.Environment, "build"), "secrets of the app's build (SENTRY_AUTH_TOKEN, set by an operator)", "unused", BuildSecretKeys())
}

// SecretName is the fixed name of one of an environment's secrets,
// medbookings/<environment>/<what>: the deploy workflow reads the build
// secret by this name, and the deploy role may read only its own
// environment's.
func SecretName(environment, what string) string { return "medbookings/" + environment + "/" + what }

// DatabaseURLParams are appended to DATABASE_URL: the app's schema, Prisma's
// pool size, and TLS verified against the RDS CA bundle (Prisma's sslaccept
// strict checks the certificate chain and the host name).
func DatabaseURLParams(schema string, connectionLimit int) string {
	return "schema=" + url.QueryEscape(schema) + fmt.Sprintf("&connection_limit=%d", connectionLimit) +
		"&sslmode=require&sslcert=" + CAPath + "&sslaccept=strict"
}

func (h *Hosting) createFunctions() {
	layer := h.createEnvWrapper()
	h.Environment = h.serverEnvironment()
	h.createServer(layer)
	h.createImage()
}

// createEnvWrapper is the layer of the server's exec wrapper
// (functions/envwrapper) and the RDS certificate bundle.
func (h *Hosting) createEnvWrapper() awslambda.ILayerVersion {
	p := h.props
	layerBundle := lambdabuild.MustBuild("envwrapper", lambdabuild.Layout{
		Binary: strings.TrimPrefix(WrapperPath, "/opt/"),
		Files:  map[string][]byte{strings.TrimPrefix(CAPath, "/opt/"): rdsca.PEM},
	})
	return awslambda.NewLayerVersion(h.Construct, jsii.String("EnvWrapper"), &awslambda.LayerVersionProps{
		LayerVersionName:        jsii.String(p.Prefix + "-env-wrapper"),
		Code:                    layerBundle.Code(),
		CompatibleArchitectures: &[]awslambda.Architecture{awslambda.Architecture_ARM_64()},
		CompatibleRuntimes:      &[]awslambda.Runtime{Runtime()},
		Description:             jsii.String("MedBookings env wrapper: puts the app's secrets into process.env at cold start (functions/envwrapper)"),
		RemovalPolicy:           awscdk.RemovalPolicy_RETAIN,
	})
}

// serverEnvironment is the server function's environment: the contract's
// settings and the names through which the wrapper finds the secrets.
func (h *Hosting) serverEnvironment() map[string]string {
	p := h.props
	env := map[string]string{
		"NODE_ENV":                        "production",
		"NEXTAUTH_URL":                    h.URL,
		"VERCEL_URL":                      p.CanonicalHost,
		"S3_BUCKET_NAME":                  p.UploadsBucketName,
		"S3_PUBLIC_PREFIX":                p.PublicPrefix,
		"SYNC_INTERVAL_MINUTES":           fmt.Sprint(SyncIntervalMinutes),
		"CACHE_BUCKET_NAME":               *h.AssetsBucket.BucketName(),
		"CACHE_BUCKET_KEY_PREFIX":         "_cache",
		"CACHE_BUCKET_REGION":             *awscdk.Stack_Of(h.Construct).Region(),
		"AWS_LAMBDA_EXEC_WRAPPER":         WrapperPath,
		"MEDBOOKINGS_SECRETS":             *h.AppSecret.SecretArn() + "," + *h.CronSecret.SecretArn(),
		"MEDBOOKINGS_DATABASE_SECRET":     *p.DatabaseSecret.SecretArn(),
		"MEDBOOKINGS_DATABASE_URL_PARAMS": DatabaseURLParams(p.DatabaseSchema, p.ConnectionLimit),
	}
	for _, v := range Contract {
		if v.Source == FromSettings && (v.Phase == Run || v.Phase == Both) && p.App[v.Name] != "" {
			env[v.Name] = p.App[v.Name]
		}
	}
	return env
}

// appFunction is one of the build's two functions (the server, the image
// optimizer): its own security group and identity (role, managed policy,
// log group), granted what it needs before the function is created.
type appFunction struct {
	id       string
	sg       awsec2.SecurityGroup
	identity *lambdafn.Identity
}

// newAppFunction makes the security group <id>SecurityGroup and the
// identity <id> of a function described as what.
func (h *Hosting) newAppFunction(id, what, sgWhat string) appFunction {
	p := h.props
	sg := awsec2.NewSecurityGroup(h.Construct, jsii.String(id+"SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: p.Vpc, Description: jsii.String("MedBookings " + p.Environment + " " + sgWhat), AllowAllOutbound: jsii.Bool(true),
	})
	identity := lambdafn.NewIdentity(h.Construct, id, "MedBookings "+p.Environment+" "+what,
		lambdafn.LogOptions{Name: "/aws/lambda/" + p.Prefix + "-" + strings.ToLower(id), Key: p.Key, Retention: p.LogRetention, RemovalPolicy: p.RemovalPolicy}, true)
	return appFunction{id: id, sg: sg, identity: identity}
}

// create makes the function <id>Function, named <prefix>-<id>, on Node.js
// for arm64 in the App subnets, with the code of the bundle's folder dir
// picks (a placeholder without a bundle); props give the rest.
func (f appFunction) create(h *Hosting, dir func(*Bundle) string, props *awslambda.FunctionProps) awslambda.Function {
	p := h.props
	props.Code = awslambda.Code_FromInline(jsii.String(placeholderServer))
	if p.Bundle != nil {
		props.Code = awslambda.Code_FromAsset(jsii.String(dir(p.Bundle)), nil)
	}
	props.FunctionName = jsii.String(p.Prefix + "-" + strings.ToLower(f.id))
	props.Runtime, props.Handler = Runtime(), jsii.String("index.handler")
	return f.identity.NewFunction(h.Construct, f.id+"Function", &lambdafn.Placement{Vpc: p.Vpc, Subnets: p.Subnets, SecurityGroup: f.sg}, props)
}

func (h *Hosting) createServer(layer awslambda.ILayerVersion) {
	p := h.props
	server := h.newAppFunction("Server", "Next.js server", "Next.js server")
	p.Database.AllowFrom(server.sg, "PostgreSQL from the Next.js server")
	grantee := server.identity.Grantee()
	for _, s := range []awssecretsmanager.ISecret{h.AppSecret, h.CronSecret, p.DatabaseSecret} {
		s.GrantRead(grantee, nil)
	}
	p.Uploads.GrantUploads(grantee, server.identity.Policy)
	h.AssetsBucket.GrantReadWrite(grantee, jsii.String("_cache/*"))
	compliance.SuppressOnly(server.identity.Policy, "AwsSolutions-IAM5",
		"OpenNext's incremental cache keeps rendered pages under _cache/ in the assets bucket, with keys chosen at run time (read, write, delete); KMS's GenerateDataKey*/ReEncrypt* action families and S3's Abort/Get*/List* families are what CDK's grantReadWrite gives for one prefix. Nothing outside _cache/ and the uploads' objects.",
		"Resource::<"+h.logicalID(h.AssetsBucket)+".Arn>/_cache/*", "Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*",
		"Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*")
	h.ServerFunction = server.create(h, func(b *Bundle) string { return b.ServerDir }, &awslambda.FunctionProps{
		Description:                  jsii.String("MedBookings " + p.Environment + ": the Next.js server (OpenNext)"),
		MemorySize:                   jsii.Number(float64(p.ServerMemoryMiB)),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(ServerTimeoutSeconds)),
		ReservedConcurrentExecutions: jsii.Number(float64(h.ReservedConcurrency)),
		Environment:                  jsiiMap(h.Environment),
		Layers:                       &[]awslambda.ILayerVersion{layer},
	})
	compliance.Suppress(h.ServerFunction, map[string]string{
		"HIPAA.Security-LambdaDLQ": "Invoked synchronously through its function URL by CloudFront for each request: the caller gets the error; there is no asynchronous event to put in a dead-letter queue.",
		"AwsSolutions-L1":          "Node.js 22 is the newest runtime Next.js 14 supports (18 to 22), and the app is built with the same version; Node.js 24 waits for the app's move to Next.js 15.",
	})
}

func (h *Hosting) createImage() {
	p := h.props
	image := h.newAppFunction("Image", "image optimizer", "image optimizer (no database access)")
	h.AssetsBucket.GrantRead(image.identity.Grantee(), jsii.String("_assets/*"))
	compliance.SuppressOnly(image.identity.Policy, "AwsSolutions-IAM5",
		"The image optimizer reads source images from the static files under _assets/ (names known only at run time); Get*/List* are CDK's grantRead for one prefix.",
		"Resource::<"+h.logicalID(h.AssetsBucket)+".Arn>/_assets/*", "Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*")
	h.ImageFunction = image.create(h, func(b *Bundle) string { return b.ImageDir }, &awslambda.FunctionProps{
		Description:                  jsii.String("MedBookings " + p.Environment + ": next/image optimization (OpenNext, sharp for arm64)"),
		MemorySize:                   jsii.Number(1536),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(25)),
		ReservedConcurrentExecutions: jsii.Number(ImageConcurrency),
		Environment: jsiiMap(map[string]string{
			"BUCKET_NAME":       *h.AssetsBucket.BucketName(),
			"BUCKET_KEY_PREFIX": "_assets",
		}),
	})
	compliance.Suppress(h.ImageFunction, map[string]string{
		"HIPAA.Security-LambdaDLQ": "Invoked synchronously through its function URL by CloudFront: the caller gets the error; there is no asynchronous event to put in a dead-letter queue.",
		"AwsSolutions-L1":          "Node.js 22 matches the app's build (Next.js 14 supports Node 18 to 22) and sharp's prebuilt binaries for it.",
	})
}

// Function limits.
const (
	// OriginReadTimeoutSeconds is how long CloudFront waits for the server:
	// 60 s, the most it allows without a quota increase (the calendar sync
	// job runs through it).
	OriginReadTimeoutSeconds = 60
	// ServerTimeoutSeconds stays below OriginReadTimeoutSeconds, so the
	// server answers (with an error) before CloudFront gives up on it.
	ServerTimeoutSeconds = OriginReadTimeoutSeconds - 5
	// ImageConcurrency bounds the image optimizer: its answers are cached
	// by CloudFront for a day.
	ImageConcurrency = 10
)

func jsiiMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out[k] = jsii.String(m[k])
	}
	return &out
}
