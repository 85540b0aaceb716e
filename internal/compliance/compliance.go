// Package compliance applies the compliance packs (cdk-nag AwsSolutions and
// HIPAA Security) and reads what they, and CDK itself, reported after synthesis.
package compliance

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AddPacks applies AwsSolutionsChecks and HIPAASecurityChecks to every
// construct in scope.
func AddPacks(scope constructs.IConstruct) {
	aspects := awscdk.Aspects_Of(scope)
	aspects.Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	aspects.Add(cdknag.NewHIPAASecurityChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// Suppress records why scope (and its children) may break rules. Each
// suppression names the rule and a reason a reviewer would accept.
func Suppress(scope constructs.IConstruct, reasons map[string]string) {
	var list []*cdknag.NagPackSuppression
	for _, id := range slices.Sorted(maps.Keys(reasons)) {
		list = append(list, &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reasons[id])})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &list, jsii.Bool(true))
}

var nagRE = regexp.MustCompile(`(AwsSolutions|HIPAA\.Security)-[A-Za-z0-9]+|CdkNagValidationFailure`)

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
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String(rule), Reason: jsii.String(reason), AppliesTo: &appliesTo,
	}}, jsii.Bool(true))
}

// SuppressMatching suppresses rule on scope for the findings that match one
// of the regular expressions (written as cdk-nag wants them: "/^...$/").
func SuppressMatching(scope constructs.IConstruct, rule, reason string, regexes ...string) {
	appliesTo := make([]any, len(regexes))
	for i, r := range regexes {
		appliesTo[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(r)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String(rule), Reason: jsii.String(reason), AppliesTo: &appliesTo,
	}}, jsii.Bool(true))
}
