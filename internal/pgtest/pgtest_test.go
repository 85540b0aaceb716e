package pgtest_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/pgtest"
)

func start(t *testing.T, opts pgtest.Options) *pgtest.Server {
	t.Helper()
	srv, err := pgtest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

func tryConnect(dsn string, tweak func(*pgx.ConnConfig)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	if tweak != nil {
		tweak(cfg)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestServerWithoutTLS(t *testing.T) {
	srv := start(t, pgtest.Options{})
	if !strings.HasPrefix(srv.Version, "PostgreSQL 16.13 ") {
		t.Errorf("Version = %q; want PostgreSQL 16.13", srv.Version)
	}
	if srv.Host != "127.0.0.1" || srv.Port == 0 || srv.CA != nil {
		t.Errorf("Host, Port, CA = %q, %d, %v; want 127.0.0.1, a port, no CA", srv.Host, srv.Port, srv.CA)
	}
	if err := srv.BootstrapRDS("master", "master-password-0123456789", "app"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, dsn string
		wantState string // "" for success
	}{
		{"superuser", srv.SuperuserDSN("postgres"), ""},
		{"master", srv.DSN("master", "master-password-0123456789", "app"), ""},
		{"wrong password", srv.DSN("master", "wrong-password", "app"), "28P01"},
		{"superuser wrong password", srv.DSN(pgtest.Superuser, "nope", "postgres"), "28P01"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := tryConnect(c.dsn, nil)
			if got := sqlState(err); got != c.wantState || (c.wantState == "" && err != nil) {
				t.Errorf("connect: %v; want SQLSTATE %q", err, c.wantState)
			}
		})
	}

	// The master is an RDS-like master: not a superuser, CREATEROLE, CREATEDB,
	// owner of the database; passwords are SCRAM-SHA-256.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.SuperuserDSN("app"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var super, createRole, createDB bool
	var owner, verifier string
	err = conn.QueryRow(ctx, `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, pg_get_userbyid(d.datdba), a.rolpassword
		FROM pg_roles r, pg_database d, pg_authid a
		WHERE r.rolname = 'master' AND d.datname = 'app' AND a.rolname = 'master'`).Scan(&super, &createRole, &createDB, &owner, &verifier)
	if err != nil {
		t.Fatal(err)
	}
	if super || !createRole || !createDB || owner != "master" || !strings.HasPrefix(verifier, "SCRAM-SHA-256$") {
		t.Errorf("master: super=%v createrole=%v createdb=%v owner=%q verifier=%.14q; want an RDS-like master", super, createRole, createDB, owner, verifier)
	}
	var listen string
	if err := conn.QueryRow(ctx, `SHOW listen_addresses`).Scan(&listen); err != nil || listen != "127.0.0.1" {
		t.Errorf("listen_addresses = %q (%v); want 127.0.0.1 only", listen, err)
	}
}

func TestServerWithTLS(t *testing.T) {
	srv := start(t, pgtest.Options{TLS: &pgtest.TLSOptions{}})
	if srv.CA == nil || !strings.Contains(string(srv.CA.PEM), "BEGIN CERTIFICATE") {
		t.Fatalf("CA = %v; want a PEM certificate", srv.CA)
	}
	other, err := pgtest.NewCA("unrelated")
	if err != nil {
		t.Fatal(err)
	}
	verify := func(host string, roots *x509.CertPool) func(*pgx.ConnConfig) {
		return func(cfg *pgx.ConnConfig) {
			cfg.Fallbacks = nil
			cfg.TLSConfig = &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}
		}
	}
	for _, c := range []struct {
		name    string
		dsn     string
		tweak   func(*pgx.ConnConfig)
		wantErr string // "" for success
	}{
		{"verify-full DSN", srv.SuperuserDSN("postgres"), nil, ""},
		{"server CA, IP", srv.SuperuserDSN("postgres"), verify("127.0.0.1", srv.CA.Pool()), ""},
		{"server CA, localhost", srv.SuperuserDSN("postgres"), verify("localhost", srv.CA.Pool()), ""},
		{"unrelated CA", srv.SuperuserDSN("postgres"), verify("127.0.0.1", other.Pool()), "certificate signed by unknown authority"},
		{"wrong host name", srv.SuperuserDSN("postgres"), verify("db.example.com", srv.CA.Pool()), "not db.example.com"},
		{"no TLS refused", srv.SuperuserDSN("postgres", "sslmode=disable"), nil, "no encryption"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := tryConnect(c.dsn, c.tweak)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("connect: %v; want success", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("connect: %v; want an error containing %q", err, c.wantErr)
			}
		})
	}
}

func TestStopRemovesEverything(t *testing.T) {
	srv, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dsn := srv.SuperuserDSN("postgres")
	if err := tryConnect(dsn, nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := tryConnect(dsn, nil); err == nil {
		t.Error("the server still accepts connections after Stop")
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("a second Stop: %v; want nil", err)
	}
	// Its folder (named in the DSN's sslrootcert only with TLS) is gone: no
	// pgtest-cluster-* folder of this process is left.
	entries, _ := os.ReadDir(os.TempDir())
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "pgtest-cluster-") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(os.TempDir(), e.Name(), "owner.pid"))
		if err == nil && string(b) == strconv.Itoa(os.Getpid()) {
			t.Errorf("%s is left after Stop", e.Name())
		}
	}
}

// TestStaleClusterReaped: a test process that dies without Stop leaves its
// server running; the next Start stops it and removes its folder.
func TestStaleClusterReaped(t *testing.T) {
	if os.Getenv("PGTEST_ORPHAN_CHILD") == "1" {
		srv, err := pgtest.Start(pgtest.Options{TLS: &pgtest.TLSOptions{}})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("orphan-dsn %s\n", srv.SuperuserDSN("postgres"))
		os.Exit(0) // no Stop: as if killed by a timeout
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStaleClusterReaped$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PGTEST_ORPHAN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var dsn string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "orphan-dsn "); ok {
			dsn = d
		}
	}
	if dsn == "" {
		t.Fatalf("the child printed no DSN:\n%s", out)
	}
	if err := tryConnect(dsn, nil); err != nil {
		t.Fatalf("the orphaned server is not running: %v", err)
	}
	// With TLS the DSN names the CA file in the server's folder.
	m := regexp.MustCompile(`sslrootcert='([^']+)'`).FindStringSubmatch(dsn)
	if m == nil {
		t.Fatalf("no sslrootcert in %q", dsn)
	}
	start(t, pgtest.Options{})
	if err := tryConnect(dsn, nil); err == nil {
		t.Error("the orphaned server still runs after the next Start")
	}
	if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
		t.Errorf("the orphaned server's folder %s: %v; want it removed", filepath.Dir(m[1]), err)
	}
}

// TestClustersComeFromOneTemplate: initdb runs once per machine; each
// server is a copy with its own superuser password, which the other's
// does not open.
func TestClustersComeFromOneTemplate(t *testing.T) {
	a, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	b, err := pgtest.Start(pgtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	if a.SuperuserPassword == b.SuperuserPassword {
		t.Fatal("two servers share a superuser password")
	}
	ta, err := a.TemplateDir()
	if err != nil {
		t.Fatal(err)
	}
	if tb, _ := b.TemplateDir(); ta != tb {
		t.Errorf("two templates: %s and %s", ta, tb)
	}
	ctx := context.Background()
	if conn, err := pgx.Connect(ctx, b.DSN(pgtest.Superuser, a.SuperuserPassword, "postgres")); err == nil {
		conn.Close(ctx)
		t.Error("one server's superuser password opens the other")
	}
}
