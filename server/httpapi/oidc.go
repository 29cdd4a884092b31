package httpapi

import (
	"errors"
	"fmt"
	"html"
	"net/http"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/oidc"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Single sign-on callbacks an address may fail before it must wait: enough
// for a few people behind one NAT retrying, few enough that nobody fills
// the access log with failed logins or makes us call the provider in bulk.
// Successful logins cost nothing.
const (
	oidcFailuresBurst     = 20
	oidcFailuresPerMinute = 10
)

// handleOIDCLogin starts a single sign-on login: the browser goes to the
// institution's provider.
func handleOIDCLogin(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.OIDC == nil {
			refuse(w, notConfigured.Code, notConfigured.Message)
			return
		}
		d.OIDC.Begin(w, r)
	})
}

var notConfigured = wire.Error{Code: codeNotFound, Message: "single sign-on is not configured on this server"}

// handleOIDCCallback is where the provider sends the browser back. A login
// starts the staff session and answers a page that moves on to /admin or
// /review: the session cookie is SameSite=Strict, and a browser would not
// send it along a redirect chain that began on the provider's site, so the
// next page must be a fresh same-site navigation. CSP forbids inline
// script, hence a meta refresh. A refusal is logged in the access log with
// the name the provider vouched for, if it got that far, and no token.
func handleOIDCCallback(d Deps) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.OIDC == nil {
			refuse(w, notConfigured.Code, notConfigured.Message)
			return
		}
		name, role, err := d.OIDC.Finish(w, r)
		if err == nil {
			err = loginStaff(w, r, d, name, role, "oidc")
		}
		w.Header().Set("Cache-Control", "no-store")
		if err == nil {
			next := "/review"
			if role == server.RoleAdmin {
				next = "/admin"
			}
			ssoPage(w, http.StatusOK, ssoText{Title: "Logged in", Next: next,
				Message: "You are logged in as " + name + " (" + string(role) + ")."})
			return
		}
		status, reason, message := oidcFailure(err)
		if status == http.StatusInternalServerError {
			d.Logger.Error("single sign-on failed", "err", err)
		}
		subject := "user " + name
		if name == "" {
			subject = "single sign-on"
		}
		if _, lerr := d.Store.Access(r.Context(), server.AccessEntry{At: d.Now(), Kind: server.ActorAnonymous,
			Action: server.ActionLoginFailed, Subject: subject, Reason: "via oidc: " + reason}); lerr != nil {
			d.Logger.Error("logging a failed single sign-on", "err", lerr)
			status, message = http.StatusInternalServerError, "internal error"
		}
		ssoPage(w, status, ssoText{Title: "Login failed", Message: message, Retry: true})
	})
	return limitBy(newLimiter(oidcFailuresPerMinute, oidcFailuresBurst, d.Now), clientIP, refundSuccess, h)
}

// oidcFailures are single sign-on's own failures: the page's status and
// the access log's short reason.
var oidcFailures = []struct {
	err    error
	status int
	reason string
}{
	{oidc.ErrNoRole, http.StatusForbidden, "no role"},
	{oidc.ErrNoLogin, http.StatusBadRequest, "no login in progress"},
	{oidc.ErrBadCookie, http.StatusBadRequest, "invalid login cookie"},
	{oidc.ErrState, http.StatusBadRequest, "state mismatch"},
	{oidc.ErrClaims, http.StatusBadGateway, "no name claim"},
	{oidc.ErrProvider, http.StatusBadGateway, "provider error"},
}

// oidcFailure is the status, the access log's short reason and the message
// for the user of a failed single sign-on. Refusals of lokaal's own (a
// disabled account, a taken or unusable name) have the status their code
// has in statusOf.
func oidcFailure(err error) (status int, reason, message string) {
	for _, f := range oidcFailures {
		if errors.Is(err, f.err) {
			return f.status, f.reason, err.Error()
		}
	}
	we := apiError(err)
	switch {
	case we == nil || we.Code == codeNotFound:
		return http.StatusInternalServerError, "internal error", "internal error"
	case errors.Is(err, server.ErrDisabled):
		reason, message = "account disabled", "your lokaal account is disabled"
	case errors.Is(err, server.ErrNameTaken):
		reason, message = "local account has the name",
			"a local lokaal account has your name: log in with its password, or ask an administrator"
	case errors.As(err, new(*wire.Error)):
		reason, message = "unusable name", "the name your institution sent cannot be used in lokaal: "+we.Message
	default:
		return http.StatusInternalServerError, "internal error", "internal error"
	}
	return statusOf[we.Code], reason, message
}

type ssoText struct {
	Title, Message, Next string
	Retry                bool
}

// ssoPage writes the whole page: no script, no style, so the CSP holds.
// Plain escaped strings rather than html/template, which would add 0.9 MB
// (gzip) to the Worker bundle for these few lines. Next is always one of
// this server's own paths.
func ssoPage(w http.ResponseWriter, status int, t ssoText) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	title, next := html.EscapeString(t.Title), html.EscapeString(t.Next)
	fmt.Fprintf(w, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s · lokaal</title>", title)
	if t.Next != "" {
		fmt.Fprintf(w, `<meta http-equiv="refresh" content="0;url=%s">`, next)
	}
	fmt.Fprintf(w, "</head>\n<body><h1>%s</h1><p>%s</p>", title, html.EscapeString(t.Message))
	if t.Next != "" {
		fmt.Fprintf(w, `<p><a href="%s">Continue</a></p>`, next)
	}
	if t.Retry {
		fmt.Fprint(w, `<p><a href="/login">Back to the login page</a></p>`)
	}
	fmt.Fprint(w, "\n</body></html>\n")
}
