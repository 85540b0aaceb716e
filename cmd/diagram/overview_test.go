package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/assembly"
)

func nodeIDs(v *EnvView) []string {
	var ids []string
	for _, n := range v.Nodes {
		ids = append(ids, n.ID)
	}
	slices.Sort(ids)
	return ids
}

func edgeOf(v *EnvView, from, to string) *OvEdge {
	for _, e := range v.Edges {
		if e.From == from && e.To == to {
			return e
		}
	}
	return nil
}

// Each environment of the golden templates: the boxes, where they are
// drawn, and the arrows between them, each found in the templates.
func TestOverviewOfEachEnvironment(t *testing.T) {
	ov := BuildOverview(golden(t))
	if ov == nil || len(ov.Envs) != 2 || ov.Envs[0].Env != "production" || ov.Envs[1].Env != "staging" {
		t.Fatalf("environments: %+v", ov)
	}
	want := []string{"alarms", "bucket:Assets", "bucket:Uploads", "cdn", "cert", "db", "edgefn:BodyHash", "email",
		"fn:CronFunction", "fn:ImageFunction", "fn:ServerFunction", "internet", "nat", "scheduler", "topic", "visitor"}
	for _, v := range ov.Envs {
		if got := nodeIDs(v); !slices.Equal(got, want) {
			t.Errorf("%s: nodes %v, want %v", v.Env, got, want)
		}
		if v.EdgeStack == nil || v.EdgeStack.Name != "MedBookingsEdge-"+strings.ToUpper(v.Env[:1])+v.Env[1:] {
			t.Errorf("%s: edge stack %v", v.Env, v.EdgeStack)
		}
		for id, cluster := range map[string]string{
			"fn:ServerFunction": "vpc/App", "fn:ImageFunction": "vpc/App", "fn:CronFunction": "vpc/App",
			"db": "vpc/Data", "nat": "vpc/Ingress", "cert": "edge", "edgefn:BodyHash": "edge", "cdn": "",
		} {
			if n := v.node(id); n.Cluster != cluster {
				t.Errorf("%s: %s in %q, want %q", v.Env, id, n.Cluster, cluster)
			}
		}
		for _, e := range [][2]string{
			{"visitor", "cdn"}, {"cdn", "cert"}, {"cdn", "edgefn:BodyHash"}, {"cdn", "fn:ServerFunction"},
			{"cdn", "fn:ImageFunction"}, {"cdn", "bucket:Uploads"}, {"visitor", "bucket:Uploads"},
			{"fn:ServerFunction", "db"}, {"nat", "internet"}, {"scheduler", "fn:CronFunction"},
			{"fn:CronFunction", "cdn"}, {"alarms", "topic"}, {"topic", "email"},
		} {
			if edgeOf(v, e[0], e[1]) == nil {
				t.Errorf("%s: no arrow %s → %s", v.Env, e[0], e[1])
			}
		}
		// One arrow from the App subnets to the NAT.
		n := 0
		for _, e := range v.Edges {
			if e.To == "nat" {
				n++
				if e.FromCluster != "vpc/App" {
					t.Errorf("%s: arrow to the NAT from %q", v.Env, e.FromCluster)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d arrows to the NAT", v.Env, n)
		}
		if e := edgeOf(v, "cdn", "fn:ServerFunction"); !slices.Equal(e.Lines, []string{"default *, _next/data/*"}) {
			t.Errorf("%s: CloudFront → server %q", v.Env, e.Lines)
		}
		if e := edgeOf(v, "fn:ServerFunction", "db"); !slices.Equal(e.Lines, []string{"PostgreSQL, port 5432"}) {
			t.Errorf("%s: server → database %q", v.Env, e.Lines)
		}
		if got := v.node("internet").Lines; !slices.Equal(got, []string{"Google, SendGrid, Twilio,", "Upstash", "AWS APIs: Secrets Manager"}) {
			t.Errorf("%s: internet %q", v.Env, got)
		}
	}
	prod, staging := ov.Envs[0], ov.Envs[1]
	asm := golden(t)
	for _, c := range []struct {
		v        *EnvView
		id, line string
	}{
		{prod, "nat", "NAT gateway + Elastic IP"},
		{staging, "nat", "NAT instance t4g.nano"},
		{prod, "db", databaseLine(t, asm, "MedBookingsInfraStack-Production")},
		{staging, "db", databaseLine(t, asm, "MedBookingsInfraStack-Staging")},
		{prod, "cdn", "medbookings.co.za, www.medbookings.co.za"},
		{staging, "cert", "staging.medbookings.co.za"},
		{staging, "scheduler", "10 schedules"},
	} {
		if !slices.Contains(c.v.node(c.id).Lines, c.line) {
			t.Errorf("%s: %s lines %q lack %q", c.v.Env, c.id, c.v.node(c.id).Lines, c.line)
		}
	}
	// The production template was synthesized without the app bundle: no
	// static assets origin, no database start/stop, and a rule that says so.
	if edgeOf(prod, "cdn", "bucket:Assets") != nil || edgeOf(staging, "cdn", "bucket:Assets") == nil {
		t.Error("CloudFront → assets: want it in staging only")
	}
	if edgeOf(prod, "scheduler", "db") != nil || edgeOf(staging, "scheduler", "db") == nil {
		t.Error("schedules of the database: want them in staging only")
	}
	if len(prod.Notes) != 1 || !strings.Contains(prod.Notes[0], "rule AppBundleRequired") || len(staging.Notes) != 0 {
		t.Errorf("notes: %q, %q", prod.Notes, staging.Notes)
	}
}

// The picture of both: one box each, what differs labelled with the
// environment, what only one has marked as such.
func TestOverviewDOT(t *testing.T) {
	asm := golden(t)
	dot := BuildOverview(asm).DOT()
	for _, w := range []string{
		`"nat" [label="NAT\nproduction: NAT gateway + Elastic IP\nstaging: NAT instance t4g.nano"`,
		`"db" [label="RDS PostgreSQL 16.13\nproduction: ` + databaseLine(t, asm, "MedBookingsInfraStack-Production") +
			`\nstaging: ` + databaseLine(t, asm, "MedBookingsInfraStack-Staging") + `"`,
		`subgraph "cluster_vpc/App" {`,
		`label="us-east-1 stack\nproduction: MedBookingsEdge-Production\nstaging: MedBookingsEdge-Staging"`,
		`"cdn" -> "bucket:Assets" [label="BUILD_ID, _next/*, logo.png\n(staging only)"`,
		`ltail="cluster_vpc/App"`,
		`tooltip="MedBookingsInfraStack-Production/HostingServerFunction2AACDB92\nMedBookingsInfraStack-Staging/HostingServerFunction2AACDB92"`,
		"CloudFormation refuses this template (rule AppBundleRequired)",
	} {
		if !strings.Contains(dot, w) {
			t.Errorf("overview lacks %q:\n%s", w, dot)
		}
	}
	if n := strings.Count(dot, "shape=box"); n > 14 {
		t.Errorf("%d boxes: no longer at a glance", n)
	}
	if h := Hash(dot); len(h) != 16 {
		t.Errorf("Hash = %q", h)
	}
}

// A piece a template lacks is not drawn; one environment is drawn without
// environment labels.
func TestOverviewDrawsOnlyWhatTheTemplatesHave(t *testing.T) {
	asm := golden(t)
	var staging []*assembly.Stack
	for _, s := range asm.Stacks {
		if strings.HasSuffix(s.Name, "-Staging") && strings.HasPrefix(s.Name, "MedBookingsInfraStack") {
			staging = append(staging, s)
		}
	}
	asm.Stacks = staging // no edge stack, no production
	s := staging[0]
	for _, id := range s.IDs() {
		switch s.Template.Resources[id].Type {
		case "AWS::EC2::Instance", "AWS::Scheduler::Schedule":
			delete(s.Template.Resources, id)
		}
	}
	ov := BuildOverview(asm)
	v := ov.Envs[0]
	for _, id := range []string{"nat", "internet", "scheduler", "cert", "edgefn:BodyHash"} {
		if v.node(id) != nil {
			t.Errorf("%s drawn without its resources", id)
		}
	}
	for _, id := range []string{"cdn", "fn:ServerFunction", "db", "bucket:Assets"} {
		if v.node(id) == nil {
			t.Errorf("%s not drawn", id)
		}
	}
	dot := ov.DOT()
	if strings.Contains(dot, "staging:") || strings.Contains(dot, "only)") {
		t.Errorf("a single environment labelled as one of several:\n%s", dot)
	}
	if !strings.Contains(dot, `"db" [label="RDS PostgreSQL 16.13\ndb.t4g.micro, single-AZ"`) {
		t.Errorf("database label:\n%s", dot)
	}

	// No environment at all: no overview.
	asm.Stacks = nil
	if BuildOverview(asm) != nil {
		t.Error("overview of nothing")
	}
}

func TestOverviewHelpers(t *testing.T) {
	if got := words("ServerFunction"); got != "Server function" {
		t.Errorf("words = %q", got)
	}
	if got := wrap("a bb ccc dddd eeeee", 8); !slices.Equal(got, []string{"a bb ccc", "dddd", "eeeee"}) {
		t.Errorf("wrap = %q", got)
	}
	if got := wrap("x "+nbsp("cron(0 * * * ? *)"), 10); len(got) != 2 {
		t.Errorf("wrap broke a schedule: %q", got)
	}
	fn := &assembly.Resource{Properties: map[string]any{
		"Description": "Calls the MedBookings staging cron routes (functions/cron)",
		"Tags":        []any{map[string]any{"Key": "Project", "Value": "MedBookings"}},
	}}
	if got := purpose(fn, "staging"); got != "Calls the cron routes" {
		t.Errorf("purpose = %q", got)
	}
	secret := &assembly.Resource{Properties: map[string]any{"GenerateSecretString": map[string]any{
		"GenerateStringKey":    "NEXTAUTH_SECRET",
		"SecretStringTemplate": `{"SENDGRID_API_KEY":"","TWILIO_ACCOUNT_SID":"","TWILIO_AUTH_TOKEN":"","FIXED":"x"}`,
	}}}
	if got := providers(secret); !slices.Equal(got, []string{"SendGrid", "Twilio"}) {
		t.Errorf("providers = %q", got)
	}
}

// databaseLine is what the overview should say of the stack's database
// instance, read from its template: "<class>, Multi-AZ" or ", single-AZ".
func databaseLine(t *testing.T, asm *assembly.Assembly, stack string) string {
	t.Helper()
	s, err := asm.Stack(stack)
	if err != nil {
		t.Fatal(err)
	}
	dbs := s.OfType("AWS::RDS::DBInstance")
	if len(dbs) != 1 {
		t.Fatalf("%s: %d database instances", stack, len(dbs))
	}
	az := "single-AZ"
	if dbs[0].Properties["MultiAZ"] == true {
		az = "Multi-AZ"
	}
	return fmt.Sprintf("%s, %s", dbs[0].Properties["DBInstanceClass"], az)
}
