package httpapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite/sqlitetest"
)

// The signed head names the newest entry, verifies with the audit key and
// with no other, and is 503 without a key.
func TestAuditHead(t *testing.T) {
	db := openDB(t, sqlitetest.Open, filepath.Join(t.TempDir(), "lokaal.db"))
	for range 3 {
		if _, err := db.Access(context.Background(), server.AccessEntry{Kind: server.ActorStaff, Who: "admin", Action: server.ActionAddMark, Subject: "session s-1 mark 1"}); err != nil {
			t.Fatal(err)
		}
	}
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, 32))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := func() time.Time { return t0 }
	w := httptest.NewRecorder()
	handleAuditHead(log, db, key, now).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/audit/head", nil))
	wantStatus(t, w, http.StatusOK)
	h := decodeJSON[server.SignedHead](t, w)
	entries, _ := db.AccessEntries(context.Background(), 1, 0)
	if h.Seq != 3 || h.Hash != entries[2].Hash || h.At != t0.UnixMilli() || h.Verify() != nil {
		t.Errorf("head %+v (verify: %v)", h, h.Verify())
	}
	if h.Key != base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)) {
		t.Errorf("key %s", h.Key)
	}
	h.Hash = entries[1].Hash
	if h.Verify() == nil {
		t.Error("a head with another hash verified")
	}
	w = httptest.NewRecorder()
	handleAuditHead(log, db, nil, now).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/audit/head", nil))
	wantError(t, w, http.StatusServiceUnavailable, codeUnavailable)
}
