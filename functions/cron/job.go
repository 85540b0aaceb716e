package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Input is what EventBridge Scheduler sends (the schedule's target input).
type Input struct {
	// Path is the app route to call, e.g. /api/cron/sync-calendars.
	Path string `json:"path"`
}

// Output is the function's result (visible in the invocation record).
type Output struct {
	Path       string `json:"path"`
	StatusCode int    `json:"statusCode"`
	DurationMS int64  `json:"durationMs"`
	Attempts   int    `json:"attempts"`
	// Skipped is true inside a quiet window.
	Skipped bool `json:"skipped,omitempty"`
}

// pathPattern accepts /api/cron/<segment>[/<segment>...] with segments of
// letters, digits, '-' and '_': no "..", no query, no fragment, no
// percent-encoding, no trailing slash.
var pathPattern = regexp.MustCompile(`^/api/cron(/[A-Za-z0-9][A-Za-z0-9_-]*)+$`)

// maxPathLen bounds a path (and so the metric dimension's value).
const maxPathLen = 200

// parseInput decodes and validates the scheduler's input.
func parseInput(raw json.RawMessage) (Input, error) {
	var in Input
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&in); err != nil {
		return Input{}, fmt.Errorf(`input must be {"path":"/api/cron/<job>"}: %v`, err)
	}
	if len(in.Path) > maxPathLen || !pathPattern.MatchString(in.Path) {
		return Input{}, fmt.Errorf("path %q refused: want /api/cron/<job> (letters, digits, - and _ only; no .., query or trailing slash)", truncate(in.Path, 80))
	}
	return in, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// secretsAPI is the part of the Secrets Manager client the function uses.
type secretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// secretKey is the JSON key of the cron secret.
const secretKey = "CRON_SECRET"

// secretCache holds CRON_SECRET for the life of the execution environment.
type secretCache struct {
	api secretsAPI
	arn string

	mu    sync.Mutex
	value string
}

// get returns the cached secret, reading it first when there is none or
// when refresh is set.
func (s *secretCache) get(ctx context.Context, refresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.value != "" && !refresh {
		return s.value, nil
	}
	out, err := s.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.arn)})
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", s.arn, err)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &fields); err != nil {
		return "", fmt.Errorf("secret %s is not a JSON object", s.arn)
	}
	v, _ := fields[secretKey].(string)
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return "", fmt.Errorf("secret %s: %s is missing, empty, or holds spaces or control characters", s.arn, secretKey)
	}
	s.value = v
	return v, nil
}

// userAgent names the caller; it contains Vercel's "vercel-cron/1.0" so that
// a route that recognises Vercel's scheduler by its user agent still does.
const userAgent = "vercel-cron/1.0 (medbookings-scheduler)"

// job calls the app's cron routes.
type job struct {
	baseURL   *url.URL
	client    *http.Client
	timeout   time.Duration
	secret    *secretCache
	namespace string
	metrics   io.Writer   // EMF lines (stdout in Lambda)
	log       *log.Logger // diagnostics (stderr in Lambda)
	now       func() time.Time
	quiet     []window
}

// newHTTPClient returns a client that follows no redirects, trusting roots
// (nil: the system's).
func newHTTPClient(roots *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// handle is the Lambda handler.
func (j *job) handle(ctx context.Context, raw json.RawMessage) (Output, error) {
	in, err := parseInput(raw)
	if err != nil {
		j.log.Print(err)
		return Output{}, err
	}
	for _, w := range j.quiet {
		if w.contains(j.now()) {
			// The site is down on purpose (its database is stopped): no
			// call, no metric, no error.
			j.log.Printf("%s: skipped, inside the quiet window %02d:%02d-%02d:%02d UTC", in.Path, w.start/60, w.start%60, w.end/60, w.end%60)
			return Output{Path: in.Path, Skipped: true}, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, j.callTimeout(ctx))
	defer cancel()

	start := j.now()
	out := Output{Path: in.Path}
	err = j.run(ctx, in.Path, &out)
	out.DurationMS = j.now().Sub(start).Milliseconds()
	j.emit(out, err)
	if err != nil {
		return out, fmt.Errorf("GET %s: %w", in.Path, err)
	}
	return out, nil
}

// safetyMargin is kept from the function's own deadline so that the metric
// is written and the error returned before Lambda stops the function.
const safetyMargin = 3 * time.Second

// callTimeout is the configured timeout, shortened to end safetyMargin
// before the invocation's deadline.
func (j *job) callTimeout(ctx context.Context) time.Duration {
	t := j.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(j.now()) - safetyMargin; left < t {
			t = max(left, time.Second)
		}
	}
	return t
}

// errUnauthorized is a 401 answer: the secret may have changed.
var errUnauthorized = errors.New("status 401 Unauthorized")

// run makes the call, and once more with a re-read secret after a 401.
func (j *job) run(ctx context.Context, path string, out *Output) error {
	secret, err := j.secret.get(ctx, false)
	if err != nil {
		return err
	}
	out.Attempts++
	out.StatusCode, err = j.call(ctx, path, secret)
	if !errors.Is(err, errUnauthorized) {
		return err
	}
	fresh, rerr := j.secret.get(ctx, true)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w, and re-reading the secret failed: %w", err, rerr)
	case fresh == secret:
		return fmt.Errorf("%w (%s is unchanged: does the app have the same value?)", err, secretKey)
	}
	j.log.Printf("%s: status 401; %s has changed, calling again with the new value", path, secretKey)
	out.Attempts++
	out.StatusCode, err = j.call(ctx, path, fresh)
	return err
}

// call makes one GET and returns its status; it fails for a status other
// than 2xx (a redirect is a failure), and the response body is discarded.
func (j *job) call(ctx context.Context, path, secret string) (int, error) {
	u := *j.baseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("User-Agent", userAgent)
	resp, err := j.client.Do(req)
	if err != nil {
		return 0, scrub(err, secret)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, fmt.Errorf("status %d: a redirect (to %q) is a failure: fix APP_URL or the route", resp.StatusCode, truncate(resp.Header.Get("Location"), 200))
	case resp.StatusCode == http.StatusUnauthorized:
		return resp.StatusCode, errUnauthorized
	default:
		return resp.StatusCode, fmt.Errorf("status %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
}

// scrub makes sure an error message cannot carry the secret.
func scrub(err error, secret string) error {
	if secret != "" && strings.Contains(err.Error(), secret) {
		return errors.New(strings.ReplaceAll(err.Error(), secret, "[redacted]"))
	}
	return err
}
