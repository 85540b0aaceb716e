package rotation_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/rdsca"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/rotation"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/pgtest"
)

// update is accepted (and unused) so that `go test ./... -update`, which
// refreshes the golden templates elsewhere, runs this package too.
var _ = flag.Bool("update", false, "unused in this package")

// The tests run against a real PostgreSQL 16 server (internal/pgtest) with
// TLS, made to look like a fresh RDS instance; its certificate authority
// stands in for the RDS ones. The certificate names localhost only, so
// that 127.0.0.1 (the same server) is a wrong host name for the function.
// The tests' own connections (srv.DSN) go to 127.0.0.1 and verify the
// chain only.
var srv *pgtest.Server

const (
	masterPassword = "master-password-0123456789"
	// exclude is what the database construct passes: letters and digits
	// only.
	exclude = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{TLS: &pgtest.TLSOptions{Hosts: []string{"localhost"}}}, &srv, pgtest.RDS("master", masterPassword, "medbookings"))
}

// --- database helpers (as in functions/roles) ---

func tryConnect(user, password string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, srv.DSN(user, password, "medbookings"))
}

func connect(t *testing.T, user, password string) *pgx.Conn {
	t.Helper()
	conn, err := tryConnect(user, password)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func canLogIn(user, password string) error {
	conn, err := tryConnect(user, password)
	if err != nil {
		return err
	}
	return conn.Close(context.Background())
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func exec1(t *testing.T, conn *pgx.Conn, stmt string) error {
	t.Helper()
	_, err := conn.Exec(context.Background(), stmt)
	return err
}

func spec(prefix string) roles.Spec {
	return roles.Spec{
		Schema:   prefix + "_schema",
		App:      roles.Role{Name: prefix + "_app", Password: "app-password-" + prefix + "-0123456789"},
		ReadOnly: roles.Role{Name: prefix + "_readonly", Password: "ro-password-" + prefix + "-0123456789"},
	}
}

// ensure runs what the database construct's custom resource runs.
func ensure(t *testing.T, s roles.Spec) []roles.Change {
	t.Helper()
	master := connect(t, "master", masterPassword)
	changes, err := roles.Ensure(context.Background(), master, s)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return changes
}

// verifier is the stored password verifier of a role (nil: none).
func verifier(t *testing.T, role string) *string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.SuperuserDSN("medbookings"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v *string
	if err := conn.QueryRow(ctx, `SELECT rolpassword FROM pg_authid WHERE rolname = $1`, role).Scan(&v); err != nil {
		t.Fatalf("verifier of %s: %v", role, err)
	}
	return v
}

// setByHand sets a role's password as the master user, outside the
// rotation.
func setByHand(t *testing.T, role, password string) {
	t.Helper()
	master := connect(t, "master", masterPassword)
	if err := exec1(t, master, "ALTER ROLE "+pgx.Identifier{role}.Sanitize()+" PASSWORD '"+password+"'"); err != nil {
		t.Fatal(err)
	}
}

// --- the secrets and the rotator ---

type secret struct{ user, password string }

func creds(t *testing.T, value string) secret {
	t.Helper()
	c, err := dbconn.ParseSecret("test", value)
	if err != nil {
		t.Fatal(err)
	}
	return secret{c.Username, c.Password}
}

// secretValue is a user's secret as the database construct makes it
// (DatabaseSecret attached to the instance): port is a number.
func secretValue(host, user, password, masterARN string) string {
	m := map[string]any{
		"engine": "postgres", "host": host, "port": srv.Port, "dbname": "medbookings",
		"username": user, "password": password, "dbInstanceIdentifier": "medbookings-test",
	}
	if masterARN != "" {
		m["masterarn"] = masterARN
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// logBuffer collects the rotator's logs and the errors of its steps, to
// check that no password or secret value shows.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, format+"\n", args...)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is one test's secrets, roles and rotator.
type env struct {
	sm                       *fakeSM
	r                        *rotation.Rotator
	logs                     *logBuffer
	spec                     roles.Spec
	masterARN, appARN, roARN string
}

var setups atomic.Int64

// setup creates the roles (roles.Ensure) and their secrets: the master
// secret as RDS manages it, the application secret with masterarn
// (multi-user) and the read-only one without (single-user).
func setup(t *testing.T, prefix string) *env {
	t.Helper()
	// A new set of roles for each call, so that the tests can run again
	// (-count) against the same server.
	prefix = fmt.Sprintf("%s%d", prefix, setups.Add(1))
	s := spec(prefix)
	ensure(t, s)
	arn := "arn:aws:secretsmanager:eu-west-1:111111111111:secret:" + prefix + "-"
	e := &env{sm: newFakeSM(), logs: &logBuffer{}, spec: s, masterARN: arn + "master", appARN: arn + "app", roARN: arn + "readonly"}
	e.sm.create(e.masterARN, `{"username":"master","password":"`+masterPassword+`"}`, false)
	e.sm.create(e.appARN, secretValue("localhost", s.App.Name, s.App.Password, e.masterARN), true)
	e.sm.create(e.roARN, secretValue("localhost", s.ReadOnly.Name, s.ReadOnly.Password, ""), true)
	e.r = &rotation.Rotator{
		Secrets:     e.sm,
		Roots:       srv.CA.Pool(),
		Settings:    rotation.Settings{ExcludeCharacters: exclude, PasswordLength: 30},
		ConnectWait: 5 * time.Second,
		RetryEvery:  200 * time.Millisecond,
		Logf:        e.logs.printf,
	}
	t.Cleanup(func() { e.checkNoLeak(t) })
	return e
}

// step runs one step, logging its error with the logs.
func (e *env) step(arn, token string, step rotation.Step) error {
	err := e.r.Rotate(context.Background(), arn, token, step)
	if err != nil {
		e.logs.printf("error: %v", err)
	}
	return err
}

// rotate runs a whole rotation as Secrets Manager does, each step times
// times in a row, and returns the new version's token.
func (e *env) rotate(t *testing.T, arn string, times int) string {
	t.Helper()
	token, err := e.sm.startRotation(arn)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range rotation.Steps {
		for i := 0; i < times; i++ {
			if err := e.step(arn, token, st); err != nil {
				t.Fatalf("rotation of %s, %s (run %d): %v", arn, st, i+1, err)
			}
		}
	}
	e.sm.endRotation(arn)
	return token
}

func (e *env) current(t *testing.T, arn string) secret {
	t.Helper()
	return creds(t, e.sm.value(arn, rotation.StageCurrent))
}

// checkNoLeak fails when a password, a verifier or a secret value that
// the test knows shows in the logs or errors.
func (e *env) checkNoLeak(t *testing.T) {
	logs := e.logs.String()
	if strings.Contains(logs, "SCRAM-SHA-256$") {
		t.Errorf("the logs or errors show a password verifier:\n%s", logs)
	}
	secrets := []string{masterPassword, e.spec.App.Password, e.spec.ReadOnly.Password}
	e.sm.mu.Lock()
	for _, s := range e.sm.secrets {
		for _, v := range s.versions {
			if v.value != nil {
				var c struct{ Password string }
				_ = json.Unmarshal([]byte(*v.value), &c)
				secrets = append(secrets, c.Password, *v.value)
			}
		}
	}
	e.sm.mu.Unlock()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the logs or errors show a password or secret value (%d characters)", len(s))
		}
	}
}

var lettersAndDigits = regexp.MustCompile(`^[A-Za-z0-9]{30}$`)

// --- tests ---

func TestSingleUserRotation(t *testing.T) {
	e := setup(t, "single")
	ctx := context.Background()
	before := e.sm.value(e.roARN, rotation.StageCurrent)
	old := creds(t, before)
	oldVersion := e.sm.versionWith(e.roARN, rotation.StageCurrent)

	token := e.rotate(t, e.roARN, 1)

	cur := e.current(t, e.roARN)
	if got := e.sm.versionWith(e.roARN, rotation.StageCurrent); got != token {
		t.Errorf("AWSCURRENT is on version %s; want the rotation's %s", got, token)
	}
	if got := e.sm.versionWith(e.roARN, rotation.StagePrevious); got != oldVersion {
		t.Errorf("AWSPREVIOUS is on version %s; want %s", got, oldVersion)
	}
	if cur.user != old.user || cur.password == old.password || !lettersAndDigits.MatchString(cur.password) {
		t.Errorf("the new secret names %q with a %d-character password (letters and digits only: %v); want %q with a new 30-character one",
			cur.user, len(cur.password), lettersAndDigits.MatchString(cur.password), old.user)
	}
	// Every other key stays as it was.
	var was, is map[string]any
	_ = json.Unmarshal([]byte(before), &was)
	_ = json.Unmarshal([]byte(e.sm.value(e.roARN, rotation.StageCurrent)), &is)
	delete(was, "password")
	delete(is, "password")
	if fmt.Sprint(was) != fmt.Sprint(is) {
		t.Errorf("the secret's other keys changed: %v; want %v", is, was)
	}
	if len(e.sm.excludes) != 1 || e.sm.excludes[0] != exclude {
		t.Errorf("GetRandomPassword excluded %q; want one call excluding %q", e.sm.excludes, exclude)
	}

	// The database has the new password only.
	if err := canLogIn(cur.user, cur.password); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if err := canLogIn(old.user, old.password); sqlState(err) != "28P01" {
		t.Errorf("the old password: %v; want authentication failure (28P01)", err)
	}
	// The role's sessions are still read-only by default.
	ro := connect(t, cur.user, cur.password)
	var readOnly string
	if err := ro.QueryRow(ctx, "SHOW default_transaction_read_only").Scan(&readOnly); err != nil || readOnly != "on" {
		t.Errorf("default_transaction_read_only = %q (%v); want on", readOnly, err)
	}
	// The application secret did not change.
	if got := e.current(t, e.appARN); got != (secret{e.spec.App.Name, e.spec.App.Password}) {
		t.Errorf("the application secret changed to user %q", got.user)
	}

	// A second rotation logs in with the password of the first.
	e.rotate(t, e.roARN, 1)
	again := e.current(t, e.roARN)
	if again.password == cur.password {
		t.Error("the second rotation kept the password")
	}
	if err := canLogIn(again.user, again.password); err != nil {
		t.Errorf("after the second rotation: %v", err)
	}
	if err := canLogIn(cur.user, cur.password); sqlState(err) != "28P01" {
		t.Errorf("the password of the first rotation: %v; want authentication failure (28P01)", err)
	}
}

// TestMultiUserRotation rotates the application secret four times and
// checks what keeps the application alive, through this package's own
// steps (functions/roles' TestMultiUserRotation checks the roles' side:
// the clone acts as the application role).
func TestMultiUserRotation(t *testing.T) {
	e := setup(t, "rot")
	ctx := context.Background()
	s := e.spec
	clone := s.App.Name + roles.CloneSuffix

	app := connect(t, s.App.Name, s.App.Password)
	for _, st := range []string{
		"CREATE TABLE bookings (id serial PRIMARY KEY, note text)",
		"INSERT INTO bookings (note) VALUES ('before any rotation')",
	} {
		if err := exec1(t, app, st); err != nil {
			t.Fatal(err)
		}
	}
	ro := connect(t, s.ReadOnly.Name, s.ReadOnly.Password)
	// A server's pooled connection, opened before the first rotation.
	pooled := app

	cur := e.current(t, e.appARN)
	history := []secret{cur}
	for i := 1; i <= 4; i++ {
		prev := cur
		prevVersion := e.sm.versionWith(e.appARN, rotation.StageCurrent)
		token := e.rotate(t, e.appARN, 1)
		cur = e.current(t, e.appARN)
		history = append(history, cur)
		wantUser := clone
		if i%2 == 0 {
			wantUser = s.App.Name
		}
		if cur.user != wantUser || !lettersAndDigits.MatchString(cur.password) {
			t.Fatalf("rotation %d: the secret names %q (a 30-character letters-and-digits password: %v); want %q",
				i, cur.user, lettersAndDigits.MatchString(cur.password), wantUser)
		}
		if e.sm.versionWith(e.appARN, rotation.StageCurrent) != token || e.sm.versionWith(e.appARN, rotation.StagePrevious) != prevVersion {
			t.Errorf("rotation %d: AWSCURRENT on %s, AWSPREVIOUS on %s; want %s and %s", i,
				e.sm.versionWith(e.appARN, rotation.StageCurrent), e.sm.versionWith(e.appARN, rotation.StagePrevious), token, prevVersion)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(e.sm.value(e.appARN, rotation.StageCurrent)), &v); err != nil ||
			v["masterarn"] != e.masterARN || v["host"] != "localhost" || v["dbname"] != "medbookings" || v["port"] != float64(srv.Port) {
			t.Errorf("rotation %d: the secret's connection keys changed: %v", i, v)
		}

		// A connection opened before the rotation keeps working.
		var n int
		if err := pooled.QueryRow(ctx, "SELECT count(*) FROM bookings").Scan(&n); err != nil {
			t.Errorf("rotation %d: the connection opened before: %v", i, err)
		}
		// The previous secret still logs in (until the next rotation) ...
		if err := canLogIn(prev.user, prev.password); err != nil {
			t.Errorf("rotation %d: the previous secret (%s) no longer logs in: %v", i, prev.user, err)
		}
		// ... and the one before it does not: its user has the new password.
		if i >= 2 {
			old := history[i-2]
			if err := canLogIn(old.user, old.password); sqlState(err) != "28P01" {
				t.Errorf("rotation %d: the secret of two rotations ago (%s): %v; want authentication failure (28P01)", i, old.user, err)
			}
		}

		// A session of the new secret runs as the application role ...
		conn := connect(t, cur.user, cur.password)
		var currentUser, sessionUser, searchPath string
		if err := conn.QueryRow(ctx, "SELECT current_user, session_user, current_setting('search_path')").Scan(&currentUser, &sessionUser, &searchPath); err != nil {
			t.Fatal(err)
		}
		if currentUser != s.App.Name || sessionUser != cur.user || searchPath != s.Schema {
			t.Errorf("rotation %d: current_user=%q session_user=%q search_path=%q; want %q, %q, %q", i, currentUser, sessionUser, searchPath, s.App.Name, cur.user, s.Schema)
		}
		// ... reads and writes the application's tables, alters them (a
		// migration) and creates tables the application role owns ...
		table := fmt.Sprintf("made_after_rotation_%d", i)
		for _, st := range []string{
			"INSERT INTO bookings (note) VALUES ('rotation " + fmt.Sprint(i) + "')",
			"UPDATE bookings SET note = note || '.' WHERE id = 1",
			fmt.Sprintf("ALTER TABLE bookings ADD COLUMN c%d int", i),
			"CREATE TABLE " + table + " (id int)",
			"INSERT INTO " + table + " VALUES (" + fmt.Sprint(i) + ")",
		} {
			if err := exec1(t, conn, st); err != nil {
				t.Errorf("rotation %d, as %s: %s: %v", i, cur.user, st, err)
			}
		}
		var owner string
		if err := conn.QueryRow(ctx, "SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = $2", s.Schema, table).Scan(&owner); err != nil || owner != s.App.Name {
			t.Errorf("rotation %d: %s is owned by %q (%v); want the application role %q", i, table, owner, err, s.App.Name)
		}
		// ... which the read-only role can read (its default privileges).
		if err := ro.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 1 {
			t.Errorf("rotation %d: read-only SELECT from %s: n=%d, %v", i, table, n, err)
		}
		// The application role's own sessions can alter what the clone made.
		if err := exec1(t, pooled, "ALTER TABLE "+table+" ADD COLUMN note text"); err != nil {
			t.Errorf("rotation %d: the application role altering %s: %v", i, table, err)
		}

		// Re-running Ensure, as the custom resource does with the secrets
		// as they are now, changes nothing.
		rs := s
		rs.App.OnClone, rs.App.Password, rs.App.SetPassword = cur.user != s.App.Name, cur.password, false
		if again := ensure(t, rs); len(again) != 0 {
			t.Errorf("rotation %d: Ensure changed %q; want no change", i, again)
		}
	}
	// The master secret was read, never written; the read-only secret was
	// left alone.
	if n := e.sm.count("PutSecretValue " + e.masterARN); n != 0 {
		t.Errorf("the master secret was written %d times", n)
	}
	if got := e.current(t, e.roARN); got != (secret{s.ReadOnly.Name, s.ReadOnly.Password}) {
		t.Errorf("the read-only secret changed")
	}
}

// TestStepsAreIdempotent runs each step twice in a row, as Secrets Manager
// may after a failure or a timeout, for both strategies.
func TestStepsAreIdempotent(t *testing.T) {
	e := setup(t, "retry")
	for _, c := range []struct {
		name, arn   string
		pendingUser string
	}{
		{"single-user", e.roARN, e.spec.ReadOnly.Name},
		{"multi-user", e.appARN, e.spec.App.Name + roles.CloneSuffix},
	} {
		t.Run(c.name, func(t *testing.T) {
			token, err := e.sm.startRotation(c.arn)
			if err != nil {
				t.Fatal(err)
			}
			run := func(st rotation.Step) {
				t.Helper()
				if err := e.step(c.arn, token, st); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			passwords := e.sm.count("GetRandomPassword")
			run(rotation.StepCreate)
			pending := e.sm.value(c.arn, rotation.StagePending)
			run(rotation.StepCreate)
			if e.sm.value(c.arn, rotation.StagePending) != pending || e.sm.count("GetRandomPassword") != passwords+1 {
				t.Errorf("a second createSecret changed the pending value or generated another password")
			}
			if got := creds(t, pending).user; got != c.pendingUser {
				t.Errorf("the pending secret names %q; want %q", got, c.pendingUser)
			}

			run(rotation.StepSet)
			v := verifier(t, c.pendingUser)
			masterReads := e.sm.count("GetSecretValue " + e.masterARN)
			run(rotation.StepSet)
			if w := verifier(t, c.pendingUser); v == nil || w == nil || *v != *w {
				t.Errorf("a second setSecret set the password again")
			}
			if n := e.sm.count("GetSecretValue " + e.masterARN); n != masterReads {
				t.Errorf("a second setSecret read the master secret")
			}

			run(rotation.StepTest)
			run(rotation.StepTest)

			run(rotation.StepFinish)
			writes := e.sm.writeCount()
			run(rotation.StepFinish)
			if e.sm.writeCount() != writes || e.sm.versionWith(c.arn, rotation.StageCurrent) != token {
				t.Errorf("a second finishSecret changed the labels")
			}
			e.sm.endRotation(c.arn)

			// Any step again with the token, now AWSCURRENT, does nothing.
			for _, st := range rotation.Steps {
				run(st)
			}
			if e.sm.writeCount() != writes || e.sm.value(c.arn, rotation.StageCurrent) != pending {
				t.Errorf("steps after the rotation changed the secret")
			}
			cur := e.current(t, c.arn)
			if err := canLogIn(cur.user, cur.password); err != nil {
				t.Errorf("the new secret: %v", err)
			}
		})
	}
}

// TestStepsRecoverFromFailures fails each step once, between its API
// calls, and runs it again.
func TestStepsRecoverFromFailures(t *testing.T) {
	e := setup(t, "recover")
	token, err := e.sm.startRotation(e.appARN)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("ThrottlingException: rate exceeded")
	for _, c := range []struct {
		step rotation.Step
		fail string
	}{
		{rotation.StepCreate, "PutSecretValue " + e.appARN},
		{rotation.StepSet, "GetSecretValue " + e.masterARN},
		{rotation.StepTest, "GetSecretValue " + e.appARN},
		{rotation.StepFinish, "UpdateSecretVersionStage " + e.appARN},
	} {
		e.sm.fail[c.fail] = boom
		if err := e.step(e.appARN, token, c.step); !errors.Is(err, boom) {
			t.Errorf("%s with %s failing: %v; want that error", c.step, c.fail, err)
		}
		if err := e.step(e.appARN, token, c.step); err != nil {
			t.Fatalf("%s again: %v", c.step, err)
		}
	}
	e.sm.endRotation(e.appARN)
	cur := e.current(t, e.appARN)
	if err := canLogIn(cur.user, cur.password); err != nil || cur.user != e.spec.App.Name+roles.CloneSuffix {
		t.Errorf("after the rotation: %s: %v", cur.user, err)
	}
}

func TestTokenNotPending(t *testing.T) {
	e := setup(t, "notpend")
	e.rotate(t, e.roARN, 1)
	previous := e.sm.versionWith(e.roARN, rotation.StagePrevious)
	writes := e.sm.writeCount()
	for _, c := range []struct{ name, token, want string }{
		{"unknown token", "no-such-version", "has no stage for rotation"},
		{"the AWSPREVIOUS version", previous, "is not AWSPENDING"},
	} {
		for _, st := range rotation.Steps {
			if err := e.step(e.roARN, c.token, st); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: %v; want an error containing %q", c.name, st, err, c.want)
			}
		}
	}
	if e.sm.writeCount() != writes {
		t.Error("a refused step wrote to Secrets Manager")
	}
}

func TestTokenAlreadyCurrent(t *testing.T) {
	sm := newFakeSM()
	current := sm.create("arn:app", secretValue("localhost", "x_app", "app-password-0123456789", "arn:master"), true)
	// No certificate authorities: a step that connected would fail.
	r := &rotation.Rotator{Secrets: sm, Settings: rotation.Settings{ExcludeCharacters: exclude}}
	for _, st := range rotation.Steps {
		if err := r.Rotate(context.Background(), "arn:app", current, st); err != nil {
			t.Errorf("%s with the AWSCURRENT version: %v; want nothing done", st, err)
		}
	}
	if sm.writeCount() != 0 || sm.count("GetSecretValue arn:app") != 0 || sm.count("GetRandomPassword") != 0 {
		t.Errorf("steps on the AWSCURRENT version made calls: %v", sm.calls)
	}
}

func TestRotationDisabledAndBadEvents(t *testing.T) {
	sm := newFakeSM()
	sm.create("arn:off", secretValue("localhost", "u", "password-0123456789", ""), false)
	token, err := sm.startRotation("arn:off")
	if err != nil {
		t.Fatal(err)
	}
	r := &rotation.Rotator{Secrets: sm, Roots: srv.CA.Pool()}
	ctx := context.Background()
	if err := r.Rotate(ctx, "arn:off", token, rotation.StepCreate); err == nil || !strings.Contains(err.Error(), "not enabled for rotation") {
		t.Errorf("rotation disabled: %v; want an error", err)
	}
	if err := r.Rotate(ctx, "arn:off", token, "rotateSecret"); err == nil || !strings.Contains(err.Error(), "invalid step") {
		t.Errorf("an unknown step: %v; want an error", err)
	}
	if err := r.Rotate(ctx, "", token, rotation.StepCreate); err == nil {
		t.Error("no secret id: want an error")
	}
	if err := r.Rotate(ctx, "arn:none", "t", rotation.StepCreate); err == nil || !errors.Is(err, rotation.ErrNotFound) {
		t.Errorf("an unknown secret: %v; want not found", err)
	}
	if sm.writeCount() != 0 {
		t.Error("a refused event wrote to Secrets Manager")
	}
}

// TestSetSecretWhenTheDatabaseHasThePendingPassword: setSecret sets
// nothing when the pending password works already (someone set it, or a
// setSecret that timed out after the ALTER ROLE).
func TestSetSecretWhenTheDatabaseHasThePendingPassword(t *testing.T) {
	e := setup(t, "preset")
	for _, c := range []struct{ name, arn string }{{"single-user", e.roARN}, {"multi-user", e.appARN}} {
		t.Run(c.name, func(t *testing.T) {
			token, err := e.sm.startRotation(c.arn)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.step(c.arn, token, rotation.StepCreate); err != nil {
				t.Fatal(err)
			}
			pending := creds(t, e.sm.value(c.arn, rotation.StagePending))
			setByHand(t, pending.user, pending.password)
			v := verifier(t, pending.user)
			masterReads := e.sm.count("GetSecretValue " + e.masterARN)
			for _, st := range rotation.Steps[1:] {
				if err := e.step(c.arn, token, st); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			e.sm.endRotation(c.arn)
			if w := verifier(t, pending.user); *w != *v {
				t.Error("setSecret set the password again")
			}
			if e.sm.count("GetSecretValue "+e.masterARN) != masterReads {
				t.Error("setSecret read the master secret")
			}
			if !strings.Contains(e.logs.String(), "works already") {
				t.Errorf("the logs do not say the password worked already:\n%s", e.logs)
			}
		})
	}
}

// TestCertificateVerified: a server whose certificate the function's
// authorities did not issue, or that is not valid for the secret's host
// name, gets no password.
func TestCertificateVerified(t *testing.T) {
	other, err := pgtest.NewCA("unrelated")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		name   string
		secret string // "app" or "readonly"
		roots  *x509.CertPool
		host   string
		is     func(error) bool
	}{
		{"an unrelated CA, multi-user", "app", other.Pool(), "localhost",
			func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{"the RDS CAs, single-user", "readonly", rdsca.Pool(), "localhost",
			func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{"a host name the certificate does not have, single-user", "readonly", nil, "127.0.0.1",
			func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
		{"a host name the certificate does not have, multi-user", "app", nil, "127.0.0.1",
			func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := setup(t, fmt.Sprintf("cert%d", i))
			if c.roots != nil {
				e.r.Roots = c.roots
			}
			arn, user := e.appARN, e.spec.App.Name
			if c.secret == "readonly" {
				arn, user = e.roARN, e.spec.ReadOnly.Name
			}
			cur := e.current(t, arn)
			e.sm.setValue(arn, rotation.StageCurrent, secretValue(c.host, cur.user, cur.password, map[bool]string{true: e.masterARN}[c.secret == "app"]))
			token, err := e.sm.startRotation(arn)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.step(arn, token, rotation.StepCreate); err != nil {
				t.Fatal(err)
			}
			pending := creds(t, e.sm.value(arn, rotation.StagePending))
			start := time.Now()
			for _, st := range []rotation.Step{rotation.StepSet, rotation.StepTest} {
				err := e.step(arn, token, st)
				if err == nil || !c.is(err) {
					t.Errorf("%s: %v; want a certificate error", st, err)
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("certificate errors were retried for %s; want no retry", d)
			}
			if err := canLogIn(pending.user, pending.password); sqlState(err) != "28P01" {
				t.Errorf("the pending password: %v; want it not set (28P01)", err)
			}
			if err := canLogIn(cur.user, cur.password); err != nil || cur.user != user {
				t.Errorf("the current password of %s: %v", cur.user, err)
			}
			if e.sm.versionWith(arn, rotation.StageCurrent) == token {
				t.Error("the rotation finished")
			}
		})
	}
}

// TestCurrentSecretMustLogIn: the function only acts for a secret that
// already gives access (AWS's protection against a confused deputy).
func TestCurrentSecretMustLogIn(t *testing.T) {
	e := setup(t, "deputy")
	for _, c := range []struct{ name, arn, want string }{
		{"multi-user", e.appARN, `the AWSCURRENT secret (user "` + e.spec.App.Name + `") does not log in`},
		{"single-user", e.roARN, "there is no AWSPREVIOUS version"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cur := e.current(t, c.arn)
			masterARN := ""
			if c.arn == e.appARN {
				masterARN = e.masterARN
			}
			e.sm.setValue(c.arn, rotation.StageCurrent, secretValue("localhost", cur.user, "not-the-password-0123456789", masterARN))
			token, err := e.sm.startRotation(c.arn)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.step(c.arn, token, rotation.StepCreate); err != nil {
				t.Fatal(err)
			}
			pending := creds(t, e.sm.value(c.arn, rotation.StagePending))
			masterReads := e.sm.count("GetSecretValue " + e.masterARN)
			if err := e.step(c.arn, token, rotation.StepSet); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("setSecret: %v; want an error containing %q", err, c.want)
			}
			if e.sm.count("GetSecretValue "+e.masterARN) != masterReads {
				t.Error("setSecret read the master secret")
			}
			if err := canLogIn(pending.user, pending.password); sqlState(err) != "28P01" {
				t.Errorf("the pending password: %v; want it not set", err)
			}
		})
	}
}

// TestSingleUserFallsBackToPrevious: when the database still has the
// AWSPREVIOUS password (the current one never reached it), setSecret logs
// in with that.
func TestSingleUserFallsBackToPrevious(t *testing.T) {
	e := setup(t, "fallback")
	e.rotate(t, e.roARN, 1)
	previous := creds(t, e.sm.value(e.roARN, rotation.StagePrevious))
	setByHand(t, previous.user, previous.password)

	e.rotate(t, e.roARN, 1)
	cur := e.current(t, e.roARN)
	if err := canLogIn(cur.user, cur.password); err != nil {
		t.Errorf("after the rotation: %v", err)
	}
	if !strings.Contains(e.logs.String(), "trying the AWSPREVIOUS one") {
		t.Errorf("the logs do not mention the fallback:\n%s", e.logs)
	}
}

// TestMultiUserNeedsTheClone: the rotation never creates the clone or
// grants it anything; it fails with a clear error instead.
func TestMultiUserNeedsTheClone(t *testing.T) {
	master := connect(t, "master", masterPassword)
	for _, st := range []string{
		"DROP ROLE IF EXISTS noclone_app, nomember_app, nomember_app_clone, nologin_app, nologin_app_clone, noclone_app_clone",
		"CREATE ROLE noclone_app LOGIN PASSWORD 'noclone-password-0123456789'",
		"CREATE ROLE nomember_app LOGIN PASSWORD 'nomember-password-0123456789'",
		"CREATE ROLE nomember_app_clone LOGIN",
		"CREATE ROLE nologin_app LOGIN PASSWORD 'nologin-password-0123456789'",
		"CREATE ROLE nologin_app_clone NOLOGIN",
		"GRANT nologin_app TO nologin_app_clone WITH INHERIT TRUE, SET TRUE",
	} {
		if err := exec1(t, master, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	for _, c := range []struct{ app, want string }{
		{"noclone_app", `role "noclone_app_clone" does not exist`},
		{"nomember_app", `role "nomember_app_clone" is not a member of "nomember_app"`},
		{"nologin_app", `role "nologin_app_clone" cannot log in`},
	} {
		t.Run(c.app, func(t *testing.T) {
			sm := newFakeSM()
			sm.create("arn:master", `{"username":"master","password":"`+masterPassword+`"}`, false)
			sm.create("arn:app", secretValue("localhost", c.app, strings.TrimSuffix(c.app, "_app")+"-password-0123456789", "arn:master"), true)
			r := &rotation.Rotator{Secrets: sm, Roots: srv.CA.Pool(), Settings: rotation.Settings{ExcludeCharacters: exclude}, ConnectWait: 5 * time.Second}
			token, err := sm.startRotation("arn:app")
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := r.Rotate(ctx, "arn:app", token, rotation.StepCreate); err != nil {
				t.Fatal(err)
			}
			err = r.Rotate(ctx, "arn:app", token, rotation.StepSet)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "roles.Ensure") {
				t.Errorf("setSecret: %v; want an error containing %q that points to roles.Ensure", err, c.want)
			}
			var cloneExists, member bool
			if err := master.QueryRow(ctx, `SELECT to_regrole($1) IS NOT NULL, pg_has_role($1, $2, 'MEMBER')`, c.app+"_clone", c.app).Scan(&cloneExists, &member); err != nil && !strings.Contains(err.Error(), "does not exist") {
				t.Fatal(err)
			}
			if c.app == "noclone_app" && cloneExists {
				t.Error("the rotation created the clone")
			}
			if c.app == "nomember_app" && member {
				t.Error("the rotation granted the application role to the clone")
			}
		})
	}
}

// TestPendingSecretMustMatch: setSecret refuses a pending secret for
// another user or database than the strategy allows.
func TestPendingSecretMustMatch(t *testing.T) {
	e := setup(t, "match")
	for _, c := range []struct {
		name, arn, value, want string
	}{
		{"single-user, another user", e.roARN, secretValue("localhost", "master", "pending-password-0123456789", ""), `names user "master"`},
		{"multi-user, not the clone", e.appARN, secretValue("localhost", e.spec.App.Name, "pending-password-0123456789", e.masterARN), `names user "` + e.spec.App.Name + `"`},
		{"multi-user, another host", e.appARN, secretValue("db.example", e.spec.App.Name+"_clone", "pending-password-0123456789", e.masterARN), "is for db.example"},
		{"multi-user, another master secret", e.appARN, secretValue("localhost", e.spec.App.Name+"_clone", "pending-password-0123456789", "arn:other"), "another master secret"},
	} {
		t.Run(c.name, func(t *testing.T) {
			token, err := e.sm.startRotation(c.arn)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.sm.PutSecretValue(context.Background(), c.arn, token, c.value, []string{rotation.StagePending}); err != nil {
				t.Fatal(err)
			}
			if err := e.step(c.arn, token, rotation.StepSet); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("setSecret: %v; want an error containing %q", err, c.want)
			}
			// Leave no rotation in progress for the next case.
			if err := e.sm.UpdateSecretVersionStage(context.Background(), c.arn, rotation.StagePending, "", token); err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := canLogIn("master", masterPassword); err != nil {
		t.Errorf("the master user: %v", err)
	}
}

func TestStrategySetting(t *testing.T) {
	e := setup(t, "strategy")
	for _, c := range []struct {
		strategy rotation.Strategy
		arn      string
		want     string
	}{
		{rotation.SingleUser, e.appARN, "has a masterarn (multi-user strategy) but the function rotates single-user secrets only"},
		{rotation.MultiUser, e.roARN, "has no masterarn (single-user strategy) but the function rotates multi-user secrets only"},
	} {
		e.r.Strategy = c.strategy
		token, err := e.sm.startRotation(c.arn)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.step(c.arn, token, rotation.StepCreate); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s function, createSecret: %v; want an error containing %q", c.strategy, err, c.want)
		}
	}
	if e.sm.writeCount() != 0 {
		t.Error("a refused secret was written")
	}
}

func TestBadSecrets(t *testing.T) {
	const password = "the-password-0123456789"
	for _, c := range []struct{ name, value, want string }{
		{"not JSON", "the-password-0123456789", "has no username and password"},
		{"no password", `{"engine":"postgres","host":"h","username":"u"}`, "has no username and password"},
		{"no host", `{"engine":"postgres","username":"u","password":"` + password + `"}`, "has no host"},
		{"another engine", `{"engine":"mysql","host":"h","username":"u","password":"` + password + `"}`, `engine "mysql"`},
		{"a bad port", `{"engine":"postgres","host":"h","port":"54x","username":"u","password":"` + password + `"}`, "port is not a TCP port"},
		{"host not a string", `{"engine":"postgres","host":5,"username":"u","password":"` + password + `"}`, "host is not a string"},
		{"a clone name too long", `{"engine":"postgres","host":"h","username":"` + strings.Repeat("a", 58) + `","password":"` + password + `","masterarn":"arn:m"}`, "exceed 63 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sm := newFakeSM()
			sm.create("arn:s", c.value, true)
			token, err := sm.startRotation("arn:s")
			if err != nil {
				t.Fatal(err)
			}
			r := &rotation.Rotator{Secrets: sm, Roots: srv.CA.Pool()}
			err = r.Rotate(context.Background(), "arn:s", token, rotation.StepCreate)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("createSecret: %v; want an error containing %q", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
			if sm.writeCount() != 0 {
				t.Error("a bad secret was written")
			}
		})
	}
	// A port as a string is fine.
	sm := newFakeSM()
	sm.create("arn:s", `{"engine":"postgres","host":"h","port":"5432","username":"u","password":"`+password+`"}`, true)
	token, _ := sm.startRotation("arn:s")
	r := &rotation.Rotator{Secrets: sm, Settings: rotation.Settings{ExcludeCharacters: exclude}}
	if err := r.Rotate(context.Background(), "arn:s", token, rotation.StepCreate); err != nil {
		t.Errorf("a port as a string: %v", err)
	}
}

func TestGeneratedPasswordChecked(t *testing.T) {
	sm := newFakeSM()
	sm.create("arn:s", secretValue("localhost", "u", "password-0123456789", ""), true)
	token, _ := sm.startRotation("arn:s")
	// The fake honours the exclusions; a function that asked for longer
	// passwords than it checks for must refuse what it gets.
	r := &rotation.Rotator{Secrets: lengthLiar{sm}, Settings: rotation.Settings{ExcludeCharacters: exclude}}
	if err := r.Rotate(context.Background(), "arn:s", token, rotation.StepCreate); err == nil || !strings.Contains(err.Error(), "want 30") {
		t.Errorf("createSecret with a password of the wrong length: %v; want an error", err)
	}
	if sm.writeCount() != 0 {
		t.Error("the password was stored")
	}
}

// lengthLiar returns passwords one character longer than asked for.
type lengthLiar struct{ *fakeSM }

func (l lengthLiar) GetRandomPassword(ctx context.Context, length int, exclude string) (string, error) {
	return l.fakeSM.GetRandomPassword(ctx, length+1, exclude)
}

func TestAlternateUser(t *testing.T) {
	for _, c := range []struct{ user, want string }{
		{"medbookings_app", "medbookings_app_clone"},
		{"medbookings_app_clone", "medbookings_app"},
		{"_clone", ""},
		{strings.Repeat("a", 58), ""},
	} {
		got, err := rotation.AlternateUser(c.user)
		if (c.want == "") != (err != nil) || got != c.want {
			t.Errorf("AlternateUser(%q) = %q, %v; want %q", c.user, got, err, c.want)
		}
	}
}

func TestSettingsFromEnv(t *testing.T) {
	for _, c := range []struct {
		name    string
		env     map[string]string
		want    rotation.Settings
		wantErr bool
	}{
		{"defaults", nil, rotation.Settings{ExcludeCharacters: `:/@"'\`, PasswordLength: 30}, false},
		{"the construct's", map[string]string{"EXCLUDE_CHARACTERS": exclude, "ROTATION_STRATEGY": "multi-user"},
			rotation.Settings{ExcludeCharacters: exclude, PasswordLength: 30, Strategy: rotation.MultiUser}, false},
		{"empty exclusions", map[string]string{"EXCLUDE_CHARACTERS": ""}, rotation.Settings{PasswordLength: 30}, false},
		{"a length", map[string]string{"PASSWORD_LENGTH": "40"}, rotation.Settings{ExcludeCharacters: `:/@"'\`, PasswordLength: 40}, false},
		{"a length too short", map[string]string{"PASSWORD_LENGTH": "8"}, rotation.Settings{}, true},
		{"a length not a number", map[string]string{"PASSWORD_LENGTH": "long"}, rotation.Settings{}, true},
		{"an unknown strategy", map[string]string{"ROTATION_STRATEGY": "alternating"}, rotation.Settings{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := rotation.SettingsFromEnv(func(k string) (string, bool) { v, ok := c.env[k]; return v, ok })
			if (err != nil) != c.wantErr || (!c.wantErr && got != c.want) {
				t.Errorf("SettingsFromEnv = %+v, %v; want %+v (error %v)", got, err, c.want, c.wantErr)
			}
		})
	}
}
