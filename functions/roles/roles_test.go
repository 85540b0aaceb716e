package roles_test

import (
	"context"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/pgtest"
)

// update is accepted (and unused) so that `go test ./... -update`, which
// refreshes the golden templates elsewhere, runs this package too.
var _ = flag.Bool("update", false, "unused in this package")

// The tests run against a real PostgreSQL 16 server (internal/pgtest) that
// TestMain starts, made to look like a fresh RDS instance.

const masterPassword = "master-password-0123456789"

var srv *pgtest.Server

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{}, &srv, pgtest.RDS("master", masterPassword, "medbookings"))
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

func tryConnect(user, password string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, srv.DSN(user, password, "medbookings"))
}

func spec(prefix string) roles.Spec {
	return roles.Spec{
		Schema:   prefix + "_schema",
		App:      roles.Role{Name: prefix + "_app", Password: "app-password-" + prefix + "-0123456789"},
		ReadOnly: roles.Role{Name: prefix + "_readonly", Password: "ro-password-" + prefix + "-0123456789"},
	}
}

func ensure(t *testing.T, s roles.Spec) []roles.Change {
	t.Helper()
	master := connect(t, "master", masterPassword)
	changes, err := roles.Ensure(context.Background(), master, s)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return changes
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

func TestEnsureCreatesThenReRunChangesNothing(t *testing.T) {
	s := spec("idem")

	// GIVEN a fresh database WHEN Ensure runs THEN it creates everything.
	first := ensure(t, s)
	for _, want := range []string{
		`CREATE ROLE "idem_app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '***'`,
		`CREATE ROLE "idem_readonly" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '***'`,
		`CREATE SCHEMA "idem_schema" AUTHORIZATION "idem_app"`,
		`ALTER DEFAULT PRIVILEGES FOR ROLE "idem_app" IN SCHEMA "idem_schema" GRANT SELECT ON TABLES TO "idem_readonly"`,
		`ALTER ROLE "idem_readonly" SET default_transaction_read_only = on`,
		`CREATE ROLE "idem_app_clone" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION`,
		`GRANT "idem_app" TO "idem_app_clone" WITH INHERIT TRUE, SET TRUE`,
		`ALTER ROLE "idem_app_clone" SET role = 'idem_app'`,
	} {
		if !slices.Contains(first, roles.Change(want)) {
			t.Errorf("first run: missing change %q in %q", want, first)
		}
	}
	for _, c := range first {
		if strings.Contains(string(c), "SCRAM") {
			t.Errorf("a change leaks the password verifier: %q", c)
		}
	}

	// WHEN it runs again with the same spec THEN nothing changes.
	if again := ensure(t, s); len(again) != 0 {
		t.Errorf("second run changed %q; want no change", again)
	}
	// ... also after the application created tables (the grant to the
	// read-only role covers them through the default privileges).
	app := connect(t, s.App.Name, s.App.Password)
	if err := exec1(t, app, "CREATE TABLE later (id int)"); err != nil {
		t.Fatal(err)
	}
	if again := ensure(t, s); len(again) != 0 {
		t.Errorf("run after a new table changed %q; want no change", again)
	}
}

func TestPrivilegesGrantedAndDenied(t *testing.T) {
	s := spec("priv")
	ensure(t, s)
	ctx := context.Background()

	app := connect(t, s.App.Name, s.App.Password)
	// The application role owns its schema: it can create, alter and drop
	// tables there (what `prisma migrate deploy` does), unqualified thanks
	// to its search_path.
	for _, stmt := range []string{
		"CREATE TABLE bookings (id serial PRIMARY KEY, note text)",
		"ALTER TABLE bookings ADD COLUMN at timestamptz",
		"INSERT INTO bookings (note) VALUES ('first')",
		"CREATE TABLE scratch (id int)",
		"DROP TABLE scratch",
	} {
		if err := exec1(t, app, stmt); err != nil {
			t.Errorf("application role: %s: %v", stmt, err)
		}
	}
	var owner string
	if err := app.QueryRow(ctx, "SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'bookings'", s.Schema).Scan(&owner); err != nil || owner != s.App.Name {
		t.Errorf("bookings owner = %q (%v); want %q", owner, err, s.App.Name)
	}
	// The application role cannot create roles or databases.
	if err := exec1(t, app, "CREATE ROLE sneaky"); sqlState(err) != "42501" {
		t.Errorf("application role CREATE ROLE: got %v; want permission denied (42501)", err)
	}

	ro := connect(t, s.ReadOnly.Name, s.ReadOnly.Password)
	// SELECT works on a table the application created after Ensure ran.
	var n int
	if err := ro.QueryRow(ctx, "SELECT count(*) FROM bookings").Scan(&n); err != nil || n != 1 {
		t.Errorf("read-only SELECT: n=%d err=%v; want 1 row", n, err)
	}
	// Its sessions are read-only by default ...
	if err := exec1(t, ro, "INSERT INTO bookings (note) VALUES ('x')"); sqlState(err) != "25006" {
		t.Errorf("read-only INSERT in a default session: got %v; want read-only transaction (25006)", err)
	}
	// ... and even when it turns that off, it has no write privilege.
	if err := exec1(t, ro, "SET default_transaction_read_only = off"); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"INSERT INTO bookings (note) VALUES ('x')",
		"UPDATE bookings SET note = 'y'",
		"DELETE FROM bookings",
		"TRUNCATE bookings",
		"CREATE TABLE mine (id int)",
		"CREATE TABLE public.mine (id int)",
		"ALTER TABLE bookings ADD COLUMN evil text",
	} {
		if err := exec1(t, ro, stmt); sqlState(err) != "42501" {
			t.Errorf("read-only role: %s: got %v; want permission denied (42501)", stmt, err)
		}
	}
	// A table created after a re-run, in a new session, is readable as well.
	if err := exec1(t, app, "CREATE TABLE invoices (id int)"); err != nil {
		t.Fatal(err)
	}
	if err := ro.QueryRow(ctx, "SELECT count(*) FROM invoices").Scan(&n); err != nil {
		t.Errorf("read-only SELECT on a later table: %v", err)
	}
}

func TestPasswordChange(t *testing.T) {
	s := spec("pw")
	ensure(t, s)
	old := s.App.Password

	// Without SetPassword an existing role keeps its password.
	s.App.Password = "new-app-password-0123456789"
	if changes := ensure(t, s); len(changes) != 0 {
		t.Errorf("changed %q without SetPassword; want nothing", changes)
	}
	if _, err := tryConnect(s.App.Name, s.App.Password); sqlState(err) != "28P01" {
		t.Errorf("new password before SetPassword: got %v; want authentication failure (28P01)", err)
	}

	s.App.SetPassword = true
	changes := ensure(t, s)
	if want := []roles.Change{`ALTER ROLE "pw_app" PASSWORD '***'`}; !slices.Equal(changes, want) {
		t.Errorf("changes = %q; want %q", changes, want)
	}
	connect(t, s.App.Name, s.App.Password)
	if _, err := tryConnect(s.App.Name, old); sqlState(err) != "28P01" {
		t.Errorf("old password after the change: got %v; want authentication failure (28P01)", err)
	}
	// The read-only role was not touched.
	connect(t, s.ReadOnly.Name, s.ReadOnly.Password)
}

func TestRepairsDrift(t *testing.T) {
	s := spec("drift")
	ensure(t, s)
	master := connect(t, "master", masterPassword)
	for _, stmt := range []string{
		`ALTER ROLE drift_readonly NOLOGIN`,
		`ALTER DEFAULT PRIVILEGES FOR ROLE drift_app IN SCHEMA drift_schema REVOKE SELECT ON TABLES FROM drift_readonly`,
		`ALTER ROLE drift_readonly RESET default_transaction_read_only`,
	} {
		if err := exec1(t, master, stmt); err != nil {
			t.Fatal(err)
		}
	}
	changes := ensure(t, s)
	if len(changes) != 3 {
		t.Errorf("repair changed %q; want exactly the 3 drifted items", changes)
	}
	if again := ensure(t, s); len(again) != 0 {
		t.Errorf("after repair: changed %q", again)
	}
}

func TestBadInputRefused(t *testing.T) {
	master := connect(t, "master", masterPassword)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := master.QueryRow(ctx, "SELECT count(*) FROM pg_roles").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	good := spec("bad")
	cases := map[string]func(s *roles.Spec){
		"injection in role name":   func(s *roles.Spec) { s.App.Name = `x"; DROP ROLE master; --` },
		"quote in role name":       func(s *roles.Spec) { s.ReadOnly.Name = "ro'--" },
		"upper case":               func(s *roles.Spec) { s.App.Name = "MedBookings" },
		"empty name":               func(s *roles.Spec) { s.App.Name = "" },
		"too long":                 func(s *roles.Spec) { s.App.Name = strings.Repeat("a", 64) },
		"system prefix":            func(s *roles.Spec) { s.ReadOnly.Name = "pg_read_all_data" },
		"rds prefix":               func(s *roles.Spec) { s.App.Name = "rds_superuser" },
		"reserved":                 func(s *roles.Spec) { s.App.Name = "postgres" },
		"schema public":            func(s *roles.Spec) { s.Schema = "public" },
		"schema injection":         func(s *roles.Spec) { s.Schema = "s; DROP SCHEMA public" },
		"same names":               func(s *roles.Spec) { s.ReadOnly.Name = s.App.Name },
		"short password":           func(s *roles.Spec) { s.App.Password = "short" },
		"NUL in password":          func(s *roles.Spec) { s.ReadOnly.Password = "0123456789abcdef\x00x" },
		"existing superuser taken": func(s *roles.Spec) { s.App.Name = "master_su" },
	}
	if err := exec1(t, connectSuper(t), "CREATE ROLE master_su SUPERUSER"); err != nil {
		t.Fatal(err)
	}
	before++
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			s := good
			mutate(&s)
			changes, err := roles.Ensure(ctx, master, s)
			if err == nil {
				t.Fatalf("Ensure accepted %+v (changes %q)", s, changes)
			}
			if strings.Contains(err.Error(), "SCRAM") {
				t.Errorf("error leaks a verifier: %v", err)
			}
		})
	}
	if after := count(); after != before {
		t.Errorf("bad input created roles: %d roles before, %d after", before, after)
	}
	// A quoted password is stored safely (the verifier never contains it).
	s := spec("quote")
	s.App.Password = `it's a "password"; DROP ROLE master; --`
	ensure(t, s)
	connect(t, s.App.Name, s.App.Password)
}

func connectSuper(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), srv.SuperuserDSN("medbookings"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestScramVerifierFormat(t *testing.T) {
	v, err := roles.ScramVerifier("secret-password-0123")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") || strings.Contains(v, "secret") || strings.ContainsAny(v, `'\`) {
		t.Errorf("verifier %q is not a SCRAM-SHA-256 verifier", v)
	}
	w, _ := roles.ScramVerifier("secret-password-0123")
	if v == w {
		t.Error("two verifiers of the same password share a salt")
	}
}
