package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const daysPerMonth = HoursPerMonth / 24

var (
	rateRE = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)
	cronRE = regexp.MustCompile(`^cron\(\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\)$`)
)

// RunsPerMonth returns how often a schedule expression (EventBridge rules,
// EventBridge Scheduler, Synthetics) fires in a month of 730 hours. Cron
// expressions are supported with minute and hour fields made of numbers,
// lists, ranges, steps or *, on every day (day-of-month and day-of-week * or ?).
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
	if m := cronRE.FindStringSubmatch(expr); m != nil {
		mins, err := cronCount(m[1], 0, 59)
		if err != nil {
			return 0, fmt.Errorf("%s: minutes: %v", expr, err)
		}
		hours, err := cronCount(m[2], 0, 23)
		if err != nil {
			return 0, fmt.Errorf("%s: hours: %v", expr, err)
		}
		if !wild(m[3]) || !wild(m[4]) || !wild(m[5]) {
			return 0, fmt.Errorf("%s: only daily cron expressions are supported (day-of-month, month and day-of-week * or ?)", expr)
		}
		return float64(mins*hours) * daysPerMonth, nil
	}
	return 0, fmt.Errorf("%q is neither rate(N unit) nor cron(...)", expr)
}

func wild(f string) bool { return f == "*" || f == "?" }

// cronCount counts the values a cron field matches between lo and hi.
func cronCount(field string, lo, hi int) (int, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(field, ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad step %q", part)
			}
			step = n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var e1, e2 error
			a, e1 = strconv.Atoi(x)
			b, e2 = strconv.Atoi(y)
			if e1 != nil || e2 != nil {
				return 0, fmt.Errorf("bad range %q", part)
			}
		default:
			n, err := strconv.Atoi(rng)
			if err != nil {
				return 0, fmt.Errorf("bad value %q", part)
			}
			a = n
			if !hasStep {
				b = n
			}
		}
		if a < lo || b > hi || a > b {
			return 0, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return len(set), nil
}

// DailyTime returns the minute of the day at which a daily cron expression
// with a single minute and hour fires.
func DailyTime(expr string) (int, bool) {
	m := cronRE.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil || !wild(m[3]) || !wild(m[4]) || !wild(m[5]) {
		return 0, false
	}
	mi, err1 := strconv.Atoi(m[1])
	h, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil || mi < 0 || mi > 59 || h < 0 || h > 23 {
		return 0, false
	}
	return h*60 + mi, true
}
