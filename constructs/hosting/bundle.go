package hosting

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestFile is written by scripts/build-app.sh into the bundle folder.
const ManifestFile = "medbookings-bundle.json"

// Manifest says what a bundle was built from and for.
type Manifest struct {
	// Environment the bundle was built for: its NEXT_PUBLIC_* values are
	// baked in, so a staging bundle must never reach production.
	Environment string `json:"environment"`
	// Commit is the app's commit (NEXT_PUBLIC_APP_VERSION).
	Commit string `json:"commit"`
	// OpenNext is the @opennextjs/aws version that built it.
	OpenNext string `json:"openNext"`
}

// Bundle is an app build that the construct deploys: OpenNext's output
// (.open-next/) and the app's Prisma migrations, as scripts/build-app.sh
// lays them out.
type Bundle struct {
	Dir      string
	Manifest Manifest
	// ServerDir and ImageDir are the server and image-optimization function
	// code; AssetsDir the static files (served from S3 under _assets/);
	// CacheDir the prerendered cache (under _cache/).
	ServerDir, ImageDir, AssetsDir, CacheDir string
	// AssetPatterns are the CloudFront path patterns OpenNext routes to the
	// static files (each top-level entry of the assets folder).
	AssetPatterns []string
	// MigrationsDir holds prisma/migrations (<name>/migration.sql and
	// migration_lock.toml); "" when the app has none.
	MigrationsDir string
}

// openNextOutput is the part of .open-next/open-next.output.json we read.
type openNextOutput struct {
	EdgeFunctions map[string]json.RawMessage `json:"edgeFunctions"`
	Origins       struct {
		S3 struct {
			Type       string `json:"type"`
			OriginPath string `json:"originPath"`
			Copy       []struct {
				From   string `json:"from"`
				To     string `json:"to"`
				Cached bool   `json:"cached"`
			} `json:"copy"`
		} `json:"s3"`
		ImageOptimizer openNextFunction `json:"imageOptimizer"`
		Default        openNextFunction `json:"default"`
	} `json:"origins"`
	Behaviors []struct {
		Pattern string `json:"pattern"`
		Origin  string `json:"origin"`
	} `json:"behaviors"`
}

type openNextFunction struct {
	Type             string `json:"type"`
	Handler          string `json:"handler"`
	Bundle           string `json:"bundle"`
	Streaming        bool   `json:"streaming"`
	Wrapper          string `json:"wrapper"`
	Converter        string `json:"converter"`
	ImageLoader      string `json:"imageLoader"`
	Queue            string `json:"queue"`
	IncrementalCache string `json:"incrementalCache"`
	TagCache         string `json:"tagCache"`
}

// MaxAssetBehaviors bounds the cache behaviors for static files: CloudFront
// allows 25 per distribution and the server and image need the others.
const MaxAssetBehaviors = 20

// ReadBundle reads and checks the bundle in dir, built for environment. Every
// problem is reported, naming what the app's OpenNext configuration must
// change.
func ReadBundle(dir, environment string) (*Bundle, error) {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	b := &Bundle{Dir: dir}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s is not an app bundle written by scripts/build-app.sh (%v)", dir, err)
	}
	if err := json.Unmarshal(raw, &b.Manifest); err != nil {
		return nil, fmt.Errorf("%s: %v", ManifestFile, err)
	}
	if b.Manifest.Environment != environment {
		fail("the bundle was built for %q, not %q: its NEXT_PUBLIC_* values belong to that environment (build it again with scripts/build-app.sh for %s)",
			b.Manifest.Environment, environment, environment)
	}
	raw, err = os.ReadFile(filepath.Join(dir, ".open-next", "open-next.output.json"))
	if err != nil {
		return nil, errors.Join(append(errs, fmt.Errorf("no OpenNext output: %v", err))...)
	}
	var out openNextOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("open-next.output.json: %v", err)
	}
	path := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	exists := func(what, p string) string {
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			fail("%s: %s is missing", what, p)
		}
		return p
	}

	if len(out.EdgeFunctions) > 0 {
		fail("the OpenNext output has edge functions (middleware or routes on Lambda@Edge); deploy them inside the server function (the default)")
	}
	d := out.Origins.Default
	checkFunction("server (origins.default)", d, fail)
	if !slices.Contains([]string{"dummy", "direct"}, d.Queue) {
		fail(`server: queue %q needs an SQS queue and a revalidation function this stack does not create; set override.queue to "dummy" in open-next.config.ts`, d.Queue)
	}
	if d.TagCache != "dummy" {
		fail(`server: tagCache %q needs a DynamoDB table this stack does not create; set override.tagCache to "dummy" in open-next.config.ts`, d.TagCache)
	}
	if !slices.Contains([]string{"s3", "s3-lite"}, d.IncrementalCache) {
		fail(`server: incrementalCache %q; the stack provides S3 (set override.incrementalCache to "s3-lite" or leave the default "s3")`, d.IncrementalCache)
	}
	b.ServerDir = exists("server", path(d.Bundle))
	img := out.Origins.ImageOptimizer
	checkFunction("image optimizer (origins.imageOptimizer)", img, fail)
	if !slices.Contains([]string{"s3", "s3-lite"}, img.ImageLoader) {
		fail("image optimizer: imageLoader %q; the stack serves source images from S3 (s3 or s3-lite)", img.ImageLoader)
	}
	b.ImageDir = exists("image optimizer", path(img.Bundle))
	if b.ImageDir != "" {
		// OpenNext's default install of sharp 0.32.6 fails without GitHub and
		// still exits 0: check that the arm64 build of sharp is there.
		if _, err := os.Stat(filepath.Join(b.ImageDir, "node_modules", "@img", "sharp-linux-arm64")); err != nil {
			fail("image optimizer: node_modules/@img/sharp-linux-arm64 is missing (set imageOptimization.install in open-next.config.ts to sharp 0.33 for linux arm64; see docs/app-changes.md)")
		}
	}
	for _, c := range out.Origins.S3.Copy {
		switch c.To {
		case "_assets":
			b.AssetsDir = exists("static files", path(c.From))
		case "_cache":
			b.CacheDir = exists("prerendered cache", path(c.From))
		}
	}
	if b.AssetsDir == "" {
		fail("the OpenNext output copies no static files to _assets")
	}
	if out.Origins.S3.OriginPath != "_assets" {
		fail("origins.s3.originPath is %q, expected _assets", out.Origins.S3.OriginPath)
	}
	for _, beh := range out.Behaviors {
		switch {
		case beh.Origin == "s3":
			b.AssetPatterns = append(b.AssetPatterns, beh.Pattern)
		case beh.Pattern == "_next/image*" && beh.Origin == "imageOptimizer":
		case beh.Origin == "default":
		default:
			fail("behavior %s -> %s is not one this stack routes", beh.Pattern, beh.Origin)
		}
	}
	if len(b.AssetPatterns) > MaxAssetBehaviors {
		fail("%d top-level entries in public/ and _next need %d CloudFront behaviors; at most %d fit: move public files into folders",
			len(b.AssetPatterns), len(b.AssetPatterns), MaxAssetBehaviors)
	}
	if st, err := os.Stat(filepath.Join(dir, "migrations")); err == nil && st.IsDir() {
		b.MigrationsDir = filepath.Join(dir, "migrations")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return b, nil
}

func checkFunction(what string, f openNextFunction, fail func(string, ...any)) {
	if f.Type != "function" || f.Handler != "index.handler" {
		fail("%s: a function with handler index.handler expected, got type %q handler %q", what, f.Type, f.Handler)
	}
	if f.Streaming || f.Wrapper != "aws-lambda" {
		fail("%s: the stack runs buffered Lambda function URLs; set the wrapper to aws-lambda (got %q, streaming %v)", what, f.Wrapper, f.Streaming)
	}
	if f.Converter != "aws-apigw-v2" {
		fail("%s: converter %q; a function URL sends API Gateway v2 events (aws-apigw-v2)", what, f.Converter)
	}
	if strings.TrimSpace(f.Bundle) == "" {
		fail("%s: no bundle folder", what)
	}
}
