package main

// The tests that read the repository's templates and documents rather
// than templates written here. They change with the stacks:
//
//   - TestEveryTemplateTypeIsKnown (the guard) reads testdata/*.template.json,
//     or the assembly COSTESTIMATE_ASSEMBLY names (a folder relative to the
//     repository root, or absolute):
//     COSTESTIMATE_ASSEMBLY=cdk.out go test ./cmd/costestimate/ -run TestEveryTemplateTypeIsKnown
//   - TestGoldenTemplatesArePriced reads the same assembly.
//   - TestDocsCostMdIsFresh compares docs/cost.md's generated sections with
//     the estimate of testdata/: refresh them with scripts/docs.sh, or
//     go test ./cmd/costestimate/ -run TestDocsCostMdIsFresh -update

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
)

// guardAssembly loads the assembly the golden tests read.
func guardAssembly(t *testing.T) (*assembly.Assembly, string) {
	t.Helper()
	dir := os.Getenv("COSTESTIMATE_ASSEMBLY")
	switch {
	case dir == "":
		dir = filepath.Join(cdktest.RepoRoot(), "testdata")
	case !filepath.IsAbs(dir):
		dir = filepath.Join(cdktest.RepoRoot(), dir)
	}
	asm, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return asm, dir
}

// unknownTypes returns the resource types of the stacks that have neither
// a price nor a stated reason to be free, with the stacks that hold them.
func unknownTypes(stacks []*assembly.Stack) map[string][]string {
	unknown := map[string][]string{}
	for _, s := range stacks {
		for _, typ := range s.Types() {
			if _, ok := pricers[typ]; ok {
				continue
			}
			if reason, ok := freeReason(typ); ok && reason != "" {
				continue
			}
			unknown[typ] = append(unknown[typ], s.Name)
		}
	}
	return unknown
}

// Every resource type of every template has a price or a stated reason
// to be free: a new type fails here until cmd/costestimate knows it.
func TestEveryTemplateTypeIsKnown(t *testing.T) {
	asm, dir := guardAssembly(t)
	unknown := unknownTypes(asm.Stacks)
	types := make([]string, 0, len(unknown))
	for typ := range unknown {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		t.Errorf("%s (in %s of %s) has neither a price nor a stated free reason: add a pricer to pricers (estimate.go) or a reason to freeTypes",
			typ, strings.Join(unknown[typ], ", "), dir)
	}
}

// The guard catches an unknown type.
func TestGuardReportsUnknownTypes(t *testing.T) {
	got := unknownTypes([]*assembly.Stack{shop(t), tpl(t, "Other", `{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "T": {"Type": "AWS::DynamoDB::Table"}}}`)})
	if len(got) != 2 || strings.Join(got["AWS::SQS::Queue"], ",") != "Shop,Other" || len(got["AWS::DynamoDB::Table"]) != 1 {
		t.Errorf("unknown types = %v", got)
	}
}

// Every resource of the templates is priced or free: not only its type is
// known, but its instance class, storage type, schedules… too.
func TestGoldenTemplatesArePriced(t *testing.T) {
	asm, dir := guardAssembly(t)
	f, err := ParseFile("assumptions.json", defaultAssumptions)
	if err != nil {
		t.Fatal(err)
	}
	e := EstimateAssembly(asm, Options{File: f})
	for _, se := range e.Stacks {
		for _, l := range se.Lines {
			if l.Status == NotPriced {
				t.Errorf("%s (%s): %s (%s) is not priced: %s", se.Stack, dir, l.LogicalID, l.Type, strings.Join(l.Notes, "; "))
			}
		}
	}
}

// docs/cost.md shows the estimate of the golden templates.
func TestDocsCostMdIsFresh(t *testing.T) {
	root := cdktest.RepoRoot()
	asm, err := assembly.Load(filepath.Join(root, "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFile("assumptions.json", defaultAssumptions)
	if err != nil {
		t.Fatal(err)
	}
	e := EstimateAssembly(asm, Options{File: f})
	doc := filepath.Join(root, "docs", "cost.md")
	if *cdktest.Update {
		if err := UpdateDocs(doc, e, f); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := ReplaceSections(string(raw), Sections(e, f))
	if err != nil {
		t.Fatal(err)
	}
	if fresh != string(raw) {
		t.Errorf("docs/cost.md is stale: run scripts/docs.sh (or go test ./cmd/costestimate/ -run TestDocsCostMdIsFresh -update)")
	}
}
