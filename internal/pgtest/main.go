package pgtest

import (
	"fmt"
	"os"
	"testing"
)

// Main is the TestMain of a package whose tests share one server: it
// starts the server with opts into *srv, runs setup on it (when not nil),
// runs the tests, stops the server and exits with the tests' code. A server
// that does not start or set up fails the whole package (exit 1).
func Main(m *testing.M, opts Options, srv **Server, setup func(*Server) error) {
	os.Exit(run(m, opts, srv, setup))
}

func run(m *testing.M, opts Options, srv **Server, setup func(*Server) error) int {
	s, err := Start(opts)
	*srv = s
	if err == nil && setup != nil {
		err = setup(s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = s.Stop()
		return 1
	}
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return code
}

// RDS is a setup for Main: the server as a new RDS instance is (see
// BootstrapRDS).
func RDS(master, password, database string) func(*Server) error {
	return func(s *Server) error { return s.BootstrapRDS(master, password, database) }
}
