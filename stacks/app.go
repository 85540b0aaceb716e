package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// App is what Build created.
type App struct {
	// Environments are the staging and production stacks.
	Environments []*MedBookingsStack
	// Delivery is the account-wide stack of the GitHub OIDC provider and CI roles.
	Delivery *DeliveryStack
}

// Build adds the stacks of both environments and the delivery stack to app
// and applies the compliance packs (cdk-nag AwsSolutions and HIPAA Security)
// to all of them.
func Build(app awscdk.App, s *Settings) *App {
	out := &App{}
	var names []string
	for _, env := range s.Environments() {
		out.Environments = append(out.Environments, NewMedBookingsStack(app, StackProps{Shared: s.Shared, Environment: env}))
		names = append(names, env.StackName())
	}
	out.Delivery = NewDeliveryStack(app, DeliveryStackProps{Shared: s.Shared, Delivery: s.Delivery, EnvironmentStackNames: names})
	compliance.AddPacks(app)
	return out
}

// LoadFromApp reads the settings from the app's context (cdk.json and -c).
func LoadFromApp(app awscdk.App) (*Settings, error) {
	ctx, _ := unwrapJsii(app.Node().GetAllContext(nil)).(map[string]any)
	return Load(ctx)
}

// unwrapJsii undoes the {"$jsii.map": {...}} wrapping that nested maps get
// when context is handed to the app from Go (AppProps.Context, as the tests
// do) rather than by the CLI.
func unwrapJsii(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if inner, ok := x["$jsii.map"]; ok && len(x) == 1 {
			return unwrapJsii(inner)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = unwrapJsii(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unwrapJsii(e)
		}
		return out
	}
	return v
}
