package hosting

import (
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Config is the hosting part of one environment's context
// (medbookings.<environment>.hosting in cdk.json).
type Config struct {
	// GitHubTokenSecretName names an existing Secrets Manager secret holding
	// the GitHub token Amplify uses to reach the repository.
	GitHubTokenSecretName string `json:"gitHubTokenSecretName"`
	// PullRequestPreviews turns on Amplify's per-pull-request preview builds.
	PullRequestPreviews bool `json:"pullRequestPreviews"`
}

// Validate checks the settings.
func (c Config) Validate(key string, ps *config.Problems) {
	ps.NonEmpty(key+".gitHubTokenSecretName", c.GitHubTokenSecretName, "the name of an existing Secrets Manager secret")
}
