package main

// Tests of the separation between the environments' deployments (issue 14):
// each environment's stacks deploy through their own bootstrap qualifier,
// every role they create carries the environment's path and permissions
// boundary, and what they create is what the environment's CloudFormation
// execution policy allows.

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

// envTemplates are an environment's two templates (edge stack, main stack).
func envTemplates(t *testing.T, b *built, env string) map[string]map[string]any {
	return map[string]map[string]any{
		"edge": cdktest.JSON(t, b.edgeTpl[env]),
		"main": b.json[env],
	}
}

func TestEachEnvironmentDeploysWithItsOwnQualifier(t *testing.T) {
	b := theBuiltApp(t)
	seen := map[string]string{}
	for _, env := range stacks.EnvironmentNames {
		q := b.stacks[env].Environment.Qualifier
		require.NotEmpty(t, q)
		require.NotEqual(t, stacks.DefaultBootstrapQualifier, q, "%s must not share the delivery stack's qualifier", env)
		if other, dup := seen[q]; dup {
			t.Fatalf("%s and %s share the qualifier %s", env, other, q)
		}
		seen[q] = env
		for which, tpl := range envTemplates(t, b, env) {
			params, _ := tpl["Parameters"].(map[string]any)
			version, _ := params["BootstrapVersion"].(map[string]any)
			assert.Equal(t, "/cdk-bootstrap/"+q+"/version", version["Default"], "%s %s stack's bootstrap version parameter", env, which)
			// every asset (Lambda code, layers) comes from the qualifier's bucket
			for id, fn := range resources(tpl, "AWS::Lambda::Function") {
				code, _ := props(fn)["Code"].(map[string]any)
				if bucket, ok := code["S3Bucket"]; ok {
					assert.Contains(t, fmt.Sprint(bucket), "cdk-"+q+"-assets-", "%s %s", env, id)
				}
			}
		}
	}
	delivery := cdktest.JSON(t, b.deliveryTpl)
	params, _ := delivery["Parameters"].(map[string]any)
	version, _ := params["BootstrapVersion"].(map[string]any)
	assert.Equal(t, "/cdk-bootstrap/"+stacks.DefaultBootstrapQualifier+"/version", version["Default"],
		"the delivery stack is deployed by an administrator through the default bootstrap")
}

// TestEveryRoleCarriesTheBoundary: the execution policy lets CloudFormation
// create roles only below the environment's path and only with its
// boundary; a role without them could not be deployed (and would escape the
// boundary if it could).
func TestEveryRoleCarriesTheBoundary(t *testing.T) {
	b := theBuiltApp(t)
	for _, env := range stacks.EnvironmentNames {
		boundary := fmt.Sprintf("policy/%s", delivery.BoundaryPolicyName(env))
		for which, tpl := range envTemplates(t, b, env) {
			roles := resources(tpl, "AWS::IAM::Role")
			require.NotEmpty(t, roles)
			for id, r := range roles {
				p := props(r)
				assert.Equal(t, delivery.IAMPath(env), p["Path"], "%s %s %s path", env, which, id)
				assert.Contains(t, fmt.Sprint(p["PermissionsBoundary"]), boundary, "%s %s %s boundary", env, which, id)
			}
			for _, typ := range []string{"AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile"} {
				for id, r := range resources(tpl, typ) {
					assert.Equal(t, delivery.IAMPath(env), props(r)["Path"], "%s %s %s path", env, which, id)
				}
			}
			assert.Empty(t, resources(tpl, "AWS::IAM::User"), "no IAM users")
			assert.Empty(t, resources(tpl, "AWS::IAM::AccessKey"), "no access keys")
			assert.Nil(t, tpl["Transform"], "no transform: its nested stacks' roles would have no boundary")
		}
	}
}

// target is the delivery target of env as the app built it.
func target(t *testing.T, b *built, env string) delivery.Target {
	for _, tg := range b.app.Delivery.Targets {
		if tg.Environment == env {
			return tg
		}
	}
	t.Fatalf("no delivery target for %s", env)
	return delivery.Target{}
}

// TestExecutionPolicyCoversWhatTheStacksCreate: every resource of an
// environment's stacks is of a service its execution policy allows, and
// every resource of a service allowed only by name carries one of the
// environment's names. (A mismatch is a deployment that fails half-way.)
func TestExecutionPolicyCoversWhatTheStacksCreate(t *testing.T) {
	b := theBuiltApp(t)
	for _, env := range stacks.EnvironmentNames {
		tg := target(t, b, env)
		logPatterns := []string{}
		for _, arn := range delivery.LogGroupARNs("aws", "123456789012", tg) {
			_, group, _ := strings.Cut(arn, ":log-group:")
			logPatterns = append(logPatterns, group)
		}
		match := func(patterns []string, name string) bool {
			for _, p := range patterns {
				if ok, _ := path.Match(strings.ReplaceAll(p, "/", "\x00"), strings.ReplaceAll(name, "/", "\x00")); ok {
					return true
				}
			}
			return false
		}
		name := func(v any) string { return resolveName(v, "123456789012") }
		for which, tpl := range envTemplates(t, b, env) {
			for id, r := range resources(tpl, "") {
				typ := r["Type"].(string)
				svc, ok := delivery.ServiceOf(typ)
				require.True(t, ok, "%s %s: %s is unknown to the execution policy", env, id, typ)
				assert.Contains(t, tg.Services, svc, "%s %s %s", env, which, id)
				p, _ := r["Properties"].(map[string]any)
				switch typ {
				case "AWS::S3::Bucket":
					n := name(p["BucketName"])
					assert.True(t, n == tg.UploadsBucket || strings.HasPrefix(n, tg.Prefix+"-"), "%s bucket %s is named %q, outside %s-* and %s", env, id, n, tg.Prefix, tg.UploadsBucket)
				case "AWS::Logs::LogGroup":
					n := name(p["LogGroupName"])
					assert.True(t, match(logPatterns, n), "%s log group %s is named %q, outside %v", env, id, n, logPatterns)
				case "AWS::Scheduler::Schedule":
					assert.True(t, strings.HasPrefix(name(p["Name"]), tg.Prefix+"-"), "%s schedule %s is named %q", env, id, name(p["Name"]))
				case "AWS::CloudWatch::Alarm":
					assert.True(t, strings.HasPrefix(name(p["AlarmName"]), tg.AlarmPrefix+"-"), "%s alarm %s is named %q", env, id, name(p["AlarmName"]))
				case "AWS::CloudWatch::Dashboard":
					assert.Equal(t, tg.AlarmPrefix, name(p["DashboardName"]))
				case "AWS::Budgets::Budget":
					budget, _ := p["Budget"].(map[string]any)
					assert.True(t, strings.HasPrefix(name(budget["BudgetName"]), tg.AlarmPrefix+"-"), "%s budget %v", env, budget["BudgetName"])
				case "AWS::SecretsManager::Secret":
					if n := name(p["Name"]); n != "" {
						assert.True(t, strings.HasPrefix(n, tg.SecretPrefix), "%s secret %s is named %q", env, id, n)
					}
				case "AWS::Lambda::Function":
					if n := name(p["FunctionName"]); n != "" {
						assert.True(t, strings.HasPrefix(n, tg.Prefix+"-"), "%s function %s is named %q", env, id, n)
					}
				}
			}
		}
		// and nothing beyond: every service the policy allows is one the stacks use
		assert.Equal(t, stacks.ServicesOf(b.app.Edges[slices.IndexFunc(b.app.Edges, func(e *stacks.EdgeStack) bool { return e.Environment == env })].Stack,
			b.stacks[env].Stack), tg.Services)
	}
}

// TestProductionIsBackedUpOutsideItsBlastRadius: AWS Backup keeps daily and
// monthly recovery points of production's database and uploads in a vault
// locked in compliance mode; staging opts out, and says so.
func TestProductionIsBackedUpOutsideItsBlastRadius(t *testing.T) {
	b := theBuiltApp(t)
	prod := b.json["production"]
	vaults := resources(prod, "AWS::Backup::BackupVault")
	require.Len(t, vaults, 1)
	for _, v := range vaults {
		lock, _ := props(v)["LockConfiguration"].(map[string]any)
		require.NotNil(t, lock, "the vault is locked")
		assert.NotNil(t, lock["ChangeableForDays"], "compliance mode: the lock becomes final after its grace period")
		assert.GreaterOrEqual(t, lock["MaxRetentionDays"], float64(b.settings.Production.Backup.MonthlyRetentionDays), "the lock admits the plan's retentions")
		assert.Equal(t, "Retain", v["DeletionPolicy"])
	}
	plans := resources(prod, "AWS::Backup::BackupPlan")
	require.Len(t, plans, 1)
	var rules []string
	for _, p := range plans {
		for _, r := range props(p)["BackupPlan"].(map[string]any)["BackupPlanRule"].([]any) {
			rule := r.(map[string]any)
			rules = append(rules, fmt.Sprintf("%v %v %v", rule["RuleName"], rule["ScheduleExpression"], rule["Lifecycle"].(map[string]any)["DeleteAfterDays"]))
		}
	}
	assert.ElementsMatch(t, []string{
		fmt.Sprintf("Daily cron(0 1 * * ? *) %d", b.settings.Production.Backup.DailyRetentionDays),
		fmt.Sprintf("Monthly cron(0 1 1 * ? *) %d", b.settings.Production.Backup.MonthlyRetentionDays),
	}, rules)
	selections := resources(prod, "AWS::Backup::BackupSelection")
	require.Len(t, selections, 1)
	for _, s := range selections {
		got := fmt.Sprint(props(s)["BackupSelection"].(map[string]any)["Resources"])
		assert.Contains(t, got, "DatabaseInstanceAA8A5FDE", "the database is selected")
		assert.Contains(t, got, "StorageUploadsBDC5E374", "the uploads bucket is selected")
	}
	assert.Empty(t, resources(b.json["staging"], "AWS::Backup::BackupVault"), "staging opts out (backup.enabled: false)")
	db := resources(b.json["staging"], "AWS::RDS::DBInstance")["DatabaseInstanceAA8A5FDE"]
	assert.Contains(t, fmt.Sprint(db["Metadata"]), "HIPAA.Security-RDSInBackupPlan", "staging's opt-out is a reasoned suppression")
}

// resolveName is a template name: a string, or an Fn::Join of strings and
// Ref AWS::AccountId (account); "" when absent.
func resolveName(v any, account string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"]; ok && ref == "AWS::AccountId" {
			return account
		}
		if join, ok := x["Fn::Join"].([]any); ok && len(join) == 2 {
			var parts []string
			for _, p := range join[1].([]any) {
				parts = append(parts, resolveName(p, account))
			}
			return strings.Join(parts, join[0].(string))
		}
	}
	return fmt.Sprint(v)
}
