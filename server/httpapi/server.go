// Package httpapi is lokaal's HTTP transport: the JSON API, the pages, and
// the headers that keep a browser from doing more than the pages need.
package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/assets"
)

// Deps is what the server needs from outside.
type Deps struct {
	Logger *slog.Logger
	Store  server.Store
	Assets *assets.Set
	// AdminTokenHash is the SHA-256 of the admin token; the token itself is
	// never kept.
	AdminTokenHash []byte
	// Now and Location are the clock and the time zone whose midnight starts
	// a 1d bucket; nil means time.Now and time.Local.
	Now      func() time.Time
	Location *time.Location
}

// NewServer returns the whole HTTP service.
func NewServer(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Location == nil {
		d.Location = time.Local
	}
	mux := http.NewServeMux()
	addRoutes(mux, d)
	var h http.Handler = mux
	h = securityHeaders(h)
	h = logRequests(d.Logger, h)
	return h
}

// csp allows the pages their own scripts and the kiosk its WebAssembly, and
// nothing else: no inline script or style, no other origin, no framing.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		// Only the counting screen may ask for the camera.
		if r.URL.Path == "/kiosk" {
			h.Set("Permissions-Policy", "camera=(self), microphone=()")
		} else {
			h.Set("Permissions-Policy", "camera=(), microphone=()")
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// logRequests logs method, path and status only: queries may carry
// identifiers and bodies carry counts, neither belongs in a log.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", time.Since(start).Milliseconds())
	})
}
