package assembly_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
	_ "github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
)

func load(t *testing.T, path string) *assembly.Assembly {
	t.Helper()
	asm, err := assembly.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return asm
}

func tiny(t *testing.T) *assembly.Stack {
	t.Helper()
	s, err := load(t, "testdata/cdk.out").Stack("Tiny")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadManifestFindsStacksAndNestedAssemblies(t *testing.T) {
	asm := load(t, "testdata/cdk.out")
	var names []string
	for _, s := range asm.Stacks {
		names = append(names, s.Name)
	}
	if want := []string{"StageOther", "Tiny"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("stacks = %v, want %v", names, want)
	}
	s := asm.Stacks[1]
	if s.Template.Description != "A tiny stack" {
		t.Errorf("description = %q", s.Template.Description)
	}
	if got := len(s.Template.Resources); got != 7 {
		t.Errorf("%d resources, want 7", got)
	}
	if r := s.Template.Resources["CpuAlarm"]; r.LogicalID != "CpuAlarm" || !reflect.DeepEqual([]string(r.DependsOn), []string{"AlarmTopic"}) {
		t.Errorf("CpuAlarm: id %q, DependsOn %v", r.LogicalID, r.DependsOn)
	}
	if o := s.Template.Outputs["SecretArn"]; o.Name != "SecretArn" || o.Description != "ARN of the database secret" {
		t.Errorf("output = %+v", o)
	}
	if got := s.Template.Resources["DbKey5678"].DeletionPolicy; got != "Retain" {
		t.Errorf("DeletionPolicy = %q", got)
	}
}

func TestLoadTemplateFolderAndSingleFile(t *testing.T) {
	// A folder without manifest.json: every *.template.json is a stack.
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/cdk.out/Tiny.template.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"B-Prod.template.json", "A-Staging.template.json"} {
		if err := os.WriteFile(filepath.Join(dir, n), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	asm := load(t, dir)
	if len(asm.Stacks) != 2 || asm.Stacks[0].Name != "A-Staging" || asm.Stacks[1].Name != "B-Prod" {
		t.Fatalf("stacks = %+v", asm.Stacks)
	}
	if s, err := asm.Stack("Prod"); err != nil || s.Name != "B-Prod" {
		t.Errorf("Stack(Prod) = %v, %v", s, err)
	}
	if _, err := asm.Stack("Nope"); err == nil || !strings.Contains(err.Error(), `"Nope"`) {
		t.Errorf("Stack(Nope) error = %v", err)
	}

	one := load(t, "testdata/cdk.out/Tiny.template.json")
	if len(one.Stacks) != 1 || one.Stacks[0].Name != "Tiny" {
		t.Fatalf("single file: %+v", one.Stacks)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, tc := range map[string]struct{ path, want string }{
		"empty folder": {dir, "neither a manifest.json"},
		"no type":      {write("x.template.json", `{"Resources":{"A":{"Properties":{}}}}`), "resource A has no Type"},
		"bad json":     {write("y.template.json", `{"Resources":`), "y.template.json"},
		"bad DependsOn": {write("z.template.json", `{"Resources":{"A":{"Type":"AWS::SNS::Topic","DependsOn":3}}}`),
			"want a string or a list of strings"},
		"missing": {filepath.Join(dir, "nope"), "no such file"},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "empty folder" {
				sub := filepath.Join(dir, "empty")
				if err := os.MkdirAll(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				tc.path = sub
			}
			_, err := assembly.Load(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestConstructPath(t *testing.T) {
	s := tiny(t)
	for id, want := range map[string]struct {
		groups []string
		name   string
	}{
		"DbSecret1234":             {[]string{"Database"}, "Secret"},
		"AppRoleDefaultPolicyEF01": {[]string{"Hosting", "ComputeRole"}, "DefaultPolicy"},
		"CDKMetadata":              {nil, "CDKMetadata"},
	} {
		g, n := s.Template.Resources[id].ConstructPath()
		if len(g) == 0 {
			g = nil
		}
		if !reflect.DeepEqual(g, want.groups) || n != want.name {
			t.Errorf("%s: (%v, %q), want (%v, %q)", id, g, n, want.groups, want.name)
		}
	}
	noPath := &assembly.Resource{LogicalID: "X", Type: "AWS::SNS::Topic"}
	if g, n := noPath.ConstructPath(); g != nil || n != "X" {
		t.Errorf("no path: (%v, %q)", g, n)
	}
}

func TestRefsWalksRefGetAttSubAndSkipsPseudoAndLocalVariables(t *testing.T) {
	v := map[string]any{"List": []any{
		map[string]any{"Ref": "A"},
		map[string]any{"Ref": "AWS::Region"},
		map[string]any{"Fn::GetAtt": []any{"B", "Arn"}},
		map[string]any{"Fn::GetAtt": "C.Endpoint.Address"},
		map[string]any{"Fn::Join": []any{"", []any{"x", map[string]any{"Ref": "D"}}}},
		map[string]any{"Fn::Sub": "arn:${AWS::Partition}:s3:::${E}/${F.Arn} ${!Literal}"},
		map[string]any{"Fn::Sub": []any{"${G}-${Local}", map[string]any{"Local": map[string]any{"Ref": "H"}}}},
	}}
	want := []assembly.Ref{
		{Target: "A"}, {Target: "B", Attribute: "Arn"}, {Target: "C", Attribute: "Endpoint.Address"},
		{Target: "D"}, {Target: "E"}, {Target: "F", Attribute: "Arn"}, {Target: "H"}, {Target: "G"},
	}
	if got := assembly.Refs(v); !reflect.DeepEqual(got, want) {
		t.Fatalf("Refs =\n%+v\nwant\n%+v", got, want)
	}
}

func TestReferencesBetweenResources(t *testing.T) {
	s := tiny(t)
	got := s.References("CpuAlarm")
	want := []assembly.Ref{
		{Target: "AlarmTopic", Property: "AlarmActions"},
		{Target: "AppRoleABCD", Property: "AlarmDescription"},
		{Target: "DbSecret1234", Attribute: "Arn", Property: "Dimensions"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("References(CpuAlarm) =\n%+v\nwant\n%+v", got, want)
	}
	if got, want := s.ReferencedBy("DbKey5678"), []string{"AppRoleDefaultPolicyEF01", "DbSecret1234"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ReferencedBy(DbKey5678) = %v, want %v", got, want)
	}
	if got := s.References("Nope"); got != nil {
		t.Errorf("References(Nope) = %v", got)
	}
}

func TestPropertyHelpers(t *testing.T) {
	r := &assembly.Resource{Properties: map[string]any{
		"AllocatedStorage": "20", "Port": 5432.0, "MultiAZ": true, "Public": "true",
		"Nested": map[string]any{"Inner": "v"},
	}}
	if n, ok := r.Number("AllocatedStorage"); !ok || n != 20 {
		t.Errorf("AllocatedStorage = %v %v", n, ok)
	}
	if n, ok := r.Number("Port"); !ok || n != 5432 {
		t.Errorf("Port = %v %v", n, ok)
	}
	if _, ok := r.Number("Missing"); ok {
		t.Error("Missing is a number")
	}
	if !r.Bool("MultiAZ") || !r.Bool("Public") || r.Bool("Missing") {
		t.Error("Bool")
	}
	if r.String("Nested.Inner") != "v" || r.String("Nested.Nope.Deeper") != "" {
		t.Error("String")
	}
	s := tiny(t)
	if got := s.Types(); !reflect.DeepEqual(got, []string{"AWS::CDK::Metadata", "AWS::CloudWatch::Alarm", "AWS::IAM::Policy", "AWS::IAM::Role", "AWS::KMS::Key", "AWS::SNS::Topic", "AWS::SecretsManager::Secret"}) {
		t.Errorf("Types = %v", got)
	}
	if got := len(s.OfType("AWS::IAM::Role")); got != 1 {
		t.Errorf("OfType(Role) = %d", got)
	}
	if got := s.OutputNames(); !reflect.DeepEqual(got, []string{"AlarmTopicArn", "SecretArn"}) {
		t.Errorf("OutputNames = %v", got)
	}
	if assembly.ShortType("AWS::RDS::DBInstance") != "RDS::DBInstance" {
		t.Error("ShortType")
	}
}

func TestRender(t *testing.T) {
	for want, v := range map[string]any{
		"plain":                     "plain",
		"20":                        20.0,
		"true":                      true,
		"${Db}":                     map[string]any{"Ref": "Db"},
		"${Db.Endpoint.Address}":    map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint.Address"}},
		"https://${Cdn.DomainName}": map[string]any{"Fn::Join": []any{"", []any{"https://", map[string]any{"Fn::GetAtt": []any{"Cdn", "DomainName"}}}}},
		"arn:${AWS::Partition}:x":   map[string]any{"Fn::Sub": "arn:${AWS::Partition}:x"},
		"[a, ${B}]":                 []any{"a", map[string]any{"Ref": "B"}},
		`{"Fn::Select":[0,["a"]]}`:  map[string]any{"Fn::Select": []any{0.0, []any{"a"}}},
	} {
		if got := assembly.Render(v); got != want {
			t.Errorf("Render(%v) = %q, want %q", v, got, want)
		}
	}
}
