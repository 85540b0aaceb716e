package prismamigrate_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/prismamigrate"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/pgtest"
)

// The tests deploy as an application role that owns each test's schema,
// as the migration function does on RDS.

const appPassword = "app-password-0123456789"

var srv *pgtest.Server

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{}, &srv, func(*pgtest.Server) error { return setup() })
}

func setup() error {
	if err := srv.BootstrapRDS("master", "master-password-0123456789", "medbookings"); err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.SuperuserDSN("medbookings"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE ROLE app LOGIN PASSWORD '"+appPassword+"'")
	return err
}

// newSchema creates a schema owned by the application role.
func newSchema(t *testing.T, name string) {
	t.Helper()
	super := superConn(t)
	if _, err := super.Exec(context.Background(), "CREATE SCHEMA "+name+" AUTHORIZATION app"); err != nil {
		t.Fatal(err)
	}
}

func superConn(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), srv.SuperuserDSN("medbookings"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func appConn(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), srv.DSN("app", appPassword, "medbookings"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// migrationsDir copies testdata/migrations into a temporary folder, with
// more migrations (name → SQL; "" removes one) and optionally another lock
// file ("-" removes it).
func migrationsDir(t *testing.T, extra map[string]string, lock string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/migrations")); err != nil {
		t.Fatal(err)
	}
	for name, sql := range extra {
		if sql == "" {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		writeFile(t, filepath.Join(dir, name, "migration.sql"), sql)
	}
	switch lock {
	case "":
	case "-":
		if err := os.Remove(filepath.Join(dir, "migration_lock.toml")); err != nil {
			t.Fatal(err)
		}
	default:
		writeFile(t, filepath.Join(dir, "migration_lock.toml"), lock)
	}
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func deploy(t *testing.T, conn *pgx.Conn, dir, schema string) (prismamigrate.Result, []string, error) {
	t.Helper()
	var logs []string
	var mu sync.Mutex
	res, err := prismamigrate.Deploy(context.Background(), conn, dir, schema, func(s string) {
		mu.Lock()
		logs = append(logs, s)
		mu.Unlock()
		t.Log(s)
	})
	return res, logs, err
}

type row struct {
	ID, Checksum, Name string
	Logs               *string
	Started            time.Time
	Finished           *time.Time
	RolledBack         *time.Time
	Steps              int
}

func history(t *testing.T, schema string) []row {
	t.Helper()
	rows, err := superConn(t).Query(context.Background(), `SELECT id, checksum, migration_name, logs, started_at, finished_at, rolled_back_at, applied_steps_count
		FROM `+schema+`._prisma_migrations ORDER BY started_at, migration_name`)
	if err != nil {
		t.Fatal(err)
	}
	var out []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.ID, &r.Checksum, &r.Name, &r.Logs, &r.Started, &r.Finished, &r.RolledBack, &r.Steps); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var testdataNames = []string{"20240101090000_init", "20240215120000_booking_status", "20240301080000_backfill_notes"}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDeployAppliesThenChangesNothing(t *testing.T) {
	newSchema(t, "fresh")
	conn := appConn(t)
	res, _, err := deploy(t, conn, "testdata/migrations", "fresh")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Applied, testdataNames) || res.AlreadyApplied != 0 {
		t.Fatalf("Applied = %q, AlreadyApplied = %d; want all three in order", res.Applied, res.AlreadyApplied)
	}

	// Prisma's bookkeeping: one finished record per migration, with the
	// checksum of the file, a UUID, one step, no logs.
	h := history(t, "fresh")
	if len(h) != 3 {
		t.Fatalf("%d records; want 3", len(h))
	}
	for i, r := range h {
		b, err := os.ReadFile(filepath.Join("testdata/migrations", testdataNames[i], "migration.sql"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if r.Name != testdataNames[i] || r.Checksum != hex.EncodeToString(sum[:]) || !uuidRE.MatchString(r.ID) ||
			r.Finished == nil || r.Finished.Before(r.Started) || r.RolledBack != nil || r.Logs != nil || r.Steps != 1 {
			t.Errorf("record %d = %+v; want %s finished, checksum %x, one step", i, r, testdataNames[i], sum)
		}
	}
	// The schema objects exist, owned by the application role, and the
	// application's search_path is back as it was.
	var owner, path string
	if err := conn.QueryRow(context.Background(), `SELECT tableowner FROM pg_tables WHERE schemaname = 'fresh' AND tablename = 'Booking'`).Scan(&owner); err != nil || owner != "app" {
		t.Errorf(`"Booking" owner = %q (%v); want app`, owner, err)
	}
	// The multi-statement migration with a DO block, a function and a
	// trigger ran whole; the data migration's semicolons in strings too.
	var checks, triggers int
	var note, userName string
	err = conn.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM pg_constraint WHERE conname = 'Booking_ends_after_start' AND connamespace = 'fresh'::regnamespace),
		(SELECT count(*) FROM pg_trigger WHERE tgname = 'Booking_touch'),
		(SELECT name FROM fresh."User" WHERE id = 'seed-1')`).Scan(&checks, &triggers, &userName)
	if err != nil || checks != 1 || triggers < 1 || userName != "Seed; user" {
		t.Errorf("check constraints %d, triggers %d, seeded user %q (%v); want the DO block's constraint, the trigger and the seed", checks, triggers, userName, err)
	}
	if _, err := conn.Exec(context.Background(), `INSERT INTO fresh."Booking" (id, "userId", "startsAt", "endsAt") VALUES ('b1', 'seed-1', now(), now() + interval '1 hour')`); err != nil {
		t.Error(err)
	}
	if err := conn.QueryRow(context.Background(), `SELECT note FROM fresh."Booking" WHERE id = 'b1'`).Scan(&note); err != nil || note != "" {
		t.Errorf("note set by the trigger = %q (%v); want empty", note, err)
	}
	if _, err := conn.Exec(context.Background(), `INSERT INTO fresh."Booking" (id, "userId", "startsAt", "endsAt") VALUES ('b2', 'seed-1', now(), now() - interval '1 hour')`); err == nil {
		t.Error("a booking ending before it starts was accepted; want the DO block's check constraint")
	}
	if err := conn.QueryRow(context.Background(), `SELECT current_setting('search_path')`).Scan(&path); err != nil || path != `"$user", public` {
		t.Errorf("search_path after Deploy = %q (%v); want the default back", path, err)
	}

	// Again: nothing to do, nothing recorded.
	res, logs, err := deploy(t, conn, "testdata/migrations", "fresh")
	if err != nil || len(res.Applied) != 0 || res.AlreadyApplied != 3 {
		t.Errorf("second Deploy = %+v, %v; want nothing applied, 3 already", res, err)
	}
	if !slices.Contains(logs, "no pending migrations to apply") {
		t.Errorf("logs %q; want a no-op message", logs)
	}
	if again := history(t, "fresh"); !reflect.DeepEqual(again, h) {
		t.Errorf("the history changed on a second Deploy:\n%+v\nwant\n%+v", again, h)
	}
	// No advisory lock is left behind.
	var locks int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`, prismamigrate.LockID).Scan(&locks); err != nil || locks != 0 {
		t.Errorf("%d advisory locks left (%v); want 0", locks, err)
	}
}

// TestHistoryTableIsPrismas compares the table Deploy creates with the one
// Prisma's DDL (schema-engine, postgres flavour) creates.
func TestHistoryTableIsPrismas(t *testing.T) {
	newSchema(t, "layout")
	if _, _, err := deploy(t, appConn(t), migrationsDir(t, map[string]string{
		"20240101090000_init": "", "20240215120000_booking_status": "", "20240301080000_backfill_notes": "",
	}, ""), "layout"); err != nil {
		t.Fatal(err)
	}
	super := superConn(t)
	ctx := context.Background()
	prismaDDL := `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`
	for _, st := range []string{"CREATE SCHEMA reference", "SET search_path TO reference", prismaDDL, "RESET search_path"} {
		if _, err := super.Exec(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	describe := func(schema string) []string {
		rows, err := super.Query(ctx, `
			SELECT format('%s %s %s %s null=%s default=%s', column_name, ordinal_position, data_type,
			              coalesce(character_maximum_length::text, '-'), is_nullable, coalesce(column_default, '-'))
			FROM information_schema.columns WHERE table_schema = $1 AND table_name = '_prisma_migrations'
			UNION ALL
			SELECT format('constraint %s %s', conname, pg_get_constraintdef(c.oid))
			FROM pg_constraint c WHERE conrelid = to_regclass(quote_ident($1) || '._prisma_migrations')
			UNION ALL
			SELECT format('index %s', regexp_replace(indexdef, ' ON \S+\.', ' ON '))
			FROM pg_indexes WHERE schemaname = $1 AND tablename = '_prisma_migrations'
			ORDER BY 1`, schema)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got, want := describe("layout"), describe("reference")
	if len(want) != 10 || !slices.Equal(got, want) {
		t.Errorf("table layout:\n%s\nwant Prisma's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestChecksum(t *testing.T) {
	// Prisma's own test vector (schema-engine checksum.rs).
	if got := prismamigrate.Checksum([]byte("hello")); got != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Errorf(`Checksum("hello") = %s`, got)
	}
	for _, c := range []struct {
		name, script, recordedFor string
		want                      bool
	}{
		{"same", "ab\ncd\n", "ab\ncd\n", true},
		{"recorded with CRLF", "ab\ncd\n", "ab\r\ncd\r\n", true},
		{"recorded with LF, file has CRLF", "ab\r\ncd\r\n", "ab\ncd\n", true},
		{"different", "abc", "abcd", false},
		{"extra newline", "abc\n", "abc", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := prismamigrate.ChecksumMatches([]byte(c.script), prismamigrate.Checksum([]byte(c.recordedFor))); got != c.want {
				t.Errorf("ChecksumMatches = %v; want %v", got, c.want)
			}
		})
	}
	// Old Prisma versions recorded hex digits without zero padding.
	sum := sha256.Sum256([]byte("hello"))
	var old strings.Builder
	for _, b := range sum {
		fmt.Fprintf(&old, "%x", b)
	}
	if old.Len() == 64 || !prismamigrate.ChecksumMatches([]byte("hello"), old.String()) {
		t.Errorf("an unpadded old checksum %q does not match", old.String())
	}
}

func TestFailedMigrationIsRecordedAndBlocksUntilResolved(t *testing.T) {
	newSchema(t, "failing")
	broken := "20240401000000_broken"
	dir := migrationsDir(t, map[string]string{
		broken:                 "CREATE TABLE \"Half\" (id int);\n-- the next statement fails\nINSERT INTO \"Nope\" (x) VALUES (1);\n",
		"20240501000000_after": "CREATE TABLE \"After\" (id int);\n",
	}, "")
	conn := appConn(t)
	res, _, err := deploy(t, conn, dir, "failing")
	if err == nil {
		t.Fatal("Deploy succeeded; want the broken migration's error")
	}
	for _, want := range []string{"migration " + broken + " failed", `relation "Nope" does not exist`, "42P01", "at line 3", "--rolled-back " + broken} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q; want it to contain %q", err, want)
		}
	}
	if !strings.HasPrefix(err.Error(), "migration "+broken) {
		t.Errorf("error %q; want it to start with the migration's name", err)
	}
	if !slices.Equal(res.Applied, testdataNames) {
		t.Errorf("Applied = %q; want the three before it", res.Applied)
	}
	// Recorded as Prisma records a failure; its first statement rolled back
	// with it (one implicit transaction); nothing after it ran.
	h := history(t, "failing")
	last := h[len(h)-1]
	if len(h) != 4 || last.Name != broken || last.Finished != nil || last.RolledBack != nil || last.Steps != 0 || last.Logs == nil {
		t.Fatalf("history %+v; want a 4th, failed record for %s", h, broken)
	}
	for _, want := range []string{"Migration name: " + broken, "Database error code: 42P01", `ERROR: relation "Nope" does not exist`, "Position:", "  3 INSERT INTO"} {
		if !strings.Contains(*last.Logs, want) {
			t.Errorf("logs %q; want them to contain %q", *last.Logs, want)
		}
	}
	var half, after *string
	_ = conn.QueryRow(context.Background(), `SELECT to_regclass('failing."Half"')::text, to_regclass('failing."After"')::text`).Scan(&half, &after)
	if half != nil || after != nil {
		t.Errorf(`"Half" = %v, "After" = %v; want neither`, half, after)
	}

	// The next deploy refuses, naming the migration and the remedy.
	_, _, err = deploy(t, conn, dir, "failing")
	if err == nil {
		t.Fatal("Deploy after a failure succeeded; want a refusal")
	}
	for _, want := range []string{"migration " + broken + " failed", "P3009", "npx prisma migrate resolve --rolled-back " + broken, "npx prisma migrate resolve --applied " + broken, `relation "Nope" does not exist`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q; want it to contain %q", err, want)
		}
	}
	if n := len(history(t, "failing")); n != 4 {
		t.Errorf("the refusal changed the history: %d records; want 4", n)
	}

	// `prisma migrate resolve --rolled-back` sets rolled_back_at on the
	// failed record; with the file fixed, the next deploy applies it.
	if _, err := superConn(t).Exec(context.Background(), `UPDATE failing._prisma_migrations SET rolled_back_at = now() WHERE id = $1`, last.ID); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, broken, "migration.sql"), "CREATE TABLE \"Half\" (id int);\n")
	res, _, err = deploy(t, conn, dir, "failing")
	if err != nil || !slices.Equal(res.Applied, []string{broken, "20240501000000_after"}) {
		t.Errorf("Deploy after resolve = %+v, %v; want the fixed and the next migration applied", res, err)
	}
	if n := len(history(t, "failing")); n != 6 {
		t.Errorf("%d records; want 6 (the rolled-back one stays)", n)
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		name  string
		dir   func(t *testing.T) string
		setup string // SQL run as the application role first, in the schema
		want  []string
	}{
		{"wrong provider", func(t *testing.T) string {
			return migrationsDir(t, nil, "# Please do not edit this file manually\nprovider = \"mysql\"\n")
		}, "", []string{`provider "mysql"`, "P3019"}},
		{"no provider line", func(t *testing.T) string { return migrationsDir(t, nil, "# empty\n") }, "", []string{"P3019"}},
		{"no lock file", func(t *testing.T) string { return migrationsDir(t, nil, "-") }, "", []string{"has no migration_lock.toml"}},
		{"no folder", func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") }, "", []string{"has no migration_lock.toml"}},
		{"pending migration without migration.sql", func(t *testing.T) string {
			dir := migrationsDir(t, nil, "")
			if err := os.Mkdir(filepath.Join(dir, "20240601000000_empty"), 0o755); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "", []string{"20240601000000_empty", "P3015"}},
		{"tables but no history", func(t *testing.T) string { return migrationsDir(t, nil, "") },
			`CREATE TABLE existing (id int)`, []string{"not empty", "P3005", "baseline"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			schema := "refuse_" + strings.NewReplacer(" ", "_", ".", "_").Replace(c.name)
			newSchema(t, schema)
			conn := appConn(t)
			if c.setup != "" {
				if _, err := conn.Exec(context.Background(), "SET search_path TO "+schema+"; "+c.setup+"; RESET search_path"); err != nil {
					t.Fatal(err)
				}
			}
			res, _, err := deploy(t, conn, c.dir(t), schema)
			if err == nil {
				t.Fatalf("Deploy = %+v; want a refusal", res)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to contain %q", err, w)
				}
			}
			if len(res.Applied) != 0 {
				t.Errorf("applied %q before refusing", res.Applied)
			}
			var tables []string
			rows, _ := conn.Query(context.Background(), `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'existing' ORDER BY 1`, schema)
			tables, _ = pgx.CollectRows(rows, pgx.RowTo[string])
			if c.name != "pending migration without migration.sql" && len(tables) != 0 {
				t.Errorf("tables %q after the refusal; want none", tables)
			}
		})
	}
}

func TestPostGISTablesDoNotCount(t *testing.T) {
	newSchema(t, "gis")
	conn := appConn(t)
	if _, err := conn.Exec(context.Background(), `CREATE TABLE gis.spatial_ref_sys (srid int)`); err != nil {
		t.Fatal(err)
	}
	if res, _, err := deploy(t, conn, "testdata/migrations", "gis"); err != nil || len(res.Applied) != 3 {
		t.Errorf("Deploy = %+v, %v; want the migrations applied", res, err)
	}
}

func TestChangedAndMissingMigrationsAreReportedNotRefused(t *testing.T) {
	newSchema(t, "drift")
	conn := appConn(t)
	if _, _, err := deploy(t, conn, "testdata/migrations", "drift"); err != nil {
		t.Fatal(err)
	}
	init, _ := os.ReadFile("testdata/migrations/20240101090000_init/migration.sql")
	dir := migrationsDir(t, map[string]string{
		// Same text with CRLF line endings: not a change for Prisma.
		"20240101090000_init":           strings.ReplaceAll(string(init), "\n", "\r\n"),
		"20240215120000_booking_status": "-- edited after it was applied\nSELECT 1;\n",
		"20240301080000_backfill_notes": "",
	}, "")
	res, logs, err := deploy(t, conn, dir, "drift")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Modified, []string{"20240215120000_booking_status"}) || !slices.Equal(res.MissingLocally, []string{"20240301080000_backfill_notes"}) ||
		len(res.Applied) != 0 || res.AlreadyApplied != 2 {
		t.Errorf("Result = %+v; want one modified, one missing, nothing applied", res)
	}
	if !slices.ContainsFunc(logs, func(s string) bool { return strings.Contains(s, "was modified after it was applied") }) {
		t.Errorf("logs %q; want a warning about the modified migration", logs)
	}
}

func TestRollbackToAPreviousReleaseSucceeds(t *testing.T) {
	newSchema(t, "rollback")
	conn := appConn(t)
	next := migrationsDir(t, map[string]string{"20240401000000_bad": "SELECT nope;"}, "")
	if _, _, err := deploy(t, conn, next, "rollback"); err == nil {
		t.Fatal("the bad release deployed")
	}
	// CloudFormation rolls back to the previous release, whose folder does
	// not have the failed migration and has nothing pending.
	res, _, err := deploy(t, conn, "testdata/migrations", "rollback")
	if err != nil || len(res.Applied) != 0 || !slices.Equal(res.Unresolved, []string{"20240401000000_bad"}) {
		t.Errorf("Deploy of the previous release = %+v, %v; want success with the failure left unresolved", res, err)
	}
	// A release with new migrations is still refused.
	newer := migrationsDir(t, map[string]string{"20240501000000_new": "SELECT 1;"}, "")
	if _, _, err := deploy(t, conn, newer, "rollback"); err == nil || !strings.Contains(err.Error(), "P3009") {
		t.Errorf("Deploy of a newer release: %v; want the P3009 refusal", err)
	}
}

func TestConcurrentDeploysSerialize(t *testing.T) {
	newSchema(t, "race")
	dir := migrationsDir(t, map[string]string{"20240401000000_slow": "SELECT pg_sleep(1);\nCREATE TABLE \"Slow\" (id int);\n"}, "")
	conns := []*pgx.Conn{appConn(t), appConn(t), appConn(t)}
	results := make([]prismamigrate.Result, len(conns))
	errs := make([]error, len(conns))
	logs := make([][]string, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { results[i], logs[i], errs[i] = deploy(t, c, dir, "race") })
	}
	wg.Wait()
	applied, waited := 0, 0
	for i := range conns {
		if errs[i] != nil {
			t.Errorf("Deploy %d: %v", i, errs[i])
		}
		if len(results[i].Applied) > 0 {
			applied++
			if len(results[i].Applied) != 4 {
				t.Errorf("Deploy %d applied %q; want all 4", i, results[i].Applied)
			}
		}
		if slices.ContainsFunc(logs[i], func(s string) bool { return strings.HasPrefix(s, "waiting for advisory lock") }) {
			waited++
		}
	}
	if applied != 1 || waited == 0 {
		t.Errorf("%d deploys applied migrations and %d waited for the lock; want exactly 1 to apply and the others to wait", applied, waited)
	}
	h := history(t, "race")
	names := map[string]int{}
	for _, r := range h {
		names[r.Name]++
	}
	if len(h) != 4 || len(names) != 4 {
		t.Errorf("history %v; want each of the 4 migrations once", names)
	}
}

func TestDeployRefusesAConnectionInATransaction(t *testing.T) {
	conn := appConn(t)
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := prismamigrate.Deploy(context.Background(), conn, "testdata/migrations", "public", nil); err == nil || !strings.Contains(err.Error(), "transaction") {
		t.Errorf("Deploy in a transaction: %v; want a refusal", err)
	}
}
