package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
)

// ManifestBuild is the exam client's build identity: the hex SHA-256 of a
// manifest naming every file that runs, exam.wasm and the model weights it
// loads, one "NAME HEXSHA256\n" line each, sorted by name. A changed model
// is a changed build, exactly as a changed wasm is. The page computes it
// from what it fetched (checked by Subresource Integrity), the server from
// what it serves, so both sides agree without trusting a label.
//
// The kiosk runs no model: its build stays the hash of kiosk.wasm itself.
func ManifestBuild(files map[string]string) (string, error) {
	if len(files) == 0 {
		return "", errors.New("wire: a build names at least one file")
	}
	for n, h := range files {
		if n == "" || strings.ContainsAny(n, " \n") {
			return "", errors.New("wire: bad file name in a build manifest: " + n)
		}
		if !isHash(h) {
			return "", errors.New("wire: " + n + ": not a hex SHA-256")
		}
	}
	return hashHex([]byte(Manifest(files))), nil
}

// Manifest is the text ManifestBuild hashes, for display (/transparency)
// and checking by hand: `sha256sum` of it is the build.
func Manifest(files map[string]string) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + " " + files[n] + "\n")
	}
	return b.String()
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
