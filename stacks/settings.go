package stacks

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/delivery"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/monitoring"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/storage"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// ContextKey is the cdk.json context key that holds the MedBookings settings.
// A single value is overridden on the command line with a dotted key below it:
//
//	cdk synth -c medbookings.production.database.instanceClass=db.t4g.medium
const ContextKey = "medbookings"

// MaxTotalBudgetUSD is the business budget of both environments together.
const MaxTotalBudgetUSD = 200

// Settings are the typed, validated MedBookings settings.
type Settings struct {
	Shared     Shared      `json:"shared"`
	Staging    Environment `json:"staging"`
	Production Environment `json:"production"`
	// Delivery is the GitHub OIDC provider and CI roles (stack MedBookingsDelivery).
	Delivery delivery.Config `json:"delivery"`
}

// Shared are values both environments use.
type Shared struct {
	// Region every stack is deployed to.
	Region string `json:"region"`
	// Account pins the stacks to one AWS account; empty keeps them
	// account-agnostic (synthesis then needs no credentials at all).
	Account string `json:"account"`
	// Domain is the apex domain both environments' host names live under.
	Domain string `json:"domain"`
	// GitHubRepository is the application repository Amplify builds.
	GitHubRepository string `json:"gitHubRepository"`
	// AlertEmail receives every alarm and deployment notification.
	AlertEmail string `json:"alertEmail"`
}

// Environment is one environment's settings (staging or production).
type Environment struct {
	// Name is "staging" or "production"; it is the context key, not a value in it.
	Name string `json:"-"`
	// Branch of the application repository that this environment deploys.
	Branch string `json:"branch"`
	// CanonicalHost serves the app; RedirectHosts redirect to it.
	CanonicalHost string   `json:"canonicalHost"`
	RedirectHosts []string `json:"redirectHosts"`
	// TerminationProtection makes CloudFormation refuse to delete the stack.
	TerminationProtection bool `json:"terminationProtection"`

	Database   database.Config   `json:"database"`
	Storage    storage.Config    `json:"storage"`
	Hosting    hosting.Config    `json:"hosting"`
	Monitoring monitoring.Config `json:"monitoring"`
}

// StackName is MedBookingsInfraStack-Staging or MedBookingsInfraStack-Production.
func (e Environment) StackName() string { return "MedBookingsInfraStack-" + e.Title() }

// Title is the environment name with a capital first letter.
func (e Environment) Title() string {
	if e.Name == "" {
		return ""
	}
	return strings.ToUpper(e.Name[:1]) + e.Name[1:]
}

// Hosts are every host name of the environment, canonical first.
func (e Environment) Hosts() []string {
	return append([]string{e.CanonicalHost}, e.RedirectHosts...)
}

// Environments are both environments, staging first.
func (s *Settings) Environments() []Environment {
	return []Environment{s.Staging, s.Production}
}

var (
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	repoRE    = regexp.MustCompile(`^https://github\.com/[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	branchRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`)
)

// Load decodes and validates the settings from an app's whole context (what
// node.getAllContext returns, or cdk.json's "context" object in tests).
// Values under the dotted keys "medbookings.<path>" override the tree. Every
// problem is reported in one error; on error the settings are nil.
func Load(ctx map[string]any) (*Settings, error) {
	var ps config.Problems
	tree, ok := ctx[ContextKey].(map[string]any)
	if !ok {
		ps.Add(ContextKey, renderable(ctx[ContextKey]), "an object with the keys delivery, production, shared, staging (is cdk.json's context present? run through the CDK CLI or load cdk.json)")
		return nil, ps.Err()
	}
	tree = deepCopy(tree).(map[string]any)
	applyOverrides(tree, ctx, &ps)

	s := &Settings{}
	s.Staging.Monitoring = monitoring.Defaults()
	s.Production.Monitoring = monitoring.Defaults()
	config.Decode(tree, s, ContextKey, &ps)
	s.Staging.Name, s.Production.Name = "staging", "production"
	// Validate even when decoding found problems, so that every problem is
	// reported at once; a key that failed to decode is not judged again on
	// the zero value it was left with.
	decoded := len(ps)
	s.validate(&ps)
	ps = dropRepeated(ps, decoded)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// dropRepeated removes validation problems (after index decoded) about a key
// at or below a key that already has a decoding problem.
func dropRepeated(ps config.Problems, decoded int) config.Problems {
	out := ps[:decoded:decoded]
	for _, p := range ps[decoded:] {
		repeated := false
		for _, d := range ps[:decoded] {
			if p.Key == d.Key || strings.HasPrefix(p.Key, d.Key+".") || strings.HasPrefix(p.Key, d.Key+"[") ||
				strings.HasPrefix(d.Key, p.Key+".") {
				repeated = true
				break
			}
		}
		if !repeated {
			out = append(out, p)
		}
	}
	return out
}

func renderable(v any) any {
	if v == nil {
		return config.Missing{}
	}
	return v
}

// applyOverrides sets every "medbookings.a.b.c" context value into tree at a.b.c.
func applyOverrides(tree map[string]any, ctx map[string]any, ps *config.Problems) {
	var keys []string
	for k := range ctx {
		if strings.HasPrefix(k, ContextKey+".") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := strings.Split(strings.TrimPrefix(k, ContextKey+"."), ".")
		node := tree
		for i, part := range path[:len(path)-1] {
			next, ok := node[part].(map[string]any)
			if !ok {
				if _, exists := node[part]; exists {
					ps.Add(k, ctx[k], "a key below an object; %s.%s is not an object", ContextKey, strings.Join(path[:i+1], "."))
					node = nil
					break
				}
				next = map[string]any{}
				node[part] = next
			}
			node = next
		}
		if node == nil {
			continue
		}
		leaf := path[len(path)-1]
		if s, isString := ctx[k].(string); isString {
			node[leaf] = config.Override(s)
		} else {
			node[leaf] = ctx[k]
		}
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func (s *Settings) validate(ps *config.Problems) {
	k := ContextKey + ".shared"
	if !regionRE.MatchString(s.Shared.Region) {
		ps.Add(k+".region", s.Shared.Region, "an AWS region name such as eu-west-1")
	}
	if s.Shared.Account != "" && !accountRE.MatchString(s.Shared.Account) {
		ps.Add(k+".account", s.Shared.Account, `a 12-digit AWS account ID, or "" for account-agnostic stacks`)
	}
	domainOK := ps.Domain(k+".domain", s.Shared.Domain)
	if !repoRE.MatchString(s.Shared.GitHubRepository) {
		ps.Add(k+".gitHubRepository", s.Shared.GitHubRepository, "a repository URL such as https://github.com/owner/name")
	}
	ps.Email(k+".alertEmail", s.Shared.AlertEmail)

	s.Delivery.Validate(ContextKey+".delivery", ps)
	// The CI roles trust the repository that Amplify builds, never another.
	if want := strings.TrimPrefix(s.Shared.GitHubRepository, "https://github.com/"); s.Delivery.Repository != want &&
		repoRE.MatchString(s.Shared.GitHubRepository) {
		ps.Add(ContextKey+".delivery.repository", s.Delivery.Repository, "%q, the repository of medbookings.shared.gitHubRepository", want)
	}

	seenHost := map[string]string{}
	budget := 0.0
	for _, e := range s.Environments() {
		ek := ContextKey + "." + e.Name
		if !branchRE.MatchString(e.Branch) || strings.Contains(e.Branch, "..") || strings.HasSuffix(e.Branch, "/") {
			ps.Add(ek+".branch", e.Branch, "a git branch name such as master or staging")
		}
		for i, h := range e.Hosts() {
			hk := ek + ".canonicalHost"
			if i > 0 {
				hk = fmt.Sprintf("%s.redirectHosts[%d]", ek, i-1)
			}
			if domainOK && !ps.HostIn(hk, h, s.Shared.Domain) {
				continue
			}
			if other, dup := seenHost[h]; dup {
				ps.Add(hk, h, "a host name no other key uses (already used by %s); one host belongs to one environment", other)
			}
			seenHost[h] = hk
		}
		e.Database.Validate(ek+".database", ps)
		e.Storage.Validate(ek+".storage", e.Hosts(), ps)
		e.Hosting.Validate(ek+".hosting", ps)
		e.Hosting.ValidateIn(ek+".hosting", hosting.Scope{
			Environment: e.Name, Domain: s.Shared.Domain, CanonicalHost: e.CanonicalHost, RedirectHosts: e.RedirectHosts,
		}, ps)
		e.Monitoring.Validate(ek+".monitoring", ps)
		budget += e.Monitoring.MonthlyBudgetUSD
	}
	// Production data survives `cdk deploy` and `cdk destroy`, whatever else
	// is edited in cdk.json.
	pk := ContextKey + ".production"
	if s.Production.Storage.RemovalPolicy == "destroy" {
		ps.Add(pk+".storage.removalPolicy", s.Production.Storage.RemovalPolicy, `"retain" in production (uploads are medical-practice records)`)
	}
	if !s.Production.Database.DeletionProtection {
		ps.Add(pk+".database.deletionProtection", false, "true in production")
	}
	if !s.Production.TerminationProtection {
		ps.Add(pk+".terminationProtection", false, "true in production")
	}
	if s.Staging.Branch == s.Production.Branch {
		ps.Add(ContextKey+".staging.branch", s.Staging.Branch, "a branch other than production's (%s)", s.Production.Branch)
	}
	if s.Staging.Storage.BucketName == s.Production.Storage.BucketName {
		ps.Add(ContextKey+".staging.storage.bucketName", s.Staging.Storage.BucketName, "a bucket name other than production's")
	}
	if budget > MaxTotalBudgetUSD {
		ps.Add(ContextKey+".staging.monitoring.monthlyBudgetUsd", s.Staging.Monitoring.MonthlyBudgetUSD,
			"an amount that keeps both environments' budgets together within %d USD (production has %g)",
			MaxTotalBudgetUSD, s.Production.Monitoring.MonthlyBudgetUSD)
	}
}
