package database

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Config is the database part of one environment's context
// (medbookings.<environment>.database in cdk.json).
type Config struct {
	// Exposure is "public" (reachable from Amplify Hosting, which has no VPC
	// and no fixed addresses) or "private" (isolated subnets, ingress only from
	// a security group handed in by the stack).
	Exposure string `json:"exposure"`
	// AllowedCidrs are the client ranges that may reach port 5432 in public mode.
	AllowedCidrs []string `json:"allowedCidrs"`
	// InstanceClass is the RDS class, one of InstanceClasses.
	InstanceClass string `json:"instanceClass"`
	// MultiAz runs a synchronous standby in a second availability zone.
	MultiAz bool `json:"multiAz"`
	// AllocatedStorageGiB is the initial gp3 size; MaxAllocatedStorageGiB the
	// ceiling of storage autoscaling.
	AllocatedStorageGiB    int `json:"allocatedStorageGiB"`
	MaxAllocatedStorageGiB int `json:"maxAllocatedStorageGiB"`
	// BackupRetentionDays of automated backups (7 to 35).
	BackupRetentionDays int `json:"backupRetentionDays"`
	// BackupWindow is "HH:MM-HH:MM" in UTC, inside 00:00-02:00 UTC
	// (02:00-04:00 SAST), at least 30 minutes.
	BackupWindow string `json:"backupWindow"`
	// MaintenanceWindow is "ddd:HH:MM-ddd:HH:MM" in UTC, at least 30 minutes,
	// not overlapping the backup window.
	MaintenanceWindow string `json:"maintenanceWindow"`
	// DeletionProtection makes RDS refuse to delete the instance.
	DeletionProtection bool `json:"deletionProtection"`
	// RemovalPolicy on stack delete or replacement: "snapshot" or "retain".
	RemovalPolicy string `json:"removalPolicy"`
	// RetainSecretsAndLogs keeps the application and read-only secrets and
	// the log groups when the stack is deleted (production); otherwise they
	// are deleted with the stack. The KMS key is always retained: it is
	// needed to restore the snapshots taken on delete.
	RetainSecretsAndLogs bool `json:"retainSecretsAndLogs"`
	// SlowStatementThresholdMs logs statements that run longer (log_min_duration_statement).
	SlowStatementThresholdMs int `json:"slowStatementThresholdMs"`
	// NightlyStop stops the instance in the evening and starts it again later.
	NightlyStop NightlyStop `json:"nightlyStop"`
}

// NightlyStop is the stop/start schedule of a non-production database.
type NightlyStop struct {
	Enabled bool `json:"enabled"`
	// StopAt and StartAt are daily times "HH:MM" in UTC.
	StopAt  string `json:"stopAtUtc"`
	StartAt string `json:"startAtUtc"`
}

// InstanceClasses are the classes this project allows, with their memory in
// MiB (the basis of PostgreSQL's default max_connections on RDS).
var InstanceClasses = map[string]int{
	"db.t4g.micro":   1024,
	"db.t4g.small":   2048,
	"db.t4g.medium":  4096,
	"db.t4g.large":   8192,
	"db.t4g.xlarge":  16384,
	"db.t4g.2xlarge": 32768,
	"db.m7g.large":   8192,
	"db.m7g.xlarge":  16384,
	"db.r7g.large":   16384,
	"db.r7g.xlarge":  32768,
}

// Window is a weekly time range in minutes from Monday 00:00 UTC; daily
// windows have Day == -1.
type Window struct{ Start, End int }

var (
	dailyRE  = regexp.MustCompile(`^(\d\d:\d\d)-(\d\d:\d\d)$`)
	weeklyRE = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):(\d\d:\d\d)-(mon|tue|wed|thu|fri|sat|sun):(\d\d:\d\d)$`)
	days     = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

// ParseDailyWindow parses "HH:MM-HH:MM" (UTC) into minutes after midnight.
func ParseDailyWindow(s string) (start, end config.ClockTime, ok bool) {
	m := dailyRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	a, ok1 := config.ParseClock(m[1])
	b, ok2 := config.ParseClock(m[2])
	return a, b, ok1 && ok2
}

// ParseWeeklyWindow parses "ddd:HH:MM-ddd:HH:MM" (UTC) into minutes after
// Monday 00:00.
func ParseWeeklyWindow(s string) (Window, bool) {
	m := weeklyRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, false
	}
	a, ok1 := config.ParseClock(m[2])
	b, ok2 := config.ParseClock(m[4])
	if !ok1 || !ok2 {
		return Window{}, false
	}
	return Window{Start: dayIndex(m[1])*1440 + int(a), End: dayIndex(m[3])*1440 + int(b)}, true
}

func dayIndex(d string) int {
	for i, x := range days {
		if x == d {
			return i
		}
	}
	return -1
}

// Validate checks the settings; key is the dotted context key of this block.
func (c Config) Validate(key string, ps *config.Problems) {
	if ps.OneOf(key+".exposure", c.Exposure, "public", "private") && c.Exposure == "public" && len(c.AllowedCidrs) == 0 {
		ps.Add(key+".allowedCidrs", c.AllowedCidrs, "at least one CIDR range when exposure is public")
	}
	for i, cidr := range c.AllowedCidrs {
		ps.CIDR(fmt.Sprintf("%s.allowedCidrs[%d]", key, i), cidr)
	}
	if _, ok := InstanceClasses[c.InstanceClass]; !ok {
		ps.Add(key+".instanceClass", c.InstanceClass, "one of %s", strings.Join(sortedClasses(), ", "))
	}
	ps.IntRange(key+".allocatedStorageGiB", c.AllocatedStorageGiB, 20, 6144)
	if c.MaxAllocatedStorageGiB <= c.AllocatedStorageGiB || c.MaxAllocatedStorageGiB > 65536 {
		ps.Add(key+".maxAllocatedStorageGiB", c.MaxAllocatedStorageGiB,
			"a whole number above allocatedStorageGiB (%d) and at most 65536", c.AllocatedStorageGiB)
	}
	ps.IntRange(key+".backupRetentionDays", c.BackupRetentionDays, 7, 35)
	ps.OneOf(key+".removalPolicy", c.RemovalPolicy, "snapshot", "retain")
	ps.IntRange(key+".slowStatementThresholdMs", c.SlowStatementThresholdMs, 100, 60000)

	bStart, bEnd, bok := ParseDailyWindow(c.BackupWindow)
	if !bok {
		ps.Add(key+".backupWindow", c.BackupWindow, "HH:MM-HH:MM in UTC inside 00:00-02:00 (02:00-04:00 SAST)")
	} else if bEnd <= bStart || bEnd > 120 || bEnd-bStart < 30 {
		ps.Add(key+".backupWindow", c.BackupWindow,
			"a window of at least 30 minutes inside 00:00-02:00 UTC (02:00-04:00 SAST)")
	}
	mw, mok := ParseWeeklyWindow(c.MaintenanceWindow)
	switch {
	case !mok:
		ps.Add(key+".maintenanceWindow", c.MaintenanceWindow, "ddd:HH:MM-ddd:HH:MM in UTC, e.g. sun:02:30-sun:03:00")
	case windowLength(mw) < 30:
		ps.Add(key+".maintenanceWindow", c.MaintenanceWindow, "a window of at least 30 minutes")
	case bok && overlapsDaily(mw, int(bStart), int(bEnd)):
		ps.Add(key+".maintenanceWindow", c.MaintenanceWindow, "a window that does not overlap the backup window %s", c.BackupWindow)
	}

	n := c.NightlyStop
	if n.Enabled {
		stop, sok := ps.Clock(key+".nightlyStop.stopAtUtc", n.StopAt)
		start, tok := ps.Clock(key+".nightlyStop.startAtUtc", n.StartAt)
		if sok && tok && stop == start {
			ps.Add(key+".nightlyStop.startAtUtc", n.StartAt, "a time different from stopAtUtc")
		}
		// A stopped instance takes no automated backups: the backup window must
		// fall while the instance runs.
		if sok && tok && bok && stop != start && stoppedDuring(int(stop), int(start), int(bStart), int(bEnd)) {
			ps.Add(key+".nightlyStop", map[string]string{"stopAtUtc": n.StopAt, "startAtUtc": n.StartAt},
				"a stop period that leaves the backup window %s running (a stopped instance takes no automated backups)", c.BackupWindow)
		}
	}
}

func sortedClasses() []string {
	out := make([]string, 0, len(InstanceClasses))
	for k := range InstanceClasses {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func windowLength(w Window) int {
	if w.End >= w.Start {
		return w.End - w.Start
	}
	return w.End + 7*1440 - w.Start
}

// overlapsDaily reports whether weekly window w overlaps the daily window
// [start, end) on any day.
func overlapsDaily(w Window, start, end int) bool {
	length := windowLength(w)
	for d := 0; d < 7; d++ {
		for _, base := range []int{d * 1440, d*1440 + 7*1440} {
			ws, we := w.Start, w.Start+length
			if ws < base+end && base+start < we {
				return true
			}
		}
	}
	return false
}

// stoppedDuring reports whether [bStart, bEnd) (minutes of day) intersects
// the stopped period from stop to start (wrapping midnight when start < stop).
func stoppedDuring(stop, start, bStart, bEnd int) bool {
	in := func(m int) bool {
		if stop < start {
			return m >= stop && m < start
		}
		return m >= stop || m < start
	}
	for m := bStart; m < bEnd; m++ {
		if in(m) {
			return true
		}
	}
	return false
}
