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
//   - the application role's clone (CloneName) exists for Secrets Manager's
//     multi-user rotation, can log in (with the password the rotation sets;
//     none before), is a member of the application role and acts as it:
//     every session of the clone starts with SET ROLE to the application
//     role (see below);
//   - nothing is changed when all of that already holds (re-running is a
//     no-op), and nothing is ever dropped.
//
// # Multi-user rotation
//
// Secrets Manager's hosted multi-user rotation for PostgreSQL
// (SecretsManagerRDSPostgreSQLRotationMultiUser) alternates the application
// secret between two login roles, the application role and its clone: each
// rotation, connected as the master user, sets a new password on the role
// the secret does not name (ALTER USER ... WITH PASSWORD; it would CREATE
// ROLE the clone and GRANT it the application role if the clone were
// missing), then switches the secret to it. The other role keeps its
// password until the following rotation, so servers that still hold the
// previous value keep connecting.
//
// Left alone, objects that a clone session creates (tables of `prisma
// migrate deploy` run with the rotated secret) would be owned by the clone:
// the application role could not alter them and the read-only role's
// default privileges (set for objects of the application role) would not
// cover them. Ensure therefore creates the clone itself, without a usable
// password until the first rotation gives it one, grants it the application
// role WITH INHERIT TRUE, SET TRUE (PostgreSQL 16 separates the two; SET is
// what allows SET ROLE) and sets `ALTER ROLE <clone> SET role = '<app>'`:
// every clone session then runs as the application role (current_user is
// the application role, session_user the clone), so what it creates is the
// application role's. The rotation finds the clone and only changes its
// password.
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
	// OnClone says that Password belongs to the role's clone
	// (CloneName(Name)) rather than to Name: after a multi-user rotation
	// the application secret names the clone. Application role only.
	OnClone bool
}

// CloneSuffix is what Secrets Manager's multi-user rotation appends to the
// user name of a secret to get the alternate user (and strips from a name
// that ends with it).
const CloneSuffix = "_clone"

// CloneName is the alternate role of user in Secrets Manager's multi-user
// rotation: user + "_clone". It fails when that is longer than PostgreSQL's
// 63-byte identifier limit or user is itself a clone name (the rotation
// would alternate it with the name without the suffix).
func CloneName(user string) (string, error) {
	if strings.HasSuffix(user, CloneSuffix) {
		return "", fmt.Errorf("role %q ends with %q: the multi-user rotation would take it for the clone of %q", user, CloneSuffix, strings.TrimSuffix(user, CloneSuffix))
	}
	clone := user + CloneSuffix
	if len(clone) > 63 {
		return "", fmt.Errorf("role %q is too long for a multi-user rotation: its clone %q would exceed 63 bytes", user, clone)
	}
	return clone, nil
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
	if clone, err := CloneName(s.App.Name); err != nil {
		errs = append(errs, err)
	} else if clone == s.ReadOnly.Name {
		errs = append(errs, fmt.Errorf("the read-only role %q is the application role's clone", s.ReadOnly.Name))
	}
	if s.ReadOnly.OnClone {
		errs = append(errs, errors.New("only the application role has a clone"))
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

	// The application password is the clone's when the secret names the
	// clone; the other role of the pair is created without a password (the
	// rotation gives it one) and its password is never changed here.
	cloneName, _ := CloneName(s.App.Name)
	appRole, cloneRole := s.App, Role{Name: cloneName}
	if s.App.OnClone {
		appRole, cloneRole = Role{Name: s.App.Name}, Role{Name: cloneName, Password: s.App.Password, SetPassword: s.App.SetPassword}
	}
	for _, r := range []Role{appRole, s.ReadOnly, cloneRole} {
		if err := e.role(r); err != nil {
			return nil, err
		}
	}
	app, ro, schema, clone := ident(s.App.Name), ident(s.ReadOnly.Name), ident(s.Schema), ident(cloneName)

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
		// The clone acts as the application role (see the package comment).
		// PostgreSQL 16: SET TRUE allows SET ROLE, INHERIT TRUE gives the
		// privileges without it (what the rotation's own GRANT would give).
		{`SELECT NOT EXISTS (SELECT 1 FROM pg_auth_members m
		   WHERE m.roleid = to_regrole($1) AND m.member = to_regrole($2) AND m.inherit_option AND m.set_option)`,
			[]any{s.App.Name, cloneName},
			"GRANT " + app + " TO " + clone + " WITH INHERIT TRUE, SET TRUE"},
		{roleSettingMissing, []any{cloneName, "role=" + s.App.Name},
			"ALTER ROLE " + clone + " SET role = " + literal(s.App.Name)},
		{roleSettingMissing, []any{cloneName, "search_path=" + s.Schema},
			"ALTER ROLE " + clone + " SET search_path = " + schema},
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

// role makes r exist as a login role; an empty Password creates it without
// one (it cannot log in with a password until one is set).
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
		create := "CREATE ROLE " + ident(r.Name) + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
		if r.Password == "" {
			return e.exec(create)
		}
		v, err := ScramVerifier(r.Password)
		if err != nil {
			return err
		}
		return e.exec(create + " PASSWORD " + literal(v))
	}
	if !canLogin {
		if err := e.exec("ALTER ROLE " + ident(r.Name) + " LOGIN"); err != nil {
			return err
		}
	}
	if r.SetPassword && r.Password != "" {
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
