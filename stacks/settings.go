package stacks

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/database"
	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// ContextKey is the cdk.json context key that holds the MedBookings settings.
// A single value is overridden on the command line with a dotted key below it:
//
//	cdk synth -c medbookings.production.database.instanceClass=db.t4g.medium
const ContextKey = "medbookings"

// MaxTotalBudgetUSD is the business budget of both environments together.
const MaxTotalBudgetUSD = 200

// Settings are the MedBookings context as written in cdk.json: the schema
// of the context, decoded strictly and validated by Load. Everything the
// constructs get is derived from it (see Environment); no construct reads
// context.
//
// A key tagged config:"optional" may be left out: its Go default (Defaults)
// is the requirements document's value, stated once here and nowhere else.
type Settings struct {
	Shared     SharedSettings      `json:"shared"`
	Staging    EnvironmentSettings `json:"staging"`
	Production EnvironmentSettings `json:"production"`
	Delivery   DeliverySettings    `json:"delivery"`
}

// SharedSettings are values every stack uses.
type SharedSettings struct {
	// Region every environment stack is deployed to.
	Region string `json:"region"`
	// Account pins the stacks to one AWS account; empty keeps them
	// account-agnostic (synthesis then needs no credentials at all).
	Account string `json:"account"`
	// Domain is the apex domain both environments' host names live under.
	Domain string `json:"domain"`
	// HostedZoneID is the Route 53 hosted zone of Domain, or "" when the
	// domain's DNS is elsewhere (the records are then stack outputs).
	HostedZoneID string `json:"hostedZoneId"`
	// GitHubRepository is the application repository (its workflows deploy).
	GitHubRepository string `json:"gitHubRepository"`
	// AlertEmail receives every alarm and deployment notification.
	AlertEmail string `json:"alertEmail"`
}

// EnvironmentSettings are one environment's settings (staging or production).
type EnvironmentSettings struct {
	// Branch of the application repository that this environment deploys.
	Branch string `json:"branch"`
	// CanonicalHost serves the app; RedirectHosts answer 301 to it.
	CanonicalHost string   `json:"canonicalHost"`
	RedirectHosts []string `json:"redirectHosts"`
	// TerminationProtection makes CloudFormation refuse to delete the stack.
	TerminationProtection bool `json:"terminationProtection"`
	// RetainOnDelete keeps every stateful resource (buckets, secrets, keys,
	// log groups) when the stack is deleted; false deletes them with it. The
	// database is snapshotted either way. Production must retain.
	RetainOnDelete bool `json:"retainOnDelete"`
	// BootstrapQualifier is the CDK bootstrap qualifier this environment's
	// stacks deploy with: its own bootstrap roles, execution policy and
	// permissions boundary (docs/runbook.md, step 2), so that one
	// environment's pipeline cannot change the other.
	BootstrapQualifier string `json:"bootstrapQualifier"`

	Network    NetworkSettings    `json:"network"`
	Backup     BackupSettings     `json:"backup"`
	Database   DatabaseSettings   `json:"database"`
	Storage    StorageSettings    `json:"storage"`
	Hosting    HostingSettings    `json:"hosting"`
	Monitoring MonitoringSettings `json:"monitoring"`
}

// NetworkSettings shape the environment's VPC.
type NetworkSettings struct {
	// NAT is how functions in the VPC reach the internet: "gateway" (a
	// managed NAT gateway, about $40 a month with its address; production
	// must have it, for the 99.9 % uptime target) or "instance" (a t4g.nano
	// NAT instance, about $7 a month, stopped with a sleeping database).
	NAT string `json:"nat"`
	// FlowLogs records "all" traffic or only "reject"ed traffic.
	FlowLogs string `json:"flowLogs"`
}

// DatabaseSettings configure PostgreSQL on RDS.
type DatabaseSettings struct {
	// InstanceClass is the RDS class, one of database.InstanceClasses.
	InstanceClass string `json:"instanceClass"`
	// MultiAZ runs a synchronous standby in a second availability zone.
	MultiAZ bool `json:"multiAz"`
	// DeletionProtection makes RDS refuse to delete the instance.
	DeletionProtection bool `json:"deletionProtection"`
	// AllocatedStorageGiB is the initial gp3 size; MaxAllocatedStorageGiB the
	// ceiling of storage autoscaling.
	AllocatedStorageGiB    int `json:"allocatedStorageGiB" config:"optional"`
	MaxAllocatedStorageGiB int `json:"maxAllocatedStorageGiB" config:"optional"`
	// BackupRetentionDays of automated backups (7 to 35).
	BackupRetentionDays int `json:"backupRetentionDays" config:"optional"`
	// BackupWindow is "HH:MM-HH:MM" in UTC, inside 00:00-02:00 UTC (02:00-04:00 SAST).
	BackupWindow string `json:"backupWindow" config:"optional"`
	// MaintenanceWindow is "ddd:HH:MM-ddd:HH:MM" in UTC, not overlapping the backup window.
	MaintenanceWindow string `json:"maintenanceWindow" config:"optional"`
	// SlowStatementThresholdMs logs statements that run longer (log_min_duration_statement).
	SlowStatementThresholdMs int `json:"slowStatementThresholdMs" config:"optional"`
	// EnhancedMonitoring turns on RDS Enhanced Monitoring (OS metrics every 60 s).
	EnhancedMonitoring bool `json:"enhancedMonitoring"`
	// StopSchedule lists daily windows in which the instance is stopped (and
	// the site with it); production must have none.
	StopSchedule []StopWindow `json:"stopSchedule"`
}

// BackupSettings configure AWS Backup: daily and monthly recovery points of
// the database (and the uploads bucket) in a vault under a compliance-mode
// Vault Lock, outside the reach of anyone who can delete the database.
type BackupSettings struct {
	// Enabled turns AWS Backup on; production must have it.
	Enabled bool `json:"enabled"`
	// DailyRetentionDays keeps each daily recovery point (7 to 365).
	DailyRetentionDays int `json:"dailyRetentionDays" config:"optional"`
	// MonthlyRetentionDays keeps the first recovery point of each month
	// (0: no monthly points; otherwise 90 to 3650).
	MonthlyRetentionDays int `json:"monthlyRetentionDays" config:"optional"`
	// Uploads backs up the uploads bucket as well as the database.
	Uploads bool `json:"uploads" config:"optional"`
}

// StopWindow is one daily stop of the database, in UTC.
type StopWindow struct {
	StopAt  string `json:"stopAtUtc"`
	StartAt string `json:"startAtUtc"`
}

// StorageSettings configure the uploads bucket (its name is derived:
// medbookings-uploads-<environment>).
type StorageSettings struct {
	// NoncurrentVersionExpirationDays deletes replaced or deleted versions after so many days.
	NoncurrentVersionExpirationDays int `json:"noncurrentVersionExpirationDays"`
	// InfrequentAccessAfterDays moves current versions to STANDARD_IA after
	// so many days (0 = never).
	InfrequentAccessAfterDays int `json:"infrequentAccessAfterDays"`
	// AccessLogExpirationDays deletes server access logs after so many days.
	AccessLogExpirationDays int `json:"accessLogExpirationDays"`
}

// HostingSettings configure the Next.js server, CloudFront and what the
// app is told.
type HostingSettings struct {
	// Bundle is the app build to deploy: the folder scripts/build-app.sh
	// writes (an OpenNext output and the Prisma migrations). "" synthesizes
	// a placeholder that CloudFormation refuses to deploy.
	Bundle string `json:"bundle" config:"optional"`
	// ServerMemoryMiB is the server function's memory (and CPU share).
	ServerMemoryMiB int `json:"serverMemoryMiB" config:"optional"`
	// ConnectionLimit is Prisma's connection_limit per server instance.
	ConnectionLimit int `json:"connectionLimit" config:"optional"`
	// App holds the app's non-secret settings (see the app contract).
	App AppSettings `json:"app"`
	// CspExtraSources adds sources to Content-Security-Policy directives
	// (directive → https origins), for a third party the app starts to use.
	CspExtraSources map[string][]string `json:"cspExtraSources" config:"optional"`
	// SendGridDkimRecords are the CNAMEs SendGrid's domain authentication
	// asks for (full record name → target); only the environment that
	// serves the apex domain holds the domain's mail records.
	SendGridDkimRecords map[string]string `json:"sendGridDkimRecords" config:"optional"`
}

// AppSettings are the app's non-secret values, each under the variable
// name the app reads (see constructs/hosting's Contract). "" means not
// known yet; the app then runs without that feature.
type AppSettings struct {
	AdminEmails            []string `json:"adminEmails"`
	AdminNotificationEmail string   `json:"adminNotificationEmail"`
	SendGridFromEmail      string   `json:"sendGridFromEmail"`
	TwilioPhoneNumber      string   `json:"twilioPhoneNumber"`
	TwilioWhatsappNumber   string   `json:"twilioWhatsappNumber"`
	GoogleClientID         string   `json:"googleClientId"`
	// GoogleMapsAPIKey is public by design: Next.js inlines it into the
	// browser bundle; Google's referrer restrictions protect it.
	GoogleMapsAPIKey string `json:"googleMapsApiKey"`
	// SentryDSN is public by design (the browser SDK sends it).
	SentryDSN     string `json:"sentryDsn"`
	SentryOrg     string `json:"sentryOrg"`
	SentryProject string `json:"sentryProject"`
	// UpstashRedisRestURL is the rate-limit store's REST endpoint (its
	// token is a secret); the app requires it in production.
	UpstashRedisRestURL string `json:"upstashRedisRestUrl"`
}

// MonitoringSettings are the alarm thresholds and the budget. Every
// threshold is optional and defaults to the requirements document's value.
type MonitoringSettings struct {
	ErrorRatePercent           float64 `json:"errorRatePercent" config:"optional"`
	ErrorRatePeriodMinutes     int     `json:"errorRatePeriodMinutes" config:"optional"`
	LatencyP95Seconds          float64 `json:"latencyP95Seconds" config:"optional"`
	LatencyPeriodMinutes       int     `json:"latencyPeriodMinutes" config:"optional"`
	DatabaseFreeStoragePercent float64 `json:"databaseFreeStoragePercent" config:"optional"`
	DatabaseConnectionsPercent float64 `json:"databaseConnectionsPercent" config:"optional"`
	DatabaseCPUPercent         float64 `json:"databaseCpuPercent" config:"optional"`
	DatabaseConnectionErrors   int     `json:"databaseConnectionErrors" config:"optional"`
	HealthCheckPath            string  `json:"healthCheckPath" config:"optional"`
	HealthCheckIntervalMinutes int     `json:"healthCheckIntervalMinutes" config:"optional"`
	HealthCheckFailures        int     `json:"healthCheckFailures" config:"optional"`
	// LogRetentionDays for every log group of the stack.
	LogRetentionDays int `json:"logRetentionDays" config:"optional"`
	// MonthlyBudgetUSD is this environment's AWS Budgets cost budget.
	MonthlyBudgetUSD float64 `json:"monthlyBudgetUsd"`
}

// DeliverySettings configure the account-wide delivery stack. The
// repository its roles trust is shared.gitHubRepository, and there is one
// deploy role per environment.
type DeliverySettings struct {
	// OIDCProviderARN is "" to create the account's GitHub OIDC provider in
	// the delivery stack, or the ARN of the provider the account already
	// has (IAM allows one provider per URL and account).
	OIDCProviderARN string `json:"oidcProviderArn"`
}

// Defaults are the values of the optional keys: the requirements
// document's, stated once.
func Defaults() EnvironmentSettings {
	return EnvironmentSettings{
		Database: DatabaseSettings{
			AllocatedStorageGiB:      20,
			MaxAllocatedStorageGiB:   100,
			BackupRetentionDays:      7,
			BackupWindow:             "00:00-00:30", // 02:00-02:30 SAST (decision 5: 2-4 AM SAST)
			MaintenanceWindow:        "sun:02:30-sun:03:00",
			SlowStatementThresholdMs: 500,
		},
		Backup: BackupSettings{
			DailyRetentionDays:   35,
			MonthlyRetentionDays: 365,
			Uploads:              true,
		},
		Hosting: HostingSettings{
			ServerMemoryMiB: 1536,
			// Prisma's advice for serverless functions: one connection per
			// instance, which serves one request at a time.
			ConnectionLimit: 1,
		},
		Monitoring: MonitoringSettings{
			ErrorRatePercent:           5,
			ErrorRatePeriodMinutes:     5,
			LatencyP95Seconds:          2,
			LatencyPeriodMinutes:       5,
			DatabaseFreeStoragePercent: 20,
			DatabaseConnectionsPercent: 80,
			DatabaseCPUPercent:         80,
			DatabaseConnectionErrors:   5,
			HealthCheckPath:            "/api/health",
			HealthCheckIntervalMinutes: 1,
			HealthCheckFailures:        3,
			LogRetentionDays:           30,
		},
	}
}

// Load decodes and validates the settings from an app's whole context (what
// node.getAllContext returns, or cdk.json's "context" object in tests).
// Values under the dotted keys "medbookings.<path>" override the tree.
// Every problem is reported in one error; on error the settings are nil.
func Load(ctx map[string]any) (*Settings, error) {
	var ps config.Problems
	tree, ok := ctx[ContextKey].(map[string]any)
	if !ok {
		ps.Add(ContextKey, renderable(ctx[ContextKey]), "an object with the keys delivery, production, shared, staging (is cdk.json's context present? run through the CDK CLI or load cdk.json)")
		return nil, ps.Err()
	}
	tree = config.WithOverrides(tree, ctx, ContextKey, &ps)
	s := &Settings{Staging: Defaults(), Production: Defaults()}
	config.Decode(tree, s, ContextKey, &ps)
	// Validate even when decoding found problems, so that every problem is
	// reported at once; a key that failed to decode is not judged again on
	// the zero value it was left with.
	decoded := len(ps)
	s.validate(&ps)
	ps = ps.DropRepeated(decoded)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func renderable(v any) any {
	if v == nil {
		return config.Missing{}
	}
	return v
}

var (
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	repoRE    = regexp.MustCompile(`^https://github\.com/[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	branchRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`)
	zoneRE    = regexp.MustCompile(`^Z[A-Z0-9]{4,31}$`)
	// CDK's rule for qualifiers (they name S3 buckets and IAM roles).
	qualifierRE = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
	providerRE  = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$`)
	e164RE      = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	googleIDRE  = regexp.MustCompile(`^[0-9]{6,}-[a-z0-9]{10,}\.apps\.googleusercontent\.com$`)
	mapsKeyRE   = regexp.MustCompile(`^AIza[0-9A-Za-z_-]{35}$`)
	dnsNameRE   = regexp.MustCompile(`^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	slugRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,49}$`)
	cspRE       = regexp.MustCompile(`^https://(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	upstashRE   = regexp.MustCompile(`^https://[a-z0-9-]+\.upstash\.io$`)
)

// CSPDirectives are the Content-Security-Policy directives cspExtraSources may extend.
var CSPDirectives = []string{"connect-src", "font-src", "form-action", "frame-src", "img-src", "media-src", "script-src", "style-src", "worker-src"}

func (s *Settings) validate(ps *config.Problems) {
	k := ContextKey + ".shared"
	if !regionRE.MatchString(s.Shared.Region) {
		ps.Add(k+".region", s.Shared.Region, "an AWS region name such as eu-west-1")
	}
	if s.Shared.Account != "" && !accountRE.MatchString(s.Shared.Account) {
		ps.Add(k+".account", s.Shared.Account, `a 12-digit AWS account ID, or "" for account-agnostic stacks`)
	}
	domainOK := ps.Domain(k+".domain", s.Shared.Domain)
	if s.Shared.HostedZoneID != "" && !zoneRE.MatchString(s.Shared.HostedZoneID) {
		ps.Add(k+".hostedZoneId", s.Shared.HostedZoneID, `a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ, or "" when the DNS is elsewhere`)
	}
	if !repoRE.MatchString(s.Shared.GitHubRepository) {
		ps.Add(k+".gitHubRepository", s.Shared.GitHubRepository, "a repository URL such as https://github.com/owner/name")
	}
	ps.Email(k+".alertEmail", s.Shared.AlertEmail)
	if a := s.Delivery.OIDCProviderARN; a != "" && !providerRE.MatchString(a) {
		ps.Add(ContextKey+".delivery.oidcProviderArn", a,
			`"" (create the provider) or the ARN of the account's existing provider, arn:aws:iam::<12-digit account>:oidc-provider/token.actions.githubusercontent.com`)
	}

	seenHost := map[string]string{}
	seenQualifier := map[string]string{}
	budget := 0.0
	for _, name := range EnvironmentNames {
		e := s.environment(name)
		ek := ContextKey + "." + name
		if !branchRE.MatchString(e.Branch) || strings.Contains(e.Branch, "..") || strings.HasSuffix(e.Branch, "/") {
			ps.Add(ek+".branch", e.Branch, "a git branch name such as master or staging")
		}
		hosts := append([]string{e.CanonicalHost}, e.RedirectHosts...)
		for i, h := range hosts {
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
		if !qualifierRE.MatchString(e.BootstrapQualifier) || e.BootstrapQualifier == DefaultBootstrapQualifier {
			ps.Add(ek+".bootstrapQualifier", e.BootstrapQualifier,
				"1 to 10 lower-case letters or digits, not CDK's default %s (the delivery stack's)", DefaultBootstrapQualifier)
		} else if other, dup := seenQualifier[e.BootstrapQualifier]; dup {
			ps.Add(ek+".bootstrapQualifier", e.BootstrapQualifier, "a qualifier no other environment uses (%s has it)", other)
		}
		seenQualifier[e.BootstrapQualifier] = name
		e.Network.validate(ek+".network", ps)
		e.Backup.validate(ek+".backup", ps)
		e.Database.validate(ek+".database", ps)
		e.Storage.validate(ek+".storage", ps)
		e.Hosting.validate(ek+".hosting", s.Shared.Domain, slices.Contains(hosts, s.Shared.Domain), ps)
		e.Monitoring.validate(ek+".monitoring", ps)
		budget += e.Monitoring.MonthlyBudgetUSD
	}
	// Production data survives `cdk deploy` and `cdk destroy`, whatever else
	// is edited in cdk.json; production is never stopped.
	pk := ContextKey + ".production"
	p := s.Production
	if !p.RetainOnDelete {
		ps.Add(pk+".retainOnDelete", false, "true in production (uploads, secrets, keys and logs are medical-practice records)")
	}
	if !p.Backup.Enabled {
		ps.Add(pk+".backup.enabled", false, "true in production (the backups outside the database's blast radius)")
	}
	if !p.Database.DeletionProtection {
		ps.Add(pk+".database.deletionProtection", false, "true in production")
	}
	if !p.TerminationProtection {
		ps.Add(pk+".terminationProtection", false, "true in production")
	}
	if len(p.Database.StopSchedule) > 0 {
		ps.Add(pk+".database.stopSchedule", p.Database.StopSchedule, "[] in production (the site is down while the database is stopped)")
	}
	if p.Network.NAT == "instance" {
		ps.Add(pk+".network.nat", p.Network.NAT, `"gateway" in production (a NAT instance is a single instance without a managed failover; the uptime target is 99.9 %%)`)
	}
	if s.Staging.Branch == s.Production.Branch {
		ps.Add(ContextKey+".staging.branch", s.Staging.Branch, "a branch other than production's (%s)", s.Production.Branch)
	}
	if budget > MaxTotalBudgetUSD {
		ps.Add(ContextKey+".staging.monitoring.monthlyBudgetUsd", s.Staging.Monitoring.MonthlyBudgetUSD,
			"an amount that keeps both environments' budgets together within %d USD (production has %g)",
			MaxTotalBudgetUSD, s.Production.Monitoring.MonthlyBudgetUSD)
	}
}

// DefaultBootstrapQualifier is `cdk bootstrap`'s default qualifier, which
// the delivery stack (deployed by hand, with administrator credentials) uses.
const DefaultBootstrapQualifier = "hnb659fds"

// EnvironmentNames are the environments, staging first.
var EnvironmentNames = []string{"staging", "production"}

func (s *Settings) environment(name string) EnvironmentSettings {
	if name == "production" {
		return s.Production
	}
	return s.Staging
}

// NATKinds are the allowed values of network.nat.
var NATKinds = []string{"gateway", "instance"}

func (n NetworkSettings) validate(key string, ps *config.Problems) {
	ps.OneOf(key+".nat", n.NAT, NATKinds...)
	ps.OneOf(key+".flowLogs", n.FlowLogs, "all", "reject")
}

func (b BackupSettings) validate(key string, ps *config.Problems) {
	ps.IntRange(key+".dailyRetentionDays", b.DailyRetentionDays, 7, 365)
	if m := b.MonthlyRetentionDays; m != 0 && (m < 90 || m > 3650) {
		ps.Add(key+".monthlyRetentionDays", m, "0 (no monthly recovery points) or a whole number from 90 to 3650")
	}
}

func (d DatabaseSettings) validate(key string, ps *config.Problems) {
	if _, ok := database.InstanceClasses[d.InstanceClass]; !ok {
		ps.Add(key+".instanceClass", d.InstanceClass, "one of %s", strings.Join(slices.Sorted(maps.Keys(database.InstanceClasses)), ", "))
	}
	ps.IntRange(key+".allocatedStorageGiB", d.AllocatedStorageGiB, 20, 6144)
	if d.MaxAllocatedStorageGiB <= d.AllocatedStorageGiB || d.MaxAllocatedStorageGiB > 65536 {
		ps.Add(key+".maxAllocatedStorageGiB", d.MaxAllocatedStorageGiB,
			"a whole number above allocatedStorageGiB (%d) and at most 65536", d.AllocatedStorageGiB)
	}
	ps.IntRange(key+".backupRetentionDays", d.BackupRetentionDays, 7, 35)
	ps.IntRange(key+".slowStatementThresholdMs", d.SlowStatementThresholdMs, 100, 60000)

	backup, bok := config.ParseDailyWindow(d.BackupWindow)
	switch {
	case !bok:
		ps.Add(key+".backupWindow", d.BackupWindow, "HH:MM-HH:MM in UTC inside 00:00-02:00 (02:00-04:00 SAST)")
	case backup.End <= backup.Start || backup.End > 120 || backup.Minutes() < 30:
		ps.Add(key+".backupWindow", d.BackupWindow, "a window of at least 30 minutes inside 00:00-02:00 UTC (02:00-04:00 SAST)")
		bok = false
	}
	mw, mok := config.ParseWeeklyWindow(d.MaintenanceWindow)
	switch {
	case !mok:
		ps.Add(key+".maintenanceWindow", d.MaintenanceWindow, "ddd:HH:MM-ddd:HH:MM in UTC, e.g. sun:02:30-sun:03:00")
	case mw.Minutes() < 30:
		ps.Add(key+".maintenanceWindow", d.MaintenanceWindow, "a window of at least 30 minutes")
	case bok && mw.OverlapsDaily(backup):
		ps.Add(key+".maintenanceWindow", d.MaintenanceWindow, "a window that does not overlap the backup window %s", d.BackupWindow)
	}
	var stops []config.DailyWindow
	for i, w := range d.StopSchedule {
		wk := fmt.Sprintf("%s.stopSchedule[%d]", key, i)
		stop, sok := ps.Clock(wk+".stopAtUtc", w.StopAt)
		start, tok := ps.Clock(wk+".startAtUtc", w.StartAt)
		if !sok || !tok {
			continue
		}
		stopped := config.DailyWindow{Start: stop, End: start}
		switch {
		case stop == start:
			ps.Add(wk+".startAtUtc", w.StartAt, "a time different from stopAtUtc")
		case bok && stopped.Overlaps(backup):
			// A stopped instance takes no automated backups: the backup
			// window must fall while the instance runs.
			ps.Add(wk, map[string]string{"stopAtUtc": w.StopAt, "startAtUtc": w.StartAt},
				"a stop period that leaves the backup window %s running (a stopped instance takes no automated backups)", d.BackupWindow)
		case slices.ContainsFunc(stops, stopped.Overlaps):
			ps.Add(wk, map[string]string{"stopAtUtc": w.StopAt, "startAtUtc": w.StartAt}, "a stop period that does not overlap another one")
		case stopped.Minutes() > 23*60:
			ps.Add(wk, map[string]string{"stopAtUtc": w.StopAt, "startAtUtc": w.StartAt}, "a stop period shorter than 23 hours")
		}
		stops = append(stops, stopped)
	}
}

func (s StorageSettings) validate(key string, ps *config.Problems) {
	ps.IntRange(key+".noncurrentVersionExpirationDays", s.NoncurrentVersionExpirationDays, 1, 3650)
	if s.InfrequentAccessAfterDays != 0 {
		// S3 refuses STANDARD_IA transitions earlier than 30 days.
		ps.IntRange(key+".infrequentAccessAfterDays", s.InfrequentAccessAfterDays, 30, 3650)
	}
	ps.IntRange(key+".accessLogExpirationDays", s.AccessLogExpirationDays, 1, 3650)
}

func (h HostingSettings) validate(key, domain string, servesApex bool, ps *config.Problems) {
	// 1769 MiB is one full vCPU; Lambda allows 128-10240.
	ps.IntRange(key+".serverMemoryMiB", h.ServerMemoryMiB, 512, 10240)
	ps.IntRange(key+".connectionLimit", h.ConnectionLimit, 1, 10)
	a, ak := h.App, key+".app"
	if h.Bundle != "" {
		if strings.ContainsAny(h.Bundle, "\n\x00") {
			ps.Add(key+".bundle", h.Bundle, `a folder path written by scripts/build-app.sh, or "" for none`)
		}
		// The app refuses to start without these in production mode, which
		// both environments run (docs/hosting.md, the contract).
		for _, req := range [][3]string{
			{"upstashRedisRestUrl", a.UpstashRedisRestURL, "UPSTASH_REDIS_REST_URL"},
			{"googleMapsApiKey", a.GoogleMapsAPIKey, "NEXT_PUBLIC_GOOGLE_MAPS_API_KEY"},
		} {
			if req[1] == "" {
				ps.Add(ak+"."+req[0], "", "a value before an app bundle is deployed: the app requires %s (medbookings.%s.hosting.bundle is set)", req[2], strings.Split(key, ".")[1])
			}
		}
	}
	seen := map[string]bool{}
	for i, e := range a.AdminEmails {
		k := fmt.Sprintf("%s.adminEmails[%d]", ak, i)
		if ps.Email(k, e) && seen[e] {
			ps.Add(k, e, "an address not already in the list")
		}
		seen[e] = true
	}
	ps.Email(ak+".adminNotificationEmail", a.AdminNotificationEmail)
	if ps.Email(ak+".sendGridFromEmail", a.SendGridFromEmail) && !strings.HasSuffix(a.SendGridFromEmail, "@"+domain) {
		ps.Add(ak+".sendGridFromEmail", a.SendGridFromEmail, "an address at %s (the domain SendGrid is authenticated for)", domain)
	}
	for _, n := range [][2]string{{"twilioPhoneNumber", a.TwilioPhoneNumber}, {"twilioWhatsappNumber", a.TwilioWhatsappNumber}} {
		if n[1] != "" && !e164RE.MatchString(n[1]) {
			ps.Add(ak+"."+n[0], n[1], `a phone number in E.164 form such as +27211234567, or "" until it is known`)
		}
	}
	if a.GoogleClientID != "" && !googleIDRE.MatchString(a.GoogleClientID) {
		ps.Add(ak+".googleClientId", a.GoogleClientID, `an OAuth client ID such as 123456789012-abc123def456.apps.googleusercontent.com, or "" until it is known`)
	}
	if a.GoogleMapsAPIKey != "" && !mapsKeyRE.MatchString(a.GoogleMapsAPIKey) {
		ps.Add(ak+".googleMapsApiKey", a.GoogleMapsAPIKey, `a Google API key (AIza followed by 35 characters), or "" until it is known`)
	}
	if a.SentryDSN != "" {
		if _, ok := hosting.SentryOrigin(a.SentryDSN); !ok {
			ps.Add(ak+".sentryDsn", a.SentryDSN, `a Sentry DSN such as https://<public key>@o123.ingest.sentry.io/456 (or .ingest.de.sentry.io), or "" for no Sentry`)
		}
	}
	for _, n := range [][2]string{{"sentryOrg", a.SentryOrg}, {"sentryProject", a.SentryProject}} {
		if n[1] != "" && !slugRE.MatchString(n[1]) {
			ps.Add(ak+"."+n[0], n[1], `a Sentry slug (lower-case letters, digits, '-' and '_'), or "" for no source-map upload`)
		}
	}
	if a.UpstashRedisRestURL != "" && !upstashRE.MatchString(a.UpstashRedisRestURL) {
		ps.Add(ak+".upstashRedisRestUrl", a.UpstashRedisRestURL, `an Upstash REST URL such as https://eu1-example-12345.upstash.io, or "" until it is known`)
	}
	for _, d := range slices.Sorted(maps.Keys(h.CspExtraSources)) {
		k := key + ".cspExtraSources." + d
		if !slices.Contains(CSPDirectives, d) {
			ps.Add(k, d, "one of the directives %s", strings.Join(CSPDirectives, ", "))
			continue
		}
		for i, o := range h.CspExtraSources[d] {
			if !cspRE.MatchString(o) {
				ps.Add(fmt.Sprintf("%s[%d]", k, i), o, "an https origin such as https://api.example.com or https://*.example.com (no path, no quotes)")
			}
		}
	}
	if len(h.SendGridDkimRecords) > 0 && !servesApex {
		ps.Add(key+".sendGridDkimRecords", h.SendGridDkimRecords,
			"{} in this environment: the mail records of %s belong to the environment that serves it", domain)
	}
	for _, name := range slices.Sorted(maps.Keys(h.SendGridDkimRecords)) {
		k := key + ".sendGridDkimRecords." + name
		if !dnsNameRE.MatchString(name) || !strings.HasSuffix(name, "."+domain) {
			ps.Add(k, name, "a record name under %s such as s1._domainkey.%s (lower case)", domain, domain)
		}
		if v := h.SendGridDkimRecords[name]; !dnsNameRE.MatchString(v) {
			ps.Add(k, v, "a CNAME target such as s1.domainkey.u1234567.wl123.sendgrid.net (lower case)")
		}
	}
}

func (m MonitoringSettings) validate(key string, ps *config.Problems) {
	ps.FloatRange(key+".errorRatePercent", m.ErrorRatePercent, 0.1, 100)
	ps.IntRange(key+".errorRatePeriodMinutes", m.ErrorRatePeriodMinutes, 1, 60)
	ps.FloatRange(key+".latencyP95Seconds", m.LatencyP95Seconds, 0.05, 60)
	ps.IntRange(key+".latencyPeriodMinutes", m.LatencyPeriodMinutes, 1, 60)
	ps.FloatRange(key+".databaseFreeStoragePercent", m.DatabaseFreeStoragePercent, 1, 99)
	ps.FloatRange(key+".databaseConnectionsPercent", m.DatabaseConnectionsPercent, 1, 100)
	ps.FloatRange(key+".databaseCpuPercent", m.DatabaseCPUPercent, 1, 100)
	ps.IntRange(key+".databaseConnectionErrors", m.DatabaseConnectionErrors, 1, 100000)
	if !strings.HasPrefix(m.HealthCheckPath, "/") || strings.ContainsAny(m.HealthCheckPath, " ?#") {
		ps.Add(key+".healthCheckPath", m.HealthCheckPath, "an absolute URL path such as /api/health")
	}
	ps.IntRange(key+".healthCheckIntervalMinutes", m.HealthCheckIntervalMinutes, 1, 60)
	ps.IntRange(key+".healthCheckFailures", m.HealthCheckFailures, 1, 10)
	if _, ok := retentionEnum[m.LogRetentionDays]; !ok {
		ps.Add(key+".logRetentionDays", m.LogRetentionDays, "one of the CloudWatch Logs retention periods (1, 3, 5, 7, 14, 30, 60, 90, ... 3653 days)")
	}
	ps.FloatRange(key+".monthlyBudgetUsd", m.MonthlyBudgetUSD, 1, 200)
}
