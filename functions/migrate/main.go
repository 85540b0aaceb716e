// Command migrate is the CloudFormation custom resource (Lambda,
// provided.al2023, arm64, inside the VPC) that applies the application's
// Prisma migrations to the private database on every deploy, before the new
// server takes traffic, with functions/prismamigrate (Prisma's `migrate
// deploy`, reimplemented in Go, with Prisma's bookkeeping).
//
// The migrations ship inside the function's code: <task root>/migrations/
// (migration_lock.toml and one folder per migration) next to the bootstrap
// binary; MEDBOOKINGS_MIGRATIONS_DIR overrides the folder (tests).
//
// Properties: Host, Port, Database, Schema, SecretArn (the application
// user's secret, JSON with username and password: the owner of Schema, or
// its multi-user rotation clone, which acts as it) and MigrationsDigest
// (changes when the migrations change, so that CloudFormation sends an
// update). It connects over TLS, verifying the server certificate against
// the RDS certificate authorities of eu-west-1 (functions/rdsca) and its
// host name.
//
// Create and Update: apply the pending migrations. Delete: do nothing (the
// schema and data stay). A failure fails the stack operation with a short
// reason (the migration's name and PostgreSQL's error first); the log has
// the whole error.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/dbconn"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/prismamigrate"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/rdsca"
)

// physicalID is the resource's physical ID: fixed, so that an update never
// replaces (and deletes) the resource.
const physicalID = "medbookings-prisma-migrations"

// DirEnv names the environment variable that overrides the migrations
// folder.
const DirEnv = "MEDBOOKINGS_MIGRATIONS_DIR"

// maxReason bounds the failure reason sent to CloudFormation (its whole
// response must stay under 4 KB).
const maxReason = 2048

// Properties are the custom resource's properties.
type Properties struct {
	Host, Port, Database, Schema string
	SecretArn                    string
	MigrationsDigest             string
}

func decode(m map[string]any) (Properties, error) {
	var p Properties
	b, _ := json.Marshal(m)
	if err := json.Unmarshal(b, &p); err != nil {
		return p, err
	}
	if p.Host == "" || p.Port == "" || p.Database == "" || p.Schema == "" || p.SecretArn == "" {
		return p, errors.New("properties Host, Port, Database, Schema and SecretArn are required")
	}
	return p, nil
}

// migrationsDir is where the migrations are: $MEDBOOKINGS_MIGRATIONS_DIR,
// else migrations/ in the Lambda task root ($LAMBDA_TASK_ROOT, /var/task).
func migrationsDir() string {
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	root := os.Getenv("LAMBDA_TASK_ROOT")
	if root == "" {
		root = "/var/task"
	}
	return filepath.Join(root, "migrations")
}

// handler handles the custom resource's events.
type handler struct {
	secret     func(ctx context.Context, arn string) (dbconn.Credentials, error)
	roots      *x509.CertPool
	retryEvery time.Duration
	dir        string
}

func (h *handler) handle(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	if ev.RequestType == cfn.RequestDelete {
		log.Printf("delete: leaving the schema and its data in place")
		return ev.PhysicalResourceID, nil, nil
	}
	data, err := h.deploy(ctx, ev)
	if err != nil {
		log.Printf("failed: %v", err)
		return physicalID, nil, errors.New(shorten(err.Error(), maxReason))
	}
	return physicalID, data, nil
}

func (h *handler) deploy(ctx context.Context, ev cfn.Event) (map[string]any, error) {
	p, err := decode(ev.ResourceProperties)
	if err != nil {
		return nil, err
	}
	log.Printf("%s: migrations %s (digest %q) to schema %s of %s on %s:%s", ev.RequestType, h.dir, p.MigrationsDigest, p.Schema, p.Database, p.Host, p.Port)
	creds, err := h.secret(ctx, p.SecretArn)
	if err != nil {
		return nil, err
	}
	cfg, err := dbconn.Config(p.Host, p.Port, p.Database, h.roots)
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password = creds.Username, creds.Password
	cfg.RuntimeParams["application_name"] = "medbookings-migrate"

	// Keep time to send the response to CloudFormation.
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-15*time.Second))
		defer cancel()
	}
	conn, err := dbconn.ConnectWithRetry(ctx, cfg, h.retryEvery, log.Printf)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	log.Printf("connected as %s", creds.Username)

	res, err := prismamigrate.Deploy(ctx, conn, h.dir, p.Schema, func(s string) { log.Print(s) })
	if err != nil {
		return nil, err
	}
	log.Printf("%d migration(s) applied, %d applied before", len(res.Applied), res.AlreadyApplied)
	latest := ""
	if n := len(res.Applied); n > 0 {
		latest = res.Applied[n-1]
	}
	return map[string]any{"Applied": strconv.Itoa(len(res.Applied)), "Latest": latest}, nil
}

// shorten cuts s to at most n bytes (on a character boundary), saying so.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = " ... (cut; the function's log has the whole error)"
	cut := n - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
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
		dir:        migrationsDir(),
	}
	if _, err := os.Stat(filepath.Join(h.dir, prismamigrate.LockFileName)); err != nil {
		log.Printf("warning: %v (the function's code should have the migrations folder)", err)
	}
	lambda.Start(cfn.LambdaWrap(h.handle))
}
