package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

func testFile(t *testing.T) *File {
	t.Helper()
	f, err := LoadFile("testdata/assumptions.json")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func shop(t *testing.T) *assembly.Stack {
	t.Helper()
	s, err := assembly.LoadTemplate("testdata/Shop.template.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func lineOf(t *testing.T, se StackEstimate, id string) Line {
	t.Helper()
	for _, l := range se.Lines {
		if l.LogicalID == id {
			return l
		}
	}
	t.Fatalf("no line %s", id)
	return Line{}
}

// tpl parses a template written in a test.
func tpl(t *testing.T, name, body string) *assembly.Stack {
	t.Helper()
	s, err := assembly.ParseTemplate(name, name+".json", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// estimateAll estimates stacks as one assembly (free tiers applied).
func estimateAll(t *testing.T, opts Options, stacks ...*assembly.Stack) Estimate {
	t.Helper()
	return EstimateAssembly(&assembly.Assembly{Stacks: stacks}, opts)
}

func stackOf(t *testing.T, e Estimate, name string) StackEstimate {
	t.Helper()
	for _, se := range e.Stacks {
		if se.Stack == name {
			return se
		}
	}
	t.Fatalf("no stack %s", name)
	return StackEstimate{}
}

// item returns the item of a line whose description starts with what.
func item(t *testing.T, l Line, what string) Item {
	t.Helper()
	for _, it := range l.Items {
		if strings.HasPrefix(it.What, what) {
			return it
		}
	}
	t.Fatalf("%s: no item %q in %+v", l.LogicalID, what, l.Items)
	return Item{}
}

// The Shop template with round-number assumptions, every figure worked out
// by hand (eu-west-1 prices of prices.go).
func TestEstimateByHand(t *testing.T) {
	e := estimateAll(t, Options{File: testFile(t)}, shop(t))
	se := e.Stacks[0]

	// The stop (18:00) and start (23:30) schedules stop the database 5.5 h a day.
	running := 730 * (24 - 5.5) / 24
	healthRuns := 8760.0                                 // rate(5 minutes)
	logGB := healthRuns * 500 / (1 << 30)                // the health function's log: 500 bytes an invocation
	type want struct{ list, yearOne, afterFree float64 } // after free: the Shop is alone in its account
	wants := map[string]want{
		"Db": {
			list: running*0.018 + // db.t4g.micro Single-AZ hours
				20*0.127 + // 20 GB gp3
				(30-20)*0.095 + // 30 GB of backups, 20 GB free
				running*0.005 + // public IPv4 while running
				10*0.09, // data transfer out (free: under 100 GB)
		},
		"StopSchedule":   {list: 730.0 / 24 / 1e6 * 1.00}, // 14M invocations free
		"StartSchedule":  {list: 730.0 / 24 / 1e6 * 1.00},
		"Key":            {list: 1 + 0.03 + 1 + 1, yearOne: 1 + 0.03, afterFree: 1 + 1 + 1}, // rotation: +$1 from year 2, +$1 from year 3; 10,000 requests free
		"Secret":         {list: 0.40 + 0.05, afterFree: 0.45},                              // no free tier
		"CpuAlarm":       {list: 0.10},
		"ErrorRateAlarm": {list: 2 * 0.10}, // metric math over two metrics
		"Dashboard":      {list: 3.00},
		"LogGroup":       {list: logGB*0.57 + logGB*(30/(730.0/24))*0.03},
		"SlowQueries":    {list: 0.30},
		"HealthFn":       {list: 8760/1e6*0.20 + 8760*1*0.25*0.0000133334}, // every 5 minutes, 256 MB arm64, 1 s
		"Topic":          {list: 1000/1e6*0.50 + 1000.0/100000*2.00},
		"Uploads":        {list: 10*0.023 + 10*0.005 + 100*0.0004 + 5*0.09, afterFree: 10*0.023 + 10*0.005 + 100*0.0004},
		"AccessLogs":     {list: 1 * 0.023, afterFree: 0.023},
		"App":            {list: 20*5*0.01 + 1*0.023 + 10*0.15 + 1*0.30 + 100*0.20, afterFree: 20*5*0.01 + 1*0.023 + 10*0.15 + 1*0.30 + 100*0.20}, // 1M x 0.36 s x 1 GB = 100 GB-h
	}
	dbNet := running*0.018 + 20*0.127 + 10*0.095 + running*0.005
	wants["Db"] = want{list: wants["Db"].list, afterFree: dbNet}
	var list, yearOne, afterFree float64
	for id, w := range wants {
		if w.yearOne == 0 {
			w.yearOne = w.list
		}
		l := lineOf(t, se, id)
		if l.Status != Priced || !near(l.USD, w.list) || !near(l.YearOneUSD, w.yearOne) || !near(l.AfterFreeUSD, w.afterFree) {
			t.Errorf("%s: %s list %v year one %v after free %v; want %+v\n%+v", id, l.Status, l.USD, l.YearOneUSD, l.AfterFreeUSD, w, l)
		}
		list += w.list
		yearOne += w.yearOne
		afterFree += w.afterFree
	}
	for _, id := range []string{"Role", "HealthRule", "TopicMail", "Branch"} {
		if l := lineOf(t, se, id); l.Status != Free || l.USD != 0 || len(l.Notes) == 0 {
			t.Errorf("%s: %s %v %v, want free with a reason", id, l.Status, l.USD, l.Notes)
		}
	}
	if l := lineOf(t, se, "Queue"); l.Status != NotPriced || !strings.Contains(strings.Join(l.Notes, " "), "no price for this resource type") {
		t.Errorf("Queue: %+v, want not priced with a reason", l)
	}
	if se.NotPriced != 1 {
		t.Errorf("NotPriced = %d, want 1", se.NotPriced)
	}
	if len(se.Lines) != len(wants)+5 {
		t.Errorf("%d lines, want %d", len(se.Lines), len(wants)+5)
	}
	if se.USD != round(list) || se.YearOneUSD != round(yearOne) || se.AfterFreeUSD != round(afterFree) {
		t.Errorf("totals = %v / %v / %v, want %v / %v / %v", se.USD, se.YearOneUSD, se.AfterFreeUSD, round(list), round(yearOne), round(afterFree))
	}
	if se.USD != 48.08 || se.YearOneUSD != 46.08 || se.AfterFreeUSD != 43.05 || e.USD != se.USD || e.AfterFreeUSD != se.AfterFreeUSD {
		t.Errorf("Shop = %v (year one %v, after free %v), assembly %v: want 48.08 (46.08, 43.05)", se.USD, se.YearOneUSD, se.AfterFreeUSD, e.USD)
	}
	if se.Unconfirmed != 1 { // db.t4g.micro
		t.Errorf("unconfirmed items = %d, want 1", se.Unconfirmed)
	}

	var stopped Value
	for _, a := range se.Assumptions {
		if a.Key == "database.stoppedHoursPerMonth" {
			stopped = a
		}
	}
	if !near(stopped.Value, 730*5.5/24) || stopped.Source != "template: start StartSchedule cron(30 23 * * ? *) UTC, stop StopSchedule cron(0 18 * * ? *) UTC" {
		t.Errorf("stopped hours = %+v", stopped)
	}
	if len(se.Options) != 0 {
		t.Errorf("options = %+v, want none (the database is stopped part of the time)", se.Options)
	}
}

func TestSetFlagsOverrideFileAndTemplate(t *testing.T) {
	s := shop(t)
	sets := []Setting{
		{Key: "database.stoppedHoursPerMonth", Value: 0},
		{Key: "hosting.ssrRequestsPerMonth", Value: 0},
		{Stack: "Shop", Key: "hosting.buildsPerMonth", Value: 10},
		{Stack: "Other", Key: "hosting.buildsPerMonth", Value: 1000},
	}
	se := EstimateStack(s, Options{File: testFile(t), Sets: sets})
	db := lineOf(t, se, "Db")
	wantDb := 730*0.018 + 20*0.127 + 10*0.095 + 730*0.005 + 10*0.09
	if !near(db.USD, wantDb) {
		t.Errorf("Db = %v, want %v (never stopped)", db.USD, wantDb)
	}
	app := lineOf(t, se, "App")
	if want := 10*5*0.01 + 0.023 + 1.5; !near(app.USD, want) {
		t.Errorf("App = %v, want %v", app.USD, want)
	}
	for _, a := range se.Assumptions {
		if a.Key == "hosting.buildsPerMonth" && a.Source != "-set Shop:" {
			t.Errorf("buildsPerMonth source = %q", a.Source)
		}
	}
}

func TestStackSectionOfTheFileMatchesByNameSuffix(t *testing.T) {
	f := testFile(t)
	a := Resolve(f, "MyApp-Other", nil, nil)
	if a.Get("hosting.buildsPerMonth") != 99 {
		t.Errorf("MyApp-Other builds = %v, want 99", a.Get("hosting.buildsPerMonth"))
	}
	if b := Resolve(f, "MyApp-Otherwise", nil, nil); b.Get("hosting.buildsPerMonth") != 20 {
		t.Errorf("MyApp-Otherwise builds = %v, want the default 20", b.Get("hosting.buildsPerMonth"))
	}
}

func TestMultiAZDoublesInstanceAndStorageAndUnknownClassIsNotPriced(t *testing.T) {
	s := shop(t)
	db := s.Template.Resources["Db"]
	db.Properties["MultiAZ"] = true
	db.Properties["DBInstanceClass"] = "db.t4g.small"
	db.Properties["PubliclyAccessible"] = false
	sets := []Setting{{Key: "database.stoppedHoursPerMonth", Value: 0}}
	l := lineOf(t, EstimateStack(s, Options{File: testFile(t), Sets: sets}), "Db")
	if want := 730*0.036*2 + 20*0.127*2 + 10*0.095 + 10*0.09; !near(l.USD, want) {
		t.Errorf("Multi-AZ db.t4g.small = %v, want %v", l.USD, want)
	}

	db.Properties["DBInstanceClass"] = "db.x9.huge"
	l = lineOf(t, EstimateStack(s, Options{File: testFile(t), Sets: sets}), "Db")
	if l.Status != NotPriced || !strings.Contains(strings.Join(l.Notes, " "), `instance class "db.x9.huge"`) {
		t.Errorf("unknown class: %+v", l)
	}
}

func TestCompareByHand(t *testing.T) {
	f := testFile(t)
	beforeStack, afterStack := shop(t), shop(t)
	db := afterStack.Template.Resources["Db"]
	db.Properties["DBInstanceClass"] = "db.t4g.small"
	db.Properties["MultiAZ"] = true
	delete(afterStack.Template.Resources, "Dashboard")
	afterStack.Template.Resources["Secret2"] = &assembly.Resource{LogicalID: "Secret2", Type: "AWS::SecretsManager::Secret"}
	before := EstimateAssembly(&assembly.Assembly{Stacks: []*assembly.Stack{beforeStack}}, Options{File: f})
	after := EstimateAssembly(&assembly.Assembly{Stacks: []*assembly.Stack{afterStack}}, Options{File: f})
	d := Compare(before, after)

	running := 730 * (24 - 5.5) / 24
	dbDelta := running*(0.036*2-0.018) + 20*0.127 // twice the larger class; the standby's storage
	want := map[string]struct {
		change string
		delta  float64
	}{
		"Db":        {"changed", dbDelta},
		"Dashboard": {"removed", -3},
		"Secret2":   {"added", 0.45},
	}
	if len(d.Stacks) != 1 || len(d.Stacks[0].Resources) != len(want) {
		t.Fatalf("diff = %+v", d)
	}
	for _, r := range d.Stacks[0].Resources {
		w, ok := want[r.LogicalID]
		if !ok || r.Change != w.change || !near(r.Delta, w.delta) {
			t.Errorf("%s: %s %v, want %+v", r.LogicalID, r.Change, r.Delta, w)
		}
	}
	if wantTotal := round(before.USD + dbDelta - 3 + 0.45); !near(d.Stacks[0].Delta, round(wantTotal-before.USD)) || !near(d.Delta, d.Stacks[0].Delta) {
		t.Errorf("stack delta = %v, total delta = %v, want %v", d.Stacks[0].Delta, d.Delta, round(wantTotal-before.USD))
	}
	// After the free tier the dashboard (one of three free) changes nothing.
	if want := dbDelta + 0.45; math.Abs(d.DeltaNet-want) > 0.011 { // totals are rounded to the cent
		t.Errorf("delta after free = %v, want %v", d.DeltaNet, want)
	}
}

func TestAssumptionsFileIsParsedStrictly(t *testing.T) {
	good, err := os.ReadFile("testdata/assumptions.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(good, &doc); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(defaults map[string]any)) []byte {
		var d map[string]any
		_ = json.Unmarshal(good, &d)
		f(d["defaults"].(map[string]any))
		raw, _ := json.Marshal(d)
		return raw
	}
	for name, tc := range map[string]struct {
		raw  []byte
		want []string
	}{
		"unknown key": {mutate(func(d map[string]any) { d["hosting.buildMinute"] = 5 }),
			[]string{`defaults: unknown key "hosting.buildMinute"`, "known: database.stoppedHoursPerMonth"}},
		"string value": {mutate(func(d map[string]any) { d["hosting.buildMinutes"] = "5" }),
			[]string{`defaults.hosting.buildMinutes: want a number (minutes/build), got "5"`}},
		"missing key": {mutate(func(d map[string]any) { delete(d, "kms.requestsPerKey") }),
			[]string{`defaults: missing "kms.requestsPerKey"`}},
		"out of range": {mutate(func(d map[string]any) { d["database.stoppedHoursPerMonth"] = 800 }),
			[]string{"defaults.database.stoppedHoursPerMonth: 800 is out of range: want 0 to 730 hours/month"}},
		"negative": {mutate(func(d map[string]any) { d["storage.storedGB"] = -1 }),
			[]string{"defaults.storage.storedGB: -1 is out of range: want at least 0 GB"}},
		"all at once": {mutate(func(d map[string]any) { d["x"] = 1; d["storage.storedGB"] = true }),
			[]string{`unknown key "x"`, "storage.storedGB: want a number (GB), got true"}},
		"unknown top-level key": {[]byte(`{"default": {}}`), []string{`unknown field "default"`}},
		"bad stack section":     {[]byte(strings.Replace(string(good), `"hosting.buildsPerMonth": 99`, `"hosting.builds": 99`, 1)), []string{`stacks.Other: unknown key "hosting.builds"`}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseFile("a.json", tc.raw)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "a.json") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
}

func TestShippedAssumptionsParse(t *testing.T) {
	f, err := ParseFile("assumptions.json", defaultAssumptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Defaults) != len(Defs) {
		t.Errorf("%d defaults, want %d", len(f.Defaults), len(Defs))
	}
}

func TestParseSetting(t *testing.T) {
	s, err := ParseSetting("Production:hosting.ssrRequestsPerMonth=2e6")
	if err != nil || s != (Setting{Stack: "Production", Key: "hosting.ssrRequestsPerMonth", Value: 2e6}) {
		t.Errorf("ParseSetting = %+v, %v", s, err)
	}
	for in, want := range map[string]string{
		"hosting.buildsPerMonth":            "want [STACK:]KEY=VALUE",
		"hosting.nope=1":                    `unknown key "hosting.nope"`,
		"hosting.buildsPerMonth=lots":       `"lots" is not a number (builds/month)`,
		"database.stoppedHoursPerMonth=800": "out of range: want 0 to 730",
	} {
		if _, err := ParseSetting(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSetting(%q) = %v, want %q", in, err, want)
		}
	}
}

// Every figure names its page and when it was read; an unconfirmed one
// says why; every allowance is sourced too; the table lists them all.
func TestPriceTableAndTypeLists(t *testing.T) {
	for k, p := range Prices {
		if p.USD <= 0 || p.Unit == "" || !strings.HasPrefix(p.Source, "https://aws.amazon.com/") || p.Read == "" {
			t.Errorf("price %s: %+v (want a positive figure, a unit, an aws.amazon.com source and the date it was read)", k, p)
		}
		if p.Read != readCompiled && p.Read != readToday {
			t.Errorf("price %s: read %q, want %q or %q", k, p.Read, readCompiled, readToday)
		}
		if p.Read == readToday && p.Checked == "" && p.Unconfirmed == "" {
			t.Errorf("price %s: read %s but says neither where it was confirmed nor why it could not be", k, readToday)
		}
	}
	for k, f := range FreeTiers {
		if f.Allowance <= 0 || f.Unit == "" || !strings.HasPrefix(f.Source, "https://aws.amazon.com/") || f.Read == "" {
			t.Errorf("free tier %s: %+v", k, f)
		}
	}
	for typ := range pricers {
		if _, free := freeReason(typ); free {
			t.Errorf("%s is both priced and free", typ)
		}
	}
	for typ, reason := range freeTypes {
		if reason == "" {
			t.Errorf("free type %s has no reason", typ)
		}
	}
	var buf bytes.Buffer
	if err := WritePriceTable(&buf); err != nil || strings.Count(buf.String(), "\n| `") != len(Prices)+len(FreeTiers) {
		t.Errorf("price table: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "| `rds.instance.db.t4g.micro` | 0.018 | instance-hour | "+srcRDS+" | 2026-11 | **unconfirmed**") {
		t.Errorf("the price table does not mark unconfirmed figures:\n%s", buf.String())
	}
}

// Every key of the price table is used by a pricer (named in the source,
// or built from an instance class or type) and every pool by an item.
func TestEveryPriceKeyIsUsed(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	var src strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "prices.go" {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(raw)
	}
	for k := range Prices {
		if strings.HasPrefix(k, "rds.instance.") || strings.HasPrefix(k, "ec2.instance.") || strings.HasPrefix(k, "rds.storage.") {
			continue // keyed by the template's class, type or storage type
		}
		if !strings.Contains(src.String(), `"`+k+`"`) {
			t.Errorf("price %s is never used", k)
		}
	}
	for k := range FreeTiers {
		if !strings.Contains(src.String(), `"`+k+`")`) {
			t.Errorf("free tier %s is never drawn on", k)
		}
	}
	for class := range dbVCPUs {
		if _, ok := Prices["rds.instance."+class]; !ok {
			t.Errorf("vCPUs known for %s, but no price", class)
		}
	}
}

func TestCommandFormatsAndCompare(t *testing.T) {
	dir := t.TempDir()
	before := filepath.Join(dir, "before")
	after := filepath.Join(dir, "after")
	raw, err := os.ReadFile("testdata/Shop.template.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{before, after} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(before, "Shop.template.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(raw), `"db.t4g.micro"`, `"db.t4g.medium"`, 1)
	if err := os.WriteFile(filepath.Join(after, "Shop.template.json"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	exec := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code, err := run(append([]string{"-assumptions", "testdata/assumptions.json"}, args...), &out, &errOut)
		if err != nil {
			errOut.WriteString(err.Error())
		}
		return code, out.String(), errOut.String()
	}

	headline := "Shop: estimated $48.08/month at list price (year one $46.08); $43.05 after always-free allowances (lower bound: 1 resource(s) not priced; 1 item(s) at unconfirmed prices)"
	code, out, errOut := exec("-assembly", before)
	if code != 0 || !strings.Contains(out, headline) || !strings.Contains(out, "Always-free allowances (applied once") ||
		!strings.Contains(out, "Queue") || !strings.Contains(errOut, "1 resource(s) not priced: AWS::SQS::Queue") {
		t.Errorf("table: %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := exec("-assembly", before, "-strict"); code != 3 {
		t.Errorf("-strict exit = %d, want 3", code)
	}
	_, out, _ = exec("-assembly", before, "-format", "markdown")
	if !strings.Contains(out, "### Shop: $48.08/month at list price (year one $46.08); $43.05 after always-free allowances") ||
		!strings.Contains(out, "| `Queue` | SQS::Queue | **not priced** |") || !strings.Contains(out, "| Shop (lower bound: 1 resource(s) not priced; 1 item(s) at unconfirmed prices) | $46.08 | $48.08 | $43.05 |") ||
		!strings.Contains(out, "### Always-free allowances") {
		t.Errorf("markdown:\n%s", out)
	}
	_, out, _ = exec("-assembly", before, "-format", "json")
	var e Estimate
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.USD != 48.08 || e.YearOneUSD != 46.08 || e.AfterFreeUSD != 43.05 || e.Stacks[0].NotPriced != 1 || len(e.FreeTiers) == 0 {
		t.Errorf("json: %v %+v", err, e)
	}

	// micro -> medium, 562.7 running hours: +562.708 x (0.072 - 0.018)
	delta := signed(round(730 * 18.5 / 24 * (0.072 - 0.018)))
	for _, args := range [][]string{{"-compare", before, "-assembly", after}, {before, after}} {
		code, out, errOut := exec(args...)
		if code != 0 || !strings.Contains(out, "changed  Db") || !strings.Contains(out, "("+delta+"); after always-free allowances") {
			t.Errorf("compare %v: %d\n%s\n%s", args, code, out, errOut)
		}
	}
	_, out, _ = exec("-format", "markdown", before, after)
	if !strings.Contains(out, "## Monthly cost change: "+delta) {
		t.Errorf("markdown compare:\n%s", out)
	}
	if code, _, errOut := exec("-format", "yaml", "-assembly", before); code != 2 || !strings.Contains(errOut, "want table, markdown or json") {
		t.Errorf("bad format: %d %s", code, errOut)
	}
	if code, _, errOut := exec("-set", "nope=1", "-assembly", before); code != 2 || !strings.Contains(errOut, `unknown key "nope"`) {
		t.Errorf("bad -set: %d %s", code, errOut)
	}
	// An output that cannot be written fails the command, an estimate
	// and a comparison alike.
	for _, args := range [][]string{{"-assembly", before}, {"-compare", before, "-assembly", after}} {
		code, err := run(append([]string{"-assumptions", "testdata/assumptions.json"}, args...), failingWriter{}, io.Discard)
		if code != 1 || err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%v to a failing output: exit %d, %v; want 1 and the write error", args, code, err)
		}
	}
}

// failingWriter refuses every write, as a full disk or a closed pipe does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestReplaceSections(t *testing.T) {
	doc := "a\n" + fmt.Sprintf(beginMark, "x") + "old\n" + fmt.Sprintf(endMark, "x") + "\nb\n"
	got, err := ReplaceSections(doc, map[string]string{"x": "new\n"})
	if err != nil || got != "a\n"+fmt.Sprintf(beginMark, "x")+"new\n"+fmt.Sprintf(endMark, "x")+"\nb\n" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := ReplaceSections(doc, map[string]string{"y": ""}); err == nil || !strings.Contains(err.Error(), `no section "y"`) {
		t.Errorf("missing section: %v", err)
	}
}

// A VPC as awsec2.NewVpc makes it: the network pieces are free, the NAT
// gateway and its Elastic IP are not (and the IP is counted once).
func TestVPCPieces(t *testing.T) {
	body := `{"Resources": {
	  "Vpc": {"Type": "AWS::EC2::VPC"}, "Sub": {"Type": "AWS::EC2::Subnet"}, "Rt": {"Type": "AWS::EC2::RouteTable"},
	  "Igw": {"Type": "AWS::EC2::InternetGateway"}, "Sg": {"Type": "AWS::EC2::SecurityGroup"},
	  "Eip": {"Type": "AWS::EC2::EIP"}, "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}}},
	  "Ep": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]}},
	  "Gw": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}},
	  "Restrict": {"Type": "Custom::VpcRestrictDefaultSG"}
	}}`
	se := EstimateStack(tpl(t, "Net", body), Options{File: testFile(t)})
	want := 730*0.005 + 730*0.048 + 100*0.048 + 2*730*0.011 + 10*0.01 // 100 GB through the NAT, 10 GB through the endpoint
	if !near(se.USD, round(want)) || se.NotPriced != 0 {
		t.Errorf("total = %v (not priced %d), want %v", se.USD, se.NotPriced, round(want))
	}
	for _, id := range []string{"Vpc", "Sub", "Rt", "Igw", "Sg", "Restrict"} {
		if l := lineOf(t, se, id); l.Status != Free {
			t.Errorf("%s: %s", id, l.Status)
		}
	}
}
