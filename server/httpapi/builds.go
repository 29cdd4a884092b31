package httpapi

import (
	"fmt"
	"slices"

	"github.com/lokaal-nl/lokaal/server/assets"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// clients are the wasm files a browser runs; their hashes are the builds a
// server accepts without configuration.
var clients = []string{"kiosk.wasm", "exam.wasm"}

// builds is the allow-list of client builds (hex SHA-256 of a wasm): the
// ones this server serves, so its own pages always work, plus configured
// ones, e.g. the previous release while kiosks reload. Counts, session starts
// and summaries from any other build are refused: they were not made by a
// published client.
type builds struct {
	served  map[string]string // client file name → hash, as served
	allowed map[string]bool
}

func newBuilds(files *assets.Set, served map[string]string, extra []string) *builds {
	b := &builds{served: map[string]string{}, allowed: map[string]bool{}}
	for _, name := range clients {
		sum, ok := served[name]
		if !ok && files != nil {
			sum, ok = files.SHA256(name)
		}
		if ok {
			b.served[name] = sum
			b.allowed[sum] = true
		}
	}
	for _, h := range extra {
		b.allowed[h] = true
	}
	return b
}

// check refuses a build that is not on the list, naming it and where the
// allowed ones are published.
func (b *builds) check(build string) error {
	if b.allowed[build] {
		return nil
	}
	return &wire.Error{Code: wire.CodeBuildNotAllowed, Message: fmt.Sprintf(
		"client build %s is not one this server accepts; the allowed builds are listed on /transparency", build)}
}

// list is the allowed builds, sorted, as /transparency publishes them.
func (b *builds) list() []string {
	out := make([]string, 0, len(b.allowed))
	for h := range b.allowed {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}
