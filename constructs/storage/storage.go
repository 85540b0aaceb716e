// Package storage is the uploads bucket of one MedBookings environment
// (replacing Vercel Blob): private, KMS-encrypted, versioned, TLS-only, with
// an access-log bucket. Documents are reached with presigned URLs; images
// meant to be public are put under PublicPrefix and served by CloudFront.
// See docs/storage.md.
package storage

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/buckets"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/kmsgrant"
)

// PublicPrefix is the key prefix of objects everyone may read through the
// environment's CloudFront distribution (at https://<host>/media/...):
// provider photos and organisation logos. Everything else is private.
const PublicPrefix = "media/"

// What GrantUploads gives, and what the browser may do across origins.
var (
	// ObjectActions are granted on the uploads bucket's objects only.
	ObjectActions = []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}
	// KeyActions are what S3 needs from the caller's identity to write
	// (GenerateDataKey) and read (Decrypt) objects under the bucket's key.
	// kms:Encrypt is never called by S3 and is not granted.
	KeyActions = []string{"kms:Decrypt", "kms:GenerateDataKey"}

	// CorsMethods are the methods of a presigned upload (PUT), download
	// (GET) and existence/size check (HEAD).
	CorsMethods = []awss3.HttpMethods{awss3.HttpMethods_GET, awss3.HttpMethods_PUT, awss3.HttpMethods_HEAD}
	// CorsAllowedHeaders are the request headers the browser may send beyond
	// the CORS-safelisted ones: the presigned PUT carries the file's
	// Content-Type. Everything else the signature needs travels in the URL's
	// query string (X-Amz-*), which CORS does not inspect.
	CorsAllowedHeaders = []string{"content-type"}
	// CorsExposedHeaders are readable by the page: the ETag confirms what
	// S3 stored (and is what a multipart upload's completion needs).
	CorsExposedHeaders = []string{"ETag"}
)

const (
	// CorsMaxAgeSeconds lets browsers cache a preflight for an hour.
	CorsMaxAgeSeconds = 3600
	// AbortIncompleteMultipartDays removes the parts of uploads that were
	// never completed (they are billed as storage but invisible in listings).
	AbortIncompleteMultipartDays = 7
)

// Props configure the storage construct.
type Props struct {
	// BucketName is the uploads bucket's physical name; AccessLogBucketName
	// its access-log bucket's ("" lets CloudFormation name it).
	BucketName, AccessLogBucketName string
	// RemovalPolicy of the buckets and the key (RETAIN or DESTROY; destroy
	// only succeeds on an emptied bucket: nothing is auto-deleted).
	RemovalPolicy awscdk.RemovalPolicy
	// CORSOrigins may upload and download directly from the browser.
	CORSOrigins []string
	// NoncurrentVersionExpiration deletes replaced or deleted versions.
	NoncurrentVersionExpiration awscdk.Duration
	// InfrequentAccessAfter moves current versions to STANDARD_IA; nil: never.
	InfrequentAccessAfter awscdk.Duration
	// AccessLogExpiration deletes server access logs.
	AccessLogExpiration awscdk.Duration
	// Key encrypts the uploads (the environment's data key); nil creates a
	// key of the bucket's own (<id>/Key).
	Key awskms.IKey
}

// Uploads is what the storage construct created.
type Uploads struct {
	constructs.Construct
	// Bucket holds the application's uploads.
	Bucket awss3.IBucket
	// LogBucket receives the uploads bucket's server access logs.
	LogBucket awss3.IBucket
	// Key encrypts the uploads bucket's objects (SSE-KMS, bucket key on).
	Key awskms.IKey

	name string // the bucket name, for messages
}

// New creates the uploads bucket of one environment, its KMS key and its
// access-log bucket under a construct with the given id ("Storage").
//
// Construct tree (part of the contract: renaming a child replaces a bucket):
//
//	<id>/Key             customer managed KMS key of the uploads bucket (without Props.Key)
//	<id>/AccessLogs      server access log bucket (SSE-S3)
//	<id>/Uploads         the uploads bucket
func New(scope constructs.Construct, id string, p Props) *Uploads {
	if p.BucketName == "" || len(p.CORSOrigins) == 0 || p.NoncurrentVersionExpiration == nil || p.AccessLogExpiration == nil {
		panic("storage.New: BucketName, CORSOrigins, NoncurrentVersionExpiration and AccessLogExpiration are required")
	}
	self := constructs.NewConstruct(scope, jsii.String(id))
	u := &Uploads{Construct: self, Key: p.Key, name: p.BucketName}
	if u.Key == nil {
		own := awskms.NewKey(self, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the objects of S3 bucket " + p.BucketName + " (MedBookings uploads)"),
			Alias:             jsii.String("alias/" + p.BucketName),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     p.RemovalPolicy,
		})
		compliance.GuardGrants(own)
		u.Key = own
	}
	u.LogBucket = u.createAccessLogs(p)
	u.Bucket = u.createUploads(p)
	return u
}

// createAccessLogs creates the server access log bucket (<id>/AccessLogs).
func (u *Uploads) createAccessLogs(p Props) awss3.IBucket {
	var logName *string
	if p.AccessLogBucketName != "" {
		logName = jsii.String(p.AccessLogBucketName)
	}
	logs := awss3.NewBucket(u.Construct, jsii.String("AccessLogs"), &awss3.BucketProps{
		BucketName: logName,
		// S3 server access logging cannot deliver to a bucket whose default
		// encryption is SSE-KMS: SSE-S3 is the only choice here.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		// Versioned so that a deleted or overwritten log stays recoverable
		// for the same undo window as an upload.
		Versioned:     jsii.Bool(true),
		RemovalPolicy: p.RemovalPolicy,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireAccessLogs"),
			Expiration:                          p.AccessLogExpiration,
			NoncurrentVersionExpiration:         p.NoncurrentVersionExpiration,
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(AbortIncompleteMultipartDays)),
		}},
	})
	compliance.Suppress(logs, map[string]string{
		"AwsSolutions-S1": "This is the server access log bucket: logging it into itself loops, and logging it into " +
			"a third bucket only moves the same finding there. Writes to it come from the S3 logging service only (bucket policy).",
		"HIPAA.Security-S3BucketLoggingEnabled": "This is the server access log bucket: logging it into itself loops, and " +
			"logging it into a third bucket only moves the same finding there.",
		"HIPAA.Security-S3DefaultEncryptionKMS": "S3 server access logging does not support destination buckets with SSE-KMS " +
			"default encryption; SSE-S3 (AES-256) is the only supported encryption. The logs hold request metadata (object keys, " +
			"requesters), not the uploaded documents.",
		"HIPAA.Security-S3BucketReplicationEnabled": "Access logs are audit data of a single-region deployment (multi-region is " +
			"out of scope in the requirements); they are versioned, TLS-only and kept for the configured period.",
	})
	return logs
}

// createUploads creates the uploads bucket (<id>/Uploads): the key, TLS,
// versioning, CORS for presigned browser transfers, lifecycle, access logs.
func (u *Uploads) createUploads(p Props) awss3.IBucket {
	lifecycle := []*awss3.LifecycleRule{
		{
			Id:                                  jsii.String("AbortIncompleteMultipartUploads"),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(AbortIncompleteMultipartDays)),
		},
		{
			// Replaced and deleted uploads stay restorable for this long.
			Id:                          jsii.String("ExpireNoncurrentVersions"),
			NoncurrentVersionExpiration: p.NoncurrentVersionExpiration,
			// Once its last version is gone, a delete marker is clutter.
			ExpiredObjectDeleteMarker: jsii.Bool(true),
		},
	}
	if p.InfrequentAccessAfter != nil {
		lifecycle = append(lifecycle, &awss3.LifecycleRule{
			// Objects under 128 KiB stay in STANDARD: see
			// TransitionDefaultMinimumObjectSize on the bucket.
			Id: jsii.String("CurrentVersionsToInfrequentAccess"),
			Transitions: &[]*awss3.Transition{{
				StorageClass:    awss3.StorageClass_INFREQUENT_ACCESS(),
				TransitionAfter: p.InfrequentAccessAfter,
			}},
		})
	}

	allowedOrigins := jsii.Strings(p.CORSOrigins...)
	props := buckets.Private(jsii.String(p.BucketName), u.Key, p.RemovalPolicy)
	// No autoDeleteObjects: it would add a Lambda-backed custom resource
	// that empties the bucket on delete — the one thing medical records
	// must never be exposed to. Deleting staging needs an emptied bucket.
	props.AutoDeleteObjects = jsii.Bool(false)
	props.Cors = &[]*awss3.CorsRule{{
		Id:             jsii.String("PresignedBrowserAccess"),
		AllowedOrigins: allowedOrigins,
		AllowedMethods: &CorsMethods,
		AllowedHeaders: jsii.Strings(CorsAllowedHeaders...),
		ExposedHeaders: jsii.Strings(CorsExposedHeaders...),
		MaxAge:         jsii.Number(CorsMaxAgeSeconds),
	}}
	props.LifecycleRules = &lifecycle
	// Lifecycle transitions skip objects under 128 KiB: STANDARD_IA bills
	// them as 128 KiB, so moving them would cost more, not less.
	props.TransitionDefaultMinimumObjectSize = awss3.TransitionDefaultMinimumObjectSize_ALL_STORAGE_CLASSES_128_K
	props.ServerAccessLogsBucket = u.LogBucket
	props.ServerAccessLogsPrefix = jsii.String(p.BucketName + "/")
	props.TargetObjectKeyFormat = awss3.TargetObjectKeyFormat_PartitionedPrefix(awss3.PartitionDateSource_EVENT_TIME)
	bucket := awss3.NewBucket(u.Construct, jsii.String("Uploads"), props)
	compliance.Suppress(bucket, map[string]string{
		"HIPAA.Security-S3BucketReplicationEnabled": "Cross-region replication is a multi-region DR measure and the requirements " +
			"keep MedBookings in eu-west-1 only (the database and the bucket share one region). Accidental loss is covered by " +
			"versioning with a noncurrent-version retention window and a retained bucket and key in production; S3 stores " +
			"objects redundantly across at least three availability zones.",
	})
	return bucket
}

// GrantUploads gives grantee (the server's role) exactly what uploads need:
// s3:PutObject, s3:GetObject and s3:DeleteObject on the objects of the
// uploads bucket, and kms:GenerateDataKey / kms:Decrypt on its key when
// called through S3. No bucket-level action (no ListBucket: the app knows
// its object keys; a missing key answers 403, not 404) and nothing on any
// other bucket.
//
// The object ARN ends in "/*", which AwsSolutions-IAM5 reports: policy (the
// construct the grantee's statements land in) gets a suppression for that
// one finding, so any other wildcard there still fails the check.
func (u *Uploads) GrantUploads(grantee awsiam.IGrantable, policy constructs.IConstruct) awsiam.Grant {
	objects := u.Bucket.ArnForObjects(jsii.String("*"))
	grant := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(ObjectActions...),
		ResourceArns: &[]*string{objects},
	})
	keyGrant := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(KeyActions...),
		ResourceArns: &[]*string{u.Key.KeyArn()},
		Conditions: &map[string]*map[string]any{
			"StringEquals": {"kms:ViaService": jsii.String("s3." + *awscdk.Stack_Of(u.Bucket).Region() + ".amazonaws.com")},
		},
	})
	compliance.SuppressOnly(policy, "AwsSolutions-IAM5",
		"Uploads are objects with keys chosen at run time under bucket "+u.name+
			": put/get/delete must apply to <bucket ARN>/*, and to no other bucket and no bucket-level action.",
		u.ObjectsFinding())
	return grant.Combine(keyGrant)
}

// ObjectsFinding is the AwsSolutions-IAM5 finding that the grant's object
// ARN produces ("Resource::<LogicalId.Arn>/*").
func (u *Uploads) ObjectsFinding() string {
	stack := awscdk.Stack_Of(u.Bucket)
	cfn := u.Bucket.Node().DefaultChild().(awscdk.CfnElement)
	logicalID := stack.Resolve(stack.GetLogicalId(cfn))
	return "Resource::<" + logicalID.(string) + ".Arn>/*"
}

// AllowPublicRead lets the CloudFront distribution distributionARN (through
// its origin access control) read the objects under PublicPrefix, and
// nothing else of the bucket; the key lets it decrypt them.
func (u *Uploads) AllowPublicRead(distributionARN *string) {
	principal := awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)
	source := &map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": distributionARN}}
	u.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudFrontReadsPublicMedia"),
		Principals: &[]awsiam.IPrincipal{principal},
		Actions:    jsii.Strings("s3:GetObject"),
		Resources:  &[]*string{u.Bucket.ArnForObjects(jsii.String(PublicPrefix + "*"))},
		Conditions: source,
	}))
	// The key lets any distribution of this account decrypt; the bucket
	// policy above admits only distributionARN, and only PublicPrefix.
	kmsgrant.CloudFrontDecrypt(u.Key)
}
