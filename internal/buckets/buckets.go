// Package buckets holds the baseline of every S3 bucket that keeps the
// app's data (the uploads, the static files), so that the two constructs
// that make one cannot drift apart.
package buckets

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
)

// Private are the props of a bucket named name: encrypted with key (S3
// Bucket Keys on, SSE-C refused: it would let anyone holding s3:PutObject
// re-encrypt objects with a key we never see), no public access, ACLs off,
// TLS 1.2 or later only, versioned, removed as removal says. The caller
// adds the rest (lifecycle, logging, CORS).
func Private(name *string, key awskms.IKey, removal awscdk.RemovalPolicy) *awss3.BucketProps {
	tls12, on := 1.2, true
	return &awss3.BucketProps{
		BucketName:             name,
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       &on,
		BlockedEncryptionTypes: &[]awss3.BlockedEncryptionType{awss3.BlockedEncryptionType_SSE_C()},
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:             &on,
		MinimumTLSVersion:      &tls12,
		Versioned:              &on,
		RemovalPolicy:          removal,
	}
}
