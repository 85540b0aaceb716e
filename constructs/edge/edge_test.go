package edge_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/edge"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// variant is one synthesized us-east-1 test stack with the edge construct.
type variant struct {
	name   string // the stack's name
	props  edge.Props
	zoneID string // the hosted zone's ID, "" without one
	stack  awscdk.Stack
	edge   *edge.Edge
	tpl    assertions.Template
	json   map[string]any
}

// fixture is one app with two edge stacks (a hosted zone and three hosts;
// no zone and one host), with the compliance packs, synthesized once.
type fixture struct {
	asm               cxapi.CloudAssembly
	zone, withoutZone *variant
}

func (f *fixture) variants() []*variant { return []*variant{f.zone, f.withoutZone} }

var (
	fixOnce sync.Once
	fix     *fixture
)

// usEast1 is an account-agnostic stack in us-east-1 of app.
func usEast1(app awscdk.App, name string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(edge.Region)}})
}

// getFixture builds and synthesizes the app on first use.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{
			zone: &variant{name: "TestZone", zoneID: "Z0123456789ABCDEFGHIJ", props: edge.Props{
				FunctionName: "mb-test-body-hash", Description: "zone-test",
				Hosts: []string{"example.org", "www.example.org", "app.example.org"},
			}},
			withoutZone: &variant{name: "TestNoZone", props: edge.Props{
				FunctionName: "mb-solo-body-hash", Description: "solo-test",
				Hosts: []string{"solo.example.net"},
			}},
		}
		app := cdktest.NewApp(t, cdktest.AppOptions{})
		cdktest.Must(t, func() {
			for _, v := range f.variants() {
				v.stack = usEast1(app, v.name)
				if v.zoneID != "" {
					v.props.HostedZone = awsroute53.HostedZone_FromHostedZoneAttributes(v.stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
						HostedZoneId: jsii.String(v.zoneID), ZoneName: jsii.String(v.props.Hosts[0]),
					})
				}
				v.edge = edge.New(v.stack, "Edge", v.props)
			}
			compliance.AddPacks(app, false)
			f.asm = app.Synth(nil)
		})
		for _, v := range f.variants() {
			raw, err := json.Marshal(f.asm.GetStackArtifact(jsii.String(v.name)).Template())
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &v.json); err != nil {
				t.Fatal(err)
			}
			cdktest.Must(t, func() { v.tpl = assertions.Template_FromJSON(&v.json, nil) })
		}
		fix = f
	})
	if fix == nil {
		t.Fatal("the shared test app failed to build (see the first failing test)")
	}
	return fix
}

// asJSON round-trips v so that expected values compare with decoded JSON.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func equalJSON(t *testing.T, what string, want, got any) {
	t.Helper()
	w, g := asJSON(t, want), asJSON(t, got)
	if !reflect.DeepEqual(w, g) {
		wb, _ := json.MarshalIndent(w, "", "  ")
		gb, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("%s:\nwant %s\n got %s", what, wb, gb)
	}
}

// The certificate covers every host, the first as its subject, and is
// validated by DNS: in the hosted zone when there is one.
func TestCertificate(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			certID, cert := only(t, v.json, "AWS::CertificateManager::Certificate")
			p := props(cert)
			if p["DomainName"] != v.props.Hosts[0] || p["ValidationMethod"] != "DNS" {
				t.Errorf("DomainName %v, ValidationMethod %v; want %s, DNS", p["DomainName"], p["ValidationMethod"], v.props.Hosts[0])
			}
			if sans := v.props.Hosts[1:]; len(sans) > 0 {
				equalJSON(t, "SubjectAlternativeNames", sans, p["SubjectAlternativeNames"])
			} else if got, ok := p["SubjectAlternativeNames"]; ok {
				// ACM refuses an empty list: with one host there is none at all
				t.Errorf("one host, but SubjectAlternativeNames is %v", got)
			}
			if v.zoneID != "" {
				var want []any
				for _, h := range v.props.Hosts {
					want = append(want, map[string]any{"DomainName": h, "HostedZoneId": v.zoneID})
				}
				equalJSON(t, "DomainValidationOptions", want, p["DomainValidationOptions"])
			} else if got, ok := p["DomainValidationOptions"]; ok {
				t.Errorf("no hosted zone, but DomainValidationOptions %v (the operator adds the records)", got)
			}
			var arn any
			cdktest.Must(t, func() { arn = v.stack.Resolve(v.edge.Certificate.CertificateArn()) })
			equalJSON(t, "Certificate field", ref(certID), arn)
		})
	}
}

// The body-hash function: what Lambda@Edge accepts (Node.js, no
// environment, no VPC, x86_64), the given name, the embedded source inline,
// and a published version that is retained.
func TestBodyHashFunction(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			fnID, fn := only(t, v.json, "AWS::Lambda::Function")
			roleID, _ := only(t, v.json, "AWS::IAM::Role")
			policyID, _ := only(t, v.json, "AWS::IAM::ManagedPolicy")
			p := props(fn)
			equalJSON(t, "function", map[string]any{
				"FunctionName": v.props.FunctionName,
				"Runtime":      "nodejs24.x",
				"Handler":      "index.handler",
				"MemorySize":   128,
				"Timeout":      5,
				"Role":         getAtt(roleID, "Arn"),
			}, map[string]any{
				"FunctionName": p["FunctionName"], "Runtime": p["Runtime"], "Handler": p["Handler"],
				"MemorySize": p["MemorySize"], "Timeout": p["Timeout"], "Role": p["Role"],
			})
			code, _ := p["Code"].(map[string]any)
			if zip, _ := code["ZipFile"].(string); zip != edge.BodyHashSource || len(code) != 1 {
				t.Errorf("Code is not exactly edge.BodyHashSource inline (%d keys, %d of %d bytes)", len(code), len(zip), len(edge.BodyHashSource))
			}
			// Lambda@Edge refuses these.
			for _, k := range []string{"Environment", "VpcConfig", "Layers", "DeadLetterConfig", "ReservedConcurrentExecutions"} {
				if got, ok := p[k]; ok {
					t.Errorf("Lambda@Edge function has %s: %v", k, got)
				}
			}
			if a, ok := p["Architectures"]; ok && !reflect.DeepEqual(a, []any{"x86_64"}) {
				t.Errorf("Architectures %v: Lambda@Edge runs x86_64 only", a)
			}
			if deps, _ := fn["DependsOn"].([]any); !slices.Contains(deps, any(policyID)) {
				t.Errorf("function DependsOn %v, want the policy %s (the role can write logs from the first invocation)", deps, policyID)
			}

			versionID, version := only(t, v.json, "AWS::Lambda::Version")
			if version["DeletionPolicy"] != "Retain" || version["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("version DeletionPolicy %v, UpdateReplacePolicy %v; want Retain (CloudFront deletes replicas hours later)",
					version["DeletionPolicy"], version["UpdateReplacePolicy"])
			}
			equalJSON(t, "version of", ref(fnID), props(version)["FunctionName"])
			var arn any
			cdktest.Must(t, func() { arn = v.stack.Resolve(v.edge.BodyHash.FunctionArn()) })
			equalJSON(t, "BodyHash field", ref(versionID), arn)
		})
	}
}

// The role: assumed by Lambda and Lambda@Edge, no inline policy, no AWS
// managed policy; its one customer managed policy writes only the
// function's log groups in the edge regions.
func TestBodyHashRole(t *testing.T) {
	for _, v := range getFixture(t).variants() {
		t.Run(v.name, func(t *testing.T) {
			roleID, role := only(t, v.json, "AWS::IAM::Role")
			rp := props(role)
			doc, _ := rp["AssumeRolePolicyDocument"].(map[string]any)
			sts, _ := doc["Statement"].([]any)
			if len(sts) != 1 {
				t.Fatalf("trust statements %v, want one", sts)
			}
			st := sts[0].(map[string]any)
			principals := st["Principal"].(map[string]any)["Service"]
			var services []string
			switch s := principals.(type) {
			case string:
				services = []string{s}
			case []any:
				for _, x := range s {
					services = append(services, x.(string))
				}
			}
			sort.Strings(services)
			if want := []string{"edgelambda.amazonaws.com", "lambda.amazonaws.com"}; !slices.Equal(services, want) || st["Action"] != "sts:AssumeRole" || st["Effect"] != "Allow" {
				t.Errorf("trust statement %v, want sts:AssumeRole by %v", st, want)
			}
			for _, k := range []string{"Policies", "ManagedPolicyArns"} {
				if got, ok := rp[k]; ok {
					t.Errorf("role has %s: %v", k, got)
				}
			}
			cdktest.Check(t, "no inline policy", func() { v.tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0)) })

			_, policy := only(t, v.json, "AWS::IAM::ManagedPolicy")
			pp := props(policy)
			equalJSON(t, "policy roles", []any{ref(roleID)}, pp["Roles"])
			equalJSON(t, "policy statements", []any{map[string]any{
				"Effect": "Allow",
				"Action": []any{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": map[string]any{"Fn::Join": []any{"", []any{
					"arn:aws:logs:*:", ref("AWS::AccountId"), ":log-group:/aws/lambda/us-east-1." + v.props.FunctionName + ":*",
				}}},
			}}, pp["PolicyDocument"].(map[string]any)["Statement"])
		})
	}
}

// cdk-nag (AwsSolutions, HIPAA Security) reports nothing unsuppressed: the
// policy's AwsSolutions-IAM5 suppression matches its one resource.
func TestCompliance(t *testing.T) {
	for _, finding := range compliance.Findings(getFixture(t).asm) {
		t.Errorf("finding: %s", finding)
	}
}

// panicOf runs f and returns what it panicked with ("" if it did not).
func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// New refuses a stack outside us-east-1 (CloudFront takes certificates and
// Lambda@Edge functions from there only) and props without hosts or name.
func TestBadProps(t *testing.T) {
	good := edge.Props{FunctionName: "fn", Description: "bad", Hosts: []string{"example.org"}}
	cases := []struct {
		name  string
		stack func(t *testing.T) awscdk.Stack
		props edge.Props
		want  []string
	}{
		{"eu-west-1", func(t *testing.T) awscdk.Stack { return cdktest.BareStack(t, "Bad") }, good,
			[]string{"must be in a stack in us-east-1"}},
		{"region-agnostic", func(t *testing.T) awscdk.Stack {
			return awscdk.NewStack(cdktest.NewApp(t, cdktest.AppOptions{}), jsii.String("Bad"), nil)
		}, good, []string{"must be in a stack in us-east-1"}},
		{"no hosts", func(t *testing.T) awscdk.Stack { return usEast1(cdktest.NewApp(t, cdktest.AppOptions{}), "Bad") },
			edge.Props{FunctionName: "fn"}, []string{"Hosts", "required"}},
		{"no function name", func(t *testing.T) awscdk.Stack { return usEast1(cdktest.NewApp(t, cdktest.AppOptions{}), "Bad") },
			edge.Props{Hosts: []string{"example.org"}}, []string{"FunctionName", "required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := tc.stack(t)
			msg := panicOf(func() { edge.New(stack, "Edge", tc.props) })
			if msg == "" {
				t.Fatal("New did not panic")
			}
			for _, w := range append([]string{"edge.New"}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// origin is a CloudFront origin-request event's request (the shape
// Lambda@Edge receives with "include body").
func origin(method string, body map[string]any) map[string]any {
	r := map[string]any{
		"clientIp":    "203.0.113.178",
		"method":      method,
		"uri":         "/api/bookings",
		"querystring": "draft=1",
		"headers": map[string]any{
			"host":         []any{map[string]any{"key": "Host", "value": "abc123.lambda-url.eu-west-1.on.aws"}},
			"content-type": []any{map[string]any{"key": "Content-Type", "value": "application/json; charset=utf-8"}},
		},
	}
	if body != nil {
		r["body"] = body
	}
	return r
}

// event wraps a request as the handler receives it.
func event(request map[string]any) map[string]any {
	return map[string]any{"Records": []any{map[string]any{"cf": map[string]any{
		"config": map[string]any{
			"distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "EDFDVBD6EXAMPLE",
			"eventType": "origin-request", "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
		},
		"request": request,
	}}}}
}

// b64 is CloudFront's body: base64 with encoding "base64".
func b64(data []byte) map[string]any {
	return map[string]any{"action": "read-only", "inputTruncated": false, "encoding": "base64", "data": base64.StdEncoding.EncodeToString(data)}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// runHandler runs bodyhash.js (edge.BodyHashSource, written as index.js as
// Lambda does with inline code) under Node on each event, in one process,
// and returns the handler's results and everything the process wrote to
// stdout and stderr.
func runHandler(t *testing.T, events []map[string]any) ([]map[string]any, string) {
	t.Helper()
	node := os.Getenv("JSII_NODE")
	if node == "" {
		var err error
		if node, err = exec.LookPath("node"); err != nil {
			t.Fatal("no Node.js: `source .ci/env.sh` sets JSII_NODE (jsii needs it too)")
		}
	}
	dir := t.TempDir()
	const driver = `'use strict';
const fs = require('fs');
const { handler } = require('./index.js');
(async () => {
  const events = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const results = [];
  for (const e of events) results.push(await handler(e));
  fs.writeFileSync(process.argv[3], JSON.stringify(results));
})().catch((err) => { process.stderr.write('driver: ' + (err && err.stack || err) + '\n'); process.exitCode = 1; });
`
	in, out := filepath.Join(dir, "events.json"), filepath.Join(dir, "results.json")
	raw, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"index.js": edge.BodyHashSource, "driver.js": driver, "events.json": string(raw)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(node, "driver.js", in, out)
	cmd.Dir = dir
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		t.Fatalf("node: %v\n%s", err, output.String())
	}
	raw, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var results []map[string]any
	if err := json.Unmarshal(raw, &results); err != nil {
		t.Fatalf("handler results: %v\n%s", err, raw)
	}
	if len(results) != len(events) {
		t.Fatalf("%d results for %d events", len(results), len(events))
	}
	return results, output.String()
}

// bodyHashCase is one request for the handler and what it must answer.
type bodyHashCase struct {
	name    string
	request map[string]any
	// hash is the x-amz-content-sha256 the request must leave with; ""
	// means the request passes unchanged.
	hash string
	// tooLarge: the answer is a 413 response instead of the request.
	tooLarge bool
}

// The body-hash handler, run for real: the hash Lambda's function URL
// checks, of the decoded body bytes, for the methods with a body; other
// methods untouched; truncated bodies refused with 413; nothing logged.
func TestBodyHashHandler(t *testing.T) {
	text := "{\"name\":\"Zoë Nkosi-Müller\",\"note\":\"Gesondheid ✓ 医療\"}"
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(255 - i) // not valid UTF-8: hashing a decoded string would differ
	}
	forged := origin("POST", b64([]byte("real body")))
	forged["headers"].(map[string]any)["x-amz-content-sha256"] = []any{map[string]any{"key": "X-Amz-Content-Sha256", "value": sha256Hex([]byte("other body"))}}

	cases := []bodyHashCase{
		{name: "POST base64 UTF-8 JSON", request: origin("POST", b64([]byte(text))), hash: sha256Hex([]byte(text))},
		{name: "POST text body", request: origin("POST", map[string]any{"action": "read-only", "inputTruncated": false, "encoding": "text", "data": text}), hash: sha256Hex([]byte(text))},
		{name: "POST binary", request: origin("POST", b64(binary)), hash: sha256Hex(binary)},
		{name: "PUT", request: origin("PUT", b64([]byte("put body"))), hash: sha256Hex([]byte("put body"))},
		{name: "PATCH", request: origin("PATCH", b64([]byte(`{"op":"replace"}`))), hash: sha256Hex([]byte(`{"op":"replace"}`))},
		{name: "DELETE", request: origin("DELETE", b64([]byte(`{"id":42}`))), hash: sha256Hex([]byte(`{"id":42}`))},
		{name: "POST empty body", request: origin("POST", b64(nil)), hash: sha256Hex(nil)},
		{name: "POST without body", request: origin("POST", nil), hash: sha256Hex(nil)},
		{name: "client's header replaced", request: forged, hash: sha256Hex([]byte("real body"))},
		{name: "GET", request: origin("GET", nil)},
		{name: "HEAD", request: origin("HEAD", nil)},
		{name: "OPTIONS", request: origin("OPTIONS", b64([]byte("ignored")))},
		{name: "POST truncated", request: origin("POST", map[string]any{"action": "read-only", "inputTruncated": true, "encoding": "base64", "data": base64.StdEncoding.EncodeToString(make([]byte, 1024))}), tooLarge: true},
		{name: "PUT truncated", request: origin("PUT", map[string]any{"action": "read-only", "inputTruncated": true, "encoding": "base64", "data": ""}), tooLarge: true},
	}
	var events []map[string]any
	for _, c := range cases {
		events = append(events, event(c.request))
	}
	results, output := runHandler(t, events)
	if output != "" {
		t.Errorf("the function wrote to stdout/stderr (Lambda would log it; request bodies are patient data):\n%s", output)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := results[i]
			switch {
			case c.tooLarge:
				if got["status"] != "413" {
					t.Errorf("status %v, want \"413\"", got["status"])
				}
				if body, _ := got["body"].(string); body == "" {
					t.Errorf("413 without a body: %v", got)
				}
				if _, isRequest := got["method"]; isRequest {
					t.Errorf("a truncated body was forwarded: %v", got)
				}
			case c.hash == "":
				equalJSON(t, "request", c.request, got)
			default:
				want := maps.Clone(c.request)
				headers := maps.Clone(c.request["headers"].(map[string]any))
				headers["x-amz-content-sha256"] = []any{map[string]any{"key": "x-amz-content-sha256", "value": c.hash}}
				want["headers"] = headers
				equalJSON(t, "request", want, got)
			}
		})
	}
}

// Template readers shared by the tests (internal/cdktest).
var (
	only   = cdktest.Only
	props  = cdktest.Props
	ref    = cdktest.Ref
	getAtt = cdktest.GetAtt
)
