package config

import (
	"slices"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/jsontree"
)

// WithOverrides returns a copy of tree (the object under context key root)
// with every "<root>.a.b.c" value of ctx set at a.b.c: what
// `cdk synth -c root.a.b.c=VALUE` gives. The CLI passes such values as
// strings; they are marked as Override so that Decode parses them as the
// type of the field they land on. tree itself is not changed.
func WithOverrides(tree, ctx map[string]any, root string, ps *Problems) map[string]any {
	out := jsontree.Map(tree, nil).(map[string]any)
	var keys []string
	for k := range ctx {
		if strings.HasPrefix(k, root+".") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		path := strings.Split(strings.TrimPrefix(k, root+"."), ".")
		node := out
		for i, part := range path[:len(path)-1] {
			next, ok := node[part].(map[string]any)
			if !ok {
				if _, exists := node[part]; exists {
					ps.Add(k, ctx[k], "a key below an object; %s.%s is not an object", root, strings.Join(path[:i+1], "."))
					node = nil
					break
				}
				next = map[string]any{}
				node[part] = next
			}
			node = next
		}
		if node == nil {
			continue
		}
		if s, isString := ctx[k].(string); isString {
			node[path[len(path)-1]] = Override(s)
		} else {
			node[path[len(path)-1]] = ctx[k]
		}
	}
	return out
}

// DropRepeated removes the problems after index decoded that are about a
// key at, below or above a key that already has a decoding problem: a value
// that failed to decode is not judged again on the zero value it was left
// with.
func (ps Problems) DropRepeated(decoded int) Problems {
	out := ps[:decoded:decoded]
	for _, p := range ps[decoded:] {
		repeated := slices.ContainsFunc(ps[:decoded], func(d Problem) bool {
			return p.Key == d.Key || strings.HasPrefix(p.Key, d.Key+".") || strings.HasPrefix(p.Key, d.Key+"[") ||
				strings.HasPrefix(d.Key, p.Key+".")
		})
		if !repeated {
			out = append(out, p)
		}
	}
	return out
}
