package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// App is what Build created.
type App struct {
	// Environments are the staging and production stacks; Edges their
	// us-east-1 companions, in the same order.
	Environments []*MedBookingsStack
	Edges        []*EdgeStack
	// Delivery is the account-wide stack of the GitHub OIDC provider and CI roles.
	Delivery *DeliveryStack
}

// NagReportsContextKey turns on cdk-nag's CSV reports in the cloud assembly
// (cdk synth -c nagReports=true): per pack and stack, every rule with its
// compliant, non-compliant and suppressed resources.
const NagReportsContextKey = "nagReports"

// Build adds every stack to app and applies the compliance packs to all of
// them. It reads each environment's app bundle (medbookings.<env>.hosting.bundle);
// a bundle that cannot be deployed is an error naming the key, and nothing
// is built.
func Build(app awscdk.App, s *Settings) (*App, error) {
	envs := s.Environments()
	bundles := make([]*hosting.Bundle, len(envs))
	for i, e := range envs {
		if dir := e.Settings.Hosting.Bundle; dir != "" {
			b, err := hosting.ReadBundle(dir, e.Name)
			if err != nil {
				return nil, fmt.Errorf("medbookings.%s.hosting.bundle: got %q, which cannot be deployed:\n%w", e.Name, dir, err)
			}
			bundles[i] = b
		}
	}
	out := &App{}
	var deployed []Deployed
	for i, e := range envs {
		edge := NewEdgeStack(app, e)
		stack := NewMedBookingsStack(app, e, edge, bundles[i])
		out.Edges = append(out.Edges, edge)
		out.Environments = append(out.Environments, stack)
		deployed = append(deployed, Deployed{Environment: e, Edge: edge, Stack: stack})
	}
	out.Delivery = NewDeliveryStack(app, s, deployed)
	reports := fmt.Sprint(app.Node().TryGetContext(jsii.String(NagReportsContextKey))) == "true"
	compliance.AddPacks(app, reports)
	return out, nil
}

// LoadFromApp reads the settings from the app's context (cdk.json and -c).
func LoadFromApp(app awscdk.App) (*Settings, error) {
	ctx, _ := app.Node().GetAllContext(nil).(map[string]any)
	return Load(ctx)
}
