package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/stacks"
)

func TestLoadRealContext(t *testing.T) {
	s, err := stacks.Load(cdktest.Context(t))
	require.NoError(t, err)

	assert.Equal(t, "eu-west-1", s.Shared.Region)
	assert.Equal(t, "", s.Shared.Account, "stacks stay account-agnostic unless an account is configured")
	assert.Equal(t, "medbookings.co.za", s.Shared.Domain)
	assert.Equal(t, "https://github.com/sheigoldberg/medbookings", s.Shared.GitHubRepository)

	// What the stacks derive from each environment (its names, hosts and
	// removal policies); the sizes cdk.json sets are asserted where they
	// matter, in the templates (TestEnvironmentDifferences).
	tests := []struct {
		name, stackName, edgeStack, prefix, bucket, branch string
		hosts                                              []string
		stops                                              bool
		data                                               awscdk.RemovalPolicy
	}{
		{"staging", "MedBookingsInfraStack-Staging", "MedBookingsEdge-Staging", "medbookings-staging", "medbookings-uploads-staging", "staging",
			[]string{"staging.medbookings.co.za"}, true, awscdk.RemovalPolicy_DESTROY},
		{"production", "MedBookingsInfraStack-Production", "MedBookingsEdge-Production", "medbookings-production", "medbookings-uploads-production", "master",
			[]string{"medbookings.co.za", "www.medbookings.co.za"}, false, awscdk.RemovalPolicy_RETAIN},
	}
	envs := s.Environments()
	require.Len(t, envs, 2)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := envs[i]
			assert.Equal(t, tc.name, e.Name)
			assert.Equal(t, tc.stackName, e.StackName)
			assert.Equal(t, tc.edgeStack, e.EdgeStackName)
			assert.Equal(t, tc.prefix, e.Prefix)
			assert.Equal(t, tc.bucket, e.UploadsBucket)
			assert.Equal(t, tc.branch, e.Settings.Branch)
			assert.Equal(t, tc.hosts, e.Hosts)
			assert.Equal(t, "https://"+tc.hosts[0], e.URL)
			assert.Len(t, e.Origins, len(tc.hosts))
			// A database that may not be deleted sits in a stack that may not be.
			assert.Equal(t, e.Settings.Database.DeletionProtection, e.TerminationProtection)
			assert.Equal(t, tc.stops, len(e.StopWindows) > 0)
			assert.Equal(t, tc.data, e.Data)
			assert.Equal(t, tc.data, e.Logs)
			assert.Equal(t, awscdk.RemovalPolicy_SNAPSHOT, e.Database)
		})
	}
}

// TestDefaultsComeFromGo: the values equal to the requirements' defaults are
// left out of cdk.json and come from Defaults, stated once.
func TestDefaultsComeFromGo(t *testing.T) {
	s, err := stacks.Load(cdktest.Context(t))
	require.NoError(t, err)
	d := stacks.Defaults()
	for _, e := range s.Environments() {
		assert.Equal(t, d.Database.AllocatedStorageGiB, e.Settings.Database.AllocatedStorageGiB)
		assert.Equal(t, d.Database.BackupRetentionDays, e.Settings.Database.BackupRetentionDays)
		assert.Equal(t, d.Monitoring.ErrorRatePercent, e.Settings.Monitoring.ErrorRatePercent)
		assert.Equal(t, d.Hosting.ConnectionLimit, e.Settings.Hosting.ConnectionLimit)
	}
	tree := cdktest.Context(t)["medbookings"].(map[string]any)
	for _, name := range stacks.EnvironmentNames {
		db := env(tree, name)["database"].(map[string]any)
		for _, k := range []string{"allocatedStorageGiB", "maxAllocatedStorageGiB", "backupRetentionDays", "backupWindow", "maintenanceWindow"} {
			assert.NotContains(t, db, k, "cdk.json restates the default of %s.database.%s", name, k)
		}
		assert.Equal(t, []string{"monthlyBudgetUsd"}, keys(env(tree, name)["monitoring"].(map[string]any)),
			"cdk.json's %s.monitoring holds only what has no default", name)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestQuietWindowsFollowTheStops: the health probe and the jobs keep quiet
// while the database is stopped and for the 15 minutes it takes to start.
func TestQuietWindowsFollowTheStops(t *testing.T) {
	s, err := stacks.Load(withOverrides(t, map[string]any{
		"medbookings.staging.database.stopSchedule": `[{"stopAtUtc":"18:00","startAtUtc":"23:30"},{"stopAtUtc":"02:00","startAtUtc":"05:00"}]`,
	}))
	require.NoError(t, err)
	e := s.Environments()[0]
	require.Len(t, e.StopWindows, 2)
	assert.Equal(t, "18:00-23:30", e.StopWindows[0].String())
	assert.Equal(t, "18:00-23:45", e.QuietWindows[0].String())
	assert.Equal(t, "02:00-05:15", e.QuietWindows[1].String())
}

// withOverrides returns cdk.json's context with -c style overrides.
func withOverrides(t *testing.T, kv map[string]any) map[string]any {
	ctx := cdktest.Context(t)
	for k, v := range kv {
		ctx[k] = v
	}
	return ctx
}

func TestCommandLineOverrides(t *testing.T) {
	base, err := stacks.Load(cdktest.Context(t))
	require.NoError(t, err)
	class := "db.t4g.medium" // a class that production does not have yet
	if base.Production.Database.InstanceClass == class {
		class = "db.t4g.large"
	}
	s, err := stacks.Load(withOverrides(t, map[string]any{
		"medbookings.production.database.instanceClass":                  class,
		"medbookings.staging.database.multiAz":                           "true",
		"medbookings.staging.database.backupRetentionDays":               "14",
		"medbookings.staging.monitoring.latencyP95Seconds":               "3.5",
		"medbookings.staging.monitoring.databaseCpuPercent":              float64(70), // a JSON value, as tests or cdk.context.json give
		"medbookings.shared.alertEmail":                                  "oncall@medbookings.co.za",
		"medbookings.production.storage.noncurrentVersionExpirationDays": "120",
		"medbookings.staging.hosting.bundle":                             "/tmp/bundle",
		// a bundle needs the values the app requires at build time
		"medbookings.staging.hosting.app.upstashRedisRestUrl": "https://eu1-example.upstash.io",
		"medbookings.staging.hosting.app.googleMapsApiKey":    "AIzaTestTestTestTestTestTestTestTestTes",
		"medbookings.staging.hosting.app.adminEmails":         `["a@medbookings.co.za","b@medbookings.co.za"]`,
	}))
	require.NoError(t, err)
	assert.Equal(t, class, s.Production.Database.InstanceClass)
	assert.True(t, s.Staging.Database.MultiAZ)
	assert.Equal(t, 14, s.Staging.Database.BackupRetentionDays)
	assert.Equal(t, 3.5, s.Staging.Monitoring.LatencyP95Seconds)
	assert.Equal(t, 70.0, s.Staging.Monitoring.DatabaseCPUPercent)
	assert.Equal(t, "oncall@medbookings.co.za", s.Shared.AlertEmail)
	assert.Equal(t, 120, s.Production.Storage.NoncurrentVersionExpirationDays)
	assert.Equal(t, "/tmp/bundle", s.Staging.Hosting.Bundle)
	assert.Equal(t, []string{"a@medbookings.co.za", "b@medbookings.co.za"}, s.Staging.Hosting.App.AdminEmails)
	// the overrides did not leak into the other environment
	assert.Equal(t, base.Staging.Database.InstanceClass, s.Staging.Database.InstanceClass)
	assert.Equal(t, base.Production.Hosting.Bundle, s.Production.Hosting.Bundle)
}

func TestMonitoringDefaultsApplyWhenKeysAreAbsent(t *testing.T) {
	ctx := cdktest.Context(t)
	mon := ctx["medbookings"].(map[string]any)["staging"].(map[string]any)["monitoring"].(map[string]any)
	delete(mon, "errorRatePercent")
	s, err := stacks.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5.0, s.Staging.Monitoring.ErrorRatePercent)
	assert.Equal(t, "/api/health", s.Staging.Monitoring.HealthCheckPath)
}

// TestBadContext gives one wrong value at a time, the way an operator would
// with -c (or by editing cdk.json), and checks that the message names the
// key, the value and what is allowed.
func TestBadContext(t *testing.T) {
	tests := []struct {
		name     string
		set      map[string]any
		edit     func(tree map[string]any)
		wantKey  string
		wantText []string
	}{
		{name: "unknown key (typo)", set: map[string]any{"medbookings.staging.database.instanceClas": "db.t4g.micro"},
			wantKey: "medbookings.staging.database.instanceClas", wantText: []string{`"db.t4g.micro"`, "one of the known keys", "instanceClass"}},
		{name: "unknown environment", set: map[string]any{"medbookings.develop.branch": "develop"},
			wantKey: "medbookings.develop", wantText: []string{"production, shared, staging"}},
		{name: "wrong type in cdk.json", edit: func(tree map[string]any) {
			env(tree, "production")["database"].(map[string]any)["multiAz"] = "yes"
		}, wantKey: "medbookings.production.database.multiAz", wantText: []string{`"yes"`, "true or false"}},
		{name: "wrong type on the command line", set: map[string]any{"medbookings.production.database.allocatedStorageGiB": "twenty"},
			wantKey: "medbookings.production.database.allocatedStorageGiB", wantText: []string{`"twenty" (from the command line)`, "a whole number"}},
		{name: "fraction for a whole number", set: map[string]any{"medbookings.staging.database.backupRetentionDays": "7.5"},
			wantKey: "medbookings.staging.database.backupRetentionDays", wantText: []string{"7.5", "a whole number"}},
		{name: "missing key", edit: func(tree map[string]any) { delete(env(tree, "staging"), "branch") },
			wantKey: "medbookings.staging.branch", wantText: []string{"nothing (the key is missing)", "required"}},
		{name: "retention under 7 days", set: map[string]any{"medbookings.production.database.backupRetentionDays": "3"},
			wantKey: "medbookings.production.database.backupRetentionDays", wantText: []string{"got 3", "from 7 to 35"}},
		{name: "unknown instance class", set: map[string]any{"medbookings.production.database.instanceClass": "db.t4g.huge"},
			wantKey: "medbookings.production.database.instanceClass", wantText: []string{`"db.t4g.huge"`, "db.t4g.micro", "db.t4g.small"}},
		{name: "storage ceiling under allocation", set: map[string]any{"medbookings.staging.database.maxAllocatedStorageGiB": "10"},
			wantKey: "medbookings.staging.database.maxAllocatedStorageGiB", wantText: []string{"got 10", "above allocatedStorageGiB (20)"}},
		{name: "malformed e-mail", set: map[string]any{"medbookings.shared.alertEmail": "aws-root at medbookings"},
			wantKey: "medbookings.shared.alertEmail", wantText: []string{`"aws-root at medbookings"`, "e-mail address"}},
		{name: "malformed domain", set: map[string]any{"medbookings.shared.domain": "MedBookings_co.za"},
			wantKey: "medbookings.shared.domain", wantText: []string{`"MedBookings_co.za"`, "domain name"}},
		{name: "malformed hosted zone", set: map[string]any{"medbookings.shared.hostedZoneId": "zone-1"},
			wantKey: "medbookings.shared.hostedZoneId", wantText: []string{`"zone-1"`, "hosted zone ID"}},
		{name: "host outside the domain", set: map[string]any{"medbookings.staging.canonicalHost": "staging.example.com"},
			wantKey: "medbookings.staging.canonicalHost", wantText: []string{`"staging.example.com"`, "medbookings.co.za or a host name under it"}},
		{name: "host used by both environments", set: map[string]any{"medbookings.staging.canonicalHost": "www.medbookings.co.za"},
			wantKey: "medbookings.production.redirectHosts[0]", wantText: []string{"one host belongs to one environment"}},
		{name: "backup window outside 2-4 AM SAST", set: map[string]any{"medbookings.production.database.backupWindow": "03:00-03:30"},
			wantKey: "medbookings.production.database.backupWindow", wantText: []string{`"03:00-03:30"`, "inside 00:00-02:00 UTC"}},
		{name: "malformed backup window", set: map[string]any{"medbookings.production.database.backupWindow": "2am-4am"},
			wantKey: "medbookings.production.database.backupWindow", wantText: []string{`"2am-4am"`, "HH:MM-HH:MM"}},
		{name: "maintenance overlapping backups", set: map[string]any{"medbookings.production.database.maintenanceWindow": "sun:00:15-sun:00:45"},
			wantKey: "medbookings.production.database.maintenanceWindow", wantText: []string{"does not overlap the backup window 00:00-00:30"}},
		{name: "stop over the backup window", set: map[string]any{"medbookings.staging.database.stopSchedule": `[{"stopAtUtc":"18:00","startAtUtc":"05:00"}]`},
			wantKey: "medbookings.staging.database.stopSchedule[0]", wantText: []string{"stopped instance takes no automated backups"}},
		{name: "overlapping stops", set: map[string]any{"medbookings.staging.database.stopSchedule": `[{"stopAtUtc":"18:00","startAtUtc":"23:30"},{"stopAtUtc":"20:00","startAtUtc":"22:00"}]`},
			wantKey: "medbookings.staging.database.stopSchedule[1]", wantText: []string{"does not overlap another one"}},
		{name: "malformed stop time", set: map[string]any{"medbookings.staging.database.stopSchedule": `[{"stopAtUtc":"6pm","startAtUtc":"23:30"}]`},
			wantKey: "medbookings.staging.database.stopSchedule[0].stopAtUtc", wantText: []string{`"6pm"`, "HH:MM"}},
		{name: "production stopped", set: map[string]any{"medbookings.production.database.stopSchedule": `[{"stopAtUtc":"18:00","startAtUtc":"23:30"}]`},
			wantKey: "medbookings.production.database.stopSchedule", wantText: []string{"[] in production"}},
		{name: "unknown NAT kind", set: map[string]any{"medbookings.staging.network.nat": "none"},
			wantKey: "medbookings.staging.network.nat", wantText: []string{`"none"`, "one of gateway, instance"}},
		{name: "NAT instance in production", set: map[string]any{"medbookings.production.network.nat": "instance"},
			wantKey: "medbookings.production.network.nat", wantText: []string{`"gateway" in production`}},
		{name: "unknown flow log traffic", set: map[string]any{"medbookings.staging.network.flowLogs": "accept"},
			wantKey: "medbookings.staging.network.flowLogs", wantText: []string{`"accept"`, "one of all, reject"}},
		{name: "server memory too small", set: map[string]any{"medbookings.production.hosting.serverMemoryMiB": "128"},
			wantKey: "medbookings.production.hosting.serverMemoryMiB", wantText: []string{"got 128", "from 512 to 10240"}},
		{name: "connection limit zero", set: map[string]any{"medbookings.production.hosting.connectionLimit": "0"},
			wantKey: "medbookings.production.hosting.connectionLimit", wantText: []string{"got 0", "from 1 to 10"}},
		{name: "sender outside the domain", set: map[string]any{"medbookings.staging.hosting.app.sendGridFromEmail": "noreply@example.com"},
			wantKey: "medbookings.staging.hosting.app.sendGridFromEmail", wantText: []string{"an address at medbookings.co.za"}},
		{name: "malformed Twilio number", set: map[string]any{"medbookings.staging.hosting.app.twilioPhoneNumber": "0211234567"},
			wantKey: "medbookings.staging.hosting.app.twilioPhoneNumber", wantText: []string{"E.164"}},
		{name: "malformed Google client ID", set: map[string]any{"medbookings.staging.hosting.app.googleClientId": "my-client"},
			wantKey: "medbookings.staging.hosting.app.googleClientId", wantText: []string{"apps.googleusercontent.com"}},
		{name: "secret part in the Sentry DSN", set: map[string]any{"medbookings.staging.hosting.app.sentryDsn": "https://public:secret@o1.ingest.sentry.io/2"},
			wantKey: "medbookings.staging.hosting.app.sentryDsn", wantText: []string{"Sentry DSN"}},
		{name: "Upstash URL elsewhere", set: map[string]any{"medbookings.staging.hosting.app.upstashRedisRestUrl": "http://redis.example.com"},
			wantKey: "medbookings.staging.hosting.app.upstashRedisRestUrl", wantText: []string{"upstash.io"}},
		{name: "unknown CSP directive", set: map[string]any{"medbookings.staging.hosting.cspExtraSources": `{"script-src-elem":["https://x.example.com"]}`},
			wantKey: "medbookings.staging.hosting.cspExtraSources.script-src-elem", wantText: []string{"one of the directives"}},
		{name: "DKIM records in staging", set: map[string]any{"medbookings.staging.hosting.sendGridDkimRecords": `{"s1._domainkey.medbookings.co.za":"s1.domainkey.u1.wl1.sendgrid.net"}`},
			wantKey: "medbookings.staging.hosting.sendGridDkimRecords", wantText: []string{"belong to the environment that serves it"}},
		{name: "negative threshold", set: map[string]any{"medbookings.production.monitoring.latencyP95Seconds": "-1"},
			wantKey: "medbookings.production.monitoring.latencyP95Seconds", wantText: []string{"got -1", "from 0.05 to 60"}},
		{name: "percent over 100", set: map[string]any{"medbookings.production.monitoring.errorRatePercent": "150"},
			wantKey: "medbookings.production.monitoring.errorRatePercent", wantText: []string{"got 150", "from 0.1 to 100"}},
		{name: "odd log retention", set: map[string]any{"medbookings.production.monitoring.logRetentionDays": "31"},
			wantKey: "medbookings.production.monitoring.logRetentionDays", wantText: []string{"got 31", "retention periods"}},
		{name: "budgets over 200 together", set: map[string]any{"medbookings.staging.monitoring.monthlyBudgetUsd": "80"},
			wantKey: "medbookings.staging.monitoring.monthlyBudgetUsd", wantText: []string{"within 200 USD"}},
		{name: "malformed repository", set: map[string]any{"medbookings.shared.gitHubRepository": "git@github.com:sheigoldberg/medbookings.git"},
			wantKey: "medbookings.shared.gitHubRepository", wantText: []string{"https://github.com/owner/name"}},
		{name: "same branch for both", set: map[string]any{"medbookings.staging.branch": "master"},
			wantKey: "medbookings.staging.branch", wantText: []string{"other than production's (master)"}},
		{name: "bad account", set: map[string]any{"medbookings.shared.account": "1234"},
			wantKey: "medbookings.shared.account", wantText: []string{"12-digit"}},
		{name: "production data not retained", set: map[string]any{"medbookings.production.retainOnDelete": "false"},
			wantKey: "medbookings.production.retainOnDelete", wantText: []string{"true in production"}},
		{name: "production database unprotected", set: map[string]any{"medbookings.production.database.deletionProtection": "false"},
			wantKey: "medbookings.production.database.deletionProtection", wantText: []string{"true in production"}},
		{name: "production stack unprotected", set: map[string]any{"medbookings.production.terminationProtection": "false"},
			wantKey: "medbookings.production.terminationProtection", wantText: []string{"true in production"}},
		{name: "malformed OIDC provider", set: map[string]any{"medbookings.delivery.oidcProviderArn": "arn:aws:iam::1:oidc-provider/x"},
			wantKey: "medbookings.delivery.oidcProviderArn", wantText: []string{"token.actions.githubusercontent.com"}},
		{name: "bootstrap qualifier with capitals", set: map[string]any{"medbookings.staging.bootstrapQualifier": "MBStaging"},
			wantKey: "medbookings.staging.bootstrapQualifier", wantText: []string{`got "MBStaging"`, "lower-case letters or digits"}},
		{name: "CDK's default qualifier", set: map[string]any{"medbookings.production.bootstrapQualifier": "hnb659fds"},
			wantKey: "medbookings.production.bootstrapQualifier", wantText: []string{"not CDK's default hnb659fds"}},
		{name: "one qualifier for both", set: map[string]any{"medbookings.production.bootstrapQualifier": "mbstaging"},
			wantKey: "medbookings.production.bootstrapQualifier", wantText: []string{"no other environment uses (staging has it)"}},
		{name: "production without AWS Backup", set: map[string]any{"medbookings.production.backup.enabled": "false"},
			wantKey: "medbookings.production.backup.enabled", wantText: []string{"true in production"}},
		{name: "short daily retention", set: map[string]any{"medbookings.production.backup.dailyRetentionDays": "3"},
			wantKey: "medbookings.production.backup.dailyRetentionDays", wantText: []string{"got 3", "from 7 to 365"}},
		{name: "odd monthly retention", set: map[string]any{"medbookings.production.backup.monthlyRetentionDays": "30"},
			wantKey: "medbookings.production.backup.monthlyRetentionDays", wantText: []string{"got 30", "from 90 to 3650"}},
		{name: "override below a value", set: map[string]any{"medbookings.shared.region.x": "1"},
			wantKey: "medbookings.shared.region.x", wantText: []string{"is not an object"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := withOverrides(t, tc.set)
			if tc.edit != nil {
				tc.edit(ctx["medbookings"].(map[string]any))
			}
			s, err := stacks.Load(ctx)
			require.Error(t, err)
			assert.Nil(t, s, "no settings are returned on error, so nothing can be synthesized")
			line := lineFor(err.Error(), tc.wantKey+":")
			require.NotEmpty(t, line, "the error names the key %s:\n%s", tc.wantKey, err)
			for _, want := range tc.wantText {
				assert.Contains(t, line, want)
			}
			assert.Contains(t, line, "allowed:")
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := stacks.Load(withOverrides(t, map[string]any{
		"medbookings.staging.database.instanceClass":       "db.x1.huge",
		"medbookings.production.database.multiAz":          "perhaps",
		"medbookings.shared.alertEmail":                    "nobody",
		"medbookings.production.monitoring.typoThreshold":  "3",
		"medbookings.staging.database.backupRetentionDays": "1",
	}))
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "5 problems")
	for _, key := range []string{
		"medbookings.staging.database.instanceClass:",
		"medbookings.production.database.multiAz:",
		"medbookings.shared.alertEmail:",
		"medbookings.production.monitoring.typoThreshold:",
		"medbookings.staging.database.backupRetentionDays:",
	} {
		assert.Contains(t, msg, key)
	}
}

func TestMissingContext(t *testing.T) {
	_, err := stacks.Load(map[string]any{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "medbookings: got nothing")
}

func env(tree map[string]any, name string) map[string]any { return tree[name].(map[string]any) }

func lineFor(msg, prefix string) string {
	for _, l := range strings.Split(msg, "\n") {
		if strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "-")), prefix) {
			return l
		}
	}
	return ""
}

// FuzzLoad feeds arbitrary JSON as the medbookings context and as a
// command-line override: Load may refuse it, but must never panic, and it
// returns either settings or an error, never both.
func FuzzLoad(f *testing.F) {
	raw, err := json.Marshal(cdktest.Context(f)["medbookings"])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw, "medbookings.staging.database.instanceClass", "db.t4g.small")
	f.Add([]byte(`{"shared":{},"staging":[],"production":null}`), "medbookings.shared.region.x", "1")
	f.Add([]byte(`{}`), "medbookings.", "")
	f.Fuzz(func(t *testing.T, tree []byte, key, value string) {
		var v any
		if json.Unmarshal(tree, &v) != nil {
			return
		}
		s, err := stacks.Load(map[string]any{"medbookings": v, key: value})
		if (s == nil) == (err == nil) {
			t.Fatalf("Load returned settings=%v and err=%v", s != nil, err)
		}
	})
}
