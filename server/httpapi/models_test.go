package httpapi

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestModelVersions: /transparency names the versions the build really
// converts, as package-lock.json and go.mod pin them.
func TestModelVersions(t *testing.T) {
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	b, err := os.ReadFile("../../package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range Models {
		if strings.HasPrefix(m.Package, "@") {
			if got := lock.Packages["node_modules/"+m.Package].Version; got != m.Version {
				t.Errorf("%s: package-lock.json pins %s %q, Models says %q", name, m.Package, got, m.Version)
			}
		} else if !strings.Contains(string(mod), m.Package+" "+m.Version) {
			t.Errorf("%s: go.mod does not require %s %s", name, m.Package, m.Version)
		}
		if m.License == "" || m.Path == "" || m.What.EN == "" || m.What.NL == "" {
			t.Errorf("%s: incomplete %+v", name, m)
		}
	}
}
