// Package oidc is staff single sign-on through an institution's OpenID
// Provider (SURFconext, or any OpenID Connect provider): the authorisation
// code flow with PKCE, state and nonce, and a configured mapping from a claim
// to a lokaal role. It keeps no server-side state: what a login in flight
// needs travels in a sealed, short-lived cookie.
package oidc

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/lokaal-nl/lokaal/server"
)

// Config is one provider and how its claims map to roles.
type Config struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer/.well-known/openid-configuration.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is lokaal's callback as registered with the provider,
	// e.g. https://lokaal.example.nl/auth/oidc/callback.
	RedirectURL string
	// Scopes are requested besides openid; nil means email and profile.
	Scopes []string
	// NameClaim is the claim that names the staff member in the access log;
	// empty means "email".
	NameClaim string
	// RoleClaim is the claim whose values Roles maps, a string or an array
	// of strings (eduPersonEntitlement, groups).
	RoleClaim string
	// Roles maps a RoleClaim value to a staff role. A login whose values map
	// to no role is refused; one that maps to several gets the strongest.
	Roles map[string]server.Role
	// Key seals the login cookie: 32 bytes for AES-256-GCM. Nil means a
	// random key per process, so a login in flight across a restart, or one
	// that returns to another instance, has to start again.
	Key []byte
	// Secure marks the login cookie Secure even when TLS ends in front of
	// the server. An https RedirectURL implies it, and direct TLS requests
	// always get Secure.
	Secure bool
	// HTTPClient talks to the provider; nil means one with a 15 s timeout.
	HTTPClient *http.Client
	// Now is the clock for the login cookie's lifetime and the ID token's
	// expiry; nil means time.Now.
	Now func() time.Time
}

// Errors Finish wraps; each message tells the user what to do.
var (
	// ErrNoLogin: no login in flight in this browser, or it expired, or the
	// callback was already used.
	ErrNoLogin = errors.New("no login in progress in this browser (it may have expired or been used already): start again")
	// ErrBadCookie: the login cookie does not open with our key.
	ErrBadCookie = errors.New("the login cookie is invalid: start again")
	// ErrState: the callback does not belong to the login in flight.
	ErrState = errors.New("the answer from the identity provider does not match the login started in this browser: start again")
	// ErrProvider: the provider answered with an error, or its answer could
	// not be checked.
	ErrProvider = errors.New("the identity provider did not complete the login")
	// ErrClaims: the verified identity lacks the claim that names the user.
	ErrClaims = errors.New("the identity provider did not say who you are")
	// ErrNoRole: the user is known but has no lokaal role.
	ErrNoRole = errors.New("your account has no role in lokaal; ask an administrator to grant one")
)

// loginTTL bounds how long a user may spend at the provider.
const loginTTL = 10 * time.Minute

// cookieName is the sealed login-in-flight cookie; it is also the sealed
// data's associated data, so no other sealed value can pass for it.
const cookieName = "lokaal_oidc"

// Login is a configured provider; it implements httpapi.OIDCLogin.
type Login struct {
	oauth      oauth2.Config
	provider   *gooidc.Provider
	verifier   *gooidc.IDTokenVerifier
	client     *http.Client
	aead       cipher.AEAD
	nameClaim  string
	roleClaim  string
	roles      map[string]server.Role
	secure     bool
	cookiePath string
	now        func() time.Time
}

// New checks cfg and reads the provider's discovery document.
func New(ctx context.Context, cfg Config) (*Login, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("oidc: the issuer URL is required")
	case cfg.ClientID == "":
		return nil, errors.New("oidc: the client id is required")
	case cfg.RoleClaim == "":
		return nil, errors.New("oidc: a role claim is required")
	case len(cfg.Roles) == 0:
		return nil, errors.New("oidc: at least one claim value must map to a role")
	}
	for v, role := range cfg.Roles {
		if !staffRole(role) {
			return nil, fmt.Errorf("oidc: %q maps to role %q; only admin and reviewer sign in", v, role)
		}
	}
	redirect, err := url.Parse(cfg.RedirectURL)
	if err != nil || (redirect.Scheme != "https" && redirect.Scheme != "http") || redirect.Host == "" {
		return nil, fmt.Errorf("oidc: the redirect URL %q is not an absolute http(s) URL", cfg.RedirectURL)
	}
	key := cfg.Key
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("oidc: the cookie key has %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	provider, err := gooidc.NewProvider(gooidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovery at %s: %w", cfg.Issuer, err)
	}
	scopes := cfg.Scopes
	if scopes == nil {
		scopes = []string{"email", "profile"}
	}
	if !slices.Contains(scopes, gooidc.ScopeOpenID) {
		scopes = append([]string{gooidc.ScopeOpenID}, scopes...)
	}
	name := cfg.NameClaim
	if name == "" {
		name = "email"
	}
	path := redirect.Path
	if path == "" {
		path = "/"
	}
	return &Login{
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: scopes},
		provider:   provider,
		verifier:   provider.Verifier(&gooidc.Config{ClientID: cfg.ClientID, Now: now}),
		client:     client,
		aead:       aead,
		nameClaim:  name,
		roleClaim:  cfg.RoleClaim,
		roles:      cfg.Roles,
		secure:     cfg.Secure || redirect.Scheme == "https",
		cookiePath: path,
		now:        now,
	}, nil
}

func staffRole(r server.Role) bool { return r == server.RoleAdmin || r == server.RoleReviewer }

// ParseRoles reads the --oidc-roles flag: comma-separated value=role pairs,
// e.g. "urn:mace:surf.nl:uni:lokaal-admin=admin,staff=reviewer". A value is
// split from its role at the last "=", so values may hold "=" but not ",".
func ParseRoles(s string) (map[string]server.Role, error) {
	roles := map[string]server.Role{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		i := strings.LastIndexByte(pair, '=')
		if i <= 0 {
			return nil, fmt.Errorf("oidc roles: %q is not value=role", pair)
		}
		value, role := strings.TrimSpace(pair[:i]), server.Role(strings.TrimSpace(pair[i+1:]))
		if !staffRole(role) {
			return nil, fmt.Errorf("oidc roles: %q: the role must be admin or reviewer", pair)
		}
		if _, dup := roles[value]; dup {
			return nil, fmt.Errorf("oidc roles: %q is mapped twice", value)
		}
		roles[value] = role
	}
	if len(roles) == 0 {
		return nil, errors.New("oidc roles: no value=role pair")
	}
	return roles, nil
}

// pending is what a login in flight needs back on the callback.
type pending struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"` // Unix seconds
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a login: it remembers a fresh state, nonce and PKCE verifier
// in the sealed cookie and redirects the browser to the provider.
func (l *Login) Begin(w http.ResponseWriter, r *http.Request) {
	p := pending{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Expires: l.now().Add(loginTTL).Unix()}
	l.setCookie(w, r, l.seal(p), int(loginTTL/time.Second))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, l.oauth.AuthCodeURL(p.State, gooidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier)), http.StatusFound)
}

// setCookie writes the login cookie; maxAge < 0 deletes it. It is
// SameSite=Lax, not Strict: the callback is a top-level navigation that
// starts on the provider's site, and a Strict cookie would not be sent with
// it. Lax still keeps it off cross-site subrequests and POSTs, and state,
// nonce and PKCE bind the callback to this browser's login.
func (l *Login) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: l.cookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: l.secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (l *Login) seal(p pending) string {
	plain, _ := json.Marshal(p)
	nonce := make([]byte, l.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(l.aead.Seal(nonce, nonce, plain, []byte(cookieName)))
}

func (l *Login) open(value string) (pending, error) {
	var p pending
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(b) < l.aead.NonceSize() {
		return p, ErrBadCookie
	}
	plain, err := l.aead.Open(nil, b[:l.aead.NonceSize()], b[l.aead.NonceSize():], []byte(cookieName))
	if err != nil || json.Unmarshal(plain, &p) != nil {
		return p, ErrBadCookie
	}
	return p, nil
}

// Finish checks the provider's answer on the callback: the state against
// the cookie, the code exchanged with the PKCE verifier, the ID token's
// signature, issuer, audience, expiry and nonce, then maps the claims. The
// cookie is cleared first, so a callback works once whatever its outcome.
// When the user is known but refused (ErrNoRole), name is still set, for the
// access log. Errors never carry tokens or claim values other than the name.
func (l *Login) Finish(w http.ResponseWriter, r *http.Request) (name string, role server.Role, err error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return "", "", ErrNoLogin
	}
	l.setCookie(w, r, "", -1)
	p, err := l.open(c.Value)
	if err != nil {
		return "", "", err
	}
	if l.now().Unix() > p.Expires {
		return "", "", ErrNoLogin
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1 {
		return "", "", ErrState
	}
	if e := q.Get("error"); e != "" {
		return "", "", fmt.Errorf("%w: it answered %q", ErrProvider, printable(e))
	}
	code := q.Get("code")
	if code == "" {
		return "", "", fmt.Errorf("%w: its answer has no code", ErrProvider)
	}

	ctx := gooidc.ClientContext(r.Context(), l.client)
	token, err := l.oauth.Exchange(ctx, code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return "", "", fmt.Errorf("%w: the code exchange failed: %s", ErrProvider, exchangeError(err))
	}
	raw, _ := token.Extra("id_token").(string)
	if raw == "" {
		return "", "", fmt.Errorf("%w: the token response has no ID token", ErrProvider)
	}
	idToken, err := l.verifier.Verify(ctx, raw)
	if err != nil {
		return "", "", fmt.Errorf("%w: the ID token is not valid: %v", ErrProvider, err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(p.Nonce)) != 1 {
		return "", "", fmt.Errorf("%w: the ID token's nonce does not match this login", ErrProvider)
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(token.AccessToken); err != nil {
			return "", "", fmt.Errorf("%w: the access token does not match the ID token", ErrProvider)
		}
	}
	claims, err := l.claims(ctx, idToken, token)
	if err != nil {
		return "", "", err
	}
	name, _ = claims[l.nameClaim].(string)
	if name == "" {
		return "", "", fmt.Errorf("%w: there is no %q claim", ErrClaims, l.nameClaim)
	}
	if role = l.role(claims[l.roleClaim]); role == "" {
		return name, "", ErrNoRole
	}
	return name, role, nil
}

// claims are the ID token's claims, completed from the userinfo endpoint
// when the name or role claim is not in the token: many providers,
// SURFconext among them, release attributes there only. The userinfo answer
// counts only for the ID token's subject.
func (l *Login) claims(ctx context.Context, idToken *gooidc.IDToken, token *oauth2.Token) (map[string]any, error) {
	claims := map[string]any{}
	if err := idToken.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: the ID token's claims do not decode", ErrProvider)
	}
	_, hasName := claims[l.nameClaim]
	_, hasRole := claims[l.roleClaim]
	if (hasName && hasRole) || l.provider.UserInfoEndpoint() == "" {
		return claims, nil
	}
	info, err := l.provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		return nil, fmt.Errorf("%w: reading userinfo failed: %s", ErrProvider, exchangeError(err))
	}
	if info.Subject != idToken.Subject {
		return nil, fmt.Errorf("%w: userinfo is about another subject than the ID token", ErrProvider)
	}
	more := map[string]any{}
	if err := info.Claims(&more); err != nil {
		return nil, fmt.Errorf("%w: the userinfo claims do not decode", ErrProvider)
	}
	for k, v := range more {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return claims, nil
}

// role maps a claim that is a string or an array of strings; admin wins
// over reviewer.
func (l *Login) role(claim any) server.Role {
	var values []string
	switch c := claim.(type) {
	case string:
		values = []string{c}
	case []any:
		for _, v := range c {
			if s, ok := v.(string); ok {
				values = append(values, s)
			}
		}
	}
	var role server.Role
	for _, v := range values {
		switch l.roles[v] {
		case server.RoleAdmin:
			return server.RoleAdmin
		case server.RoleReviewer:
			role = server.RoleReviewer
		}
	}
	return role
}

// exchangeError keeps the provider's error code and drops the rest: the
// body of a failed token response is not ours to log or show.
func exchangeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return printable(re.ErrorCode)
		}
		if re.Response != nil {
			return re.Response.Status
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return "request failed"
}

// printable bounds text from the provider (or from whoever crafted the
// callback URL) to a short run of printable ASCII.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
