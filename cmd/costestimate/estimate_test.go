package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
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

// The Shop template with round-number assumptions, every figure worked out
// by hand (eu-west-1 prices of prices.go).
func TestEstimateByHand(t *testing.T) {
	se := EstimateStack(shop(t), Options{File: testFile(t)})

	// The stop (18:00) and start (23:30) schedules stop the database 5.5 h a day.
	running := 730 * (24 - 5.5) / 24
	want := map[string]float64{
		"Db": running*0.018 + // db.t4g.micro Single-AZ hours
			20*0.127 + // 20 GB gp3
			(30-20)*0.095 + // 30 GB of backups, 20 GB free
			running*0.005 + // public IPv4 while running
			10*0.09, // data transfer out
		"StopSchedule":   730.0 / 24 / 1e6 * 1.00,
		"StartSchedule":  730.0 / 24 / 1e6 * 1.00,
		"Key":            1 + 0.03,
		"Secret":         0.40 + 0.05,
		"CpuAlarm":       0.10,
		"ErrorRateAlarm": 2 * 0.10, // metric math over two metrics
		"Dashboard":      3.00,
		"LogGroup":       1*0.57 + 1*(30/(730.0/24))*0.03,
		"SlowQueries":    0.30,
		"HealthFn":       8760/1e6*0.20 + 8760*1*0.25*0.0000133334, // every 5 minutes, 256 MB arm64, 1 s
		"Topic":          1000/1e6*0.50 + 1000.0/100000*2.00,
		"Uploads":        10*0.023 + 10*0.005 + 100*0.0004 + 5*0.09,
		"AccessLogs":     1 * 0.023,
		"App":            20*5*0.01 + 1*0.023 + 10*0.15 + 1*0.30 + 100*0.20, // 1M x 0.36 s x 1 GB = 100 GB-h
	}
	var total float64
	for id, usd := range want {
		l := lineOf(t, se, id)
		if l.Status != Priced || !near(l.USD, usd) {
			t.Errorf("%s: %s %v, want priced %v\n%+v", id, l.Status, l.USD, usd, l)
		}
		total += usd
	}
	for _, id := range []string{"Role", "HealthRule", "TopicMail", "Branch"} {
		if l := lineOf(t, se, id); l.Status != Free || l.USD != 0 {
			t.Errorf("%s: %s %v, want free", id, l.Status, l.USD)
		}
	}
	if l := lineOf(t, se, "Queue"); l.Status != NotPriced || !strings.Contains(strings.Join(l.Notes, " "), "no price for this resource type") {
		t.Errorf("Queue: %+v, want not priced with a reason", l)
	}
	if se.NotPriced != 1 {
		t.Errorf("NotPriced = %d, want 1", se.NotPriced)
	}
	if len(se.Lines) != len(want)+5 {
		t.Errorf("%d lines, want %d", len(se.Lines), len(want)+5)
	}
	if se.USD != round(total) || se.USD != 46.68 {
		t.Errorf("total = %v, want %v (46.68)", se.USD, round(total))
	}

	var stopped Value
	for _, a := range se.Assumptions {
		if a.Key == "database.stoppedHoursPerDay" {
			stopped = a
		}
	}
	if stopped.Value != 5.5 || !strings.Contains(stopped.Source, "template: StopSchedule cron(0 18 * * ? *), StartSchedule cron(30 23 * * ? *)") {
		t.Errorf("stopped hours = %+v", stopped)
	}
}

func TestSetFlagsOverrideFileAndTemplate(t *testing.T) {
	s := shop(t)
	sets := []Setting{
		{Key: "database.stoppedHoursPerDay", Value: 0},
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
	sets := []Setting{{Key: "database.stoppedHoursPerDay", Value: 0}}
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
}

func TestRunsPerMonth(t *testing.T) {
	for expr, want := range map[string]float64{
		"rate(1 minute)":          43800,
		"rate(5 minutes)":         8760,
		"rate(2 hours)":           365,
		"rate(1 day)":             730.0 / 24,
		"rate(0 minutes)":         0,
		"cron(0 18 * * ? *)":      730.0 / 24,
		"cron(0/15 * * * ? *)":    4 * 24 * 730.0 / 24,
		"cron(0,30 8-17 * * ? *)": 20 * 730.0 / 24,
	} {
		got, err := RunsPerMonth(expr)
		if err != nil || !near(got, want) {
			t.Errorf("RunsPerMonth(%q) = %v, %v; want %v", expr, got, err, want)
		}
	}
	for _, bad := range []string{"rate(5 fortnights)", "cron(0 18 ? * MON-FRI *)", "cron(99 1 * * ? *)", "at(2026-01-01T00:00:00)"} {
		if _, err := RunsPerMonth(bad); err == nil {
			t.Errorf("RunsPerMonth(%q): no error", bad)
		}
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
			[]string{`defaults: unknown key "hosting.buildMinute"`, "known: database.stoppedHoursPerDay"}},
		"string value": {mutate(func(d map[string]any) { d["hosting.buildMinutes"] = "5" }),
			[]string{`defaults.hosting.buildMinutes: want a number (minutes/build), got "5"`}},
		"missing key": {mutate(func(d map[string]any) { delete(d, "kms.requestsPerKey") }),
			[]string{`defaults: missing "kms.requestsPerKey"`}},
		"out of range": {mutate(func(d map[string]any) { d["database.stoppedHoursPerDay"] = 25 }),
			[]string{"defaults.database.stoppedHoursPerDay: 25 is out of range: want 0 to 24 hours/day"}},
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
		"hosting.buildsPerMonth":         "want [STACK:]KEY=VALUE",
		"hosting.nope=1":                 `unknown key "hosting.nope"`,
		"hosting.buildsPerMonth=lots":    `"lots" is not a number (builds/month)`,
		"database.stoppedHoursPerDay=30": "out of range: want 0 to 24",
	} {
		if _, err := ParseSetting(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSetting(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestPriceTableAndTypeLists(t *testing.T) {
	for k, p := range Prices {
		if p.USD <= 0 || p.Unit == "" || !strings.HasPrefix(p.Source, "https://aws.amazon.com/") {
			t.Errorf("price %s: %+v (want a positive figure, a unit and an aws.amazon.com source)", k, p)
		}
	}
	for typ := range pricers {
		if _, free := freeTypes[typ]; free {
			t.Errorf("%s is both priced and free", typ)
		}
	}
	var buf bytes.Buffer
	if err := WritePriceTable(&buf); err != nil || strings.Count(buf.String(), "\n| `") != len(Prices) {
		t.Errorf("price table: %v\n%s", err, buf.String())
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

	code, out, errOut := exec("-assembly", before)
	if code != 0 || !strings.Contains(out, "Shop: estimated $46.68/month (lower bound: 1 resource(s) not priced)") ||
		!strings.Contains(out, "Queue") || !strings.Contains(errOut, "1 resource(s) not priced: AWS::SQS::Queue") {
		t.Errorf("table: %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := exec("-assembly", before, "-strict"); code != 3 {
		t.Errorf("-strict exit = %d, want 3", code)
	}
	_, out, _ = exec("-assembly", before, "-format", "markdown")
	if !strings.Contains(out, "### Shop: $46.68/month") || !strings.Contains(out, "| `Queue` | SQS::Queue | **not priced** |") {
		t.Errorf("markdown:\n%s", out)
	}
	_, out, _ = exec("-assembly", before, "-format", "json")
	var e Estimate
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.USD != 46.68 || e.Stacks[0].NotPriced != 1 {
		t.Errorf("json: %v %+v", err, e)
	}

	// micro -> medium, 562.7 running hours: +562.708 x (0.072 - 0.018)
	delta := signed(round(730 * 18.5 / 24 * (0.072 - 0.018)))
	for _, args := range [][]string{{"-compare", before, "-assembly", after}, {before, after}} {
		code, out, errOut := exec(args...)
		if code != 0 || !strings.Contains(out, "changed  Db") || !strings.Contains(out, "("+delta+")") {
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
}

// The real stacks: every resource the golden templates hold is priced or
// explicitly free (a new unpriced type or instance class fails here), and
// docs/cost.md shows the estimate of the current templates.
func TestRealStacks(t *testing.T) {
	root := cdktest.RepoRoot()
	asm, err := assembly.Load(filepath.Join(root, "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFile("assumptions.json", defaultAssumptions)
	if err != nil {
		t.Fatal(err)
	}
	e := EstimateAssembly(asm, Options{File: f})
	for _, se := range e.Stacks {
		for _, l := range se.Lines {
			if l.Status == NotPriced {
				t.Errorf("%s: %s (%s) is not priced: %s — price it in cmd/costestimate (prices.go, estimate.go) or list it as free",
					se.Stack, l.LogicalID, l.Type, strings.Join(l.Notes, "; "))
			}
		}
	}

	doc := filepath.Join(root, "docs", "cost.md")
	if *cdktest.Update {
		if err := UpdateDocs(doc, e, f); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := ReplaceSections(string(raw), Sections(e, f))
	if err != nil {
		t.Fatal(err)
	}
	if fresh != string(raw) {
		t.Errorf("docs/cost.md is stale: run scripts/docs.sh (or go test ./cmd/costestimate/ -update)")
	}
}

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
	tpl := `{"Resources": {
	  "Vpc": {"Type": "AWS::EC2::VPC"}, "Sub": {"Type": "AWS::EC2::Subnet"}, "Rt": {"Type": "AWS::EC2::RouteTable"},
	  "Igw": {"Type": "AWS::EC2::InternetGateway"}, "Sg": {"Type": "AWS::EC2::SecurityGroup"},
	  "Eip": {"Type": "AWS::EC2::EIP"}, "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}}},
	  "Ep": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]}},
	  "Gw": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}},
	  "Restrict": {"Type": "Custom::VpcRestrictDefaultSG"}
	}}`
	s, err := assembly.ParseTemplate("Net", "net.json", []byte(tpl))
	if err != nil {
		t.Fatal(err)
	}
	se := EstimateStack(s, Options{File: testFile(t)})
	want := 730*0.005 + 730*0.048 + 2*730*0.011
	if !near(se.USD, round(want)) || se.NotPriced != 0 {
		t.Errorf("total = %v (not priced %d), want %v", se.USD, se.NotPriced, round(want))
	}
	for _, id := range []string{"Vpc", "Sub", "Rt", "Igw", "Sg", "Restrict"} {
		if l := lineOf(t, se, id); l.Status != Free {
			t.Errorf("%s: %s", id, l.Status)
		}
	}
}
