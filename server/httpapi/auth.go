package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/password"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// How callers authenticate:
//   - staff in a browser: the lokaal_session cookie of a login (password or
//     single sign-on); every state change also carries the session's CSRF
//     token in X-CSRF-Token;
//   - scripts: the admin token, or a reviewer's token, as a bearer token;
//   - a student: the access token of their link, as a bearer token;
//   - a kiosk device: its signature on each count batch (handleIngest),
//     which is a credential nowhere else.

const (
	sessionCookie = "lokaal_session"
	csrfHeader    = "X-CSRF-Token"

	codeForbidden = "forbidden"
	codeCSRF      = "csrf"
	codeBadLogin  = "bad_login"
	codeNameTaken = "name_taken"
)

// Login limits. A password carries far fewer bits than a token, so its
// guesses are limited before the hash runs:
//   - per account and address, 5 a minute: bounds guessing one account's
//     password from one address (7,200 a day against a 12-character
//     minimum) and, unlike a lockout, recovers by itself. Keyed by the
//     address too, so wrong passwords from elsewhere never lock the account
//     holder out;
//   - all logins together, 120 hashes a minute with a burst of 60: argon2id
//     costs about 25 ms of a core, so a flood from many addresses costs at
//     most 5 % of one core and waits with 429 rather than starving the
//     server. Under such a flood password logins wait; single sign-on and
//     open sessions do not.
//
// Refused logins also charge their address (20 a minute): past that an
// address's wrong passwords are answered 429, which tells a script to stop
// without refusing anyone behind the same address who knows theirs.
const (
	loginPerAccountPerMinute = 5
	loginHashesPerMinute     = 120
	loginHashesBurst         = 60
	loginFailPerIPPerMinute  = 20
	maxPasswordLen           = 1024
)

type contextKey int

const (
	studentKey contextKey = iota
	callerKey
)

// caller is an authenticated staff member. Kind and ID say which
// credential it is, for the access log and for what a reviewer may see;
// Name is only the label people read.
type caller struct {
	Name   string
	Role   server.Role
	Kind   server.ActorKind
	ID     string
	Login  *server.StaffSession // set when the session cookie of a login authenticated
	idHash []byte
}

// adminTokenLabel is the admin token's label in the log and the views.
// It is not "admin", which the first account is often called: the kind
// (server.ActorAdminToken) tells them apart, and the label should too.
const adminTokenLabel = "admin token"

// actor is c acting at at.
func (c caller) actor(at time.Time) server.Actor {
	return server.Actor{Kind: c.Kind, ID: c.ID, Who: c.Name, At: at}
}

// bearer returns the request's bearer token.
func bearer(r *http.Request) (string, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token, ok && token != ""
}

func sha(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// errNoCaller: no credential, or one that is unknown or expired.
var errNoCaller = errors.New("not authenticated")

// authStaff finds the staff caller of r. A bearer token, when present, is
// the credential, so a script never depends on a browser's cookie; without
// one, the session cookie is.
func authStaff(r *http.Request, d Deps) (caller, error) {
	if token, ok := bearer(r); ok {
		// Comparing hashes in constant time reveals neither the admin
		// token nor its length.
		if len(d.AdminTokenHash) == sha256.Size && subtle.ConstantTimeCompare(sha(token), d.AdminTokenHash) == 1 {
			return caller{Name: adminTokenLabel, Role: server.RoleAdmin, Kind: server.ActorAdminToken,
				ID: server.AdminTokenID(d.AdminTokenHash)}, nil
		}
		// Revoked and expired tokens are unknown tokens.
		rv, err := d.Store.ReviewerByToken(r.Context(), sha(token), d.Now())
		if errors.Is(err, server.ErrNotFound) {
			return caller{}, errNoCaller
		}
		return caller{Name: rv.Name, Role: server.RoleReviewer, Kind: server.ActorReviewerToken, ID: rv.ID}, err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return caller{}, errNoCaller
	}
	idHash := sha(c.Value)
	ss, err := d.Store.StaffSession(r.Context(), idHash, d.Now())
	if errors.Is(err, server.ErrNotFound) {
		return caller{}, errNoCaller
	}
	if err != nil {
		return caller{}, err
	}
	return caller{Name: ss.User.Name, Role: ss.User.Role, Kind: server.ActorStaff, ID: ss.User.ID, Login: &ss, idHash: idHash}, nil
}

// stateChanging is every method but the safe ones.
func stateChanging(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
}

// crossOrigin reports an Origin header naming another host than the one
// asked. Browsers send Origin on every cross-origin request and on
// same-origin POSTs; its absence proves nothing, so the CSRF token is
// still required.
func crossOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host)
}

// checkCSRF guards a cookie-authenticated state change: the browser sends
// the cookie by itself, so only the synchronizer token, which a page of
// another origin cannot read, shows the request came from our page.
func checkCSRF(r *http.Request, c caller) *wire.Error {
	if c.Login == nil || !stateChanging(r) {
		return nil // bearer tokens are never attached by a browser on its own
	}
	if crossOrigin(r) {
		return &wire.Error{Code: codeCSRF, Message: "cross-origin request refused"}
	}
	token := r.Header.Get(csrfHeader)
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(c.Login.CSRF)) != 1 {
		return &wire.Error{Code: codeCSRF, Message: "the " + csrfHeader + " header of this session is required"}
	}
	return nil
}

// requireStaff lets through staff callers holding one of roles, and records
// who it is for the access log.
func requireStaff(d Deps, realm string, roles []server.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := authStaff(r, d)
		if _, isBearer := bearer(r); isBearer && errors.Is(err, errNoCaller) && d.limits != nil {
			// A refused script token charges its address; past the budget
			// the refusal is a 429. Valid tokens are never refused here.
			if ok, wait := d.limits.staffFailIP.allow(clientIP(r)); !ok {
				rateLimited(w, wait)
				return
			}
		}
		if errors.Is(err, errNoCaller) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
			refuse(w, codeUnauthorized, "log in, or send a "+realm+" token")
			return
		}
		if err != nil {
			fail(w, d.Logger, err)
			return
		}
		if err := checkCSRF(r, c); err != nil {
			refuse(w, err.Code, err.Message)
			return
		}
		allowed := false
		for _, role := range roles {
			allowed = allowed || c.Role == role
		}
		if !allowed {
			refuse(w, codeForbidden, "this needs the "+string(roles[0])+" role")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey, c)))
	})
}

// adminOnly lets admins through: an admin's session or the admin token.
func adminOnly(d Deps, next http.Handler) http.Handler {
	return requireStaff(d, "lokaal admin", []server.Role{server.RoleAdmin}, next)
}

// staffOnly lets admins and reviewers through.
func staffOnly(d Deps, next http.Handler) http.Handler {
	return requireStaff(d, "lokaal review", []server.Role{server.RoleAdmin, server.RoleReviewer}, next)
}

// currentCaller is who staffOnly or adminOnly let through.
func currentCaller(r *http.Request) caller { return r.Context().Value(callerKey).(caller) }

// studentOnly lets requests through that carry a student's access token,
// and passes the student on.
func studentOnly(log *slog.Logger, store interface {
	StudentByToken(ctx context.Context, hash []byte) (server.Student, error)
}, next http.Handler) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		token, ok := bearer(r)
		var s server.Student
		err := server.ErrNotFound
		if ok {
			s, err = store.StudentByToken(r.Context(), sha(token))
		}
		if errors.Is(err, server.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lokaal exam"`)
			refuse(w, codeUnauthorized, "the access token from your exam link is required")
			return nil
		}
		if err != nil {
			return err
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), studentKey, s)))
		return nil
	})
}

// currentStudent is who studentOnly let through.
func currentStudent(r *http.Request) server.Student {
	return r.Context().Value(studentKey).(server.Student)
}

// me is what the pages learn about the logged-in caller; csrf is empty for
// a bearer token, which needs none.
type me struct {
	Name string      `json:"name"`
	Role server.Role `json:"role"`
	CSRF string      `json:"csrf"`
}

// startLogin starts a login for u: its StaffSession, its cookie, and the
// login in the access log.
func startLogin(w http.ResponseWriter, r *http.Request, d Deps, u server.User, via string) (me, error) {
	id, csrf := randomHex(32), randomHex(32)
	at := d.Now()
	// Ended sessions are inert, but their rows go here: logins are the only
	// thing that adds sessions, so they also bound how many are kept.
	if _, err := d.Store.ExpireStaffSessions(r.Context(), at); err != nil {
		return me{}, err
	}
	ss := server.StaffSession{User: u, CSRF: csrf, Created: at, LastSeen: at, Expires: at.Add(server.LoginAbsolute)}
	if err := d.Store.CreateStaffSession(r.Context(), ss, sha(id), via); err != nil {
		return me{}, err
	}
	// A session that came with the request is replaced, not kept alive
	// beside the new one.
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		if prev, err := d.Store.StaffSession(r.Context(), sha(old.Value), at); err == nil {
			by := server.Actor{Kind: server.ActorStaff, ID: prev.User.ID, Who: prev.User.Name, At: at}
			if err := d.Store.DeleteStaffSession(r.Context(), sha(old.Value), by); err != nil && !errors.Is(err, server.ErrNotFound) {
				return me{}, err
			}
		}
	}
	http.SetCookie(w, loginCookie(r, d, id, int(server.LoginAbsolute/time.Second)))
	return me{u.Name, u.Role, csrf}, nil
}

func loginCookie(r *http.Request, d Deps, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || d.SecureCookies}
}

// loginStaff logs in a staff member whom the institution's single sign-on
// vouched for: it creates the passwordless user or updates its role to
// the one the claims give now, starts the session with its cookie and logs
// the login. via names the method ("oidc"). A disabled user, or a name
// that belongs to a local password account, is refused.
func loginStaff(w http.ResponseWriter, r *http.Request, d Deps, name string, role server.Role, via string) error {
	if !role.Staff() {
		return errors.New("role " + string(role) + " cannot log in as staff")
	}
	if err := checkLabel("name", name); err != nil {
		return err
	}
	// The institution's sign-on vouched for the claims; lokaal acts on them.
	u, err := d.Store.EnsureSSOUser(r.Context(), name, role, server.NewID("u-"), server.SystemActor("oidc", "single sign-on", d.Now()))
	if err != nil {
		return err
	}
	_, err = startLogin(w, r, d, u, via)
	return err
}

// verifyPassword is password.Verify; tests count its calls.
var verifyPassword = password.Verify

// dummyHash is verified against for an unknown name, so that it costs the
// same time as a wrong password and does not reveal which names exist.
var dummyHash = sync.OnceValue(func() string {
	h, err := password.Hash(randomHex(16))
	if err != nil {
		panic(err)
	}
	return h
})

// handleLogin checks a name and password and starts a session. Every
// attempt that passes the rate limits is logged, successful or not, by
// name and never with the password.
func handleLogin(d Deps) http.Handler {
	type request struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	failIP := newLimiter(loginFailPerIPPerMinute, loginFailPerIPPerMinute, d.Now)
	byAccount := newLimiter(loginPerAccountPerMinute, loginPerAccountPerMinute, d.Now)
	hashes := newLimiter(loginHashesPerMinute, loginHashesBurst, d.Now)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if crossOrigin(r) { // login CSRF: logging a victim into the attacker's account
			refuse(w, codeCSRF, "cross-origin request refused")
			return
		}
		var req request
		err := decodeStaff(w, r, &req)
		if err == nil {
			err = checkLabel("name", req.Name)
		}
		if err == nil && (req.Password == "" || len(req.Password) > maxPasswordLen) {
			err = invalidf("password must be 1-%d bytes", maxPasswordLen)
		}
		if err != nil {
			fail(w, d.Logger, err)
			return
		}
		account := strings.ToLower(req.Name) + " " + clientIP(r)
		if ok, wait := byAccount.allow(account); !ok {
			rateLimited(w, wait)
			return
		}
		if ok, wait := hashes.allow("all"); !ok {
			byAccount.refund(account) // not guessed: no hash ran
			rateLimited(w, wait)
			return
		}
		u, hash, err := d.Store.UserByName(r.Context(), req.Name)
		if err != nil && !errors.Is(err, server.ErrNotFound) {
			fail(w, d.Logger, err)
			return
		}
		usable := err == nil && hash != "" && u.Disabled == nil
		if !usable {
			hash = dummyHash()
		}
		match, err := verifyPassword(req.Password, hash)
		if err != nil {
			fail(w, d.Logger, err)
			return
		}
		if !match || !usable {
			// The name is what the caller typed, so it is the subject, never
			// the actor: anyone may type "lokaal (automatic)".
			if _, err := d.Store.Access(r.Context(), server.AccessEntry{At: d.Now(), Kind: server.ActorAnonymous, Action: server.ActionLoginFailed,
				Subject: "user " + req.Name, Reason: "via password"}); err != nil {
				fail(w, d.Logger, err)
				return
			}
			refuse(w, codeBadLogin, "wrong name or password")
			return
		}
		byAccount.refund(account) // the right password costs the account nothing
		m, err := startLogin(w, r, d, u, "password")
		if err != nil {
			fail(w, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, m)
	})
	return chargeFailures(failIP, clientIP, refused, h)
}

// handleLogout ends the caller's session and clears its cookie. A bearer
// token has no session to end.
func handleLogout(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := currentCaller(r)
		if c.Login != nil {
			err := d.Store.DeleteStaffSession(r.Context(), c.idHash, c.actor(d.Now()))
			if err != nil && !errors.Is(err, server.ErrNotFound) {
				fail(w, d.Logger, err)
				return
			}
		}
		http.SetCookie(w, loginCookie(r, d, "", -1))
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := currentCaller(r)
		m := me{Name: c.Name, Role: c.Role}
		if c.Login != nil {
			m.CSRF = c.Login.CSRF
		}
		encode(w, http.StatusOK, m)
	})
}

func handleAuthMethods(oidc OIDCLogin) http.Handler {
	type response struct {
		Password bool `json:"password"`
		OIDC     bool `json:"oidc"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, response{Password: true, OIDC: oidc != nil})
	})
}

func handleCreateUser(log *slog.Logger, store server.UserStore, now func() time.Time) http.Handler {
	type request struct {
		Name     string      `json:"name"`
		Role     server.Role `json:"role"`
		Password string      `json:"password"`
	}
	type response struct {
		User server.User `json:"user"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decodeStaff(w, r, &req)
		if err == nil {
			err = checkLabel("name", req.Name)
		}
		if err == nil && !req.Role.Staff() {
			err = invalidf("role must be admin or reviewer")
		}
		if err == nil && len(req.Password) > maxPasswordLen {
			err = invalidf("password must be at most %d bytes", maxPasswordLen)
		}
		var hash string
		if err == nil {
			hash, err = password.Hash(req.Password)
			if errors.Is(err, password.ErrTooShort) {
				err = invalidf("%s", err.Error())
			}
		}
		if err != nil {
			return err
		}
		at := now()
		u := server.User{ID: server.NewID("u-"), Name: req.Name, Role: req.Role, Password: true, Created: time.UnixMilli(at.UnixMilli())}
		if err := store.CreateUser(r.Context(), u, hash, actor(r, at)); err != nil {
			return err
		}
		encode(w, http.StatusCreated, response{u})
		return nil
	})
}

// handleList answers every staff account or reviewer token, as
// {name: [...]}. It takes list as a method expression of store's
// interface, so store is called only when a request comes.
func handleList[S, T any](log *slog.Logger, store S, name string, list func(S, context.Context) ([]T, error)) http.Handler {
	return reply(log, func(r *http.Request) (map[string][]T, error) {
		all, err := list(store, r.Context())
		return map[string][]T{name: all}, err
	})
}

// handleRetire disables the staff account or revokes the reviewer token
// the path names, as the caller, and answers it as {name: ...}. Neither
// is ever deleted: the access log names them. retire is a method
// expression, as handleList's list is.
func handleRetire[S, T any](log *slog.Logger, store S, name string, retire func(S, context.Context, string, server.Actor) (T, error), now func() time.Time) http.Handler {
	return reply(log, func(r *http.Request) (map[string]T, error) {
		v, err := retire(store, r.Context(), r.PathValue("id"), actor(r, now()))
		return map[string]T{name: v}, err
	})
}
