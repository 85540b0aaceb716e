package lambdabuild

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Earlier builds of a function go once they are an hour old; the current
// one, recent ones, other functions' and temporary folders stay.
func TestPruneOlder(t *testing.T) {
	out := t.TempDir()
	dirs := map[string]time.Duration{
		"cron-0123456789abcdef":    2 * time.Hour, // old: removed
		"cron-fedcba9876543210":    10 * time.Minute,
		"cron-aaaaaaaaaaaaaaaa":    3 * time.Hour, // the current build: kept
		"dbroles-0123456789abcdef": 5 * time.Hour,
		"cron-build-123":           5 * time.Hour,
	}
	for d, age := range dirs {
		p := filepath.Join(out, d)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	pruneOlder(out, "cron", filepath.Join(out, "cron-aaaaaaaaaaaaaaaa"))
	for d := range dirs {
		_, err := os.Stat(filepath.Join(out, d))
		if gone := os.IsNotExist(err); gone != (d == "cron-0123456789abcdef") {
			t.Errorf("%s: removed %v", d, gone)
		}
	}
}
