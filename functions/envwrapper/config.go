package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// The wrapper's configuration variables (set on the Lambda function).
const (
	// EnvSecrets lists the secrets (ARNs, comma-separated) whose JSON keys
	// become environment variables of the same name.
	EnvSecrets = "MEDBOOKINGS_SECRETS"
	// EnvDatabaseSecret is the ARN of an RDS-style secret (username,
	// password, host, port, dbname) from which DATABASE_URL is composed.
	EnvDatabaseSecret = "MEDBOOKINGS_DATABASE_SECRET"
	// EnvDatabaseURLParams is the query string appended to DATABASE_URL.
	EnvDatabaseURLParams = "MEDBOOKINGS_DATABASE_URL_PARAMS"
	// EnvTimeout bounds the whole fetch (a Go duration; DefaultTimeout if
	// unset).
	EnvTimeout = "MEDBOOKINGS_SECRETS_TIMEOUT"
)

// DatabaseURLVar is the variable that receives the composed database URL.
const DatabaseURLVar = "DATABASE_URL"

// DefaultTimeout is the default bound on fetching all secrets. Lambda gives
// the whole init phase 10 s; Secrets Manager usually answers in well under
// 100 ms.
const DefaultTimeout = 5 * time.Second

// maxTimeout keeps the wrapper inside Lambda's 10 s init phase.
const maxTimeout = 9 * time.Second

// Config is the wrapper's configuration.
type Config struct {
	// Secrets are the ARNs of the key/value secrets, in the order given.
	Secrets []string
	// DatabaseSecret is the ARN of the database secret ("" for none).
	DatabaseSecret string
	// DatabaseURLParams is the raw query string for DATABASE_URL.
	DatabaseURLParams string
	// Timeout bounds the fetch of all secrets.
	Timeout time.Duration
}

// ARNs returns every secret to fetch, each once, in a stable order.
func (c Config) ARNs() []string {
	arns := append([]string{}, c.Secrets...)
	if c.DatabaseSecret != "" && !contains(arns, c.DatabaseSecret) {
		arns = append(arns, c.DatabaseSecret)
	}
	return arns
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseConfig reads the configuration with getenv (os.Getenv in main).
func parseConfig(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	for _, s := range strings.Split(getenv(EnvSecrets), ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case contains(c.Secrets, s):
			errs = append(errs, fmt.Errorf("%s lists %s twice", EnvSecrets, s))
		default:
			c.Secrets = append(c.Secrets, s)
		}
	}
	c.DatabaseSecret = strings.TrimSpace(getenv(EnvDatabaseSecret))
	c.DatabaseURLParams = strings.TrimPrefix(strings.TrimSpace(getenv(EnvDatabaseURLParams)), "?")
	if c.DatabaseURLParams != "" {
		if c.DatabaseSecret == "" {
			errs = append(errs, fmt.Errorf("%s is set but %s is not", EnvDatabaseURLParams, EnvDatabaseSecret))
		}
		if _, err := url.ParseQuery(c.DatabaseURLParams); err != nil || strings.ContainsAny(c.DatabaseURLParams, "# \t\r\n") {
			errs = append(errs, fmt.Errorf("%s is not a valid URL query string", EnvDatabaseURLParams))
		}
	}
	c.Timeout = DefaultTimeout
	if v := strings.TrimSpace(getenv(EnvTimeout)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxTimeout {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 3s, at most %s", EnvTimeout, v, maxTimeout))
		} else {
			c.Timeout = d
		}
	}
	return c, errors.Join(errs...)
}
