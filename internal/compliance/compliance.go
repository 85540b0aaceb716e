// Package compliance applies the compliance packs (cdk-nag AwsSolutions and
// HIPAA Security) and reads what they, and CDK itself, reported after synthesis.
package compliance

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Packs are the cdk-nag rule packs every stack is checked against.
var Packs = []string{"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"}

// AddPacks applies AwsSolutionsChecks, HIPAASecurityChecks and
// NIST80053R5Checks to every construct in scope. With reports, cdk-nag also
// writes a CSV per pack and stack into the assembly (compliant,
// non-compliant and suppressed rules).
func AddPacks(scope constructs.IConstruct, reports bool) {
	aspects := awscdk.Aspects_Of(scope)
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(reports)}
	aspects.Add(cdknag.NewAwsSolutionsChecks(props), nil)
	aspects.Add(cdknag.NewHIPAASecurityChecks(props), nil)
	aspects.Add(cdknag.NewNIST80053R5Checks(props), nil)
}

// SharedRules are the rules that cdk-nag 2.38's HIPAA Security and NIST
// 800-53 rev 5 packs both have, with the same check (one implementation
// each, e.g. rules/lambda/LambdaDLQ): a HIPAA.Security-<rule> suppression is
// recorded as NIST.800.53.R5-<rule> too, with the same reason and scope, so
// the two packs cannot disagree about one resource. Rules of one pack only
// (NIST's KMSBackingKeyRotationEnabled, for example) are suppressed by name.
var SharedRules = map[string]bool{"ALBHttpToHttpsRedirection": true, "APIGWCacheEnabledAndEncrypted": true, "APIGWExecutionLoggingEnabled": true, "APIGWSSLEnabled": true, "AutoScalingGroupELBHealthCheckRequired": true, "AutoScalingLaunchConfigPublicIpDisabled": true, "CloudTrailCloudWatchLogsEnabled": true, "CloudTrailEncryptionEnabled": true, "CloudTrailLogFileValidationEnabled": true, "CloudWatchAlarmAction": true, "CloudWatchLogGroupEncrypted": true, "CloudWatchLogGroupRetentionPeriod": true, "DMSReplicationNotPublic": true, "DynamoDBAutoScalingEnabled": true, "DynamoDBInBackupPlan": true, "DynamoDBPITREnabled": true, "EC2EBSInBackupPlan": true, "EC2EBSOptimizedInstance": true, "EC2IMDSv2Enabled": true, "EC2InstanceNoPublicIp": true, "EC2InstanceProfileAttached": true, "EC2InstancesInVPC": true, "EC2RestrictedCommonPorts": true, "EC2RestrictedSSH": true, "ECSTaskDefinitionUserForHostMode": true, "EFSEncrypted": true, "EFSInBackupPlan": true, "ELBACMCertificateRequired": true, "ELBCrossZoneLoadBalancingEnabled": true, "ELBDeletionProtectionEnabled": true, "ELBLoggingEnabled": true, "ELBTlsHttpsListenersOnly": true, "ELBv2ACMCertificateRequired": true, "ElastiCacheRedisClusterAutomaticBackup": true, "ElasticBeanstalkEnhancedHealthReportingEnabled": true, "ElasticBeanstalkManagedUpdatesEnabled": true, "IAMNoInlinePolicy": true, "IAMPolicyNoStatementsWithAdminAccess": true, "IAMPolicyNoStatementsWithFullAccess": true, "IAMUserGroupMembership": true, "IAMUserNoPolicies": true, "LambdaConcurrency": true, "LambdaDLQ": true, "LambdaFunctionPublicAccessProhibited": true, "LambdaInsideVPC": true, "OpenSearchEncryptedAtRest": true, "OpenSearchErrorLogsToCloudWatch": true, "OpenSearchInVPCOnly": true, "OpenSearchNodeToNodeEncryption": true, "RDSEnhancedMonitoringEnabled": true, "RDSInBackupPlan": true, "RDSInstanceBackupEnabled": true, "RDSInstanceDeletionProtectionEnabled": true, "RDSInstancePublicAccess": true, "RDSLoggingEnabled": true, "RDSMultiAZSupport": true, "RDSStorageEncrypted": true, "RedshiftBackupEnabled": true, "RedshiftClusterConfiguration": true, "RedshiftClusterMaintenanceSettings": true, "RedshiftClusterPublicAccess": true, "RedshiftEnhancedVPCRoutingEnabled": true, "RedshiftRequireTlsSSL": true, "S3BucketLevelPublicAccessProhibited": true, "S3BucketLoggingEnabled": true, "S3BucketPublicReadProhibited": true, "S3BucketPublicWriteProhibited": true, "S3BucketReplicationEnabled": true, "S3BucketSSLRequestsOnly": true, "S3BucketVersioningEnabled": true, "S3DefaultEncryptionKMS": true, "SNSEncryptedKMS": true, "SageMakerEndpointConfigurationKMSKeyConfigured": true, "SageMakerNotebookInstanceKMSKeyConfigured": true, "SageMakerNotebookNoDirectInternetAccess": true, "SecretsManagerRotationEnabled": true, "SecretsManagerUsingKMSKey": true, "VPCDefaultSecurityGroupClosed": true, "VPCFlowLogsEnabled": true, "VPCNoUnrestrictedRouteToIGW": true, "VPCSubnetAutoAssignPublicIpDisabled": true, "WAFv2LoggingEnabled": true}

const (
	hipaaPrefix = "HIPAA.Security-"
	nistPrefix  = "NIST.800.53.R5-"
)

// withNIST adds the NIST rev 5 twin of a shared HIPAA rule.
func withNIST(rule string) []string {
	if name, ok := strings.CutPrefix(rule, hipaaPrefix); ok && SharedRules[name] {
		return []string{rule, nistPrefix + name}
	}
	return []string{rule}
}

// Suppress records why scope (and its children) may break rules. Each
// suppression names the rule and a reason a reviewer would accept.
func Suppress(scope constructs.IConstruct, reasons map[string]string) {
	var list []*cdknag.NagPackSuppression
	for _, id := range slices.Sorted(maps.Keys(reasons)) {
		for _, rule := range withNIST(id) {
			list = append(list, &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reasons[id])})
		}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &list, jsii.Bool(true))
}

var nagRE = regexp.MustCompile(`(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5)-[A-Za-z0-9]+|CdkNagValidationFailure`)

// Finding is an unsuppressed compliance finding or error in a synthesized stack.
type Finding struct {
	Stack, Path, Level, Message string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s %s: %s", f.Level, f.Stack, f.Path, f.Message)
}

// Findings lists every error annotation and every cdk-nag warning in the
// assembly's stacks, sorted. A clean app has none.
func Findings(asm cxapi.CloudAssembly) []Finding {
	var out []Finding
	for _, st := range *asm.Stacks() {
		for _, m := range *st.Messages() {
			text := fmt.Sprint(m.Entry.Data)
			if s, ok := m.Entry.Data.(string); ok {
				text = s
			}
			if m.Level == cxapi.SynthesisMessageLevel_ERROR ||
				(m.Level == cxapi.SynthesisMessageLevel_WARNING && nagRE.MatchString(text)) {
				out = append(out, Finding{Stack: *st.StackName(), Path: *m.Id, Level: string(m.Level), Message: text})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// SuppressOnly suppresses rule on scope for the exact findings listed
// (cdk-nag appliesTo, e.g. "Resource::<Bucket.Arn>/*"): any other finding of
// the rule on scope still fails.
func SuppressOnly(scope constructs.IConstruct, rule, reason string, findings ...string) {
	appliesTo := make([]any, len(findings))
	for i, f := range findings {
		appliesTo[i] = jsii.String(f)
	}
	var list []*cdknag.NagPackSuppression
	for _, r := range withNIST(rule) {
		list = append(list, &cdknag.NagPackSuppression{Id: jsii.String(r), Reason: jsii.String(reason), AppliesTo: &appliesTo})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &list, jsii.Bool(true))
}

// SuppressMatching suppresses rule on scope for the findings that match one
// of the regular expressions (written as cdk-nag wants them: "/^...$/").
func SuppressMatching(scope constructs.IConstruct, rule, reason string, regexes ...string) {
	appliesTo := make([]any, len(regexes))
	for i, r := range regexes {
		appliesTo[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(r)}
	}
	var list []*cdknag.NagPackSuppression
	for _, r := range withNIST(rule) {
		list = append(list, &cdknag.NagPackSuppression{Id: jsii.String(r), Reason: jsii.String(reason), AppliesTo: &appliesTo})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &list, jsii.Bool(true))
}

// GuardGrants denies kms:CreateGrant on key to everyone unless the grant is
// for an AWS resource (RDS, Secrets Manager, AWS Backup and EBS create
// their grants that way): a principal that may use the key cannot hand a
// lasting grant of it to someone else.
func GuardGrants(key awskms.Key) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSResources"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "false"}},
	}), nil)
}
