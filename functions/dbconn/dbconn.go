// Package dbconn is how the custom resource functions (functions/dbroles,
// functions/migrate) reach the RDS instance: credentials from a Secrets
// Manager secret, TLS that verifies the server certificate against the RDS
// certificate authorities (functions/rdsca) and its host name (libpq's
// sslmode=verify-full, with no plaintext fallback), and a connection retry
// for an instance that is still starting.
package dbconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Config returns the configuration to connect to database on host:port over
// TLS (1.2 or later) only, verifying that roots issued the server
// certificate and that it is valid for host. Give rdsca.Pool() as roots in
// the functions. The caller sets User and Password.
func Config(host, port, database string, roots *x509.CertPool) (*pgx.ConnConfig, error) {
	if host == "" || database == "" {
		return nil, errors.New("dbconn: host and database are required")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("dbconn: port %q is not a TCP port", port)
	}
	if roots == nil {
		return nil, errors.New("dbconn: no certificate authorities to verify the server with")
	}
	// sslmode=disable only keeps ParseConfig from building TLS settings of
	// its own; TLSConfig below is the only way the connection is made.
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=%s sslmode=disable connect_timeout=10",
		quote(host), port, quote(database)))
	if err != nil {
		return nil, err
	}
	cfg.TLSConfig = &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}
	cfg.Fallbacks = nil
	return cfg, nil
}

// quote quotes a connection-string value.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// ConnectWithRetry connects, waiting every interval for an instance that is
// still starting (just created, or started by the staging schedule), until
// ctx ends. It gives up at once on errors that waiting cannot cure: a
// server certificate that does not verify, a refused login.
func ConnectWithRetry(ctx context.Context, cfg *pgx.ConnConfig, every time.Duration, logf func(format string, args ...any)) (*pgx.Conn, error) {
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn, nil
		}
		if Permanent(err) {
			return nil, fmt.Errorf("connect to %s:%d: %w", cfg.Host, cfg.Port, err)
		}
		if logf != nil {
			logf("connect: %v (retrying in %s)", err, every)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to %s:%d: %w", cfg.Host, cfg.Port, err)
		case <-time.After(every):
		}
	}
}

// Permanent reports whether a connection error will not go away by waiting:
// the server certificate did not verify, or the server refused the login
// (SQLSTATE class 28) or the database (3D000).
func Permanent(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		pgErr    *pgconn.PgError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return true
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "28") || pgErr.Code == "3D000"
	}
	return false
}

// Credentials are the user name and password of a database secret (the
// JSON that RDS and the hosted rotation functions keep; other keys such as
// host or masterarn are ignored).
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SecretsAPI is the part of the Secrets Manager client ReadSecret uses.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// ReadSecret reads the current value of the secret arn.
func ReadSecret(ctx context.Context, sm SecretsAPI, arn string) (Credentials, error) {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return Credentials{}, fmt.Errorf("read secret %s: %w", arn, err)
	}
	return ParseSecret(arn, aws.ToString(out.SecretString))
}

// SecretReader is ReadSecret with a Secrets Manager client from the
// function's own AWS configuration (its role, its region).
func SecretReader(ctx context.Context) (func(ctx context.Context, arn string) (Credentials, error), error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	sm := secretsmanager.NewFromConfig(cfg)
	return func(ctx context.Context, arn string) (Credentials, error) { return ReadSecret(ctx, sm, arn) }, nil
}

// ParseSecret decodes a secret's JSON value (arn only names it in errors,
// which never include the value).
func ParseSecret(arn, value string) (Credentials, error) {
	var c Credentials
	if err := json.Unmarshal([]byte(value), &c); err != nil || c.Username == "" || c.Password == "" {
		return Credentials{}, fmt.Errorf("secret %s has no username and password", arn)
	}
	return c, nil
}
