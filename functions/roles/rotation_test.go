package roles_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
)

func TestCloneName(t *testing.T) {
	for _, c := range []struct {
		user, want, wantErr string
	}{
		{user: "medbookings_app", want: "medbookings_app_clone"},
		{user: "a", want: "a_clone"},
		{user: strings.Repeat("a", 57), want: strings.Repeat("a", 57) + "_clone"}, // 63 bytes
		{user: strings.Repeat("a", 58), wantErr: "exceed 63 bytes"},
		{user: "medbookings_app_clone", wantErr: "clone of \"medbookings_app\""},
	} {
		t.Run(c.user, func(t *testing.T) {
			got, err := roles.CloneName(c.user)
			switch {
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("CloneName(%q) = %q, %v; want an error containing %q", c.user, got, err, c.wantErr)
			case c.wantErr == "" && (err != nil || got != c.want):
				t.Errorf("CloneName(%q) = %q, %v; want %q", c.user, got, err, c.want)
			}
		})
	}
}

func TestSpecRefusesCloneConflicts(t *testing.T) {
	for name, mutate := range map[string]func(s *roles.Spec){
		"read-only role is the clone":    func(s *roles.Spec) { s.ReadOnly.Name = s.App.Name + "_clone" },
		"application role is a clone":    func(s *roles.Spec) { s.App.Name = "x_app_clone" },
		"clone name too long":            func(s *roles.Spec) { s.App.Name = strings.Repeat("b", 58) },
		"read-only password on a clone":  func(s *roles.Spec) { s.ReadOnly.OnClone = true },
		"application name 63 bytes long": func(s *roles.Spec) { s.App.Name = strings.Repeat("c", 63) },
	} {
		t.Run(name, func(t *testing.T) {
			s := spec("conflict")
			mutate(&s)
			if err := s.Validate(); err == nil {
				t.Errorf("Validate accepted %+v", s)
			}
		})
	}
}

// secret is what the application secret holds.
type secret struct{ user, password string }

// rotate does to the database what Secrets Manager's hosted multi-user
// rotation (SecretsManagerRDSPostgreSQLRotationMultiUser) does, and returns
// the new secret:
//
//   - createSecret: the pending secret names the alternate user (the clone
//     of the current one, or the current one without "_clone") with a new
//     password;
//   - setSecret: done if the pending secret can log in already; the current
//     secret must log in; then, connected as the master user, CREATE ROLE
//     <alt> WITH LOGIN PASSWORD ... and GRANT <current> TO <alt> when the
//     alternate role does not exist, else ALTER USER <alt> WITH PASSWORD ...;
//   - testSecret: log in with the pending secret;
//   - finishSecret: the pending secret becomes current.
func rotate(t *testing.T, current secret, newPassword string) secret {
	t.Helper()
	ctx := context.Background()
	alt := strings.TrimSuffix(current.user, roles.CloneSuffix)
	if alt == current.user {
		alt = current.user + roles.CloneSuffix
	}
	pending := secret{alt, newPassword}

	if conn, err := tryConnect(pending.user, pending.password); err == nil {
		conn.Close(ctx)
		return pending
	}
	cur, err := tryConnect(current.user, current.password)
	if err != nil {
		t.Fatalf("rotation: the current secret (%s) cannot log in: %v", current.user, err)
	}
	cur.Close(ctx)
	master := connect(t, "master", masterPassword)
	var exists bool
	if err := master.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, pending.user).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	quoted := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	stmts := []string{"ALTER USER " + quoted(pending.user) + " WITH PASSWORD " + literal(pending.password)}
	if !exists {
		stmts = []string{
			"CREATE ROLE " + quoted(pending.user) + " WITH LOGIN PASSWORD " + literal(pending.password),
			"GRANT " + quoted(current.user) + " TO " + quoted(pending.user),
		}
	}
	for _, st := range stmts {
		if err := exec1(t, master, st); err != nil {
			t.Fatalf("rotation, as the master user: %s: %v", strings.SplitN(st, " PASSWORD", 2)[0], err)
		}
	}
	test, err := tryConnect(pending.user, pending.password)
	if err != nil {
		t.Fatalf("rotation testSecret: %s cannot log in: %v", pending.user, err)
	}
	test.Close(ctx)
	return pending
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// handlerSpec is the spec the dbroles custom resource builds from the
// secrets: the application role by its own name, the password on whichever
// role the secret names.
func handlerSpec(s roles.Spec, app secret) roles.Spec {
	s.App.OnClone = app.user != s.App.Name
	s.App.Password = app.password
	s.App.SetPassword = false
	return s
}

func TestEnsureCreatesTheClone(t *testing.T) {
	s := spec("mk")
	changes := ensure(t, s)
	for _, want := range []string{
		`CREATE ROLE "mk_app_clone" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION`,
		`GRANT "mk_app" TO "mk_app_clone" WITH INHERIT TRUE, SET TRUE`,
		`ALTER ROLE "mk_app_clone" SET role = 'mk_app'`,
		`ALTER ROLE "mk_app_clone" SET search_path = "mk_schema"`,
	} {
		if !slices.Contains(changes, roles.Change(want)) {
			t.Errorf("missing change %q in %q", want, changes)
		}
	}
	ctx := context.Background()
	super := connectSuper(t)
	var password *string
	var inherit, set, admin, super_, createRole bool
	err := super.QueryRow(ctx, `SELECT a.rolpassword, a.rolsuper, a.rolcreaterole, m.inherit_option, m.set_option, m.admin_option
		FROM pg_authid a JOIN pg_auth_members m ON m.member = a.oid AND m.roleid = 'mk_app'::regrole
		WHERE a.rolname = 'mk_app_clone'`).Scan(&password, &super_, &createRole, &inherit, &set, &admin)
	if err != nil {
		t.Fatal(err)
	}
	if password != nil || super_ || createRole || !inherit || !set || admin {
		t.Errorf("clone: password set=%v super=%v createrole=%v membership inherit=%v set=%v admin=%v; want no password, a plain role, INHERIT and SET without ADMIN",
			password != nil, super_, createRole, inherit, set, admin)
	}
	// Before the first rotation nobody can log in as the clone.
	if _, err := tryConnect("mk_app_clone", ""); err == nil {
		t.Error("the clone logs in without a password")
	}
	if _, err := tryConnect("mk_app_clone", s.App.Password); sqlState(err) != "28P01" {
		t.Errorf("the clone with the application password: %v; want authentication failure (28P01)", err)
	}
	if again := ensure(t, s); len(again) != 0 {
		t.Errorf("second run changed %q; want no change", again)
	}
}

// TestMultiUserRotation simulates several rotations as the multi-user
// strategy runs them (functions/rotation: the other user's password set,
// then that user made current) and checks what keeps the application alive.
func TestMultiUserRotation(t *testing.T) {
	ctx := context.Background()
	s := spec("rot")
	ensure(t, s)
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

	cur := secret{s.App.Name, s.App.Password}
	history := []secret{cur}
	for i := 1; i <= 4; i++ {
		prev := cur
		cur = rotate(t, cur, fmt.Sprintf("rotated-password-%d-0123456789", i))
		history = append(history, cur)
		wantUser := clone
		if i%2 == 0 {
			wantUser = s.App.Name
		}
		if cur.user != wantUser {
			t.Fatalf("rotation %d: the secret names %q; want %q", i, cur.user, wantUser)
		}

		// A connection opened before the rotation keeps working.
		var n int
		if err := pooled.QueryRow(ctx, "SELECT count(*) FROM bookings").Scan(&n); err != nil {
			t.Errorf("rotation %d: the connection opened before: %v", i, err)
		}
		// The previous secret still logs in (until the next rotation) ...
		if c, err := tryConnect(prev.user, prev.password); err != nil {
			t.Errorf("rotation %d: the previous secret (%s) no longer logs in: %v", i, prev.user, err)
		} else {
			c.Close(ctx)
		}
		// ... and the one before it does not: its user has the new password.
		if i >= 2 {
			old := history[i-2]
			if _, err := tryConnect(old.user, old.password); sqlState(err) != "28P01" {
				t.Errorf("rotation %d: the secret of two rotations ago (%s): %v; want authentication failure (28P01)", i, old.user, err)
			}
		}

		// A session of the new secret runs as the application role ...
		conn := connect(t, cur.user, cur.password)
		var currentUser, sessionUser, searchPath string
		if err := conn.QueryRow(ctx, "SELECT current_user, session_user, current_setting('search_path')").Scan(&currentUser, &sessionUser, &searchPath); err != nil {
			t.Fatal(err)
		}
		if currentUser != s.App.Name || sessionUser != cur.user || searchPath != `rot_schema` {
			t.Errorf("rotation %d: current_user=%q session_user=%q search_path=%q; want %q, %q, rot_schema", i, currentUser, sessionUser, searchPath, s.App.Name, cur.user)
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
		if err := conn.QueryRow(ctx, "SELECT tableowner FROM pg_tables WHERE schemaname = 'rot_schema' AND tablename = $1", table).Scan(&owner); err != nil || owner != s.App.Name {
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
		if again := ensure(t, handlerSpec(s, cur)); len(again) != 0 {
			t.Errorf("rotation %d: Ensure changed %q; want no change", i, again)
		}
	}
}

func TestEnsureWhenTheSecretNamesTheClone(t *testing.T) {
	// A fresh database with an application secret that a multi-user
	// rotation switched to the clone already.
	s := spec("onclone")
	s.App.OnClone = true
	changes := ensure(t, s)
	for _, want := range []string{
		`CREATE ROLE "onclone_app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION`,
		`CREATE ROLE "onclone_app_clone" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '***'`,
	} {
		if !slices.Contains(changes, roles.Change(want)) {
			t.Errorf("missing change %q in %q", want, changes)
		}
	}
	conn := connect(t, "onclone_app_clone", s.App.Password)
	var currentUser string
	if err := conn.QueryRow(context.Background(), "SELECT current_user").Scan(&currentUser); err != nil || currentUser != "onclone_app" {
		t.Errorf("current_user = %q (%v); want onclone_app", currentUser, err)
	}
	if _, err := tryConnect("onclone_app", s.App.Password); sqlState(err) != "28P01" {
		t.Errorf("the application role with the clone's password: %v; want authentication failure (28P01)", err)
	}

	// SetPassword changes the clone's password only.
	s.App.Password, s.App.SetPassword = "a-new-clone-password-0123456789", true
	changes = ensure(t, s)
	if want := []roles.Change{`ALTER ROLE "onclone_app_clone" PASSWORD '***'`}; !slices.Equal(changes, want) {
		t.Errorf("changes = %q; want %q", changes, want)
	}
	connect(t, "onclone_app_clone", s.App.Password)
}

func TestCloneDriftRepaired(t *testing.T) {
	s := spec("cdrift")
	ensure(t, s)
	master := connect(t, "master", masterPassword)
	for _, st := range []string{
		`REVOKE SET OPTION FOR cdrift_app FROM cdrift_app_clone`,
		`ALTER ROLE cdrift_app_clone RESET role`,
		`ALTER ROLE cdrift_app_clone NOLOGIN`,
	} {
		if err := exec1(t, master, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	changes := ensure(t, s)
	want := []roles.Change{
		`ALTER ROLE "cdrift_app_clone" LOGIN`,
		`GRANT "cdrift_app" TO "cdrift_app_clone" WITH INHERIT TRUE, SET TRUE`,
		`ALTER ROLE "cdrift_app_clone" SET role = 'cdrift_app'`,
	}
	if !slices.Equal(changes, want) {
		t.Errorf("repair changed %q; want %q", changes, want)
	}
	if again := ensure(t, s); len(again) != 0 {
		t.Errorf("after repair: changed %q", again)
	}
}
