// Command inventory writes the resource inventory of a synthesized cloud
// assembly as Markdown (FR-10.3): per stack, its parameters, rules, outputs
// (and which stacks read them), references to other stacks' outputs, IAM
// roles, secrets (names and references, never values), custom resources
// with the functions that carry them out, and every resource with its type,
// construct path and deletion policy.
//
//	inventory [-assembly cdk.out] [-o docs/inventory.md]
//
// docs/inventory.md is generated from the golden templates (testdata/) by
// scripts/docs.sh; a test fails when it differs from a fresh render.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

func main() {
	fs := flag.NewFlagSet("inventory", flag.ExitOnError)
	out := fs.String("o", "", "write to this file instead of standard output")
	asm := assembly.Command(fs, os.Args[1:])
	var buf bytes.Buffer
	Write(&buf, asm)
	var err error
	if *out == "" {
		_, err = os.Stdout.Write(buf.Bytes())
	} else {
		err = os.WriteFile(*out, buf.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inventory:", err)
		os.Exit(1)
	}
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

func path(r *assembly.Resource) string {
	p := r.Path()
	if i := strings.Index(p, "/"); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// Write renders the inventory of every stack.
func Write(w io.Writer, asm *assembly.Assembly) {
	fmt.Fprintln(w, "# Resource inventory")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated from the synthesized templates by `scripts/docs.sh` (`go run ./cmd/inventory -assembly testdata -o docs/inventory.md`): do not edit by hand. `go test ./cmd/inventory/` fails when this file differs from a fresh render of `testdata/*.template.json`.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "References are shown as `${LogicalId}` or `${LogicalId.Attribute}`, and outputs of other stacks as `${Stack[region]:Output}` (Fn::GetStackOutput, which reads across regions): CloudFormation resolves them at deploy time (`aws cloudformation describe-stack-resources --stack-name STACK` lists the physical names). Secret values never appear here; read them with `aws secretsmanager get-secret-value` when you must.")
	fmt.Fprintln(w)
	for _, s := range asm.Stacks {
		fmt.Fprintf(w, "- [%s](#%s)\n", s.Name, strings.ToLower(s.Name))
	}
	for _, s := range asm.Stacks {
		writeStack(w, asm, s)
	}
}

func writeStack(w io.Writer, asm *assembly.Assembly, s *assembly.Stack) {
	fmt.Fprintf(w, "\n## %s\n\n", s.Name)
	if d := s.Template.Description; d != "" {
		fmt.Fprintf(w, "%s\n\n", d)
	}
	if len(s.Template.Transform) > 0 {
		var ts []string
		for _, t := range s.Template.Transform {
			ts = append(ts, code(t))
		}
		fmt.Fprintf(w, "Transforms: %s.\n\n", strings.Join(ts, ", "))
	}
	counts := map[string]int{}
	for _, r := range s.Template.Resources {
		counts[assembly.ShortType(r.Type)]++
	}
	var parts []string
	for _, t := range s.Types() {
		parts = append(parts, fmt.Sprintf("%s ×%d", assembly.ShortType(t), counts[assembly.ShortType(t)]))
	}
	fmt.Fprintf(w, "%d resources: %s.\n", len(s.Template.Resources), strings.Join(parts, ", "))

	writeParameters(w, s)
	writeRules(w, s)

	fmt.Fprintf(w, "\n### Outputs (%s)\n\n", s.Name)
	if len(s.Template.Outputs) == 0 {
		fmt.Fprintln(w, "None.")
	} else {
		fmt.Fprintln(w, "| Output | Description | Value | Export / read by |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, n := range s.OutputNames() {
			o := s.Template.Outputs[n]
			var export []string
			if o.Export != nil {
				export = append(export, "export "+code(assembly.Render(o.Export["Name"])))
			}
			for _, ref := range asm.ReadersOf(s, n) {
				export = append(export, fmt.Sprintf("read by %s `%s`", ref.From.Name, ref.Resource))
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", n, cell(o.Description), cell(code(assembly.Render(o.Value))), cell(strings.Join(export, ", ")))
		}
	}
	writeCrossStack(w, asm, s)

	fmt.Fprintf(w, "\n### IAM roles (%s)\n\n", s.Name)
	roles := s.OfType("AWS::IAM::Role")
	if len(roles) == 0 {
		fmt.Fprintln(w, "None.")
	} else {
		fmt.Fprintln(w, "| Role | Construct path | Assumed by | Policies |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, r := range roles {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", r.LogicalID, cell(code(path(r))), cell(trustedBy(r)), cell(policiesOf(s, r)))
		}
	}
	if oidc := s.OfType("AWS::IAM::OIDCProvider"); len(oidc) > 0 {
		fmt.Fprintln(w)
		for _, r := range oidc {
			fmt.Fprintf(w, "OIDC provider `%s`: %s, audiences %s.\n", r.LogicalID, code(assembly.Render(r.Prop("Url"))), code(assembly.Render(r.Prop("ClientIdList"))))
		}
	}

	fmt.Fprintf(w, "\n### Secrets (%s)\n\n", s.Name)
	secrets := s.OfType("AWS::SecretsManager::Secret")
	if len(secrets) == 0 {
		fmt.Fprintln(w, "None in this stack.")
	} else {
		fmt.Fprintln(w, "| Secret | Name | Description | Encryption key | Attached to | Rotation |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|")
		for _, r := range secrets {
			name := assembly.Render(r.Prop("Name"))
			if name == "" {
				name = "(generated by CloudFormation)"
			} else {
				name = code(name)
			}
			key := code(assembly.Render(r.Prop("KmsKeyId")))
			if key == "" {
				key = "aws/secretsmanager"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s |\n", r.LogicalID, cell(name), cell(assembly.Render(r.Prop("Description"))), cell(key), cell(attachedTo(s, r)), cell(rotation(s, r)))
		}
	}
	for _, db := range s.OfType("AWS::RDS::DBInstance") {
		if db.Bool("ManageMasterUserPassword") {
			fmt.Fprintf(w, "\nThe master user secret of `%s` is created and rotated by RDS (ManageMasterUserPassword): its ARN is the instance's `MasterUserSecret.SecretArn` attribute.\n", db.LogicalID)
		}
	}
	if refs := externalSecrets(s); len(refs) > 0 {
		fmt.Fprintf(w, "\nSecrets the stack refers to but does not create: %s.\n", strings.Join(refs, ", "))
	}

	writeCustomResources(w, s)

	fmt.Fprintf(w, "\n### All resources (%s)\n\n", s.Name)
	fmt.Fprintln(w, "| Logical ID | Type | Construct path | On delete |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, r := range s.Resources() {
		del := r.DeletionPolicy
		if del == "" {
			del = "Delete"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", r.LogicalID, r.Type, cell(code(path(r))), del)
	}
}

// trustedBy lists the principals of a role's trust policy.
func trustedBy(r *assembly.Resource) string {
	stmts, _ := r.Prop("AssumeRolePolicyDocument.Statement").([]any)
	var out []string
	for _, st := range stmts {
		m, _ := st.(map[string]any)
		p, _ := m["Principal"].(map[string]any)
		kinds := make([]string, 0, len(p))
		for k := range p {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			out = append(out, code(assembly.Render(p[k])))
		}
		if c, ok := m["Condition"]; ok {
			out = append(out, "when "+code(assembly.Render(c)))
		}
	}
	return strings.Join(out, ", ")
}

// policiesOf lists managed policies and the policy resources attached to a role.
func policiesOf(s *assembly.Stack, role *assembly.Resource) string {
	var out []string
	seen := map[string]bool{}
	if arns, ok := role.Prop("ManagedPolicyArns").([]any); ok {
		for _, a := range arns {
			// A managed policy of the stack, by reference: its logical ID.
			if refs := assembly.Refs(a); len(refs) == 1 && refs[0].Attribute == "" && s.Template.Resources[refs[0].Target] != nil {
				if !seen[refs[0].Target] {
					seen[refs[0].Target] = true
					out = append(out, "`"+refs[0].Target+"`")
				}
				continue
			}
			out = append(out, code(assembly.Render(a)))
		}
	}
	if inline, ok := role.Prop("Policies").([]any); ok {
		for _, p := range inline {
			m, _ := p.(map[string]any)
			out = append(out, "inline "+code(assembly.Render(m["PolicyName"])))
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, p := range s.OfType(typ) {
			if assembly.RefersTo(p.Prop("Roles"), role.LogicalID) && !seen[p.LogicalID] {
				seen[p.LogicalID] = true
				out = append(out, "`"+p.LogicalID+"`")
			}
		}
	}
	return strings.Join(out, ", ")
}

// attachments returns the secret target attachments of a secret (which
// add the host and port of a database to it; rotation schedules name the
// attachment rather than the secret).
func attachments(s *assembly.Stack, secret *assembly.Resource) []*assembly.Resource {
	var out []*assembly.Resource
	for _, a := range s.OfType("AWS::SecretsManager::SecretTargetAttachment") {
		if assembly.RefersTo(a.Prop("SecretId"), secret.LogicalID) {
			out = append(out, a)
		}
	}
	return out
}

func attachedTo(s *assembly.Stack, secret *assembly.Resource) string {
	var out []string
	for _, a := range attachments(s, secret) {
		t := code(assembly.Render(a.Prop("TargetId")))
		if typ := a.String("TargetType"); typ != "" {
			t += " (" + assembly.ShortType(typ) + ")"
		}
		out = append(out, t+" by `"+a.LogicalID+"`")
	}
	return strings.Join(out, ", ")
}

func rotation(s *assembly.Stack, secret *assembly.Resource) string {
	ids := []string{secret.LogicalID}
	for _, a := range attachments(s, secret) {
		ids = append(ids, a.LogicalID)
	}
	for _, rs := range s.OfType("AWS::SecretsManager::RotationSchedule") {
		for _, id := range ids {
			if !assembly.RefersTo(rs.Prop("SecretId"), id) {
				continue
			}
			out := "yes: " + code(assembly.Render(rs.Prop("RotationRules")))
			if t := rs.String("HostedRotationLambda.RotationType"); t != "" {
				out += ", hosted rotation " + code(t)
			} else if fn := assembly.Render(rs.Prop("RotationLambdaARN")); fn != "" {
				out += ", by " + code(fn)
			}
			return out
		}
	}
	return "no"
}

func writeParameters(w io.Writer, s *assembly.Stack) {
	fmt.Fprintf(w, "\n### Parameters (%s)\n\n", s.Name)
	if len(s.Template.Parameters) == 0 {
		fmt.Fprintln(w, "None.")
		return
	}
	fmt.Fprintln(w, "| Parameter | Type | Default | Description |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, n := range s.ParameterNames() {
		p := s.Template.Parameters[n]
		fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", n, cell(code(p.Type)), cell(code(assembly.Render(p.Default))), cell(p.Description))
	}
}

// writeRules lists the template's rules; an assertion that is false
// whatever the parameters makes CloudFormation refuse the template.
func writeRules(w io.Writer, s *assembly.Stack) {
	fmt.Fprintf(w, "\n### Rules (%s)\n\n", s.Name)
	if len(s.Template.Rules) == 0 {
		fmt.Fprintln(w, "None.")
		return
	}
	fmt.Fprintln(w, "| Rule | Assertion | Result | Description |")
	fmt.Fprintln(w, "|---|---|---|---|")
	var refused []string
	for _, n := range s.RuleNames() {
		r := s.Template.Rules[n]
		applies, appliesKnown := true, true
		if r.RuleCondition != nil {
			applies, appliesKnown = assembly.EvalCondition(r.RuleCondition)
		}
		for _, a := range r.Assertions {
			result := "checked at deploy time"
			if ok, known := assembly.EvalCondition(a.Assert); known && appliesKnown {
				switch {
				case !applies:
					result = "never applies"
				case ok:
					result = "always holds"
				default:
					result = "**always fails**"
					refused = append(refused, "`"+n+"`")
				}
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", n, cell(code(assembly.Render(a.Assert))), result, cell(a.AssertDescription))
		}
	}
	if len(refused) > 0 {
		fmt.Fprintf(w, "\nCloudFormation refuses to create or update the stack from this template (rule %s): it documents what was synthesized, not what may be deployed.\n", strings.Join(refused, ", "))
	}
}

// writeCrossStack lists what the stack reads from other stacks' outputs.
func writeCrossStack(w io.Writer, asm *assembly.Assembly, s *assembly.Stack) {
	type row struct {
		id  string
		ref assembly.StackOutputRef
	}
	var rows []row
	for _, id := range s.IDs() {
		for _, ref := range s.StackOutputReferences(id) {
			rows = append(rows, row{id, ref})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nOutputs of other stacks this stack reads:\n\n")
	fmt.Fprintln(w, "| Resource | Property | Output | Region | Resolves to |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rows {
		region := r.ref.Region
		if region == "" {
			region = "(same)"
		}
		to := "(stack not in this assembly)"
		if other, _, targets := asm.ResolveOutput(r.ref); other != nil {
			var ts []string
			for _, t := range targets {
				ts = append(ts, fmt.Sprintf("[%s](#%s) `%s` (%s)", other.Name, strings.ToLower(other.Name), t.LogicalID, assembly.ShortType(t.Type)))
			}
			if len(ts) == 0 {
				ts = append(ts, "a literal of "+other.Name)
			}
			to = strings.Join(ts, ", ")
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", r.id, r.ref.Property, cell(code(r.ref.String())), region, cell(to))
	}
}

// writeCustomResources lists the custom resources and the function that
// carries each out (its ServiceToken).
func writeCustomResources(w io.Writer, s *assembly.Stack) {
	var custom []*assembly.Resource
	for _, r := range s.Resources() {
		if strings.HasPrefix(r.Type, "Custom::") || r.Type == "AWS::CloudFormation::CustomResource" {
			custom = append(custom, r)
		}
	}
	if len(custom) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### Custom resources (%s)\n\n", s.Name)
	fmt.Fprintln(w, "Carried out at deploy time by the function of their service token, on the resources their properties name.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Custom resource | Type | Construct path | Function | Acts on | On delete |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range custom {
		props := map[string][]string{}
		for _, ref := range s.References(r.LogicalID) {
			if ref.Property != "ServiceToken" && !slices.Contains(props[ref.Target], ref.Property) {
				props[ref.Target] = append(props[ref.Target], ref.Property)
			}
		}
		var on []string
		for _, id := range slices.Sorted(maps.Keys(props)) {
			on = append(on, fmt.Sprintf("`%s` (%s)", id, strings.Join(props[id], ", ")))
		}
		fn := code(assembly.Render(r.Prop("ServiceToken")))
		for _, ref := range assembly.Refs(r.Prop("ServiceToken")) {
			if t := s.Template.Resources[ref.Target]; t != nil {
				fn = fmt.Sprintf("`%s` (%s)", t.LogicalID, assembly.ShortType(t.Type))
			}
		}
		del := r.DeletionPolicy
		if del == "" {
			del = "Delete"
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s |\n", r.LogicalID, r.Type, cell(code(path(r))), cell(fn), cell(strings.Join(on, ", ")), del)
	}
}

// externalSecrets lists secret names or ARNs the templates read but do not
// create (dynamic references and ARNs in policies).
func externalSecrets(s *assembly.Stack) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			for _, part := range strings.Split(x, "{{resolve:secretsmanager:")[1:] {
				name, _, _ := strings.Cut(part, ":")
				name, _, _ = strings.Cut(name, "}}")
				seen[code(name)] = true
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, r := range s.Template.Resources {
		walk(r.Properties)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
