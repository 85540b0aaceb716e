package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The test binary plays two more roles, chosen before any test runs: with
// roleVar=wrapper it is the wrapper (its main), and with childArg as its
// first argument it is the runtime the wrapper execs, which prints its
// environment as JSON.
const (
	roleVar  = "ENVWRAPPER_TEST_ROLE"
	childArg = "envwrapper-test-child"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childArg {
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if err := json.NewEncoder(os.Stdout).Encode(env); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	if os.Getenv(roleVar) == "wrapper" {
		main()
		os.Exit(4) // main execs or exits
	}
	os.Exit(m.Run())
}

// fakeSecretsManager answers GetSecretValue (JSON 1.1 protocol) from a map.
type fakeSecretsManager struct {
	t testing.TB

	mu sync.Mutex
	// secrets are the successive SecretStrings of each secret: the n-th
	// request gets the n-th (the last one repeats).
	secrets map[string][]string
	// errors makes a secret fail with this __type (HTTP 400).
	errors map[string]string
	// raw makes a secret's answer this body (HTTP 200), as is.
	raw map[string]string
	// hang holds every request until the client gives up.
	hang bool
	// gather holds requests until this many are in flight (or 5 s pass).
	gather int

	calls       map[string]int
	regions     []string
	inFlight    int
	maxInFlight int
	all         chan struct{}
}

func newFake(t testing.TB) (*fakeSecretsManager, *httptest.Server) {
	f := &fakeSecretsManager{t: t, secrets: map[string][]string{}, errors: map[string]string{}, raw: map[string]string{}, calls: map[string]int{}, all: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// locked runs fn with the fake's lock held: the tests set up and read the
// fake through it while its server runs.
func (f *fakeSecretsManager) locked(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeSecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		f.t.Errorf("unexpected request %s %s, target %q, type %q", r.Method, r.URL, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// Signed with the function's credentials: note the signing region.
	auth := r.Header.Get("Authorization")
	scope, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDFAKE/")
	parts := strings.Split(scope, "/")
	if !ok || len(parts) < 4 || parts[2] != "secretsmanager" {
		f.t.Errorf("request not signed with the test credentials: %q", auth)
	}
	var in struct {
		SecretID string `json:"SecretId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.t.Errorf("request body: %v", err)
	}
	f.mu.Lock()
	f.calls[in.SecretID]++
	n := f.calls[in.SecretID]
	if len(parts) > 1 {
		f.regions = append(f.regions, parts[1])
	}
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	if f.gather > 0 && f.inFlight == f.gather {
		close(f.all)
	}
	values, errType, raw, hasRaw, gather, hang := f.secrets[in.SecretID], f.errors[in.SecretID], f.raw[in.SecretID], false, f.gather, f.hang
	_, hasRaw = f.raw[in.SecretID]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if hang {
		<-r.Context().Done()
		return
	}
	if gather > 0 {
		select {
		case <-f.all:
		case <-time.After(5 * time.Second):
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch {
	case hasRaw:
		io.WriteString(w, raw)
	case errType != "":
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": errType, "message": "fake " + errType + " for " + in.SecretID})
	case len(values) == 0:
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret."})
	default:
		v := values[min(n, len(values))-1]
		json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretID, "Name": "fake", "SecretString": v, "VersionId": fmt.Sprintf("v%d", n), "CreatedDate": 1.7e9})
	}
}

const (
	arnApp  = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:medbookings/app-AbCdEf"
	arnMail = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:medbookings/mail-GhIjKl"
	arnDB   = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:medbookings/db-app-MnOpQr"
)

const params = "schema=medbookings&connection_limit=1&sslmode=require&sslcert=/opt/medbookings/rds-ca-eu-west-1.pem&sslaccept=strict"

func dbSecret(user, password string) string {
	b, _ := json.Marshal(map[string]any{"engine": "postgres", "username": user, "password": password,
		"host": "medbookings.abc123.eu-west-1.rds.amazonaws.com", "port": 5432, "dbname": "medbookings", "dbInstanceIdentifier": "medbookings"})
	return string(b)
}

// run is one start of the wrapper.
type run struct {
	code           int
	stdout, stderr string
	child          map[string]string // nil when the runtime did not start
	elapsed        time.Duration
}

// startWrapper runs the wrapper (the test binary) like Lambda does, with a
// Lambda-like environment plus env, against the fake server at endpoint.
func startWrapper(t *testing.T, endpoint string, env map[string]string) run {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base := map[string]string{
		roleVar:                            "wrapper",
		"PATH":                             os.Getenv("PATH"),
		"HOME":                             dir,
		"AWS_CONFIG_FILE":                  filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":      filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_REGION":                       "eu-west-1",
		"AWS_ACCESS_KEY_ID":                "AKIDFAKE",
		"AWS_SECRET_ACCESS_KEY":            "fake-secret-key",
		"AWS_SESSION_TOKEN":                "fake-session-token",
		"AWS_LAMBDA_FUNCTION_NAME":         "medbookings-server",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint,
		"LAMBDA_TASK_ROOT":                 "/var/task",
		"_HANDLER":                         "index.handler",
		"AWS_LAMBDA_EXEC_WRAPPER":          "/opt/medbookings/env-wrapper",
	}
	for k, v := range env {
		if v == "<unset>" {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	cmd := exec.Command(self, self, childArg)
	for k, v := range base {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if r.code == 0 {
		if err := json.Unmarshal([]byte(r.stdout), &r.child); err != nil {
			t.Fatalf("runtime output is not its environment: %v\n%s", err, r.stdout)
		}
	}
	return r
}

func TestWrapper(t *testing.T) {
	// every value a fake secret holds: none may reach the wrapper's log
	secretValues := []string{"s3cr3t-auth-value", "g0ogle-client-s3cret", "SG.sendgrid-key", "pa55:w/rd@#?&=+% é", "leaked-if-printed", "unparsed-secret-42"}
	const password = "pa55:w/rd@#?&=+% é"
	wantURL := "postgresql://medbookings_app:pa55%3Aw%2Frd%40%23%3F%26%3D%2B%25%20%C3%A9@medbookings.abc123.eu-west-1.rds.amazonaws.com:5432/medbookings?" + params // secretscan:allow (fake credentials of a test)

	tests := []struct {
		name     string
		secrets  map[string][]string
		errors   map[string]string
		raw      map[string]string
		env      map[string]string
		wantCode int
		wantEnv  map[string]string // "<unset>": must not be set
		wantLog  []string          // substrings of the wrapper's log
	}{
		{
			name: "values and DATABASE_URL land in the runtime's environment",
			secrets: map[string][]string{
				arnApp:  {`{"AUTH_SECRET":"s3cr3t-auth-value","GOOGLE_CLIENT_SECRET":"g0ogle-client-s3cret","TWILIO_AUTH_TOKEN":""}`},
				arnMail: {`{"SENDGRID_API_KEY":"SG.sendgrid-key","SMTP_PORT":587,"MAIL_ENABLED":true,"OPTIONAL":null}`},
				arnDB:   {dbSecret("medbookings_app", password)},
			},
			env: map[string]string{EnvSecrets: arnApp + ", " + arnMail, EnvDatabaseSecret: arnDB, EnvDatabaseURLParams: params,
				"GOOGLE_CLIENT_SECRET": "placeholder", "TWILIO_AUTH_TOKEN": "kept", "APP_ENVIRONMENT": "staging"},
			wantEnv: map[string]string{
				"AUTH_SECRET": "s3cr3t-auth-value", "GOOGLE_CLIENT_SECRET": "g0ogle-client-s3cret", "SENDGRID_API_KEY": "SG.sendgrid-key",
				"SMTP_PORT": "587", "MAIL_ENABLED": "true", "OPTIONAL": "<unset>", "TWILIO_AUTH_TOKEN": "kept",
				"DATABASE_URL": wantURL, "APP_ENVIRONMENT": "staging",
				"_HANDLER": "index.handler", "LAMBDA_TASK_ROOT": "/var/task", "AWS_REGION": "eu-west-1",
			},
			wantLog: []string{"6 variable(s) from 3 secret(s)", "DATABASE_URL", "empty, not set: OPTIONAL, TWILIO_AUTH_TOKEN", "replacing the function's own: GOOGLE_CLIENT_SECRET"},
		},
		{
			name:    "global AWS_ENDPOINT_URL is honoured too",
			secrets: map[string][]string{arnApp: {`{"AUTH_SECRET":"s3cr3t-auth-value"}`}},
			env:     map[string]string{EnvSecrets: arnApp, "AWS_ENDPOINT_URL": "<endpoint>", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "<unset>"},
			wantEnv: map[string]string{"AUTH_SECRET": "s3cr3t-auth-value"},
		},
		{
			name:    "nothing configured: the runtime starts unchanged",
			env:     map[string]string{"APP_ENVIRONMENT": "staging"},
			wantEnv: map[string]string{"APP_ENVIRONMENT": "staging", "DATABASE_URL": "<unset>"},
		},
		{
			name:     "reserved AWS_ key refused",
			secrets:  map[string][]string{arnApp: {`{"AUTH_SECRET":"s3cr3t-auth-value","AWS_SECRET_ACCESS_KEY":"leaked-if-printed"}`}},
			env:      map[string]string{EnvSecrets: arnApp},
			wantCode: 1,
			wantLog:  []string{"secret " + arnApp + ": key AWS_SECRET_ACCESS_KEY is reserved (AWS_*)", "not starting the runtime"},
		},
		{
			name:     "reserved keys refused whatever their case, all reported",
			secrets:  map[string][]string{arnApp: {`{"aws_region":"leaked-if-printed","LAMBDA_TASK_ROOT":"leaked-if-printed","_HANDLER":"leaked-if-printed","NODE_OPTIONS":"leaked-if-printed","MEDBOOKINGS_SECRETS":"leaked-if-printed"}`}},
			env:      map[string]string{EnvSecrets: arnApp},
			wantCode: 1,
			wantLog:  []string{"key aws_region is reserved (AWS_*)", "key LAMBDA_TASK_ROOT is reserved (LAMBDA_*)", "key _HANDLER is reserved", "key NODE_OPTIONS is reserved", "key MEDBOOKINGS_SECRETS is reserved (MEDBOOKINGS_*)"},
		},
		{
			name:     "invalid names refused",
			secrets:  map[string][]string{arnApp: {`{"1ST":"leaked-if-printed","MY-KEY":"leaked-if-printed","":"leaked-if-printed"}`}},
			env:      map[string]string{EnvSecrets: arnApp},
			wantCode: 1,
			wantLog:  []string{`key "1S"… (3 bytes) is not a valid environment variable name`, `key "MY"… (6 bytes) is not`, `key ""… (0 bytes) is not`},
		},
		{
			name: "the same key in two secrets refused",
			secrets: map[string][]string{
				arnApp:  {`{"AUTH_SECRET":"s3cr3t-auth-value","SHARED":"leaked-if-printed"}`},
				arnMail: {`{"SHARED":"SG.sendgrid-key"}`},
			},
			env:      map[string]string{EnvSecrets: arnApp + "," + arnMail},
			wantCode: 1,
			wantLog:  []string{"SHARED is defined by both secret " + arnApp + " and secret " + arnMail},
		},
		{
			name: "DATABASE_URL both in a secret and composed refused",
			secrets: map[string][]string{
				arnApp: {`{"DATABASE_URL":"leaked-if-printed"}`},
				arnDB:  {dbSecret("medbookings_app", password)},
			},
			env:      map[string]string{EnvSecrets: arnApp, EnvDatabaseSecret: arnDB},
			wantCode: 1,
			wantLog:  []string{"DATABASE_URL is defined by both secret " + arnApp + " and secret " + arnDB},
		},
		{
			name:     "a failing secret stops the start and names the ARN",
			secrets:  map[string][]string{arnApp: {`{"AUTH_SECRET":"s3cr3t-auth-value"}`}},
			errors:   map[string]string{arnMail: "AccessDeniedException"},
			env:      map[string]string{EnvSecrets: arnApp + "," + arnMail},
			wantCode: 1,
			wantLog:  []string{"secret " + arnMail + ": AccessDeniedException: fake AccessDeniedException for " + arnMail},
		},
		{
			name:     "a missing secret",
			env:      map[string]string{EnvDatabaseSecret: arnDB},
			wantCode: 1,
			wantLog:  []string{"secret " + arnDB + ": ResourceNotFoundException"},
		},
		{
			name:     "a secret that is not JSON is not quoted",
			secrets:  map[string][]string{arnApp: {`{"AUTH_SECRET":"s3cr3t-auth-value", leaked-if-printed`}},
			env:      map[string]string{EnvSecrets: arnApp},
			wantCode: 1,
			wantLog:  []string{"secret " + arnApp + ": not a JSON object of keys and values"},
		},
		{
			name:     "a nested value is refused by key",
			secrets:  map[string][]string{arnApp: {`{"CONFIG":{"token":"leaked-if-printed"}}`}},
			env:      map[string]string{EnvSecrets: arnApp},
			wantCode: 1,
			wantLog:  []string{"key CONFIG: the value is not a string, number or boolean"},
		},
		{
			name:     "an undecodable response is not quoted",
			raw:      map[string]string{arnApp: `{"ARN":"x","SecretString":"unparsed-secret-42` + "\x01"},
			env:      map[string]string{EnvSecrets: arnApp},
			wantCode: 1,
			wantLog:  []string{"secret " + arnApp + ": the response could not be decoded"},
		},
		{
			name:     "a binary secret",
			raw:      map[string]string{arnApp: `{"ARN":"x","SecretBinary":"bGVha2VkLWlmLXByaW50ZWQ="}`},
			env:      map[string]string{EnvSecrets: arnApp},
			wantCode: 1,
			wantLog:  []string{"has no SecretString"},
		},
		{
			name:     "a database secret without password",
			secrets:  map[string][]string{arnDB: {`{"username":"medbookings_app","host":"h","port":"5432","dbname":"medbookings","engine":"leaked-if-printed"}`}},
			env:      map[string]string{EnvDatabaseSecret: arnDB},
			wantCode: 1,
			wantLog:  []string{"database secret " + arnDB + ": missing or invalid password"},
		},
		{
			name:     "URL parameters without a database secret",
			env:      map[string]string{EnvDatabaseURLParams: params},
			wantCode: 1,
			wantLog:  []string{EnvDatabaseURLParams + " is set but " + EnvDatabaseSecret + " is not"},
		},
		{
			name:     "bad timeout",
			env:      map[string]string{EnvSecrets: arnApp, EnvTimeout: "forever"},
			wantCode: 1,
			wantLog:  []string{EnvTimeout + `="forever"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.locked(func() {
				f.secrets, f.raw = tt.secrets, tt.raw
				if tt.errors != nil {
					f.errors = tt.errors
				}
			})
			env := map[string]string{}
			for k, v := range tt.env {
				if v == "<endpoint>" {
					v = srv.URL
				}
				env[k] = v
			}
			r := startWrapper(t, srv.URL, env)
			if r.code != tt.wantCode {
				t.Fatalf("exit status %d, want %d\nlog:\n%s", r.code, tt.wantCode, r.stderr)
			}
			for _, s := range tt.wantLog {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("log lacks %q:\n%s", s, r.stderr)
				}
			}
			for _, v := range secretValues {
				if strings.Contains(r.stderr, v) || (tt.wantCode != 0 && strings.Contains(r.stdout, v)) {
					t.Errorf("the output shows secret value %q:\nstdout: %s\nstderr: %s", v, r.stdout, r.stderr)
				}
			}
			if tt.wantCode != 0 {
				if r.stdout != "" {
					t.Errorf("the runtime started (stdout %q)", r.stdout)
				}
				return
			}
			for k, want := range tt.wantEnv {
				got, ok := r.child[k]
				switch {
				case want == "<unset>" && ok:
					t.Errorf("%s is set (to %q)", k, got)
				case want != "<unset>" && got != want:
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestDatabaseURLReadBack checks the composed URL with a real PostgreSQL
// URL parser (pgx) for passwords full of special characters.
func TestDatabaseURLReadBack(t *testing.T) {
	tests := []struct{ user, password string }{
		{"medbookings_app", `p@ss:w/rd?#%&=+ é`},
		{"app user", `%25%%20'"\;$!*()[]{}<>|^~` + "`"},
		{"a", "plain"},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			f, srv := newFake(t)
			f.locked(func() { f.secrets[arnDB] = []string{dbSecret(tt.user, tt.password)} })
			r := startWrapper(t, srv.URL, map[string]string{EnvDatabaseSecret: arnDB, EnvDatabaseURLParams: "schema=medbookings&sslmode=require&connect_timeout=5"})
			if r.code != 0 {
				t.Fatalf("exit status %d:\n%s", r.code, r.stderr)
			}
			raw := r.child[DatabaseURLVar]
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := u.User.Password(); u.User.Username() != tt.user || p != tt.password {
				t.Errorf("net/url reads user %q, password %q", u.User.Username(), p)
			}
			cfg, err := pgx.ParseConfig(raw)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.User != tt.user || cfg.Password != tt.password || cfg.Host != "medbookings.abc123.eu-west-1.rds.amazonaws.com" ||
				cfg.Port != 5432 || cfg.Database != "medbookings" || cfg.RuntimeParams["schema"] != "medbookings" {
				t.Errorf("pgx reads user %q, password %q, host %q, port %d, database %q, params %v", cfg.User, cfg.Password, cfg.Host, cfg.Port, cfg.Database, cfg.RuntimeParams)
			}
			if cfg.TLSConfig == nil {
				t.Error("sslmode=require was lost")
			}
		})
	}
}

// TestRotation: each start reads the secret again, so a new execution
// environment after a rotation gets the new password.
func TestRotation(t *testing.T) {
	f, srv := newFake(t)
	f.locked(func() {
		f.secrets[arnDB] = []string{dbSecret("medbookings_app", "old-password"), dbSecret("medbookings_app_clone", "new-password")}
	})
	env := map[string]string{EnvDatabaseSecret: arnDB, EnvDatabaseURLParams: params}
	var urls []string
	for range 2 {
		r := startWrapper(t, srv.URL, env)
		if r.code != 0 {
			t.Fatalf("exit status %d:\n%s", r.code, r.stderr)
		}
		urls = append(urls, r.child[DatabaseURLVar])
	}
	host := "@medbookings.abc123.eu-west-1.rds.amazonaws.com:5432/medbookings?" + params
	want := []string{"postgresql://medbookings_app:old-password" + host, "postgresql://medbookings_app_clone:new-password" + host}
	for i := range want {
		if urls[i] != want[i] {
			t.Errorf("start %d: DATABASE_URL %q, want %q", i+1, urls[i], want[i])
		}
	}
	f.locked(func() {
		if f.calls[arnDB] != 2 {
			t.Errorf("%d reads of the secret in two starts, want 2", f.calls[arnDB])
		}
	})
}

// TestConcurrentAndOnce: all secrets are requested at the same time, each
// once, even when the database secret is also a key/value secret; the
// signing region is the secret's own.
func TestConcurrentAndOnce(t *testing.T) {
	arnOther := "arn:aws:secretsmanager:af-south-1:111122223333:secret:medbookings/other-StUvWx"
	f, srv := newFake(t)
	f.locked(func() {
		f.gather = 4
		f.secrets[arnApp] = []string{`{"A":"1"}`}
		f.secrets[arnMail] = []string{`{"B":"2"}`}
		f.secrets[arnOther] = []string{`{"C":"3"}`}
		f.secrets[arnDB] = []string{dbSecret("u", "p")}
	})
	r := startWrapper(t, srv.URL, map[string]string{EnvSecrets: strings.Join([]string{arnApp, arnMail, arnOther, arnDB}, ","), EnvDatabaseSecret: arnDB})
	if r.code != 0 {
		t.Fatalf("exit status %d:\n%s", r.code, r.stderr)
	}
	var regions string
	f.locked(func() {
		if f.maxInFlight != 4 {
			t.Errorf("at most %d requests at once, want 4", f.maxInFlight)
		}
		for arn, n := range f.calls {
			if n != 1 {
				t.Errorf("%s read %d times", arn, n)
			}
		}
		if len(f.calls) != 4 {
			t.Errorf("%d secrets read, want 4", len(f.calls))
		}
		regions = strings.Join(f.regions, ",")
	})
	if strings.Count(regions, "eu-west-1") != 3 || strings.Count(regions, "af-south-1") != 1 {
		t.Errorf("signing regions %s, want af-south-1 for %s and eu-west-1 for the rest", regions, arnOther)
	}
	for k, v := range map[string]string{"A": "1", "B": "2", "C": "3", "username": "u", "DATABASE_URL": "postgresql://u:p@medbookings.abc123.eu-west-1.rds.amazonaws.com:5432/medbookings"} { // secretscan:allow (fake credentials of a test)
		if r.child[k] != v {
			t.Errorf("%s = %q, want %q", k, r.child[k], v)
		}
	}
}

// TestTimeout: a Secrets Manager that does not answer fails the start
// within the configured bound.
func TestTimeout(t *testing.T) {
	f, srv := newFake(t)
	f.locked(func() { f.hang = true })
	r := startWrapper(t, srv.URL, map[string]string{EnvSecrets: arnApp, EnvTimeout: "300ms"})
	if r.code != 1 || !strings.Contains(r.stderr, "secret "+arnApp+": no answer within the timeout") {
		t.Fatalf("exit status %d, log:\n%s", r.code, r.stderr)
	}
	if r.elapsed > 3*time.Second {
		t.Errorf("took %s with a 300ms timeout", r.elapsed)
	}
}
