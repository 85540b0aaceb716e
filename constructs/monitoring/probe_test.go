package monitoring_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
)

// Lines as RDS for PostgreSQL writes them (log_line_prefix %t:%r:%u@%d:[%p]:).
var (
	refusedLines = []string{
		`2026-03-01 10:00:01 UTC:203.0.113.9(51234):app@medbookings:[4242]:FATAL:  password authentication failed for user "app"`,
		`2026-03-01 10:00:02 UTC:203.0.113.9(51235):app@medbookings:[4243]:FATAL:  no pg_hba.conf entry for host "203.0.113.9", user "app", database "medbookings", no encryption`,
		`2026-03-01 10:00:03 UTC:10.0.1.5(40000):app@medbookings:[4244]:FATAL:  sorry, too many clients already`,
		`2026-03-01 10:00:04 UTC:10.0.1.5(40001):app@medbookings:[4245]:FATAL:  too many connections for role "app"`,
		`2026-03-01 10:00:05 UTC:10.0.1.5(40002):app@medbookings:[4246]:FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute`,
	}
	benignLines = []string{
		`2026-03-01 10:00:06 UTC:10.0.1.5(40003):app@medbookings:[4247]:LOG:  duration: 812.345 ms  statement: SELECT 1`,
		`2026-03-01 10:00:07 UTC::@:[571]:LOG:  checkpoint complete: wrote 12 buffers (0.1%)`,
		`2026-03-01 10:00:08 UTC:10.0.1.5(40004):app@medbookings:[4248]:LOG:  connection authorized: user=app database=medbookings SSL enabled`,
	}
)

// matches applies CloudWatch Logs' semantics of a pattern made only of
// ?"term" alternatives: the event matches when it contains any term.
func matches(pattern, line string) bool {
	for _, part := range strings.Split(pattern, `" ?"`) {
		term := strings.TrimSuffix(strings.TrimPrefix(part, `?"`), `"`)
		if strings.Contains(line, term) {
			return true
		}
	}
	return false
}

func TestConnectionErrorPattern(t *testing.T) {
	p := monitoring.ConnectionErrorPattern()
	if strings.Count(p, `?"`) != len(monitoring.ConnectionErrorTerms) {
		t.Fatalf("pattern %s is not one ?\"term\" per term", p)
	}
	for _, l := range refusedLines {
		if !matches(p, l) {
			t.Errorf("pattern does not count a refused connection:\n%s", l)
		}
	}
	for _, l := range benignLines {
		if matches(p, l) {
			t.Errorf("pattern counts a normal line:\n%s", l)
		}
	}
}

// runProbe runs the probe's inline code with node against url and returns
// the JSON record it logged.
func runProbe(t *testing.T, url, quiet string) map[string]any {
	t.Helper()
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(monitoring.ProbeSource), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", `require("./index.js").handler().catch((e) => { console.error(e); process.exit(1); })`)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "URL="+url, "NAMESPACE=MedBookings/Test", "QUIET_WINDOW_UTC="+quiet)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, missing := err.(*exec.Error); missing {
			t.Skipf("no node to run the probe: %v", err)
		}
		t.Fatalf("probe failed: %v\n%s", err, out)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &rec); err != nil {
		t.Fatalf("probe output is not one JSON record: %v\n%s", err, out)
	}
	return rec
}

func TestHealthProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/health":
			w.Write([]byte(`{"status":"ok"}`))
		case "/moved":
			http.Redirect(w, r, "/api/health", http.StatusFound)
		default:
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	for _, c := range []struct {
		name, path string
		success    float64
		status     float64
	}{
		{"healthy", "/api/health", 1, 200},
		{"failing", "/broken", 0, 503},
		{"redirect is not healthy", "/moved", 0, 302},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := runProbe(t, srv.URL+c.path, "")
			if rec[monitoring.MetricHealthCheckSuccess] != c.success || rec["status"] != c.status {
				t.Errorf("success=%v status=%v, want %v %v: %v", rec[monitoring.MetricHealthCheckSuccess], rec["status"], c.success, c.status, rec)
			}
			aws, _ := rec["_aws"].(map[string]any)
			cwm, _ := aws["CloudWatchMetrics"].([]any)
			if len(cwm) != 1 || rec["Check"] != "Health" {
				t.Fatalf("not an Embedded Metric Format record: %v", rec)
			}
			d := cwm[0].(map[string]any)
			if d["Namespace"] != "MedBookings/Test" || !strings.Contains(toJSON(d["Metrics"]), monitoring.MetricHealthCheckLatency) {
				t.Errorf("EMF directive %v", d)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		rec := runProbe(t, "http://127.0.0.1:1/api/health", "")
		if rec[monitoring.MetricHealthCheckSuccess] != 0.0 || rec["error"] == "" {
			t.Errorf("unreachable site: %v", rec)
		}
	})
	t.Run("quiet window publishes nothing", func(t *testing.T) {
		// The two windows cover the day between them (the second wraps
		// midnight), so whatever the time, exactly one of them skips.
		skipped := 0
		for _, w := range []string{"00:00-12:00", "12:00-00:00"} {
			rec := runProbe(t, srv.URL+"/api/health", w)
			_, published := rec[monitoring.MetricHealthCheckSuccess]
			switch {
			case rec["skipped"] != nil && !published:
				skipped++
			case rec["skipped"] == nil && published:
			default:
				t.Errorf("window %s: %v", w, rec)
			}
		}
		if skipped != 1 {
			t.Errorf("%d of two complementary quiet windows skipped the check, want exactly 1", skipped)
		}
	})
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
