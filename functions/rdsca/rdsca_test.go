package rdsca

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"
)

// warnBefore is how long before a certificate's expiry the test starts to
// fail, so that the team refreshes the bundle in time (see README.md).
const warnBefore = 180 * 24 * time.Hour

// expected are the certificates that eu-west-1-bundle.pem must hold, in
// order. Update it together with the file (README.md, "Refresh").
var expected = []string{
	"CN=Amazon RDS eu-west-1 Root CA RSA2048 G1,OU=Amazon RDS,O=Amazon Web Services\\, Inc.,L=Seattle,ST=WA,C=US",
	"CN=Amazon RDS eu-west-1 Root CA RSA4096 G1,OU=Amazon RDS,O=Amazon Web Services\\, Inc.,L=Seattle,ST=WA,C=US",
	"CN=Amazon RDS eu-west-1 Root CA ECC384 G1,OU=Amazon RDS,O=Amazon Web Services\\, Inc.,L=Seattle,ST=WA,C=US",
}

// parseStrict decodes a bundle that must hold only CERTIFICATE blocks,
// separated by nothing but white space.
func parseStrict(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for i := 0; ; i++ {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			break
		}
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return nil, fmt.Errorf("block %d: unexpected text %q", i, firstLine(rest))
		}
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("block %d: not valid PEM", i)
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			return nil, fmt.Errorf("block %d: a %q block with %d headers, want a plain CERTIFICATE", i, block.Type, len(block.Headers))
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", i, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// checkValidity fails for a certificate that is not yet valid, has expired or
// expires within warnBefore of now.
func checkValidity(c *x509.Certificate, now time.Time) error {
	switch {
	case now.Before(c.NotBefore):
		return fmt.Errorf("not valid before %s", c.NotBefore.Format(time.DateOnly))
	case now.After(c.NotAfter):
		return fmt.Errorf("EXPIRED on %s: refresh eu-west-1-bundle.pem (README.md)", c.NotAfter.Format(time.DateOnly))
	case c.NotAfter.Sub(now) < warnBefore:
		return fmt.Errorf("expires on %s, in %d days: refresh eu-west-1-bundle.pem before then (README.md)", c.NotAfter.Format(time.DateOnly), int(c.NotAfter.Sub(now).Hours()/24))
	}
	return nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s
}

func TestBundle(t *testing.T) {
	certs, err := parseStrict(PEM)
	if err != nil {
		t.Fatalf("eu-west-1-bundle.pem: %v", err)
	}
	got := make([]string, len(certs))
	for i, c := range certs {
		got[i] = c.Subject.String()
	}
	if strings.Join(got, "\n") != strings.Join(expected, "\n") {
		t.Fatalf("eu-west-1-bundle.pem holds\n  %s\nwant\n  %s\n(update the list in this test together with the file, see README.md)", strings.Join(got, "\n  "), strings.Join(expected, "\n  "))
	}
	now := time.Now()
	pool := Pool()
	for _, c := range certs {
		t.Run(c.Subject.CommonName, func(t *testing.T) {
			if !c.IsCA || !c.BasicConstraintsValid {
				t.Errorf("not a CA certificate")
			}
			if c.KeyUsage&x509.KeyUsageCertSign == 0 {
				t.Errorf("key usage %v lacks certificate signing", c.KeyUsage)
			}
			if !strings.Contains(c.Subject.CommonName, " eu-west-1 ") {
				t.Errorf("subject %q is not for eu-west-1", c.Subject.CommonName)
			}
			if len(c.Subject.OrganizationalUnit) != 1 || c.Subject.OrganizationalUnit[0] != "Amazon RDS" {
				t.Errorf("subject OU %q, want Amazon RDS", c.Subject.OrganizationalUnit)
			}
			if err := checkValidity(c, now); err != nil {
				t.Error(err)
			}
			if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Errorf("does not verify against Pool(): %v", err)
			}
		})
	}
}

func TestParseStrict(t *testing.T) {
	first, _, _ := bytes.Cut(PEM, []byte("-----END CERTIFICATE-----\n"))
	one := append(append([]byte{}, first...), "-----END CERTIFICATE-----\n"...)
	tests := []struct {
		name    string
		data    string
		certs   int
		wantErr string
	}{
		{"bundle", string(PEM), len(expected), ""},
		{"blank lines around", "\n\n" + string(one) + "\r\n\n", 1, ""},
		{"comment before", "# Amazon RDS\n" + string(one), 0, "unexpected text"},
		{"text after", string(one) + "junk\n", 0, "unexpected text"},
		{"private key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0, "want a plain CERTIFICATE"}, // secretscan:allow (a malformed PEM block the parser must refuse)
		{"broken", "-----BEGIN CERTIFICATE-----\nAAAA\n", 0, "not valid PEM"},
		{"not DER", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 0, "block 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := parseStrict([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(certs) != tt.certs {
				t.Fatalf("%d certificates, %v; want %d", len(certs), err, tt.certs)
			}
		})
	}
}

func TestPoolIsACopy(t *testing.T) {
	a, b := Pool(), Pool()
	if !a.Equal(b) {
		t.Fatal("two pools differ")
	}
	a.AddCert(&x509.Certificate{Raw: []byte("x"), RawSubject: []byte("y")})
	if a.Equal(Pool()) {
		t.Fatal("changing a pool changed the next one")
	}
}

func TestCheckValidity(t *testing.T) {
	notBefore := time.Date(2021, 5, 20, 0, 0, 0, 0, time.UTC)
	notAfter := time.Date(2061, 5, 20, 0, 0, 0, 0, time.UTC)
	c := &x509.Certificate{NotBefore: notBefore, NotAfter: notAfter}
	tests := []struct {
		name    string
		now     time.Time
		wantErr string
	}{
		{"valid", notBefore.AddDate(1, 0, 0), ""},
		{"just outside the warning", notAfter.Add(-warnBefore - time.Hour), ""},
		{"expires within 180 days", notAfter.AddDate(0, 0, -100), "in 100 days"},
		{"expired", notAfter.Add(time.Hour), "EXPIRED on 2061-05-20"},
		{"not yet valid", notBefore.Add(-time.Hour), "not valid before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkValidity(c, tt.now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
