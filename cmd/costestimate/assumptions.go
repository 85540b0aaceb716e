package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Def describes one usage assumption: what a template cannot know.
type Def struct {
	Key      string
	Unit     string
	Doc      string
	Min, Max float64
}

// Defs are the assumptions the estimator reads, in the order printed.
var Defs = []Def{
	{"database.stoppedHoursPerMonth", "hours/month", "hours a month the database instance is stopped (no instance, public-IPv4 or Enhanced Monitoring hours); taken from the template's stop/start schedules when it has them", 0, HoursPerMonth},
	{"ec2.stoppedHoursPerMonth", "hours/month", "hours a month the EC2 (NAT) instances are stopped (no instance hours, no hours of an address assigned at launch, which a stopped instance gives back); taken from the template's ec2 stop/start schedules when it has them", 0, HoursPerMonth},
	{"database.backupStorageGB", "GB", "total RDS backup storage: automated backups plus manual and AWS Backup snapshots (the part beyond the provisioned storage is billed)", 0, math.Inf(1)},
	{"database.transferOutGB", "GB/month", "data the database sends out to the internet (to clients outside the VPC, to operators)", 0, math.Inf(1)},
	{"database.enhancedMonitoringKBPerSample", "KB/sample", "size of one Enhanced Monitoring sample (RDSOSMetrics record, a few KB: OS counters and the process list); one sample per MonitoringInterval while the instance runs", 0, math.Inf(1)},
	{"hosting.buildsPerMonth", "builds/month", "Amplify builds (pushes to the environment's branch)", 0, math.Inf(1)},
	{"hosting.buildMinutes", "minutes/build", "length of one Amplify build", 0, math.Inf(1)},
	{"hosting.storedGB", "GB", "build artifacts Amplify keeps for the app", 0, math.Inf(1)},
	{"hosting.transferOutGB", "GB/month", "data Amplify's CDN serves to visitors", 0, math.Inf(1)},
	{"hosting.ssrRequestsPerMonth", "requests/month", "requests served by Amplify's server-side rendering (API routes, dynamic pages)", 0, math.Inf(1)},
	{"hosting.ssrDurationMs", "ms/request", "average Amplify SSR request duration", 0, math.Inf(1)},
	{"hosting.ssrMemoryGB", "GB", "memory Amplify bills per SSR request (not published by AWS: an assumption)", 0, 10},
	{"web.serverRequestsPerMonth", "requests/month", "requests the Next.js server function serves (pages rendered on request, API routes, cache misses of ISR pages)", 0, math.Inf(1)},
	{"web.serverDurationMs", "ms/request", "average duration of the Next.js server function (its memory comes from the template)", 0, 900000},
	{"web.imageRequestsPerMonth", "requests/month", "invocations of the image optimizer (image requests CloudFront does not answer from its cache)", 0, math.Inf(1)},
	{"web.imageDurationMs", "ms/request", "average duration of the image optimizer", 0, 900000},
	{"web.staticAssetsGB", "GB", "objects in the static-assets bucket (current build plus the builds kept)", 0, math.Inf(1)},
	{"web.staticOriginGetsPerMonth", "requests/month", "GET requests CloudFront sends to the static-assets bucket (cache misses)", 0, math.Inf(1)},
	{"web.staticPutsPerMonth", "requests/month", "PUT/COPY/LIST requests to the static-assets bucket (the asset deployment of every release)", 0, math.Inf(1)},
	{"cdn.requestsPerMonth", "requests/month", "viewer requests to the CloudFront distribution (pages, assets, images, API calls)", 0, math.Inf(1)},
	{"cdn.transferOutGB", "GB/month", "data the CloudFront distribution sends to viewers", 0, math.Inf(1)},
	{"cdn.africaShare", "share", "share of the distribution's traffic from viewers in South Africa, Kenya, Nigeria and the Middle East (priced at African rates unless the price class is PriceClass_100); the rest is priced at the North America/Europe rate", 0, 1},
	{"edge.durationMs", "ms/request", "average Lambda@Edge duration", 0, 30000},
	{"deploy.deploysPerMonth", "deployments/month", "stack deployments a month: each may invoke the custom-resource functions once", 0, math.Inf(1)},
	{"lambda.deployDurationMs", "ms/invocation", "average duration of a custom-resource (deploy-time) function", 0, 900000},
	{"lambda.durationMs", "ms/invocation", "average duration of the other functions (the health check waits for the site, rotation steps)", 0, 900000},
	{"lambda.otherInvocationsPerMonth", "invocations/month", "invocations of each Lambda function whose role the estimator does not recognise and that no schedule in the template triggers", 0, math.Inf(1)},
	{"logs.serverBytesPerRequest", "bytes/request", "log data the web server writes per request (Lambda START/END/REPORT lines plus the app's own lines; Amplify SSR logs alike)", 0, math.Inf(1)},
	{"logs.lambdaBytesPerInvocation", "bytes/invocation", "log data any other function writes per invocation (about 400 bytes of START/END/REPORT lines, plus a line or two, plus an Embedded Metric Format record)", 0, math.Inf(1)},
	{"logs.postgresqlGBPerMonth", "GB/month", "PostgreSQL log exported to CloudWatch Logs (connections, errors, slow statements)", 0, math.Inf(1)},
	{"logs.flowLogAllGBPerMonth", "GB/month", "VPC flow log of ALL (or ACCEPT) traffic: one record of ~100-150 bytes per flow and aggregation interval", 0, math.Inf(1)},
	{"logs.flowLogRejectGBPerMonth", "GB/month", "VPC flow log of REJECT traffic only (scans and refused connections)", 0, math.Inf(1)},
	{"logs.quietGBPerMonth", "GB/month", "log groups that receive almost nothing: RDS upgrade and IAM-auth-error logs", 0, math.Inf(1)},
	{"logs.ingestGBPerLogGroup", "GB/month", "log data written to each log group whose purpose the estimator does not recognise", 0, math.Inf(1)},
	{"network.natGBPerMonth", "GB/month", "data through each NAT gateway (Lambda functions in the VPC calling AWS APIs and third parties)", 0, math.Inf(1)},
	{"network.endpointGBPerMonth", "GB/month", "data through each interface VPC endpoint", 0, math.Inf(1)},
	{"backup.vaultGB", "GB", "snapshot storage kept in each AWS Backup vault", 0, math.Inf(1)},
	{"storage.storedGB", "GB", "objects in each upload bucket (current and noncurrent versions)", 0, math.Inf(1)},
	{"storage.putsPerMonth", "requests/month", "PUT/COPY/POST/LIST requests to each upload bucket", 0, math.Inf(1)},
	{"storage.getsPerMonth", "requests/month", "GET requests to each upload bucket", 0, math.Inf(1)},
	{"storage.transferOutGB", "GB/month", "data downloaded from each upload bucket to the internet", 0, math.Inf(1)},
	{"storage.accessLogGB", "GB", "server access logs kept in each access-log bucket", 0, math.Inf(1)},
	{"storage.cdnLogGB", "GB", "CloudFront standard logs kept in each CloudFront log bucket", 0, math.Inf(1)},
	{"secrets.apiCallsPerSecret", "calls/month", "Secrets Manager API calls per secret (the app reads its secret at run time)", 0, math.Inf(1)},
	{"kms.requestsPerKey", "requests/month", "KMS requests per customer managed key", 0, math.Inf(1)},
	{"sns.publishesPerMonth", "messages/month", "messages published to each SNS topic (alarms, deployment events)", 0, math.Inf(1)},
}

func defOf(key string) (Def, bool) {
	for _, d := range Defs {
		if d.Key == key {
			return d, true
		}
	}
	return Def{}, false
}

func knownKeys() string {
	keys := make([]string, len(Defs))
	for i, d := range Defs {
		keys[i] = d.Key
	}
	return strings.Join(keys, ", ")
}

// File is a parsed assumptions file.
type File struct {
	// Name is the file's path, for messages.
	Name string
	// Defaults hold every assumption.
	Defaults map[string]float64
	// Stacks override some assumptions for a stack; the key is a stack
	// name or its last dash-separated part ("Production" matches
	// "MedBookingsInfraStack-Production").
	Stacks map[string]map[string]float64
}

type fileJSON struct {
	About    string                                `json:"about"`
	Defaults map[string]json.RawMessage            `json:"defaults"`
	Stacks   map[string]map[string]json.RawMessage `json:"stacks"`
}

// ParseFile parses an assumptions file strictly: unknown or missing keys,
// values that are not numbers and values out of range are errors, all
// reported at once.
func ParseFile(name string, raw []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var fj fileJSON
	if err := dec.Decode(&fj); err != nil {
		return nil, fmt.Errorf("%s: %v (the file has the keys \"about\", \"defaults\" and \"stacks\")", name, err)
	}
	f := &File{Name: name, Defaults: map[string]float64{}, Stacks: map[string]map[string]float64{}}
	var problems []string
	f.Defaults = parseSection(fj.Defaults, "defaults", &problems)
	for _, d := range Defs {
		if _, ok := fj.Defaults[d.Key]; !ok {
			problems = append(problems, fmt.Sprintf("defaults: missing %q (%s)", d.Key, d.Doc))
		}
	}
	for stack, sec := range fj.Stacks {
		f.Stacks[stack] = parseSection(sec, "stacks."+stack, &problems)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s:\n  %s", name, strings.Join(problems, "\n  "))
	}
	return f, nil
}

func parseSection(sec map[string]json.RawMessage, where string, problems *[]string) map[string]float64 {
	out := map[string]float64{}
	for k, raw := range sec {
		d, ok := defOf(k)
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s: unknown key %q (known: %s)", where, k, knownKeys()))
			continue
		}
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			*problems = append(*problems, fmt.Sprintf("%s.%s: want a number (%s), got %s", where, k, d.Unit, strings.TrimSpace(string(raw))))
			continue
		}
		if msg := d.check(v); msg != "" {
			*problems = append(*problems, fmt.Sprintf("%s.%s: %s", where, k, msg))
			continue
		}
		out[k] = v
	}
	return out
}

func (d Def) check(v float64) string {
	if math.IsNaN(v) || v < d.Min || v > d.Max {
		if math.IsInf(d.Max, 1) {
			return fmt.Sprintf("%v is out of range: want at least %v %s", v, d.Min, d.Unit)
		}
		return fmt.Sprintf("%v is out of range: want %v to %v %s", v, d.Min, d.Max, d.Unit)
	}
	return ""
}

// LoadFile reads and parses an assumptions file.
func LoadFile(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFile(path, raw)
}

// Setting is one -set flag: [STACK:]KEY=VALUE.
type Setting struct {
	Stack string
	Key   string
	Value float64
}

// ParseSetting parses "[STACK:]KEY=VALUE".
func ParseSetting(s string) (Setting, error) {
	lhs, val, ok := strings.Cut(s, "=")
	if !ok {
		return Setting{}, fmt.Errorf("-set %q: want [STACK:]KEY=VALUE", s)
	}
	var st Setting
	if stack, key, ok := strings.Cut(lhs, ":"); ok {
		st.Stack, st.Key = stack, key
	} else {
		st.Key = lhs
	}
	d, ok := defOf(st.Key)
	if !ok {
		return Setting{}, fmt.Errorf("-set %q: unknown key %q (known: %s)", s, st.Key, knownKeys())
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil {
		return Setting{}, fmt.Errorf("-set %q: %q is not a number (%s)", s, val, d.Unit)
	}
	if msg := d.check(v); msg != "" {
		return Setting{}, fmt.Errorf("-set %q: %s", s, msg)
	}
	st.Value = v
	return st, nil
}

// Value is an assumption's value for one stack and where it came from.
type Value struct {
	Key    string  `json:"key"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
}

// Assumptions are the values used for one stack.
type Assumptions struct {
	values map[string]Value
	used   map[string]bool
}

func stackMatches(pattern, stack string) bool {
	return pattern == stack || strings.HasSuffix(stack, "-"+pattern)
}

// Resolve gives the assumptions for a stack: the file's defaults, then its
// section for the stack, then what the template shows (derived), then -set
// flags (first those for every stack, then those naming the stack).
func Resolve(f *File, stack string, derived map[string]Value, sets []Setting) Assumptions {
	a := Assumptions{values: map[string]Value{}, used: map[string]bool{}}
	for _, d := range Defs {
		a.values[d.Key] = Value{Key: d.Key, Value: f.Defaults[d.Key], Unit: d.Unit, Source: f.Name + " defaults"}
	}
	patterns := make([]string, 0, len(f.Stacks))
	for p := range f.Stacks {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		if !stackMatches(p, stack) {
			continue
		}
		for k, v := range f.Stacks[p] {
			a.set(k, v, f.Name+" stacks."+p)
		}
	}
	keys := slices.Sorted(maps.Keys(derived))
	for _, k := range keys {
		a.set(k, derived[k].Value, derived[k].Source)
	}
	for _, s := range sets {
		if s.Stack == "" {
			a.set(s.Key, s.Value, "-set")
		}
	}
	for _, s := range sets {
		if s.Stack != "" && stackMatches(s.Stack, stack) {
			a.set(s.Key, s.Value, "-set "+s.Stack+":")
		}
	}
	return a
}

func (a Assumptions) set(key string, v float64, source string) {
	d, _ := defOf(key)
	a.values[key] = Value{Key: key, Value: v, Unit: d.Unit, Source: source}
}

// Get returns an assumption's value; an unknown key is a programming error.
func (a Assumptions) Get(key string) float64 {
	v, ok := a.values[key]
	if !ok {
		panic("costestimate: no assumption " + key)
	}
	a.used[key] = true
	return v.Value
}

// Used returns the values the estimate read, in the order of Defs.
func (a Assumptions) Used() []Value {
	out := []Value{}
	for _, d := range Defs {
		if a.used[d.Key] {
			out = append(out, a.values[d.Key])
		}
	}
	return out
}
