// Command infrastructure is the MedBookings AWS CDK app: it reads the
// settings from CDK context (cdk.json, overridden with -c), builds the
// stacks and synthesizes them. Any invalid setting, undeployable app bundle
// or unsuppressed compliance finding makes it exit non-zero.
package main

import (
	"fmt"
	"os"

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
	app := awscdk.NewApp(nil)
	settings, err := stacks.LoadFromApp(app)
	if err != nil {
		return err
	}
	if _, err := stacks.Build(app, settings); err != nil {
		return err
	}
	asm, err := synth(app)
	if err != nil {
		return err
	}
	if findings := compliance.Findings(asm); len(findings) > 0 {
		msg := fmt.Sprintf("%d unsuppressed compliance finding(s):", len(findings))
		for _, f := range findings {
			msg += "\n  - " + f.String()
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

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
