// Package backup keeps recovery points of an environment's data (the
// database, the uploads bucket) with AWS Backup, in a vault under a Vault
// Lock in compliance mode: once the lock's grace period is over, nobody —
// not the account's administrators, not AWS — can delete a recovery point
// before its retention ends, or shorten it. That puts the backups outside
// the blast radius of whoever can delete the database and its automated
// backups and snapshots (docs/disaster-recovery.md).
package backup

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// Rules of the plan: when each job starts (UTC) and how long it may take
// to start and to finish. 01:00 UTC (03:00 SAST) follows the database's
// own backup window (inside 00:00-02:00 UTC, usually 00:00-00:30).
const (
	StartHourUTC     = 1
	StartWindowHours = 2
	CompletionHours  = 8
	LockGraceDays    = 3 // the shortest Vault Lock allows; the lock is final after it
	MinRetentionDays = 7 // the shortest retention the lock accepts
	// MaxRetentionDays is the longest retention the lock accepts. A
	// compliance-mode lock cannot be changed once final, so it is set well
	// above any plan's retention (10 years): the plan's retentions can grow
	// later without touching the lock.
	MaxRetentionDays = 3650
)

// Props configure one environment's backups.
type Props struct {
	// VaultName names the vault (medbookings-<environment>).
	VaultName string
	// Description names the environment in descriptions ("production").
	Description string
	// Key encrypts the recovery points of resources that AWS Backup
	// manages fully (S3). An RDS snapshot stays encrypted with the
	// database's own key, so that key must outlive the vault's retention.
	Key awskms.IKey
	// DailyRetentionDays keeps each daily recovery point; MonthlyRetentionDays
	// the first of each month (0: no monthly rule).
	DailyRetentionDays, MonthlyRetentionDays int
	// Resources are the ARNs of what is backed up.
	Resources []string
	// S3 says that Resources holds a bucket (its role needs AWS Backup's S3
	// policies).
	S3 bool
}

// Backup is the vault, the plan and the role that runs its jobs.
type Backup struct {
	constructs.Construct
	Vault awsbackup.CfnBackupVault
	Plan  awsbackup.CfnBackupPlan
	Role  awsiam.IRole
}

// New creates the vault with its lock and access policy, the plan, and the
// selection of Props.Resources.
func New(scope constructs.Construct, id string, p Props) *Backup {
	if p.VaultName == "" || p.Key == nil || len(p.Resources) == 0 || p.DailyRetentionDays < MinRetentionDays ||
		(p.MonthlyRetentionDays != 0 && p.MonthlyRetentionDays < MinRetentionDays) ||
		p.DailyRetentionDays > MaxRetentionDays || p.MonthlyRetentionDays > MaxRetentionDays {
		panic(fmt.Sprintf("backup.New: VaultName, Key and Resources are required, retentions from %d to %d days", MinRetentionDays, MaxRetentionDays))
	}
	b := &Backup{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	b.createVault(p)
	b.createPlan(p)
	b.createRole(p)
	b.selectResources(p)
	return b
}

func (b *Backup) createVault(p Props) {
	self := b.Construct
	// The vault: encrypted with the environment's key, locked in compliance
	// mode (ChangeableForDays set), and an access policy that refuses
	// deleting or shortening recovery points, and deleting the policy
	// itself, to everyone, including during the grace period. (Replacing
	// the policy stays possible, so that the stack can update it; once the
	// lock is final the lock itself refuses early deletion.)
	b.Vault = awsbackup.NewCfnBackupVault(self, jsii.String("Vault"), &awsbackup.CfnBackupVaultProps{
		BackupVaultName:  jsii.String(p.VaultName),
		EncryptionKeyArn: p.Key.KeyArn(),
		LockConfiguration: &awsbackup.CfnBackupVault_LockConfigurationTypeProperty{
			MinRetentionDays:  jsii.Number(MinRetentionDays),
			MaxRetentionDays:  jsii.Number(MaxRetentionDays),
			ChangeableForDays: jsii.Number(LockGraceDays),
		},
		AccessPolicy: map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Sid":       "DenyDeletingRecoveryPoints",
				"Effect":    "Deny",
				"Principal": map[string]any{"AWS": "*"},
				"Action": []string{"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle",
					"backup:DisassociateRecoveryPoint", "backup:DeleteBackupVaultAccessPolicy", "backup:DeleteBackupVaultLockConfiguration"},
				"Resource": "*",
			}},
		},
	})
	// A locked vault cannot be deleted while it holds recovery points;
	// CloudFormation keeps it (and the stack forgets it) rather than fail.
	b.Vault.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
}

func (b *Backup) createPlan(p Props) {
	self := b.Construct
	rule := func(name, cron string, days int) *awsbackup.CfnBackupPlan_BackupRuleResourceTypeProperty {
		return &awsbackup.CfnBackupPlan_BackupRuleResourceTypeProperty{
			RuleName:                jsii.String(name),
			TargetBackupVault:       b.Vault.AttrBackupVaultName(),
			ScheduleExpression:      jsii.String(cron),
			StartWindowMinutes:      jsii.Number(StartWindowHours * 60),
			CompletionWindowMinutes: jsii.Number(CompletionHours * 60),
			Lifecycle:               &awsbackup.CfnBackupPlan_LifecycleResourceTypeProperty{DeleteAfterDays: jsii.Number(float64(days))},
			RecoveryPointTags:       &map[string]*string{"Rule": jsii.String(name)},
		}
	}
	rules := []any{rule("Daily", fmt.Sprintf("cron(0 %d * * ? *)", StartHourUTC), p.DailyRetentionDays)}
	if p.MonthlyRetentionDays > 0 {
		rules = append(rules, rule("Monthly", fmt.Sprintf("cron(0 %d 1 * ? *)", StartHourUTC), p.MonthlyRetentionDays))
	}
	b.Plan = awsbackup.NewCfnBackupPlan(self, jsii.String("Plan"), &awsbackup.CfnBackupPlanProps{
		BackupPlan: &awsbackup.CfnBackupPlan_BackupPlanResourceTypeProperty{
			BackupPlanName: jsii.String(p.VaultName),
			BackupPlanRule: &rules,
		},
	})
}

func (b *Backup) createRole(p Props) {
	self := b.Construct
	// The role AWS Backup runs the jobs (and restores) with: AWS's managed
	// policies for the purpose, which follow the services' APIs.
	managed := []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"}
	if p.S3 {
		managed = append(managed, "AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore")
	}
	var policies []awsiam.IManagedPolicy
	var findings []string
	for _, m := range managed {
		path := "service-role/" + m
		if m == "AWSBackupServiceRolePolicyForS3Backup" || m == "AWSBackupServiceRolePolicyForS3Restore" {
			path = m
		}
		policies = append(policies, awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(path)))
		findings = append(findings, "Policy::arn:<AWS::Partition>:iam::aws:policy/"+path)
	}
	role := awsiam.NewRole(self, jsii.String("Role"), &awsiam.RoleProps{
		// AWS Backup assumes the role without a source account or ARN in
		// the request, so the trust cannot carry one.
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("backup.amazonaws.com"), nil),
		Description:     jsii.String("AWS Backup jobs and restores of MedBookings " + p.Description),
		ManagedPolicies: &policies,
	})
	compliance.SuppressOnly(role, "AwsSolutions-IAM4",
		"AWS Backup's own service-role policies: they follow the backup and restore APIs of each service as AWS changes them, "+
			"and grant nothing outside what AWS Backup does with the resources it is given.", findings...)
	b.Role = role
}

func (b *Backup) selectResources(p Props) {
	self := b.Construct
	resources := make([]*string, len(p.Resources))
	for i, r := range p.Resources {
		resources[i] = jsii.String(r)
	}
	awsbackup.NewCfnBackupSelection(self, jsii.String("Selection"), &awsbackup.CfnBackupSelectionProps{
		BackupPlanId: b.Plan.AttrBackupPlanId(),
		BackupSelection: &awsbackup.CfnBackupSelection_BackupSelectionResourceTypeProperty{
			SelectionName: jsii.String(p.VaultName),
			IamRoleArn:    b.Role.RoleArn(),
			Resources:     &resources,
		},
	})
}

// NotifyFailures sends failed, expired, aborted and partial backup jobs of the
// vault to target (the environment's alert topic).
func (b *Backup) NotifyFailures(target awsevents.IRuleTarget) awsevents.Rule {
	rule := awsevents.NewRule(b.Construct, jsii.String("JobFailures"), &awsevents.RuleProps{
		Description: jsii.String("AWS Backup jobs of " + *b.Vault.BackupVaultName() + " that did not complete"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.backup"),
			DetailType: jsii.Strings("Backup Job State Change"),
			Detail: &map[string]any{
				"state":           []string{"FAILED", "EXPIRED", "ABORTED", "PARTIAL"},
				"backupVaultName": []string{*b.Vault.BackupVaultName()},
			},
		},
	})
	rule.AddTarget(target)
	return rule
}
