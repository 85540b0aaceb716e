package rotation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
)

// connect logs in as user to the database of sec over verified TLS,
// retrying for ConnectWait while the server cannot be reached.
func (r *Rotator) connect(ctx context.Context, sec *dbSecret, user, password string) (*pgx.Conn, error) {
	cfg, err := dbconn.Config(sec.Host, sec.Port, sec.DBName, r.Roots)
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password = user, password
	cfg.RuntimeParams["application_name"] = ApplicationName
	wait, every := r.ConnectWait, r.RetryEvery
	if wait <= 0 {
		wait = 30 * time.Second
	}
	if every <= 0 {
		every = 2 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	return dbconn.ConnectWithRetry(cctx, cfg, every, r.Logf)
}

// loginRefused reports whether the server refused the login (wrong
// password, no such role, a role that may not log in): what a password
// that is not set yet looks like. Other errors (an untrusted certificate,
// an unreachable server) are not.
func loginRefused(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000")
}

// tryLogin logs in with sec's credentials and closes the session: nil when
// they work, errRefused when the server refuses them, another error when it
// cannot tell.
func (r *Rotator) tryLogin(ctx context.Context, sec *dbSecret) error {
	conn, err := r.connect(ctx, sec, sec.Username, sec.Password)
	if err != nil {
		if loginRefused(err) {
			return fmt.Errorf("%w: %w", errRefused, err)
		}
		return err
	}
	return conn.Close(ctx)
}

var errRefused = errors.New("login refused")

// setPassword sets password on user over conn, as a SCRAM-SHA-256 verifier,
// in a read-write transaction (the read-only user's sessions default to
// read-only ones).
func setPassword(ctx context.Context, conn *pgx.Conn, user, password string) error {
	v, err := roles.ScramVerifier(password)
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadWrite})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// The statement is never part of an error: it holds the verifier.
	if _, err := tx.Exec(ctx, "ALTER ROLE "+pgx.Identifier{user}.Sanitize()+" PASSWORD '"+strings.ReplaceAll(v, "'", "''")+"'"); err != nil {
		return fmt.Errorf("ALTER ROLE %s PASSWORD '***': %w", pgx.Identifier{user}.Sanitize(), err)
	}
	return tx.Commit(ctx)
}

// set makes the pending password work.
func (s *stepRun) set(ctx context.Context) error {
	current, strategy, wantUser, err := s.readCurrent(ctx)
	if err != nil {
		return err
	}
	pending, err := s.read(ctx, s.token, StagePending)
	if err != nil {
		return err
	}
	// The pending secret may only differ in user name (as the strategy
	// says) and password: never log in anywhere else.
	switch {
	case pending.Username != wantUser:
		return fmt.Errorf("the %s secret names user %q; the %s strategy rotates %q from the current %q", StagePending, pending.Username, strategy, wantUser, current.Username)
	case pending.Host != current.Host || pending.Port != current.Port || pending.DBName != current.DBName:
		return fmt.Errorf("the %s secret is for %s:%s/%s, the current one for %s:%s/%s", StagePending,
			pending.Host, pending.Port, pending.DBName, current.Host, current.Port, current.DBName)
	case pending.MasterARN != current.MasterARN:
		return fmt.Errorf("the %s secret names another master secret than the current one", StagePending)
	}

	// Done already (a retry, or a password set by hand)?
	switch err := s.r.tryLogin(ctx, pending); {
	case err == nil:
		s.logf("the %s password of user %q works already: nothing to set", StagePending, pending.Username)
		return nil
	case !errors.Is(err, errRefused):
		return fmt.Errorf("log in as %q with the %s secret: %w", pending.Username, StagePending, err)
	}
	if strategy == MultiUser {
		return s.setMultiUser(ctx, current, pending)
	}
	return s.setSingleUser(ctx, current, pending)
}

// setSingleUser logs in as the user with the current (or else the
// previous) password and sets the pending one.
func (s *stepRun) setSingleUser(ctx context.Context, current, pending *dbSecret) error {
	conn, err := s.r.connect(ctx, current, current.Username, current.Password)
	if err != nil && loginRefused(err) {
		s.logf("user %q cannot log in with the %s password; trying the %s one", current.Username, StageCurrent, StagePrevious)
		previous, perr := s.read(ctx, "", StagePrevious)
		switch {
		case errors.Is(perr, ErrNotFound):
			return fmt.Errorf("user %q logs in with neither the %s nor the %s password, and there is no %s version: %w",
				current.Username, StagePending, StageCurrent, StagePrevious, err)
		case perr != nil:
			return perr
		case previous.Username != current.Username || previous.Host != current.Host || previous.Port != current.Port || previous.DBName != current.DBName:
			return fmt.Errorf("user %q logs in with neither the %s nor the %s password, and the %s version is for another user or database: %w",
				current.Username, StagePending, StageCurrent, StagePrevious, err)
		}
		conn, err = s.r.connect(ctx, current, previous.Username, previous.Password)
		if err != nil {
			return fmt.Errorf("user %q logs in with none of the %s, %s and %s passwords: %w",
				current.Username, StagePending, StageCurrent, StagePrevious, err)
		}
	}
	if err != nil {
		return fmt.Errorf("log in as %q: %w", current.Username, err)
	}
	defer conn.Close(context.Background())
	if err := setPassword(ctx, conn, pending.Username, pending.Password); err != nil {
		return err
	}
	s.logf("set the %s password of user %q", StagePending, pending.Username)
	return nil
}

// setMultiUser checks that the current secret logs in, then sets the
// pending user's password as the master user.
func (s *stepRun) setMultiUser(ctx context.Context, current, pending *dbSecret) error {
	// The credentials being rotated must be valid: the function never acts
	// for a secret that does not already give access (confused deputy).
	if err := s.r.tryLogin(ctx, current); err != nil {
		return fmt.Errorf("the %s secret (user %q) does not log in: %w", StageCurrent, current.Username, err)
	}
	raw, err := s.r.Secrets.GetSecretValue(ctx, current.MasterARN, "", StageCurrent)
	if err != nil {
		return fmt.Errorf("read the master secret %s: %w", current.MasterARN, err)
	}
	master, err := parseMasterSecret(current.MasterARN, raw, current)
	if err != nil {
		return err
	}
	app := baseUser(pending.Username)
	if master.Username == pending.Username || master.Username == app {
		return fmt.Errorf("the secret rotates the master user %q; refusing", master.Username)
	}
	conn, err := s.r.connect(ctx, current, master.Username, master.Password)
	if err != nil {
		return fmt.Errorf("log in as the master user %q: %w", master.Username, err)
	}
	defer conn.Close(context.Background())

	var exists, super, canLogin, member bool
	err = conn.QueryRow(ctx, `SELECT true, rolsuper, rolcanlogin,
		    EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = to_regrole($2) AND m.member = r.oid AND m.set_option)
		  FROM pg_roles r WHERE rolname = $1`, pending.Username, app).Scan(&exists, &super, &canLogin, &member)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("look up role %q: %w", pending.Username, err)
	}
	const ensureHint = "the database construct's role custom resource (functions/roles.Ensure) creates and repairs it; the rotation never creates roles"
	switch {
	case !exists:
		return fmt.Errorf("role %q does not exist: %s", pending.Username, ensureHint)
	case super:
		return fmt.Errorf("role %q is a superuser; refusing to rotate it", pending.Username)
	case !canLogin:
		return fmt.Errorf("role %q cannot log in (NOLOGIN): %s", pending.Username, ensureHint)
	case pending.Username != app && !member:
		return fmt.Errorf("role %q is not a member of %q WITH SET TRUE: %s", pending.Username, app, ensureHint)
	}
	if err := setPassword(ctx, conn, pending.Username, pending.Password); err != nil {
		return err
	}
	s.logf("set the %s password of user %q as the master user %q", StagePending, pending.Username, master.Username)
	return nil
}

// test logs in with the pending secret and checks who the session is.
func (s *stepRun) test(ctx context.Context) error {
	pending, err := s.read(ctx, s.token, StagePending)
	if err != nil {
		return err
	}
	strategy, err := s.strategy(pending)
	if err != nil {
		return err
	}
	conn, err := s.r.connect(ctx, pending, pending.Username, pending.Password)
	if err != nil {
		return fmt.Errorf("log in as %q with the %s secret: %w", pending.Username, StagePending, err)
	}
	defer conn.Close(context.Background())
	var sessionUser, currentUser string
	var one int
	if err := conn.QueryRow(ctx, `SELECT session_user, current_user, 1`).Scan(&sessionUser, &currentUser, &one); err != nil {
		return fmt.Errorf("query as %q: %w", pending.Username, err)
	}
	wantCurrent := sessionUser
	if strategy == MultiUser {
		// The clone acts as the application role (ALTER ROLE ... SET role).
		wantCurrent = baseUser(pending.Username)
	}
	if sessionUser != pending.Username || currentUser != wantCurrent {
		return fmt.Errorf("the %s secret logs in as session_user %q, current_user %q; want %q, %q", StagePending, sessionUser, currentUser, pending.Username, wantCurrent)
	}
	s.logf("user %q logs in with the %s secret (current_user %q)", pending.Username, StagePending, currentUser)
	return nil
}
