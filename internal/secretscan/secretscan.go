// Package secretscan finds things that look like secrets in synthesized
// templates and in the repository's files. A template may name a secret
// (an ARN, a Ref, a {{resolve:secretsmanager:...}} dynamic reference), never
// hold one.
package secretscan

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Finding is one suspicious value and where it was found.
type Finding struct {
	Where, Why string
}

func (f Finding) String() string { return f.Where + ": " + f.Why }

// tokenPatterns are the shapes of credentials the app and its providers use.
var tokenPatterns = []struct {
	name string
	re   *regexp.Regexp
}{
	{"AWS access key ID", regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"AWS secret access key", regexp.MustCompile(`(?i)aws_?secret_?access_?key["'\s:=]+[A-Za-z0-9/+=]{40}`)},
	{"private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{40,})\b`)},
	{"SendGrid API key", regexp.MustCompile(`\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b`)},
	{"Twilio API key", regexp.MustCompile(`\bSK[0-9a-fA-F]{32}\b`)},
	{googleAPIKey, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	{"Google OAuth client secret", regexp.MustCompile(`\bGOCSPX-[A-Za-z0-9_-]{20,}`)},
	{"Firecrawl API key", regexp.MustCompile(`\bfc-[0-9a-f]{32}\b`)},
	{"Slack token", regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}\b`)},
	{"JSON web token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b`)},
	{"connection string with a password", regexp.MustCompile(`(?i)\b(postgres(ql)?|mysql|redis)://[^:/\s"']+:[^$<{@/\s"'][^@/\s"']*@`)},
}

// secretNameRE matches property or variable names that hold credentials.
var secretNameRE = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|private_?key|access_?key|credential)`)

// referenceRE matches values that point at a secret instead of holding one.
var referenceRE = regexp.MustCompile(`^(\{\{resolve:(secretsmanager|ssm|ssm-secure):[^}]+\}\}|arn:aws[a-z-]*:[a-z0-9-]+:.*)$`)

// PublicKeyContext names where a Google API key is public by design: the
// Maps JavaScript key that Next.js inlines into the browser bundle
// (NEXT_PUBLIC_GOOGLE_MAPS_API_KEY, set from cdk.json's googleMapsApiKey).
// Such a key is protected by its HTTP-referrer and API restrictions in
// Google Cloud, not by secrecy; anywhere else a Google API key is a finding.
var PublicKeyContext = regexp.MustCompile(`NEXT_PUBLIC_GOOGLE_MAPS_API_KEY|googleMapsApiKey`)

const googleAPIKey = "Google API key"

// AllowMarker on a line says that what looks like a credential there is
// not one (a test's fake password, a documented placeholder); the line must
// say why.
const AllowMarker = "secretscan:allow"

// ScanText reports every credential-shaped string in text, line by line,
// except on lines marked with AllowMarker.
func ScanText(where, text string) []Finding {
	var out []Finding
	for i, line := range strings.Split(text, "\n") {
		if strings.Contains(line, AllowMarker) {
			continue
		}
		public := PublicKeyContext.MatchString(line)
		for _, p := range tokenPatterns {
			if p.name == googleAPIKey && public {
				continue
			}
			if m := p.re.FindString(line); m != "" {
				at := where
				if strings.Contains(text, "\n") {
					at = fmt.Sprintf("%s:%d", where, i+1)
				}
				out = append(out, Finding{Where: at, Why: fmt.Sprintf("looks like a %s (%s…)", p.name, redact(m))})
			}
		}
	}
	return out
}

// ScanTemplate walks a CloudFormation template (as decoded JSON) and reports
// credential-shaped strings anywhere, and literal values under keys (or
// Name/Value pairs) whose name says they hold a credential.
func ScanTemplate(where string, template any) []Finding {
	var out []Finding
	walk(where, "", template, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func walk(path, key string, v any, out *[]Finding) {
	switch x := v.(type) {
	case map[string]any:
		// {"Name": "DB_PASSWORD", "Value": "..."} pairs (environment variables)
		if name, ok := x["Name"].(string); ok {
			if val, ok := x["Value"].(string); ok {
				if isLiteralSecret(name, val) {
					*out = append(*out, Finding{Where: path, Why: fmt.Sprintf("variable %s holds a literal value (%s…)", name, redact(val))})
				}
				// scanned with its name, so that the public Maps key is known as such
				*out = append(*out, ScanText(path+".Value", name+"="+val)...)
				for _, k := range slices.Sorted(maps.Keys(x)) {
					if k != "Value" {
						walk(path+"."+k, k, x[k], out)
					}
				}
				return
			}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walk(path+"."+k, k, x[k], out)
		}
	case []any:
		for i, e := range x {
			walk(fmt.Sprintf("%s[%d]", path, i), key, e, out)
		}
	case string:
		*out = append(*out, ScanText(path, x)...)
		if isLiteralSecret(key, x) {
			*out = append(*out, Finding{Where: path, Why: fmt.Sprintf("%s holds a literal value (%s…)", key, redact(x))})
		}
	}
}

// isLiteralSecret reports whether a value under a credential-like name is a
// literal rather than a reference. Names of things (…SecretName, …SecretArn,
// …TokenSecretName) and boolean-like or empty values are not secrets.
func isLiteralSecret(name, value string) bool {
	if !secretNameRE.MatchString(name) || value == "" || strings.ContainsAny(name, ":.") {
		return false // IAM condition keys (token.actions.githubusercontent.com:sub) are not variables
	}
	if strings.HasPrefix(name, "NEXT_PUBLIC_") {
		return false // Next.js inlines these into the browser bundle: public by definition
	}
	lower := strings.ToLower(name)
	for _, suffix := range []string{"arn", "name", "id", "ids", "type", "length", "policy", "key_id", "keyid", "enabled", "rotation", "template", "characters", "encryption", "generation"} {
		if strings.HasSuffix(lower, suffix) {
			return false
		}
	}
	switch strings.ToLower(value) {
	case "true", "false", "enabled", "disabled", "required", "optional":
		return false
	}
	return !referenceRE.MatchString(value)
}

func redact(s string) string {
	if len(s) > 4 {
		return s[:4]
	}
	return s
}
