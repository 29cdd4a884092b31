package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/lokaal-nl/lokaal/server/oidc/oidctest"
)

func TestOIDCFlags(t *testing.T) {
	const callback = "http://lokaal.test/auth/oidc/callback"
	op := oidctest.Start(t, callback)
	env := func(secret string) func(string) string {
		return func(k string) string {
			if k == "LOKAAL_OIDC_CLIENT_SECRET" {
				return secret
			}
			return ""
		}
	}
	full := []string{"--oidc-issuer", op.Issuer, "--oidc-client-id", oidctest.ClientID, "--oidc-redirect-url", callback,
		"--oidc-role-claim", oidctest.EntitlementClaim, "--oidc-roles", oidctest.AdminEntitlement + "=admin"}
	parse := func(args []string) (oidcFlags, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := addOIDCFlags(fs)
		return f, fs.Parse(args)
	}

	f, _ := parse(nil)
	if l, err := f.login(context.Background(), env("")); l != nil || err != nil {
		t.Errorf("no flags: %v, %v; want a nil OIDCLogin", l, err)
	}

	f, _ = parse(append(full, "--oidc-scopes", "email, groups"))
	l, err := f.login(context.Background(), env(oidctest.ClientSecret))
	if err != nil || l == nil {
		t.Fatalf("full flags: %v", err)
	}
	w := httptest.NewRecorder()
	l.Begin(w, httptest.NewRequest("GET", "/auth/oidc/login", nil))
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || !strings.HasPrefix(loc.String(), op.Issuer) || loc.Query().Get("scope") != "openid email groups" {
		t.Errorf("Begin: %d %s", w.Code, loc)
	}

	for name, tc := range map[string]struct {
		args   []string
		secret string
		want   string
	}{
		"no issuer":        {[]string{"--oidc-client-id", "x"}, "s", "need --oidc-issuer"},
		"no secret":        {full, "", "LOKAAL_OIDC_CLIENT_SECRET"},
		"no client id":     {[]string{"--oidc-issuer", op.Issuer}, "s", "--oidc-client-id"},
		"bad roles":        {append(full[:8:8], "--oidc-roles", "x=student"), "s", "admin or reviewer"},
		"no roles":         {full[:8], "s", "--oidc-roles"},
		"unreachable":      {append([]string{"--oidc-issuer", "http://127.0.0.1:1"}, full[2:]...), "s", "discovery"},
		"secret as a flag": {append(full, "--oidc-client-secret", "s"), "s", "not defined"},
	} {
		f, err := parse(tc.args)
		if err == nil {
			_, err = f.login(context.Background(), env(tc.secret))
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error about %q", name, err, tc.want)
		}
	}
}
