// Command diagram turns each stack of a synthesized cloud assembly into a
// Graphviz DOT diagram: its resources grouped by construct (clusters from
// the aws:cdk:path metadata), with arrows for the references between them
// (labelled with the property that holds the reference), dotted for the
// outputs of other stacks it reads (Fn::GetStackOutput, such as the
// us-east-1 certificate and Lambda@Edge of CloudFront) and, dashed, for
// what IAM roles may do to which resources (from the policies attached to
// them, labelled with the actions).
//
// It also draws one overview of the environments, architecture-overview.dot
// (see overview.go): a dozen boxes from visitor to database.
//
//	diagram [-assembly cdk.out] [-out docs]   # writes OUT/architecture-<stack>.dot and OUT/architecture-overview.dot
//
// It prints the path of each file it writes. scripts/docs.sh renders the
// DOT files to SVG with Graphviz (`dot`). The graph's comment attribute
// carries a hash of the DOT text, which Graphviz copies into the SVG: the
// tests use it to tell a stale image.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

func main() {
	fs := flag.NewFlagSet("diagram", flag.ExitOnError)
	out := fs.String("out", "docs", "folder for architecture-<stack>.dot")
	asm := assembly.Command(fs, os.Args[1:])
	write := func(name, dot string) {
		p := filepath.Join(*out, name)
		if err := os.WriteFile(p, []byte(dot), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "diagram:", err)
			os.Exit(1)
		}
		fmt.Println(p)
	}
	for _, s := range asm.Stacks {
		write(FileName(s.Name), DOTIn(asm, s))
	}
	if ov := BuildOverview(asm); ov != nil {
		write(OverviewFile, ov.DOT())
	}
}

// FileName is the DOT file of a stack.
func FileName(stack string) string { return "architecture-" + stack + ".dot" }

// Edge is an arrow of the diagram.
type Edge struct {
	From, To string
	Labels   []string
	// May marks a permission (an IAM role may act on the target).
	May bool
}

// Graph is the diagram of one stack, before it is written as DOT.
type Graph struct {
	Nodes []*assembly.Resource
	// External are the other stacks' resources the stack is linked with
	// through outputs: the outputs it reads (Fn::GetStackOutput,
	// Fn::ImportValue) and the resources of other stacks of the assembly
	// that read its outputs. They are drawn beside it, dotted.
	External []External
	Edges    []Edge
}

// External is a resource of another stack linked with the stack through
// an output.
type External struct {
	ID string
	// Stack and Region: the other stack (Region "" when not known).
	Stack, Region string
	// Output is the output's name (or export's, for Fn::ImportValue).
	Output string
	// Reader: the resource reads an output of this stack (rather than this
	// stack reading one of its stack's).
	Reader bool
	// Resource is what the output resolves to (or the reader); nil when
	// the assembly lacks the other stack.
	Resource *assembly.Resource
}

func externalID(ref assembly.StackOutputRef) string {
	ref.Property = ""
	return "output:" + ref.String()
}

// folded are policies drawn as arrows from their roles, not as boxes.
func folded(r *assembly.Resource) bool {
	return r.Type == "AWS::IAM::Policy" || r.Type == "AWS::IAM::ManagedPolicy"
}

func hidden(r *assembly.Resource) bool { return r.Type == "AWS::CDK::Metadata" }

// Build computes the nodes and edges of a stack on its own.
func Build(s *assembly.Stack) Graph { return BuildIn(nil, s) }

// BuildIn computes the nodes and edges of a stack of an assembly (nil for
// none), which tells what the outputs of other stacks it reads are.
func BuildIn(asm *assembly.Assembly, s *assembly.Stack) Graph {
	var g Graph
	shown := map[string]bool{}
	for _, r := range s.Resources() {
		if hidden(r) || (folded(r) && len(assembly.Refs(r.Prop("Roles"))) > 0) {
			continue
		}
		g.Nodes = append(g.Nodes, r)
		shown[r.LogicalID] = true
	}
	type key struct {
		from, to string
		may      bool
	}
	labels := map[key]map[string]bool{}
	addEdge := func(from, to, label string, may bool) {
		if !shown[from] || !shown[to] || from == to {
			return
		}
		k := key{from, to, may}
		if labels[k] == nil {
			labels[k] = map[string]bool{}
		}
		if label != "" {
			labels[k][label] = true
		}
	}
	for _, r := range g.Nodes {
		for _, ref := range s.References(r.LogicalID) {
			addEdge(r.LogicalID, ref.Target, ref.Property, false)
		}
	}
	// Outputs of other stacks: a node each, and a reference to it.
	for _, r := range g.Nodes {
		for _, ref := range s.StackOutputReferences(r.LogicalID) {
			id := externalID(ref)
			if !shown[id] {
				shown[id] = true
				ext := External{ID: id, Stack: ref.Stack, Region: ref.Region, Output: ref.Output}
				if ref.Import {
					ext.Stack = ""
				}
				if asm != nil {
					other, _, targets := asm.ResolveOutput(ref)
					if other != nil && len(targets) > 0 {
						ext.Stack, ext.Resource = other.Name, targets[0]
					}
				}
				g.External = append(g.External, ext)
			}
			addEdge(r.LogicalID, id, ref.Property, false)
		}
	}
	// Resources of other stacks reading this stack's outputs.
	if asm != nil {
		for _, name := range s.OutputNames() {
			for _, rd := range asm.ReadersOf(s, name) {
				id := "reader:" + rd.From.Name + "/" + rd.Resource
				if !shown[id] {
					shown[id] = true
					g.External = append(g.External, External{ID: id, Stack: rd.From.Name, Output: name, Reader: true,
						Resource: rd.From.Template.Resources[rd.Resource]})
				}
				for _, t := range assembly.Refs(s.Template.Outputs[name].Value) {
					addEdge(id, t.Target, rd.Property, false)
				}
			}
		}
	}
	sort.Slice(g.External, func(i, j int) bool { return g.External[i].ID < g.External[j].ID })
	// Policies: each role they are attached to may act on what they name.
	for _, p := range s.Resources() {
		if !folded(p) {
			continue
		}
		var roles []string
		for _, ref := range assembly.Refs(p.Prop("Roles")) {
			roles = append(roles, ref.Target)
		}
		stmts, _ := p.Prop("PolicyDocument.Statement").([]any)
		for _, st := range stmts {
			m, _ := st.(map[string]any)
			if m["Effect"] != "Allow" {
				continue
			}
			actions := strings.Join(stringsOf(m["Action"]), ", ")
			for _, ref := range assembly.Refs(m["Resource"]) {
				for _, role := range roles {
					addEdge(role, ref.Target, actions, true)
				}
			}
		}
	}
	for k, ls := range labels {
		e := Edge{From: k.from, To: k.to, May: k.may}
		for l := range ls {
			e.Labels = append(e.Labels, l)
		}
		sort.Strings(e.Labels)
		g.Edges = append(g.Edges, e)
	}
	sort.Slice(g.Edges, func(i, j int) bool {
		a, b := g.Edges[i], g.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return !a.May && b.May
	})
	return g
}

func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// colors by service (the part after AWS::).
var colors = map[string]string{
	"RDS":                "#dbe8fb",
	"EC2":                "#eeeeee",
	"S3":                 "#dff3e0",
	"KMS":                "#fff4c2",
	"SecretsManager":     "#fde0dc",
	"IAM":                "#ffe7cc",
	"Lambda":             "#ffe0b2",
	"CloudWatch":         "#f8e1f4",
	"Logs":               "#f8e1f4",
	"SNS":                "#e8e0f8",
	"Events":             "#e0f2f1",
	"Scheduler":          "#e0f2f1",
	"CloudFront":         "#ede7f6",
	"CertificateManager": "#fff9c4",
	"Route53":            "#e3f2fd",
	"Budgets":            "#f1f8e9",
	"Custom":             "#fce4ec",
}

// hexRun matches the hashes CDK puts in construct names of singletons
// ("Custom::CDKBucketDeployment8693BB64…") and asset-sized resources.
var hexRun = regexp.MustCompile(`[0-9A-Fa-f]{16,}`)

// short makes a construct name fit a box: hashes become "…", and names
// longer than 40 characters are cut.
func short(name string) string {
	name = hexRun.ReplaceAllString(name, "…")
	if r := []rune(name); len(r) > 40 {
		name = string(r[:39]) + "…"
	}
	return name
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func edgeLabel(labels []string) string {
	var out []string
	for _, l := range labels {
		if len(l) > 60 {
			l = l[:57] + "..."
		}
		out = append(out, l)
	}
	if len(out) > 3 {
		out = append(out[:3], fmt.Sprintf("+%d", len(out)-3))
	}
	return strings.Join(out, "\n")
}

type cluster struct {
	name     string
	path     string
	children map[string]*cluster
	nodes    []*assembly.Resource
}

func (c *cluster) child(name string) *cluster {
	if c.children[name] == nil {
		p := name
		if c.path != "" {
			p = c.path + "/" + name
		}
		c.children[name] = &cluster{name: name, path: p, children: map[string]*cluster{}}
	}
	return c.children[name]
}

func (c *cluster) write(b *strings.Builder, indent string) {
	for _, r := range c.nodes {
		_, name := r.ConstructPath()
		service, _, _ := strings.Cut(assembly.ShortType(r.Type), "::")
		fill := colors[service]
		if fill == "" {
			fill = "#ffffff"
		}
		fmt.Fprintf(b, "%s%s [label=%s, fillcolor=%s];\n", indent, quote(r.LogicalID),
			quote(short(name)+"\n"+assembly.ShortType(r.Type)), quote(fill))
	}
	names := make([]string, 0, len(c.children))
	for n := range c.children {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ch := c.children[n]
		fmt.Fprintf(b, "%ssubgraph %s {\n", indent, quote("cluster_"+ch.path))
		fmt.Fprintf(b, "%s  label=%s;\n", indent, quote(short(ch.name)))
		ch.write(b, indent+"  ")
		fmt.Fprintf(b, "%s}\n", indent)
	}
}

// DOT renders the diagram of a stack on its own.
func DOT(s *assembly.Stack) string { return DOTIn(nil, s) }

// DOTIn renders the diagram of a stack of an assembly (nil for none).
func DOTIn(asm *assembly.Assembly, s *assembly.Stack) string {
	g := BuildIn(asm, s)
	root := &cluster{children: map[string]*cluster{}}
	paths := 0
	for _, r := range g.Nodes {
		groups, _ := r.ConstructPath()
		if r.Path() != "" {
			paths++
		}
		c := root
		for _, grp := range groups {
			c = c.child(grp)
		}
		c.nodes = append(c.nodes, r)
	}
	var body strings.Builder
	fmt.Fprintln(&body, `  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];`)
	fmt.Fprintln(&body, `  edge [fontname="Helvetica", fontsize=8, color="#555555", fontcolor="#333333"];`)
	root.write(&body, "  ")
	writeExternal(&body, g.External)
	external := map[string]bool{}
	for _, x := range g.External {
		external[x.ID] = true
	}
	for _, e := range g.Edges {
		attrs := []string{"label=" + quote(edgeLabel(e.Labels))}
		if e.May {
			attrs = append(attrs, `style=dashed`, `color="#c05000"`, `fontcolor="#c05000"`)
		}
		if external[e.To] || external[e.From] {
			attrs = append(attrs, `style=dotted`, `color="#1565c0"`, `fontcolor="#1565c0"`)
		}
		fmt.Fprintf(&body, "  %s -> %s [%s];\n", quote(e.From), quote(e.To), strings.Join(attrs, ", "))
	}
	title := s.Name + ": resources by construct; solid arrows: references (property), dashed: what a role may do"
	if len(g.External) > 0 {
		title += ", dotted: through outputs, with other stacks"
	}
	if paths == 0 && len(g.Nodes) > 0 {
		title += "\n(no construct paths in the template: synthesize with aws:cdk:enable-path-metadata)"
	}
	fmt.Fprintf(&body, "  label=%s;\n  labelloc=t;\n  fontsize=12;\n", quote(title))
	sum := sha256.Sum256([]byte(body.String()))
	hash := hex.EncodeToString(sum[:8])

	var b strings.Builder
	fmt.Fprintf(&b, "// Generated by cmd/diagram from the template of %s: do not edit, run scripts/docs.sh.\n", s.Name)
	fmt.Fprintf(&b, "digraph %s {\n", quote(s.Name))
	fmt.Fprintf(&b, "  graph [rankdir=LR, compound=true, newrank=true, fontname=\"Helvetica\", comment=%s];\n", quote("dot-sha256:"+hash))
	b.WriteString(body.String())
	b.WriteString("}\n")
	return b.String()
}

// writeExternal draws the other stacks' resources in a cluster per stack.
func writeExternal(b *strings.Builder, ext []External) {
	byStack := map[string][]External{}
	for _, x := range ext {
		byStack[x.Stack] = append(byStack[x.Stack], x)
	}
	for _, name := range slices.Sorted(maps.Keys(byStack)) {
		xs := byStack[name]
		label := "exports of other stacks"
		if name != "" {
			label = "stack " + name
			if r := xs[0].Region; r != "" {
				label += " (" + r + ")"
			}
		}
		fmt.Fprintf(b, "  subgraph %s {\n", quote("cluster_output:"+name))
		fmt.Fprintf(b, "    label=%s;\n    style=dashed;\n    color=\"#1565c0\";\n", quote(label))
		for _, x := range xs {
			out := "output " + short(x.Output)
			if x.Reader {
				out = "reads outputs of this stack"
			}
			text := out + "\n(stack not in this assembly)"
			fill := "#ffffff"
			if t := x.Resource; t != nil {
				_, n := t.ConstructPath()
				text = short(n) + "\n" + assembly.ShortType(t.Type) + "\n" + out
				service, _, _ := strings.Cut(assembly.ShortType(t.Type), "::")
				if c := colors[service]; c != "" {
					fill = c
				}
			}
			fmt.Fprintf(b, "    %s [label=%s, fillcolor=%s, style=\"rounded,filled,dashed\"];\n", quote(x.ID), quote(text), quote(fill))
		}
		fmt.Fprintln(b, "  }")
	}
}

// Hash returns the hex hash a DOT text carries in its comment (Graphviz
// copies it into the SVG as an XML comment).
func Hash(dot string) string {
	const marker = "dot-sha256:"
	i := strings.Index(dot, marker)
	if i < 0 {
		return ""
	}
	h := dot[i+len(marker):]
	if j := strings.IndexByte(h, '"'); j >= 0 {
		h = h[:j]
	}
	return h
}
