package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/jackc/pgx/v5"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/pgtest"
)

// The function runs against a TLS server set up as the database construct
// sets up RDS: a master user, and the application role (owner of the
// schema) with its rotation clone, made by functions/roles.
var srv *pgtest.Server

const (
	masterPassword = "master-password-0123456789"
	appPassword    = "app-password-0123456789"
)

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{TLS: &pgtest.TLSOptions{}}, &srv, func(*pgtest.Server) error { return setup() })
}

func setup() error {
	if err := srv.BootstrapRDS("master", masterPassword, "medbookings"); err != nil {
		return err
	}
	ctx := context.Background()
	master, err := pgx.Connect(ctx, srv.DSN("master", masterPassword, "medbookings"))
	if err != nil {
		return err
	}
	defer master.Close(ctx)
	for _, schema := range []string{"medbookings", "other"} {
		_, err := roles.Ensure(ctx, master, roles.Spec{
			Schema:   schema,
			App:      roles.Role{Name: schema + "_app", Password: appPassword},
			ReadOnly: roles.Role{Name: schema + "_readonly", Password: "ro-password-0123456789"},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func props(over map[string]any) map[string]any {
	p := map[string]any{
		"ServiceToken": "arn:aws:lambda:eu-west-1:111111111111:function:migrate",
		"Host":         "localhost", "Port": strconv.Itoa(srv.Port), "Database": "medbookings", "Schema": "medbookings",
		"SecretArn": "arn:app", "MigrationsDigest": "d1",
	}
	maps.Copy(p, over)
	return p
}

// migrations copies prismamigrate's test migrations, plus extra ones.
func migrations(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../prismamigrate/testdata/migrations")); err != nil {
		t.Fatal(err)
	}
	for name, sql := range extra {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "migration.sql"), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type secrets map[string]dbconn.Credentials

func (s secrets) get(_ context.Context, arn string) (dbconn.Credentials, error) {
	c, ok := s[arn]
	if !ok {
		return c, fmt.Errorf("no secret %s", arn)
	}
	return c, nil
}

func TestDeploysAcrossARotation(t *testing.T) {
	ctx := context.Background()
	sm := secrets{"arn:app": {Username: "medbookings_app", Password: appPassword}}
	h := &handler{secret: sm.get, roots: srv.CA.Pool(), retryEvery: time.Second, dir: migrations(t, nil)}

	id, data, err := h.handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: props(nil)})
	if err != nil || id != physicalID || data["Applied"] != "3" || data["Latest"] != "20240301080000_backfill_notes" {
		t.Fatalf("create = %q, %v, %v; want the 3 migrations applied", id, data, err)
	}

	// The multi-user rotation switches the secret to the clone; the next
	// release brings a migration, which runs in a clone session.
	master, err := pgx.Connect(ctx, srv.DSN("master", masterPassword, "medbookings"))
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close(ctx)
	if _, err := master.Exec(ctx, `ALTER USER medbookings_app_clone WITH PASSWORD 'rotated-password-0123456789'`); err != nil {
		t.Fatal(err)
	}
	sm["arn:app"] = dbconn.Credentials{Username: "medbookings_app_clone", Password: "rotated-password-0123456789"}
	h.dir = migrations(t, map[string]string{"20240401000000_invoices": `CREATE TABLE "Invoice" ("id" TEXT NOT NULL, CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id"));`})
	_, data, err = h.handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, PhysicalResourceID: physicalID,
		OldResourceProperties: props(nil), ResourceProperties: props(map[string]any{"MigrationsDigest": "d2"})})
	if err != nil || data["Applied"] != "1" || data["Latest"] != "20240401000000_invoices" {
		t.Fatalf("update after the rotation = %v, %v; want the new migration applied", data, err)
	}
	// The table is the application role's (the clone acts as it), so the
	// read-only role reads it and the application role can alter it.
	var owner string
	if err := master.QueryRow(ctx, `SELECT tableowner FROM pg_tables WHERE schemaname = 'medbookings' AND tablename = 'Invoice'`).Scan(&owner); err != nil || owner != "medbookings_app" {
		t.Errorf(`"Invoice" owner = %q (%v); want medbookings_app`, owner, err)
	}
	ro, err := pgx.Connect(ctx, srv.DSN("medbookings_readonly", "ro-password-0123456789", "medbookings"))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close(ctx)
	var n int
	if err := ro.QueryRow(ctx, `SELECT count(*) FROM "Invoice"`).Scan(&n); err != nil {
		t.Errorf(`read-only SELECT from "Invoice": %v`, err)
	}

	// An update with nothing new applies nothing; delete touches nothing.
	_, data, err = h.handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, PhysicalResourceID: physicalID,
		OldResourceProperties: props(map[string]any{"MigrationsDigest": "d2"}), ResourceProperties: props(map[string]any{"MigrationsDigest": "d3"})})
	if err != nil || data["Applied"] != "0" {
		t.Errorf("update without new migrations = %v, %v; want nothing applied", data, err)
	}
	id, _, err = h.handle(ctx, cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: physicalID, ResourceProperties: map[string]any{}})
	if err != nil || id != physicalID {
		t.Errorf("delete = %q, %v; want the same physical ID, no error", id, err)
	}
	if err := master.QueryRow(ctx, `SELECT count(*) FROM medbookings._prisma_migrations`).Scan(&n); err != nil || n != 4 {
		t.Errorf("%d history records (%v); want 4", n, err)
	}
}

func TestFailureReason(t *testing.T) {
	ctx := context.Background()
	sm := secrets{"arn:other": {Username: "other_app", Password: appPassword}}
	long := strings.Repeat("x", 5000)
	h := &handler{secret: sm.get, roots: srv.CA.Pool(), retryEvery: time.Second, dir: migrations(t, map[string]string{
		"20240401000000_broken": "SELECT 1;\nSELECT * FROM \"Missing\" WHERE note = '" + long + "';\n",
	})}
	p := props(map[string]any{"Schema": "other", "SecretArn": "arn:other"})
	_, _, err := h.handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: p})
	if err == nil {
		t.Fatal("create with a broken migration succeeded")
	}
	reason := err.Error()
	if !strings.HasPrefix(reason, `migration 20240401000000_broken failed: ERROR: relation "Missing" does not exist (SQLSTATE 42P01)`) {
		t.Errorf("reason %.200q...; want the migration and PostgreSQL's error first", reason)
	}
	if len(reason) > maxReason || !strings.Contains(reason, "npx prisma migrate resolve --rolled-back 20240401000000_broken") {
		t.Errorf("reason is %d bytes: %q; want at most %d with the resolve hint", len(reason), reason, maxReason)
	}
	// The next deploy refuses with the resolve hint, short enough as well.
	_, _, err = h.handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, OldResourceProperties: p, ResourceProperties: p})
	if err == nil || !strings.Contains(err.Error(), "npx prisma migrate resolve --rolled-back 20240401000000_broken") || len(err.Error()) > maxReason {
		t.Errorf("the next deploy: %v; want the P3009 refusal with the resolve hint", err)
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	other, err := pgtest.NewCA("not the RDS CA")
	if err != nil {
		t.Fatal(err)
	}
	sm := secrets{"arn:app": {Username: "medbookings_app", Password: appPassword}}
	for _, c := range []struct {
		name  string
		h     *handler
		props map[string]any
		want  string
	}{
		{"unrelated CA", &handler{secret: sm.get, roots: other.Pool(), retryEvery: time.Second, dir: migrations(t, nil)}, props(nil), "certificate signed by unknown authority"},
		{"no schema", &handler{secret: sm.get, roots: srv.CA.Pool(), retryEvery: time.Second, dir: migrations(t, nil)}, props(map[string]any{"Schema": ""}), "Schema"},
		{"no migrations folder", &handler{secret: sm.get, roots: srv.CA.Pool(), retryEvery: time.Second, dir: t.TempDir()}, props(nil), "migration_lock.toml"},
		{"unknown secret", &handler{secret: sm.get, roots: srv.CA.Pool(), retryEvery: time.Second, dir: migrations(t, nil)}, props(map[string]any{"SecretArn": "arn:nope"}), "arn:nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			_, _, err := c.h.handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: c.props})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("handle: %v; want an error containing %q", err, c.want)
			}
		})
	}
}

func TestMigrationsDir(t *testing.T) {
	for _, c := range []struct {
		name, override, taskRoot, want string
	}{
		{"Lambda default", "", "", "/var/task/migrations"},
		{"task root", "", "/opt/task", "/opt/task/migrations"},
		{"override", "/tmp/m", "/opt/task", "/tmp/m"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(DirEnv, c.override)
			t.Setenv("LAMBDA_TASK_ROOT", c.taskRoot)
			if got := migrationsDir(); got != c.want {
				t.Errorf("migrationsDir() = %q; want %q", got, c.want)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short", "abc", 10, "abc"},
		{"exact", "abcdef", 6, "abcdef"},
		{"cut", strings.Repeat("a", 100), 60, "aaaaaaaaaa ... (cut; the function's log has the whole error)"},
		{"cut before a multi-byte character", strings.Repeat("é", 50), 61, "ééééé ... (cut; the function's log has the whole error)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := shorten(c.in, c.n)
			if got != c.want || len(got) > c.n {
				t.Errorf("shorten = %q (%d bytes); want %q", got, len(got), c.want)
			}
		})
	}
}
