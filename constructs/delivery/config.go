package delivery

import (
	"fmt"
	"regexp"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Config is the delivery part of the context (medbookings.delivery in
// cdk.json): who may assume the GitHub Actions roles.
type Config struct {
	// Repository is the GitHub repository, owner/name, whose workflows may
	// assume the roles (the sub claim's repo:<owner>/<name> part).
	Repository string `json:"repository"`
	// DeployEnvironments are the GitHub environments, named like the
	// MedBookings environments; each gets its own deploy role
	// medbookings-github-deploy-<name>, which only that environment's jobs
	// may assume (sub claim repo:<owner>/<name>:environment:<name>) and which
	// may snapshot only the instance medbookings-<name>. Approval and branch
	// rules of an environment are set in GitHub.
	DeployEnvironments []string `json:"deployEnvironments"`
	// OidcProviderArn is "" to create the account's GitHub OIDC provider in
	// the delivery stack, or the ARN of the provider the account already
	// has (IAM allows one provider per URL and account).
	OidcProviderArn string `json:"oidcProviderArn"`
}

var (
	repositoryRE  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	environmentRE = regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9][A-Za-z0-9._-]{0,%d}$`, MaxEnvironmentLength-1))
	providerArnRE = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:oidc-provider/` + regexp.QuoteMeta(OidcHost) + `$`)
)

// Validate checks the settings; key is the context key of the block.
func (c Config) Validate(key string, ps *config.Problems) {
	if !repositoryRE.MatchString(c.Repository) {
		ps.Add(key+".repository", c.Repository, "a GitHub repository as owner/name, such as sheigoldberg/medbookings")
	}
	if len(c.DeployEnvironments) == 0 {
		ps.Add(key+".deployEnvironments", c.DeployEnvironments, "a list of at least one GitHub environment name, such as [\"staging\", \"production\"]")
	}
	seen := map[string]int{} // by EnvironmentTitle: the roles' construct IDs
	for i, e := range c.DeployEnvironments {
		k := fmt.Sprintf("%s.deployEnvironments[%d]", key, i)
		if !environmentRE.MatchString(e) {
			ps.Add(k, e, "a GitHub environment name of 1-%d letters, digits, '.', '_' or '-', beginning with a letter or digit "+
				"(the role name %s<name> has at most 64 characters; a ':' would break the OIDC sub claim)",
				MaxEnvironmentLength, DeployRoleNamePrefix)
			continue
		}
		if first, dup := seen[EnvironmentTitle(e)]; dup {
			ps.Add(k, e, "an environment not already listed (it repeats deployEnvironments[%d], up to '.', '_', '-' and case)", first)
			continue
		}
		seen[EnvironmentTitle(e)] = i
	}
	if c.OidcProviderArn != "" && !providerArnRE.MatchString(c.OidcProviderArn) {
		ps.Add(key+".oidcProviderArn", c.OidcProviderArn,
			`"" (create the provider) or the ARN of the account's existing provider, arn:aws:iam::<12-digit account>:oidc-provider/%s`, OidcHost)
	}
}
