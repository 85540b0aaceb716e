package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // schedules name IANA time zones (ScheduleExpressionTimezone)
)

const daysPerMonth = HoursPerMonth / 24

var (
	rateRE = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)
	cronRE = regexp.MustCompile(`^cron\(\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\)$`)
)

// The reference period over which cron expressions are counted: 28 whole
// years, a whole number of weeks (1,461) with the leap years of the
// Gregorian calendar between 1901 and 2099, so that every weekday and every
// day of the month has its average weight.
var (
	refStart = time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	refEnd   = refStart.AddDate(28, 0, 0)
	refDays  = int(refEnd.Sub(refStart).Hours() / 24) // 10,227
)

// Cron is a parsed EventBridge cron expression:
// cron(minutes hours day-of-month month day-of-week year).
type Cron struct {
	Expr    string
	minutes []int
	hours   []int
	dom     map[int]bool // nil: any day of the month
	lastDom bool         // L: the last day of the month
	months  map[int]bool // 1-12
	dow     map[int]bool // nil: any day of the week; 0=Sunday
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	// EventBridge numbers the days of the week 1 (SUN) to 7 (SAT).
	dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

// ParseCron parses cron(...) with fields made of numbers (or month and day
// names), lists, ranges, steps, * and ?, and L for the last day of the
// month. Day-of-week # and L, day-of-month W and a year other than * are
// not supported (an error says so).
func ParseCron(expr string) (*Cron, error) {
	expr = strings.TrimSpace(expr)
	m := cronRE.FindStringSubmatch(expr)
	if m == nil {
		return nil, fmt.Errorf("%q is not cron(minutes hours day-of-month month day-of-week year)", expr)
	}
	c := &Cron{Expr: expr}
	fail := func(field string, err error) (*Cron, error) {
		return nil, fmt.Errorf("%s: %s: %v", expr, field, err)
	}
	var err error
	var set map[int]bool
	if set, err = cronField(m[1], 0, 59, nil); err != nil {
		return fail("minutes", err)
	}
	c.minutes = sortedSet(set)
	if set, err = cronField(m[2], 0, 23, nil); err != nil {
		return fail("hours", err)
	}
	c.hours = sortedSet(set)
	switch dom := strings.ToUpper(m[3]); {
	case dom == "?" || dom == "*":
	case dom == "L":
		c.lastDom = true
	case strings.ContainsAny(dom, "LW"):
		return fail("day-of-month", fmt.Errorf("%q (L with an offset and W are not supported)", m[3]))
	default:
		if c.dom, err = cronField(dom, 1, 31, nil); err != nil {
			return fail("day-of-month", err)
		}
	}
	if c.months, err = cronField(strings.ToUpper(m[4]), 1, 12, monthNames); err != nil {
		return fail("month", err)
	}
	switch dow := strings.ToUpper(m[5]); {
	case dow == "?" || dow == "*":
	case strings.ContainsAny(dow, "L#"):
		return fail("day-of-week", fmt.Errorf("%q (L and # are not supported)", m[5]))
	default:
		set, err := cronField(dow, 1, 7, dayNames)
		if err != nil {
			return fail("day-of-week", err)
		}
		c.dow = map[int]bool{}
		for d := range set {
			c.dow[d-1] = true // time.Weekday: Sunday is 0
		}
	}
	if m[3] != "?" && m[5] != "?" {
		return fail("day-of-month and day-of-week", fmt.Errorf("one of them must be ?"))
	}
	if y := m[6]; y != "*" && y != "?" {
		return fail("year", fmt.Errorf("%q: only * is supported", y))
	}
	return c, nil
}

// matchesDay reports whether the expression fires on the calendar day of t.
func (c *Cron) matchesDay(t time.Time) bool {
	if !c.months[int(t.Month())] {
		return false
	}
	if c.dow != nil && !c.dow[int(t.Weekday())] {
		return false
	}
	if c.lastDom && t.AddDate(0, 0, 1).Day() != 1 {
		return false
	}
	if c.dom != nil && !c.dom[t.Day()] {
		return false
	}
	return true
}

// firesPerDay is the number of times a day the expression fires on a day it matches.
func (c *Cron) firesPerDay() int { return len(c.minutes) * len(c.hours) }

// RunsPerMonth counts the firings in the 28-year reference period and
// scales them to a month of 730 hours.
func (c *Cron) RunsPerMonth() float64 {
	days := 0
	for d := refStart; d.Before(refEnd); d = d.AddDate(0, 0, 1) {
		if c.matchesDay(d) {
			days++
		}
	}
	return float64(days*c.firesPerDay()) / float64(refDays) * daysPerMonth
}

// RunsPerMonth returns how often a schedule expression (EventBridge rules,
// EventBridge Scheduler, Synthetics, Secrets Manager rotation rules) fires
// in a month of 730 hours: rate(N unit), or cron(...) as ParseCron reads
// it (weekday lists and ranges such as MON-FRI, days of the month, months).
func RunsPerMonth(expr string) (float64, error) {
	expr = strings.TrimSpace(expr)
	if m := rateRE.FindStringSubmatch(expr); m != nil {
		n, _ := strconv.ParseFloat(m[1], 64)
		if n == 0 {
			return 0, nil // Synthetics: rate(0 minutes) runs once, at start
		}
		switch strings.TrimSuffix(m[2], "s") {
		case "minute":
			return HoursPerMonth * 60 / n, nil
		case "hour":
			return HoursPerMonth / n, nil
		default:
			return daysPerMonth / n, nil
		}
	}
	if strings.HasPrefix(expr, "cron(") {
		c, err := ParseCron(expr)
		if err != nil {
			return 0, err
		}
		return c.RunsPerMonth(), nil
	}
	return 0, fmt.Errorf("%q is neither rate(N unit) nor cron(...)", expr)
}

func sortedSet(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

// cronField returns the values a cron field matches between lo and hi;
// names (JAN, MON) are read through the table when it is given.
func cronField(field string, lo, hi int, names map[string]int) (map[int]bool, error) {
	num := func(s string) (int, error) {
		if v, ok := names[s]; ok {
			return v, nil
		}
		return strconv.Atoi(s)
	}
	set := map[int]bool{}
	for _, part := range strings.Split(field, ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("bad step %q", part)
			}
			step = n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var e1, e2 error
			a, e1 = num(x)
			b, e2 = num(y)
			if e1 != nil || e2 != nil {
				return nil, fmt.Errorf("bad range %q", part)
			}
		default:
			n, err := num(rng)
			if err != nil {
				return nil, fmt.Errorf("bad value %q", part)
			}
			a = n
			if !hasStep {
				b = n
			}
		}
		if a < lo || b > hi || a > b {
			return nil, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return set, nil
}

// Switch is a schedule that stops (Stop true) or starts a resource.
type Switch struct {
	Name     string
	Expr     string
	TimeZone string // IANA name; "" is UTC
	Stop     bool
}

// maxStopped is how long RDS keeps an instance stopped: it starts it again
// by itself after seven days.
const maxStopped = 7 * 24 * time.Hour

// StoppedFraction returns the share of time a resource is stopped by
// stop and start schedules: every firing of every schedule over the
// reference period, in each schedule's own time zone (daylight saving
// included), swept in time order; a stop lasts until the next start, and at
// most seven days (RDS restarts a stopped instance after seven days). The
// period is treated as a loop, so the state before the first firing is the
// state after the last. notes say what was assumed.
func StoppedFraction(switches []Switch) (frac float64, notes []string, err error) {
	type event struct {
		at   time.Time
		stop bool
	}
	var events []event
	hasStop, hasStart := false, false
	for _, s := range switches {
		c, err := ParseCron(s.Expr)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: %v", s.Name, err)
		}
		loc := time.UTC
		if s.TimeZone != "" && s.TimeZone != "UTC" {
			if loc, err = time.LoadLocation(s.TimeZone); err != nil {
				return 0, nil, fmt.Errorf("%s: time zone %q: %v", s.Name, s.TimeZone, err)
			}
		}
		hasStop = hasStop || s.Stop
		hasStart = hasStart || !s.Stop
		for d := refStart; d.Before(refEnd); d = d.AddDate(0, 0, 1) {
			local := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			if !c.matchesDay(local) {
				continue
			}
			for _, h := range c.hours {
				for _, m := range c.minutes {
					events = append(events, event{time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc).UTC(), s.Stop})
				}
			}
		}
	}
	if !hasStop {
		return 0, nil, nil
	}
	if !hasStart {
		notes = append(notes, "stop schedules without a start schedule: RDS starts the instance again after seven days")
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	if len(events) == 0 {
		return 0, nil, nil
	}
	// Sweep three laps of the period (before, itself, after) so that the
	// stretches that wrap around its ends are whole, and count the part of
	// each stopped stretch that falls inside the period.
	period := refEnd.Sub(refStart)
	var stopped time.Duration
	capped := false
	count := func(from, to time.Time) {
		if to.Sub(from) > maxStopped {
			to, capped = from.Add(maxStopped), true
		}
		if from.Before(refStart) {
			from = refStart
		}
		if to.After(refEnd) {
			to = refEnd
		}
		if to.After(from) {
			stopped += to.Sub(from)
		}
	}
	isStopped, since := false, time.Time{}
	for lap := -1; lap <= 1; lap++ {
		shift := time.Duration(lap) * period
		for _, e := range events {
			at := e.at.Add(shift)
			switch {
			case e.stop && !isStopped:
				isStopped, since = true, at
			case e.stop && at.Sub(since) > maxStopped:
				// RDS started it again after seven days; this stop is a new stretch
				count(since, at)
				since = at
			case !e.stop && isStopped:
				count(since, at)
				isStopped = false
			}
		}
	}
	if isStopped {
		count(since, refEnd.Add(2*period))
	}
	if capped {
		notes = append(notes, "some stops last more than seven days: RDS starts the instance again after seven days, counted so")
	}
	return float64(stopped) / float64(period), notes, nil
}
