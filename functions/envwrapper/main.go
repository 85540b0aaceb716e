// Command envwrapper is the Next.js server function's AWS_LAMBDA_EXEC_WRAPPER
// (shipped in a layer at /opt/medbookings/env-wrapper): at every cold start
// it reads the secrets named by its configuration from Secrets Manager, puts
// their values into the environment, and then execs the runtime's command
// line (its arguments), so that the Node.js handler finds them in
// process.env without any code of its own.
//
// Configuration (environment variables of the function; README.md has the
// details):
//
//	MEDBOOKINGS_SECRETS              secret ARNs, comma-separated: each JSON key becomes a variable
//	MEDBOOKINGS_DATABASE_SECRET      ARN of an RDS-style secret: DATABASE_URL is composed from it
//	MEDBOOKINGS_DATABASE_URL_PARAMS  query string appended to DATABASE_URL
//	MEDBOOKINGS_SECRETS_TIMEOUT      bound on fetching all secrets (default 5s)
//
// Secret values are never written anywhere but the new process's
// environment: on any failure the wrapper logs which secret or key failed and
// exits with status 1, which Lambda reports as an init error.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func main() {
	start := time.Now()
	log.SetFlags(0)
	log.SetPrefix("env-wrapper: ")
	if len(os.Args) < 2 {
		log.Print("usage: env-wrapper COMMAND [ARG...] (run by Lambda as AWS_LAMBDA_EXEC_WRAPPER)")
		os.Exit(2)
	}
	env, summary, err := environment(context.Background(), os.Environ(), os.Getenv, newClient)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			log.Print(line)
		}
		log.Print("not starting the runtime")
		os.Exit(1)
	}
	path, err := exec.LookPath(os.Args[1])
	if err != nil {
		log.Printf("runtime command: %v", err)
		os.Exit(127)
	}
	if summary != "" {
		log.Printf("%s in %d ms", summary, time.Since(start).Milliseconds())
	}
	err = syscall.Exec(path, os.Args[1:], env)
	log.Printf("exec %s: %v", path, err)
	os.Exit(126)
}

// newClient makes the Secrets Manager client from the Lambda environment
// (region, credentials, and AWS_ENDPOINT_URL_SECRETS_MANAGER or
// AWS_ENDPOINT_URL when set).
func newClient(ctx context.Context) (secretsAPI, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

// environment returns environ with the configured secrets added, and a
// one-line summary for the log ("" when nothing is configured).
func environment(ctx context.Context, environ []string, getenv func(string) string, client func(context.Context) (secretsAPI, error)) ([]string, string, error) {
	cfg, err := parseConfig(getenv)
	if err != nil {
		return nil, "", err
	}
	arns := cfg.ARNs()
	if len(arns) == 0 {
		return environ, "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	api, err := client(ctx)
	if err != nil {
		return nil, "", err
	}
	secrets, errs := fetchAll(ctx, api, arns)
	if len(errs) > 0 {
		return nil, "", errors.Join(errs...)
	}
	res, err := compose(cfg, secrets, environ)
	if err != nil {
		return nil, "", err
	}
	summary := fmt.Sprintf("%d variable(s) from %d secret(s): %s", len(res.Set), len(arns), strings.Join(sortedKeys(res.Set), ", "))
	if len(res.Skipped) > 0 {
		summary += "; empty, not set: " + strings.Join(res.Skipped, ", ")
	}
	if len(res.Replaced) > 0 {
		summary += "; replacing the function's own: " + strings.Join(res.Replaced, ", ")
	}
	return apply(environ, res.Set), summary, nil
}
