// Package prismamigrate applies Prisma Migrate migrations to PostgreSQL the
// way `prisma migrate deploy` does, and keeps Prisma's bookkeeping (the
// _prisma_migrations table) exactly as Prisma keeps it, so that `prisma
// migrate status` and `prisma migrate resolve` work on the databases it
// migrates. It is the logic of the migration custom resource
// (functions/migrate), which runs inside the VPC on every deploy.
//
// What Deploy does, in Prisma's order (prisma-engines: schema-engine
// core/src/commands/apply_migrations.rs, sql-schema-connector's
// sql_migration_persistence.rs and flavour/postgres.rs):
//
//  1. read the migrations folder: migration_lock.toml must name the provider
//     postgresql (Prisma error P3019 otherwise); every subfolder is a
//     migration, applied in name order;
//  2. take Prisma's session advisory lock, pg_advisory_lock(72707369), so
//     that it never runs at the same time as another Deploy or a `prisma
//     migrate` command (Prisma gives up after 10 seconds; Deploy waits as
//     long as ctx allows, since a migration may take longer);
//  3. create _prisma_migrations with Prisma's DDL when the schema has no
//     such table and no other table (a schema with tables but no history is
//     refused, Prisma error P3005: baseline it first);
//  4. refuse when a migration is recorded as failed (finished_at and
//     rolled_back_at both NULL; Prisma error P3009), naming it and the
//     `prisma migrate resolve` commands that clear it;
//  5. apply, in order, each migration that has no record that is not rolled
//     back: insert its record (a random UUID, the checksum, started_at),
//     send migration.sql as one simple-protocol query (PostgreSQL runs the
//     statements in one implicit transaction unless the script has its own
//     transaction control), then set applied_steps_count to 1 and
//     finished_at; on failure, store the error in logs and leave finished_at
//     NULL, which is how Prisma records a failed migration;
//  6. release the lock.
//
// Like Prisma's deploy, it neither fails on applied migrations whose file
// changed since (Result.Modified) nor on applied migrations missing from the
// folder (Result.MissingLocally); it reports them. Unlike Prisma, it does not
// refuse a recorded failure when it has nothing to apply and the failed
// migration is not in the folder: that is a CloudFormation rollback to the
// previous release, which must succeed (Result.Unresolved names it).
package prismamigrate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// LockID is the key of Prisma Migrate's PostgreSQL advisory lock.
const LockID = 72707369

// TableName is Prisma's migration history table.
const TableName = "_prisma_migrations"

// createTable is Prisma's DDL for PostgreSQL, name qualified.
const createTable = `CREATE TABLE %s (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`

// ResolveURL is Prisma's guide to resolving failed migrations.
const ResolveURL = "https://pris.ly/d/migrate-resolve"

// Result is what Deploy found and did.
type Result struct {
	// Applied are the migrations this run applied, in order.
	Applied []string
	// AlreadyApplied counts the folder's migrations applied before.
	AlreadyApplied int
	// Modified are applied migrations whose migration.sql no longer
	// matches the recorded checksum (Prisma's deploy ignores them too;
	// `prisma migrate status` reports them).
	Modified []string
	// MissingLocally are migrations recorded as applied that the folder
	// does not have (a newer release's, or deleted ones).
	MissingLocally []string
	// Unresolved are failed migrations that are not in the folder, left
	// for `prisma migrate resolve` while nothing had to be applied.
	Unresolved []string
}

// record is a row of _prisma_migrations.
type record struct {
	id, checksum, name string
	logs               *string
	startedAt          time.Time
	finishedAt         *time.Time
	rolledBackAt       *time.Time
}

// Deploy applies the pending migrations of dir (the folder holding
// migration_lock.toml and the migration folders) to schema, through conn,
// whose user should own the schema. It logs through log (may be nil) and
// returns what it did. conn must not be in a transaction; its search_path
// is set to schema while Deploy runs (as Prisma's `?schema=` does) and
// restored afterwards. A failing migration's error names it and carries
// PostgreSQL's error.
func Deploy(ctx context.Context, conn *pgx.Conn, dir, schema string, log func(string)) (Result, error) {
	var res Result
	if log == nil {
		log = func(string) {}
	}
	if schema == "" || len(schema) > 63 || strings.ContainsRune(schema, 0) {
		return res, fmt.Errorf("schema %q is not a PostgreSQL name", schema)
	}
	migrations, err := Load(dir)
	if err != nil {
		return res, err
	}
	log(fmt.Sprintf("%d migration(s) found in %s", len(migrations), dir))
	if st := conn.PgConn().TxStatus(); st != 'I' {
		return res, fmt.Errorf("the connection is in a transaction (status %q); Deploy needs an idle one", st)
	}

	var oldPath string
	if err := conn.QueryRow(ctx, `SELECT current_setting('search_path')`).Scan(&oldPath); err != nil {
		return res, err
	}
	q := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "SET search_path TO "+q); err != nil {
		return res, err
	}
	defer func() {
		if !conn.IsClosed() {
			_, _ = conn.Exec(context.Background(), `SELECT set_config('search_path', $1, false)`, oldPath)
		}
	}()

	if err := lock(ctx, conn, log); err != nil {
		return res, err
	}
	defer func() {
		if !conn.IsClosed() {
			_, _ = conn.Exec(context.Background(), fmt.Sprintf("SELECT pg_advisory_unlock(%d)", LockID))
		}
	}()

	table := q + "." + TableName
	if err := initialize(ctx, conn, schema, table, log); err != nil {
		return res, err
	}
	records, err := load(ctx, conn, table)
	if err != nil {
		return res, err
	}

	// What the database has: a name counts as applied when it has a record
	// that is not rolled back (including a failed one, as in Prisma).
	local := map[string]Migration{}
	for _, m := range migrations {
		local[m.Name] = m
	}
	applied := map[string]bool{}
	var failed []record
	for _, r := range records {
		if r.rolledBackAt != nil {
			continue
		}
		applied[r.name] = true
		switch m, ok := local[r.name]; {
		case r.finishedAt == nil:
			failed = append(failed, r)
		case !ok:
			if !slices.Contains(res.MissingLocally, r.name) {
				res.MissingLocally = append(res.MissingLocally, r.name)
			}
		case m.Script != nil && !checksumMatches(m.Script, r.checksum):
			if !slices.Contains(res.Modified, r.name) {
				res.Modified = append(res.Modified, r.name)
			}
		}
	}
	var pending []Migration
	for _, m := range migrations {
		if applied[m.Name] {
			res.AlreadyApplied++
		} else {
			pending = append(pending, m)
		}
	}
	for _, name := range res.Modified {
		log(fmt.Sprintf("warning: applied migration %s was modified after it was applied (its checksum differs)", name))
	}
	for _, name := range res.MissingLocally {
		log(fmt.Sprintf("warning: migration %s is applied in the database but not in %s", name, dir))
	}

	if len(failed) > 0 {
		inFolder := slices.ContainsFunc(failed, func(r record) bool { _, ok := local[r.name]; return ok })
		if len(pending) > 0 || inFolder {
			return res, failedError(failed)
		}
		for _, r := range failed {
			res.Unresolved = append(res.Unresolved, r.name)
			log(fmt.Sprintf("warning: migration %s (not in this release) is recorded as failed: nothing to apply now, but the next release will be refused until `npx prisma migrate resolve` clears it", r.name))
		}
	}

	for _, m := range pending {
		if err := checkScript(dir, m); err != nil {
			return res, err
		}
	}
	for _, m := range pending {
		log("applying migration " + m.Name)
		if err := apply(ctx, conn, table, m); err != nil {
			return res, err
		}
		res.Applied = append(res.Applied, m.Name)
		log("applied migration " + m.Name)
	}
	if len(pending) == 0 {
		log("no pending migrations to apply")
	}
	return res, nil
}

// lock takes Prisma Migrate's advisory lock, waiting while another holds it.
func lock(ctx context.Context, conn *pgx.Conn, log func(string)) error {
	var got bool
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT pg_try_advisory_lock(%d)", LockID)).Scan(&got); err != nil {
		return fmt.Errorf("advisory lock %d: %w", LockID, err)
	}
	if got {
		return nil
	}
	log(fmt.Sprintf("waiting for advisory lock %d: another deploy or `prisma migrate` command holds it", LockID))
	if _, err := conn.Exec(ctx, fmt.Sprintf("SELECT pg_advisory_lock(%d)", LockID)); err != nil {
		return fmt.Errorf("advisory lock %d, held by another migration run: %w", LockID, err)
	}
	return nil
}

// initialize creates the schema if missing (as Prisma's connection setup
// does) and the history table in an empty schema (Prisma's initialize).
func initialize(ctx context.Context, conn *pgx.Conn, schema, table string, log func(string)) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		log(fmt.Sprintf("creating schema %s", schema))
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("create schema %s: %w", schema, err)
		}
	}
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname = $1 ORDER BY 1`, schema)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if slices.Contains(tables, TableName) {
		return nil
	}
	// Prisma ignores the tables PostGIS creates.
	others := slices.DeleteFunc(tables, func(t string) bool {
		return strings.EqualFold(t, "spatial_ref_sys") || strings.EqualFold(t, "geometry_columns")
	})
	if len(others) > 0 {
		return fmt.Errorf("schema %s is not empty (%d table(s), e.g. %s) and has no %s table: refusing to apply migrations over it (Prisma error P3005). Baseline it first: https://pris.ly/d/migrate-baseline",
			schema, len(others), others[0], TableName)
	}
	log(fmt.Sprintf("creating %s in schema %s", TableName, schema))
	if _, err := conn.Exec(ctx, fmt.Sprintf(createTable, table)); err != nil {
		return fmt.Errorf("create %s: %w", TableName, err)
	}
	return nil
}

// load reads the history in Prisma's order (started_at).
func load(ctx context.Context, conn *pgx.Conn, table string) ([]record, error) {
	rows, err := conn.Query(ctx, `SELECT id, checksum, migration_name, logs, started_at, finished_at, rolled_back_at
		FROM `+table+` ORDER BY started_at ASC`)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", TableName, err)
	}
	defer rows.Close()
	var rs []record
	for rows.Next() {
		var r record
		if err := rows.Scan(&r.id, &r.checksum, &r.name, &r.logs, &r.startedAt, &r.finishedAt, &r.rolledBackAt); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// apply applies one migration and records it as Prisma does.
func apply(ctx context.Context, conn *pgx.Conn, table string, m Migration) error {
	id := uuid4()
	if _, err := conn.Exec(ctx, `INSERT INTO `+table+` (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)`,
		id, m.Checksum, m.Name); err != nil {
		return fmt.Errorf("migration %s: record its start: %w", m.Name, err)
	}
	_, runErr := conn.PgConn().Exec(ctx, string(m.Script)).ReadAll()
	if runErr == nil {
		if _, err := conn.Exec(ctx, `UPDATE `+table+` SET applied_steps_count = applied_steps_count + 1, finished_at = now() WHERE id = $1`, id); err != nil {
			return fmt.Errorf("migration %s was applied, but recording that failed (mark it with `npx prisma migrate resolve --applied %s`): %w", m.Name, m.Name, err)
		}
		return nil
	}
	// A script with its own BEGIN may leave the transaction open.
	if !conn.IsClosed() && conn.PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(context.Background(), "ROLLBACK")
	}
	logs := failureLogs(m, runErr)
	var recErr error
	if conn.IsClosed() {
		recErr = errors.New("the connection is closed")
	} else if _, err := conn.Exec(context.Background(), `UPDATE `+table+` SET logs = $1 WHERE id = $2`, logs, id); err != nil {
		recErr = err
	}
	msg := fmt.Sprintf("migration %s failed: %s", m.Name, shortError(m.Script, runErr))
	if recErr != nil {
		msg += fmt.Sprintf("\n(its error could not be stored in %s: %v)", TableName, recErr)
	}
	return errors.New(msg + "\n" + resolveHint(m.Name))
}

// failedError is the refusal when failed migrations are recorded (P3009).
func failedError(failed []record) error {
	var b strings.Builder
	for _, r := range failed {
		fmt.Fprintf(&b, "migration %s failed (started at %s UTC)", r.name, r.startedAt.UTC().Format("2006-01-02 15:04:05"))
		if r.logs != nil {
			if line := logsError(*r.logs); line != "" {
				fmt.Fprintf(&b, ": %s", line)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Prisma Migrate found failed migrations in the target database; new migrations will not be applied (Prisma error P3009).\n")
	for _, r := range failed {
		b.WriteString(resolveHint(r.name) + "\n")
	}
	return errors.New(strings.TrimSuffix(b.String(), "\n"))
}

func resolveHint(name string) string {
	return fmt.Sprintf("Fix the cause, then mark it with `npx prisma migrate resolve --rolled-back %s` (nothing of it is in the database: it is applied again on the next deploy) or `npx prisma migrate resolve --applied %s` (you completed it by hand); see %s", name, name, ResolveURL)
}

// logsError picks the database error out of a failed record's logs.
func logsError(logs string) string {
	s := logs
	if _, after, ok := strings.Cut(s, "Database error:\n"); ok {
		s = after
	}
	s = strings.TrimSpace(s)
	s, _, _ = strings.Cut(s, "\n")
	return clip(s, 300)
}

// clip cuts s to at most n bytes on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// shortError is PostgreSQL's error on one line, with the failing line.
func shortError(script []byte, err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	s := fmt.Sprintf("%s: %s (SQLSTATE %s)", pe.Severity, pe.Message, pe.Code)
	if pe.Detail != "" {
		s += "; DETAIL: " + pe.Detail
	}
	if pe.Hint != "" {
		s += "; HINT: " + pe.Hint
	}
	if n, line := errorLine(script, pe.Position); n > 0 {
		s += fmt.Sprintf("; at line %d: %s", n, clip(strings.TrimSpace(line), 160))
	} else if pe.Where != "" {
		s += "; CONTEXT: " + firstLine(pe.Where)
	}
	return s
}

// failureLogs is what Prisma stores in logs for a failed migration (its
// P3018 error message).
func failureLogs(m Migration, err error) string {
	code, dbErr := "none", err.Error()
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		code = pe.Code
		dbErr = pe.Severity + ": " + pe.Message
		if pe.Detail != "" {
			dbErr += "\nDETAIL: " + pe.Detail
		}
		if pe.Hint != "" {
			dbErr += "\nHINT: " + pe.Hint
		}
		if pe.Where != "" {
			dbErr += "\nCONTEXT: " + pe.Where
		}
		if n, _ := errorLine(m.Script, pe.Position); n > 0 {
			lines := strings.Split(string(m.Script), "\n")
			dbErr += "\n\nPosition:"
			for i := max(1, n-5); i <= n; i++ {
				dbErr += fmt.Sprintf("\n%3d %s", i, strings.TrimRight(lines[i-1], "\r"))
			}
		}
	}
	return fmt.Sprintf("A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more about how to resolve migration issues in a production database: %s\n\nMigration name: %s\n\nDatabase error code: %s\n\nDatabase error:\n%s\n",
		ResolveURL, m.Name, code, dbErr)
}

// errorLine returns the 1-based line number and text of PostgreSQL's error
// position (1-based, in characters) in script; 0 when there is none.
func errorLine(script []byte, pos int32) (int, string) {
	if pos <= 0 {
		return 0, ""
	}
	line, start, chars := 1, 0, int32(0)
	s := string(script)
	for i, r := range s {
		chars++
		if chars == pos {
			end := strings.IndexByte(s[start:], '\n')
			if end < 0 {
				end = len(s) - start
			}
			return line, s[start : start+end]
		}
		if r == '\n' {
			line++
			start = i + 1
		}
	}
	return 0, ""
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// uuid4 is a random (version 4) UUID, as Prisma uses for record IDs.
func uuid4() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
