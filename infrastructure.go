// Command infrastructure is the MedBookings AWS CDK app: it reads the
// settings from CDK context (cdk.json, overridden with -c), builds the
// staging and production stacks and synthesizes them. Any invalid setting or
// unsuppressed compliance finding makes it exit non-zero.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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
	app := awscdk.NewApp(nil)
	settings, err := stacks.LoadFromApp(app)
	if err != nil {
		return err
	}
	stacks.Build(app, settings)
	asm := app.Synth(nil)
	if findings := compliance.Findings(asm); len(findings) > 0 {
		msg := fmt.Sprintf("%d unsuppressed compliance finding(s):", len(findings))
		for _, f := range findings {
			msg += "\n  - " + f.String()
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}
