// Package cascades finds pigo's cascade files for native tools and tests.
// The cascades are binary and stay out of the repository: they are read from
// the Go module cache, or from $LOKAAL_PIGO_CASCADES when set. It lives on the
// server side because it shells out to the go command, which the browser
// build must not carry.
package cascades

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// PigoVersion is the pigo release whose cascades CascadeDir looks for; it
// must match go.mod (a test checks).
const PigoVersion = "v1.4.6"

// Dir returns the directory holding pigo's facefinder and puploc.
func Dir() (string, error) {
	if dir := os.Getenv("LOKAAL_PIGO_CASCADES"); dir != "" {
		return dir, checkDir(dir)
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("cascades: locating pigo's cascades needs the go command (%v); set LOKAAL_PIGO_CASCADES to the cascade directory", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "github.com", "esimov", "pigo@"+PigoVersion, "cascade")
	if err := checkDir(dir); err != nil {
		return "", fmt.Errorf("%w (run `go mod download github.com/esimov/pigo` or set LOKAAL_PIGO_CASCADES)", err)
	}
	return dir, nil
}

func checkDir(dir string) error {
	for _, name := range []string{"facefinder", "puploc"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("cascades: pigo cascade %s not found in %s", name, dir)
		}
	}
	return nil
}

// Read returns the face and pupil cascades from dir.
func Read(dir string) (face, pupil []byte, err error) {
	face, err1 := os.ReadFile(filepath.Join(dir, "facefinder"))
	pupil, err2 := os.ReadFile(filepath.Join(dir, "puploc"))
	if err := errors.Join(err1, err2); err != nil {
		return nil, nil, fmt.Errorf("cascades: %w", err)
	}
	return face, pupil, nil
}
