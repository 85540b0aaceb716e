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

// docs/architecture-<stack>.dot is the diagram of the golden templates, and
// the SVG beside it was rendered from that DOT text.
func TestDocsDiagramsAreFresh(t *testing.T) {
	root := cdktest.RepoRoot()
	asm, err := assembly.Load(filepath.Join(root, "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range asm.Stacks {
		dotPath := filepath.Join(root, "docs", FileName(s.Name))
		svgPath := strings.TrimSuffix(dotPath, ".dot") + ".svg"
		fresh := DOT(s)
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
			continue
		}
		raw, err := os.ReadFile(dotPath)
		if err != nil || string(raw) != fresh {
			t.Errorf("%s is stale (%v): run scripts/docs.sh (or go test ./cmd/diagram/ -update)", dotPath, err)
			continue
		}
		svg, err := os.ReadFile(svgPath)
		if err != nil || !strings.Contains(string(svg), Hash(fresh)) {
			t.Errorf("%s was not rendered from the current DOT (%v): run scripts/docs.sh", svgPath, err)
		}
	}
}
