// Package rdsca embeds the Amazon RDS certificate authorities for eu-west-1
// (the root certificates of the official eu-west-1-bundle.pem), so that code
// connecting to the database verifies the server certificate without
// downloading anything. README.md says where the file came from and how to
// refresh it.
package rdsca

import (
	"crypto/x509"
	_ "embed" // for the bundle
	"sync"
)

// PEM is the eu-west-1 bundle: PEM-encoded CA certificates and nothing else.
//
//go:embed eu-west-1-bundle.pem
var PEM []byte

// LayerPath is where the Lambda layer puts a copy of PEM (for clients that
// need a file, e.g. Prisma's sslcert URL parameter).
const LayerPath = "/opt/medbookings/rds-ca-eu-west-1.pem"

var pool = sync.OnceValue(func() *x509.CertPool {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(PEM) {
		panic("rdsca: embedded eu-west-1-bundle.pem holds no certificate")
	}
	return p
})

// Pool returns a certificate pool holding the certificates of PEM, for
// tls.Config.RootCAs. Each call returns a new copy that the caller may change.
func Pool() *x509.CertPool { return pool().Clone() }
