package config

import (
	"fmt"
	"regexp"
	"slices"
)

// DailyWindow is a time range of every day, in UTC; End may be before
// Start (the window then wraps midnight).
type DailyWindow struct{ Start, End ClockTime }

// String is the window as RDS and the context write it: "HH:MM-HH:MM".
func (w DailyWindow) String() string { return w.Start.String() + "-" + w.End.String() }

// Minutes is the window's length.
func (w DailyWindow) Minutes() int {
	if w.End >= w.Start {
		return int(w.End - w.Start)
	}
	return int(w.End) + 24*60 - int(w.Start)
}

// Contains reports whether minute-of-day m falls inside the window.
func (w DailyWindow) Contains(m ClockTime) bool {
	if w.Start <= w.End {
		return m >= w.Start && m < w.End
	}
	return m >= w.Start || m < w.End
}

// Overlaps reports whether two daily windows share a minute.
func (w DailyWindow) Overlaps(o DailyWindow) bool {
	for m := ClockTime(0); m < 24*60; m++ {
		if w.Contains(m) && o.Contains(m) {
			return true
		}
	}
	return false
}

// WeeklyWindow is a time range of the week, in minutes from Monday 00:00
// UTC; End may be before Start (the window then wraps the week).
type WeeklyWindow struct{ Start, End int }

// Days are the day names RDS uses in weekly windows, Monday first.
var Days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// String is the window as RDS writes it: "ddd:HH:MM-ddd:HH:MM".
func (w WeeklyWindow) String() string {
	f := func(m int) string { return Days[m/1440] + ":" + ClockTime(m%1440).String() }
	return f(w.Start) + "-" + f(w.End)
}

// Minutes is the window's length.
func (w WeeklyWindow) Minutes() int {
	if w.End >= w.Start {
		return w.End - w.Start
	}
	return w.End + 7*1440 - w.Start
}

// OverlapsDaily reports whether the weekly window shares a minute with the
// daily window on any day.
func (w WeeklyWindow) OverlapsDaily(d DailyWindow) bool {
	for i := 0; i < w.Minutes(); i++ {
		if d.Contains(ClockTime((w.Start + i) % 1440)) {
			return true
		}
	}
	return false
}

var (
	dailyRE  = regexp.MustCompile(`^(\d\d:\d\d)-(\d\d:\d\d)$`)
	weeklyRE = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):(\d\d:\d\d)-(mon|tue|wed|thu|fri|sat|sun):(\d\d:\d\d)$`)
)

// ParseDailyWindow parses "HH:MM-HH:MM".
func ParseDailyWindow(s string) (DailyWindow, bool) {
	m := dailyRE.FindStringSubmatch(s)
	if m == nil {
		return DailyWindow{}, false
	}
	a, ok1 := ParseClock(m[1])
	b, ok2 := ParseClock(m[2])
	return DailyWindow{Start: a, End: b}, ok1 && ok2
}

// ParseWeeklyWindow parses "ddd:HH:MM-ddd:HH:MM".
func ParseWeeklyWindow(s string) (WeeklyWindow, bool) {
	m := weeklyRE.FindStringSubmatch(s)
	if m == nil {
		return WeeklyWindow{}, false
	}
	a, ok1 := ParseClock(m[2])
	b, ok2 := ParseClock(m[4])
	if !ok1 || !ok2 {
		return WeeklyWindow{}, false
	}
	return WeeklyWindow{Start: slices.Index(Days, m[1])*1440 + int(a), End: slices.Index(Days, m[3])*1440 + int(b)}, true
}

// Cron is the EventBridge Scheduler cron expression of a daily time.
func (c ClockTime) Cron() string { return fmt.Sprintf("cron(%d %d * * ? *)", int(c)%60, int(c)/60) }
