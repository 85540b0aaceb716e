// Package config decodes CDK context into typed Go settings, strictly.
//
// Decode walks a JSON-like tree (what CDK context holds) against a Go struct
// using the fields' `json` tags. Unlike encoding/json it never stops at the
// first problem: every unknown key, missing key, wrong type and (through the
// Validate methods of the settings types) every out-of-range value is
// collected, so an operator sees the whole list in one synthesis.
//
// Struct tags understood:
//
//	json:"name"            the key in context (required unless marked optional)
//	config:"optional"      the key may be absent; the field keeps the value it had
//	                       before decoding (the default set by the caller)
package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Override marks a leaf value given on the command line with
// `cdk synth -c KEY=VALUE`. The CLI passes every such value as a string, so
// Decode parses it according to the type of the field it lands on.
type Override string

// Decode fills target (a pointer to a struct) from raw, reporting problems
// under the dotted key prefix key.
func Decode(raw any, target any, key string, ps *Problems) {
	v := reflect.ValueOf(target)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic("config.Decode: target must be a non-nil pointer")
	}
	decodeValue(raw, v.Elem(), key, ps)
}

func decodeValue(raw any, v reflect.Value, key string, ps *Problems) {
	if o, ok := raw.(Override); ok {
		if v.Kind() == reflect.String {
			v.SetString(string(o))
			return
		}
		var parsed any
		if err := json.Unmarshal([]byte(o), &parsed); err != nil {
			ps.Add(key, o, "%s (the command-line value must be written as JSON for this key)", typeName(v.Type()))
			return
		}
		raw = parsed
	}
	switch v.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			ps.Add(key, raw, "a string")
			return
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			ps.Add(key, raw, "true or false")
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		f, ok := number(raw)
		if !ok || f != float64(int64(f)) {
			ps.Add(key, raw, "a whole number")
			return
		}
		v.SetInt(int64(f))
	case reflect.Float64:
		f, ok := number(raw)
		if !ok {
			ps.Add(key, raw, "a number")
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		items, ok := raw.([]any)
		if !ok {
			ps.Add(key, raw, "a list of %s", typeName(v.Type().Elem()))
			return
		}
		out := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			decodeValue(item, out.Index(i), fmt.Sprintf("%s[%d]", key, i), ps)
		}
		v.Set(out)
	case reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			ps.Add(key, raw, "an object of %s values", typeName(v.Type().Elem()))
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			elem := reflect.New(v.Type().Elem()).Elem()
			decodeValue(m[k], elem, key+"."+k, ps)
			out.SetMapIndex(reflect.ValueOf(k), elem)
		}
		v.Set(out)
	case reflect.Struct:
		decodeStruct(raw, v, key, ps)
	default:
		panic(fmt.Sprintf("config.Decode: unsupported field kind %s at %s", v.Kind(), key))
	}
}

func decodeStruct(raw any, v reflect.Value, key string, ps *Problems) {
	m, ok := raw.(map[string]any)
	if !ok {
		ps.Add(key, raw, "an object with the keys %s", strings.Join(fieldNames(v.Type()), ", "))
		return
	}
	known := map[string]bool{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		known[name] = true
		sub := key + "." + name
		val, present := m[name]
		if !present {
			if f.Tag.Get("config") != "optional" {
				ps.Add(sub, Missing{}, "%s (the key is required)", typeName(f.Type))
			}
			continue
		}
		decodeValue(val, v.Field(i), sub, ps)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !known[k] {
			ps.Add(key+"."+k, m[k], "one of the known keys of %s: %s", key, strings.Join(fieldNames(t), ", "))
		}
	}
}

// Missing stands for a key that is absent from context.
type Missing struct{}

func number(raw any) (float64, bool) {
	switch n := raw.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		panic("config: field " + f.Name + " has no json tag")
	}
	return name
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if n := jsonName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(typeName(t.Elem()), "a "), "an ") + " values"
	case reflect.Map:
		return "an object"
	case reflect.Struct:
		return "an object with the keys " + strings.Join(fieldNames(t), ", ")
	}
	return t.String()
}
