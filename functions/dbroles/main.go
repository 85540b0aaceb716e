// Command dbroles is the database construct's CloudFormation custom resource
// (Lambda, provided.al2023, arm64): it creates the application and read-only
// PostgreSQL roles, and the application role's clone for the multi-user
// rotation, with functions/roles.
//
// It connects as the master user over TLS, verifying the server certificate
// against the RDS certificate authorities of eu-west-1 (functions/rdsca)
// and its host name.
//
// Create: ensure everything, setting both roles' passwords from their
// secrets. Update: connect only when a property changed (a new build of the
// function changes CodeSha256: Ensure runs again and adds what is missing);
// set a role's password only when its secret, its user name or
// PasswordGeneration changed (otherwise a rotation that Secrets Manager has
// done or has in flight would be undone). Delete: do nothing — roles, schema
// and data stay (the instance itself is snapshotted or retained).
//
// The application secret rotates between two users (multi-user rotation):
// it names AppUsername or its clone (roles.CloneName), and the password is
// set on whichever of the two it names.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/rdsca"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
)

// physicalID is the resource's physical ID: fixed, so that an update never
// replaces (and deletes) the resource.
const physicalID = "medbookings-database-roles"

// Properties are the custom resource's properties (all strings, as
// CloudFormation passes them).
type Properties struct {
	Host, Port, Database, Schema    string
	MasterSecretArn                 string
	AppSecretArn, ReadOnlySecretArn string
	AppUsername, ReadOnlyUsername   string
	// PasswordGeneration, when it changes, makes an update set both
	// passwords again: CloudFormation generates new secret values when a
	// secret's generation template changes, and the construct changes this
	// value together with the templates.
	PasswordGeneration string
}

func decode(m map[string]any) (Properties, error) {
	var p Properties
	b, _ := json.Marshal(m)
	if err := json.Unmarshal(b, &p); err != nil {
		return p, err
	}
	if p.Host == "" || p.Port == "" || p.Database == "" || p.MasterSecretArn == "" || p.AppSecretArn == "" || p.ReadOnlySecretArn == "" {
		return p, errors.New("properties Host, Port, Database, MasterSecretArn, AppSecretArn and ReadOnlySecretArn are required")
	}
	return p, nil
}

// plan is what an event asks the handler to do.
type plan struct {
	// Ensure says to connect and run roles.Ensure.
	Ensure bool
	// SetApp and SetReadOnly say to set the password of an existing role.
	SetApp, SetReadOnly bool
}

// decide returns the plan for an event and its (new) properties.
func decide(ev cfn.Event) (plan, Properties, error) {
	if ev.RequestType == cfn.RequestDelete {
		return plan{}, Properties{}, nil
	}
	p, err := decode(ev.ResourceProperties)
	if err != nil {
		return plan{}, p, err
	}
	if ev.RequestType != cfn.RequestUpdate {
		return plan{Ensure: true, SetApp: true, SetReadOnly: true}, p, nil
	}
	// Compare every property, including those the handler does not read
	// (CodeSha256, ServiceToken): a new build must run Ensure again.
	if reflect.DeepEqual(ev.OldResourceProperties, ev.ResourceProperties) {
		return plan{}, p, nil
	}
	old, _ := decode(ev.OldResourceProperties)
	regenerated := old.PasswordGeneration != p.PasswordGeneration
	return plan{
		Ensure:      true,
		SetApp:      regenerated || old.AppSecretArn != p.AppSecretArn || old.AppUsername != p.AppUsername,
		SetReadOnly: regenerated || old.ReadOnlySecretArn != p.ReadOnlySecretArn || old.ReadOnlyUsername != p.ReadOnlyUsername,
	}, p, nil
}

// appRole returns the application role for the user name the application
// secret holds now: AppUsername itself, or its clone after a rotation
// (onClone). Without AppUsername, the name is taken as the rotation does:
// a name ending in "_clone" is the clone of the name without it.
func appRole(appUsername, secretUser string) (name string, onClone bool, err error) {
	if appUsername == "" {
		if base, ok := strings.CutSuffix(secretUser, roles.CloneSuffix); ok {
			return base, true, nil
		}
		return secretUser, false, nil
	}
	if secretUser == appUsername {
		return appUsername, false, nil
	}
	if clone, err := roles.CloneName(appUsername); err == nil && secretUser == clone {
		return appUsername, true, nil
	}
	return "", false, fmt.Errorf("the application secret names user %q; want %q or its rotation clone %q", secretUser, appUsername, appUsername+roles.CloneSuffix)
}

// handler handles the custom resource's events.
type handler struct {
	// secret reads a secret's current value.
	secret func(ctx context.Context, arn string) (dbconn.Credentials, error)
	// roots verify the server certificate.
	roots *x509.CertPool
	// retryEvery is how long to wait between connection attempts.
	retryEvery time.Duration
}

func (h *handler) handle(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	pl, p, err := decide(ev)
	if err != nil {
		return physicalID, nil, err
	}
	switch {
	case ev.RequestType == cfn.RequestDelete:
		log.Printf("delete: leaving roles and data in place")
		return ev.PhysicalResourceID, nil, nil
	case !pl.Ensure:
		log.Printf("update without changed properties: nothing to do")
		return ev.PhysicalResourceID, nil, nil
	}

	master, err := h.secret(ctx, p.MasterSecretArn)
	if err != nil {
		return physicalID, nil, err
	}
	app, err := h.secret(ctx, p.AppSecretArn)
	if err != nil {
		return physicalID, nil, err
	}
	ro, err := h.secret(ctx, p.ReadOnlySecretArn)
	if err != nil {
		return physicalID, nil, err
	}
	appName, onClone, err := appRole(p.AppUsername, app.Username)
	if err != nil {
		return physicalID, nil, err
	}
	if p.ReadOnlyUsername != "" && ro.Username != p.ReadOnlyUsername {
		return physicalID, nil, fmt.Errorf("the read-only secret names user %q; want %q", ro.Username, p.ReadOnlyUsername)
	}

	cfg, err := dbconn.Config(p.Host, p.Port, p.Database, h.roots)
	if err != nil {
		return physicalID, nil, err
	}
	cfg.User, cfg.Password = master.Username, master.Password
	cfg.RuntimeParams["application_name"] = "medbookings-dbroles"
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	conn, err := dbconn.ConnectWithRetry(cctx, cfg, h.retryEvery, log.Printf)
	if err != nil {
		return physicalID, nil, err
	}
	defer conn.Close(context.Background())

	if onClone {
		log.Printf("the application secret names the rotation clone %q", app.Username)
	}
	changes, err := roles.Ensure(cctx, conn, roles.Spec{
		Schema:   p.Schema,
		App:      roles.Role{Name: appName, Password: app.Password, SetPassword: pl.SetApp, OnClone: onClone},
		ReadOnly: roles.Role{Name: ro.Username, Password: ro.Password, SetPassword: pl.SetReadOnly},
	})
	if err != nil {
		return physicalID, nil, err
	}
	for _, c := range changes {
		log.Printf("changed: %s", c)
	}
	log.Printf("%d change(s)", len(changes))
	return physicalID, map[string]any{"Changes": len(changes)}, nil
}

func main() {
	secret, err := dbconn.SecretReader(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &handler{
		secret:     secret,
		roots:      rdsca.Pool(),
		retryEvery: 10 * time.Second,
	}
	lambda.Start(cfn.LambdaWrap(h.handle))
}
