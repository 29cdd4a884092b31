package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

// tamper runs queries on the database at path behind the access log's
// back.
func tamper(t *testing.T, path string, queries ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range queries {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// auditDB makes a database with n access-log entries.
func auditDB(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lokaal.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range n {
		if _, err := db.Access(context.Background(), server.AccessEntry{Kind: server.ActorStaff, Who: "admin", Action: server.ActionAddMark,
			Subject: fmt.Sprintf("session s-%d mark 1", i), Reason: "a reason"}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func auditVerify(path string) (string, error) {
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"lokaal", "audit", "verify", "--db", path}, func(string) string { return "" }, &out, &errs)
	return out.String(), err
}

func TestAuditVerify(t *testing.T) {
	path := auditDB(t, 4)
	out, err := auditVerify(path)
	if err != nil || !strings.HasPrefix(out, "ok: 4 entries, head ") || len(strings.TrimSpace(out)) != len("ok: 4 entries, head ")+64 {
		t.Errorf("valid log: %q %v", out, err)
	}

	for name, tc := range map[string]struct {
		sql  []string
		want string
	}{
		"reason edited":  {[]string{"UPDATE access_log SET reason = '' WHERE seq = 3"}, "broken at seq 3: "},
		"middle deleted": {[]string{"DELETE FROM access_log WHERE seq = 2"}, "broken at seq 2: "},
		"rows swapped": {[]string{
			"UPDATE access_log SET seq = -1 WHERE seq = 2",
			"UPDATE access_log SET seq = 2 WHERE seq = 3",
			"UPDATE access_log SET seq = 3 WHERE seq = -1",
		}, "broken at seq 2: "},
	} {
		t.Run(name, func(t *testing.T) {
			path := auditDB(t, 4)
			tamper(t, path, tc.sql...)
			out, err := auditVerify(path)
			if err == nil || !strings.HasPrefix(out, tc.want) {
				t.Errorf("got %q %v, want %q and an error", out, err, tc.want)
			}
		})
	}

	if _, err := auditVerify(filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("a missing database verified")
	}
	var buf bytes.Buffer
	if err := run(context.Background(), []string{"lokaal", "audit"}, nil, &buf, &buf); err == nil || !strings.Contains(err.Error(), "audit verify") {
		t.Errorf("usage: %v", err)
	}
}

// signedHeadFile signs the database's current head as the server does and
// writes it where an auditor would keep it.
func signedHeadFile(t *testing.T, path string, key ed25519.PrivateKey) string {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seq, hash, err := db.AccessHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(server.SignHead(key, seq, hash, time.Now()))
	file := filepath.Join(t.TempDir(), "head.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func auditVerifyHead(path, head string) (string, error) {
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"lokaal", "audit", "verify", "--db", path, "--head", head}, func(string) string { return "" }, &out, &errs)
	return out.String(), err
}

// TestAuditVerifyHead: both tamperings the chain alone cannot see (the
// newest entries deleted; an entry edited and every later hash
// recomputed) pass plain verify and fail against a head kept elsewhere.
func TestAuditVerifyHead(t *testing.T) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	tamper := map[string]func(*testing.T, *sql.DB){
		"the newest 20 deleted": func(t *testing.T, raw *sql.DB) {
			if _, err := raw.Exec("DELETE FROM access_log WHERE seq > 10"); err != nil {
				t.Fatal(err)
			}
		},
		"an entry edited, the chain recomputed": func(t *testing.T, raw *sql.DB) {
			db := rechain{raw}
			entries := db.entries(t)
			entries[24].Reason = "nothing happened"
			for i := 24; i < len(entries); i++ {
				entries[i].Prev = entries[i-1].Hash
				entries[i].Hash = entries[i].ComputeHash()
				if _, err := raw.Exec("UPDATE access_log SET reason = ?, prev = ?, hash = ? WHERE seq = ?",
					entries[i].Reason, entries[i].Prev, entries[i].Hash, entries[i].Seq); err != nil {
					t.Fatal(err)
				}
			}
		},
	}
	for name, change := range tamper {
		t.Run(name, func(t *testing.T) {
			path := auditDB(t, 30)
			head := signedHeadFile(t, path, key)
			if out, err := auditVerifyHead(path, head); err != nil || !strings.Contains(out, "ok: holds entry 30") {
				t.Fatalf("untouched: %q %v", out, err)
			}
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			change(t, raw)
			raw.Close()
			if out, err := auditVerify(path); err != nil {
				t.Fatalf("plain verify should not see it: %q %v", out, err)
			}
			out, err := auditVerifyHead(path, head)
			if err == nil || !strings.Contains(out, "does not match the signed head") {
				t.Errorf("with the head: %q %v", out, err)
			}
		})
	}
	t.Run("a forged head", func(t *testing.T) {
		path := auditDB(t, 3)
		file := signedHeadFile(t, path, key)
		var h server.SignedHead
		b, _ := os.ReadFile(file)
		json.Unmarshal(b, &h)
		h.Seq = 2
		b, _ = json.Marshal(h)
		os.WriteFile(file, b, 0o600)
		if _, err := auditVerifyHead(path, file); err == nil || !strings.Contains(err.Error(), "signature") {
			t.Errorf("forged head: %v", err)
		}
	})
}

type rechain struct{ raw *sql.DB }

func (r rechain) entries(t *testing.T) []server.AccessEntry {
	t.Helper()
	rows, err := r.raw.Query("SELECT seq, at_ms, actor_kind, actor_id, who, action, subject, reason, prev, hash FROM access_log ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []server.AccessEntry
	for rows.Next() {
		var e server.AccessEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.ActorID, &e.Who, &e.Action, &e.Subject, &e.Reason, &e.Prev, &e.Hash); err != nil {
			t.Fatal(err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out
}

func TestLoadAuditKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data", "audit.key")
	k1, err := loadAuditKey("", file)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", st, err)
	}
	k2, err := loadAuditKey("", file)
	if err != nil || !k1.Equal(k2) {
		t.Errorf("reloaded another key: %v", err)
	}
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))
	k3, err := loadAuditKey(seed, file)
	if err != nil || k3.Equal(k1) || !k3.Equal(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))) {
		t.Errorf("LOKAAL_AUDIT_KEY did not win: %v", err)
	}
	if _, err := loadAuditKey("AAAA", file); err == nil {
		t.Error("a short seed was accepted")
	}
}
