// Package httpapi is lokaal's HTTP transport: the JSON API, the pages, and
// the headers that keep a browser from doing more than the pages need.
package httpapi

import (
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"strings"
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
	// AuditKey signs the access log's head (GET /api/v1/audit/head). It is
	// kept out of the database, so that whoever can rewrite the database
	// cannot sign a rewritten head; nil answers 503 there.
	AuditKey ed25519.PrivateKey
	// Now and Location are the clock and the server's one time zone
	// (server.Zone): a 1d bucket starts at its midnight, timelines and
	// pages show times in it. nil means time.Now and server.Zone("").
	Now      func() time.Time
	Location *time.Location
	// FrameOrigins are the https origins (https://host[:port]) whose exam
	// pages /exam may frame; an exam's url must be on this server or on
	// one of them.
	FrameOrigins []string
	// Objection tells students where to object to proctoring. Empty sends
	// the pages an empty contact, which they show as the exam committee in
	// the reader's language (wasm/lang tr.objectDefault): a default written
	// here could only be in one language.
	Objection string
	// OIDC is the institution's single sign-on for staff; nil when only
	// local accounts are configured.
	OIDC OIDCLogin
	// SecureCookies marks session cookies Secure even when TLS ends in front
	// of the server (a proxy); direct TLS requests always get Secure.
	SecureCookies bool
	// Builds are client builds (hex SHA-256 of a wasm) accepted besides the
	// ones this server serves, e.g. the previous release during a rollout.
	Builds []string
	// Served names the hash of each client file ("kiosk.wasm", "exam.wasm")
	// when Assets does not hold them: on Workers, static assets serve them.
	Served map[string]string
	// Revision is the source revision the server and its client were built
	// from, shown on /transparency.
	Revision string

	// limits is the rate limiters' state (limits.go), made by NewServer:
	// one per server, in memory.
	limits *limits
}

// OIDCLogin is an OpenID Connect authorisation code flow with PKCE.
type OIDCLogin interface {
	// Begin redirects the browser to the provider.
	Begin(w http.ResponseWriter, r *http.Request)
	// Finish checks the provider's answer on the callback and returns who
	// logged in, with the role their claims map to.
	Finish(w http.ResponseWriter, r *http.Request) (name string, role server.Role, err error)
}

// NewServer returns the whole HTTP service.
func NewServer(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Location == nil {
		if d.Location, _ = server.Zone(""); d.Location == nil {
			d.Location = time.UTC
		}
	}
	d.limits = newLimits(d.Now)
	mux := http.NewServeMux()
	addRoutes(mux, d)
	var h http.Handler = mux
	var page404 http.Handler = http.HandlerFunc(serveFallback404)
	if d.Assets.HasPage("404.html") {
		page404 = d.Assets.Page("404.html")
	}
	h = unmatched(page404, h)
	h = drainBodies(h)
	h = securityHeaders(d.FrameOrigins, h)
	h = logRequests(d.Logger, h)
	return h
}

// csp allows the pages their own scripts and the kiosk its WebAssembly, and
// nothing else: no inline script or style, no other origin, no framing.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// securityHeaders sets today's strict headers on every answer, pages, API
// and errors alike, with three exceptions: the kiosk may use the camera, the
// exam page camera, microphone and full screen and frame the exam itself
// (this server or frameOrigins), and the sample exam may be framed by this
// origin's pages. Any other page (/login, /transparency, ...) gets no
// device and no framing by default.
func securityHeaders(frameOrigins []string, next http.Handler) http.Handler {
	examCSP := csp + "; frame-src 'self'"
	for _, o := range frameOrigins {
		examCSP += " " + o
	}
	sampleCSP := strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors 'self'", 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Content-Security-Policy", csp)
		h.Set("Permissions-Policy", "camera=(), microphone=()")
		if r.TLS != nil { // served over TLS directly: browsers keep to it
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		switch r.URL.Path {
		case "/kiosk": // the counting screen
			h.Set("Permissions-Policy", "camera=(self), microphone=()")
		case "/exam":
			h.Set("Permissions-Policy", "camera=(self), microphone=(self), fullscreen=(self)")
			h.Set("Content-Security-Policy", examCSP)
		case "/sample-exam":
			h.Set("Content-Security-Policy", sampleCSP)
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

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// logRequests logs method, route and status only. The route is the pattern
// that matched ("GET /api/v1/review/sessions/{id}"), never the path: ids in
// paths are pseudonymous, which is still personal data (GDPR recital 26),
// and who looked at which session belongs in the access log, not here. A
// path no route matches is not logged either (it could hold anything, a
// pasted token included), nor are queries, bodies, addresses or headers.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := r.Pattern // set by the mux as it routed
		if route == "" {
			route = "(no route)"
		}
		log.Info("request", "method", r.Method, "route", route, "status", rec.status, "ms", time.Since(start).Milliseconds())
	})
}
