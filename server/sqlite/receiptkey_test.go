//go:build !js

package sqlite

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"path/filepath"
	"testing"
)

// TestReceiptSeedOverride: a configured seed (LOKAAL_RECEIPT_KEY, a Worker
// secret) replaces the stored key without touching it; without one, the
// stored key is used again.
func TestReceiptSeedOverride(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	a := open(t, path)
	stored, err := a.ReceiptKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	if err := a.UseReceiptSeed(" " + base64.StdEncoding.EncodeToString(seed) + "\n"); err != nil {
		t.Fatal(err)
	}
	got, err := a.ReceiptKey(ctx)
	if err != nil || !got.Equal(ed25519.NewKeyFromSeed(seed)) {
		t.Fatalf("with a seed: %x %v", got, err)
	}
	if again, err := open(t, path).ReceiptKey(ctx); err != nil || !again.Equal(stored) {
		t.Errorf("the stored key changed: %x %v", again, err)
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(seed[:31]), base64.StdEncoding.EncodeToString(make([]byte, 64))} {
		b := openNew(t)
		if err := b.UseReceiptSeed(bad); err == nil {
			t.Errorf("seed %q accepted", bad)
		}
		if k, err := b.ReceiptKey(ctx); err != nil || k.Equal(ed25519.NewKeyFromSeed(seed)) || len(k) != ed25519.PrivateKeySize {
			t.Errorf("after refusing %q: %x %v", bad, k, err)
		}
	}
}
