package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkStartup measures what the wrapper adds to a cold start: the real
// binary (built like lambdabuild does, for this machine) reads two key/value
// secrets and a database secret from a local fake Secrets Manager and execs
// /bin/true, against /bin/true started directly.
//
//	go test -run '^$' -bench Startup -benchtime 200x ./functions/envwrapper/
func BenchmarkStartup(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("needs /bin/true")
	}
	bin := filepath.Join(b.TempDir(), "env-wrapper")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-tags", "lambda.norpc", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	f, srv := newFake(b)
	f.locked(func() {
		f.secrets[arnApp] = []string{`{"AUTH_SECRET":"a","GOOGLE_CLIENT_SECRET":"b","TWILIO_AUTH_TOKEN":"c"}`}
		f.secrets[arnMail] = []string{`{"SENDGRID_API_KEY":"d"}`}
		f.secrets[arnDB] = []string{dbSecret("medbookings_app", "p@ss")}
	})
	dir := b.TempDir()
	env := []string{
		"PATH=/usr/bin:/bin", "HOME=" + dir, "AWS_CONFIG_FILE=" + filepath.Join(dir, "c"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "k"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=AKIDFAKE", "AWS_SECRET_ACCESS_KEY=x", "AWS_SESSION_TOKEN=y",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + srv.URL,
		EnvSecrets + "=" + arnApp + "," + arnMail, EnvDatabaseSecret + "=" + arnDB, EnvDatabaseURLParams + "=" + params,
	}
	start := func(b *testing.B, args ...string) {
		for b.Loop() {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v: %v\n%s", args, err, out)
			}
		}
	}
	b.Run("direct", func(b *testing.B) { start(b, "/bin/true") })
	b.Run("wrapper", func(b *testing.B) { start(b, bin, "/bin/true") })
	b.Run("wrapper-unconfigured", func(b *testing.B) {
		saved := env
		env = env[:10]
		defer func() { env = saved }()
		start(b, bin, "/bin/true")
	})
}
