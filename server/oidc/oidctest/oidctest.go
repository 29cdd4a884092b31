// Package oidctest starts a real OpenID Provider for tests: zitadel/oidc's
// example OP, with its in-memory storage and login form, that also releases
// an eduPersonEntitlement-style claim from its userinfo endpoint, as
// SURFconext does. Only tests import it.
package oidctest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// The OP's registered client and the example storage's users and password.
const (
	ClientID     = "lokaal"
	ClientSecret = "lokaal-secret"
	Password     = "verysecure"
	// EntitlementClaim is the claim the provider adds, an array of strings.
	EntitlementClaim = "eduperson_entitlement"
	// AdminEntitlement and StaffEntitlement are User's and User2's values.
	AdminEntitlement = "urn:mace:surf.nl:example.nl:lokaal:admin"
	StaffEntitlement = "urn:mace:surf.nl:example.nl:lokaal:staff"
	// Email and Email2 are the example users' email claims.
	Email  = "test-user@zitadel.ch"
	Email2 = "test-user2@zitadel.ch"
	// User2 is the example storage's second user's login name.
	User2 = "test-user2"
)

// Provider is a running OP.
type Provider struct {
	// Issuer is the OP's URL, plain http (the OP allows it in this mode).
	Issuer string
	// User is the example storage's first user's login name, which holds the
	// issuer's host.
	User string
}

// entitlements are what each example user (by ID) is entitled to.
var entitlements = map[string][]string{
	"id1": {"urn:mace:surf.nl:example.nl:library", AdminEntitlement},
	"id2": {StaffEntitlement},
}

// withEntitlements is the example storage, releasing entitlements from the
// userinfo endpoint only: a web client's ID token carries no profile claims
// once an access token is issued, so a relying party must ask userinfo.
type withEntitlements struct{ *storage.Storage }

func (s withEntitlements) SetUserinfoFromToken(ctx context.Context, info *zoidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	if e := entitlements[info.Subject]; e != nil {
		info.AppendClaims(EntitlementClaim, e)
	}
	return nil
}

// Start runs the OP on an httptest server until the test ends, with one web
// client (ClientID, ClientSecret) whose only redirect URI is redirectURL.
func Start(t testing.TB, redirectURL string) *Provider {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	users := storage.NewUserStore(srv.URL)
	clients := map[string]*storage.Client{ClientID: storage.WebClient(ClientID, ClientSecret, redirectURL)}
	store := withEntitlements{storage.NewStorageWithClients(users, clients)}
	// A nil logger keeps the example from replacing the process's default
	// logger. Its SetupServer adds op.WithAllowInsecure, so http works.
	h = exampleop.SetupServer(srv.URL, store, nil, false)
	u, _ := url.Parse(srv.URL)
	return &Provider{Issuer: srv.URL, User: "test-user@" + u.Hostname()}
}

// Browser is an http.Client with a cookie jar that follows redirects except
// the one to the relying party's callback, like a browser whose callback
// navigation a test wants to hold.
func Browser(callback string) *http.Client {
	jar, _ := cookiejar.New(nil)
	cb, _ := url.Parse(callback)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == cb.Host && req.URL.Path == cb.Path {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var idField = regexp.MustCompile(`name="id" value="([^"]+)"`)

// Get fetches url with the browser b and reads the body whole.
func Get(t testing.TB, b *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := b.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, body
}

// Authorize starts a login at loginURL (the relying party's Begin), signs
// in at the OP's form as user, and returns the callback URL the OP sends the
// browser to, without following it.
func Authorize(t testing.TB, b *http.Client, loginURL, user, password string) *url.URL {
	t.Helper()
	res, form := Get(t, b, loginURL)
	m := idField.FindSubmatch(form)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("expected the OP's login form at %s, got %d: %s", res.Request.URL, res.StatusCode, form)
	}
	res, err := b.PostForm(res.Request.URL.ResolveReference(&url.URL{Path: "/login/username"}).String(),
		url.Values{"id": {string(m[1])}, "username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	loc, err := res.Location()
	if res.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("expected a redirect to the callback after signing in, got %d: %s", res.StatusCode, body)
	}
	return loc
}
