package delivery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// TaggedServices are services whose resources CloudFormation tags with the
// stack's tags and whose actions honour aws:ResourceTag: the execution
// policy allows them on any resource, and the boundary denies every
// resource tagged with another environment. (Their resources have
// generated names or IDs, so they cannot be allowed by name.)
var TaggedServices = []string{"acm", "backup", "cloudfront", "ec2", "events", "kms", "lambda", "rds", "secretsmanager", "sns"}

// NamedServices are services the execution policy allows only on the
// environment's own names (their resources are named by the stacks, or
// their actions ignore tags).
var NamedServices = []string{"budgets", "cloudwatch", "iam", "logs", "route53", "s3", "scheduler", "ssm"}

// namedTypes are the resource types of the named services that the
// execution policy lets CloudFormation manage (by the environment's names):
// any other type of those services is unknown until the policy handles it.
var namedTypes = map[string]string{
	"AWS::S3::Bucket": "s3", "AWS::S3::BucketPolicy": "s3",
	"AWS::Logs::LogGroup": "logs", "AWS::Logs::MetricFilter": "logs",
	"AWS::CloudWatch::Alarm": "cloudwatch", "AWS::CloudWatch::Dashboard": "cloudwatch",
	"AWS::Budgets::Budget":     "budgets",
	"AWS::Scheduler::Schedule": "scheduler",
	"AWS::Route53::RecordSet":  "route53",
	"AWS::IAM::Role":           "iam", "AWS::IAM::ManagedPolicy": "iam", "AWS::IAM::Policy": "iam",
	"AWS::IAM::InstanceProfile": "iam",
}

// taggedNamespaces are the CloudFormation namespaces of TaggedServices.
var taggedNamespaces = map[string]string{
	"CertificateManager": "acm", "Backup": "backup", "CloudFront": "cloudfront", "EC2": "ec2", "Events": "events",
	"KMS": "kms", "Lambda": "lambda", "RDS": "rds", "SecretsManager": "secretsmanager", "SNS": "sns",
}

// ServiceOf is the IAM service prefix of a CloudFormation resource type
// that an environment's execution policy can deploy; ok is false for any
// other type (a stack that creates one could not be deployed through its
// bootstrap until the policy handles it: the tests fail first).
func ServiceOf(resourceType string) (service string, ok bool) {
	if strings.HasPrefix(resourceType, "Custom::") || resourceType == "AWS::CloudFormation::CustomResource" {
		return "lambda", true // CloudFormation invokes the provider function
	}
	if s, ok := namedTypes[resourceType]; ok {
		return s, true
	}
	parts := strings.Split(resourceType, "::")
	if len(parts) != 3 || parts[0] != "AWS" {
		return "", false
	}
	service, ok = taggedNamespaces[parts[1]]
	return service, ok
}

// executionPolicy is what CloudFormation may do when it deploys t: the
// services its stacks use and nothing else; named services only on t's
// names; IAM only below t's path and only with t's boundary.
func (d *Delivery) executionPolicy(t Target) awsiam.IManagedPolicy {
	a := d.arn
	boundaryARN := a.iam("policy/" + BoundaryPolicyName(t.Environment))
	path := IAMPath(t.Environment)
	var st []awsiam.PolicyStatement
	var tagged []string
	for _, s := range t.Services {
		if slices.Contains(TaggedServices, s) {
			tagged = append(tagged, s+":*")
			if s == "backup" {
				tagged = append(tagged, "backup-storage:*") // the vault's storage
			}
		}
	}
	if len(tagged) > 0 {
		st = append(st, statement("TaggedServices", tagged, []string{"*"}, nil))
	}
	has := func(s string) bool { return slices.Contains(t.Services, s) }
	if has("s3") {
		st = append(st, statement("OwnBuckets", []string{"s3:*"}, []string{
			a.s3(t.Prefix + "-*"), a.s3(t.UploadsBucket), a.s3(t.UploadsBucket + "/*"),
		}, nil))
	}
	// Function code, layers and nested templates are read from the
	// qualifier's asset bucket with CloudFormation's credentials.
	st = append(st, statement("ReadAssets", []string{"s3:GetObject", "s3:GetObjectVersion", "s3:GetBucketLocation", "s3:ListBucket"},
		[]string{a.s3("cdk-" + t.Qualifier + "-assets-" + a.account + "-*"), a.s3("cdk-" + t.Qualifier + "-assets-" + a.account + "-*/*")}, nil))
	if has("logs") {
		st = append(st,
			statement("OwnLogGroups", []string{"logs:*"}, LogGroupARNs(a.partition, a.account, t), nil),
			statement("DescribeLogGroups", []string{"logs:DescribeLogGroups"}, []string{a.of("logs", "*", "log-group:*")}, nil))
	}
	if has("cloudwatch") {
		st = append(st,
			statement("OwnAlarmsAndDashboard", []string{"cloudwatch:*"}, []string{
				a.of("cloudwatch", "*", "alarm:"+t.AlarmPrefix+"-*"),
				fmt.Sprintf("arn:%s:cloudwatch::%s:dashboard/%s", a.partition, a.account, t.AlarmPrefix),
			}, nil),
			statement("DescribeAlarms", []string{"cloudwatch:DescribeAlarms"}, []string{"*"}, nil))
	}
	if has("budgets") {
		st = append(st, statement("OwnBudget", []string{"budgets:*"},
			[]string{fmt.Sprintf("arn:%s:budgets::%s:budget/%s-*", a.partition, a.account, t.AlarmPrefix)}, nil))
	}
	if has("scheduler") {
		st = append(st, statement("OwnSchedules", []string{"scheduler:*"},
			[]string{a.of("scheduler", "*", "schedule/default/"+t.Prefix+"-*")}, nil))
	}
	if has("route53") && t.HostedZoneID != "" {
		zone := fmt.Sprintf("arn:%s:route53:::hostedzone/%s", a.partition, t.HostedZoneID)
		st = append(st,
			statement("OwnRecords", []string{"route53:ChangeResourceRecordSets"}, []string{zone}, map[string]any{
				// StringLike: ACM's validation records are _<32 hex digits>.<host>
				"ForAllValues:StringLike": map[string]any{"route53:ChangeResourceRecordSetsNormalizedRecordNames": t.RecordNames},
			}),
			statement("ReadZone", []string{"route53:GetHostedZone", "route53:ListResourceRecordSets"}, []string{zone}, nil),
			statement("ReadChanges", []string{"route53:GetChange"}, []string{fmt.Sprintf("arn:%s:route53:::change/*", a.partition)}, nil))
	}
	st = append(st,
		// The NAT and access instances' image (AWS's public parameter, with
		// or without this account in its ARN), and the bootstrap version the
		// templates check.
		statement("ReadParameters", []string{"ssm:GetParameter", "ssm:GetParameters"}, []string{
			a.of("ssm", "*", "parameter/aws/service/ami-amazon-linux-latest/*"),
			fmt.Sprintf("arn:%s:ssm:*::parameter/aws/service/ami-amazon-linux-latest/*", a.partition),
			a.of("ssm", "*", "parameter/cdk-bootstrap/"+t.Qualifier+"/*"),
		}, nil),
		// Fn::GetStackOutput reads the edge stack's outputs.
		statement("ReadOwnStacks", []string{"cloudformation:DescribeStacks"}, d.stackARNs(t), nil),
		statement("OwnRolesWithBoundary", []string{
			"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
			"iam:AttachRolePolicy", "iam:DetachRolePolicy",
		}, []string{a.iam("role" + path + "*")}, map[string]any{
			"StringEquals": map[string]any{"iam:PermissionsBoundary": boundaryARN},
		}),
		statement("OwnRoles", []string{
			"iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
			"iam:ListRoleTags", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
			"iam:UpdateAssumeRolePolicy", "iam:PassRole",
		}, []string{a.iam("role" + path + "*")}, nil),
		statement("OwnPolicies", []string{
			"iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:GetPolicy",
			"iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListEntitiesForPolicy", "iam:TagPolicy", "iam:UntagPolicy",
		}, []string{a.iam("policy" + path + "*")}, nil),
		statement("OwnInstanceProfiles", []string{
			"iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile",
			"iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
		}, []string{a.iam("instance-profile" + path + "*")}, nil),
		statement("ServiceLinkedRoles", []string{"iam:CreateServiceLinkedRole"}, []string{a.iam("role/aws-service-role/*")}, map[string]any{
			"StringEquals": map[string]any{"iam:AWSServiceName": ServiceLinkedRoles},
		}),
	)
	policy := awsiam.NewManagedPolicy(d.Construct, jsii.String("ExecutionPolicy"+EnvironmentTitle(t.Environment)), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(ExecutionPolicyName(t.Environment)),
		Description: jsii.String("CloudFormation execution policy of MedBookings " + t.Environment + " (bootstrap qualifier " + t.Qualifier +
			"): the services of its stacks, its own names, IAM below " + path + " with its boundary"),
		Statements: &st,
	})
	compliance.Suppress(policy, map[string]string{
		"AwsSolutions-IAM5": "This is CloudFormation's execution policy: it must create, change and delete every resource the " +
			t.Environment + " stacks declare, most of them with generated names or IDs. Services with tag-based authorization are " +
			"allowed on '*' and fenced by the boundary, which denies every resource tagged with another environment; the others " +
			"only on this environment's names; IAM only below " + path + " and only with the boundary attached (constructs/delivery, " +
			"docs/runbook.md).",
		"HIPAA.Security-IAMPolicyNoStatementsWithFullAccess": "CloudFormation creates and deletes the resources of these services, " +
			"so it needs their whole API; the boundary removes every other environment's resources, and the named services are " +
			"limited to this environment's names.",
	})
	return policy
}

// ServiceLinkedRoles are the service-linked roles a first deployment may
// create: RDS's, AWS Backup's, and Lambda@Edge's two.
var ServiceLinkedRoles = []string{
	"rds.amazonaws.com", "backup.amazonaws.com", "replicator.lambda.amazonaws.com", "logger.cloudfront.amazonaws.com",
}

// LogGroupARNs are the log groups an environment's stacks may create: its
// functions' (also Lambda@Edge's replicas), its database's, and the
// others' under /medbookings/<environment>/.
func LogGroupARNs(partition, account string, t Target) []string {
	a := arns{partition: partition, account: account}
	return []string{
		a.of("logs", "*", "log-group:/aws/lambda/"+t.Prefix+"-*"),
		a.of("logs", "*", "log-group:/aws/lambda/us-east-1."+t.Prefix+"-*"),
		a.of("logs", "*", "log-group:/aws/rds/instance/"+t.InstanceIdentifier+"/*"),
		a.of("logs", "*", "log-group:/medbookings/"+t.Environment+"/*"),
	}
}

func (d *Delivery) stackARNs(t Target) []string {
	var out []string
	for _, s := range t.Stacks {
		out = append(out, d.arn.stack(s))
	}
	return out
}

// boundary is the ceiling of CloudFormation's execution role, of the
// environment's bootstrap roles, and of every role its stacks create:
// anything, except another environment, the delivery stack and its roles,
// the bootstrap stacks, and the ways around the boundary itself.
func (d *Delivery) boundary(t Target) awsiam.IManagedPolicy {
	a := d.arn
	boundaryARN := a.iam("policy/" + BoundaryPolicyName(t.Environment))
	st := []awsiam.PolicyStatement{statement("Ceiling", []string{"*"}, []string{"*"}, nil)}

	var otherEnvs, otherNames []string
	for _, o := range d.targets {
		if o.Environment == t.Environment {
			continue
		}
		otherEnvs = append(otherEnvs, o.Environment)
		otherNames = append(otherNames, d.namesOf(o)...)
	}
	if len(otherEnvs) > 0 {
		st = append(st,
			deny("DenyOtherEnvironmentsByTag", []string{"*"}, []string{"*"}, map[string]any{
				"StringEquals": map[string]any{"aws:ResourceTag/Environment": otherEnvs},
			}),
			deny("DenyTaggingAsOtherEnvironments", []string{"*"}, []string{"*"}, map[string]any{
				"StringEquals": map[string]any{"aws:RequestTag/Environment": otherEnvs},
			}),
			deny("DenyOtherEnvironmentsByName", []string{"*"}, otherNames, nil))
	}
	region := "*"
	controlStacks := []string{
		a.of("cloudformation", region, "stack/"+d.props.StackName+"/*"),
		a.of("cloudformation", region, "stack/"+ToolkitStackPrefix+"*"),
	}
	st = append(st,
		// The delivery stack (this trust), and every bootstrap stack: read only.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("DenyChangingControlStacks"), Effect: awsiam.Effect_DENY, Resources: jsii.Strings(controlStacks...),
			NotActions: jsii.Strings("cloudformation:Describe*", "cloudformation:Get*", "cloudformation:List*"),
		}),
		deny("DenyDeliveryIdentities", []string{"iam:*"}, []string{
			a.iam("role/" + DiffRoleName), a.iam("role/" + DeployRoleNamePrefix + "*"),
			a.iam("oidc-provider/" + OIDCHost),
			a.iam("policy/medbookings-*-boundary"), a.iam("policy/medbookings-*-cfn-exec"),
		}, nil),
		// No role without this boundary, and no way to lift it.
		deny("DenyRolesWithoutThisBoundary", []string{
			"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
			"iam:AttachRolePolicy", "iam:DetachRolePolicy",
		}, []string{"*"}, map[string]any{
			"StringNotEquals": map[string]any{"iam:PermissionsBoundary": boundaryARN},
		}),
		deny("DenyLiftingBoundaries", []string{"iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"}, []string{"*"}, nil),
		deny("DenyUsersGroupsAndKeys", []string{
			"iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:CreateGroup",
			"iam:AddUserToGroup", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AttachGroupPolicy", "iam:PutGroupPolicy",
			"iam:CreateServiceSpecificCredential", "iam:UploadSSHPublicKey", "iam:CreateSAMLProvider", "iam:CreateOpenIDConnectProvider",
			"iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider", "iam:UpdateSAMLProvider",
		}, []string{"*"}, nil),
		// Roles of this environment only: passed to a service, or trusted anew.
		denyNotResource("DenyOtherRoles", []string{"iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:UpdateRole"}, []string{
			a.iam("role" + IAMPath(t.Environment) + "*"),
			a.iam("role/cdk-" + t.Qualifier + "-*"),
		}),
		// Nothing here assumes a role: bootstrap roles trust the whole
		// account, so a role that could would reach any qualifier's.
		deny("DenyAssumingRoles", []string{"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"}, []string{"*"}, nil),
		// Backups and snapshots outlive any deployment.
		deny("DenyDeletingBackups", []string{
			"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVaultLockConfiguration",
			"backup:DisassociateRecoveryPoint", "rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot",
			"rds:DeleteDBInstanceAutomatedBackup", "rds:ModifyDBSnapshotAttribute",
		}, []string{"*"}, nil),
	)
	if t.Protected {
		st = append(st, deny("DenyDeletingData", []string{
			"rds:DeleteDBInstance", "s3:DeleteBucket", "kms:ScheduleKeyDeletion", "kms:DisableKey",
			"secretsmanager:DeleteSecret", "logs:DeleteLogGroup", "backup:DeleteBackupVault",
		}, []string{"*"}, nil))
	}
	policy := awsiam.NewManagedPolicy(d.Construct, jsii.String("Boundary"+EnvironmentTitle(t.Environment)), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(BoundaryPolicyName(t.Environment)),
		Description: jsii.String("Permissions boundary of MedBookings " + t.Environment + " (bootstrap qualifier " + t.Qualifier +
			"): its bootstrap roles, its CloudFormation execution role and every role its stacks create"),
		Statements: &st,
	})
	compliance.Suppress(policy, map[string]string{
		"AwsSolutions-IAM5": "A permissions boundary is a ceiling, not a grant: 'Allow * on *' plus the denies is the standard form " +
			"(AWS's and CDK's example boundaries). What a role may do is its own policy's; the boundary removes everything of the " +
			"other environments, the delivery stack, the bootstrap stacks and every way around it.",
		"HIPAA.Security-IAMPolicyNoStatementsWithAdminAccess": "The same: a boundary's Allow * is intersected with each role's own " +
			"policy and grants nothing by itself.",
		"HIPAA.Security-IAMPolicyNoStatementsWithFullAccess": "The same: a boundary grants nothing by itself.",
	})
	return policy
}

func denyNotResource(sid string, actions, notResources []string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sid), Effect: awsiam.Effect_DENY, Actions: jsii.Strings(actions...), NotResources: jsii.Strings(notResources...),
	})
}

// namesOf are the ARNs of everything named after target o: its stacks,
// bootstrap roles, bucket, parameters, functions, buckets, secrets, log
// groups, alarms, schedules, database and roles.
func (d *Delivery) namesOf(o Target) []string {
	a := d.arn
	var out []string
	for _, s := range o.Stacks {
		// in every region: a stack of the other environment's name may not
		// be created anywhere
		out = append(out, d.arn.of("cloudformation", "*", "stack/"+s.Name+"/*"))
	}
	out = append(out,
		a.of("cloudformation", "*", "stack/"+ToolkitStackName(o.Environment)+"/*"),
		a.iam("role/cdk-"+o.Qualifier+"-*"),
		a.iam("role"+IAMPath(o.Environment)+"*"),
		a.iam("policy"+IAMPath(o.Environment)+"*"),
		a.s3("cdk-"+o.Qualifier+"-*"),
		a.of("ssm", "*", "parameter/cdk-bootstrap/"+o.Qualifier+"/*"),
		a.s3(o.Prefix+"-*"), a.s3(o.UploadsBucket), a.s3(o.UploadsBucket+"/*"),
		a.of("lambda", "*", "function:"+o.Prefix+"-*"),
		a.of("lambda", "*", "layer:"+o.Prefix+"-*"),
		fmt.Sprintf("arn:%s:cloudfront::%s:function/%s-*", a.partition, a.account, o.Prefix),
		a.of("secretsmanager", "*", "secret:"+o.SecretPrefix+"*"),
		a.of("rds", "*", "db:"+o.InstanceIdentifier),
		a.of("cloudwatch", "*", "alarm:"+o.AlarmPrefix+"-*"),
		a.of("scheduler", "*", "schedule/default/"+o.Prefix+"-*"),
	)
	out = append(out, LogGroupARNs(a.partition, a.account, o)...)
	return out
}
