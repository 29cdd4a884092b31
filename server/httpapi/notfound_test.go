package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// An unknown page is the site's HTML 404, an unknown API path a JSON
// error, and a known path with another method still 405.
func TestNotFound(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/nope", "/admin/exams/x", "/exam/"} {
		w := e.do("GET", path, nil, false)
		wantStatus(t, w, http.StatusNotFound)
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(w.Body.String(), "Page not found") ||
			!strings.Contains(w.Body.String(), "/assets/style.") {
			t.Errorf("GET %s: %s %q, want the 404 page in the site's style", path, ct, w.Body.String())
		}
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: the 404 page lost the security headers", path)
		}
	}
	for _, method := range []string{"GET", "POST"} {
		w := e.do(method, "/api/v1/nope", nil, true)
		wantError(t, w, http.StatusNotFound, codeNotFound)
		if msg := decodeJSON[wire.Error](t, w).Message; !strings.Contains(msg, "/api/v1/nope") {
			t.Errorf("%s /api/v1/nope: %q", method, msg)
		}
	}
	if w := e.do("POST", "/healthz", nil, false); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %d, want 405", w.Code)
	}
	// Without a 404 page in static/ (the Worker), still HTML.
	h := NewServer(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Store: nil})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/nope", nil))
	if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(w.Body.String(), "Page not found") {
		t.Errorf("without static/404.html: %d %q", w.Code, w.Body.String())
	}
}
