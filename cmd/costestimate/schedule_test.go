package main

import (
	"strings"
	"testing"
)

// The reference period: 28 years, 10,227 days, 1,461 whole weeks, 336 months.
const refMonthDays = 730.0 / 24 // a 730-hour month

func TestReferencePeriod(t *testing.T) {
	if refDays != 10227 || refDays%7 != 0 {
		t.Fatalf("reference period of %d days", refDays)
	}
}

func TestRunsPerMonth(t *testing.T) {
	for expr, want := range map[string]float64{
		"rate(1 minute)":          43800,
		"rate(5 minutes)":         8760,
		"rate(2 hours)":           365,
		"rate(1 day)":             refMonthDays,
		"rate(0 minutes)":         0,
		"cron(0 18 * * ? *)":      refMonthDays,
		"cron(0/15 * * * ? *)":    4 * 24 * refMonthDays,
		"cron(0,30 8-17 * * ? *)": 20 * refMonthDays,
		// weekdays only: 5 of 7 days
		"cron(0 18 ? * MON-FRI *)": refMonthDays * 5 / 7,
		"cron(0 18 ? * 2-6 *)":     refMonthDays * 5 / 7,
		// weekends, twice a day
		"cron(0 9,21 ? * SAT,SUN *)": 2 * refMonthDays * 2 / 7,
		// the first of every month (a Secrets Manager rotation): 336 firings in 10,227 days
		"cron(0 4 1 * ? *)": 336.0 / 10227 * refMonthDays,
		// the last day of the month, once a month
		"cron(0 23 L * ? *)": 336.0 / 10227 * refMonthDays,
		// January only, every day: 31 x 28 days
		"cron(0 12 * JAN ? *)": 31.0 * 28 / 10227 * refMonthDays,
	} {
		got, err := RunsPerMonth(expr)
		if err != nil || !near(got, want) {
			t.Errorf("RunsPerMonth(%q) = %v, %v; want %v", expr, got, err, want)
		}
	}
	for _, bad := range []string{"rate(5 fortnights)", "cron(0 18 * * MON *)", "cron(0 18 ? * 2#1 *)", "cron(0 18 ? * 6L *)",
		"cron(0 18 15W * ? *)", "cron(99 1 * * ? *)", "cron(0 18 * * ? 2027)", "at(2026-01-01T00:00:00)", "cron(0 18 ? * FUNDAY *)"} {
		if _, err := RunsPerMonth(bad); err == nil {
			t.Errorf("RunsPerMonth(%q): no error", bad)
		}
	}
}

func stoppedHours(t *testing.T, switches ...Switch) float64 {
	t.Helper()
	f, _, err := StoppedFraction(switches)
	if err != nil {
		t.Fatal(err)
	}
	return f * 730
}

// Two windows a day: stopped 12:00-13:00 and 18:00-23:30, 6.5 hours a day.
func TestStoppedTwoWindows(t *testing.T) {
	got := stoppedHours(t,
		Switch{Name: "StopLunch", Expr: "cron(0 12 * * ? *)", Stop: true},
		Switch{Name: "StartLunch", Expr: "cron(0 13 * * ? *)"},
		Switch{Name: "StopEvening", Expr: "cron(0 18 * * ? *)", Stop: true},
		Switch{Name: "StartNight", Expr: "cron(30 23 * * ? *)"})
	if want := 730 * 6.5 / 24; !near(got, want) {
		t.Errorf("two windows: %v hours, want %v", got, want)
	}
}

// Weekends off: stopped every weekday evening at 18:00, started every
// weekday morning at 07:00, so stopped 13 h four nights a week and 61 h
// from Friday 18:00 to Monday 07:00: 113 of 168 hours.
func TestStoppedWeekendRule(t *testing.T) {
	got := stoppedHours(t,
		Switch{Name: "Stop", Expr: "cron(0 18 ? * MON-FRI *)", Stop: true},
		Switch{Name: "Start", Expr: "cron(0 7 ? * MON-FRI *)"})
	if want := 730 * 113.0 / 168; !near(got, want) {
		t.Errorf("weekend rule: %v hours, want %v", got, want)
	}
	// The same with the weekend as its own window: weekday nights
	// Mon-Thu, and a separate Friday stop.
	got = stoppedHours(t,
		Switch{Name: "StopWeekdays", Expr: "cron(0 18 ? * MON-THU *)", Stop: true},
		Switch{Name: "StartWeekdays", Expr: "cron(0 7 ? * TUE-FRI *)"},
		Switch{Name: "StopFriday", Expr: "cron(0 18 ? * FRI *)", Stop: true},
		Switch{Name: "StartMonday", Expr: "cron(0 7 ? * MON *)"})
	if want := 730 * 113.0 / 168; !near(got, want) {
		t.Errorf("weekend window: %v hours, want %v", got, want)
	}
}

// Time zones: each schedule fires in its own zone. Johannesburg is UTC+2
// all year, so a 20:00 Johannesburg stop and a 23:30 UTC start are 5.5 h
// apart; in London both ends move with daylight saving time together.
func TestStoppedTimeZones(t *testing.T) {
	got := stoppedHours(t,
		Switch{Name: "Stop", Expr: "cron(0 20 * * ? *)", TimeZone: "Africa/Johannesburg", Stop: true},
		Switch{Name: "Start", Expr: "cron(30 23 * * ? *)", TimeZone: "UTC"})
	if want := 730 * 5.5 / 24; !near(got, want) {
		t.Errorf("Johannesburg/UTC: %v hours, want %v", got, want)
	}
	got = stoppedHours(t,
		Switch{Name: "Stop", Expr: "cron(0 18 * * ? *)", TimeZone: "Europe/London", Stop: true},
		Switch{Name: "Start", Expr: "cron(30 23 * * ? *)", TimeZone: "Europe/London"})
	if want := 730 * 5.5 / 24; !near(got, want) {
		t.Errorf("London: %v hours, want %v", got, want)
	}
	if _, _, err := StoppedFraction([]Switch{{Name: "S", Expr: "cron(0 18 * * ? *)", TimeZone: "Mars/Olympus", Stop: true}}); err == nil {
		t.Error("unknown time zone: no error")
	}
}

// A stop without a start: RDS starts the instance again after seven
// days. A monthly stop is then 7 days stopped in each of 336 months.
func TestStoppedSevenDayRestart(t *testing.T) {
	f, notes, err := StoppedFraction([]Switch{{Name: "Stop", Expr: "cron(0 0 1 * ? *)", Stop: true}})
	if err != nil {
		t.Fatal(err)
	}
	if want := 7 * 336.0 / 10227; !near(f, want) || !strings.Contains(strings.Join(notes, " "), "seven days") {
		t.Errorf("monthly stop: %v (%v), want %v", f, notes, want)
	}
}

// The stopped hours are read from every stop/start schedule of the
// template and reach the database's instance hours.
func TestStoppedHoursFromTemplate(t *testing.T) {
	s := tpl(t, "Windows", `{"Resources": {
	  "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20", "StorageType": "gp3",
	    "DBInstanceIdentifier": "db1"}},
	  "StopWeekdays": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "cron(0 18 ? * MON-FRI *)", "ScheduleExpressionTimezone": "UTC",
	    "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "Input": "{\"DbInstanceIdentifier\":\"db1\"}", "RoleArn": "r"}}},
	  "StartWeekdays": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "cron(0 7 ? * MON-FRI *)", "ScheduleExpressionTimezone": "UTC",
	    "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:rds:startDBInstance", "Input": "{\"DbInstanceIdentifier\":\"db1\"}", "RoleArn": "r"}}},
	  "StopLunch": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "cron(0 12 ? * MON-FRI *)",
	    "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "RoleArn": "r"}}},
	  "StartLunch": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "cron(0 13 ? * MON-FRI *)",
	    "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:rds:startDBInstance", "RoleArn": "r"}}},
	  "Disabled": {"Type": "AWS::Scheduler::Schedule", "Properties": {"ScheduleExpression": "cron(0 8 * * ? *)", "State": "DISABLED",
	    "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "RoleArn": "r"}}}
	}}`)
	// Weekday nights and weekends (113 h) plus a weekday lunch hour (5 h) a week.
	stopped := 730 * (113.0 + 5) / 168
	se := EstimateStack(s, Options{File: testFile(t)})
	db := lineOf(t, se, "Db")
	if it := item(t, db, "db.t4g.micro Single-AZ instance hours"); !near(it.Quantity, 730-stopped) {
		t.Errorf("instance hours = %v, want %v", it.Quantity, 730-stopped)
	}
	if len(se.Options) != 0 {
		t.Errorf("a stopped database gets no reserved-instance option: %+v", se.Options)
	}
	for _, a := range se.Assumptions {
		if a.Key == "database.stoppedHoursPerMonth" && !strings.Contains(a.Source, "stop StopLunch cron(0 12 ? * MON-FRI *) UTC") {
			t.Errorf("source = %q", a.Source)
		}
	}
	// A schedule the estimator cannot read leaves the assumption alone, and says so.
	s.Template.Resources["StartLunch"].Properties["ScheduleExpression"] = "cron(0 13 ? * 2#1 *)"
	se = EstimateStack(s, Options{File: testFile(t)})
	if it := item(t, lineOf(t, se, "Db"), "db.t4g.micro"); it.Quantity != 730 || !strings.Contains(strings.Join(se.Notes, " "), "not understood") {
		t.Errorf("unreadable schedule: %v hours, notes %v", it.Quantity, se.Notes)
	}
}
