// Package jsontree rewrites decoded JSON (maps, slices and scalars as
// encoding/json makes them), for the context overrides and the tests'
// template readers.
package jsontree

// Map returns a deep copy of v in which every node for which replace
// returns (r, true) is r instead (Map does not look inside it); replace
// may be nil, for a plain copy.
func Map(v any, replace func(any) (any, bool)) any {
	if replace != nil {
		if r, ok := replace(v); ok {
			return r
		}
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Map(e, replace)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Map(e, replace)
		}
		return out
	}
	return v
}
