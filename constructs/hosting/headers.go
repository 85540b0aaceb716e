package hosting

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Header is one HTTP response header.
type Header struct{ Key, Value string }

// AppHeaders are the security headers the app itself sends from
// next.config.mjs on every response of the server. CloudFront adds the same
// values to the responses that do not come from the server (static files,
// public images, redirects) and never overrides the server's: one value per
// header, whichever layer answers.
var AppHeaders = []Header{
	{"X-DNS-Prefetch-Control", "on"},
	{"Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"},
	{"X-Frame-Options", "SAMEORIGIN"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "origin-when-cross-origin"},
	{"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
}

// ContentSecurityPolicy is the policy CloudFront adds where a response has
// none (the app sends none today; if it starts to, its own wins). It lets
// the app work — its own origin, Google sign-in (a form post to
// accounts.google.com), Google Maps, Google profile pictures, Sentry, and
// presigned transfers to and from the uploads bucket — and nothing more.
// frame-ancestors 'self' says what the app's X-Frame-Options SAMEORIGIN
// says.
func ContentSecurityPolicy(uploadsOrigin, sentryOrigin string, extra map[string][]string) string {
	const mapsAPI, mapsStatic = "https://maps.googleapis.com", "https://maps.gstatic.com"
	d := map[string][]string{
		"default-src": {"'self'"},
		// Next.js 14 inlines its bootstrap scripts; without a nonce
		// middleware they need 'unsafe-inline'.
		"script-src":  {"'self'", "'unsafe-inline'", mapsAPI},
		"style-src":   {"'self'", "'unsafe-inline'"},
		"img-src":     {"'self'", "data:", "blob:", mapsAPI, mapsStatic, "https://lh3.googleusercontent.com", uploadsOrigin},
		"font-src":    {"'self'", "data:"},
		"connect-src": {"'self'", mapsAPI, uploadsOrigin},
		"worker-src":  {"'self'", "blob:"},
		"form-action": {"'self'", "https://accounts.google.com"},
	}
	if sentryOrigin != "" {
		d["connect-src"] = append(d["connect-src"], sentryOrigin)
	}
	for _, dir := range slices.Sorted(maps.Keys(extra)) {
		d[dir] = append(d[dir], extra[dir]...)
	}
	order := []string{"default-src", "script-src", "style-src", "img-src", "font-src", "connect-src", "media-src", "frame-src", "worker-src", "form-action"}
	var parts []string
	for _, dir := range order {
		if v, ok := d[dir]; ok {
			parts = append(parts, dir+" "+strings.Join(v, " "))
		}
	}
	parts = append(parts, "object-src 'none'", "base-uri 'self'", "frame-ancestors 'self'", "upgrade-insecure-requests")
	return strings.Join(parts, "; ")
}

// responseHeaders is the distribution's response headers policy: the
// app's headers and the CSP, each added only where the response lacks it
// (Override false), so that the server's own value always wins.
func responseHeaders(scope constructs.Construct, id, name, csp string) awscloudfront.ResponseHeadersPolicy {
	value := func(k string) string {
		i := slices.IndexFunc(AppHeaders, func(h Header) bool { return h.Key == k })
		return AppHeaders[i].Value
	}
	keep := jsii.Bool(false)
	return awscloudfront.NewResponseHeadersPolicy(scope, jsii.String(id), &awscloudfront.ResponseHeadersPolicyProps{
		ResponseHeadersPolicyName: jsii.String(name),
		Comment:                   jsii.String("The app's security headers where a response lacks them (never overriding the app's)"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Seconds(jsii.Number(63072000)),
				IncludeSubdomains:   jsii.Bool(true), Preload: jsii.Bool(true), Override: keep,
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: keep},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_SAMEORIGIN, Override: keep,
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_ORIGIN_WHEN_CROSS_ORIGIN, Override: keep,
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(csp), Override: keep,
			},
		},
		CustomHeadersBehavior: &awscloudfront.ResponseCustomHeadersBehavior{
			CustomHeaders: &[]*awscloudfront.ResponseCustomHeader{
				{Header: jsii.String("Permissions-Policy"), Value: jsii.String(value("Permissions-Policy")), Override: keep},
				{Header: jsii.String("X-DNS-Prefetch-Control"), Value: jsii.String(value("X-DNS-Prefetch-Control")), Override: keep},
			},
		},
	})
}
