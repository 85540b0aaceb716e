package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Secret values and a response body that must never reach the logs.
const (
	oldSecret  = "old-cron-secret-0123456789abcdef"
	newSecret  = "new-cron-secret-fedcba9876543210"
	bodyMarker = "RESPONSE-BODY-MUST-NOT-BE-LOGGED"
	secretARN  = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:medbookings/staging/cron-AbCdEf"
)

// fakeSecrets serves CRON_SECRET: the n-th read gets values[n-1] (the last
// one repeats).
type fakeSecrets struct {
	mu     sync.Mutex
	values []string // SecretString of each read
	err    error
	reads  int
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if aws.ToString(in.SecretId) != secretARN {
		return nil, errors.New("unexpected secret " + aws.ToString(in.SecretId))
	}
	if f.err != nil {
		return nil, f.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(f.values[min(f.reads, len(f.values))-1])}, nil
}

func cronSecret(v string) string {
	b, _ := json.Marshal(map[string]string{"CRON_SECRET": v, "OTHER": "x"})
	return string(b)
}

// fakeApp is the Next.js app: it accepts the bearer token accept and
// answers per path.
type fakeApp struct {
	mu       sync.Mutex
	accept   string
	requests []*http.Request
}

func (a *fakeApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r)
	accept := a.accept
	a.mu.Unlock()
	if r.Method != http.MethodGet {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+accept {
		http.Error(w, "Unauthorized "+bodyMarker, http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/api/cron/sync-calendars", "/api/cron/monitor-sync-health":
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"success":true,"detail":"` + bodyMarker + `"}`))
	case "/api/cron/broken":
		http.Error(w, "boom "+bodyMarker, http.StatusInternalServerError)
	case "/api/cron/moved":
		http.Redirect(w, r, "/login?next=/api/cron/moved", http.StatusTemporaryRedirect)
	case "/api/cron/slow":
		<-r.Context().Done()
	default:
		http.NotFound(w, r)
	}
}

func (a *fakeApp) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

// harness is a job wired to a fake app (TLS) and fake secrets.
type harness struct {
	job     *job
	app     *fakeApp
	secrets *fakeSecrets
	metrics *bytes.Buffer
	logs    *bytes.Buffer
}

func newHarness(t *testing.T, appAccepts string, secretValues ...string) *harness {
	t.Helper()
	app := &fakeApp{accept: appAccepts}
	srv := httptest.NewTLSServer(app)
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	base, _ := url.Parse(srv.URL)
	h := &harness{app: app, secrets: &fakeSecrets{values: secretValues}, metrics: &bytes.Buffer{}, logs: &bytes.Buffer{}}
	h.job = &job{
		baseURL:   base,
		client:    newHTTPClient(roots),
		timeout:   5 * time.Second,
		secret:    &secretCache{api: h.secrets, arn: secretARN},
		namespace: "MedBookings/Staging/Cron",
		metrics:   h.metrics,
		log:       log.New(h.logs, "", 0),
		now:       time.Now,
	}
	return h
}

// emfLine is the part of an EMF line the tests read.
type emfLine struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
	Job             string
	CronJobSuccess  *int
	CronJobDuration *float64
	StatusCode      int
	Attempts        int
	Error           string
}

// lines returns the EMF lines written so far, checking their structure.
func (h *harness) lines(t *testing.T) []emfLine {
	t.Helper()
	var out []emfLine
	for _, raw := range strings.Split(strings.TrimSpace(h.metrics.String()), "\n") {
		if raw == "" {
			continue
		}
		var l emfLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("not an EMF line: %v\n%s", err, raw)
		}
		if len(l.AWS.CloudWatchMetrics) != 1 || l.AWS.Timestamp == 0 {
			t.Fatalf("EMF metadata: %s", raw)
		}
		m := l.AWS.CloudWatchMetrics[0]
		if m.Namespace != "MedBookings/Staging/Cron" || len(m.Dimensions) != 1 || len(m.Dimensions[0]) != 1 || m.Dimensions[0][0] != "Job" ||
			len(m.Metrics) != 2 || m.Metrics[0] != (struct{ Name, Unit string }{"CronJobSuccess", "Count"}) ||
			m.Metrics[1] != (struct{ Name, Unit string }{"CronJobDuration", "Milliseconds"}) {
			t.Fatalf("EMF metric directive: %s", raw)
		}
		if l.CronJobSuccess == nil || l.CronJobDuration == nil || l.Job == "" {
			t.Fatalf("EMF line lacks a metric value or the dimension: %s", raw)
		}
		out = append(out, l)
	}
	return out
}

// noLeak fails when a secret or the response body shows in the logs, the
// metrics or the error.
func (h *harness) noLeak(t *testing.T, err error) {
	t.Helper()
	text := h.metrics.String() + h.logs.String()
	if err != nil {
		text += err.Error()
	}
	for _, s := range []string{oldSecret, newSecret, bodyMarker} {
		if strings.Contains(text, s) {
			t.Errorf("output shows %q:\n%s", s, text)
		}
	}
}

func input(path string) json.RawMessage {
	b, _ := json.Marshal(Input{Path: path})
	return b
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name         string
		path         string
		appAccepts   string
		secrets      []string // successive SecretStrings
		secretErr    error
		timeout      time.Duration
		wantErr      string // "" for success
		wantStatus   int
		wantAttempts int
		wantReads    int
		wantRequests int
	}{
		{name: "success", path: "/api/cron/sync-calendars", appAccepts: oldSecret, secrets: []string{cronSecret(oldSecret)},
			wantStatus: 200, wantAttempts: 1, wantReads: 1, wantRequests: 1},
		{name: "hourly job", path: "/api/cron/monitor-sync-health", appAccepts: oldSecret, secrets: []string{cronSecret(oldSecret)},
			wantStatus: 200, wantAttempts: 1, wantReads: 1, wantRequests: 1},
		{name: "500 fails", path: "/api/cron/broken", appAccepts: oldSecret, secrets: []string{cronSecret(oldSecret)},
			wantErr: "GET /api/cron/broken: status 500 Internal Server Error", wantStatus: 500, wantAttempts: 1, wantReads: 1, wantRequests: 1},
		{name: "404 fails", path: "/api/cron/unknown", appAccepts: oldSecret, secrets: []string{cronSecret(oldSecret)},
			wantErr: "status 404", wantStatus: 404, wantAttempts: 1, wantReads: 1, wantRequests: 1},
		{name: "redirect is a failure, not followed", path: "/api/cron/moved", appAccepts: oldSecret, secrets: []string{cronSecret(oldSecret)},
			wantErr: `status 307: a redirect (to "/login?next=/api/cron/moved") is a failure`, wantStatus: 307, wantAttempts: 1, wantReads: 1, wantRequests: 1},
		{name: "401 re-reads the changed secret and succeeds", path: "/api/cron/sync-calendars", appAccepts: newSecret, secrets: []string{cronSecret(oldSecret), cronSecret(newSecret)},
			wantStatus: 200, wantAttempts: 2, wantReads: 2, wantRequests: 2},
		{name: "401 with an unchanged secret fails without a second call", path: "/api/cron/sync-calendars", appAccepts: newSecret, secrets: []string{cronSecret(oldSecret)},
			wantErr: "status 401 Unauthorized (CRON_SECRET is unchanged", wantStatus: 401, wantAttempts: 1, wantReads: 2, wantRequests: 1},
		{name: "401 again after the re-read fails", path: "/api/cron/sync-calendars", appAccepts: "a-third-value", secrets: []string{cronSecret(oldSecret), cronSecret(newSecret)},
			wantErr: "status 401 Unauthorized", wantStatus: 401, wantAttempts: 2, wantReads: 2, wantRequests: 2},
		{name: "401 and the re-read fails", path: "/api/cron/sync-calendars", appAccepts: newSecret, secrets: []string{cronSecret(oldSecret), `not json ` + newSecret},
			wantErr: "re-reading the secret failed: secret " + secretARN + " is not a JSON object", wantStatus: 401, wantAttempts: 1, wantReads: 2, wantRequests: 1},
		{name: "timeout", path: "/api/cron/slow", appAccepts: oldSecret, secrets: []string{cronSecret(oldSecret)}, timeout: 300 * time.Millisecond,
			wantErr: "context deadline exceeded", wantStatus: 0, wantAttempts: 1, wantReads: 1, wantRequests: 1},
		{name: "secret unreadable", path: "/api/cron/sync-calendars", appAccepts: oldSecret, secretErr: errors.New("AccessDeniedException: not authorized"),
			wantErr: "read secret " + secretARN + ": AccessDeniedException", wantReads: 1},
		{name: "secret without CRON_SECRET", path: "/api/cron/sync-calendars", appAccepts: oldSecret, secrets: []string{`{"OTHER":"` + oldSecret + `"}`},
			wantErr: "CRON_SECRET is missing, empty, or holds spaces or control characters", wantReads: 1},
		{name: "secret with a line break", path: "/api/cron/sync-calendars", appAccepts: oldSecret, secrets: []string{cronSecret(oldSecret + "\n")},
			wantErr: "holds spaces or control characters", wantReads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.appAccepts, tt.secrets...)
			h.secrets.err = tt.secretErr
			if tt.timeout != 0 {
				h.job.timeout = tt.timeout
			}
			out, err := h.job.handle(context.Background(), input(tt.path))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("error %v\nlog: %s", err, h.logs)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			lines := h.lines(t)
			if len(lines) != 1 {
				t.Fatalf("%d EMF lines, want 1:\n%s", len(lines), h.metrics)
			}
			l := lines[0]
			wantSuccess := 1
			if tt.wantErr != "" {
				wantSuccess = 0
			}
			if *l.CronJobSuccess != wantSuccess || l.Job != tt.path || l.StatusCode != tt.wantStatus || l.Attempts != tt.wantAttempts {
				t.Errorf("EMF: success %d, job %q, status %d, attempts %d; want %d, %q, %d, %d", *l.CronJobSuccess, l.Job, l.StatusCode, l.Attempts, wantSuccess, tt.path, tt.wantStatus, tt.wantAttempts)
			}
			if *l.CronJobDuration < 0 || int64(*l.CronJobDuration) != out.DurationMS {
				t.Errorf("EMF duration %v, result %d", *l.CronJobDuration, out.DurationMS)
			}
			if (l.Error != "") != (tt.wantErr != "") {
				t.Errorf("EMF Error %q", l.Error)
			}
			if out.StatusCode != tt.wantStatus || out.Path != tt.path {
				t.Errorf("result %+v", out)
			}
			if h.secrets.reads != tt.wantReads || h.app.count() != tt.wantRequests {
				t.Errorf("%d secret reads and %d requests, want %d and %d", h.secrets.reads, h.app.count(), tt.wantReads, tt.wantRequests)
			}
			for _, r := range h.app.requests {
				if r.Method != http.MethodGet || r.URL.Path != tt.path || r.URL.RawQuery != "" || !strings.Contains(r.UserAgent(), "vercel-cron/1.0") {
					t.Errorf("request %s %s (user agent %q)", r.Method, r.URL, r.UserAgent())
				}
			}
			h.noLeak(t, err)
		})
	}
}

// TestSecretCached: the secret is read once for the life of the execution
// environment, not per invocation.
func TestSecretCached(t *testing.T) {
	h := newHarness(t, oldSecret, cronSecret(oldSecret))
	for range 3 {
		if _, err := h.job.handle(context.Background(), input("/api/cron/sync-calendars")); err != nil {
			t.Fatal(err)
		}
	}
	if h.secrets.reads != 1 || h.app.count() != 3 {
		t.Errorf("%d secret reads for %d calls, want 1 for 3", h.secrets.reads, h.app.count())
	}
	if n := len(h.lines(t)); n != 3 {
		t.Errorf("%d EMF lines for 3 calls", n)
	}
	h.noLeak(t, nil)
}

// TestTLSVerified: a server certificate that the client does not trust
// fails the call (verification is on).
func TestTLSVerified(t *testing.T) {
	h := newHarness(t, oldSecret, cronSecret(oldSecret))
	h.job.client = newHTTPClient(x509.NewCertPool())
	_, err := h.job.handle(context.Background(), input("/api/cron/sync-calendars"))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("error %v, want a certificate error", err)
	}
	if l := h.lines(t); len(l) != 1 || *l[0].CronJobSuccess != 0 {
		t.Errorf("EMF %s", h.metrics)
	}
	h.noLeak(t, err)
}

func TestBadInput(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"empty object", `{}`},
		{"not JSON", `/api/cron/sync-calendars`},
		{"unknown field", `{"path":"/api/cron/sync-calendars","method":"POST"}`},
		{"no job", `{"path":"/api/cron"}`},
		{"trailing slash", `{"path":"/api/cron/sync-calendars/"}`},
		{"dot-dot", `{"path":"/api/cron/../admin/delete"}`},
		{"dot-dot segment", `{"path":"/api/cron/.."}`},
		{"encoded dot-dot", `{"path":"/api/cron/%2e%2e/admin"}`},
		{"query", `{"path":"/api/cron/sync-calendars?all=1"}`},
		{"fragment", `{"path":"/api/cron/sync-calendars#x"}`},
		{"other route", `{"path":"/api/admin/users"}`},
		{"relative", `{"path":"api/cron/sync-calendars"}`},
		{"other host", `{"path":"//evil.example/api/cron/x"}`},
		{"absolute URL", `{"path":"https://evil.example/api/cron/x"}`},
		{"space", `{"path":"/api/cron/sync calendars"}`},
		{"backslash", `{"path":"/api/cron/x\\..\\y"}`},
		{"empty segment", `{"path":"/api/cron//x"}`},
		{"too long", `{"path":"/api/cron/` + strings.Repeat("a", 200) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, oldSecret, cronSecret(oldSecret))
			_, err := h.job.handle(context.Background(), json.RawMessage(tt.raw))
			if err == nil {
				t.Fatal("accepted")
			}
			if h.app.count() != 0 || h.secrets.reads != 0 || h.metrics.Len() != 0 {
				t.Errorf("refused input still made %d requests, %d secret reads, metrics %q", h.app.count(), h.secrets.reads, h.metrics)
			}
		})
	}
	for _, ok := range []string{"/api/cron/sync-calendars", "/api/cron/monitor-sync-health", "/api/cron/a/b_c-1"} {
		if _, err := parseInput(input(ok)); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}

func TestCallTimeout(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		timeout  time.Duration
		deadline time.Duration // from now; 0 for none
		want     time.Duration
	}{
		{"no deadline", 60 * time.Second, 0, 60 * time.Second},
		{"deadline far away", 60 * time.Second, 120 * time.Second, 60 * time.Second},
		{"deadline close: margin kept", 60 * time.Second, 30 * time.Second, 27 * time.Second},
		{"deadline very close: at least 1s", 60 * time.Second, 2 * time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &job{timeout: tt.timeout, now: func() time.Time { return now }}
			ctx := context.Background()
			if tt.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, now.Add(tt.deadline))
				defer cancel()
			}
			if got := j.callTimeout(ctx); got != tt.want {
				t.Errorf("callTimeout = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseSettings(t *testing.T) {
	full := map[string]string{EnvAppURL: "https://staging.medbookings.co.za", EnvSecretARN: secretARN, EnvMetricNamespace: "MedBookings/Cron"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range full {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantURL string
		wantTO  time.Duration
		wantErr string
	}{
		{"defaults", full, "https://staging.medbookings.co.za", DefaultTimeout, ""},
		{"trailing slash and timeout", with(EnvTimeout, "90s"), "https://staging.medbookings.co.za", 90 * time.Second, ""},
		{"port", with(EnvAppURL, "https://localhost:8443/"), "https://localhost:8443", DefaultTimeout, ""},
		{"http refused", with(EnvAppURL, "http://staging.medbookings.co.za"), "", 0, "want https://host"},
		{"path refused", with(EnvAppURL, "https://staging.medbookings.co.za/app"), "", 0, "want https://host"},
		{"credentials refused", with(EnvAppURL, "https://u:p@staging.medbookings.co.za"), "", 0, "want https://host"},
		{"missing all", map[string]string{}, "", 0, "APP_URL is not set\nCRON_SECRET_ARN is not set\nMETRIC_NAMESPACE is not set"},
		{"bad timeout", with(EnvTimeout, "soon"), "", 0, "CRON_TIMEOUT"},
		{"timeout too short", with(EnvTimeout, "10ms"), "", 0, "CRON_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSettings(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.baseURL.String() != tt.wantURL || s.timeout != tt.wantTO || s.secretARN != secretARN || s.namespace != "MedBookings/Cron" {
				t.Errorf("got %s, %s, %s, %s", s.baseURL, s.timeout, s.secretARN, s.namespace)
			}
		})
	}
}

func TestQuietWindows(t *testing.T) {
	ws, err := parseWindows("18:00-23:45, 01:00-02:00")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hh, mm int) time.Time { return time.Date(2026, 12, 1, hh, mm, 0, 0, time.UTC) }
	for _, tc := range []struct {
		t     time.Time
		quiet bool
	}{
		{at(17, 59), false}, {at(18, 0), true}, {at(23, 44), true}, {at(23, 45), false},
		{at(0, 30), false}, {at(1, 0), true}, {at(1, 59), true}, {at(2, 0), false},
	} {
		got := false
		for _, w := range ws {
			got = got || w.contains(tc.t)
		}
		if got != tc.quiet {
			t.Errorf("%s: quiet %v, want %v", tc.t.Format("15:04"), got, tc.quiet)
		}
	}
	wrap, _ := parseWindows("22:00-02:00")
	if !wrap[0].contains(at(23, 0)) || !wrap[0].contains(at(1, 0)) || wrap[0].contains(at(3, 0)) {
		t.Error("a window over midnight")
	}
	for _, bad := range []string{"18:00", "25:00-01:00", "18:00-18:00", "18:00-19:60", "x"} {
		if _, err := parseWindows(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestQuietWindowSkipsTheCall(t *testing.T) {
	h := newHarness(t, oldSecret, cronSecret(oldSecret))
	h.job.quiet, _ = parseWindows("18:00-23:45")
	h.job.now = func() time.Time { return time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC) }
	out, err := h.job.handle(context.Background(), input("/api/cron/sync-calendars"))
	if err != nil || !out.Skipped {
		t.Fatalf("inside the quiet window: out %+v, err %v", out, err)
	}
	if len(h.app.requests) != 0 || h.metrics.Len() != 0 {
		t.Errorf("a quiet window made %d calls and wrote metrics %q", len(h.app.requests), h.metrics.String())
	}
	h.job.now = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	if out, err := h.job.handle(context.Background(), input("/api/cron/sync-calendars")); err != nil || out.Skipped || len(h.app.requests) != 1 {
		t.Fatalf("outside the quiet window: out %+v, err %v, calls %d", out, err, len(h.app.requests))
	}
}
