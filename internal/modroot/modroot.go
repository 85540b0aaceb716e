// Package modroot finds this module's root folder (where go.mod and
// cdk.json are), for the code that builds functions at synthesis, the test
// harness and the test PostgreSQL.
package modroot

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

var (
	once sync.Once
	dir  string
	err  error
)

// Dir is the folder of this module's go.mod: two levels above this file
// when the program was built with full paths (go run, go test), else the
// first go.mod above the working directory.
func Dir() (string, error) {
	once.Do(func() {
		if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
			d := filepath.Dir(filepath.Dir(filepath.Dir(file)))
			if _, statErr := os.Stat(filepath.Join(d, "go.mod")); statErr == nil {
				dir = d
				return
			}
		}
		d, wdErr := os.Getwd()
		if wdErr != nil {
			err = wdErr
			return
		}
		for {
			if _, statErr := os.Stat(filepath.Join(d, "go.mod")); statErr == nil {
				dir = d
				return
			}
			parent := filepath.Dir(d)
			if parent == d {
				err = fmt.Errorf("no go.mod above %s", d)
				return
			}
			d = parent
		}
	})
	return dir, err
}
