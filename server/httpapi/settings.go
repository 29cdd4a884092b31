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
	return parseList(s, func(o string) (string, error) {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, "*;' ") {
			return "", fmt.Errorf("%q is not an https origin such as https://exams.example.org", o)
		}
		return "https://" + strings.ToLower(u.Host), nil
	})
}

// ParseBuilds reads Deps.Builds from text (serve's --allow-build, the
// Worker's LOKAAL_ALLOW_BUILDS): comma-separated hex SHA-256 hashes.
func ParseBuilds(s string) ([]string, error) {
	return parseList(s, func(b string) (string, error) {
		if !wire.ValidBuild(b) {
			return "", fmt.Errorf("%q is not a hex SHA-256 (64 lowercase hex digits)", b)
		}
		return b, nil
	})
}

// parseList reads a comma-separated setting: each item trimmed, empty ones
// skipped, each checked and normalised by parse, and each kept once.
func parseList(s string, parse func(item string) (string, error)) ([]string, error) {
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		v, err := parse(item)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}
