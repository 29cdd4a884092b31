// Package password hashes staff passwords with argon2id (RFC 9106) and
// checks them against the stored PHC string.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters. Every hash carries its own, so
// raising Default later only affects new hashes; old ones still verify.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// Default is OWASP's 2023 recommendation for argon2id, m=19 MiB, t=2, p=1:
// the lowest memory of its equivalent settings, because a login costs that
// much memory for each concurrent attempt, and ~25 ms of one core per hash
// (BenchmarkHash) keeps a rate-limited login fast while a stolen hash costs
// an attacker the same 19 MiB and two passes per guess.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// MinLength is the shortest password accepted at creation, in characters.
const MinLength = 12

const (
	saltLen = 16
	keyLen  = 32
	// Bounds on parsed parameters, so a tampered hash cannot make Verify
	// allocate gigabytes or spin for minutes.
	maxMemory = 1 << 20 // 1 GiB
	maxTime   = 16
)

// Errors.
var (
	ErrTooShort  = fmt.Errorf("a password needs at least %d characters", MinLength)
	ErrMalformed = errors.New("not an argon2id PHC string")
)

// slots bounds concurrent hashes to the cores but one, so a burst of
// logins queues instead of allocating Memory for each at once, and leaves
// a core to the rest of the server: /healthz and ingest answer within
// milliseconds during a flood of failed logins.
var slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// Hash returns pw's argon2id hash with a fresh salt as a PHC string,
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH (unpadded standard base64).
func Hash(pw string) (string, error) {
	if utf8.RuneCountInString(pw) < MinLength {
		return "", ErrTooShort
	}
	return hashWith(pw, Default)
}

func hashWith(pw string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := derive(pw, salt, p, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func derive(pw string, salt []byte, p Params, n uint32) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, n)
}

// Verify reports whether pw matches encoded, comparing in constant time.
// The parameters come from encoded, so hashes made with older parameters
// keep working. A malformed string is an error, not a mismatch.
func Verify(pw, encoded string) (bool, error) {
	p, salt, key, err := Parse(encoded)
	if err != nil {
		return false, err
	}
	got := derive(pw, salt, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Parse splits a PHC string into its parameters, salt and key.
func Parse(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrMalformed, parts[2])
	}
	var threads uint32
	var rest string
	n, _ := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d%s", &p.Memory, &p.Time, &threads, &rest)
	if n != 3 || fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) != parts[3] {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformed, parts[3])
	}
	if p.Time < 1 || p.Time > maxTime || threads < 1 || threads > 255 || p.Memory < 8*threads || p.Memory > maxMemory {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range %q", ErrMalformed, parts[3])
	}
	p.Threads = uint8(threads)
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrMalformed)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("%w: hash", ErrMalformed)
	}
	return p, salt, key, nil
}
