package backup_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/backup"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// standIn is the reason of the stand-ins' suppressions: their findings
// belong to the constructs that make the real ones (constructs/database,
// constructs/storage).
const standIn = "Test stand-in for a resource of another construct (constructs/database or constructs/storage), checked by that package's tests."

// alertTopic is where the fixtures' failure notifications go.
const alertTopic = "arn:aws:sns:eu-west-1:111111111111:alerts"

// target is an event rule target that records the rules it was bound to.
type target struct{ rules []string }

// Bind implements awsevents.IRuleTarget.
func (x *target) Bind(rule interfacesawsevents.IRuleRef, _ *string) *awsevents.RuleTargetConfig {
	x.rules = append(x.rules, *rule.Node().Path())
	return &awsevents.RuleTargetConfig{Arn: jsii.String(alertTopic)}
}

// variant is one environment's backups in its own bare stack, with
// stand-ins for what it backs up: a PostgreSQL instance and, when the props
// say S3, an uploads bucket.
type variant struct {
	name   string
	props  backup.Props
	stack  awscdk.Stack
	key    awskms.Key
	db     awsrds.CfnDBInstance
	bucket awss3.CfnBucket // nil without S3
	target *target
	b      *backup.Backup
	rule   awsevents.Rule

	json     map[string]any
	findings []compliance.Finding
}

// newKey is a key like the stack's data key: rotated, retained, and no
// grants but for AWS resources.
func newKey(stack awscdk.Stack) awskms.Key {
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	compliance.GuardGrants(key)
	return key
}

// newDatabase is a stand-in PostgreSQL instance. Its findings are
// suppressed as a stand-in's, but for RDSInBackupPlan: the backup plan
// must satisfy that one.
func newDatabase(stack awscdk.Stack, key awskms.Key) awsrds.CfnDBInstance {
	db := awsrds.NewCfnDBInstance(stack, jsii.String("Db"), &awsrds.CfnDBInstanceProps{
		DbInstanceClass:          jsii.String("db.t4g.micro"),
		Engine:                   jsii.String("postgres"),
		AllocatedStorage:         jsii.String("20"),
		MasterUsername:           jsii.String("medbookings_admin"),
		ManageMasterUserPassword: jsii.Bool(true),
		StorageEncrypted:         jsii.Bool(true),
		KmsKeyId:                 key.KeyArn(),
		PubliclyAccessible:       jsii.Bool(false),
		MultiAz:                  jsii.Bool(true),
		DeletionProtection:       jsii.Bool(true),
		BackupRetentionPeriod:    jsii.Number(7),
	})
	compliance.Suppress(db, map[string]string{
		"AwsSolutions-RDS11":                          standIn,
		"HIPAA.Security-RDSEnhancedMonitoringEnabled": standIn,
		"HIPAA.Security-RDSLoggingEnabled":            standIn,
	})
	return db
}

// newBucket is a stand-in uploads bucket, its findings suppressed.
func newBucket(stack awscdk.Stack) awss3.CfnBucket {
	bucket := awss3.NewCfnBucket(stack, jsii.String("Uploads"), &awss3.CfnBucketProps{
		PublicAccessBlockConfiguration: &awss3.CfnBucket_PublicAccessBlockConfigurationProperty{
			BlockPublicAcls: jsii.Bool(true), BlockPublicPolicy: jsii.Bool(true), IgnorePublicAcls: jsii.Bool(true), RestrictPublicBuckets: jsii.Bool(true),
		},
	})
	compliance.Suppress(bucket, map[string]string{
		"AwsSolutions-S1":                           standIn,
		"AwsSolutions-S10":                          standIn,
		"HIPAA.Security-S3BucketLoggingEnabled":     standIn,
		"HIPAA.Security-S3BucketReplicationEnabled": standIn,
		"HIPAA.Security-S3BucketSSLRequestsOnly":    standIn,
		"HIPAA.Security-S3BucketVersioningEnabled":  standIn,
		"HIPAA.Security-S3DefaultEncryptionKMS":     standIn,
	})
	return bucket
}

// rdsArn is the ARN of a DB instance, as the stack passes it
// (DatabaseInstance.InstanceArn).
func rdsArn(stack awscdk.Stack, db awsrds.CfnDBInstance) string {
	return *stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("rds"), Resource: jsii.String("db"), ResourceName: db.Ref(), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// build makes the stack of one variant: its key, the stand-ins, and the
// backups of the props configure sets (Key and Resources are filled in),
// with their failures sent to a recording target, synthesized under the
// compliance packs.
func build(t *testing.T, name string, s3 bool, configure func(p *backup.Props)) *variant {
	t.Helper()
	v := &variant{name: name, stack: cdktest.BareStack(t, name), target: &target{}}
	cdktest.Must(t, func() {
		v.key = newKey(v.stack)
		v.db = newDatabase(v.stack, v.key)
		v.props = backup.Props{Key: v.key, Resources: []string{rdsArn(v.stack, v.db)}, S3: s3}
		if s3 {
			v.bucket = newBucket(v.stack)
			v.props.Resources = append(v.props.Resources, *v.bucket.AttrArn())
		}
		configure(&v.props)
		v.b = backup.New(v.stack, "Backup", v.props)
		v.rule = v.b.NotifyFailures(v.target)
		stage := awscdk.Stage_Of(v.stack)
		compliance.AddPacks(stage, false)
		asm := stage.Synth(nil)
		v.findings = compliance.Findings(asm)
		raw, err := os.ReadFile(*asm.GetStackArtifact(v.stack.ArtifactId()).TemplateFullPath())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(raw, &v.json); err != nil {
			panic(err)
		}
	})
	return v
}

// fixture holds the two backups every test reads, each in its own bare
// stack, synthesized once with the compliance packs:
//
//   - "Database" backs up the database only, daily for 7 days (the least
//     the lock accepts) and no monthly rule;
//   - "DatabaseAndUploads" backs up the database and the uploads bucket,
//     daily for 35 days and monthly for 365.
type fixture struct{ database, uploads *variant }

var (
	fixOnce sync.Once
	fix     *fixture
)

// getFixture builds the fixture on first use; a failure fails every test
// that needs it.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{}
		f.database = build(t, "Database", false, func(p *backup.Props) {
			p.VaultName, p.Description = "medbookings-staging", "staging"
			p.DailyRetentionDays = 7
		})
		f.uploads = build(t, "DatabaseAndUploads", true, func(p *backup.Props) {
			p.VaultName, p.Description = "medbookings-production", "production"
			p.DailyRetentionDays, p.MonthlyRetentionDays = 35, 365
		})
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture failed to build (see the first test that used it)")
	}
	return fix
}

// variants are both backups, for the tests that hold for either.
func (f *fixture) variants() []*variant { return []*variant{f.database, f.uploads} }

// strs are the strings of a JSON list, sorted.
func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = fmt.Sprint(e)
	}
	sort.Strings(out)
	return out
}

// GIVEN either variant WHEN synthesized THEN the vault is named VaultName,
// encrypted with the given key, and under a Vault Lock in compliance mode
// (ChangeableForDays: final after 3 days) that keeps every recovery point
// at least 7 days and accepts retentions up to the plan's longest; its
// access policy denies everyone deleting recovery points, shortening their
// lifecycle and loosening the vault's guards; and CloudFormation keeps it
// when the stack or the resource goes (a locked vault with recovery points
// cannot be deleted).
func TestVault(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v       *variant
		maxDays float64
	}{
		{f.database, backup.MaxRetentionDays}, // fixed, far above any plan's
		{f.uploads, backup.MaxRetentionDays},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			vault := v.resource(t, "Backup/Vault")
			if vault["Type"] != "AWS::Backup::BackupVault" || vault["DeletionPolicy"] != "Retain" || vault["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("vault %s, DeletionPolicy %v, UpdateReplacePolicy %v; want a retained AWS::Backup::BackupVault",
					vault["Type"], vault["DeletionPolicy"], vault["UpdateReplacePolicy"])
			}
			p := props(vault)
			if p["BackupVaultName"] != v.props.VaultName {
				t.Errorf("BackupVaultName %v, want %s", p["BackupVaultName"], v.props.VaultName)
			}
			if want := getAtt(v.id(t, "Key/Resource"), "Arn"); !reflect.DeepEqual(p["EncryptionKeyArn"], want) {
				t.Errorf("EncryptionKeyArn %s, want the given key %s", toJSON(p["EncryptionKeyArn"]), toJSON(want))
			}
			if want := map[string]any{"MinRetentionDays": 7.0, "MaxRetentionDays": float64(c.maxDays), "ChangeableForDays": 3.0}; !reflect.DeepEqual(p["LockConfiguration"], want) {
				t.Errorf("LockConfiguration %s, want %s (compliance mode)", toJSON(p["LockConfiguration"]), toJSON(want))
			}
			if c.maxDays < 365 {
				t.Errorf("the lock's maximum %g is below the retentions a plan may ask for", c.maxDays)
			}
			policy, _ := p["AccessPolicy"].(map[string]any)
			statements, _ := policy["Statement"].([]any)
			if policy["Version"] != "2012-10-17" || len(statements) != 1 {
				t.Fatalf("access policy %s, want one statement", toJSON(policy))
			}
			st := statements[0].(map[string]any)
			if st["Effect"] != "Deny" || !reflect.DeepEqual(st["Principal"], map[string]any{"AWS": "*"}) || st["Resource"] != "*" || st["Condition"] != nil {
				t.Errorf("access policy statement %s, want a Deny to everyone, on everything, without condition", toJSON(st))
			}
			want := []string{"backup:DeleteBackupVaultAccessPolicy", "backup:DeleteBackupVaultLockConfiguration", "backup:DeleteRecoveryPoint",
				"backup:DisassociateRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"}
			if got := strs(st["Action"]); !slices.Equal(got, want) {
				t.Errorf("access policy denies %v, want %v", got, want)
			}
			if v.b.Vault == nil || *v.b.Vault.Node().Path() != v.name+"/Backup/Vault" {
				t.Error("Backup.Vault is not the construct's vault")
			}
			if n := len(v.resources("AWS::Backup::BackupVault")); n != 1 {
				t.Errorf("%d vaults, want 1", n)
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN the plan, named VaultName,
// backs up daily at 01:00 UTC and keeps each point DailyRetentionDays;
// GIVEN MonthlyRetentionDays THEN also on the 1st of each month at 01:00 UTC,
// kept that long, and GIVEN none THEN there is no monthly rule. Each job
// starts within 2 hours and completes within 8, into the vault, and its
// recovery point is tagged with its rule.
func TestPlan(t *testing.T) {
	f := getFixture(t)
	rule := func(v *variant, name, cron string, days float64) any {
		return map[string]any{
			"RuleName":                name,
			"ScheduleExpression":      cron,
			"StartWindowMinutes":      120.0,
			"CompletionWindowMinutes": 480.0,
			"TargetBackupVault":       getAtt(v.id(t, "Backup/Vault"), "BackupVaultName"),
			"Lifecycle":               map[string]any{"DeleteAfterDays": days},
			"RecoveryPointTags":       map[string]any{"Rule": name},
		}
	}
	for _, c := range []struct {
		v     *variant
		rules func(v *variant) []any
	}{
		{f.database, func(v *variant) []any { return []any{rule(v, "Daily", "cron(0 1 * * ? *)", 7)} }},
		{f.uploads, func(v *variant) []any {
			return []any{rule(v, "Daily", "cron(0 1 * * ? *)", 35), rule(v, "Monthly", "cron(0 1 1 * ? *)", 365)}
		}},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			want := map[string]any{"BackupPlan": map[string]any{"BackupPlanName": v.props.VaultName, "BackupPlanRule": c.rules(v)}}
			if got := props(v.resource(t, "Backup/Plan")); !reflect.DeepEqual(got, want) {
				t.Errorf("plan\n got %s\nwant %s", toJSON(got), toJSON(want))
			}
			if n := len(v.resources("AWS::Backup::BackupPlan")); n != 1 {
				t.Errorf("%d plans, want 1", n)
			}
			if v.b.Plan == nil || *v.b.Plan.Node().Path() != v.name+"/Backup/Plan" {
				t.Error("Backup.Plan is not the construct's plan")
			}
		})
	}
}

// GIVEN the resources of either variant WHEN synthesized THEN the plan's
// one selection holds exactly those ARNs (no tags, no conditions: nothing
// else is backed up) and runs with the construct's role.
func TestSelection(t *testing.T) {
	f := getFixture(t)
	for _, c := range []struct {
		v         *variant
		resources func(v *variant) []any
	}{
		{f.database, func(v *variant) []any {
			return []any{"arn:aws:rds:eu-west-1:${AWS::AccountId}:db:${" + v.id(t, "Db") + "}"}
		}},
		{f.uploads, func(v *variant) []any {
			return []any{"arn:aws:rds:eu-west-1:${AWS::AccountId}:db:${" + v.id(t, "Db") + "}", "${" + v.id(t, "Uploads") + ".Arn}"}
		}},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			want := map[string]any{
				"BackupPlanId": "${" + v.id(t, "Backup/Plan") + ".BackupPlanId}",
				"BackupSelection": map[string]any{
					"SelectionName": v.props.VaultName,
					"IamRoleArn":    "${" + v.id(t, "Backup/Role/Resource") + ".Arn}",
					"Resources":     c.resources(v),
				},
			}
			if got := flatten(props(v.resource(t, "Backup/Selection"))); !reflect.DeepEqual(got, want) {
				t.Errorf("selection\n got %s\nwant %s", toJSON(got), toJSON(want))
			}
			if n := len(v.resources("AWS::Backup::BackupSelection")); n != 1 {
				t.Errorf("%d selections, want 1", n)
			}
		})
	}
}

// GIVEN either variant WHEN synthesized THEN the role is trusted by AWS
// Backup alone and has exactly AWS Backup's managed policies for backups
// and restores, and GIVEN S3 THEN also those for S3 (and not otherwise);
// nothing else, and the compliance finding about AWS managed policies is
// suppressed for those policies only.
func TestRole(t *testing.T) {
	f := getFixture(t)
	base := []string{
		"arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
		"arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
	}
	s3 := []string{
		"arn:${AWS::Partition}:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
		"arn:${AWS::Partition}:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
	}
	for _, c := range []struct {
		v        *variant
		policies []string
	}{
		{f.database, base},
		{f.uploads, append(slices.Clone(base), s3...)},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			v := c.v
			roleID := v.id(t, "Backup/Role/Resource")
			res := v.resource(t, "Backup/Role/Resource")
			role := props(res)
			trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "backup.amazonaws.com"},
			}}}
			if !reflect.DeepEqual(role["AssumeRolePolicyDocument"], trust) {
				t.Errorf("role trust %s, want %s", toJSON(role["AssumeRolePolicyDocument"]), toJSON(trust))
			}
			want := slices.Sorted(slices.Values(c.policies))
			if got := strs(flatten(role["ManagedPolicyArns"])); !slices.Equal(got, want) || role["Policies"] != nil {
				t.Errorf("role policies %v (inline %s), want exactly %v", got, toJSON(role["Policies"]), want)
			}
			for id, p := range v.resources("AWS::IAM::Policy") {
				if strings.Contains(toJSON(p), roleID) {
					t.Errorf("inline policy %s on the backup role", id)
				}
			}
			if n := len(v.resources("AWS::IAM::ManagedPolicy")); n != 0 {
				t.Errorf("%d customer managed policies, want none", n)
			}
			// The suppression names each managed policy, as cdk-nag writes it.
			var findings []string
			for _, p := range c.policies {
				findings = append(findings, "Policy::"+strings.Replace(p, "${AWS::Partition}", "<AWS::Partition>", 1))
			}
			sort.Strings(findings)
			md, _ := res["Metadata"].(map[string]any)
			nag, _ := md["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			if len(rules) != 1 || rules[0].(map[string]any)["id"] != "AwsSolutions-IAM4" || !slices.Equal(strs(rules[0].(map[string]any)["applies_to"]), findings) {
				t.Errorf("role suppressions %s, want AwsSolutions-IAM4 for %v only", toJSON(rules), findings)
			}
			if v.b.Role == nil || *v.b.Role.Node().Path() != v.name+"/Backup/Role" {
				t.Error("Backup.Role is not the construct's role")
			}
		})
	}
}

// GIVEN NotifyFailures WHEN synthesized THEN an enabled rule sends AWS
// Backup's job state changes to FAILED, EXPIRED, ABORTED or PARTIAL of this vault
// (no other vault's, no other state) to the target, bound to that rule only.
func TestNotifyFailures(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		t.Run(v.name, func(t *testing.T) {
			r := props(v.resource(t, "Backup/JobFailures/Resource"))
			pattern, _ := r["EventPattern"].(map[string]any)
			detail, _ := pattern["detail"].(map[string]any)
			if got := strs(pattern["source"]); !slices.Equal(got, []string{"aws.backup"}) {
				t.Errorf("source %v, want aws.backup", got)
			}
			if got := strs(pattern["detail-type"]); !slices.Contains(got, "Backup Job State Change") {
				t.Errorf("detail-type %v, want the backup jobs' state changes", got)
			}
			for _, dt := range strs(pattern["detail-type"]) {
				if !strings.HasSuffix(dt, " Job State Change") {
					t.Errorf("detail-type %s is not a job state change", dt)
				}
			}
			if got := strs(detail["state"]); !slices.Equal(got, []string{"ABORTED", "EXPIRED", "FAILED", "PARTIAL"}) {
				t.Errorf("states %v, want ABORTED, EXPIRED, FAILED and PARTIAL", got)
			}
			if got := strs(detail["backupVaultName"]); !slices.Equal(got, []string{v.props.VaultName}) {
				t.Errorf("vaults %v, want %s only", got, v.props.VaultName)
			}
			if len(pattern) != 3 || len(detail) != 2 {
				t.Errorf("pattern %s, want source, detail-type, state and vault only", toJSON(pattern))
			}
			if want := []any{map[string]any{"Arn": alertTopic, "Id": "Target0"}}; !reflect.DeepEqual(r["Targets"], want) || r["State"] != "ENABLED" {
				t.Errorf("rule targets %s (%v), want %s, enabled", toJSON(r["Targets"]), r["State"], toJSON(want))
			}
			if !slices.Equal(v.target.rules, []string{v.name + "/Backup/JobFailures"}) {
				t.Errorf("the target was bound to %v, want the failure rule only", v.target.rules)
			}
			if v.rule == nil || *v.rule.Node().Path() != v.name+"/Backup/JobFailures" {
				t.Error("NotifyFailures did not return its rule")
			}
			if n := len(v.resources("AWS::Events::Rule")); n != 1 {
				t.Errorf("%d event rules, want 1", n)
			}
		})
	}
}

// GIVEN either variant under the cdk-nag AwsSolutions, HIPAA Security and
// NIST 800-53 rev 5 packs WHEN synthesized THEN nothing is reported: in
// particular the database (whose RDSInBackupPlan finding is not suppressed)
// is in an AWS Backup plan as the packs see it; and every suppression gives
// a reason.
func TestCompliance(t *testing.T) {
	f := getFixture(t)
	for _, v := range f.variants() {
		for _, x := range v.findings {
			t.Errorf("%s: finding %s", v.name, x)
		}
		for id, r := range v.json["Resources"].(map[string]any) {
			md, _ := r.(map[string]any)["Metadata"].(map[string]any)
			nag, _ := md["cdk_nag"].(map[string]any)
			rules, _ := nag["rules_to_suppress"].([]any)
			for _, s := range rules {
				s := s.(map[string]any)
				if reason, _ := s["reason"].(string); len(reason) < 40 {
					t.Errorf("%s %s: suppression %v without a real reason", v.name, id, s)
				}
				if strings.HasSuffix(fmt.Sprint(s["id"]), "-RDSInBackupPlan") {
					t.Errorf("%s %s: RDSInBackupPlan is suppressed; the plan must satisfy it", v.name, id)
				}
			}
		}
	}
}

// GIVEN props that cannot make sound backups WHEN New is called THEN it
// panics before creating anything; a retention of 0 for the monthly rule
// means none and is accepted.
func TestPropsAreChecked(t *testing.T) {
	stack := cdktest.BareStack(t, "Checks")
	var key awskms.Key
	cdktest.Must(t, func() { key = newKey(stack) })
	valid := func() backup.Props {
		return backup.Props{
			VaultName: "medbookings-checks", Description: "checks", Key: key, DailyRetentionDays: 7,
			Resources: []string{"arn:aws:rds:eu-west-1:111111111111:db:medbookings-checks"},
		}
	}
	for _, c := range []struct {
		name   string
		change func(*backup.Props)
		panics bool
	}{
		{"valid", func(*backup.Props) {}, false},
		{"no monthly rule", func(p *backup.Props) { p.MonthlyRetentionDays = 0 }, false},
		{"no vault name", func(p *backup.Props) { p.VaultName = "" }, true},
		{"no key", func(p *backup.Props) { p.Key = nil }, true},
		{"no resources", func(p *backup.Props) { p.Resources = nil }, true},
		{"daily below the lock's minimum", func(p *backup.Props) { p.DailyRetentionDays = 6 }, true},
		{"monthly below the lock's minimum", func(p *backup.Props) { p.MonthlyRetentionDays = 6 }, true},
		{"monthly above the lock's maximum", func(p *backup.Props) { p.MonthlyRetentionDays = backup.MaxRetentionDays + 1 }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := valid()
			c.change(&p)
			id := "Backup" + strings.ReplaceAll(c.name, " ", "")
			defer func() {
				r := recover()
				if c.panics {
					if msg := fmt.Sprint(r); r == nil || !strings.HasPrefix(msg, "backup.New: ") || !strings.Contains(msg, "retentions from 7 to 3650 days") {
						t.Errorf("panic = %v, want backup.New: ... (required props, retentions from 7 to 3650 days)", r)
					}
					if stack.Node().TryFindChild(jsii.String(id)) != nil {
						t.Error("New created constructs before it panicked")
					}
				} else if r != nil {
					t.Errorf("panic = %v, want none", r)
				}
			}()
			backup.New(stack, id, p)
		})
	}
}

// Template readers shared by the construct tests (internal/cdktest).
var (
	props   = cdktest.Props
	getAtt  = cdktest.GetAtt
	flatten = cdktest.Flatten
	toJSON  = cdktest.CompactJSON
)

// id is the logical ID of the resource at construct path (below the stack).
func (v *variant) id(t *testing.T, path string) string {
	t.Helper()
	return cdktest.IDAt(t, v.json, v.name+"/"+path)
}

// resource is the resource at construct path.
func (v *variant) resource(t *testing.T, path string) map[string]any {
	t.Helper()
	return cdktest.ResourceAt(t, v.json, v.name+"/"+path)
}

// resources are the template's resources of type typ by logical ID.
func (v *variant) resources(typ string) map[string]map[string]any {
	return cdktest.OfType(v.json, typ)
}
