package wire

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// The small-order points and their non-canonical encodings, as blocked by
// libsodium's crypto_sign_verify (ge25519_has_small_order) and listed in
// "Taming the many EdDSAs" (Chalkias et al., 2020).
var weakKeys = []string{
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4, x = 0 with the sign set
	"0100000000000000000000000000000000000000000000000000000000000000", // the identity
	"0100000000000000000000000000000000000000000000000000000000000080", // the identity, sign set
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, sign set
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p: 0 again, non-canonical
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1: the identity, non-canonical
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = 2^255 - 1 ≥ p
}

func TestWeakPublicKeysRefused(t *testing.T) {
	for _, h := range weakKeys {
		k, _ := hex.DecodeString(h)
		if err := checkPublicKey(k); err == nil {
			t.Errorf("%s accepted", h)
		}
	}
	if err := checkPublicKey(make([]byte, 31)); err == nil {
		t.Error("a short key accepted")
	}
}

// The small-order check itself: the order-8 points above are refused as
// small order (not merely as malformed), so the multiplication works.
func TestSmallOrderIsSmallOrder(t *testing.T) {
	for _, h := range weakKeys[6:10] {
		k, _ := hex.DecodeString(h)
		if err := checkPublicKey(k); err == nil || !strings.Contains(err.Error(), "small order") {
			t.Errorf("%s: %v", h, err)
		}
	}
}

func TestRealPublicKeysAccepted(t *testing.T) {
	for range 200 {
		pub, _, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkPublicKey(pub); err != nil {
			t.Fatalf("%x: %v", []byte(pub), err)
		}
	}
	// The base point's encoding (RFC 8032 §5.1).
	b, _ := hex.DecodeString("5866666666666666666666666666666666666666666666666666666666666666")
	if err := checkPublicKey(b); err != nil {
		t.Errorf("base point: %v", err)
	}
}

// Bytes that decode to no point at all: y = 2 has no x on the curve.
func TestNotAPoint(t *testing.T) {
	b := make([]byte, 32)
	b[0] = 2
	if err := checkPublicKey(b); err == nil {
		t.Error("y = 2 accepted")
	}
}

// Enrolment and session start refuse the weak keys with 400 invalid.
func TestValidateRefusesWeakKeys(t *testing.T) {
	for _, h := range weakKeys {
		k, _ := hex.DecodeString(h)
		b64 := base64.StdEncoding.EncodeToString(k)
		if _, err := (EnrolRequest{Code: "a-valid-code", PublicKey: b64}).Validate(); code(err) != CodeInvalid {
			t.Errorf("enrol with %s: %v", h, err)
		}
		start := StartRequest{PublicKey: b64, Build: strings.Repeat("a", 64)}
		if _, err := start.Validate(); code(err) != CodeInvalid {
			t.Errorf("session start with %s: %v", h, err)
		}
	}
}
