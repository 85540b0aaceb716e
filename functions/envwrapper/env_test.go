package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{"empty", nil, Config{Timeout: DefaultTimeout}, ""},
		{"full", map[string]string{EnvSecrets: " a , ,b,", EnvDatabaseSecret: "db", EnvDatabaseURLParams: "?schema=x&sslmode=require", EnvTimeout: "2500ms"},
			Config{Secrets: []string{"a", "b"}, DatabaseSecret: "db", DatabaseURLParams: "schema=x&sslmode=require", Timeout: 2500 * time.Millisecond}, ""},
		{"twice", map[string]string{EnvSecrets: "a,b,a"}, Config{}, "lists a twice"},
		{"params alone", map[string]string{EnvDatabaseURLParams: "sslmode=require"}, Config{}, "is set but"},
		{"bad params", map[string]string{EnvDatabaseSecret: "db", EnvDatabaseURLParams: "a=%zz"}, Config{}, "not a valid URL query"},
		{"params with a fragment", map[string]string{EnvDatabaseSecret: "db", EnvDatabaseURLParams: "a=1#b"}, Config{}, "not a valid URL query"},
		{"zero timeout", map[string]string{EnvTimeout: "0s"}, Config{}, EnvTimeout},
		{"timeout past init", map[string]string{EnvTimeout: "10s"}, Config{}, "at most 9s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Secrets, tt.want.Secrets) || got.DatabaseSecret != tt.want.DatabaseSecret ||
				got.DatabaseURLParams != tt.want.DatabaseURLParams || got.Timeout != tt.want.Timeout {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestARNs(t *testing.T) {
	tests := []struct {
		cfg  Config
		want []string
	}{
		{Config{}, []string{}},
		{Config{Secrets: []string{"a", "b"}}, []string{"a", "b"}},
		{Config{Secrets: []string{"a"}, DatabaseSecret: "db"}, []string{"a", "db"}},
		{Config{Secrets: []string{"db", "a"}, DatabaseSecret: "db"}, []string{"db", "a"}},
	}
	for _, tt := range tests {
		if got := tt.cfg.ARNs(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: ARNs %q, want %q", tt.cfg, got, tt.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		key  string
		want string // "" for accepted, else a substring of the reason
	}{
		{"AUTH_SECRET", ""},
		{"nextauth_url", ""},
		{"_PRIVATE", ""},
		{"DATABASE_URL", ""},
		{"A1", ""},
		{"1A", "not a valid"},
		{"MY-KEY", "not a valid"},
		{"A B", "not a valid"},
		{"A=B", "not a valid"},
		{"", "not a valid"},
		{"ÄPFEL", "not a valid"},
		{"AWS_SECRET_ACCESS_KEY", "reserved (AWS_*)"},
		{"Aws_Region", "reserved (AWS_*)"},
		{"LAMBDA_TASK_ROOT", "reserved (LAMBDA_*)"},
		{"MEDBOOKINGS_SECRETS", "reserved (MEDBOOKINGS_*)"},
		{"LD_PRELOAD", "reserved (LD_*)"},
		{"_HANDLER", "reserved"},
		{"_X_AMZN_TRACE_ID", "reserved"},
		{"PATH", "reserved"},
		{"NODE_OPTIONS", "reserved"},
	}
	for _, tt := range tests {
		got := checkName(tt.key)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("checkName(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestEscapeUserinfo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"medbookings_app", "medbookings_app"},
		{"a-b.c~d", "a-b.c~d"},
		{"p@ss:w/rd", "p%40ss%3Aw%2Frd"},
		{"?#[]", "%3F%23%5B%5D"},
		{"&=+$,;", "%26%3D%2B%24%2C%3B"},
		{"100% ", "100%25%20"},
		{"é", "%C3%A9"},
		{`'"!*()`, "%27%22%21%2A%28%29"},
	}
	for _, tt := range tests {
		if got := escapeUserinfo(tt.in); got != tt.want {
			t.Errorf("escapeUserinfo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDatabaseURL(t *testing.T) {
	tests := []struct {
		name, secret, params string
		want, wantErr        string
	}{
		{"number port", `{"username":"u","password":"p","host":"db.example","port":5432,"dbname":"medbookings"}`, "sslmode=require",
			"postgresql://u:p@db.example:5432/medbookings?sslmode=require", ""}, // secretscan:allow (fake credentials of a test)
		{"string port, no params", `{"username":"u","password":"p","host":"db.example","port":"6432","dbname":"medbookings"}`, "",
			"postgresql://u:p@db.example:6432/medbookings", ""}, // secretscan:allow (fake credentials of a test)
		{"escaped", `{"username":"a@b","password":"x/y z","host":"db.example","port":5432,"dbname":"my db"}`, "",
			"postgresql://a%40b:x%2Fy%20z@db.example:5432/my%20db", ""}, // secretscan:allow (fake credentials of a test)
		{"missing fields", `{"username":"u","port":0}`, "", "", "missing or invalid password, host, port, dbname"},
		{"bad host", `{"username":"u","password":"p","host":"evil/x?","port":5432,"dbname":"d"}`, "", "", "host is not a host name"},
		{"not JSON", `postgres://u:secret@h/d`, "", "", "not a JSON object"}, // secretscan:allow (fake credentials of a test)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := databaseURL("arn:db", tt.secret, tt.params)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret@") {
					t.Errorf("error quotes the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("databaseURL = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		set     map[string]string
		want    []string
	}{
		{"nothing", []string{"A=1"}, nil, []string{"A=1"}},
		{"replace in place, add sorted", []string{"A=1", "B=2", "C=3"}, map[string]string{"B": "x", "Z": "z", "D": "d"}, []string{"A=1", "B=x", "C=3", "D=d", "Z=z"}},
		{"value with =", nil, map[string]string{"K": "a=b"}, []string{"K=a=b"}},
		{"duplicate entries collapse", []string{"B=1", "B=2"}, map[string]string{"B": "x"}, []string{"B=x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apply(tt.environ, tt.set); !slices.Equal(got, tt.want) {
				t.Errorf("apply = %q, want %q", got, tt.want)
			}
		})
	}
}
