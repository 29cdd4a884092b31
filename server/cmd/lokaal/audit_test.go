package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

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
