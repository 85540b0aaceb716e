// Command infrastructure is the MedBookings AWS CDK app: it reads the
// settings from CDK context (cdk.json, overridden with -c), builds the
// stacks and synthesizes them. Any invalid setting, undeployable app bundle
// or unsuppressed compliance finding makes it exit non-zero.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

func main() {
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	phase := timings()
	// CDK's own CloudFormation validation of the templates takes about 2 s
	// of every synthesis: it runs when asked (-c validate=true: .ci/run, the
	// deploy workflow) and in the tests, not on every `cdk synth` or `cdk diff`.
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(validationRequested())})
	phase("jsii start and aws-cdk-lib load (NewApp)")
	settings, err := stacks.LoadFromApp(app)
	if err != nil {
		return err
	}
	phase("settings")
	if _, err := stacks.Build(app, settings); err != nil {
		return err
	}
	phase("constructs (stacks.Build)")
	asm, err := synth(app)
	if err != nil {
		return err
	}
	phase("synthesis (aspects: cdk-nag; validation; assets; templates)")
	if findings := compliance.Findings(asm); len(findings) > 0 {
		msg := fmt.Sprintf("%d unsuppressed compliance finding(s):", len(findings))
		for _, f := range findings {
			msg += "\n  - " + f.String()
		}
		return fmt.Errorf("%s", msg)
	}
	phase("reading the findings")
	return nil
}

// ValidateContextKey turns on CDK's built-in CloudFormation validation
// (-c validate=true); cdk.json's flags make its findings errors.
const ValidateContextKey = "validate"

// validationRequested reads -c validate=true from the context the CLI passes
// (an App's props must be known before the app exists, so a first app only
// reads the context).
func validationRequested() bool {
	probe := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	return fmt.Sprint(probe.Node().TryGetContext(jsii.String(ValidateContextKey))) == "true"
}

// timings returns a function that, when MEDBOOKINGS_TIMINGS is set, prints
// the time since the previous call (or since the process started) to
// stderr: scripts/bench.sh reads it for the synthesis breakdown.
func timings() func(what string) {
	if os.Getenv("MEDBOOKINGS_TIMINGS") == "" {
		return func(string) {}
	}
	last := processStart
	return func(what string) {
		now := time.Now()
		fmt.Fprintf(os.Stderr, "timing: %6.2f s  %s\n", now.Sub(last).Seconds(), what)
		last = now
	}
}

// processStart is as close to the process's start as Go lets a program see.
var processStart = time.Now()

// synth synthesizes the app. With the validation gate of cdk.json, CDK
// prints every failed check (CloudFormation validation, cdk-nag errors)
// with its construct path and then throws; that becomes an error here
// instead of a Go panic with a stack trace.
func synth(app awscdk.App) (asm cxapi.CloudAssembly, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed (the findings are listed above): %v", r)
		}
	}()
	return app.Synth(nil), nil
}
