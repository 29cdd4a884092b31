package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// ParseFrameOrigins reads Deps.FrameOrigins from text (serve's
// --frame-origins, the Worker's LOKAAL_FRAME_ORIGINS): comma-separated https
// origins, each scheme://host[:port] and nothing more, since they go into a
// CSP.
func ParseFrameOrigins(s string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(s, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, "*;' ") {
			return nil, fmt.Errorf("%q is not an https origin such as https://exams.example.org", o)
		}
		if o = "https://" + strings.ToLower(u.Host); !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// ParseBuilds reads Deps.Builds from text (serve's --allow-build, the
// Worker's LOKAAL_ALLOW_BUILDS): comma-separated hex SHA-256 hashes.
func ParseBuilds(s string) ([]string, error) {
	var out []string
	for _, b := range strings.Split(s, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		if !wire.ValidBuild(b) {
			return nil, fmt.Errorf("%q is not a hex SHA-256 (64 lowercase hex digits)", b)
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out, nil
}
