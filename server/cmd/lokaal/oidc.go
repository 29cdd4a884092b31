package main

import (
	"context"
	"errors"
	"flag"
	"strings"

	"github.com/lokaal-nl/lokaal/server/httpapi"
	"github.com/lokaal-nl/lokaal/server/oidc"
)

// oidcFlags are serve's single sign-on flags. The client secret is not one
// of them: flags show in ps, so it comes from LOKAAL_OIDC_CLIENT_SECRET.
type oidcFlags struct {
	issuer, clientID, redirectURL, roleClaim, roles, nameClaim, scopes *string
}

func addOIDCFlags(fs *flag.FlagSet) oidcFlags {
	return oidcFlags{
		issuer:      fs.String("oidc-issuer", "", "OpenID Connect issuer URL for staff single sign-on, e.g. https://connect.surfconext.nl (unset: local accounts only)"),
		clientID:    fs.String("oidc-client-id", "", "client id registered with the provider (secret: env LOKAAL_OIDC_CLIENT_SECRET)"),
		redirectURL: fs.String("oidc-redirect-url", "", "this server's callback as registered, https://HOST/auth/oidc/callback"),
		roleClaim:   fs.String("oidc-role-claim", "", "claim whose values map to roles, a string or array (e.g. eduperson_entitlement, groups)"),
		roles:       fs.String("oidc-roles", "", "comma-separated VALUE=admin|reviewer pairs for the role claim's values"),
		nameClaim:   fs.String("oidc-name-claim", "email", "claim that names staff in the access log"),
		scopes:      fs.String("oidc-scopes", "", "comma-separated scopes besides openid (default: email,profile)"),
	}
}

// login connects to the provider (discovery) when --oidc-issuer is set; it
// returns a nil OIDCLogin, not a nil *oidc.Login, when it is not.
func (f oidcFlags) login(ctx context.Context, getenv func(string) string) (httpapi.OIDCLogin, error) {
	if *f.issuer == "" {
		if *f.clientID != "" || *f.redirectURL != "" || *f.roleClaim != "" || *f.roles != "" || *f.scopes != "" {
			return nil, errors.New("the --oidc-* flags need --oidc-issuer")
		}
		return nil, nil
	}
	secret := getenv("LOKAAL_OIDC_CLIENT_SECRET")
	switch {
	case *f.clientID == "":
		return nil, errors.New("--oidc-issuer needs --oidc-client-id")
	case secret == "":
		return nil, errors.New("--oidc-issuer needs the client secret in LOKAAL_OIDC_CLIENT_SECRET")
	case *f.redirectURL == "":
		return nil, errors.New("--oidc-issuer needs --oidc-redirect-url")
	case *f.roleClaim == "" || *f.roles == "":
		return nil, errors.New("--oidc-issuer needs --oidc-role-claim and --oidc-roles: without them nobody could sign in")
	}
	roles, err := oidc.ParseRoles(*f.roles)
	if err != nil {
		return nil, err
	}
	var scopes []string
	for s := range strings.SplitSeq(*f.scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	login, err := oidc.New(ctx, oidc.Config{Issuer: *f.issuer, ClientID: *f.clientID, ClientSecret: secret,
		RedirectURL: *f.redirectURL, Scopes: scopes, NameClaim: *f.nameClaim, RoleClaim: *f.roleClaim, Roles: roles})
	if err != nil {
		return nil, err
	}
	return login, nil
}
