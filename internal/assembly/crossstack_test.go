package assembly_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

// An environment stack reading two outputs of its us-east-1 edge stack
// (Fn::GetStackOutput), and an export (Fn::ImportValue).
func crossStackAssembly(t *testing.T) *assembly.Assembly {
	t.Helper()
	dir := t.TempDir()
	for name, tpl := range map[string]string{
		"Edge": `{"Resources": {
		  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
		  "FnVersion": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
		  "Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {"DomainName": "example.org"}}
		}, "Outputs": {
		  "PublishVersion": {"Value": {"Ref": "FnVersion"}},
		  "PublishCert": {"Value": {"Ref": "Cert"}, "Export": {"Name": "edge-cert"}}
		}}`,
		"Env": `{"Transform": "AWS::SecretsManager-2024-09-16",
		 "Rules": {"R": {"Assertions": [{"Assert": {"Fn::Equals": ["a", "b"]}, "AssertDescription": "never"}]}},
		 "Resources": {
		  "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
		    "ViewerCertificate": {"AcmCertificateArn": {"Fn::GetStackOutput": {"StackName": "Edge", "OutputName": "PublishCert", "Region": "us-east-1"}}},
		    "DefaultCacheBehavior": {"LambdaFunctionAssociations": [{"LambdaFunctionARN": {"Fn::GetStackOutput": {"StackName": "Edge", "OutputName": "PublishVersion", "Region": "us-east-1"}}}]}}}},
		  "Other": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Fn::ImportValue": "edge-cert"}},
		    "Metadata": {"aws:cdk:path": "Env/Monitoring/AlertTopic/Resource"}}
		}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), []byte(tpl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return load(t, dir)
}

func TestStackOutputReferences(t *testing.T) {
	asm := crossStackAssembly(t)
	env, err := asm.Stack("Env")
	if err != nil {
		t.Fatal(err)
	}
	edge, _ := asm.Stack("Edge")
	want := []assembly.StackOutputRef{
		{Stack: "Edge", Region: "us-east-1", Output: "PublishCert", Property: "DistributionConfig"},
		{Stack: "Edge", Region: "us-east-1", Output: "PublishVersion", Property: "DistributionConfig"},
	}
	if got := env.StackOutputReferences("Cdn"); !reflect.DeepEqual(got, want) {
		t.Errorf("StackOutputReferences(Cdn) =\n%+v\nwant\n%+v", got, want)
	}
	if got := len(asm.CrossStackReferences()); got != 3 {
		t.Errorf("%d cross-stack references, want 3", got)
	}
	// The certificate's output is read twice: by name and by its export.
	var readers []string
	for _, r := range asm.ReadersOf(edge, "PublishCert") {
		readers = append(readers, r.From.Name+"/"+r.Resource)
	}
	if want := []string{"Env/Cdn", "Env/Other"}; !reflect.DeepEqual(readers, want) {
		t.Errorf("ReadersOf(PublishCert) = %v, want %v", readers, want)
	}
	s, o, targets := asm.ResolveOutput(want[1])
	if s != edge || o.Name != "PublishVersion" || len(targets) != 1 || targets[0].LogicalID != "FnVersion" {
		t.Errorf("ResolveOutput = %v %v %v", s, o, targets)
	}
	if s, _, _ := asm.ResolveOutput(assembly.StackOutputRef{Stack: "Nope", Output: "X"}); s != nil {
		t.Errorf("ResolveOutput of a missing stack = %v", s.Name)
	}
	if s, _, targets := asm.ResolveOutput(assembly.StackOutputRef{Output: "edge-cert", Import: true}); s != edge || targets[0].LogicalID != "Cert" {
		t.Errorf("ResolveOutput of an import = %v %v", s, targets)
	}
	if got := assembly.Render(map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Edge", "OutputName": "PublishCert", "Region": "us-east-1"}}); got != "${Edge[us-east-1]:PublishCert}" {
		t.Errorf("Render(Fn::GetStackOutput) = %q", got)
	}
	if got := assembly.Render(map[string]any{"Fn::ImportValue": "edge-cert"}); got != "${import:edge-cert}" {
		t.Errorf("Render(Fn::ImportValue) = %q", got)
	}
	// Rules and transforms are read; rule names filled in.
	if r := env.Template.Rules["R"]; r == nil || r.Name != "R" || r.Assertions[0].AssertDescription != "never" {
		t.Errorf("rule R = %+v", r)
	}
	if !reflect.DeepEqual([]string(env.Template.Transform), []string{"AWS::SecretsManager-2024-09-16"}) || !reflect.DeepEqual(env.RuleNames(), []string{"R"}) {
		t.Errorf("Transform %v, rules %v", env.Template.Transform, env.RuleNames())
	}
	if got := env.Named("AWS::SNS::Topic", "AlertTopic"); len(got) != 1 || got[0].LogicalID != "Other" {
		t.Errorf("Named(AlertTopic) = %v", got)
	}
}

func TestEvalCondition(t *testing.T) {
	eq := func(a, b any) any { return map[string]any{"Fn::Equals": []any{a, b}} }
	not := func(v any) any { return map[string]any{"Fn::Not": []any{v}} }
	ref := map[string]any{"Ref": "P"}
	for name, tc := range map[string]struct {
		v             any
		result, known bool
	}{
		"equal literals":     {eq("a", "a"), true, true},
		"different literals": {eq("app-bundle", "placeholder"), false, true},
		"not":                {not(eq("a", "b")), true, true},
		"ref":                {eq(ref, "a"), false, false},
		"and decided":        {map[string]any{"Fn::And": []any{eq(ref, "a"), eq("a", "b")}}, false, true},
		"and undecided":      {map[string]any{"Fn::And": []any{eq(ref, "a"), eq("a", "a")}}, true, false},
		"or decided":         {map[string]any{"Fn::Or": []any{eq(ref, "a"), eq("a", "a")}}, true, true},
		"contains":           {map[string]any{"Fn::Contains": []any{[]any{"1", "2"}, "2"}}, true, true},
		"contains a ref":     {not(map[string]any{"Fn::Contains": []any{[]any{"1", "2"}, ref}}), true, false},
		"bool":               {true, true, true},
	} {
		r, k := assembly.EvalCondition(tc.v)
		if k != tc.known || (k && r != tc.result) {
			t.Errorf("%s: EvalCondition = %v, %v; want %v, %v", name, r, k, tc.result, tc.known)
		}
	}
}
