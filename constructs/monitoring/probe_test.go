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
	"time"

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
		`2026-03-01 10:00:06 UTC:10.0.1.5(40003):app@medbookings:[4247]:FATAL:  connection requires a valid client certificate`,
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

// GIVEN PostgreSQL's log lines WHEN the metric filter's pattern is applied
// THEN every refused connection counts and ordinary lines do not.
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

// fakeClock runs the probe with Date fixed at PROBE_NOW (when set), so that
// the quiet windows can be tested at chosen times of day.
const fakeClock = `const fixed = Date.parse(process.env.PROBE_NOW || "");
if (!Number.isNaN(fixed)) {
  const Real = Date;
  globalThis.Date = class extends Real {
    constructor(...a) { if (a.length) { super(...a); } else { super(fixed); } }
    static now() { return fixed; }
  };
}
require("./index.js").handler().catch((e) => { console.error(e); process.exit(1); });
`

// runProbe runs the probe's inline code under Node against url, with the
// quiet windows quiet (QUIET_WINDOWS_UTC) at time now (zero: the real
// time), and returns the one JSON record it logged.
func runProbe(t *testing.T, url, quiet string, now time.Time) map[string]any {
	t.Helper()
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(monitoring.ProbeSource), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", fakeClock)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "URL="+url, "NAMESPACE=MedBookings/Test", "QUIET_WINDOWS_UTC="+quiet)
	if !now.IsZero() {
		cmd.Env = append(cmd.Env, "PROBE_NOW="+now.UTC().Format(time.RFC3339))
	}
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

// site is a test server: /api/health answers 200, /moved redirects to it,
// everything else is a 503.
func site(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/health":
			_, _ = w.Write([]byte(`{"status":"ok"}`))
		case "/moved":
			http.Redirect(w, r, "/api/health", http.StatusFound)
		default:
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// GIVEN a site that answers 200, fails, redirects or is unreachable WHEN
// the probe runs outside any quiet window THEN it publishes one Embedded
// Metric Format record with HealthCheckSuccess 1 only for the 200.
func TestHealthProbe(t *testing.T) {
	srv := site(t)
	for _, c := range []struct {
		name, url       string
		success, status float64
	}{
		{"healthy", srv.URL + "/api/health", 1, 200},
		{"failing", srv.URL + "/broken", 0, 503},
		{"redirect is not healthy", srv.URL + "/moved", 0, 302},
		{"unreachable", "http://127.0.0.1:1/api/health", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := runProbe(t, c.url, "", time.Time{})
			if rec[monitoring.MetricHealthCheckSuccess] != c.success || rec["status"] != c.status {
				t.Errorf("success=%v status=%v, want %v %v: %v", rec[monitoring.MetricHealthCheckSuccess], rec["status"], c.success, c.status, rec)
			}
			if c.status == 0 && rec["error"] == "" {
				t.Errorf("an unreachable site without an error: %v", rec)
			}
			aws, _ := rec["_aws"].(map[string]any)
			cwm, _ := aws["CloudWatchMetrics"].([]any)
			if len(cwm) != 1 || rec["Check"] != "Health" {
				t.Fatalf("not an Embedded Metric Format record: %v", rec)
			}
			d := cwm[0].(map[string]any)
			if d["Namespace"] != "MedBookings/Test" || toJSON(d["Dimensions"]) != `[["Check"]]` ||
				!strings.Contains(toJSON(d["Metrics"]), monitoring.MetricHealthCheckLatency) ||
				!strings.Contains(toJSON(d["Metrics"]), monitoring.MetricHealthCheckSuccess) {
				t.Errorf("EMF directive %v", d)
			}
		})
	}
}

// GIVEN several quiet windows, one over midnight WHEN the probe runs at
// various times of day THEN it checks nothing and publishes nothing inside
// any of them (start included, end excluded) and probes as usual outside.
func TestHealthProbeQuietWindows(t *testing.T) {
	srv := site(t)
	const windows = "09:00-10:00,23:00-00:30,12:00-12:05"
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at      string
		windows string
		quiet   bool
	}{
		{"08:59", windows, false},
		{"09:00", windows, true},
		{"09:59", windows, true},
		{"10:00", windows, false},
		{"12:03", windows, true},
		{"12:05", windows, false},
		{"15:00", windows, false},
		{"23:00", windows, true},
		{"23:59", windows, true},
		{"00:00", windows, true},
		{"00:29", windows, true},
		{"00:30", windows, false},
		{"00:15", "", false},
		{"00:15", "23:00-00:30", true},
	} {
		t.Run(c.at+" "+c.windows, func(t *testing.T) {
			hm, _ := time.Parse("15:04", c.at)
			now := day.Add(time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute)
			rec := runProbe(t, srv.URL+"/api/health", c.windows, now)
			_, published := rec[monitoring.MetricHealthCheckSuccess]
			switch {
			case c.quiet && (published || rec["skipped"] == nil):
				t.Errorf("in a quiet window, the probe published %v", rec)
			case !c.quiet && (!published || rec["skipped"] != nil || rec[monitoring.MetricHealthCheckSuccess] != 1.0):
				t.Errorf("outside the quiet windows, the probe skipped or failed: %v", rec)
			}
			// The fake clock reached the probe (the EMF timestamp is now).
			if published {
				ts := rec["_aws"].(map[string]any)["Timestamp"]
				if ts != float64(now.UnixMilli()) {
					t.Errorf("record timestamp %v, want %d", ts, now.UnixMilli())
				}
			}
		})
	}
}
