package jsontree

import (
	"reflect"
	"testing"
)

func TestMap(t *testing.T) {
	in := map[string]any{"a": []any{1.0, map[string]any{"b": "x"}}, "c": "y"}
	cp := Map(in, nil).(map[string]any)
	if !reflect.DeepEqual(cp, in) {
		t.Fatalf("copy %v, want %v", cp, in)
	}
	cp["a"].([]any)[1].(map[string]any)["b"] = "changed"
	if in["a"].([]any)[1].(map[string]any)["b"] != "x" {
		t.Error("the copy shares a map with the original")
	}
	upper := Map(in, func(v any) (any, bool) {
		if s, ok := v.(string); ok {
			return s + s, true
		}
		return nil, false
	})
	want := map[string]any{"a": []any{1.0, map[string]any{"b": "xx"}}, "c": "yy"}
	if !reflect.DeepEqual(upper, want) {
		t.Errorf("Map = %v, want %v", upper, want)
	}
}
