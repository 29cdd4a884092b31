package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReceiptKeyFromEnv: LOKAAL_RECEIPT_KEY replaces the stored receipt key
// (the server publishes its public half); a bad one stops serve at start.
func TestReceiptKeyFromEnv(t *testing.T) {
	db := filepath.Join(t.TempDir(), "lokaal.db")
	seed := bytes.Repeat([]byte{42}, ed25519.SeedSize)
	want := base64.StdEncoding.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
	published := func(env map[string]string) string {
		base, _, stop := serveInProcess(t, db, env)
		defer stop()
		_, body := request(t, "GET", base+"/api/v1/receipt-key", "", "", nil)
		var got struct{ Key string }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		return got.Key
	}
	stored := published(nil)
	if stored == "" || stored == want {
		t.Fatalf("stored key %q", stored)
	}
	if got := published(map[string]string{"LOKAAL_RECEIPT_KEY": base64.StdEncoding.EncodeToString(seed)}); got != want {
		t.Errorf("with LOKAAL_RECEIPT_KEY: key %q, want %q", got, want)
	}
	if got := published(nil); got != stored {
		t.Errorf("without it again: key %q, want the stored %q", got, stored)
	}

	env := map[string]string{"LOKAAL_RECEIPT_KEY": "c2hvcnQ="}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // were it to serve anyway
	defer cancel()
	err := run(ctx, []string{"lokaal", "serve", "--addr", "127.0.0.1:0", "--db", db}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "LOKAAL_RECEIPT_KEY") {
		t.Errorf("a bad seed: %v", err)
	}
}
