package oidc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/oidc/oidctest"
)

// rp is a relying party around a Login, on its own httptest server: /login
// begins, /callback answers Finish's outcome as JSON.
type rp struct {
	t        *testing.T
	url      string
	login    *Login
	op       *oidctest.Provider
	now      time.Time
	callback string
	lastErr  func() error
}

type outcome struct {
	Name, Role, Err string
	err             error
}

func newRP(t *testing.T, roleClaim string, roles map[string]server.Role) *rp {
	t.Helper()
	h := &rp{t: t, now: time.Now()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) { h.login.Begin(w, r) })
	var last error
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		name, role, err := h.login.Finish(w, r)
		o := outcome{Name: name, Role: string(role)}
		if err != nil {
			o.Err = err.Error()
		}
		last = err
		json.NewEncoder(w).Encode(o)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.url = srv.URL
	h.callback = srv.URL + "/callback"
	h.op = oidctest.Start(t, h.callback)
	var err error
	h.login, err = New(context.Background(), Config{Issuer: h.op.Issuer, ClientID: oidctest.ClientID,
		ClientSecret: oidctest.ClientSecret, RedirectURL: h.callback, RoleClaim: roleClaim, Roles: roles,
		Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	h.lastErr = func() error { return last }
	return h
}

// finish follows the callback URL in b and returns what Finish said.
func (h *rp) finish(b *http.Client, cb *url.URL) outcome {
	h.t.Helper()
	_, body := oidctest.Get(h.t, b, cb.String())
	var o outcome
	if err := json.Unmarshal(body, &o); err != nil {
		h.t.Fatal(err)
	}
	o.err = h.lastErr()
	return o
}

func (h *rp) authorize(b *http.Client, user string) *url.URL {
	h.t.Helper()
	return oidctest.Authorize(h.t, b, h.url+"/login", user, oidctest.Password)
}

var surfRoles = map[string]server.Role{
	oidctest.AdminEntitlement: server.RoleAdmin,
	oidctest.StaffEntitlement: server.RoleReviewer,
}

func TestLoginAgainstProvider(t *testing.T) {
	h := newRP(t, oidctest.EntitlementClaim, surfRoles)
	for _, tc := range []struct{ user, name, role string }{
		{h.op.User, oidctest.Email, "admin"}, // an array claim holding an unmapped value and the admin one
		{oidctest.User2, oidctest.Email2, "reviewer"},
	} {
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, tc.user)
		if cb.Query().Get("code") == "" || cb.Query().Get("state") == "" {
			t.Fatalf("callback %s lacks code or state", cb.Redacted())
		}
		o := h.finish(b, cb)
		if o.err != nil || o.Name != tc.name || o.Role != tc.role {
			t.Errorf("%s: got %+v, want %s as %s", tc.user, o, tc.name, tc.role)
		}
		// Finish cleared the cookie: the browser holds no login in flight.
		if c := b.Jar.Cookies(cb); len(c) != 0 {
			t.Errorf("login cookie kept after Finish: %v", c)
		}
	}
}

func TestBegin(t *testing.T) {
	h := newRP(t, oidctest.EntitlementClaim, surfRoles)
	w := httptest.NewRecorder()
	h.login.Begin(w, httptest.NewRequest("GET", "/login", nil))
	if w.Code != http.StatusFound {
		t.Fatalf("status %d", w.Code)
	}
	loc, _ := url.Parse(w.Header().Get("Location"))
	q := loc.Query()
	if !strings.HasPrefix(loc.String(), h.op.Issuer+"/") || q.Get("client_id") != oidctest.ClientID ||
		q.Get("redirect_uri") != h.callback || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		len(q.Get("state")) != 43 || len(q.Get("nonce")) != 43 || !strings.Contains(q.Get("scope"), "openid") {
		t.Errorf("authorisation URL %s", loc)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	c := cookies[0]
	if c.Name != cookieName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/callback" ||
		c.MaxAge != 600 || c.Secure {
		t.Errorf("cookie %s", c)
	}
	// The sealed cookie does not show the state or the PKCE verifier.
	if strings.Contains(c.Value, q.Get("state")) || strings.Contains(c.Value, q.Get("nonce")) {
		t.Error("the cookie shows the state or nonce")
	}
	// Under TLS the cookie is Secure.
	r := httptest.NewRequest("GET", "https://lokaal.example/login", nil)
	w = httptest.NewRecorder()
	h.login.Begin(w, r)
	if c := w.Result().Cookies()[0]; !c.Secure {
		t.Errorf("cookie under TLS %s", c)
	}
}

func TestRefusals(t *testing.T) {
	h := newRP(t, oidctest.EntitlementClaim, surfRoles)

	t.Run("wrong state", func(t *testing.T) {
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, h.op.User)
		good := *cb
		q := cb.Query()
		q.Set("state", strings.Repeat("A", 43))
		cb.RawQuery = q.Encode()
		if o := h.finish(b, cb); !errors.Is(o.err, ErrState) || o.Name != "" || o.Role != "" {
			t.Errorf("got %+v, want ErrState", o)
		}
		// The failed callback used up the login: the genuine one fails too.
		if o := h.finish(b, &good); !errors.Is(o.err, ErrNoLogin) {
			t.Errorf("genuine callback after a wrong one: %+v, want ErrNoLogin", o)
		}
	})

	t.Run("replayed callback", func(t *testing.T) {
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, h.op.User)
		saved := b.Jar.Cookies(cb)
		if o := h.finish(b, cb); o.err != nil || o.Role != "admin" {
			t.Fatalf("first callback %+v", o)
		}
		if o := h.finish(b, cb); !errors.Is(o.err, ErrNoLogin) {
			t.Errorf("replay: %+v, want ErrNoLogin", o)
		}
		// Even with the login cookie put back, the provider will not
		// exchange a code twice.
		b.Jar.SetCookies(cb, []*http.Cookie{{Name: cookieName, Value: saved[0].Value, Path: "/callback"}})
		if o := h.finish(b, cb); !errors.Is(o.err, ErrProvider) || o.Role != "" {
			t.Errorf("replay with the cookie: %+v, want ErrProvider", o)
		}
	})

	t.Run("tampered cookie", func(t *testing.T) {
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, h.op.User)
		// One bit of the sealed bytes flipped: AES-GCM's tag no longer holds.
		v, err := base64.RawURLEncoding.DecodeString(b.Jar.Cookies(cb)[0].Value)
		if err != nil {
			t.Fatal(err)
		}
		v[len(v)/2] ^= 1
		b.Jar.SetCookies(cb, []*http.Cookie{{Name: cookieName, Value: base64.RawURLEncoding.EncodeToString(v), Path: "/callback"}})
		if o := h.finish(b, cb); !errors.Is(o.err, ErrBadCookie) || o.Role != "" {
			t.Errorf("got %+v, want ErrBadCookie", o)
		}
	})

	t.Run("cookie from another key", func(t *testing.T) {
		other, err := New(context.Background(), Config{Issuer: h.op.Issuer, ClientID: oidctest.ClientID,
			RedirectURL: h.callback, RoleClaim: "x", Roles: surfRoles})
		if err != nil {
			t.Fatal(err)
		}
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, h.op.User)
		b.Jar.SetCookies(cb, []*http.Cookie{{Name: cookieName, Path: "/callback",
			Value: other.seal(pending{State: cb.Query().Get("state"), Expires: h.now.Add(time.Minute).Unix()})}})
		if o := h.finish(b, cb); !errors.Is(o.err, ErrBadCookie) {
			t.Errorf("got %+v, want ErrBadCookie", o)
		}
	})

	// Cookies sealed with our own key but one field changed reach the
	// provider or the ID token checks.
	for name, tc := range map[string]struct {
		change func(*pending)
		later  time.Duration
		want   string
	}{
		"wrong nonce":      {func(p *pending) { p.Nonce = "other" }, 0, "nonce does not match"},
		"wrong verifier":   {func(p *pending) { p.Verifier = strings.Repeat("v", 43) }, 0, "code exchange failed"},
		"expired ID token": {func(p *pending) { p.Expires += 7200 }, 2 * time.Hour, "token is expired"},
	} {
		t.Run(name, func(t *testing.T) {
			b := oidctest.Browser(h.callback)
			cb := h.authorize(b, h.op.User)
			p, err := h.login.open(b.Jar.Cookies(cb)[0].Value)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(&p)
			b.Jar.SetCookies(cb, []*http.Cookie{{Name: cookieName, Value: h.login.seal(p), Path: "/callback"}})
			h.now = h.now.Add(tc.later)
			defer func() { h.now = h.now.Add(-tc.later) }()
			if o := h.finish(b, cb); !errors.Is(o.err, ErrProvider) || !strings.Contains(o.Err, tc.want) || o.Role != "" {
				t.Errorf("got %+v, want ErrProvider: %s", o, tc.want)
			}
		})
	}

	t.Run("no cookie", func(t *testing.T) {
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, h.op.User)
		b2 := oidctest.Browser(h.callback) // another browser: a login CSRF attempt
		if o := h.finish(b2, cb); !errors.Is(o.err, ErrNoLogin) {
			t.Errorf("got %+v, want ErrNoLogin", o)
		}
	})

	t.Run("expired login", func(t *testing.T) {
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, h.op.User)
		h.now = h.now.Add(loginTTL + time.Second)
		defer func() { h.now = h.now.Add(-loginTTL - time.Second) }()
		if o := h.finish(b, cb); !errors.Is(o.err, ErrNoLogin) {
			t.Errorf("got %+v, want ErrNoLogin", o)
		}
	})

	t.Run("provider error", func(t *testing.T) {
		b := oidctest.Browser(h.callback)
		cb := h.authorize(b, h.op.User)
		q := url.Values{"state": {cb.Query().Get("state")}, "error": {"access_denied\n<b>"}}
		cb.RawQuery = q.Encode()
		o := h.finish(b, cb)
		if !errors.Is(o.err, ErrProvider) || !strings.Contains(o.Err, `"access_denied<b>"`) {
			t.Errorf("got %+v, want ErrProvider with the code", o)
		}
	})
}

func TestNoRole(t *testing.T) {
	// Only the admin entitlement is mapped: user 2 is known but refused, and
	// Finish still names them for the access log.
	h := newRP(t, oidctest.EntitlementClaim, map[string]server.Role{oidctest.AdminEntitlement: server.RoleAdmin})
	b := oidctest.Browser(h.callback)
	o := h.finish(b, h.authorize(b, oidctest.User2))
	if !errors.Is(o.err, ErrNoRole) || o.Name != oidctest.Email2 || o.Role != "" {
		t.Errorf("got %+v, want ErrNoRole for %s", o, oidctest.Email2)
	}
}

func TestStringClaim(t *testing.T) {
	// A plain string claim maps too; here the email itself.
	h := newRP(t, "email", map[string]server.Role{oidctest.Email2: server.RoleReviewer})
	b := oidctest.Browser(h.callback)
	if o := h.finish(b, h.authorize(b, oidctest.User2)); o.err != nil || o.Role != "reviewer" {
		t.Errorf("got %+v", o)
	}
	b = oidctest.Browser(h.callback)
	if o := h.finish(b, h.authorize(b, h.op.User)); !errors.Is(o.err, ErrNoRole) {
		t.Errorf("user 1: got %+v, want ErrNoRole", o)
	}
}

func TestRole(t *testing.T) {
	l := &Login{roles: map[string]server.Role{"a": server.RoleAdmin, "r": server.RoleReviewer}}
	for _, tc := range []struct {
		claim any
		want  server.Role
	}{
		{"a", server.RoleAdmin},
		{"r", server.RoleReviewer},
		{"x", ""},
		{nil, ""},
		{[]any{"x", "r"}, server.RoleReviewer},
		{[]any{"r", "a"}, server.RoleAdmin},
		{[]any{1.0, true, "a"}, server.RoleAdmin},
		{[]any{}, ""},
		{map[string]any{"a": "a"}, ""},
		{"A", ""}, // exact match only
	} {
		if got := l.role(tc.claim); got != tc.want {
			t.Errorf("role(%v) = %q, want %q", tc.claim, got, tc.want)
		}
	}
}

func TestParseRoles(t *testing.T) {
	got, err := ParseRoles("urn:mace:surf.nl:x:admin=admin, staff=reviewer,a=b=reviewer")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]server.Role{"urn:mace:surf.nl:x:admin": "admin", "staff": "reviewer", "a=b": "reviewer"}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"", ",", "staff", "=admin", "staff=student", "staff=device", "x=admin,x=reviewer", "staff=Admin"} {
		if _, err := ParseRoles(bad); err == nil {
			t.Errorf("ParseRoles(%q) accepted", bad)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	ok := Config{Issuer: "http://127.0.0.1:1", ClientID: "c", RedirectURL: "https://l.example/cb", RoleClaim: "groups",
		Roles: map[string]server.Role{"g": server.RoleAdmin}}
	for name, change := range map[string]func(*Config){
		"no issuer":    func(c *Config) { c.Issuer = "" },
		"no client":    func(c *Config) { c.ClientID = "" },
		"no claim":     func(c *Config) { c.RoleClaim = "" },
		"no roles":     func(c *Config) { c.Roles = nil },
		"student role": func(c *Config) { c.Roles = map[string]server.Role{"g": server.RoleStudent} },
		"relative url": func(c *Config) { c.RedirectURL = "/cb" },
		"short key":    func(c *Config) { c.Key = make([]byte, 16) },
		"no provider":  func(c *Config) {},
	} {
		c := ok
		change(&c)
		if _, err := New(context.Background(), c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
