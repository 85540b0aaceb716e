package database

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// Bundle is the built custom-resource function (constructs/database/userfn).
type Bundle struct {
	// Dir holds only the executable "bootstrap" (the Lambda asset).
	Dir string
	// SHA256 is the hex digest of bootstrap.
	SHA256 string
}

var (
	bundleOnce sync.Once
	bundle     Bundle
	bundleErr  error
)

// BuildBundle builds userfn for Lambda (linux/arm64, static, reproducible:
// -trimpath, no VCS stamp, empty build ID, so unchanged code gives identical
// bytes and `cdk diff` shows no change). It builds once per process and
// keeps the result in <module root>/.build/userfn-<sha256>/.
func BuildBundle() (Bundle, error) {
	bundleOnce.Do(func() { bundle, bundleErr = buildBundle() })
	return bundle, bundleErr
}

// RebuildBundle builds again, bypassing the per-process cache (for the
// reproducibility test).
func RebuildBundle() (Bundle, error) { return buildBundle() }

func buildBundle() (Bundle, error) {
	src, root, err := sourceDirs()
	if err != nil {
		return Bundle{}, err
	}
	out := filepath.Join(root, ".build")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return Bundle{}, err
	}
	tmp, err := os.MkdirTemp(out, "userfn-build-")
	if err != nil {
		return Bundle{}, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "GOFLAGS=-mod=readonly")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return Bundle{}, fmt.Errorf("database: go build of the roles custom resource (%s) failed: %v\n%s", src, err, msg)
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		return Bundle{}, err
	}
	dir := filepath.Join(out, "userfn-"+sum[:16])
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
		// Another process may build the same bytes at the same time: the
		// rename of a complete directory is atomic, and losing it is fine.
		if err := os.Chmod(tmp, 0o755); err != nil {
			return Bundle{}, err
		}
		if err := os.Rename(tmp, dir); err != nil {
			if _, statErr := os.Stat(filepath.Join(dir, "bootstrap")); statErr != nil {
				return Bundle{}, err
			}
		}
	}
	return Bundle{Dir: dir, SHA256: sum}, nil
}

// sourceDirs finds userfn's source and the module root: next to this file
// when the app was built with full paths (go run, go test), else below the
// go.mod found above the working directory.
func sourceDirs() (src, root string, err error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		src = filepath.Join(filepath.Dir(file), "userfn")
		root = filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if _, err := os.Stat(filepath.Join(src, "main.go")); err == nil {
			return src, root, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "constructs", "database", "userfn"), dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", fmt.Errorf("database: cannot find constructs/database/userfn (no go.mod above %s)", dir)
		}
		dir = parent
	}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
