package assembly

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"strings"
)

// StackOutputRef is a reference to an output of another stack: an
// Fn::GetStackOutput (which CDK writes for references across regions, such
// as a CloudFront distribution using a certificate or a Lambda@Edge version
// of a us-east-1 companion stack) or an Fn::ImportValue of an export.
type StackOutputRef struct {
	// Stack is the name of the stack whose output is read ("" for an
	// Fn::ImportValue, which names an export instead).
	Stack string
	// Region is the stack's region ("" when it is the reader's own).
	Region string
	// Output is the output name (Fn::GetStackOutput) or the export name
	// (Fn::ImportValue).
	Output string
	// Import is true for Fn::ImportValue.
	Import bool
	// Property is the top-level property of the referring resource ("" when
	// not known).
	Property string
}

// String renders the reference as Render does: ${Stack[region]:Output}, or
// ${import:ExportName}.
func (r StackOutputRef) String() string {
	if r.Import {
		return "${import:" + r.Output + "}"
	}
	region := ""
	if r.Region != "" {
		region = "[" + r.Region + "]"
	}
	return "${" + r.Stack + region + ":" + r.Output + "}"
}

// stackOutputRef reads one Fn::GetStackOutput or Fn::ImportValue value
// (whose arguments are literals); ok is false for anything else.
func stackOutputRef(x map[string]any) (StackOutputRef, bool) {
	if len(x) != 1 {
		return StackOutputRef{}, false
	}
	if arg, ok := x["Fn::GetStackOutput"].(map[string]any); ok {
		stack, _ := arg["StackName"].(string)
		output, _ := arg["OutputName"].(string)
		region, _ := arg["Region"].(string)
		if stack != "" && output != "" {
			return StackOutputRef{Stack: stack, Region: region, Output: output}, true
		}
	}
	if name, ok := x["Fn::ImportValue"].(string); ok {
		return StackOutputRef{Output: name, Import: true}, true
	}
	return StackOutputRef{}, false
}

// StackOutputRefs returns the references to other stacks' outputs inside v
// (a template value), in the order found.
func StackOutputRefs(v any) []StackOutputRef {
	var out []StackOutputRef
	walkOutputs(v, "", &out)
	return out
}

func walkOutputs(v any, prop string, out *[]StackOutputRef) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkOutputs(e, prop, out)
		}
	case map[string]any:
		if r, ok := stackOutputRef(x); ok {
			r.Property = prop
			*out = append(*out, r)
			return
		}
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			walkOutputs(x[k], prop, out)
		}
	}
}

// StackOutputReferences returns the references from resource id to other
// stacks' outputs, each (property, output) once, sorted by stack, output
// then property.
func (s *Stack) StackOutputReferences(id string) []StackOutputRef {
	r := s.Template.Resources[id]
	if r == nil {
		return nil
	}
	var all []StackOutputRef
	for prop, v := range r.Properties {
		walkOutputs(v, prop, &all)
	}
	return uniqueSorted(all, nil, func(a, b StackOutputRef) int {
		return cmp.Or(strings.Compare(a.Stack, b.Stack), strings.Compare(a.Output, b.Output), strings.Compare(a.Property, b.Property))
	})
}

// CrossStackRef is a resource of one stack reading an output of another.
type CrossStackRef struct {
	// From is the reading stack, Resource the logical ID of its reader.
	From     *Stack
	Resource string
	StackOutputRef
}

// CrossStackReferences returns every reference of the assembly's resources
// to another stack's output, sorted by reading stack then resource.
func (a *Assembly) CrossStackReferences() []CrossStackRef {
	var out []CrossStackRef
	for _, s := range a.Stacks {
		for _, id := range s.IDs() {
			for _, ref := range s.StackOutputReferences(id) {
				out = append(out, CrossStackRef{From: s, Resource: id, StackOutputRef: ref})
			}
		}
	}
	return out
}

// ReadersOf returns the references of the assembly's resources to the
// output (or, when the output is exported, to its export) of stack.
func (a *Assembly) ReadersOf(stack *Stack, output string) []CrossStackRef {
	o := stack.Template.Outputs[output]
	export := ""
	if o != nil && o.Export != nil {
		export, _ = o.Export["Name"].(string)
	}
	var out []CrossStackRef
	for _, ref := range a.CrossStackReferences() {
		if (!ref.Import && ref.Stack == stack.Name && ref.Output == output) ||
			(ref.Import && export != "" && ref.Output == export) {
			out = append(out, ref)
		}
	}
	return out
}

// ResolveOutput finds the stack and output a reference reads, and the
// resources of that stack the output's value refers to (sorted). The stack
// is nil when the assembly does not have it (or no output matches).
func (a *Assembly) ResolveOutput(ref StackOutputRef) (*Stack, *Output, []*Resource) {
	for _, s := range a.Stacks {
		for _, name := range s.OutputNames() {
			o := s.Template.Outputs[name]
			match := false
			if ref.Import {
				export, _ := o.Export["Name"].(string)
				match = export != "" && export == ref.Output
			} else {
				match = s.Name == ref.Stack && name == ref.Output
			}
			if !match {
				continue
			}
			seen := map[string]bool{}
			var targets []*Resource
			for _, r := range Refs(o.Value) {
				if res := s.Template.Resources[r.Target]; res != nil && !seen[r.Target] {
					seen[r.Target] = true
					targets = append(targets, res)
				}
			}
			sort.Slice(targets, func(i, j int) bool { return targets[i].LogicalID < targets[j].LogicalID })
			return s, o, targets
		}
	}
	return nil, nil, nil
}

// Named returns the resources of a type whose own construct name (the last
// part of the construct path, see ConstructPath) is name, sorted by
// logical ID. An empty typ matches every type.
func (s *Stack) Named(typ, name string) []*Resource {
	var out []*Resource
	for _, r := range s.Resources() {
		if typ != "" && r.Type != typ {
			continue
		}
		if _, n := r.ConstructPath(); n == name {
			out = append(out, r)
		}
	}
	return out
}

// Tag returns the value of a literal tag of the resource ("" if absent).
func (r *Resource) Tag(key string) string {
	tags, _ := r.Prop("Tags").([]any)
	for _, t := range tags {
		m, _ := t.(map[string]any)
		if k, _ := m["Key"].(string); k == key {
			v, _ := m["Value"].(string)
			return v
		}
	}
	return ""
}

// EvalCondition evaluates a condition function (Fn::Equals, Fn::Not,
// Fn::And, Fn::Or, Fn::Contains) whose arguments are all literals, as
// template rules use them. known is false when the value depends on
// anything resolved at deploy time (Ref, parameters, other functions).
func EvalCondition(v any) (result, known bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		if strings.EqualFold(x, "true") || strings.EqualFold(x, "false") {
			return strings.EqualFold(x, "true"), true
		}
		return false, false
	case map[string]any:
		if len(x) != 1 {
			return false, false
		}
		for fn, arg := range x {
			args, _ := arg.([]any)
			switch fn {
			case "Fn::Equals":
				if len(args) != 2 || !literal(args[0]) || !literal(args[1]) {
					return false, false
				}
				return Render(args[0]) == Render(args[1]), true
			case "Fn::Not":
				if len(args) != 1 {
					return false, false
				}
				r, ok := EvalCondition(args[0])
				return !r, ok
			case "Fn::And", "Fn::Or":
				and := fn == "Fn::And"
				allKnown := true
				for _, a := range args {
					r, ok := EvalCondition(a)
					switch {
					case ok && r != and:
						return r, true // false in an And, true in an Or decides
					case !ok:
						allKnown = false
					}
				}
				return and, allKnown
			case "Fn::Contains":
				if len(args) != 2 || !literal(args[0]) || !literal(args[1]) {
					return false, false
				}
				list, _ := args[0].([]any)
				for _, e := range list {
					if Render(e) == Render(args[1]) {
						return true, true
					}
				}
				return false, true
			}
		}
	}
	return false, false
}

// literal reports whether v holds no function or reference.
func literal(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if !literal(e) {
				return false
			}
		}
		return true
	case map[string]any:
		return false
	}
	return true
}
