package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

type recorder []string

func (r *recorder) Handle(pattern string, _ http.Handler) { *r = append(*r, pattern) }

// TestOpenAPIComplete checks that openapi.json lists exactly the routes the
// server registers.
func TestOpenAPIComplete(t *testing.T) {
	e := newEnv(t)
	var routes recorder
	addRoutes(&routes, Deps{})

	var registered []string
	for _, p := range routes {
		method, path, _ := strings.Cut(p, " ")
		registered = append(registered, strings.ToLower(method)+" "+strings.TrimSuffix(path, "{$}"))
	}

	w := e.do("GET", "/api/openapi.json", nil, false)
	wantStatus(t, w, http.StatusOK)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	if !slices.Equal(registered, documented) {
		t.Errorf("registered routes\n%s\ndocumented\n%s", strings.Join(registered, "\n"), strings.Join(documented, "\n"))
	}
}
