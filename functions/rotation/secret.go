package rotation

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
)

// dbSecret is a database secret as the database construct keeps it (and
// AWS's rotation functions read it):
//
//	{"engine": "postgres", "host": ..., "port": 5432, "dbname": ...,
//	 "username": ..., "password": ..., "masterarn": ... (multi-user only),
//	 ... other keys, kept as they are}
type dbSecret struct {
	fields map[string]json.RawMessage

	Engine, Host, Port, DBName string
	Username, Password         string
	// MasterARN names the master user's secret (multi-user strategy).
	MasterARN string
}

// engines are the engine values accepted (those AWS's PostgreSQL rotation
// functions accept).
var engines = map[string]bool{"postgres": true, "aurora-postgresql": true}

// parseUserSecret decodes the value of a user's secret; what names the
// version in errors, which never include the value.
func parseUserSecret(id, what, value string) (*dbSecret, error) {
	s, err := parseSecret(id, what, value)
	if err != nil {
		return nil, err
	}
	switch {
	case s.Host == "":
		return nil, fmt.Errorf("secret %s (%s) has no host", id, what)
	case !engines[s.Engine]:
		return nil, fmt.Errorf("secret %s (%s) has engine %q; want postgres", id, what, s.Engine)
	}
	if s.Port == "" {
		s.Port = "5432"
	}
	if s.DBName == "" {
		s.DBName = "postgres"
	}
	return s, nil
}

// parseMasterSecret decodes the master user's secret: username and
// password (an RDS-managed secret has nothing else); host and port, when
// present, must be those of the user's secret.
func parseMasterSecret(arn string, value string, user *dbSecret) (*dbSecret, error) {
	m, err := parseSecret(arn, StageCurrent, value)
	if err != nil {
		return nil, err
	}
	if m.Host != "" && m.Host != user.Host {
		return nil, fmt.Errorf("the master secret %s is for host %q, the user's secret for %q", arn, m.Host, user.Host)
	}
	if m.Port != "" && m.Port != user.Port {
		return nil, fmt.Errorf("the master secret %s is for port %s, the user's secret for %s", arn, m.Port, user.Port)
	}
	return m, nil
}

func parseSecret(id, what, value string) (*dbSecret, error) {
	creds, err := dbconn.ParseSecret(id+" ("+what+")", value)
	if err != nil {
		return nil, err
	}
	s := &dbSecret{Username: creds.Username, Password: creds.Password}
	if err := json.Unmarshal([]byte(value), &s.fields); err != nil {
		return nil, fmt.Errorf("secret %s (%s) is not a JSON object", id, what)
	}
	for key, dst := range map[string]*string{"engine": &s.Engine, "host": &s.Host, "dbname": &s.DBName, "masterarn": &s.MasterARN} {
		raw, ok := s.fields[key]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, fmt.Errorf("secret %s (%s): %s is not a string", id, what, key)
		}
	}
	if raw, ok := s.fields["port"]; ok && string(raw) != "null" {
		var port string
		if json.Unmarshal(raw, &port) != nil {
			port = string(raw) // a number
		}
		if n, err := strconv.Atoi(strings.TrimSpace(port)); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("secret %s (%s): port is not a TCP port", id, what)
		}
		s.Port = strings.TrimSpace(port)
	}
	return s, nil
}

// with returns the secret's JSON value with another user name and password
// and every other key as it was.
func (s *dbSecret) with(user, password string) (string, error) {
	fields := make(map[string]json.RawMessage, len(s.fields)+2)
	for k, v := range s.fields {
		fields[k] = v
	}
	u, err1 := json.Marshal(user)
	p, err2 := json.Marshal(password)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("encode the pending secret for user %q", user)
	}
	fields["username"], fields["password"] = u, p
	b, err := json.Marshal(fields)
	if err != nil {
		return "", fmt.Errorf("encode the pending secret for user %q", user)
	}
	return string(b), nil
}

// AlternateUser is the other user of a multi-user rotation: user without
// roles.CloneSuffix when it ends with it, else roles.CloneName(user).
func AlternateUser(user string) (string, error) {
	if base, ok := strings.CutSuffix(user, roles.CloneSuffix); ok {
		if base == "" {
			return "", fmt.Errorf("user %q has no name before %q", user, roles.CloneSuffix)
		}
		return base, nil
	}
	return roles.CloneName(user)
}

// baseUser is the application role of a multi-user pair.
func baseUser(user string) string { return strings.TrimSuffix(user, roles.CloneSuffix) }
