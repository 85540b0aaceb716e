// Command appenv prints the build-time environment of the MedBookings app
// for one environment, from the app contract (constructs/hosting) and the
// settings in cdk.json: what `next build` needs (NEXT_PUBLIC_* values,
// NEXTAUTH_URL, the Sentry slugs) and, for the server values the app's env
// schema checks while next.config.mjs loads, valid placeholders that are
// never the real secrets. scripts/build-app.sh evaluates its output.
//
//	go run ./cmd/appenv -environment staging            # export NAME='value' lines
//	go run ./cmd/appenv -environment staging -check     # fail when a value the app requires is empty
//
// Values come from cdk.json; -c KEY=VALUE overrides one, as with the CDK CLI.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

type overrides map[string]any

func (o overrides) String() string { return fmt.Sprint(map[string]any(o)) }
func (o overrides) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return errors.New("want KEY=VALUE")
	}
	o[k] = v
	return nil
}

func main() {
	env := flag.String("environment", "", "staging or production")
	cdkJSON := flag.String("cdk-json", "cdk.json", "the cdk.json to read")
	check := flag.Bool("check", false, "fail when a build value the app requires is empty")
	ctx := overrides{}
	flag.Var(ctx, "c", "a context override KEY=VALUE (repeatable)")
	flag.Parse()
	if err := run(os.Stdout, *cdkJSON, *env, ctx, *check); err != nil {
		fmt.Fprintln(os.Stderr, "appenv:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, cdkJSON, name string, ctx map[string]any, check bool) error {
	raw, err := os.ReadFile(filepath.Clean(cdkJSON))
	if err != nil {
		return err
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s: %w", cdkJSON, err)
	}
	for k, v := range ctx {
		doc.Context[k] = v
	}
	s, err := stacks.Load(doc.Context)
	if err != nil {
		return err
	}
	e, err := s.Environment(name)
	if err != nil {
		return err
	}
	vars, missing := BuildEnvironment(e)
	if check && len(missing) > 0 {
		return fmt.Errorf("the app requires these build values and %s has none: %s", name, strings.Join(missing, ", "))
	}
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "export %s=%s\n", n, shellQuote(vars[n]))
	}
	return nil
}

// requiredAtBuild are the variables the app's schemas refuse to build
// without (src/config/env/client.ts, and server.ts in production mode).
var requiredAtBuild = []string{"NEXTAUTH_URL", "NEXT_PUBLIC_GOOGLE_MAPS_API_KEY", "UPSTASH_REDIS_REST_URL"}

// BuildEnvironment is every build-time variable of the contract with its
// value for environment e (placeholders for run-time secrets the schema
// checks), and the required ones that have no value.
func BuildEnvironment(e stacks.Environment) (map[string]string, []string) {
	app := stacks.AppValues(e)
	vars := map[string]string{}
	for _, v := range hosting.Contract {
		switch {
		case v.BuildValue != "":
			vars[v.Name] = v.BuildValue
		case v.Phase == hosting.Run:
			continue
		case v.Source == hosting.FromSettings:
			vars[v.Name] = app[v.Name]
		case v.Name == "NEXTAUTH_URL":
			vars[v.Name] = e.URL
		case v.Name == "NEXT_PUBLIC_SENTRY_ENVIRONMENT":
			vars[v.Name] = e.Name
		case v.Name == "NODE_ENV":
			vars[v.Name] = "production"
		}
	}
	var missing []string
	for _, n := range requiredAtBuild {
		if vars[n] == "" {
			missing = append(missing, n)
		}
	}
	return vars, missing
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
