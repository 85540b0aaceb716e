package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// validName is a portable environment variable name (POSIX: letters,
// digits and underscores, not starting with a digit).
var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedPrefixes and reservedNames are variables a secret may not set:
// Lambda's reserved variables (AWS_*, LAMBDA_*, _HANDLER, _X_AMZN_TRACE_ID),
// the wrapper's own configuration, and variables that change how the runtime
// starts or loads code. Compared without regard to case.
var (
	reservedPrefixes = []string{"AWS_", "LAMBDA_", "MEDBOOKINGS_", "LD_"}
	reservedNames    = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "PATH", "NODE_OPTIONS", "NODE_PATH", "NODE_EXTRA_CA_CERTS"}
)

// checkName returns why a secret key cannot become a variable, or "".
func checkName(key string) string {
	if !validName.MatchString(key) {
		return "is not a valid environment variable name"
	}
	upper := strings.ToUpper(key)
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(upper, p) {
			return "is reserved (" + p + "*)"
		}
	}
	if slices.Contains(reservedNames, upper) {
		return "is reserved"
	}
	return ""
}

// keyLabel names a key in a message: a key that is not a valid name may be
// a value pasted in the wrong place, so only its start and length are shown.
func keyLabel(key string) string {
	if validName.MatchString(key) {
		return key
	}
	r := []rune(key)
	if len(r) > 2 {
		r = r[:2]
	}
	return fmt.Sprintf("%q… (%d bytes)", string(r), len(key))
}

// decodeKeyValues decodes a key/value secret: a JSON object whose values are
// strings (numbers and booleans are taken as written). Empty and null values
// are returned in skipped. Errors name keys, never values.
func decodeKeyValues(id, secret string) (values map[string]string, skipped []string, err error) {
	var raw map[string]json.RawMessage
	d := json.NewDecoder(strings.NewReader(secret))
	if err := d.Decode(&raw); err != nil || raw == nil || d.More() {
		return nil, nil, fmt.Errorf("secret %s: not a JSON object of keys and values", id)
	}
	values = make(map[string]string, len(raw))
	var errs []error
	for _, key := range sortedKeys(raw) {
		v, ok := scalar(raw[key])
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("secret %s: key %s: the value is not a string, number or boolean", id, keyLabel(key)))
		case strings.ContainsRune(v, 0):
			errs = append(errs, fmt.Errorf("secret %s: key %s: the value holds a NUL byte", id, keyLabel(key)))
		case v == "":
			skipped = append(skipped, key)
		default:
			values[key] = v
		}
	}
	return values, skipped, errors.Join(errs...)
}

// scalar returns a JSON string's text, a number or boolean as written, and
// "" for null.
func scalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return "", false
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err == nil
	case string(raw) == "null":
		return "", true
	case string(raw) == "true", string(raw) == "false":
		return string(raw), true
	case raw[0] == '-' || ('0' <= raw[0] && raw[0] <= '9'):
		return string(raw), true
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Sorted(maps.Keys(m))
	return keys
}

// databaseSecret is an RDS-style secret (as attached to an instance by
// Secrets Manager or the CDK); other fields are ignored.
type databaseSecret struct {
	Username string          `json:"username"`
	Password string          `json:"password"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"`
	DBName   string          `json:"dbname"`
}

// databaseURL composes postgresql://<user>:<password>@<host>:<port>/<dbname>?<params>
// from a database secret. Errors name fields, never values.
func databaseURL(id, secret, params string) (string, error) {
	var s databaseSecret
	if err := json.Unmarshal([]byte(secret), &s); err != nil {
		return "", fmt.Errorf("database secret %s: not a JSON object with username, password, host, port and dbname", id)
	}
	port, portOK := scalar(s.Port)
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		portOK = false
	}
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{{"username", s.Username != ""}, {"password", s.Password != ""}, {"host", s.Host != ""}, {"port", portOK}, {"dbname", s.DBName != ""}} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("database secret %s: missing or invalid %s", id, strings.Join(missing, ", "))
	}
	if strings.ContainsAny(s.Host, "/?#@[] \t\r\n") {
		return "", fmt.Errorf("database secret %s: host is not a host name", id)
	}
	u := "postgresql://" + escapeUserinfo(s.Username) + ":" + escapeUserinfo(s.Password) +
		"@" + net.JoinHostPort(s.Host, port) + "/" + url.PathEscape(s.DBName)
	if params != "" {
		u += "?" + params
	}
	return u, nil
}

// escapeUserinfo percent-encodes everything but RFC 3986's unreserved
// characters (like JavaScript's encodeURIComponent, and stricter), so that
// every URL parser — Prisma's, node-postgres', libpq's — reads the same user
// name and password back.
func escapeUserinfo(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// result is what the wrapper adds to the environment.
type result struct {
	// Set are the variables to set, by name.
	Set map[string]string
	// Skipped are the keys left out for their empty values.
	Skipped []string
	// Replaced are variables of the function's own environment that a
	// secret replaces.
	Replaced []string
}

// compose turns the fetched secrets into variables: the keys of every secret
// in cfg.Secrets and DATABASE_URL from cfg.DatabaseSecret. environ is the
// wrapper's own environment (to report replaced variables).
func compose(cfg Config, secrets map[string]string, environ []string) (result, error) {
	res := result{Set: map[string]string{}}
	from := map[string]string{} // variable name -> the ARN that set it
	var errs []error
	define := func(name, id, value string) {
		if prev, dup := from[name]; dup {
			errs = append(errs, fmt.Errorf("%s is defined by both secret %s and secret %s", name, prev, id))
			return
		}
		from[name] = id
		if value != "" {
			res.Set[name] = value
		}
	}
	for _, id := range cfg.Secrets {
		values, skipped, err := decodeKeyValues(id, secrets[id])
		if err != nil {
			errs = append(errs, err)
		}
		for _, key := range append(sortedKeys(values), skipped...) {
			if why := checkName(key); why != "" {
				errs = append(errs, fmt.Errorf("secret %s: key %s %s", id, keyLabel(key), why))
				continue
			}
			define(key, id, values[key])
		}
		for _, key := range skipped {
			if checkName(key) == "" {
				res.Skipped = append(res.Skipped, key)
			}
		}
	}
	if cfg.DatabaseSecret != "" {
		u, err := databaseURL(cfg.DatabaseSecret, secrets[cfg.DatabaseSecret], cfg.DatabaseURLParams)
		if err != nil {
			errs = append(errs, err)
		} else {
			define(DatabaseURLVar, cfg.DatabaseSecret, u)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); res.Set[name] != "" && !slices.Contains(res.Replaced, name) {
			res.Replaced = append(res.Replaced, name)
		}
	}
	slices.Sort(res.Skipped)
	slices.Sort(res.Replaced)
	return res, nil
}

// apply returns environ with the variables of set replaced or added (new
// ones in name order).
func apply(environ []string, set map[string]string) []string {
	out := make([]string, 0, len(environ)+len(set))
	done := map[string]bool{}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if v, ok := set[name]; ok {
			if done[name] {
				continue // a duplicate entry: keep one
			}
			kv = name + "=" + v
			done[name] = true
		}
		out = append(out, kv)
	}
	for _, name := range sortedKeys(set) {
		if !done[name] {
			out = append(out, name+"="+set[name])
		}
	}
	return out
}
