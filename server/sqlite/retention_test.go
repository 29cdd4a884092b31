//go:build !js

package sqlite

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// TestIncrementalVacuum: a new file is made in auto_vacuum=INCREMENTAL, and
// a file made without it is switched at Open, keeping its data.
func TestIncrementalVacuum(t *testing.T) {
	nativeOnly(t) // Open's file settings; on D1, D1 manages its space
	db := openNew(t)
	if n := count(t, db, "PRAGMA auto_vacuum"); n != 2 {
		t.Errorf("new file: auto_vacuum %d, want 2 (incremental)", n)
	}

	// A file from before: made by Open, then switched back to no
	// auto-vacuum, as every file made before the retention engine is.
	path := filepath.Join(t.TempDir(), "old.db")
	db = open(t, path)
	if err := db.CreateKiosk(ctx, server.Kiosk{ID: "k-1", Name: "a", Room: "hall", IntervalS: 60, Lines: []wire.Line{door}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var mode int
	if _, err := raw.Exec("PRAGMA auto_vacuum = NONE"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("VACUUM"); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow("PRAGMA auto_vacuum").Scan(&mode); err != nil || mode != 0 {
		t.Fatalf("setup: auto_vacuum %d %v", mode, err)
	}
	raw.Close()

	db = open(t, path)
	if n := count(t, db, "PRAGMA auto_vacuum"); n != 2 {
		t.Errorf("existing file: auto_vacuum %d, want 2", n)
	}
	if k, err := db.Kiosk(ctx, "k-1"); err != nil || k.Room != "hall" {
		t.Errorf("data after the switch: %+v %v", k, err)
	}
}

// TestRolledUpRefused: Ingest tells a rolled-up batch from a late one.
func TestRolledUpRefused(t *testing.T) {
	db, dev := setup(t)
	for _, seq := range []int64{1, 2, 4} {
		if _, err := db.Ingest(ctx, batch(dev, seq, "door"), []byte{byte(seq)}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	c, err := db.RollUpCounts(ctx, time.UnixMilli(batch(dev, 4, "door").Start))
	if err != nil || c.CountBatches != 3 || c.HourlyRows != 1 {
		t.Fatalf("roll-up %+v %v", c, err)
	}
	for _, seq := range []int64{1, 4} {
		if _, err := db.Ingest(ctx, batch(dev, seq, "door"), []byte{byte(seq)}, time.Now()); !errors.Is(err, server.ErrRolledUp) {
			t.Errorf("seq %d after roll-up: %v", seq, err)
		}
	}
	// seq 3 was a gap: it is stored, once.
	if res, err := db.Ingest(ctx, batch(dev, 3, "door"), []byte{3}, time.Now()); err != nil || res != server.Stored {
		t.Errorf("late seq 3: %v %v", res, err)
	}
	if res, err := db.Ingest(ctx, batch(dev, 3, "door"), []byte{3}, time.Now()); err != nil || res != server.Duplicate {
		t.Errorf("seq 3 again: %v %v", res, err)
	}
	if res, err := db.Ingest(ctx, batch(dev, 5, "door"), []byte{5}, time.Now()); err != nil || res != server.Stored {
		t.Errorf("next seq: %v %v", res, err)
	}
}
