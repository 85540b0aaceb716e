package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
)

func tiny(t *testing.T) *assembly.Stack {
	t.Helper()
	s, err := assembly.LoadTemplate(filepath.Join("..", "..", "internal", "assembly", "testdata", "cdk.out", "Tiny.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The small template's graph, edge by edge: references with the property
// that holds them, the role's policy folded into dashed "may" arrows, the
// CDK metadata and the policy box left out.
func TestGraphOfASmallTemplate(t *testing.T) {
	g := Build(tiny(t))
	var nodes []string
	for _, n := range g.Nodes {
		nodes = append(nodes, n.LogicalID)
	}
	if want := []string{"AlarmTopic", "AppRoleABCD", "CpuAlarm", "DbKey5678", "DbSecret1234"}; !reflect.DeepEqual(nodes, want) {
		t.Errorf("nodes = %v, want %v", nodes, want)
	}
	want := []Edge{
		{From: "AppRoleABCD", To: "DbKey5678", Labels: []string{"kms:Decrypt"}, May: true},
		{From: "AppRoleABCD", To: "DbSecret1234", Labels: []string{"secretsmanager:DescribeSecret, secretsmanager:GetSecretValue"}, May: true},
		{From: "CpuAlarm", To: "AlarmTopic", Labels: []string{"AlarmActions"}},
		{From: "CpuAlarm", To: "AppRoleABCD", Labels: []string{"AlarmDescription"}},
		{From: "CpuAlarm", To: "DbSecret1234", Labels: []string{"Dimensions"}},
		{From: "DbSecret1234", To: "DbKey5678", Labels: []string{"KmsKeyId"}},
	}
	if !reflect.DeepEqual(g.Edges, want) {
		t.Errorf("edges =\n%+v\nwant\n%+v", g.Edges, want)
	}

	dot := DOT(tiny(t))
	for _, w := range []string{
		"subgraph \"cluster_Database\" {\n    label=\"Database\";\n    \"DbKey5678\" [label=\"Key\\nKMS::Key\"",
		"subgraph \"cluster_Hosting\" {\n    label=\"Hosting\";\n    \"AppRoleABCD\" [label=\"ComputeRole\\nIAM::Role\"",
		`"CpuAlarm" -> "AlarmTopic" [label="AlarmActions"];`,
		`"AppRoleABCD" -> "DbKey5678" [label="kms:Decrypt", style=dashed`,
	} {
		if !strings.Contains(dot, w) {
			t.Errorf("DOT lacks %q:\n%s", w, dot)
		}
	}
	if strings.Contains(dot, "CDKMetadata") || strings.Contains(dot, "DefaultPolicy") {
		t.Errorf("DOT shows metadata or the folded policy:\n%s", dot)
	}
	if DOT(tiny(t)) != dot {
		t.Error("DOT is not deterministic")
	}
	if h := Hash(dot); len(h) != 16 {
		t.Errorf("Hash = %q", h)
	}
}

func TestNestedClustersAndLongLabels(t *testing.T) {
	s := tiny(t)
	s.Template.Resources["DbSecret1234"].Metadata["aws:cdk:path"] = "Tiny/Database/Users/App/Secret/Resource"
	dot := DOT(s)
	if !strings.Contains(dot, "subgraph \"cluster_Database/Users\" {\n      label=\"Users\";\n      subgraph \"cluster_Database/Users/App\" {") {
		t.Errorf("nested clusters:\n%s", dot)
	}
	if got := edgeLabel([]string{"a", "b", "c", "d", "e"}); got != "a\nb\nc\n+2" {
		t.Errorf("edgeLabel = %q", got)
	}
}

// Cross-stack links: the environment reads its edge stack's outputs
// (Fn::GetStackOutput), drawn as dotted arrows to the resources they
// resolve to; the edge stack shows who reads its outputs.
func TestOutputsOfOtherStacks(t *testing.T) {
	dir := t.TempDir()
	for name, tpl := range map[string]string{
		"Edge": `{"Resources": {
		  "Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {}, "Metadata": {"aws:cdk:path": "Edge/Edge/Certificate/Resource"}}
		}, "Outputs": {"PublishCert": {"Value": {"Ref": "Cert"}}}}`,
		"Env": `{"Resources": {
		  "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"ViewerCertificate": {
		    "AcmCertificateArn": {"Fn::GetStackOutput": {"StackName": "Edge", "OutputName": "PublishCert", "Region": "us-east-1"}}}}},
		    "Metadata": {"aws:cdk:path": "Env/Hosting/Distribution/Resource"}}
		}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), []byte(tpl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	asm, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := asm.Stack("Env")
	edge, _ := asm.Stack("Edge")
	out := "output:${Edge[us-east-1]:PublishCert}"
	g := BuildIn(asm, env)
	if len(g.External) != 1 || g.External[0].ID != out || g.External[0].Resource == nil || g.External[0].Resource.LogicalID != "Cert" {
		t.Fatalf("external = %+v", g.External)
	}
	if want := []Edge{{From: "Cdn", To: out, Labels: []string{"DistributionConfig"}}}; !reflect.DeepEqual(g.Edges, want) {
		t.Errorf("edges = %+v", g.Edges)
	}
	dot := DOTIn(asm, env)
	for _, w := range []string{
		`subgraph "cluster_output:Edge" {` + "\n    label=\"stack Edge (us-east-1)\";",
		`[label="Certificate\nCertificateManager::Certificate\noutput PublishCert"`,
		`"Cdn" -> "output:${Edge[us-east-1]:PublishCert}" [label="DistributionConfig", style=dotted`,
	} {
		if !strings.Contains(dot, w) {
			t.Errorf("DOT lacks %q:\n%s", w, dot)
		}
	}
	// Alone, the stack still shows what it reads.
	if dot := DOT(env); !strings.Contains(dot, `output PublishCert\n(stack not in this assembly)`) {
		t.Errorf("DOT without the assembly:\n%s", dot)
	}
	dot = DOTIn(asm, edge)
	for _, w := range []string{
		`"reader:Env/Cdn" [label="Distribution\nCloudFront::Distribution\nreads outputs of this stack"`,
		`"reader:Env/Cdn" -> "Cert" [label="DistributionConfig", style=dotted`,
	} {
		if !strings.Contains(dot, w) {
			t.Errorf("DOT of the edge stack lacks %q:\n%s", w, dot)
		}
	}
}

func TestShortNames(t *testing.T) {
	for in, want := range map[string]string{
		"Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C512MiBc829c8ecf16369cde0111d44ca0e3ad9844c7fb46b": "Custom::CDKBucketDeployment…Mi…",
		"InvokeFromApiForMedBookingsInfraStackStagingHostingDistributionOrigin1FCBEA1B6":                              "InvokeFromApiForMedBookingsInfraStackSt…",
		"ServerFunction": "ServerFunction",
	} {
		if got := short(in); got != want {
			t.Errorf("short(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkFresh compares a DOT file with a fresh render, and its SVG with the
// DOT's hash (or, with -update, writes both).
func checkFresh(t *testing.T, dotPath, fresh string) {
	t.Helper()
	svgPath := strings.TrimSuffix(dotPath, ".dot") + ".svg"
	if *cdktest.Update {
		if err := os.WriteFile(dotPath, []byte(fresh), 0o644); err != nil {
			t.Fatal(err)
		}
		if dot, err := exec.LookPath("dot"); err == nil {
			if out, err := exec.Command(dot, "-Tsvg", dotPath, "-o", svgPath).CombinedOutput(); err != nil {
				t.Fatalf("dot: %v\n%s", err, out)
			}
		} else {
			t.Errorf("%s: no Graphviz to render it (apt-get install -y graphviz), then run scripts/docs.sh", svgPath)
		}
		return
	}
	raw, err := os.ReadFile(dotPath)
	if err != nil || string(raw) != fresh {
		t.Errorf("%s is stale (%v): run scripts/docs.sh (or go test ./cmd/diagram/ -update)", dotPath, err)
		return
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil || !strings.Contains(string(svg), Hash(fresh)) {
		t.Errorf("%s was not rendered from the current DOT (%v): run scripts/docs.sh", svgPath, err)
	}
}

func golden(t *testing.T) *assembly.Assembly {
	t.Helper()
	asm, err := assembly.Load(filepath.Join(cdktest.RepoRoot(), "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	return asm
}

// docs/architecture-<stack>.dot is the diagram of the golden templates, and
// the SVG beside it was rendered from that DOT text.
func TestDocsDiagramsAreFresh(t *testing.T) {
	asm := golden(t)
	for _, s := range asm.Stacks {
		checkFresh(t, filepath.Join(cdktest.RepoRoot(), "docs", FileName(s.Name)), DOTIn(asm, s))
	}
}

// docs/architecture-overview.dot is the overview of the golden templates,
// and its SVG was rendered from it.
func TestDocsOverviewIsFresh(t *testing.T) {
	ov := BuildOverview(golden(t))
	if ov == nil {
		t.Fatal("no environment in testdata")
	}
	checkFresh(t, filepath.Join(cdktest.RepoRoot(), "docs", OverviewFile), ov.DOT())
}
