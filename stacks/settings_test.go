package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

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
	assert.Equal(t, "aws-root@medbookings.co.za", s.Shared.AlertEmail)

	tests := []struct {
		env                   stacks.Environment
		stackName, branch     string
		hosts                 []string
		class                 string
		multiAz, protect      bool
		bucket, bucketRemoval string
		budget                float64
	}{
		{s.Staging, "MedBookingsInfraStack-Staging", "staging", []string{"staging.medbookings.co.za"},
			"db.t4g.micro", false, false, "medbookings-uploads-staging", "destroy", 50},
		{s.Production, "MedBookingsInfraStack-Production", "master", []string{"medbookings.co.za", "www.medbookings.co.za"},
			"db.t4g.small", true, true, "medbookings-uploads-production", "retain", 150},
	}
	for _, tc := range tests {
		t.Run(tc.env.Name, func(t *testing.T) {
			e := tc.env
			assert.Equal(t, tc.stackName, e.StackName())
			assert.Equal(t, tc.branch, e.Branch)
			assert.Equal(t, tc.hosts, e.Hosts())
			assert.Equal(t, tc.class, e.Database.InstanceClass)
			assert.Equal(t, tc.multiAz, e.Database.MultiAz)
			assert.Equal(t, tc.protect, e.Database.DeletionProtection)
			assert.Equal(t, tc.protect, e.TerminationProtection)
			assert.Equal(t, 20, e.Database.AllocatedStorageGiB)
			assert.Equal(t, 100, e.Database.MaxAllocatedStorageGiB)
			assert.Equal(t, 7, e.Database.BackupRetentionDays)
			assert.Equal(t, "snapshot", e.Database.RemovalPolicy)
			assert.Equal(t, tc.bucket, e.Storage.BucketName)
			assert.Equal(t, tc.bucketRemoval, e.Storage.RemovalPolicy)
			assert.Equal(t, tc.budget, e.Monitoring.MonthlyBudgetUSD)
			assert.Equal(t, 5.0, e.Monitoring.ErrorRatePercent)
			assert.Equal(t, 2.0, e.Monitoring.LatencyP95Seconds)
			assert.Equal(t, 30, e.Monitoring.LogRetentionDays)
		})
	}
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
	s, err := stacks.Load(withOverrides(t, map[string]any{
		"medbookings.production.database.instanceClass":                  "db.t4g.medium",
		"medbookings.staging.database.multiAz":                           "true",
		"medbookings.staging.database.backupRetentionDays":               "14",
		"medbookings.staging.monitoring.latencyP95Seconds":               "3.5",
		"medbookings.production.database.allowedCidrs":                   `["203.0.113.0/24"]`,
		"medbookings.staging.monitoring.databaseCpuPercent":              float64(70), // a JSON value, as tests or cdk.context.json give
		"medbookings.shared.alertEmail":                                  "oncall@medbookings.co.za",
		"medbookings.production.storage.noncurrentVersionExpirationDays": "120",
	}))
	require.NoError(t, err)
	assert.Equal(t, "db.t4g.medium", s.Production.Database.InstanceClass)
	assert.True(t, s.Staging.Database.MultiAz)
	assert.Equal(t, 14, s.Staging.Database.BackupRetentionDays)
	assert.Equal(t, 3.5, s.Staging.Monitoring.LatencyP95Seconds)
	assert.Equal(t, []string{"203.0.113.0/24"}, s.Production.Database.AllowedCidrs)
	assert.Equal(t, 70.0, s.Staging.Monitoring.DatabaseCPUPercent)
	assert.Equal(t, "oncall@medbookings.co.za", s.Shared.AlertEmail)
	assert.Equal(t, 120, s.Production.Storage.NoncurrentVersionExpirationDays)
	// the override did not leak into the other environment or into cdk.json's tree
	assert.Equal(t, "db.t4g.micro", s.Staging.Database.InstanceClass)
	again, err := stacks.Load(cdktest.Context(t))
	require.NoError(t, err)
	assert.Equal(t, "db.t4g.small", again.Production.Database.InstanceClass)
}

func TestMonitoringDefaultsApplyWhenKeysAreAbsent(t *testing.T) {
	ctx := cdktest.Context(t)
	mon := ctx["medbookings"].(map[string]any)["staging"].(map[string]any)["monitoring"].(map[string]any)
	delete(mon, "errorRatePercent")
	delete(mon, "healthCheckPath")
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
		{name: "nightly stop over the backup window", set: map[string]any{"medbookings.staging.database.nightlyStop.startAtUtc": "05:00"},
			wantKey: "medbookings.staging.database.nightlyStop", wantText: []string{"stopped instance takes no automated backups"}},
		{name: "malformed CIDR", set: map[string]any{"medbookings.production.database.allowedCidrs": `["10.0.0.300/8"]`},
			wantKey: "medbookings.production.database.allowedCidrs[0]", wantText: []string{`"10.0.0.300/8"`, "CIDR range"}},
		{name: "CIDR with host bits", set: map[string]any{"medbookings.production.database.allowedCidrs": `["10.1.2.3/8"]`},
			wantKey: "medbookings.production.database.allowedCidrs[0]", wantText: []string{"network address (10.0.0.0/8)"}},
		{name: "unknown exposure mode", set: map[string]any{"medbookings.staging.database.exposure": "internet"},
			wantKey: "medbookings.staging.database.exposure", wantText: []string{`"internet"`, "one of public, private"}},
		{name: "bucket name S3 refuses", set: map[string]any{"medbookings.staging.storage.bucketName": "MedBookings_Uploads"},
			wantKey: "medbookings.staging.storage.bucketName", wantText: []string{`"MedBookings_Uploads"`, "S3 bucket name"}},
		{name: "CORS origin of another environment", set: map[string]any{"medbookings.staging.storage.corsOrigins": `["https://medbookings.co.za"]`},
			wantKey: "medbookings.staging.storage.corsOrigins[0]", wantText: []string{"https://staging.medbookings.co.za"}},
		{name: "negative threshold", set: map[string]any{"medbookings.production.monitoring.latencyP95Seconds": "-1"},
			wantKey: "medbookings.production.monitoring.latencyP95Seconds", wantText: []string{"got -1", "from 0.05 to 60"}},
		{name: "percent over 100", set: map[string]any{"medbookings.production.monitoring.errorRatePercent": "150"},
			wantKey: "medbookings.production.monitoring.errorRatePercent", wantText: []string{"got 150", "from 0.1 to 100"}},
		{name: "budgets over 200 together", set: map[string]any{"medbookings.staging.monitoring.monthlyBudgetUsd": "80"},
			wantKey: "medbookings.staging.monitoring.monthlyBudgetUsd", wantText: []string{"within 200 USD"}},
		{name: "malformed repository", set: map[string]any{"medbookings.shared.gitHubRepository": "git@github.com:sheigoldberg/medbookings.git"},
			wantKey: "medbookings.shared.gitHubRepository", wantText: []string{"https://github.com/owner/name"}},
		{name: "same branch for both", set: map[string]any{"medbookings.staging.branch": "master"},
			wantKey: "medbookings.staging.branch", wantText: []string{"other than production's (master)"}},
		{name: "bad account", set: map[string]any{"medbookings.shared.account": "1234"},
			wantKey: "medbookings.shared.account", wantText: []string{"12-digit"}},
		{name: "empty GitHub token secret name", set: map[string]any{"medbookings.production.hosting.gitHubTokenSecretName": ""},
			wantKey: "medbookings.production.hosting.gitHubTokenSecretName", wantText: []string{"existing Secrets Manager secret"}},
		{name: "production bucket not retained", set: map[string]any{"medbookings.production.storage.removalPolicy": "destroy"},
			wantKey: "medbookings.production.storage.removalPolicy", wantText: []string{`"destroy"`, `"retain" in production`}},
		{name: "production database unprotected", set: map[string]any{"medbookings.production.database.deletionProtection": "false"},
			wantKey: "medbookings.production.database.deletionProtection", wantText: []string{"true in production"}},
		{name: "production stack unprotected", set: map[string]any{"medbookings.production.terminationProtection": "false"},
			wantKey: "medbookings.production.terminationProtection", wantText: []string{"true in production"}},
		{name: "CI roles trusting another repository", set: map[string]any{"medbookings.delivery.repository": "someone/else"},
			wantKey: "medbookings.delivery.repository", wantText: []string{`"someone/else"`, `"sheigoldberg/medbookings", the repository of medbookings.shared.gitHubRepository`}},
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
