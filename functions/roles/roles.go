// Package roles creates the MedBookings application and read-only PostgreSQL
// roles, idempotently. It is the logic of the database construct's custom
// resource (functions/dbroles) and is tested against a real server.
//
// What Ensure guarantees, connected as the RDS master user (a CREATEROLE,
// non-superuser role, as on RDS):
//
//   - the application role exists, can log in, owns the application schema
//     (so `prisma migrate deploy` can create and alter tables in it) and has
//     that schema as its search_path;
//   - the read-only role exists, can log in, has USAGE on the schema and
//     SELECT on every table in it, including tables the application role
//     creates later (ALTER DEFAULT PRIVILEGES), and its sessions default to
//     read-only transactions;
//   - nothing is changed when all of that already holds (re-running is a
//     no-op), and nothing is ever dropped.
//
// Passwords are sent as SCRAM-SHA-256 verifiers computed here, so the clear
// text never reaches the server (nor its statement log).
package roles

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Role is a login role and the password it must have.
type Role struct {
	Name     string
	Password string
	// SetPassword sets Password on a role that already exists; a role that
	// is created always gets Password.
	SetPassword bool
}

// Spec is what Ensure makes true.
type Spec struct {
	// Schema is the application schema, owned by App.
	Schema   string
	App      Role
	ReadOnly Role
}

var nameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// reserved are names a role or schema of ours may never take.
var reserved = map[string]bool{
	"postgres": true, "public": true, "rdsadmin": true, "rdsrepladmin": true, "rds_superuser": true,
	"current_user": true, "current_role": true, "session_user": true, "none": true, "all": true,
	"information_schema": true,
}

// ValidateName checks a role or schema name: lower-case letters, digits and
// underscores, starting with a letter or underscore, at most 63 bytes, not a
// system name (pg_*, rds*) or a reserved word.
func ValidateName(what, name string) error {
	switch {
	case !nameRE.MatchString(name):
		return fmt.Errorf("%s %q is not allowed: use 1-63 lower-case letters, digits and underscores, starting with a letter or underscore", what, name)
	case strings.HasPrefix(name, "pg_") || strings.HasPrefix(name, "rds"):
		return fmt.Errorf("%s %q is not allowed: names starting with pg_ or rds are reserved by PostgreSQL and RDS", what, name)
	case reserved[name]:
		return fmt.Errorf("%s %q is not allowed: it is a reserved name", what, name)
	}
	return nil
}

// Validate checks the spec before anything touches the database.
func (s Spec) Validate() error {
	var errs []error
	for _, c := range []struct{ what, name string }{
		{"schema", s.Schema}, {"application role", s.App.Name}, {"read-only role", s.ReadOnly.Name},
	} {
		if err := ValidateName(c.what, c.name); err != nil {
			errs = append(errs, err)
		}
	}
	if s.App.Name == s.ReadOnly.Name {
		errs = append(errs, fmt.Errorf("the application and read-only roles must differ (both %q)", s.App.Name))
	}
	for _, r := range []Role{s.App, s.ReadOnly} {
		if len(r.Password) < 16 || len(r.Password) > 1024 || strings.ContainsRune(r.Password, 0) {
			errs = append(errs, fmt.Errorf("the password of %q must be 16 to 1024 bytes without NUL", r.Name))
		}
	}
	return errors.Join(errs...)
}

// Change describes one statement Ensure ran.
type Change string

// Ensure makes the spec true on conn's database and returns what it changed
// (nothing when everything already held). It runs in one transaction.
func Ensure(ctx context.Context, conn *pgx.Conn, s Spec) ([]Change, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	e := &ensurer{ctx: ctx, tx: tx}

	for _, r := range []Role{s.App, s.ReadOnly} {
		if err := e.role(r); err != nil {
			return nil, err
		}
	}
	app, ro, schema := ident(s.App.Name), ident(s.ReadOnly.Name), ident(s.Schema)

	// The master user must be able to act as the application role to give it
	// the schema and set its default privileges (PostgreSQL 16 no longer
	// makes the creator of a role a usable member of it).
	if err := e.when(`SELECT NOT pg_has_role(current_user, $1, 'USAGE')`, []any{s.App.Name},
		"GRANT "+app+" TO current_user"); err != nil {
		return nil, err
	}
	var owner *string
	if err := tx.QueryRow(ctx, `SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1`, s.Schema).Scan(&owner); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	switch {
	case owner == nil:
		if err := e.exec("CREATE SCHEMA " + schema + " AUTHORIZATION " + app); err != nil {
			return nil, err
		}
	case *owner != s.App.Name:
		if err := e.exec("ALTER SCHEMA " + schema + " OWNER TO " + app); err != nil {
			return nil, err
		}
	}
	steps := []struct {
		cond string
		args []any
		stmt string
	}{
		{`SELECT NOT has_database_privilege($1, current_database(), 'CONNECT')`, []any{s.App.Name},
			"GRANT CONNECT ON DATABASE " + ident(currentDB(e)) + " TO " + app},
		{`SELECT NOT has_database_privilege($1, current_database(), 'CONNECT')`, []any{s.ReadOnly.Name},
			"GRANT CONNECT ON DATABASE " + ident(currentDB(e)) + " TO " + ro},
		{`SELECT NOT has_schema_privilege($1, $2, 'USAGE')`, []any{s.ReadOnly.Name, s.Schema},
			"GRANT USAGE ON SCHEMA " + schema + " TO " + ro},
		{`SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		   WHERE n.nspname = $2 AND c.relkind IN ('r','p','v','m','f') AND NOT has_table_privilege($1, c.oid, 'SELECT'))`,
			[]any{s.ReadOnly.Name, s.Schema},
			"GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + ro},
		{`SELECT NOT EXISTS (SELECT 1 FROM pg_default_acl d, aclexplode(d.defaclacl) a
		   WHERE d.defaclrole = to_regrole($1) AND d.defaclnamespace = to_regnamespace($2) AND d.defaclobjtype = 'r'
		     AND a.grantee = to_regrole($3) AND a.privilege_type = 'SELECT')`,
			[]any{s.App.Name, s.Schema, s.ReadOnly.Name},
			"ALTER DEFAULT PRIVILEGES FOR ROLE " + app + " IN SCHEMA " + schema + " GRANT SELECT ON TABLES TO " + ro},
		{roleSettingMissing, []any{s.App.Name, "search_path=" + s.Schema},
			"ALTER ROLE " + app + " SET search_path = " + schema},
		{roleSettingMissing, []any{s.ReadOnly.Name, "search_path=" + s.Schema},
			"ALTER ROLE " + ro + " SET search_path = " + schema},
		{roleSettingMissing, []any{s.ReadOnly.Name, "default_transaction_read_only=on"},
			"ALTER ROLE " + ro + " SET default_transaction_read_only = on"},
	}
	for _, st := range steps {
		if err := e.when(st.cond, st.args, st.stmt); err != nil {
			return nil, err
		}
	}
	if e.err != nil {
		return nil, e.err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return e.changes, nil
}

const roleSettingMissing = `SELECT NOT EXISTS (SELECT 1 FROM pg_db_role_setting s
   WHERE s.setrole = to_regrole($1) AND s.setdatabase = 0 AND $2 = ANY (s.setconfig))`

type ensurer struct {
	ctx     context.Context
	tx      pgx.Tx
	changes []Change
	db      string
	err     error
}

func currentDB(e *ensurer) string {
	if e.db == "" && e.err == nil {
		e.err = e.tx.QueryRow(e.ctx, `SELECT current_database()`).Scan(&e.db)
	}
	return e.db
}

func (e *ensurer) exec(stmt string) error {
	if e.err != nil {
		return e.err
	}
	if _, err := e.tx.Exec(e.ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", redact(stmt), err)
	}
	e.changes = append(e.changes, Change(redact(stmt)))
	return nil
}

// when runs stmt if the query cond returns true.
func (e *ensurer) when(cond string, args []any, stmt string) error {
	if e.err != nil {
		return e.err
	}
	var need bool
	if err := e.tx.QueryRow(e.ctx, cond, args...).Scan(&need); err != nil {
		return fmt.Errorf("check before %q: %w", redact(stmt), err)
	}
	if !need {
		return nil
	}
	return e.exec(stmt)
}

func (e *ensurer) role(r Role) error {
	var exists, canLogin, super bool
	err := e.tx.QueryRow(e.ctx, `SELECT true, rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1`, r.Name).Scan(&exists, &canLogin, &super)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if super {
		return fmt.Errorf("role %q exists and is a superuser; refusing to manage it", r.Name)
	}
	if !exists {
		v, err := ScramVerifier(r.Password)
		if err != nil {
			return err
		}
		return e.exec("CREATE ROLE " + ident(r.Name) + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD " + literal(v))
	}
	if !canLogin {
		if err := e.exec("ALTER ROLE " + ident(r.Name) + " LOGIN"); err != nil {
			return err
		}
	}
	if r.SetPassword {
		v, err := ScramVerifier(r.Password)
		if err != nil {
			return err
		}
		return e.exec("ALTER ROLE " + ident(r.Name) + " PASSWORD " + literal(v))
	}
	return nil
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// literal quotes a string constant (standard_conforming_strings is on in
// every supported PostgreSQL; the verifier has no quote or backslash anyway).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

var passwordRE = regexp.MustCompile(`PASSWORD '[^']*'`)

// redact hides password verifiers in statements that are logged or returned.
func redact(stmt string) string { return passwordRE.ReplaceAllString(stmt, "PASSWORD '***'") }

// ScramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password (RFC 5802/7677, 4096 iterations, 16-byte random salt).
func ScramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	const iter = 4096
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	server := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iter, b64(salt), b64(stored[:]), b64(server)), nil
}
