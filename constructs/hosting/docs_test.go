package hosting_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
)

// TestContractTableIsFresh: docs/hosting.md prints hosting.Contract
// between its contract markers; -update rewrites it.
func TestContractTableIsFresh(t *testing.T) {
	path := filepath.Join(cdktest.RepoRoot(), "docs", "hosting.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	const begin, end = "<!-- contract:begin", "<!-- contract:end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("docs/hosting.md has no %s ... %s section", begin, end)
	}
	i += strings.Index(doc[i:], "-->") + len("-->\n")
	want := hosting.ContractTable()
	if doc[i:j] == want {
		return
	}
	if *cdktest.Update {
		if err := os.WriteFile(path, []byte(doc[:i]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/hosting.md's contract table is stale: run go test ./constructs/hosting -update")
}
