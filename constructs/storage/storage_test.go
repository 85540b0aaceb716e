package storage_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/storage"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdafn"
)

// Pinned logical IDs of the stateful resources under the construct ID
// "Storage" that the stack uses. A change here replaces a bucket or a key:
// never update these without a migration plan.
const (
	uploadsBucketID = "StorageUploadsBDC5E374"
	logBucketID     = "StorageAccessLogs96FB524C"
	keyID           = "StorageKeyBAA9457B"
)

// distributionARN is the stand-in CloudFront distribution of AllowPublicRead.
const distributionARN = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"

// variant is one synthesized test stack: the construct built from props,
// with a role (and the managed policy its grants land in) standing in for
// the hosting construct's server, and what the test expects, written out.
type variant struct {
	name  string // the stack's name
	props storage.Props
	// publicRead: AllowPublicRead(distributionARN) was called.
	publicRead bool

	deletionPolicy                        string
	noncurrentDays, iaDays, accessLogDays int // iaDays 0: no transition rule

	stack            awscdk.Stack
	uploads          *storage.Uploads
	grant            awsiam.Grant
	roleID, policyID string
	tpl              assertions.Template
	json             map[string]any
}

// fixture is one app with a retained and a destroyable variant, with the
// compliance packs, synthesized once. (CDK's CloudFormation validation runs
// once for the whole app, in the root package's tests.)
type fixture struct {
	asm             cxapi.CloudAssembly
	retain, destroy *variant
}

func (f *fixture) variants() []*variant { return []*variant{f.retain, f.destroy} }

var (
	fixOnce sync.Once
	fix     *fixture
)

func days(n float64) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(n)) }

// build adds the variant's construct, role, policy and grant to a new
// stack of app.
func (v *variant) build(app awscdk.App) {
	v.stack = awscdk.NewStack(app, jsii.String(v.name), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(cdktest.Region)}})
	v.uploads = storage.New(v.stack, "Storage", v.props)
	role := awsiam.NewRole(v.stack, jsii.String("ServerRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	policy := awsiam.NewManagedPolicy(v.stack, jsii.String("ServerPolicy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{role},
	})
	v.grant = v.uploads.GrantUploads(lambdafn.Grantee(role, policy), policy) // as the hosting construct grants
	if v.publicRead {
		v.uploads.AllowPublicRead(jsii.String(distributionARN))
	}
	v.roleID = *v.stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement))
	v.policyID = *v.stack.GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))
}

// getFixture builds and synthesizes the app on first use.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{
			retain: &variant{name: "TestRetain", publicRead: true, props: storage.Props{
				BucketName:                  "medbookings-uploads-retained",
				RemovalPolicy:               awscdk.RemovalPolicy_RETAIN,
				CORSOrigins:                 []string{"https://example.org", "https://www.example.org"},
				NoncurrentVersionExpiration: days(120),
				InfrequentAccessAfter:       days(45),
				AccessLogExpiration:         days(400),
			}, deletionPolicy: "Retain", noncurrentDays: 120, iaDays: 45, accessLogDays: 400},
			destroy: &variant{name: "TestDestroy", props: storage.Props{
				BucketName:                  "medbookings-uploads-destroyed",
				RemovalPolicy:               awscdk.RemovalPolicy_DESTROY,
				CORSOrigins:                 []string{"https://staging.example.org"},
				NoncurrentVersionExpiration: days(12),
				AccessLogExpiration:         days(34),
			}, deletionPolicy: "Delete", noncurrentDays: 12, accessLogDays: 34},
		}
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		cdktest.Must(t, func() {
			for _, v := range f.variants() {
				v.build(app)
			}
			compliance.AddPacks(app, false)
			f.asm = app.Synth(nil)
		})
		for _, v := range f.variants() {
			raw, err := json.Marshal(f.asm.GetStackArtifact(jsii.String(v.name)).Template())
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &v.json); err != nil {
				t.Fatal(err)
			}
			cdktest.Must(t, func() { v.tpl = assertions.Template_FromJSON(&v.json, nil) })
		}
		fix = f
	})
	if fix == nil {
		t.Fatal("the shared test app failed to build (see the first failing test)")
	}
	return fix
}

// resource returns the resource with a logical ID, or fails the test.
func resource(t *testing.T, tpl map[string]any, typ, id string) map[string]any {
	t.Helper()
	all := resources(tpl, typ)
	r, ok := all[id]
	if !ok {
		t.Fatalf("no %s with logical ID %s (have %v)", typ, id, slices.Sorted(maps.Keys(all)))
	}
	return r
}

// bucketPolicy returns the statements of the bucket policy of a bucket.
func bucketPolicy(t *testing.T, tpl map[string]any, bucketID string) []any {
	t.Helper()
	var found []any
	n := 0
	for _, pol := range resources(tpl, "AWS::S3::BucketPolicy") {
		p := props(pol)
		if reflect.DeepEqual(p["Bucket"], ref(bucketID)) {
			found, _ = p["PolicyDocument"].(map[string]any)["Statement"].([]any)
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d bucket policies for %s, want 1", n, bucketID)
	}
	return found
}

func objects(bucketID, pattern string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{getAtt(bucketID, "Arn"), pattern}}}
}

// asJSON round-trips v so that expected values compare with decoded templates.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func equalJSON(t *testing.T, what string, want, got any) {
	t.Helper()
	w, g := asJSON(t, want), asJSON(t, got)
	if !reflect.DeepEqual(w, g) {
		wb, _ := json.MarshalIndent(w, "", "  ")
		gb, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("%s:\nwant %s\n got %s", what, wb, gb)
	}
}

// tlsOnly asserts that a bucket's policy denies plain HTTP and TLS < 1.2.
func tlsOnly(t *testing.T, v *variant, bucketID string) {
	t.Helper()
	deny := func(condition map[string]any) assertions.Matcher {
		return assertions.Match_ObjectLike(&map[string]any{
			"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"}, "Condition": condition,
			"Resource": []any{getAtt(bucketID, "Arn"), objects(bucketID, "/*")},
		})
	}
	cdktest.Check(t, "TLS-only policy on "+bucketID, func() {
		v.tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), &map[string]any{
			"Bucket": ref(bucketID),
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				deny(map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}),
				deny(map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}}),
			})}),
		})
	})
}

var publicAccessBlocked = map[string]any{
	"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
}

var ownershipEnforced = map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}

// The uploads bucket: its name, SSE-KMS with a bucket key and SSE-C
// blocked, versioned, private, owner-enforced, TLS 1.2 only, CORS for
// presigned browser access from CORSOrigins, lifecycle rules from props,
// access logs into the log bucket, and the removal policy of props.
func TestUploadsBucket(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			b := resource(t, v.json, "AWS::S3::Bucket", uploadsBucketID)
			p := props(b)
			if b["DeletionPolicy"] != v.deletionPolicy || b["UpdateReplacePolicy"] != v.deletionPolicy {
				t.Errorf("removal policy: DeletionPolicy %v, UpdateReplacePolicy %v; want %s", b["DeletionPolicy"], b["UpdateReplacePolicy"], v.deletionPolicy)
			}
			equalJSON(t, "BucketName", v.props.BucketName, p["BucketName"])
			equalJSON(t, "PublicAccessBlockConfiguration", publicAccessBlocked, p["PublicAccessBlockConfiguration"])
			equalJSON(t, "OwnershipControls", ownershipEnforced, p["OwnershipControls"])
			equalJSON(t, "VersioningConfiguration", map[string]any{"Status": "Enabled"}, p["VersioningConfiguration"])
			equalJSON(t, "BucketEncryption", map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled":       true,
				"BlockedEncryptionTypes": map[string]any{"EncryptionType": []any{"SSE-C"}},
				"ServerSideEncryptionByDefault": map[string]any{
					"SSEAlgorithm":   "aws:kms",
					"KMSMasterKeyID": getAtt(keyID, "Arn"),
				},
			}}}, p["BucketEncryption"])
			equalJSON(t, "CorsConfiguration", map[string]any{"CorsRules": []any{map[string]any{
				"Id":             "PresignedBrowserAccess",
				"AllowedOrigins": v.props.CORSOrigins,
				"AllowedMethods": []any{"GET", "PUT", "HEAD"},
				"AllowedHeaders": []any{"content-type"},
				"ExposedHeaders": []any{"ETag"},
				"MaxAge":         3600,
			}}}, p["CorsConfiguration"])

			rules := []any{
				map[string]any{"Id": "AbortIncompleteMultipartUploads", "Status": "Enabled",
					"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7}},
				map[string]any{"Id": "ExpireNoncurrentVersions", "Status": "Enabled", "ExpiredObjectDeleteMarker": true,
					"NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": v.noncurrentDays}},
			}
			if v.iaDays > 0 {
				rules = append(rules, map[string]any{"Id": "CurrentVersionsToInfrequentAccess", "Status": "Enabled",
					"Transitions": []any{map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": v.iaDays}}})
			}
			equalJSON(t, "LifecycleConfiguration", map[string]any{
				"Rules":                              rules,
				"TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
			}, p["LifecycleConfiguration"])

			equalJSON(t, "LoggingConfiguration", map[string]any{
				"DestinationBucketName": ref(logBucketID),
				"LogFilePrefix":         v.props.BucketName + "/",
				"TargetObjectKeyFormat": map[string]any{"PartitionedPrefix": map[string]any{"PartitionDateSource": "EventTime"}},
			}, p["LoggingConfiguration"])
			tlsOnly(t, v, uploadsBucketID)

			// Nothing that could empty a bucket: no autoDeleteObjects custom
			// resource or Lambda, and no IAM user or access key.
			for _, typ := range []string{"Custom::S3AutoDeleteObjects", "AWS::Lambda::Function", "AWS::IAM::User", "AWS::IAM::AccessKey"} {
				if n := len(resources(v.json, typ)); n != 0 {
					t.Errorf("%d %s resources; want none", n, typ)
				}
			}
		})
	}
}

// The uploads bucket policy allows nothing but what AllowPublicRead adds:
// without it, only the two TLS denies.
func TestUploadsBucketPolicyWithoutPublicRead(t *testing.T) {
	v := getFixture(t).destroy
	for _, st := range bucketPolicy(t, v.json, uploadsBucketID) {
		if st.(map[string]any)["Effect"] != "Deny" {
			t.Errorf("uploads bucket policy allows something: %v", st)
		}
	}
	key := props(resource(t, v.json, "AWS::KMS::Key", keyID))
	if strings.Contains(fmt.Sprint(key["KeyPolicy"]), "cloudfront") {
		t.Errorf("key policy lets CloudFront in without AllowPublicRead: %v", key["KeyPolicy"])
	}
}

// The access log bucket: private, owner-enforced, SSE-S3 (S3 logging
// cannot write SSE-KMS), versioned, TLS 1.2 only, expiring its logs, and
// written by the S3 logging service for the uploads bucket only.
func TestAccessLogBucket(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			lb := resource(t, v.json, "AWS::S3::Bucket", logBucketID)
			lp := props(lb)
			if lb["DeletionPolicy"] != v.deletionPolicy || lb["UpdateReplacePolicy"] != v.deletionPolicy {
				t.Errorf("log bucket DeletionPolicy %v, UpdateReplacePolicy %v; want %s", lb["DeletionPolicy"], lb["UpdateReplacePolicy"], v.deletionPolicy)
			}
			if _, named := lp["BucketName"]; named {
				t.Errorf("the log bucket needs no physical name, got %v", lp["BucketName"])
			}
			equalJSON(t, "log PublicAccessBlockConfiguration", publicAccessBlocked, lp["PublicAccessBlockConfiguration"])
			equalJSON(t, "log OwnershipControls", ownershipEnforced, lp["OwnershipControls"])
			equalJSON(t, "log BucketEncryption", map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
			}}}, lp["BucketEncryption"])
			equalJSON(t, "log VersioningConfiguration", map[string]any{"Status": "Enabled"}, lp["VersioningConfiguration"])
			equalJSON(t, "log LifecycleConfiguration", map[string]any{"Rules": []any{map[string]any{
				"Id": "ExpireAccessLogs", "Status": "Enabled", "ExpirationInDays": v.accessLogDays,
				"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": v.noncurrentDays},
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
			}}}, lp["LifecycleConfiguration"])
			for _, k := range []string{"LoggingConfiguration", "CorsConfiguration"} {
				if got, ok := lp[k]; ok {
					t.Errorf("log bucket has %s: %v", k, got)
				}
			}
			tlsOnly(t, v, logBucketID)

			var allows []any
			for _, st := range bucketPolicy(t, v.json, logBucketID) {
				if st.(map[string]any)["Effect"] != "Deny" {
					allows = append(allows, st)
				}
			}
			equalJSON(t, "log bucket allows", []any{map[string]any{
				"Effect":    "Allow",
				"Action":    "s3:PutObject",
				"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
				"Resource":  objects(logBucketID, "/"+v.props.BucketName+"/*"),
				"Condition": map[string]any{
					"ArnLike":      map[string]any{"aws:SourceArn": getAtt(uploadsBucketID, "Arn")},
					"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
				},
			}}, allows)
		})
	}
}

// The key: rotated, removed like the buckets, with an alias an operator
// recognizes.
func TestKey(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			k := resource(t, v.json, "AWS::KMS::Key", keyID)
			if props(k)["EnableKeyRotation"] != true {
				t.Errorf("key rotation is off")
			}
			if k["DeletionPolicy"] != v.deletionPolicy || k["UpdateReplacePolicy"] != v.deletionPolicy {
				t.Errorf("key DeletionPolicy %v, UpdateReplacePolicy %v; want %s", k["DeletionPolicy"], k["UpdateReplacePolicy"], v.deletionPolicy)
			}
			if d, _ := props(k)["Description"].(string); !strings.Contains(d, v.props.BucketName) {
				t.Errorf("key description %q does not name the bucket", d)
			}
			cdktest.Check(t, "key alias", func() {
				v.tpl.HasResourceProperties(jsii.String("AWS::KMS::Alias"), &map[string]any{
					"AliasName": "alias/" + v.props.BucketName, "TargetKeyId": getAtt(keyID, "Arn"),
				})
			})
		})
	}
}

// Stateful resources keep their logical IDs and construct paths (a change
// is a replacement), and the fields are those resources.
func TestConstructTreePinned(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			for typ, want := range map[string][]string{
				"AWS::S3::Bucket": {logBucketID, uploadsBucketID},
				"AWS::KMS::Key":   {keyID},
			} {
				if got := slices.Sorted(maps.Keys(resources(v.json, typ))); !slices.Equal(got, want) {
					t.Errorf("%s logical IDs %v, want %v", typ, got, want)
				}
			}
			for id, path := range map[string]string{
				uploadsBucketID: "Storage/Uploads", logBucketID: "Storage/AccessLogs", keyID: "Storage/Key",
			} {
				r := v.json["Resources"].(map[string]any)[id].(map[string]any)
				if got := r["Metadata"].(map[string]any)["aws:cdk:path"]; got != v.name+"/"+path+"/Resource" {
					t.Errorf("%s construct path %v, want %s/%s/Resource", id, got, v.name, path)
				}
			}
			// The bucket with the configured name is the pinned one.
			cdktest.Check(t, "named bucket", func() {
				id := v.tpl.GetResourceId(jsii.String("AWS::S3::Bucket"), &map[string]any{
					"Properties": assertions.Match_ObjectLike(&map[string]any{"BucketName": v.props.BucketName}),
				})
				if *id != uploadsBucketID {
					t.Errorf("the bucket named %s has logical ID %s, pinned %s", v.props.BucketName, *id, uploadsBucketID)
				}
			})

			var got any
			cdktest.Must(t, func() {
				got = v.stack.Resolve(&[]*string{v.uploads.Bucket.BucketName(), v.uploads.LogBucket.BucketName(), v.uploads.Key.KeyArn()})
			})
			equalJSON(t, "Bucket, LogBucket, Key fields", []any{ref(uploadsBucketID), ref(logBucketID), getAtt(keyID, "Arn")}, got)
			if got, want := *v.uploads.Node().Path(), v.name+"/Storage"; got != want {
				t.Errorf("construct path %s, want %s", got, want)
			}
		})
	}
}

// GrantUploads gives the grantee exactly two statements, in the managed
// policy it was given: put/get/delete on the bucket's objects, and the key
// through S3 in the bucket's region; it touches no resource policy, and
// suppresses AwsSolutions-IAM5 on the policy for exactly the objects ARN.
func TestGrantUploads(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			if !*v.grant.Success() {
				t.Errorf("GrantUploads did not succeed")
			}
			if n := len(resources(v.json, "AWS::IAM::Policy")); n != 0 {
				t.Errorf("%d inline IAM policies; the grant belongs in the managed policy", n)
			}
			pol := resource(t, v.json, "AWS::IAM::ManagedPolicy", v.policyID)
			p := props(pol)
			equalJSON(t, "policy roles", []any{ref(v.roleID)}, p["Roles"])
			equalJSON(t, "statements", []any{
				map[string]any{
					"Effect":   "Allow",
					"Action":   []any{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
					"Resource": objects(uploadsBucketID, "/*"),
				},
				map[string]any{
					"Effect":    "Allow",
					"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey"},
					"Resource":  getAtt(keyID, "Arn"),
					"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + cdktest.Region + ".amazonaws.com"}},
				},
			}, p["PolicyDocument"].(map[string]any)["Statement"])

			// The grant is identity-based only: no bucket or key policy names the role.
			for _, typ := range []string{"AWS::S3::BucketPolicy", "AWS::KMS::Key"} {
				for id, r := range resources(v.json, typ) {
					raw, _ := json.Marshal(r)
					if strings.Contains(string(raw), v.roleID) {
						t.Errorf("%s %s mentions the grantee %s", typ, id, v.roleID)
					}
				}
			}

			finding := v.uploads.ObjectsFinding()
			if want := "Resource::<" + uploadsBucketID + ".Arn>/*"; finding != want {
				t.Errorf("ObjectsFinding = %q, want %q", finding, want)
			}
			nag, _ := pol["Metadata"].(map[string]any)["cdk_nag"].(map[string]any)
			suppressions, _ := nag["rules_to_suppress"].([]any)
			if len(suppressions) != 1 {
				t.Fatalf("policy suppressions %v, want exactly the IAM5 one", suppressions)
			}
			s := suppressions[0].(map[string]any)
			if s["id"] != "AwsSolutions-IAM5" || s["reason"] == "" {
				t.Errorf("suppression %v, want AwsSolutions-IAM5 with a reason", s)
			}
			equalJSON(t, "IAM5 appliesTo", []any{finding}, s["applies_to"])
		})
	}
}

// AllowPublicRead lets the distribution (through its origin access
// control) get objects under media/ only, and lets CloudFront decrypt them
// for distributions of this account only.
func TestAllowPublicRead(t *testing.T) {
	v := getFixture(t).retain
	var allows []any
	for _, st := range bucketPolicy(t, v.json, uploadsBucketID) {
		if st.(map[string]any)["Effect"] != "Deny" {
			allows = append(allows, st)
		}
	}
	if storage.PublicPrefix != "media/" {
		t.Errorf("PublicPrefix %q: the hosting construct and the app serve /media/", storage.PublicPrefix)
	}
	equalJSON(t, "bucket policy allows", []any{map[string]any{
		"Sid":       "CloudFrontReadsPublicMedia",
		"Effect":    "Allow",
		"Action":    "s3:GetObject",
		"Principal": map[string]any{"Service": "cloudfront.amazonaws.com"},
		"Resource":  objects(uploadsBucketID, "/media/*"),
		"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": distributionARN}},
	}}, allows)

	keyPolicy := props(resource(t, v.json, "AWS::KMS::Key", keyID))["KeyPolicy"].(map[string]any)
	var cloudfront []any
	for _, st := range keyPolicy["Statement"].([]any) {
		if strings.Contains(fmt.Sprint(st), "cloudfront") {
			cloudfront = append(cloudfront, st)
		}
	}
	equalJSON(t, "key policy for CloudFront", []any{map[string]any{
		"Sid":       "CloudFrontDecrypts",
		"Effect":    "Allow",
		"Action":    "kms:Decrypt",
		"Principal": map[string]any{"Service": "cloudfront.amazonaws.com"},
		"Resource":  "*",
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")},
			"ArnLike": map[string]any{"aws:SourceArn": map[string]any{"Fn::Join": []any{"", []any{
				"arn:aws:cloudfront::", ref("AWS::AccountId"), ":distribution/*",
			}}}},
		},
	}}, cloudfront)
}

// cdk-nag (AwsSolutions, HIPAA Security, NIST 800-53 rev 5) reports nothing unsuppressed.
func TestCompliance(t *testing.T) {
	for _, f := range compliance.Findings(getFixture(t).asm) {
		t.Errorf("finding: %s", f)
	}
}

// New refuses props without a required value, naming it.
func TestBadProps(t *testing.T) {
	valid := storage.Props{
		BucketName: "medbookings-uploads-bad", CORSOrigins: []string{"https://example.org"},
		NoncurrentVersionExpiration: days(1), AccessLogExpiration: days(1),
	}
	cases := []struct {
		missing string
		change  func(p *storage.Props)
	}{
		{"BucketName", func(p *storage.Props) { p.BucketName = "" }},
		{"CORSOrigins", func(p *storage.Props) { p.CORSOrigins = nil }},
		{"NoncurrentVersionExpiration", func(p *storage.Props) { p.NoncurrentVersionExpiration = nil }},
		{"AccessLogExpiration", func(p *storage.Props) { p.AccessLogExpiration = nil }},
	}
	for _, tc := range cases {
		t.Run(tc.missing, func(t *testing.T) {
			p := valid
			tc.change(&p)
			stack := cdktest.BareStack(t, "Bad")
			msg := func() (msg string) {
				defer func() {
					if r := recover(); r != nil {
						msg = fmt.Sprint(r)
					}
				}()
				storage.New(stack, "Storage", p)
				return ""
			}()
			if msg == "" {
				t.Fatalf("New accepted props without %s", tc.missing)
			}
			for _, w := range []string{"storage.New", tc.missing, "required"} {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// Template readers shared by the tests (internal/cdktest).
var (
	resources = cdktest.OfType
	props     = cdktest.Props
	ref       = cdktest.Ref
	getAtt    = cdktest.GetAtt
)
