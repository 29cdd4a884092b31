package httpapi

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sentCodes finds every error code the server's code can send: string
// constants named code… or Code… in this package and in wasm/wire, and
// string literals in a wire.Error{Code: "…"}.
func sentCodes(t *testing.T) map[string]string {
	t.Helper()
	codes := map[string]string{}
	for _, dir := range []string{".", "../../wasm/wire"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, name := range n.Names {
						if i < len(n.Values) && (strings.HasPrefix(name.Name, "code") || strings.HasPrefix(name.Name, "Code")) {
							if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								v, _ := strconv.Unquote(lit.Value)
								codes[v] = f + ": " + name.Name
							}
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
						if lit, ok := n.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							v, _ := strconv.Unquote(lit.Value)
							codes[v] = f + ": a literal"
						}
					}
				}
				return true
			})
		}
	}
	return codes
}

// TestErrorCodesDocumented: the codes the server sends, the error table
// and openapi.json's Error.code agree exactly.
func TestErrorCodesDocumented(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Components struct {
			Schemas struct {
				Error struct {
					Properties struct {
						Code struct {
							Enum []string `json:"enum"`
						} `json:"code"`
					} `json:"properties"`
				} `json:"Error"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(e.do("GET", "/api/openapi.json", nil, false).Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	enum := doc.Components.Schemas.Error.Properties.Code.Enum
	for code, where := range sentCodes(t) {
		if _, ok := statusOf[code]; !ok {
			t.Errorf("%q (%s) is not in the error table statusOf", code, where)
		}
		if !slices.Contains(enum, code) {
			t.Errorf("%q (%s) is not in openapi.json's Error.code", code, where)
		}
	}
	for code := range statusOf {
		if !slices.Contains(enum, code) {
			t.Errorf("%q of the error table is not in openapi.json's Error.code", code)
		}
	}
	for _, code := range enum {
		if _, ok := statusOf[code]; !ok {
			t.Errorf("openapi.json's Error.code lists %q, which the error table does not", code)
		}
	}
}

// TestOpenAPIStatuses: what every operation can answer by the layers
// in front of its handler is documented: 413 for every write (limitBody
// runs on each route), 429 where a limiter runs (every operation with a
// credential, and the public ones that count refusals), 401 and 403 for
// staff operations (no credential; the wrong role or no CSRF token), 415
// for every JSON body (decode's Content-Type check runs before the body is
// read), 503 wherever the store may be too busy.
func TestOpenAPIStatuses(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Roles       []string `json:"x-roles"`
			RequestBody struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"requestBody"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(e.do("GET", "/api/openapi.json", nil, false).Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	limitedPublic := map[string]bool{"post /auth/login": true, "post /api/v1/enrol": true, "get /auth/oidc/callback": true}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			name := method + " " + path
			want := []string{}
			if method != "get" {
				want = append(want, strconv.Itoa(http.StatusRequestEntityTooLarge))
			}
			public := slices.Equal(op.Roles, []string{"public"})
			if !public || limitedPublic[name] {
				want = append(want, "429")
			}
			if slices.Contains(op.Roles, "admin") || slices.Contains(op.Roles, "reviewer") {
				want = append(want, "401", "403")
			}
			if _, ok := op.RequestBody.Content["application/json"]; ok {
				want = append(want, strconv.Itoa(http.StatusUnsupportedMediaType))
			}
			// Every write, and every check of a credential, goes to the
			// store, which answers 503 overloaded when it is too busy.
			if method != "get" || !public {
				want = append(want, "503")
			}
			for _, status := range want {
				if _, ok := op.Responses[status]; !ok {
					t.Errorf("%s: %s is not documented", name, status)
				}
			}
		}
	}
}
