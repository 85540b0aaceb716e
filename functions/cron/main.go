// Command cron is the scheduled caller of the app's cron routes (Lambda,
// provided.al2023, arm64, in the VPC): EventBridge Scheduler invokes it with
// {"path":"/api/cron/<job>"}, and it sends GET APP_URL+path with
// "Authorization: Bearer <CRON_SECRET>", as Vercel Cron did.
//
// Configuration (README.md has the details):
//
//	APP_URL           the app's base URL, https only (https://staging.medbookings.co.za)
//	CRON_SECRET_ARN   secret whose JSON key CRON_SECRET is the bearer token
//	METRIC_NAMESPACE  CloudWatch namespace of the EMF metrics
//	CRON_TIMEOUT      timeout of one run (Go duration, default 60s)
//	QUIET_WINDOWS_UTC daily windows "HH:MM-HH:MM,..." in which no call is made
//	                  (the environment's database is stopped on purpose)
//
// A status other than 2xx, a redirect, or a failed request fails the
// invocation (so Scheduler retries and the Errors metric counts it); every
// run writes one EMF line with CronJobSuccess and CronJobDuration by Job.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Environment variables of the function.
const (
	EnvAppURL          = "APP_URL"
	EnvSecretARN       = "CRON_SECRET_ARN"
	EnvMetricNamespace = "METRIC_NAMESPACE"
	EnvTimeout         = "CRON_TIMEOUT"
	EnvQuietWindows    = "QUIET_WINDOWS_UTC"
)

// DefaultTimeout is the default timeout of one run; keep the function's
// own timeout above it (the run also ends 3 s before the function's).
const DefaultTimeout = 60 * time.Second

// settings is the parsed configuration.
type settings struct {
	baseURL   *url.URL
	secretARN string
	namespace string
	timeout   time.Duration
	quiet     []window
}

// window is a daily time range in minutes after midnight UTC; End before
// Start wraps midnight.
type window struct{ start, end int }

func (w window) contains(t time.Time) bool {
	m := t.UTC().Hour()*60 + t.UTC().Minute()
	if w.start < w.end {
		return m >= w.start && m < w.end
	}
	return m >= w.start || m < w.end
}

func parseWindows(v string) ([]window, error) {
	var out []window
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		var h1, m1, h2, m2 int
		if n, err := fmt.Sscanf(part, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil || n != 4 ||
			h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0 || h1*60+m1 == h2*60+m2 {
			return nil, fmt.Errorf("%s: %q is not HH:MM-HH:MM", EnvQuietWindows, part)
		}
		out = append(out, window{h1*60 + m1, h2*60 + m2})
	}
	return out, nil
}

func parseSettings(getenv func(string) string) (settings, error) {
	var s settings
	var errs []error
	raw := strings.TrimSpace(getenv(EnvAppURL))
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		errs = append(errs, fmt.Errorf("%s is not set", EnvAppURL))
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		errs = append(errs, fmt.Errorf("%s=%q: want https://host[:port] with no path, query or credentials", EnvAppURL, raw))
	default:
		u.Path = ""
		s.baseURL = u
	}
	if s.secretARN = strings.TrimSpace(getenv(EnvSecretARN)); s.secretARN == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvSecretARN))
	}
	if s.namespace = strings.TrimSpace(getenv(EnvMetricNamespace)); s.namespace == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvMetricNamespace))
	}
	s.timeout = DefaultTimeout
	if v := strings.TrimSpace(getenv(EnvTimeout)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 15*time.Minute {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration between 1s and 15m, such as 60s", EnvTimeout, v))
		} else {
			s.timeout = d
		}
	}
	if q, err := parseWindows(getenv(EnvQuietWindows)); err != nil {
		errs = append(errs, err)
	} else {
		s.quiet = q
	}
	return s, errors.Join(errs...)
}

func main() {
	logger := log.New(os.Stderr, "", 0)
	s, err := parseSettings(os.Getenv)
	if err != nil {
		logger.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Fatal(err)
	}
	j := &job{
		baseURL:   s.baseURL,
		client:    newHTTPClient(nil),
		timeout:   s.timeout,
		secret:    &secretCache{api: secretsmanager.NewFromConfig(awsCfg), arn: s.secretARN},
		namespace: s.namespace,
		metrics:   os.Stdout,
		log:       logger,
		now:       time.Now,
		quiet:     s.quiet,
	}
	lambda.Start(j.handle)
}
