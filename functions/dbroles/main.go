// Command dbroles is the database construct's CloudFormation custom resource
// (Lambda, provided.al2023, arm64): it creates the application and read-only
// PostgreSQL roles with functions/roles.
//
// Create: ensure everything, setting both roles' passwords from their
// secrets. Update: connect only when the properties changed; set a role's
// password only when its secret changed (otherwise a rotation that Secrets
// Manager has in flight would be undone). Delete: do nothing — roles, schema
// and data stay (the instance itself is snapshotted or retained).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"reflect"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/roles"
)

// Properties are the custom resource's properties (all strings, as
// CloudFormation passes them).
type Properties struct {
	Host, Port, Database, Schema    string
	MasterSecretArn                 string
	AppSecretArn, ReadOnlySecretArn string
	AppUsername, ReadOnlyUsername   string
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

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func handle(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	physicalID := "medbookings-database-roles"
	if ev.RequestType == cfn.RequestDelete {
		log.Printf("delete: leaving roles and data in place")
		return ev.PhysicalResourceID, nil, nil
	}
	p, err := decode(ev.ResourceProperties)
	if err != nil {
		return physicalID, nil, err
	}
	setApp, setRO := true, true
	if ev.RequestType == cfn.RequestUpdate {
		old, _ := decode(ev.OldResourceProperties)
		if reflect.DeepEqual(old, p) {
			log.Printf("update without changed properties: nothing to do")
			return ev.PhysicalResourceID, nil, nil
		}
		setApp = old.AppSecretArn != p.AppSecretArn || old.AppUsername != p.AppUsername
		setRO = old.ReadOnlySecretArn != p.ReadOnlySecretArn || old.ReadOnlyUsername != p.ReadOnlyUsername
	}

	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return physicalID, nil, err
	}
	sm := secretsmanager.NewFromConfig(awsCfg)
	get := func(arn string) (credentials, error) {
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return credentials{}, fmt.Errorf("read secret %s: %w", arn, err)
		}
		var c credentials
		if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &c); err != nil || c.Username == "" || c.Password == "" {
			return credentials{}, fmt.Errorf("secret %s has no username and password", arn)
		}
		return c, nil
	}
	master, err := get(p.MasterSecretArn)
	if err != nil {
		return physicalID, nil, err
	}
	app, err := get(p.AppSecretArn)
	if err != nil {
		return physicalID, nil, err
	}
	ro, err := get(p.ReadOnlySecretArn)
	if err != nil {
		return physicalID, nil, err
	}
	if (p.AppUsername != "" && app.Username != p.AppUsername) || (p.ReadOnlyUsername != "" && ro.Username != p.ReadOnlyUsername) {
		return physicalID, nil, fmt.Errorf("secret user names (%q, %q) differ from the expected (%q, %q)", app.Username, ro.Username, p.AppUsername, p.ReadOnlyUsername)
	}

	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=%s sslmode=require connect_timeout=10", p.Host, p.Port, p.Database))
	if err != nil {
		return physicalID, nil, err
	}
	cfg.User, cfg.Password = master.Username, master.Password
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	conn, err := connectWithRetry(cctx, cfg)
	if err != nil {
		return physicalID, nil, err
	}
	defer conn.Close(context.Background())

	changes, err := roles.Ensure(cctx, conn, roles.Spec{
		Schema:   p.Schema,
		App:      roles.Role{Name: app.Username, Password: app.Password, SetPassword: setApp},
		ReadOnly: roles.Role{Name: ro.Username, Password: ro.Password, SetPassword: setRO},
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

// connectWithRetry waits for an instance that is still starting (e.g. just
// started by the staging schedule) for up to the context's deadline.
func connectWithRetry(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn, nil
		}
		log.Printf("connect: %v", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to %s:%d: %w", cfg.Host, cfg.Port, err)
		case <-time.After(10 * time.Second):
		}
	}
}

func main() { lambda.Start(cfn.LambdaWrap(handle)) }
