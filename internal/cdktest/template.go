package cdktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/jsontree"
)

// The synthesized template as decoded JSON (JSON's result), read the way
// the construct tests read it: resources by construct path or by type,
// references as the template writes them, and Fn::Join flattened into
// readable strings.

// IDAt is the logical ID of the resource whose aws:cdk:path is path (the
// stack's ID, a slash, the construct path below it); the test fails if
// there is none.
func IDAt(t testing.TB, template map[string]any, path string) string {
	t.Helper()
	for id, r := range Resources(template) {
		md, _ := r.(map[string]any)["Metadata"].(map[string]any)
		if md["aws:cdk:path"] == path {
			return id
		}
	}
	t.Fatalf("no resource at %s", path)
	return ""
}

// ResourceAt is the resource whose aws:cdk:path is path.
func ResourceAt(t testing.TB, template map[string]any, path string) map[string]any {
	t.Helper()
	return Resources(template)[IDAt(t, template, path)].(map[string]any)
}

// Resources is the template's Resources section.
func Resources(template map[string]any) map[string]any {
	r, _ := template["Resources"].(map[string]any)
	return r
}

// OfType are the template's resources of type typ by logical ID.
func OfType(template map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range Resources(template) {
		if res := r.(map[string]any); res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// Props are a resource's Properties (nil if it has none).
func Props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

// Ref and GetAtt are references as the template writes them.
func Ref(id string) map[string]any { return map[string]any{"Ref": id} }

// GetAtt is {"Fn::GetAtt": [id, attr]}.
func GetAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// CompactJSON is v as compact JSON without HTML escapes (a dashboard body
// writes "IF(requests > 0, ...)"), for comparisons and messages.
func CompactJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// Flatten writes every {"Fn::Join": [sep, parts]} of v as one string, with
// ${Ref} and ${Resource.Attribute} for references, so that documents with
// ARNs can be compared to readable literals.
func Flatten(v any) any { return jsontree.Map(v, flattenNode) }

func flattenNode(v any) (any, bool) {
	x, ok := v.(map[string]any)
	if !ok || len(x) != 1 {
		return nil, false
	}
	if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
		var parts []string
		for _, p := range j[1].([]any) {
			parts = append(parts, fmt.Sprint(Flatten(p)))
		}
		return strings.Join(parts, j[0].(string)), true
	}
	if r, ok := x["Ref"].(string); ok {
		return "${" + r + "}", true
	}
	if g, ok := x["Fn::GetAtt"].([]any); ok && len(g) == 2 {
		return "${" + g[0].(string) + "." + g[1].(string) + "}", true
	}
	return nil, false
}

// Only is the logical ID and the resource of the template's one resource
// of type typ; the test fails if there are none or several.
func Only(t testing.TB, template map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := OfType(template, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, have %v", typ, slices.Sorted(maps.Keys(rs)))
	}
	for id, r := range rs {
		return id, r
	}
	panic("unreachable")
}
