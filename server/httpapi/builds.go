package httpapi

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/lokaal-nl/lokaal/server/assets"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// clients are the wasm files a browser runs.
var clients = []string{"kiosk.wasm", "exam.wasm"}

// builds is the allow-list of client builds: the ones this server serves,
// so its own pages always work, plus configured ones, e.g. the previous
// release while kiosks reload. Counts, session starts and summaries from
// any other build are refused: they were not made by a published client.
//
// The kiosk's build is the hex SHA-256 of kiosk.wasm. The exam's is
// wire.ManifestBuild of exam.wasm and every model exam.html names (its
// detection worker loads them), so a changed model is a changed build.
type builds struct {
	served  map[string]string // file name → hex SHA-256, as served: the wasm and the exam's models
	exam    string            // the exam client's build
	allowed map[string]bool
}

func newBuilds(files *assets.Set, served map[string]string, extra []string) *builds {
	b := &builds{served: map[string]string{}, allowed: map[string]bool{}}
	if served == nil && files != nil {
		served = map[string]string{}
		for _, name := range append(slices.Clone(clients), files.Models("exam.html")...) {
			if sum, ok := files.SHA256(name); ok {
				served[name] = sum
			}
		}
	}
	for name, sum := range served {
		b.served[name] = sum
	}
	if sum, ok := b.served["kiosk.wasm"]; ok {
		b.allowed[sum] = true
	}
	if _, ok := b.served["exam.wasm"]; ok {
		if id, err := wire.ManifestBuild(b.examFiles()); err == nil {
			b.exam = id
			b.allowed[id] = true
		}
	}
	for _, h := range extra {
		b.allowed[h] = true
	}
	return b
}

// examFiles is what the exam's build covers: exam.wasm and its models.
func (b *builds) examFiles() map[string]string {
	out := map[string]string{}
	for name, sum := range b.served {
		if name == "exam.wasm" || IsModel(name) {
			out[name] = sum
		}
	}
	return out
}

// IsModel reports whether a served file name is model weights the exam's
// detection worker loads (and the exam build covers).
func IsModel(name string) bool {
	_, known := Models[name]
	return known || path.Ext(name) == ".lknn"
}

// ServedList encodes a served map as make worker links it into the Worker
// (-X main.served): "name=hex,…" sorted by name.
func ServedList(served map[string]string) string {
	var parts []string
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range served {
			if !yield(n) {
				return
			}
		}
	}) {
		parts = append(parts, n+"="+served[n])
	}
	return strings.Join(parts, ",")
}

// ParseServed reads ServedList's encoding.
func ParseServed(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, sum, ok := strings.Cut(part, "=")
		if !ok || name == "" || !wire.ValidBuild(sum) {
			return nil, fmt.Errorf("served file %q is not NAME=HEX-SHA256", part)
		}
		out[name] = sum
	}
	return out, nil
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

// ServedBuilds is the client builds a served map makes: the kiosk's, then
// the exam's (either absent when its wasm is).
func ServedBuilds(served map[string]string) []string {
	b := newBuilds(nil, served, nil)
	var out []string
	if k, ok := b.served["kiosk.wasm"]; ok {
		out = append(out, k)
	}
	if b.exam != "" {
		out = append(out, b.exam)
	}
	return out
}
