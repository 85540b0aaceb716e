package cdktest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	bundleMu sync.Mutex
	bundles  = map[string]string{}
)

// TestAppBundle is the bundle of testdata/nextapp built for environment by
// scripts/build-app.sh with OpenNext, as the deploy workflow builds the real
// app: in .build/testapp-<environment>-<digest of its sources>, built on the
// first call when missing (about a minute with npm's cache warm; .ci/run
// builds it before the tests).
func TestAppBundle(t testing.TB, environment string) string {
	t.Helper()
	bundleMu.Lock()
	defer bundleMu.Unlock()
	if dir, ok := bundles[environment]; ok {
		return dir
	}
	dir, err := TestAppBundleDir(environment)
	if err != nil {
		t.Fatal(err)
	}
	if err := buildOnce(dir, environment); err != nil {
		t.Fatal(err)
	}
	bundles[environment] = dir
	return dir
}

// TestAppBundleDir is where TestAppBundle keeps the bundle of environment.
func TestAppBundleDir(environment string) (string, error) {
	h := sha256.New()
	src := filepath.Join(RepoRoot(), "testdata", "nextapp")
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (name == "node_modules" || name == ".next" || name == ".open-next") {
			return filepath.SkipDir
		}
		if !d.IsDir() && name != "next-env.d.ts" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	files = append(files, filepath.Join(RepoRoot(), "scripts", "build-app.sh"))
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		h.Write([]byte(strings.TrimPrefix(f, RepoRoot()) + "\x00"))
		h.Write(b)
	}
	return filepath.Join(RepoRoot(), ".build", "testapp-"+environment+"-"+hex.EncodeToString(h.Sum(nil))[:12]), nil
}

// buildOnce builds the bundle into dir unless it is there, holding a lock
// file so that test binaries running side by side (go test ./...) build it
// once and never run npm in the app at the same time.
func buildOnce(dir, environment string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(filepath.Dir(dir), "testapp.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if _, err := os.Stat(filepath.Join(dir, "medbookings-bundle.json")); err == nil {
		return nil
	}
	tmp := dir + ".tmp"
	_ = os.RemoveAll(tmp)
	cmd := exec.Command("bash", filepath.Join(RepoRoot(), "scripts", "build-app.sh"),
		filepath.Join(RepoRoot(), "testdata", "nextapp"), environment, tmp)
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the test app with scripts/build-app.sh: %v\n%s", err, out)
	}
	return os.Rename(tmp, dir)
}
