package assembly

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Ref is a reference from one value to a logical ID of the template.
type Ref struct {
	// Target is the logical ID referred to (a resource or a parameter).
	Target string
	// Attribute is the Fn::GetAtt attribute ("" for Ref).
	Attribute string
	// Property is the top-level property of the referring resource in which
	// the reference was found ("" when not known).
	Property string
}

var subVarRE = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// Refs returns every reference inside v (a template value), in the order
// found. Pseudo parameters (AWS::Region...) are left out.
func Refs(v any) []Ref {
	var out []Ref
	walk(v, "", nil, &out)
	return out
}

func walk(v any, prop string, local map[string]bool, out *[]Ref) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walk(e, prop, local, out)
		}
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					if s, ok := arg.(string); ok {
						add(out, s, "", prop, local)
						return
					}
				case "Fn::GetAtt":
					if id, attr, ok := getAtt(arg); ok {
						add(out, id, attr, prop, local)
						return
					}
				case "Fn::Sub":
					subRefs(arg, prop, local, out)
					return
				}
			}
		}
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			walk(x[k], prop, local, out)
		}
	}
}

func getAtt(arg any) (id, attr string, ok bool) {
	switch a := arg.(type) {
	case []any:
		if len(a) >= 1 {
			id, ok = a[0].(string)
			if len(a) >= 2 {
				attr, _ = a[1].(string)
			}
			return id, attr, ok
		}
	case string: // "Id.Attr" short form
		id, attr, _ = strings.Cut(a, ".")
		return id, attr, true
	}
	return "", "", false
}

func subRefs(arg any, prop string, local map[string]bool, out *[]Ref) {
	var tmpl string
	inner := local
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) > 0 {
			tmpl, _ = a[0].(string)
		}
		if len(a) > 1 {
			if vars, ok := a[1].(map[string]any); ok {
				inner = map[string]bool{}
				for k := range local {
					inner[k] = true
				}
				for k, val := range vars {
					inner[k] = true
					walk(val, prop, local, out)
				}
			}
		}
	}
	for _, m := range subVarRE.FindAllStringSubmatch(tmpl, -1) {
		id, attr, _ := strings.Cut(m[1], ".")
		add(out, id, attr, prop, inner)
	}
}

func add(out *[]Ref, id, attr, prop string, local map[string]bool) {
	if strings.HasPrefix(id, "AWS::") || local[id] {
		return
	}
	*out = append(*out, Ref{Target: id, Attribute: attr, Property: prop})
}

// References returns the references from resource id to other resources of
// the stack (not parameters), each property's references once, sorted by
// target then property. DependsOn is not included.
func (s *Stack) References(id string) []Ref {
	r := s.Template.Resources[id]
	if r == nil {
		return nil
	}
	var all []Ref
	for prop, v := range r.Properties {
		var found []Ref
		walk(v, prop, nil, &found)
		all = append(all, found...)
	}
	keep := func(ref Ref) bool { _, ok := s.Template.Resources[ref.Target]; return ok && ref.Target != id }
	return uniqueSorted(all, keep, func(a, b Ref) int {
		return cmp.Or(strings.Compare(a.Target, b.Target), strings.Compare(a.Property, b.Property), strings.Compare(a.Attribute, b.Attribute))
	})
}

// uniqueSorted is items in the order of compare, each once, without those
// keep (when not nil) refuses.
func uniqueSorted[T comparable](items []T, keep func(T) bool, compare func(a, b T) int) []T {
	seen := map[T]bool{}
	var out []T
	for _, it := range items {
		if seen[it] || (keep != nil && !keep(it)) {
			continue
		}
		seen[it] = true
		out = append(out, it)
	}
	slices.SortFunc(out, compare)
	return out
}

// RefersTo reports whether v contains a reference to logical ID target.
func RefersTo(v any, target string) bool {
	for _, r := range Refs(v) {
		if r.Target == target {
			return true
		}
	}
	return false
}

// ReferencedBy returns the logical IDs of the resources whose properties
// refer to id, sorted.
func (s *Stack) ReferencedBy(id string) []string {
	var out []string
	for _, other := range s.IDs() {
		if other == id {
			continue
		}
		if RefersTo(s.Template.Resources[other].Properties, id) {
			out = append(out, other)
		}
	}
	return out
}

// Render writes a template value as readable text: literals as they are,
// references as ${LogicalId} and ${LogicalId.Attribute}, other stacks'
// outputs as ${Stack[region]:Output} (Fn::GetStackOutput) and
// ${import:Export} (Fn::ImportValue), Fn::Join and Fn::Sub spelled out;
// anything else as compact JSON. It never resolves
// anything, so a secret's value is never shown (only its reference).
func Render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Render(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					if s, ok := arg.(string); ok {
						return "${" + s + "}"
					}
				case "Fn::GetAtt":
					if id, attr, ok := getAtt(arg); ok {
						return "${" + id + "." + attr + "}"
					}
				case "Fn::Join":
					if a, ok := arg.([]any); ok && len(a) == 2 {
						sep, _ := a[0].(string)
						if list, ok := a[1].([]any); ok {
							parts := make([]string, len(list))
							for i, e := range list {
								parts[i] = Render(e)
							}
							return strings.Join(parts, sep)
						}
					}
				case "Fn::GetStackOutput", "Fn::ImportValue":
					if r, ok := stackOutputRef(x); ok {
						return r.String()
					}
				case "Fn::Sub":
					switch a := arg.(type) {
					case string:
						return a
					case []any:
						if len(a) > 0 {
							if s, ok := a[0].(string); ok {
								return s
							}
						}
					}
				}
			}
		}
		raw, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(raw)
	}
	return fmt.Sprint(v)
}
