package hosting

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Config is the hosting part of one environment's context
// (medbookings.<environment>.hosting in cdk.json).
//
// Everything here is non-secret: it ends up in the CloudFormation template,
// in the Amplify environment variables and in the server's .env.production.
// Secrets live in the app secret the construct creates (see AppSecretKeys).
type Config struct {
	// GitHubTokenSecretName names an existing Secrets Manager secret holding
	// the GitHub token Amplify uses to reach the repository (a plain-text
	// secret; see docs/hosting.md for how to create it).
	GitHubTokenSecretName string `json:"gitHubTokenSecretName"`
	// PullRequestPreviews turns on Amplify's per-pull-request preview builds.
	// Previews build with this branch's variables and compute role, so they
	// would reach this environment's database: production refuses them.
	PullRequestPreviews bool `json:"pullRequestPreviews"`
	// NodeVersion is the Node.js major version the build installs with nvm
	// (and that Amplify's SSR compute runs): "20" or "22".
	NodeVersion string `json:"nodeVersion"`
	// RemovalPolicy of the app secret and its KMS key on stack delete:
	// "retain" or "destroy".
	RemovalPolicy string `json:"removalPolicy"`
	// AdminEmails are the users the app treats as administrators (ADMIN_EMAILS).
	AdminEmails []string `json:"adminEmails"`
	// AdminNotificationEmail receives the app's admin notifications.
	AdminNotificationEmail string `json:"adminNotificationEmail"`
	// SendGridFromEmail is the sender address; it must be at the shared domain
	// so that SendGrid's domain authentication (SPF, DKIM) covers it.
	SendGridFromEmail string `json:"sendGridFromEmail"`
	// TwilioPhoneNumber and TwilioWhatsappNumber are E.164 numbers
	// (+27...); "" until the operator has them.
	TwilioPhoneNumber    string `json:"twilioPhoneNumber"`
	TwilioWhatsappNumber string `json:"twilioWhatsappNumber"`
	// SentryDsn is the project's DSN (public by design: the browser SDK sends
	// it); "" turns Sentry off. Its host is the only Sentry origin the CSP allows.
	SentryDsn string `json:"sentryDsn"`
	// GoogleClientId is the OAuth client ID (public: it is in every sign-in
	// URL); "" until the operator has it.
	GoogleClientId string `json:"googleClientId"`
	// GoogleMapsApiKey becomes NEXT_PUBLIC_GOOGLE_MAPS_API_KEY. Next.js
	// inlines NEXT_PUBLIC_* values into the browser bundle at build time, so
	// this key is public whatever we do; it is protected by its HTTP-referrer
	// and API restrictions in Google Cloud, not by secrecy.
	GoogleMapsApiKey string `json:"googleMapsApiKey"`
	// HostedZoneId is the Route 53 hosted zone of the shared domain; "" when
	// the domain's DNS is elsewhere (the records are then output and listed
	// in docs/hosting.md).
	HostedZoneId string `json:"hostedZoneId"`
	// SendGridDkimRecords are the CNAMEs SendGrid's domain authentication
	// asks for (full record name → target). Only the environment that serves
	// the apex domain holds the domain's mail records.
	SendGridDkimRecords map[string]string `json:"sendGridDkimRecords"`
	// CspExtraSources adds sources to Content-Security-Policy directives
	// (directive → https origins), for a third party the app starts to use.
	CspExtraSources map[string][]string `json:"cspExtraSources"`
}

// Scope is what the hosting settings are judged against: the environment
// and its host names (from the stack settings).
type Scope struct {
	Environment   string
	Domain        string
	CanonicalHost string
	RedirectHosts []string
}

var (
	secretNameRE  = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	e164RE        = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	googleIDRE    = regexp.MustCompile(`^[0-9]{6,}-[a-z0-9]{10,}\.apps\.googleusercontent\.com$`)
	mapsKeyRE     = regexp.MustCompile(`^AIza[0-9A-Za-z_-]{35}$`)
	hostedZoneRE  = regexp.MustCompile(`^Z[A-Z0-9]{4,31}$`)
	dnsNameRE     = regexp.MustCompile(`^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	sentryHostRE  = regexp.MustCompile(`^[a-z0-9-]+\.ingest(\.[a-z]{2})?\.sentry\.io$`)
	cspOriginRE   = regexp.MustCompile(`^https://(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	nodeVersions  = []string{"20", "22"}
	cspDirectives = []string{"connect-src", "font-src", "form-action", "frame-src", "img-src", "media-src", "script-src", "style-src", "worker-src"}
)

// Validate checks what can be judged from the hosting settings alone.
func (c Config) Validate(key string, ps *config.Problems) {
	if ps.NonEmpty(key+".gitHubTokenSecretName", c.GitHubTokenSecretName, "the name of an existing Secrets Manager secret") &&
		!secretNameRE.MatchString(c.GitHubTokenSecretName) {
		ps.Add(key+".gitHubTokenSecretName", c.GitHubTokenSecretName,
			"a Secrets Manager secret name: 1-512 characters of letters, digits and /_+=.@-")
	}
	ps.OneOf(key+".nodeVersion", c.NodeVersion, nodeVersions...)
	ps.OneOf(key+".removalPolicy", c.RemovalPolicy, "retain", "destroy")
	seen := map[string]bool{}
	for i, e := range c.AdminEmails {
		k := fmt.Sprintf("%s.adminEmails[%d]", key, i)
		if ps.Email(k, e) && seen[e] {
			ps.Add(k, e, "an address not already in the list")
		}
		seen[e] = true
	}
	ps.Email(key+".adminNotificationEmail", c.AdminNotificationEmail)
	ps.Email(key+".sendGridFromEmail", c.SendGridFromEmail)
	for _, n := range [][2]string{{"twilioPhoneNumber", c.TwilioPhoneNumber}, {"twilioWhatsappNumber", c.TwilioWhatsappNumber}} {
		if n[1] != "" && !e164RE.MatchString(n[1]) {
			ps.Add(key+"."+n[0], n[1], `a phone number in E.164 form such as +27211234567, or "" until it is known`)
		}
	}
	if c.SentryDsn != "" {
		if _, ok := SentryOrigin(c.SentryDsn); !ok {
			ps.Add(key+".sentryDsn", c.SentryDsn,
				`a Sentry DSN such as https://<public key>@o123.ingest.sentry.io/456 (or .ingest.de.sentry.io), or "" for no Sentry`)
		}
	}
	if c.GoogleClientId != "" && !googleIDRE.MatchString(c.GoogleClientId) {
		ps.Add(key+".googleClientId", c.GoogleClientId,
			`an OAuth client ID such as 123456789012-abc123def456.apps.googleusercontent.com, or "" until it is known`)
	}
	if c.GoogleMapsApiKey != "" && !mapsKeyRE.MatchString(c.GoogleMapsApiKey) {
		ps.Add(key+".googleMapsApiKey", c.GoogleMapsApiKey, `a Google API key (AIza followed by 35 characters), or "" until it is known`)
	}
	if c.HostedZoneId != "" && !hostedZoneRE.MatchString(c.HostedZoneId) {
		ps.Add(key+".hostedZoneId", c.HostedZoneId, `a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ, or "" when the DNS is elsewhere`)
	}
	for _, name := range slices.Sorted(maps.Keys(c.SendGridDkimRecords)) {
		k := key + ".sendGridDkimRecords." + name
		if !dnsNameRE.MatchString(name) {
			ps.Add(k, name, "a record name such as s1._domainkey.medbookings.co.za (lower case)")
		}
		if v := c.SendGridDkimRecords[name]; !dnsNameRE.MatchString(v) {
			ps.Add(k, v, "a CNAME target such as s1.domainkey.u1234567.wl123.sendgrid.net (lower case)")
		}
	}
	for _, d := range slices.Sorted(maps.Keys(c.CspExtraSources)) {
		k := key + ".cspExtraSources." + d
		if !contains(cspDirectives, d) {
			ps.Add(k, d, "one of the directives %s", strings.Join(cspDirectives, ", "))
			continue
		}
		for i, o := range c.CspExtraSources[d] {
			if !cspOriginRE.MatchString(o) {
				ps.Add(fmt.Sprintf("%s[%d]", k, i), o, "an https origin such as https://api.example.com or https://*.example.com (no path, no quotes)")
			}
		}
	}
}

// ValidateIn checks what depends on the environment and its host names; the
// stack settings call it after Validate, and New calls it again.
func (c Config) ValidateIn(key string, s Scope, ps *config.Problems) {
	if c.PullRequestPreviews && s.Environment == "production" {
		ps.Add(key+".pullRequestPreviews", true,
			"false in production: a preview builds with the branch's variables and compute role and would reach the production database")
	}
	if _, domain, ok := strings.Cut(c.SendGridFromEmail, "@"); ok && config.IsEmail(c.SendGridFromEmail) && domain != s.Domain {
		ps.Add(key+".sendGridFromEmail", c.SendGridFromEmail, "an address at %s (the domain SendGrid is authenticated for)", s.Domain)
	}
	if _, _, err := DomainAssociation(s.CanonicalHost, s.RedirectHosts); err != nil {
		ps.Add(key, s.Hosts(), "%v", err)
	}
	if len(c.SendGridDkimRecords) > 0 && !s.ServesApex() {
		ps.Add(key+".sendGridDkimRecords", c.SendGridDkimRecords,
			"{} in this environment: the mail records of %s belong to the environment that serves it", s.Domain)
	}
	for _, name := range slices.Sorted(maps.Keys(c.SendGridDkimRecords)) {
		if !strings.HasSuffix(name, "."+s.Domain) {
			ps.Add(key+".sendGridDkimRecords."+name, name, "a record name under %s", s.Domain)
		}
	}
}

// Hosts are the canonical host followed by the redirect hosts.
func (s Scope) Hosts() []string { return append([]string{s.CanonicalHost}, s.RedirectHosts...) }

// ServesApex reports whether the environment serves the shared domain itself
// (production); that environment owns the domain's mail records.
func (s Scope) ServesApex() bool { return contains(s.Hosts(), s.Domain) }

// DomainAssociation derives the Amplify domain association from the host
// names: its domain name is the shortest host, and every host is that name
// with a prefix ("" for the name itself). An app owns exactly its hosts.
func DomainAssociation(canonical string, redirects []string) (domainName string, prefixes []string, err error) {
	hosts := append([]string{canonical}, redirects...)
	domainName = canonical
	for _, h := range hosts {
		if len(h) < len(domainName) {
			domainName = h
		}
	}
	for _, h := range hosts {
		switch {
		case h == domainName:
			prefixes = append(prefixes, "")
		case strings.HasSuffix(h, "."+domainName) && !strings.Contains(strings.TrimSuffix(h, "."+domainName), "."):
			prefixes = append(prefixes, strings.TrimSuffix(h, "."+domainName))
		default:
			return "", nil, fmt.Errorf("host names that are one domain name and single-label prefixes of it (an Amplify domain association); %s is not under %s", h, domainName)
		}
	}
	for i := range prefixes {
		for j := range i {
			if prefixes[i] == prefixes[j] {
				return "", nil, fmt.Errorf("host names without repeats; %s appears twice", hosts[i])
			}
		}
	}
	return domainName, prefixes, nil
}

// SentryOrigin is the https origin the browser SDK sends events to, taken
// from the DSN's host.
func SentryOrigin(dsn string) (string, bool) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "https" || u.User == nil || u.User.Username() == "" ||
		!sentryHostRE.MatchString(u.Host) || strings.Trim(u.Path, "/") == "" || u.RawQuery != "" {
		return "", false
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return "", false // the deprecated secret part of old DSNs: never in config
	}
	return "https://" + u.Host, true
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
