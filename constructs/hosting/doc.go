// Package hosting is the MedBookings hosting construct: one AWS Amplify
// Hosting app per environment for the Next.js 14 SSR app (platform
// WEB_COMPUTE), its branch, domain association, build specification,
// security headers, service and compute roles, the app secret, and the
// domain's mail records. NewHosting builds it; Config holds the settings it
// takes from context. See docs/hosting.md.
package hosting
