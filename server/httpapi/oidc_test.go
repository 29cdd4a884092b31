package httpapi

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/oidc"
	"github.com/lokaal-nl/lokaal/server/oidc/oidctest"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

// ssoEnv is the whole server on a real listener, with single sign-on
// through a zitadel OP started for the test: the OP redirects the browser
// to our callback, so it must be reachable by URL.
type ssoEnv struct {
	url, callback string
	op            *oidctest.Provider
	raw           *sql.DB
	logs          *bytes.Buffer
}

func newSSOEnv(t *testing.T) *ssoEnv {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	e := &ssoEnv{url: srv.URL, callback: srv.URL + "/auth/oidc/callback", logs: &bytes.Buffer{}}
	e.op = oidctest.Start(t, e.callback)
	// Only the admin entitlement maps: the OP's second user is known to it
	// but has no role in lokaal.
	login, err := oidc.New(context.Background(), oidc.Config{Issuer: e.op.Issuer, ClientID: oidctest.ClientID,
		ClientSecret: oidctest.ClientSecret, RedirectURL: e.callback, RoleClaim: oidctest.EntitlementClaim,
		Roles: map[string]server.Role{oidctest.AdminEntitlement: server.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "lokaal.db")
	h = testServer(t, slog.New(slog.NewTextHandler(e.logs, nil)), Deps{Store: openDB(t, sqlite.Open, dbPath), Now: func() time.Time { return t0 },
		OIDC: login})
	e.raw = openRaw(t, dbPath)
	return e
}

func (e *ssoEnv) get(t *testing.T, b *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, body := oidctest.Get(t, b, url)
	return res, string(body)
}

// lastAccess is the newest access-log entry; who is "kind:who".
func (e *ssoEnv) lastAccess(t *testing.T) (who, action, subject, reason string) {
	t.Helper()
	err := e.raw.QueryRow("SELECT actor_kind || ':' || who, action, subject, reason FROM access_log ORDER BY seq DESC LIMIT 1").Scan(&who, &action, &subject, &reason)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestOIDCLogin(t *testing.T) {
	e := newSSOEnv(t)
	b := oidctest.Browser(e.callback)
	cb := oidctest.Authorize(t, b, e.url+"/auth/oidc/login", e.op.User, oidctest.Password)
	res, page := e.get(t, b, cb.String())
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `<meta http-equiv="refresh" content="0;url=/admin">`) ||
		strings.Contains(page, "<script") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("callback %d %v: %s", res.StatusCode, res.Header, page)
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || session.SameSite != http.SameSiteStrictMode || !session.HttpOnly {
		t.Fatalf("session cookie %v", session)
	}

	// The browser now holds a staff session with the mapped role.
	res, body := e.get(t, b, e.url+"/api/v1/me")
	var m me
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &m) != nil ||
		m.Name != oidctest.Email || m.Role != server.RoleAdmin || m.CSRF == "" {
		t.Fatalf("me: %d %s", res.StatusCode, body)
	}
	if who, action, _, reason := e.lastAccess(t); who != "staff:"+oidctest.Email || action != server.ActionLogin || reason != "via oidc" {
		t.Errorf("access log: %s %s %s", who, action, reason)
	}

	// The callback works once.
	res, page = e.get(t, b, cb.String())
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "no login in progress") {
		t.Errorf("replayed callback %d: %s", res.StatusCode, page)
	}
	if who, action, subject, reason := e.lastAccess(t); who != "anonymous:" || action != server.ActionLoginFailed ||
		subject != "single sign-on" || reason != "via oidc: no login in progress" {
		t.Errorf("access log: %s %s %s %s", who, action, subject, reason)
	}

	// Neither the server's log nor the access log holds the code, the state
	// or a token.
	var all strings.Builder
	rows, err := e.raw.Query("SELECT who || action || subject || reason FROM access_log")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		all.WriteString(s)
	}
	rows.Close()
	all.WriteString(e.logs.String())
	for _, secret := range []string{cb.Query().Get("code"), cb.Query().Get("state"), "eyJ"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("%q is logged", secret)
		}
	}
}

func TestOIDCRefused(t *testing.T) {
	e := newSSOEnv(t)
	b := oidctest.Browser(e.callback)
	cb := oidctest.Authorize(t, b, e.url+"/auth/oidc/login", oidctest.User2, oidctest.Password)
	res, page := e.get(t, b, cb.String())
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "no role in lokaal") || !strings.Contains(page, `href="/login"`) {
		t.Fatalf("callback %d: %s", res.StatusCode, page)
	}
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			t.Errorf("a refused login got a session cookie")
		}
	}
	if res, _ := e.get(t, b, e.url+"/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("me after a refused login: %d", res.StatusCode)
	}
	if who, action, subject, reason := e.lastAccess(t); who != "anonymous:" || action != server.ActionLoginFailed ||
		subject != "user "+oidctest.Email2 || reason != "via oidc: no role" {
		t.Errorf("access log: %s %s %s %s", who, action, subject, reason)
	}
	if users := countRows(t, e.raw, "users"); users != 0 {
		t.Errorf("a refused login created %d users", users)
	}
}

func TestOIDCCallbackLimited(t *testing.T) {
	e := newSSOEnv(t)
	for i := range oidcFailuresBurst + 1 {
		res, _ := e.get(t, http.DefaultClient, e.callback+"?state=x&code=y")
		want := http.StatusBadRequest
		if i == oidcFailuresBurst {
			want = http.StatusTooManyRequests
		}
		if res.StatusCode != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, res.StatusCode, want)
		}
	}
	if n := countRows(t, e.raw, "access_log WHERE action = ?", server.ActionLoginFailed); n != oidcFailuresBurst {
		t.Errorf("%d failed logins logged, want %d", n, oidcFailuresBurst)
	}
}

func TestOIDCNotConfigured(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/auth/oidc/login", "/auth/oidc/callback?state=x&code=y"} {
		wantError(t, e.do("GET", path, nil, false), http.StatusNotFound, codeNotFound)
	}
}
