// Package lambdabuild builds the Go programs under functions/ into Lambda
// asset folders (linux/arm64, static, reproducible), for the constructs that
// deploy them.
//
// A build is skipped when its inputs are unchanged: the output folder is
// named after a digest of everything that can change the binary (every file
// under functions/, go.mod, go.sum, the Go version and the build flags), so a
// synthesis after the first one only hashes a few files. Builds are also
// reproducible (-trimpath, no VCS stamp, empty build ID), so a rebuild of
// unchanged code gives identical bytes and `cdk diff` shows no change.
package lambdabuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/modroot"
)

// Layout says where the binary goes inside the asset folder.
type Layout struct {
	// Binary is the binary's path inside the folder: "bootstrap" for a
	// provided.al2023 function (the default), or for example
	// "medbookings/env-wrapper" for a layer (mounted at /opt).
	Binary string
	// Files are more files to put into the folder, by path inside it.
	Files map[string][]byte
}

// Bundle is one built asset folder.
type Bundle struct {
	// Dir is the asset folder (Code gives it to Lambda).
	Dir string
	// SHA256 is the hex digest of the binary.
	SHA256 string
	// AssetHash is the digest of the folder's content (the binary and the
	// layout's files), known without reading the folder again.
	AssetHash string
}

// Code is the bundle as Lambda code or layer content. Its asset hash is
// the bundle's own, so CDK does not fingerprint the folder (a 10-20 MB
// binary per function) on every synthesis.
func (b Bundle) Code() awslambda.AssetCode {
	return awslambda.Code_FromAsset(jsii.String(b.Dir), &awss3assets.AssetOptions{
		AssetHash:     jsii.String(b.AssetHash),
		AssetHashType: awscdk.AssetHashType_CUSTOM,
	})
}

// assetHash is the digest of a folder made of a binary (by its digest) and
// the layout's files.
func assetHash(binarySHA256 string, layout Layout) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", layout.Binary, binarySHA256)
	extra := make([]string, 0, len(layout.Files))
	for p := range layout.Files {
		extra = append(extra, p)
	}
	sort.Strings(extra)
	for _, p := range extra {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(layout.Files[p]))
		h.Write(layout.Files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

var (
	mu    sync.Mutex
	cache = map[string]Bundle{}
)

// buildFlags are part of the input digest: changing them rebuilds.
var buildFlags = []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-tags", "lambda.norpc"}

// Build builds functions/<name> (a main package) with the given layout, once
// per process, and returns its folder under <module root>/.build/.
func Build(name string, layout Layout) (Bundle, error) {
	if layout.Binary == "" {
		layout.Binary = "bootstrap"
	}
	key := name + "\x00" + layout.Binary
	mu.Lock()
	defer mu.Unlock()
	if b, ok := cache[key]; ok {
		return b, nil
	}
	b, err := build(name, layout, false)
	if err != nil {
		return Bundle{}, err
	}
	cache[key] = b
	return b, nil
}

// MustBuild is Build for construct code, which reports a failed build
// (a compile error in functions/) by panicking, as every synthesis error.
func MustBuild(name string, layout Layout) Bundle {
	b, err := Build(name, layout)
	if err != nil {
		panic(err)
	}
	return b
}

// Rebuild builds again, ignoring both caches (for the reproducibility test).
func Rebuild(name string, layout Layout) (Bundle, error) {
	if layout.Binary == "" {
		layout.Binary = "bootstrap"
	}
	return build(name, layout, true)
}

func build(name string, layout Layout, force bool) (Bundle, error) {
	root, err := modroot.Dir()
	if err != nil {
		return Bundle{}, err
	}
	src := filepath.Join(root, "functions", name)
	if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
		return Bundle{}, fmt.Errorf("lambdabuild: functions/%s has no main.go: %w", name, err)
	}
	digest, err := inputDigest(root, layout)
	if err != nil {
		return Bundle{}, err
	}
	out := filepath.Join(root, ".build")
	dir := filepath.Join(out, name+"-"+digest[:16])
	bin := filepath.Join(dir, filepath.FromSlash(layout.Binary))
	if !force {
		if sum, err := fileSHA256(bin); err == nil {
			return Bundle{Dir: dir, SHA256: sum, AssetHash: assetHash(sum, layout)}, nil
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return Bundle{}, err
	}
	tmp, err := os.MkdirTemp(out, name+"-build-")
	if err != nil {
		return Bundle{}, err
	}
	defer os.RemoveAll(tmp)
	tmpBin := filepath.Join(tmp, filepath.FromSlash(layout.Binary))
	args := append(append([]string{}, buildFlags...), "-o", tmpBin, ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "GOFLAGS=-mod=readonly")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return Bundle{}, fmt.Errorf("lambdabuild: go build of functions/%s failed: %v\n%s", name, err, msg)
	}
	for p, content := range layout.Files {
		f := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return Bundle{}, err
		}
		if err := os.WriteFile(f, content, 0o644); err != nil {
			return Bundle{}, err
		}
	}
	sum, err := fileSHA256(tmpBin)
	if err != nil {
		return Bundle{}, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Bundle{}, err
	}
	if force {
		_ = os.RemoveAll(dir)
	}
	// Another process may build the same inputs at the same time: the rename
	// of a complete folder is atomic, and losing the race is fine.
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(bin); statErr != nil {
			return Bundle{}, err
		}
	}
	pruneOlder(out, name, dir)
	return Bundle{Dir: dir, SHA256: sum, AssetHash: assetHash(sum, layout)}, nil
}

// pruneOlder removes the earlier builds of function name (.build/<name>-<16
// hex digits>) but keep, once they are an hour old: each change of the
// functions' code leaves one behind, and a synthesis running at the same
// time on other inputs has long read its own.
func pruneOlder(out, name, keep string) {
	olds, _ := filepath.Glob(filepath.Join(out, name+"-"+strings.Repeat("[0-9a-f]", 16)))
	for _, old := range olds {
		if info, err := os.Stat(old); err == nil && old != keep && time.Since(info.ModTime()) > time.Hour {
			_ = os.RemoveAll(old)
		}
	}
}

// inputDigest hashes everything that can change a build's output.
func inputDigest(root string, layout Layout) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", runtime.Version(), strings.Join(buildFlags, " "), layout.Binary)
	files := []string{"go.mod", "go.sum"}
	err := filepath.WalkDir(filepath.Join(root, "functions"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && !strings.HasSuffix(p, "_test.go") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		content, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(f), len(content))
		h.Write(content)
	}
	extra := make([]string, 0, len(layout.Files))
	for p := range layout.Files {
		extra = append(extra, p)
	}
	sort.Strings(extra)
	for _, p := range extra {
		fmt.Fprintf(h, "extra:%s\x00%d\x00", p, len(layout.Files[p]))
		h.Write(layout.Files[p])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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
