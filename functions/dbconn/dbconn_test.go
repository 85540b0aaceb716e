package dbconn_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/rdsca"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/pgtest"
)

// The server's certificate is valid for "localhost" only, so that
// 127.0.0.1 (the same server) is a wrong host name.
var srv *pgtest.Server

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{TLS: &pgtest.TLSOptions{Hosts: []string{"localhost"}}}, &srv, pgtest.RDS("master", "master-password-0123456789", "medbookings"))
}

func TestConfigVerifiesTheServer(t *testing.T) {
	other, err := pgtest.NewCA("unrelated")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(srv.Port)
	for _, c := range []struct {
		name  string
		host  string
		roots *x509.CertPool
		// want is "" for a connection, else what the error must be.
		want string
		is   func(error) bool
	}{
		{"the server's CA and name", "localhost", srv.CA.Pool(), "", nil},
		{"an unrelated CA", "localhost", other.Pool(), "certificate signed by unknown authority",
			func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{"the RDS CAs", "localhost", rdsca.Pool(), "certificate signed by unknown authority",
			func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{"a name the certificate does not have", "127.0.0.1", srv.CA.Pool(), "cannot validate certificate for 127.0.0.1",
			func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := dbconn.Config(c.host, port, "medbookings", c.roots)
			if err != nil {
				t.Fatal(err)
			}
			cfg.User, cfg.Password = "master", "master-password-0123456789"
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			conn, err := dbconn.ConnectWithRetry(ctx, cfg, time.Second, t.Logf)
			if c.want == "" {
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				defer conn.Close(ctx)
				var ssl bool
				if err := conn.QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl); err != nil || !ssl {
					t.Errorf("pg_stat_ssl.ssl = %v (%v); want a TLS connection", ssl, err)
				}
				return
			}
			if err == nil {
				conn.Close(ctx)
				t.Fatalf("connected; want an error containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) || !c.is(err) || !dbconn.Permanent(err) {
				t.Errorf("error %v; want a permanent certificate error containing %q", err, c.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("a certificate error was retried for %s; want no retry", d)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	roots := x509.NewCertPool()
	cfg, err := dbconn.Config("db.example.eu-west-1.rds.amazonaws.com", "5432", "medbookings", roots)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "db.example.eu-west-1.rds.amazonaws.com" || cfg.Port != 5432 || cfg.Database != "medbookings" || len(cfg.Fallbacks) != 0 ||
		cfg.TLSConfig == nil || cfg.TLSConfig.RootCAs != roots || cfg.TLSConfig.ServerName != cfg.Host ||
		cfg.TLSConfig.MinVersion != tls.VersionTLS12 || cfg.TLSConfig.InsecureSkipVerify {
		t.Errorf("Config = host %q port %d db %q fallbacks %d tls %+v; want verify-full TLS to the host and no fallback",
			cfg.Host, cfg.Port, cfg.Database, len(cfg.Fallbacks), cfg.TLSConfig)
	}
	for _, c := range []struct{ name, host, port, db string }{
		{"no host", "", "5432", "medbookings"},
		{"no database", "h", "5432", ""},
		{"port not a number", "h", "54x", "medbookings"},
		{"port out of range", "h", "70000", "medbookings"},
		{"injection in host", "h sslmode=disable", "5432", "medbookings"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := dbconn.Config(c.host, c.port, c.db, roots)
			if err == nil && (cfg.Host == "h" || len(cfg.Fallbacks) != 0 || cfg.TLSConfig == nil) {
				t.Errorf("Config accepted %q/%q/%q as %+v", c.host, c.port, c.db, cfg)
			}
		})
	}
	if _, err := dbconn.Config("h", "5432", "medbookings", nil); err == nil {
		t.Error("Config without certificate authorities: want an error")
	}
}

func TestPermanent(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"unknown authority", fmt.Errorf("x: %w", x509.UnknownAuthorityError{}), true},
		{"host name", fmt.Errorf("x: %w", x509.HostnameError{}), true},
		{"password", &pgconn.PgError{Code: "28P01"}, true},
		{"no such database", &pgconn.PgError{Code: "3D000"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, false},
		{"timeout", context.DeadlineExceeded, false},
		{"refused", errors.New("dial tcp: connection refused"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := dbconn.Permanent(c.err); got != c.want {
				t.Errorf("Permanent(%v) = %v; want %v", c.err, got, c.want)
			}
		})
	}
}

func TestParseSecret(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        dbconn.Credentials
		wantErr     bool
	}{
		{"rotation secret", `{"engine":"postgres","host":"h","username":"medbookings_app_clone","password":"p4ss","masterarn":"arn:x"}`,
			dbconn.Credentials{Username: "medbookings_app_clone", Password: "p4ss"}, false},
		{"no password", `{"username":"u"}`, dbconn.Credentials{}, true},
		{"not JSON", `secret-text`, dbconn.Credentials{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := dbconn.ParseSecret("arn:secret", c.value)
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("ParseSecret = %+v, %v; want %+v (error %v)", got, err, c.want, c.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "p4ss") {
				t.Errorf("the error leaks the value: %v", err)
			}
		})
	}
}
