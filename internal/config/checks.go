package config

import (
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// OneOf checks that value is one of allowed.
func (ps *Problems) OneOf(key, value string, allowed ...string) bool {
	if slices.Contains(allowed, value) {
		return true
	}
	ps.Add(key, value, "one of %s", strings.Join(allowed, ", "))
	return false
}

// IntRange checks min <= value <= max.
func (ps *Problems) IntRange(key string, value, min, max int) bool {
	if value >= min && value <= max {
		return true
	}
	ps.Add(key, value, "a whole number from %d to %d", min, max)
	return false
}

// FloatRange checks min <= value <= max.
func (ps *Problems) FloatRange(key string, value, min, max float64) bool {
	if value >= min && value <= max {
		return true
	}
	ps.Add(key, value, "a number from %g to %g", min, max)
	return false
}

// NonEmpty checks that a string is not blank.
func (ps *Problems) NonEmpty(key, value, what string) bool {
	if strings.TrimSpace(value) != "" {
		return true
	}
	ps.Add(key, value, "%s (not empty)", what)
	return false
}

// Email checks a plain address such as ops@example.com (no display name).
func (ps *Problems) Email(key, value string) bool {
	if IsEmail(value) {
		return true
	}
	ps.Add(key, value, "an e-mail address such as ops@example.com")
	return false
}

// IsEmail reports whether value is a bare e-mail address with a domain.
func IsEmail(value string) bool {
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || a.Name != "" {
		return false
	}
	_, domain, ok := strings.Cut(value, "@")
	return ok && IsDomain(domain)
}

var labelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// IsDomain reports whether value is a lower-case DNS name with at least two
// labels, e.g. medbookings.co.za.
func IsDomain(value string) bool {
	if len(value) == 0 || len(value) > 253 {
		return false
	}
	labels := strings.Split(value, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !labelRE.MatchString(l) {
			return false
		}
	}
	// the top-level label is never all digits
	_, err := strconv.Atoi(labels[len(labels)-1])
	return err != nil
}

// Domain checks a DNS name.
func (ps *Problems) Domain(key, value string) bool {
	if IsDomain(value) {
		return true
	}
	ps.Add(key, value, "a lower-case domain name such as medbookings.co.za")
	return false
}

// HostIn checks that host is domain itself or a name under it.
func (ps *Problems) HostIn(key, host, domain string) bool {
	if !ps.Domain(key, host) {
		return false
	}
	if host == domain || strings.HasSuffix(host, "."+domain) {
		return true
	}
	ps.Add(key, host, "%s or a host name under it", domain)
	return false
}

// CIDR checks an IPv4 or IPv6 network in canonical CIDR form (the address is
// the network address: 10.0.0.0/8, not 10.1.2.3/8).
func (ps *Problems) CIDR(key, value string) bool {
	p, err := netip.ParsePrefix(value)
	if err != nil {
		ps.Add(key, value, "a CIDR range such as 203.0.113.0/24")
		return false
	}
	if p.Masked() != p {
		ps.Add(key, value, "a CIDR range whose address is the network address (%s)", p.Masked())
		return false
	}
	return true
}

// ClockTime is a time of day in minutes after midnight.
type ClockTime int

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

var hhmmRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

// ParseClock parses HH:MM (24-hour).
func ParseClock(s string) (ClockTime, bool) {
	m := hhmmRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return ClockTime(h*60 + mi), true
}

// Clock checks an HH:MM time of day.
func (ps *Problems) Clock(key, value string) (ClockTime, bool) {
	c, ok := ParseClock(value)
	if !ok {
		ps.Add(key, value, "a time of day as HH:MM (24-hour, UTC)")
	}
	return c, ok
}
