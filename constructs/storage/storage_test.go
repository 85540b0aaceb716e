package storage_test

import (
	"encoding/json"
	"reflect"
	"regexp"
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
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// Pinned logical IDs of the stateful resources under the construct ID
// "Storage" that the stack uses. A change here replaces a bucket or a key:
// never update these without a migration plan.
const (
	uploadsBucketID = "StorageUploadsBDC5E374"
	logBucketID     = "StorageAccessLogs96FB524C"
	keyID           = "StorageKeyBAA9457B"
)

const region = "eu-west-1"

// env is one environment's synthesized test stack: the construct with a
// stand-in for the hosting compute role that receives GrantUploads.
type env struct {
	settings stacks.Environment
	uploads  *storage.Uploads
	roleID   string
	tpl      assertions.Template
	json     map[string]any
}

type fixture struct {
	asm  cxapi.CloudAssembly
	envs map[string]*env
	// custom is a stack built from a hand-changed Config (IA on in staging).
	custom *env
}

var (
	fixOnce sync.Once
	fix     *fixture
)

func newTestStack(app awscdk.App, name string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
}

func addUploads(t *testing.T, stack awscdk.Stack, cfg storage.Config) *env {
	u := storage.NewStorage(stack, jsii.String("Storage"), &storage.Props{Config: cfg})
	role := awsiam.NewRole(stack, jsii.String("AppRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("amplify.amazonaws.com"), nil),
	})
	g := u.GrantUploads(role)
	if !*g.Success() {
		t.Fatalf("GrantUploads on a role did not succeed")
	}
	compliance.Suppress(role, map[string]string{
		"HIPAA.Security-IAMNoInlinePolicy": "Test stand-in for the hosting construct's compute role; how that role " +
			"holds its policies is the hosting construct's decision and is checked there.",
	})
	return &env{uploads: u, roleID: *stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement))}
}

// shared synthesizes one app (both environments plus a custom stack, with
// the compliance packs) once for the whole package.
func shared(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		s, err := stacks.Load(cdktest.Context(t))
		if err != nil {
			t.Fatalf("load cdk.json: %v", err)
		}
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		f := &fixture{envs: map[string]*env{}}
		stackNames := map[*env]string{}
		for _, e := range s.Environments() {
			name := "Test" + e.Title()
			ev := addUploads(t, newTestStack(app, name), e.Storage)
			ev.settings = e
			f.envs[e.Name] = ev
			stackNames[ev] = name
		}
		custom := s.Staging.Storage
		custom.InfrequentAccessAfterDays = 45
		custom.NoncurrentVersionExpirationDays = 12
		custom.AccessLogExpirationDays = 34
		custom.RemovalPolicy = "retain"
		f.custom = addUploads(t, newTestStack(app, "TestCustom"), custom)
		stackNames[f.custom] = "TestCustom"

		compliance.AddPacks(app)
		cdktest.Must(t, func() { f.asm = app.Synth(nil) })
		for ev, name := range stackNames {
			raw, err := json.Marshal(f.asm.GetStackArtifact(jsii.String(name)).Template())
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &ev.json); err != nil {
				t.Fatal(err)
			}
			ev.tpl = assertions.Template_FromJSON(&ev.json, nil)
		}
		fix = f
	})
	if fix == nil {
		t.Fatal("the shared test app failed to build (see the first failing test)")
	}
	return fix
}

// resources returns the template's resources of a type by logical ID.
func resources(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
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

func TestEnvironmentVariableNames(t *testing.T) {
	nameRE := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	for _, n := range []string{storage.EnvBucketName, storage.EnvBucketRegion} {
		if strings.HasPrefix(n, "AWS_") || !nameRE.MatchString(n) {
			t.Errorf("%q: Amplify needs a name that does not start with AWS_ and is upper-case letters, digits and _", n)
		}
	}
	if storage.EnvBucketName != "UPLOADS_BUCKET_NAME" || storage.EnvBucketRegion != "UPLOADS_BUCKET_REGION" {
		t.Errorf("the documented names changed: %s, %s (README, docs/storage.md and the app read them)", storage.EnvBucketName, storage.EnvBucketRegion)
	}
}

func TestUploadsBucket(t *testing.T) {
	f := shared(t)
	cases := []struct {
		env            string
		name           string
		deletionPolicy string
		origins        []string
		noncurrentDays int
		iaDays         int // 0: no transition rule
		logDays        int
	}{
		{env: "staging", name: "medbookings-uploads-staging", deletionPolicy: "Delete",
			origins: []string{"https://staging.medbookings.co.za"}, noncurrentDays: 30, iaDays: 0, logDays: 90},
		{env: "production", name: "medbookings-uploads-production", deletionPolicy: "Retain",
			origins: []string{"https://medbookings.co.za", "https://www.medbookings.co.za"}, noncurrentDays: 90, iaDays: 90, logDays: 365},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			e := f.envs[tc.env]
			// GIVEN cdk.json's settings of the environment, WHEN synthesized, THEN:
			if got := e.settings.Storage.BucketName; got != tc.name {
				t.Fatalf("cdk.json bucketName = %q, the requirements name %q", got, tc.name)
			}
			buckets := resources(e.json, "AWS::S3::Bucket")
			b, ok := buckets[uploadsBucketID]
			if !ok {
				t.Fatalf("no uploads bucket with logical ID %s (have %v)", uploadsBucketID, keys(buckets))
			}
			p := b["Properties"].(map[string]any)

			if b["DeletionPolicy"] != tc.deletionPolicy || b["UpdateReplacePolicy"] != tc.deletionPolicy {
				t.Errorf("removal policy: DeletionPolicy %v, UpdateReplacePolicy %v; want %s", b["DeletionPolicy"], b["UpdateReplacePolicy"], tc.deletionPolicy)
			}
			equalJSON(t, "BucketName", tc.name, p["BucketName"])
			equalJSON(t, "PublicAccessBlockConfiguration", map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			}, p["PublicAccessBlockConfiguration"])
			equalJSON(t, "OwnershipControls", map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}, p["OwnershipControls"])
			equalJSON(t, "VersioningConfiguration", map[string]any{"Status": "Enabled"}, p["VersioningConfiguration"])
			equalJSON(t, "BucketEncryption", map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled":       true,
				"BlockedEncryptionTypes": map[string]any{"EncryptionType": []any{"SSE-C"}},
				"ServerSideEncryptionByDefault": map[string]any{
					"SSEAlgorithm":   "aws:kms",
					"KMSMasterKeyID": getAtt(keyID, "Arn"),
				},
			}}}, p["BucketEncryption"])
			origins := make([]any, len(tc.origins))
			for i, o := range tc.origins {
				origins[i] = o
			}
			equalJSON(t, "CorsConfiguration", map[string]any{"CorsRules": []any{map[string]any{
				"Id":             "PresignedBrowserAccess",
				"AllowedOrigins": origins,
				"AllowedMethods": []any{"GET", "PUT", "HEAD"},
				"AllowedHeaders": []any{"content-type"},
				"ExposedHeaders": []any{"ETag"},
				"MaxAge":         3600,
			}}}, p["CorsConfiguration"])

			rules := []any{
				map[string]any{"Id": "AbortIncompleteMultipartUploads", "Status": "Enabled",
					"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7}},
				map[string]any{"Id": "ExpireNoncurrentVersions", "Status": "Enabled", "ExpiredObjectDeleteMarker": true,
					"NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": tc.noncurrentDays}},
			}
			if tc.iaDays > 0 {
				rules = append(rules, map[string]any{"Id": "CurrentVersionsToInfrequentAccess", "Status": "Enabled",
					"Transitions": []any{map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": tc.iaDays}}})
			}
			equalJSON(t, "LifecycleConfiguration", map[string]any{
				"Rules":                              rules,
				"TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
			}, p["LifecycleConfiguration"])

			equalJSON(t, "LoggingConfiguration", map[string]any{
				"DestinationBucketName": map[string]any{"Ref": logBucketID},
				"LogFilePrefix":         tc.name + "/",
				"TargetObjectKeyFormat": map[string]any{"PartitionedPrefix": map[string]any{"PartitionDateSource": "EventTime"}},
			}, p["LoggingConfiguration"])

			// TLS only, TLS 1.2 or newer.
			tlsOnly := func(bucketID string) {
				cdktest.Check(t, "TLS-only policy on "+bucketID, func() {
					e.tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), &map[string]any{
						"Bucket": map[string]any{"Ref": bucketID},
						"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
							assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"},
								"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
							assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"},
								"Condition": map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}}}),
						})}),
					})
				})
			}
			tlsOnly(uploadsBucketID)
			tlsOnly(logBucketID)

			// The uploads bucket policy grants nothing to anyone: only the two denies.
			for _, pol := range resources(e.json, "AWS::S3::BucketPolicy") {
				pp := pol["Properties"].(map[string]any)
				if reflect.DeepEqual(pp["Bucket"], map[string]any{"Ref": uploadsBucketID}) {
					for _, st := range pp["PolicyDocument"].(map[string]any)["Statement"].([]any) {
						if st.(map[string]any)["Effect"] != "Deny" {
							t.Errorf("uploads bucket policy allows something: %v", st)
						}
					}
				}
			}

			// The log bucket: private, SSE-S3, versioned, expiring, written by the S3 logging service only.
			lb, ok := buckets[logBucketID]
			if !ok {
				t.Fatalf("no log bucket with logical ID %s (have %v)", logBucketID, keys(buckets))
			}
			lp := lb["Properties"].(map[string]any)
			if lb["DeletionPolicy"] != tc.deletionPolicy {
				t.Errorf("log bucket DeletionPolicy %v, want %s", lb["DeletionPolicy"], tc.deletionPolicy)
			}
			if _, named := lp["BucketName"]; named {
				t.Errorf("the log bucket needs no physical name, got %v", lp["BucketName"])
			}
			equalJSON(t, "log PublicAccessBlockConfiguration", map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			}, lp["PublicAccessBlockConfiguration"])
			equalJSON(t, "log OwnershipControls", map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}}, lp["OwnershipControls"])
			equalJSON(t, "log BucketEncryption", map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
			}}}, lp["BucketEncryption"])
			equalJSON(t, "log VersioningConfiguration", map[string]any{"Status": "Enabled"}, lp["VersioningConfiguration"])
			equalJSON(t, "log LifecycleConfiguration", map[string]any{"Rules": []any{map[string]any{
				"Id": "ExpireAccessLogs", "Status": "Enabled", "ExpirationInDays": tc.logDays,
				"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": tc.noncurrentDays},
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
			}}}, lp["LifecycleConfiguration"])
			cdktest.Check(t, "log delivery allowed for the uploads bucket only", func() {
				e.tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), &map[string]any{
					"Bucket": map[string]any{"Ref": logBucketID},
					"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Effect": "Allow", "Action": "s3:PutObject",
							"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
							"Condition": assertions.Match_ObjectLike(&map[string]any{
								"ArnLike": map[string]any{"aws:SourceArn": getAtt(uploadsBucketID, "Arn")},
							}),
						}),
					})}),
				})
			})

			// The key: rotated, kept like the bucket, with an alias an operator recognizes.
			keysFound := resources(e.json, "AWS::KMS::Key")
			k, ok := keysFound[keyID]
			if !ok || len(keysFound) != 1 {
				t.Fatalf("want exactly the key %s, have %v", keyID, keys(keysFound))
			}
			if k["Properties"].(map[string]any)["EnableKeyRotation"] != true {
				t.Errorf("key rotation is off")
			}
			if k["DeletionPolicy"] != tc.deletionPolicy {
				t.Errorf("key DeletionPolicy %v, want %s", k["DeletionPolicy"], tc.deletionPolicy)
			}
			cdktest.Check(t, "key alias", func() {
				e.tpl.HasResourceProperties(jsii.String("AWS::KMS::Alias"), &map[string]any{
					"AliasName": "alias/" + tc.name, "TargetKeyId": getAtt(keyID, "Arn"),
				})
			})

			// Nothing that could empty a bucket: no autoDeleteObjects custom resource or Lambda.
			for _, typ := range []string{"Custom::S3AutoDeleteObjects", "AWS::Lambda::Function", "AWS::IAM::User", "AWS::IAM::AccessKey"} {
				if n := len(resources(e.json, typ)); n != 0 {
					t.Errorf("%d %s resources; want none", n, typ)
				}
			}

			// Fields.
			equalJSON(t, "BucketName field", map[string]any{"Ref": uploadsBucketID}, awscdk.Stack_Of(e.uploads.Bucket).Resolve(e.uploads.BucketName))
			if *e.uploads.Region != region {
				t.Errorf("Region field = %s, want %s", *e.uploads.Region, region)
			}
		})
	}
}

// The construct follows its Config, not the environment name.
func TestCustomConfig(t *testing.T) {
	e := shared(t).custom
	b := resources(e.json, "AWS::S3::Bucket")[uploadsBucketID]
	if b == nil {
		t.Fatal("no uploads bucket")
	}
	if b["DeletionPolicy"] != "Retain" {
		t.Errorf("removalPolicy retain gave DeletionPolicy %v", b["DeletionPolicy"])
	}
	rules := b["Properties"].(map[string]any)["LifecycleConfiguration"].(map[string]any)["Rules"].([]any)
	equalJSON(t, "noncurrent rule", map[string]any{"Id": "ExpireNoncurrentVersions", "Status": "Enabled", "ExpiredObjectDeleteMarker": true,
		"NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 12}}, rules[1])
	equalJSON(t, "IA rule", map[string]any{"Id": "CurrentVersionsToInfrequentAccess", "Status": "Enabled",
		"Transitions": []any{map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": 45}}}, rules[2])
	lr := resources(e.json, "AWS::S3::Bucket")[logBucketID]["Properties"].(map[string]any)["LifecycleConfiguration"].(map[string]any)["Rules"].([]any)
	if got := lr[0].(map[string]any)["ExpirationInDays"]; got != float64(34) {
		t.Errorf("log expiry %v, want 34", got)
	}
}

// Stateful resources keep their logical IDs: a change is a replacement.
func TestLogicalIDsPinned(t *testing.T) {
	f := shared(t)
	for name, e := range f.envs {
		for typ, want := range map[string][]string{
			"AWS::S3::Bucket": {uploadsBucketID, logBucketID},
			"AWS::KMS::Key":   {keyID},
		} {
			got := resources(e.json, typ)
			for _, id := range want {
				if _, ok := got[id]; !ok {
					t.Errorf("%s: %s %s missing; found %v", name, typ, id, keys(got))
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s: %d %s resources, want %d", name, len(got), typ, len(want))
			}
		}
	}
	// The bucket with the configured name is the pinned one.
	cdktest.Check(t, "named bucket", func() {
		id := f.envs["production"].tpl.GetResourceId(jsii.String("AWS::S3::Bucket"), &map[string]any{
			"Properties": assertions.Match_ObjectLike(&map[string]any{"BucketName": "medbookings-uploads-production"}),
		})
		if *id != uploadsBucketID {
			t.Errorf("the production bucket's logical ID is %s, pinned %s", *id, uploadsBucketID)
		}
	})
}

// GrantUploads gives the grantee exactly these two statements, nothing else,
// and touches no resource policy.
func TestGrantUploads(t *testing.T) {
	f := shared(t)
	for name, e := range f.envs {
		t.Run(name, func(t *testing.T) {
			policies := resources(e.json, "AWS::IAM::Policy")
			if len(policies) != 1 {
				t.Fatalf("want one IAM policy (the role's), have %v", keys(policies))
			}
			for _, pol := range policies {
				p := pol["Properties"].(map[string]any)
				equalJSON(t, "policy roles", []any{map[string]any{"Ref": e.roleID}}, p["Roles"])
				equalJSON(t, "statements", []any{
					map[string]any{
						"Effect":   "Allow",
						"Action":   []any{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"},
						"Resource": map[string]any{"Fn::Join": []any{"", []any{getAtt(uploadsBucketID, "Arn"), "/*"}}},
					},
					map[string]any{
						"Effect":    "Allow",
						"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey"},
						"Resource":  getAtt(keyID, "Arn"),
						"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + region + ".amazonaws.com"}},
					},
				}, p["PolicyDocument"].(map[string]any)["Statement"])
			}
			// The grant is identity-based only: no bucket or key policy names the role.
			for _, typ := range []string{"AWS::S3::BucketPolicy", "AWS::KMS::Key"} {
				for id, r := range resources(e.json, typ) {
					raw, _ := json.Marshal(r)
					if strings.Contains(string(raw), e.roleID) {
						t.Errorf("%s %s mentions the grantee %s", typ, id, e.roleID)
					}
				}
			}
			if got, want := e.uploads.ObjectsFinding(), "Resource::<"+uploadsBucketID+".Arn>/*"; got != want {
				t.Errorf("ObjectsFinding = %q, want %q", got, want)
			}
		})
	}
}

// AwsSolutions and HIPAA Security report nothing unsuppressed.
func TestCompliance(t *testing.T) {
	for _, f := range compliance.Findings(shared(t).asm) {
		t.Errorf("finding: %s", f)
	}
}

// CloudFormation validation in strict mode (cdk.json's flags) passes.
func TestCloudFormationValidationStrict(t *testing.T) {
	s, err := stacks.Load(cdktest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	app := cdktest.NewApp(t, cdktest.AppOptions{Validation: true})
	for _, e := range s.Environments() {
		addUploads(t, newTestStack(app, "Test"+e.Title()), e.Storage)
	}
	cdktest.Must(t, func() { app.Synth(nil) })
}

// Wrong settings fail synthesis with the key, the value and what is allowed.
func TestBadContext(t *testing.T) {
	const p = "medbookings.staging.storage."
	const pp = "medbookings.production.storage."
	cases := []struct {
		name      string
		overrides map[string]any
		want      []string // substrings of the error
	}{
		{"origin of another site", map[string]any{p + "corsOrigins": `["https://evil.example.com"]`},
			[]string{p + "corsOrigins[0]", `"https://evil.example.com"`, "one of https://staging.medbookings.co.za"}},
		{"production origin in staging", map[string]any{p + "corsOrigins": `["https://medbookings.co.za"]`},
			[]string{p + "corsOrigins[0]", `"https://medbookings.co.za"`, "one of https://staging.medbookings.co.za"}},
		{"plain http origin", map[string]any{pp + "corsOrigins": `["https://medbookings.co.za","http://www.medbookings.co.za"]`},
			[]string{pp + "corsOrigins[1]", `"http://www.medbookings.co.za"`, "one of https://medbookings.co.za, https://www.medbookings.co.za"}},
		{"trailing slash origin", map[string]any{p + "corsOrigins": `["https://staging.medbookings.co.za/"]`},
			[]string{p + "corsOrigins[0]", `"https://staging.medbookings.co.za/"`, "one of https://staging.medbookings.co.za"}},
		{"repeated origin", map[string]any{pp + "corsOrigins": `["https://medbookings.co.za","https://medbookings.co.za"]`},
			[]string{pp + "corsOrigins[1]", `"https://medbookings.co.za"`, "repeats corsOrigins[0]"}},
		{"no origin", map[string]any{p + "corsOrigins": `[]`},
			[]string{p + "corsOrigins", "[]", "at least one of https://staging.medbookings.co.za"}},
		{"upper case bucket name", map[string]any{p + "bucketName": "MedBookings-Uploads"},
			[]string{p + "bucketName", `"MedBookings-Uploads"`, "an S3 bucket name: 3-63 characters of a-z"}},
		{"underscore bucket name", map[string]any{p + "bucketName": "medbookings_uploads"},
			[]string{p + "bucketName", `"medbookings_uploads"`, "an S3 bucket name"}},
		{"dotted bucket name", map[string]any{p + "bucketName": "uploads.medbookings.co.za"},
			[]string{p + "bucketName", `"uploads.medbookings.co.za"`, "without '.'"}},
		{"same bucket in both", map[string]any{p + "bucketName": "medbookings-uploads-production"},
			[]string{p + "bucketName", `"medbookings-uploads-production"`, "other than production's"}},
		{"removal policy", map[string]any{pp + "removalPolicy": "snapshot"},
			[]string{pp + "removalPolicy", `"snapshot"`, "one of retain, destroy"}},
		{"IA too early", map[string]any{pp + "infrequentAccessAfterDays": "10"},
			[]string{pp + "infrequentAccessAfterDays", "10", "from 30 to 3650"}},
		{"noncurrent zero", map[string]any{p + "noncurrentVersionExpirationDays": "0"},
			[]string{p + "noncurrentVersionExpirationDays", "0", "from 1 to 3650"}},
		{"log expiry", map[string]any{p + "accessLogExpirationDays": "-1"},
			[]string{p + "accessLogExpirationDays", "-1", "from 1 to 3650"}},
		{"unknown key", map[string]any{p + "autoDeleteObjects": "true"},
			[]string{p + "autoDeleteObjects", "one of the known keys"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := cdktest.Context(t)
			for k, v := range tc.overrides {
				ctx[k] = v
			}
			_, err := stacks.Load(ctx)
			if err == nil {
				t.Fatalf("Load accepted %v", tc.overrides)
			}
			var line string
			for _, l := range strings.Split(err.Error(), "\n") {
				if strings.Contains(l, tc.want[0]+":") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no problem reported for %s in:\n%v", tc.want[0], err)
			}
			for _, w := range tc.want[1:] {
				if !strings.Contains(line, w) {
					t.Errorf("problem %q does not contain %q", line, w)
				}
			}
		})
	}
}
