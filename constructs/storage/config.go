package storage

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Config is the storage part of one environment's context
// (medbookings.<environment>.storage in cdk.json).
type Config struct {
	// BucketName is the uploads bucket's physical name.
	BucketName string `json:"bucketName"`
	// RemovalPolicy of the buckets on stack delete: "retain" or "destroy"
	// (destroy only succeeds on an emptied bucket: nothing is auto-deleted).
	RemovalPolicy string `json:"removalPolicy"`
	// CorsOrigins may upload and download directly from the browser; each
	// must be https:// and one of the environment's host names.
	CorsOrigins []string `json:"corsOrigins"`
	// NoncurrentVersionExpirationDays deletes replaced or deleted versions after so many days.
	NoncurrentVersionExpirationDays int `json:"noncurrentVersionExpirationDays"`
	// InfrequentAccessAfterDays moves current versions to STANDARD_IA after
	// so many days (0 = never).
	InfrequentAccessAfterDays int `json:"infrequentAccessAfterDays"`
	// AccessLogExpirationDays deletes server access logs after so many days.
	AccessLogExpirationDays int `json:"accessLogExpirationDays"`
}

var (
	bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	ipLikeRE     = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
)

// IsBucketName reports whether S3 would accept name for a general purpose bucket.
func IsBucketName(name string) bool {
	if !bucketNameRE.MatchString(name) || strings.Contains(name, "..") ||
		strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") ||
		strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") {
		return false
	}
	return !ipLikeRE.MatchString(name) // not formatted as an IP address
}

// Validate checks the settings; hosts are the environment's host names, from
// which the allowed CORS origins derive.
func (c Config) Validate(key string, hosts []string, ps *config.Problems) {
	if !IsBucketName(c.BucketName) {
		ps.Add(key+".bucketName", c.BucketName,
			"an S3 bucket name: 3-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit")
	} else if strings.Contains(c.BucketName, ".") {
		// S3 accepts it, but *.s3.<region>.amazonaws.com's certificate does
		// not cover a dotted name: presigned virtual-hosted HTTPS URLs fail.
		ps.Add(key+".bucketName", c.BucketName,
			"a bucket name without '.' (browsers reject the TLS certificate of a dotted bucket's virtual-hosted URL, which presigned uploads use)")
	}
	ps.OneOf(key+".removalPolicy", c.RemovalPolicy, "retain", "destroy")
	allowed := make([]string, len(hosts))
	for i, h := range hosts {
		allowed[i] = "https://" + h
	}
	if len(c.CorsOrigins) == 0 {
		ps.Add(key+".corsOrigins", c.CorsOrigins, "a list of at least one of %s", strings.Join(allowed, ", "))
	}
	seen := map[string]int{}
	for i, o := range c.CorsOrigins {
		k := fmt.Sprintf("%s.corsOrigins[%d]", key, i)
		if first, dup := seen[o]; dup {
			ps.Add(k, o, "an origin not already listed (it repeats corsOrigins[%d])", first)
			continue
		}
		seen[o] = i
		ps.OneOf(k, o, allowed...)
	}
	ps.IntRange(key+".noncurrentVersionExpirationDays", c.NoncurrentVersionExpirationDays, 1, 3650)
	if c.InfrequentAccessAfterDays != 0 {
		// S3 refuses STANDARD_IA transitions earlier than 30 days.
		ps.IntRange(key+".infrequentAccessAfterDays", c.InfrequentAccessAfterDays, 30, 3650)
	}
	ps.IntRange(key+".accessLogExpirationDays", c.AccessLogExpirationDays, 1, 3650)
}
