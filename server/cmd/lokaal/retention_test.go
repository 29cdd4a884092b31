package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/sqlite"
)

func retentionRun(path string, args ...string) (string, error) {
	var out, errs bytes.Buffer
	err := run(context.Background(), append([]string{"lokaal", "retention", "run", "--db", path}, args...), func(string) string { return "" }, &out, &errs)
	return out.String(), err
}

// TestRetentionRunAndVerify: the operator's run deletes old access-log
// entries and audit verify then checks the chain from the anchor, and
// still finds a moved anchor or an edited entry.
func TestRetentionRunAndVerify(t *testing.T) {
	path := auditDB(t, 4) // entries at the real now
	now := time.Now().UTC().AddDate(3, 0, 0).Format(time.RFC3339)
	out, err := retentionRun(path, "--now", now)
	if err != nil || !strings.Contains(out, "access_entries=4") {
		t.Fatalf("run: %q %v", out, err)
	}
	out, err = auditVerify(path)
	if err != nil || !strings.HasPrefix(out, "ok: 1 entries from seq 5 (entries up to 4 deleted by retention") {
		t.Errorf("verify after retention: %q %v", out, err)
	}
	if out, err := retentionRun(path, "--now", "yesterday"); err == nil {
		t.Errorf("bad --now: %q", out)
	}
	var buf bytes.Buffer
	if err := run(context.Background(), []string{"lokaal", "retention"}, nil, &buf, &buf); err == nil || !strings.Contains(err.Error(), "retention run") {
		t.Errorf("usage: %v", err)
	}

	for name, q := range map[string]string{
		"anchor moved":  "UPDATE access_anchor SET seq = 3",
		"entry edited":  "UPDATE access_log SET reason = 'x'",
		"anchor hash":   "UPDATE access_anchor SET hash = '" + strings.Repeat("1", 64) + "'",
		"anchor erased": "DELETE FROM access_anchor",
	} {
		t.Run(name, func(t *testing.T) {
			path := auditDB(t, 4)
			if _, err := retentionRun(path, "--now", now); err != nil {
				t.Fatal(err)
			}
			tamper(t, path, q)
			if out, err := auditVerify(path); err == nil || !strings.Contains(out, "broken") {
				t.Errorf("got %q %v", out, err)
			}
		})
	}
}

// countingStore records the runs the scheduler makes.
type countingStore struct {
	*sqlite.DB
	mu    sync.Mutex
	runs  []server.DeletionRecord
	first chan struct{}
}

func (s *countingStore) FinishRun(ctx context.Context, r server.DeletionRecord, through time.Time) (server.DeletionRecord, error) {
	r, err := s.DB.FinishRun(ctx, r, through)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, r)
	if len(s.runs) == 1 {
		close(s.first)
	}
	return r, err
}

// TestRetentionScheduler: serve's scheduler runs once at start, recording a
// scheduled run, and stops with its context; 0 disables it.
func TestRetentionScheduler(t *testing.T) {
	path := auditDB(t, 0)
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	off := &countingStore{DB: db, first: make(chan struct{})}
	startRetention(context.Background(), log, off, 0)()
	if len(off.runs) != 0 {
		t.Errorf("disabled scheduler ran %d times", len(off.runs))
	}

	s := &countingStore{DB: db, first: make(chan struct{})}
	stop := startRetention(context.Background(), log, s, time.Hour)
	<-s.first
	stop() // returns only once the scheduler has stopped
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.runs) != 1 || s.runs[0].Trigger != server.TriggerSchedule || s.runs[0].ID == 0 {
		t.Errorf("runs %+v", s.runs)
	}
}
