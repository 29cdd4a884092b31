package httpapi

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/password"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

const rootPassword = "root password 123"

// login posts name and password from addr and returns the answer.
func (e *env) login(addr, name, pw string) *httptest.ResponseRecorder {
	e.t.Helper()
	js, _ := json.Marshal(map[string]string{"name": name, "password": pw})
	r := httptest.NewRequest("POST", "/auth/login", strings.NewReader(string(js)))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = addr + ":5000"
	return serve(e.h, r)
}

// withCookie sends a request carrying the session cookie and, when csrf is
// set, the CSRF header.
func (e *env) withCookie(cookie *http.Cookie, csrf, method, path, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if cookie != nil {
		r.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	if csrf != "" {
		r.Header.Set(csrfHeader, csrf)
	}
	return serve(e.h, r)
}

func sessionCookieOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", sessionCookie, w.Header())
	return nil
}

func (e *env) addUser(name string, role server.Role, pw string) server.User {
	e.t.Helper()
	w := e.do("POST", "/api/v1/users", map[string]string{"name": name, "role": string(role), "password": pw}, true)
	wantStatus(e.t, w, http.StatusCreated)
	return decodeJSON[struct{ User server.User }](e.t, w).User
}

// TestLoginCycle: log in, read, change with the CSRF token, log out.
func TestLoginCycle(t *testing.T) {
	e := newEnv(t)
	e.addUser("root", server.RoleAdmin, rootPassword)

	w := e.login("192.0.2.1", "Root", rootPassword) // names are case-insensitive
	wantStatus(t, w, http.StatusOK)
	got := decodeJSON[me](t, w)
	if got.Name != "root" || got.Role != server.RoleAdmin || len(got.CSRF) != 64 {
		t.Fatalf("login answered %+v", got)
	}
	c := sessionCookieOf(t, w)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || len(c.Value) != 64 ||
		c.MaxAge != int(server.LoginAbsolute/time.Second) {
		t.Errorf("cookie %+v", c)
	}
	if n := countRows(t, e.raw, "staff_sessions WHERE id_hash = ?", c.Value); n != 0 {
		t.Errorf("the session id itself is stored (%d)", n)
	}

	// Reads need the cookie only.
	wantStatus(t, e.withCookie(c, "", "GET", "/api/v1/exams", ""), http.StatusOK)
	m := decodeJSON[me](t, e.withCookie(c, "", "GET", "/api/v1/me", ""))
	if m != got {
		t.Errorf("/api/v1/me = %+v, login said %+v", m, got)
	}
	// A change needs the token too.
	body := `{"name":"rev","role":"reviewer","password":"reviewer password"}`
	wantError(t, e.withCookie(c, "", "POST", "/api/v1/users", body), http.StatusForbidden, codeCSRF)
	wantError(t, e.withCookie(c, strings.Repeat("0", 64), "POST", "/api/v1/users", body), http.StatusForbidden, codeCSRF)
	wantStatus(t, e.withCookie(c, got.CSRF, "POST", "/api/v1/users", body), http.StatusCreated)

	// A reviewer's session: staff routes yes, admin routes no.
	wr := e.login("192.0.2.2", "rev", "reviewer password")
	wantStatus(t, wr, http.StatusOK)
	rc := sessionCookieOf(t, wr)
	wantStatus(t, e.withCookie(rc, "", "GET", "/api/v1/review/exams", ""), http.StatusOK)
	wantError(t, e.withCookie(rc, "", "GET", "/api/v1/exams", ""), http.StatusForbidden, codeForbidden)

	// Logout needs the token, ends the session and clears the cookie.
	wantError(t, e.withCookie(c, "", "POST", "/auth/logout", ""), http.StatusForbidden, codeCSRF)
	out := e.withCookie(c, got.CSRF, "POST", "/auth/logout", "")
	wantStatus(t, out, http.StatusNoContent)
	if cleared := sessionCookieOf(t, out); cleared.Value != "" || cleared.MaxAge >= 0 {
		t.Errorf("logout cookie %+v", cleared)
	}
	wantError(t, e.withCookie(c, got.CSRF, "GET", "/api/v1/me", ""), http.StatusUnauthorized, codeUnauthorized)
	wantError(t, e.withCookie(c, got.CSRF, "GET", "/api/v1/exams", ""), http.StatusUnauthorized, codeUnauthorized)
	// The reviewer's session is still there.
	wantStatus(t, e.withCookie(rc, "", "GET", "/api/v1/me", ""), http.StatusOK)
	// Logging in from a browser that holds a session replaces that session.
	r := httptest.NewRequest("POST", "/auth/login", strings.NewReader(`{"name":"root","password":"`+rootPassword+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.AddCookie(&http.Cookie{Name: rc.Name, Value: rc.Value})
	again := serve(e.h, r)
	wantStatus(t, again, http.StatusOK)
	wantStatus(t, e.withCookie(rc, "", "GET", "/api/v1/me", ""), http.StatusUnauthorized)
	wantStatus(t, e.withCookie(sessionCookieOf(t, again), "", "GET", "/api/v1/me", ""), http.StatusOK)

	var actions []string
	for _, a := range e.accessLog() {
		actions = append(actions, string(a.Kind)+" "+a.Who+": "+a.Action)
	}
	want := "admin_token admin token: create user|staff root: login|staff root: create user|staff rev: login|staff root: logout|staff root: login|staff rev: logout"
	if strings.Join(actions, "|") != want {
		t.Errorf("access log\n%s\nwant\n%s", strings.Join(actions, "|"), want)
	}
	for _, a := range e.accessLog() {
		if strings.Contains(a.Subject+a.Reason, "password 1") || strings.Contains(a.Subject+a.Reason, "reviewer password") {
			t.Errorf("a password in the access log: %+v", a)
		}
	}
}

// TestSessionExpiry: idle for an hour or eight hours after login, the
// cookie no longer works.
func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	e.addUser("root", server.RoleAdmin, rootPassword)
	c := sessionCookieOf(t, e.login("192.0.2.1", "root", rootPassword))
	for range 8 { // used every 59 minutes: alive until the eighth hour
		e.now = e.now.Add(59 * time.Minute)
		wantStatus(t, e.withCookie(c, "", "GET", "/api/v1/me", ""), http.StatusOK)
	}
	e.now = t0.Add(server.LoginAbsolute)
	wantStatus(t, e.withCookie(c, "", "GET", "/api/v1/me", ""), http.StatusUnauthorized)

	c = sessionCookieOf(t, e.login("192.0.2.1", "root", rootPassword))
	e.now = e.now.Add(server.LoginIdle - time.Millisecond)
	wantStatus(t, e.withCookie(c, "", "GET", "/api/v1/me", ""), http.StatusOK)
	e.now = e.now.Add(server.LoginIdle)
	wantStatus(t, e.withCookie(c, "", "GET", "/api/v1/me", ""), http.StatusUnauthorized)
}

// TestLoginRefusals: an unknown name, a wrong password, a disabled account
// and a single-sign-on account without password all get the same answer,
// and each is logged by name.
func TestLoginRefusals(t *testing.T) {
	e := newEnv(t)
	e.addUser("root", server.RoleAdmin, rootPassword)
	gone := e.addUser("gone", server.RoleReviewer, "gone password 1")
	live := sessionCookieOf(t, e.login("192.0.2.9", "gone", "gone password 1"))
	wantStatus(t, e.do("DELETE", "/api/v1/users/"+gone.ID, nil, true), http.StatusOK)
	// Disabling ended the session that was open.
	wantStatus(t, e.withCookie(live, "", "GET", "/api/v1/me", ""), http.StatusUnauthorized)

	for i, c := range []struct{ name, pw string }{
		{"nobody", rootPassword}, {"root", rootPassword + "x"}, {"gone", "gone password 1"},
	} {
		w := e.login("192.0.2."+string(rune('1'+i)), c.name, c.pw)
		wantError(t, w, http.StatusUnauthorized, codeBadLogin)
		if w.Body.String() != `{"code":"bad_login","message":"wrong name or password"}`+"\n" {
			t.Errorf("%s: %s", c.name, w.Body.String())
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("%s: cookie set", c.name)
		}
	}
	log := e.accessLog()
	for i, name := range []string{"nobody", "root", "gone"} {
		a := log[len(log)-3+i]
		// The typed name is the subject; the actor is no one.
		if a.Kind != server.ActorAnonymous || a.Who != "" || a.Subject != "user "+name || a.Action != server.ActionLoginFailed {
			t.Errorf("entry %+v, want a failed login of %s", a, name)
		}
	}
	// Malformed and cross-origin attempts are refused before any check.
	r := httptest.NewRequest("POST", "/auth/login", strings.NewReader(`{"name":"root","password":"`+rootPassword+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Origin", "https://evil.example")
	wantError(t, serve(e.h, r), http.StatusForbidden, codeCSRF)
	wantError(t, e.do("POST", "/auth/login", `{"name":"root"}`, false), http.StatusBadRequest, "invalid")
	wantError(t, e.do("POST", "/auth/login", `{"name":"root","password":"x","extra":1}`, false), http.StatusBadRequest, "malformed")
}

// TestLoginTiming: an unknown name, a disabled account and a wrong
// password each cost one argon2id verification of a hash with the same
// parameters, so the answer time does not tell which names exist.
func TestLoginTiming(t *testing.T) {
	e := newEnv(t)
	e.addUser("root", server.RoleAdmin, rootPassword)
	off := e.addUser("off", server.RoleAdmin, rootPassword)
	wantStatus(t, e.do("DELETE", "/api/v1/users/"+off.ID, nil, true), http.StatusOK)
	var hashes []string
	verifyPassword = func(pw, hash string) (bool, error) {
		hashes = append(hashes, hash)
		return password.Verify(pw, hash)
	}
	t.Cleanup(func() { verifyPassword = password.Verify })
	for i, name := range []string{"root", "nobody", "off"} {
		wantStatus(t, e.login("198.51.100."+string(rune('1'+i)), name, "wrong password"), http.StatusUnauthorized)
	}
	if len(hashes) != 3 {
		t.Fatalf("%d verifications for 3 attempts", len(hashes))
	}
	for _, h := range hashes {
		p, _, _, err := password.Parse(h)
		if err != nil || p != password.Default {
			t.Errorf("verified against %q: %+v %v", h, p, err)
		}
	}
	// A wall-clock check as well, loose enough for a loaded machine: an
	// unknown name that skipped the hash would answer 100 times faster.
	elapsed := func(name string) time.Duration {
		best := time.Hour
		for i := range 3 {
			start := time.Now()
			e.login("198.51.100."+string(rune('5'+i)), name, "wrong password")
			best = min(best, time.Since(start))
		}
		return best
	}
	if known, unknown := elapsed("root"), elapsed("nobody2"); unknown < known/10 {
		t.Errorf("wrong password %v, unknown name %v", known, unknown)
	}
}

// TestLoginRateLimit: 5 attempts a minute per account and address, then
// 429 with Retry-After; the clock refills them. Wrong passwords from one
// address never stop the right one from another, nor, past the address's
// failure budget, the right one from the same address.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	e.addUser("root", server.RoleAdmin, rootPassword)
	for range loginPerAccountPerMinute {
		wantStatus(t, e.login("203.0.113.1", "root", "wrong password"), http.StatusUnauthorized)
	}
	w := e.login("203.0.113.1", "ROOT", rootPassword)
	wantError(t, w, http.StatusTooManyRequests, codeRateLimited)
	if w.Header().Get("Retry-After") != "12" {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	for range 95 { // a hundred in all, none of them hashed past the fifth
		wantError(t, e.login("203.0.113.1", "root", "wrong password"), http.StatusTooManyRequests, codeRateLimited)
	}
	// The account holder elsewhere is not locked out.
	n := len(e.accessLog())
	wantStatus(t, e.login("203.0.113.99", "root", rootPassword), http.StatusOK)
	if len(e.accessLog()) != n+1 {
		t.Error("rate-limited attempts were logged, or the login was not")
	}
	e.now = e.now.Add(13 * time.Second) // 12 s refills 0.99999… of a token
	wantStatus(t, e.login("203.0.113.1", "root", rootPassword), http.StatusOK)

	// Per address, across names: past 20 refusals a minute the address's
	// wrong passwords are 429, and the right one from there still works.
	for i := range loginFailPerIPPerMinute {
		wantStatus(t, e.login("203.0.113.50", "name"+string(rune('a'+i)), "wrong password"), http.StatusUnauthorized)
	}
	wantError(t, e.login("203.0.113.50", "namez", "wrong password"), http.StatusTooManyRequests, codeRateLimited)
	wantStatus(t, e.login("203.0.113.50", "root", rootPassword), http.StatusOK)
}

// TestLoginHashBound: all logins together hash at most a burst of 60, then
// 120 a minute, so a flood from many addresses waits with 429 rather than
// taking the CPU.
func TestLoginHashBound(t *testing.T) {
	e := newEnv(t)
	e.addUser("root", server.RoleAdmin, rootPassword)
	hashed := 0
	verifyPassword = func(pw, hash string) (bool, error) {
		hashed++
		return password.Verify(pw, hash)
	}
	t.Cleanup(func() { verifyPassword = password.Verify })
	for i := range loginHashesBurst + 20 {
		w := e.login("192.0.2."+strconv.Itoa(i), "name"+strconv.Itoa(i), "wrong password")
		if want := map[bool]int{true: http.StatusUnauthorized, false: http.StatusTooManyRequests}[i < loginHashesBurst]; w.Code != want {
			t.Fatalf("attempt %d: %d, want %d", i, w.Code, want)
		}
	}
	if hashed != loginHashesBurst {
		t.Errorf("%d hashes, want %d", hashed, loginHashesBurst)
	}
	e.now = e.now.Add(time.Second)
	wantStatus(t, e.login("192.0.2.250", "root", rootPassword), http.StatusOK)
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		body string
		code string
	}{
		{`{"name":"ann","role":"reviewer","password":"short"}`, "invalid"},
		{`{"name":"ann","role":"student","password":"long enough password"}`, "invalid"},
		{`{"name":"","role":"admin","password":"long enough password"}`, "invalid"},
		{`{"name":"=cmd","role":"admin","password":"long enough password"}`, "invalid"},
		{`{"name":"ann","role":"admin"}`, "invalid"},
		{`{"name":"ann","role":"admin","password":"long enough password","x":1}`, "malformed"},
	} {
		wantError(t, e.do("POST", "/api/v1/users", c.body, true), http.StatusBadRequest, c.code)
	}
	ann := e.addUser("ann", server.RoleReviewer, "long enough password")
	if ann.Disabled != nil || !ann.Password || !strings.HasPrefix(ann.ID, "u-") {
		t.Errorf("created %+v", ann)
	}
	wantError(t, e.do("POST", "/api/v1/users", `{"name":"ANN","role":"admin","password":"long enough password"}`, true), http.StatusConflict, codeNameTaken)
	var hash string
	if err := e.raw.QueryRow("SELECT password_hash FROM users WHERE id = ?", ann.ID).Scan(&hash); err != nil || !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("stored %q %v", hash, err)
	}
	list := decodeJSON[struct{ Users []server.User }](t, e.do("GET", "/api/v1/users", nil, true)).Users
	if len(list) != 1 || list[0].ID != ann.ID {
		t.Errorf("users %+v", list)
	}
	wantError(t, e.do("DELETE", "/api/v1/users/u-nope", nil, true), http.StatusNotFound, codeNotFound)
	d := decodeJSON[struct{ User server.User }](t, e.do("DELETE", "/api/v1/users/"+ann.ID, nil, true)).User
	if d.Disabled == nil || !d.Disabled.Equal(e.now) {
		t.Errorf("disabled %+v", d)
	}
	var actions []string
	for _, a := range e.accessLog() {
		actions = append(actions, a.Action+" "+a.Subject)
	}
	if want := "create user user " + ann.ID + " (ann)|disable user user " + ann.ID + " (ann)"; strings.Join(actions, "|") != want {
		t.Errorf("access log %q", actions)
	}
}

// TestLoginStaff is the single-sign-on entry: the user is created without
// a password, its role follows the claims, and it gets a session.
func TestLoginStaff(t *testing.T) {
	e := newEnv(t)
	db := openDB(t, sqlite.Open, e.dbPath) // the server's database, a second handle
	deps := Deps{Store: db, Now: func() time.Time { return e.now }}
	for _, tc := range []struct {
		role server.Role
		tls  bool
	}{{server.RoleReviewer, false}, {server.RoleAdmin, true}} {
		deps.SecureCookies = false
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/auth/oidc/callback", nil)
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if err := loginStaff(w, r, deps, "carol@uni.example", tc.role, "oidc"); err != nil {
			t.Fatal(err)
		}
		c := sessionCookieOf(t, w)
		if c.Secure != tc.tls || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %+v", c)
		}
		m := decodeJSON[me](t, e.withCookie(c, "", "GET", "/api/v1/me", ""))
		if m.Name != "carol@uni.example" || m.Role != tc.role {
			t.Errorf("me %+v", m)
		}
	}
	e.addUser("dave", server.RoleAdmin, "dave's password")
	if err := loginStaff(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), deps, "dave", server.RoleAdmin, "oidc"); !errors.Is(err, server.ErrNameTaken) {
		t.Errorf("took over a local account: %v", err)
	}
	if err := loginStaff(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), deps, "eve", server.RoleStudent, "oidc"); err == nil {
		t.Error("a student logged in as staff")
	}
	var reasons []string
	for _, a := range e.accessLog() {
		if a.Action == server.ActionLogin {
			reasons = append(reasons, a.Reason)
		}
	}
	if strings.Join(reasons, ",") != "via oidc,via oidc" {
		t.Errorf("logins %q", reasons)
	}
}

func TestAuthMethods(t *testing.T) {
	e := newEnv(t)
	w := e.do("GET", "/auth/methods", nil, false)
	wantStatus(t, w, http.StatusOK)
	if strings.TrimSpace(w.Body.String()) != `{"password":true,"oidc":false}` {
		t.Errorf("methods %s", w.Body.String())
	}
}
