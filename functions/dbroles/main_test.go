package main

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/jackc/pgx/v5"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/pgtest"
)

func props(over map[string]any) map[string]any {
	p := map[string]any{
		"ServiceToken": "arn:aws:lambda:eu-west-1:111111111111:function:roles",
		"Host":         "db.example", "Port": "5432", "Database": "medbookings", "Schema": "medbookings",
		"MasterSecretArn": "arn:master", "AppSecretArn": "arn:app", "ReadOnlySecretArn": "arn:ro",
		"AppUsername": "medbookings_app", "ReadOnlyUsername": "medbookings_readonly",
		"PasswordGeneration": "g1", "CodeSha256": "abc",
	}
	maps.Copy(p, over)
	return p
}

func TestDecide(t *testing.T) {
	for _, c := range []struct {
		name     string
		req      cfn.RequestType
		old, new map[string]any
		want     plan
		wantErr  bool
	}{
		{"create sets both passwords", cfn.RequestCreate, nil, props(nil), plan{Ensure: true, SetApp: true, SetReadOnly: true}, false},
		{"delete does nothing", cfn.RequestDelete, nil, props(nil), plan{}, false},
		{"delete with broken properties does nothing", cfn.RequestDelete, nil, map[string]any{}, plan{}, false},
		{"update without changes does nothing", cfn.RequestUpdate, props(nil), props(nil), plan{}, false},
		{"a new build runs Ensure, keeping passwords", cfn.RequestUpdate, props(nil), props(map[string]any{"CodeSha256": "def"}), plan{Ensure: true}, false},
		{"a new password generation sets both passwords", cfn.RequestUpdate, props(nil), props(map[string]any{"PasswordGeneration": "g2"}), plan{Ensure: true, SetApp: true, SetReadOnly: true}, false},
		{"password generation added", cfn.RequestUpdate, props(map[string]any{"PasswordGeneration": nil}), props(nil), plan{Ensure: true, SetApp: true, SetReadOnly: true}, false},
		{"a new application secret sets its password", cfn.RequestUpdate, props(nil), props(map[string]any{"AppSecretArn": "arn:app2"}), plan{Ensure: true, SetApp: true}, false},
		{"a new read-only user sets its password", cfn.RequestUpdate, props(nil), props(map[string]any{"ReadOnlyUsername": "ro2"}), plan{Ensure: true, SetReadOnly: true}, false},
		{"a new host keeps passwords", cfn.RequestUpdate, props(nil), props(map[string]any{"Host": "db2.example"}), plan{Ensure: true}, false},
		{"missing properties fail", cfn.RequestCreate, nil, props(map[string]any{"MasterSecretArn": ""}), plan{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := decide(cfn.Event{RequestType: c.req, OldResourceProperties: c.old, ResourceProperties: c.new})
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("decide = %+v, %v; want %+v (error %v)", got, err, c.want, c.wantErr)
			}
		})
	}
}

func TestAppRole(t *testing.T) {
	for _, c := range []struct {
		name, appUsername, secretUser string
		wantName                      string
		wantClone, wantErr            bool
	}{
		{"the application user", "medbookings_app", "medbookings_app", "medbookings_app", false, false},
		{"its clone after a rotation", "medbookings_app", "medbookings_app_clone", "medbookings_app", true, false},
		{"another user", "medbookings_app", "someone_else", "", false, true},
		{"the clone of the clone", "medbookings_app", "medbookings_app_clone_clone", "", false, true},
		{"no expected name, plain", "", "app", "app", false, false},
		{"no expected name, clone", "", "app_clone", "app", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			name, onClone, err := appRole(c.appUsername, c.secretUser)
			if (err != nil) != c.wantErr || name != c.wantName || onClone != c.wantClone {
				t.Errorf("appRole(%q, %q) = %q, %v, %v; want %q, %v (error %v)", c.appUsername, c.secretUser, name, onClone, err, c.wantName, c.wantClone, c.wantErr)
			}
		})
	}
}

// The handler runs against a TLS server, as on RDS; its certificate
// authority stands in for the RDS ones. The certificate names localhost
// only, so that 127.0.0.1 (the same server) is a wrong host name.
var srv *pgtest.Server

const masterPassword = "master-password-0123456789"

func TestMain(m *testing.M) {
	pgtest.Main(m, pgtest.Options{TLS: &pgtest.TLSOptions{Hosts: []string{"localhost"}}}, &srv, pgtest.RDS("master", masterPassword, "medbookings"))
}

// fakeSecrets stands in for Secrets Manager and counts the reads.
type fakeSecrets struct {
	values map[string]dbconn.Credentials
	reads  int
}

func (f *fakeSecrets) get(_ context.Context, arn string) (dbconn.Credentials, error) {
	f.reads++
	c, ok := f.values[arn]
	if !ok {
		return c, fmt.Errorf("no secret %s", arn)
	}
	return c, nil
}

func canLogIn(user, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.DSN(user, password, "medbookings"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func TestHandlerAcrossRotations(t *testing.T) {
	ctx := context.Background()
	secrets := &fakeSecrets{values: map[string]dbconn.Credentials{
		"arn:master": {Username: "master", Password: masterPassword},
		"arn:app":    {Username: "medbookings_app", Password: "app-password-0123456789"},
		"arn:ro":     {Username: "medbookings_readonly", Password: "ro-password-0123456789"},
	}}
	h := &handler{secret: secrets.get, roots: srv.CA.Pool(), retryEvery: time.Second}
	base := props(map[string]any{"Host": "localhost", "Port": strconv.Itoa(srv.Port)})
	run := func(req cfn.RequestType, old, new map[string]any) (int, error) {
		t.Helper()
		id, data, err := h.handle(ctx, cfn.Event{RequestType: req, OldResourceProperties: old, ResourceProperties: new, PhysicalResourceID: physicalID})
		if id != physicalID {
			t.Errorf("physical ID %q; want %q", id, physicalID)
		}
		n, _ := data["Changes"].(int)
		return n, err
	}

	// Create: the roles and the clone, over verified TLS.
	if n, err := run(cfn.RequestCreate, nil, base); err != nil || n == 0 {
		t.Fatalf("create: %d changes, %v", n, err)
	}
	if err := canLogIn("medbookings_app", "app-password-0123456789"); err != nil {
		t.Fatalf("application login after create: %v", err)
	}

	// An update without changed properties does not even read the secrets.
	before := secrets.reads
	if n, err := run(cfn.RequestUpdate, base, maps.Clone(base)); err != nil || n != 0 || secrets.reads != before {
		t.Errorf("unchanged update: %d changes, %v, %d secret reads; want nothing", n, err, secrets.reads-before)
	}

	// A rotation switches the secret to the clone (ALTER USER as master).
	master, err := pgx.Connect(ctx, srv.DSN("master", masterPassword, "medbookings"))
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close(ctx)
	if _, err := master.Exec(ctx, `ALTER USER medbookings_app_clone WITH PASSWORD 'rotated-password-0123456789'`); err != nil {
		t.Fatal(err)
	}
	secrets.values["arn:app"] = dbconn.Credentials{Username: "medbookings_app_clone", Password: "rotated-password-0123456789"}

	// A new build runs Ensure with the secret naming the clone: no change,
	// and both users keep their passwords.
	newBuild := props(map[string]any{"Host": "localhost", "Port": strconv.Itoa(srv.Port), "CodeSha256": "new"})
	if n, err := run(cfn.RequestUpdate, base, newBuild); err != nil || n != 0 {
		t.Errorf("update for a new build after a rotation: %d changes, %v; want none", n, err)
	}
	for _, c := range [][2]string{{"medbookings_app", "app-password-0123456789"}, {"medbookings_app_clone", "rotated-password-0123456789"}} {
		if err := canLogIn(c[0], c[1]); err != nil {
			t.Errorf("%s after the update: %v", c[0], err)
		}
	}

	// A new password generation sets the password of the user the secret
	// names (the clone here) and leaves the other user alone.
	secrets.values["arn:app"] = dbconn.Credentials{Username: "medbookings_app_clone", Password: "regenerated-password-0123456789"}
	secrets.values["arn:ro"] = dbconn.Credentials{Username: "medbookings_readonly", Password: "ro-regenerated-0123456789"}
	regen := props(map[string]any{"Host": "localhost", "Port": strconv.Itoa(srv.Port), "CodeSha256": "new", "PasswordGeneration": "g2"})
	if n, err := run(cfn.RequestUpdate, newBuild, regen); err != nil || n != 2 {
		t.Errorf("update for a new password generation: %d changes, %v; want the 2 passwords", n, err)
	}
	for _, c := range [][2]string{
		{"medbookings_app_clone", "regenerated-password-0123456789"},
		{"medbookings_app", "app-password-0123456789"},
		{"medbookings_readonly", "ro-regenerated-0123456789"},
	} {
		if err := canLogIn(c[0], c[1]); err != nil {
			t.Errorf("%s after the regeneration: %v", c[0], err)
		}
	}

	// Delete touches nothing.
	before = secrets.reads
	if _, err := run(cfn.RequestDelete, nil, regen); err != nil || secrets.reads != before {
		t.Errorf("delete: %v, %d secret reads; want nothing", err, secrets.reads-before)
	}
	if err := canLogIn("medbookings_readonly", "ro-regenerated-0123456789"); err != nil {
		t.Errorf("read-only login after delete: %v", err)
	}

	// A secret naming a stranger is refused before connecting.
	secrets.values["arn:app"] = dbconn.Credentials{Username: "intruder", Password: "intruder-password-0123456789"}
	if _, err := run(cfn.RequestCreate, nil, regen); err == nil || !strings.Contains(err.Error(), `"intruder"`) {
		t.Errorf("create with a stranger in the application secret: %v; want a refusal naming it", err)
	}
}

func TestHandlerRefusesAnUntrustedServer(t *testing.T) {
	other, err := pgtest.NewCA("not the RDS CA")
	if err != nil {
		t.Fatal(err)
	}
	secrets := &fakeSecrets{values: map[string]dbconn.Credentials{
		"arn:master": {Username: "master", Password: masterPassword},
		"arn:app":    {Username: "medbookings_app", Password: "app-password-0123456789"},
		"arn:ro":     {Username: "medbookings_readonly", Password: "ro-password-0123456789"},
	}}
	for _, c := range []struct {
		name, host, want string
		h                *handler
	}{
		{"unrelated CA", "localhost", "certificate signed by unknown authority", &handler{secret: secrets.get, roots: other.Pool(), retryEvery: time.Second}},
		{"wrong host name", "127.0.0.1", "cannot validate certificate for 127.0.0.1", &handler{secret: secrets.get, roots: srv.CA.Pool(), retryEvery: time.Second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			p := props(map[string]any{"Host": c.host, "Port": strconv.Itoa(srv.Port)})
			_, _, err := c.h.handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: p})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("handle: %v; want an error containing %q", err, c.want)
			}
		})
	}
}
