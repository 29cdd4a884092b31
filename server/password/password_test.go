package password

import (
	"errors"
	"strings"
	"testing"
)

const pw = "correct horse battery"

func TestHashVerify(t *testing.T) {
	enc, err := Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", enc)
	}
	if ok, err := Verify(pw, enc); !ok || err != nil {
		t.Errorf("right password: %v %v", ok, err)
	}
	for _, wrong := range []string{"correct horse battery ", "Correct horse battery", "", "correct horse batter"} {
		if ok, err := Verify(wrong, enc); ok || err != nil {
			t.Errorf("wrong password %q: %v %v", wrong, ok, err)
		}
	}
	again, _ := Hash(pw)
	if again == enc {
		t.Error("two hashes of one password are equal: the salt is not fresh")
	}
}

func TestTooShort(t *testing.T) {
	for _, short := range []string{"", "elevenchars", "ééééééééééé"} { // 11 characters, 22 bytes
		if _, err := Hash(short); !errors.Is(err, ErrTooShort) {
			t.Errorf("Hash(%q) = %v", short, err)
		}
	}
	if _, err := Hash("twelve chars"); err != nil {
		t.Error(err)
	}
}

// TestParamsRoundTrip: a hash made with other parameters verifies with
// them, so Default can be raised later without locking anyone out.
func TestParamsRoundTrip(t *testing.T) {
	p := Params{Memory: 8 * 1024, Time: 3, Threads: 2}
	enc, err := hashWith(pw, p)
	if err != nil {
		t.Fatal(err)
	}
	got, salt, key, err := Parse(enc)
	if err != nil || got != p || len(salt) != saltLen || len(key) != keyLen {
		t.Fatalf("Parse(%q) = %+v %d %d %v", enc, got, len(salt), len(key), err)
	}
	if ok, err := Verify(pw, enc); !ok || err != nil {
		t.Errorf("verify with stored params: %v %v", ok, err)
	}
	// The same salt and password under Default's parameters derive another
	// key: Verify really used the stored ones.
	if string(derive(pw, salt, Default, keyLen)) == string(key) {
		t.Error("parameters do not change the key")
	}
}

func TestTampered(t *testing.T) {
	enc, err := Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$")
	flip := func(s string) string { // change one character of base64
		b := []byte(s)
		if b[3] == 'A' {
			b[3] = 'B'
		} else {
			b[3] = 'A'
		}
		return string(b)
	}
	join := func(i int, v string) string {
		q := append([]string(nil), parts...)
		q[i] = v
		return strings.Join(q, "$")
	}
	// A changed salt, hash or cost is a mismatch, never a match.
	for name, enc := range map[string]string{
		"salt": join(4, flip(parts[4])),
		"hash": join(5, flip(parts[5])),
		"time": join(3, "m=19456,t=3,p=1"),
	} {
		if ok, err := Verify(pw, enc); ok || err != nil {
			t.Errorf("%s tampered: %v %v", name, ok, err)
		}
	}
	// Anything not well-formed is an error.
	for _, bad := range []string{
		"", "plain", strings.Replace(enc, "argon2id", "argon2i", 1),
		strings.Replace(enc, "v=19", "v=16", 1),
		join(3, "m=19456,t=2"), join(3, "m=19456,t=2,p=1,x=1"), join(3, "t=2,m=19456,p=1"),
		join(3, "m=4194304,t=2,p=1"), join(3, "m=19456,t=1000,p=1"), join(3, "m=19456,t=0,p=1"),
		join(4, "!!"), join(5, ""), join(5, parts[5]+"="), enc + "$",
	} {
		if ok, err := Verify(pw, bad); ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v", bad, ok, err)
		}
	}
}

// BenchmarkHash measures one login's cost at Default.
func BenchmarkHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hash(pw); err != nil {
			b.Fatal(err)
		}
	}
}
