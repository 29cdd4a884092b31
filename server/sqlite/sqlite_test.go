//go:build !js

package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/server/d1/d1sqlite"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var ctx = context.Background()

var door = wire.Line{Name: "door", A: [2]float64{0, 0.8}, B: [2]float64{1, 0.8}, Mode: wire.Immediate}

// onD1 runs the tests on server/d1's driver, over SQLite as D1 runs it
// (d1sqlite), instead of on native SQLite: LOKAAL_STORE=d1 go test, or
// go test ./server/sqlite -args -d1. make unit runs both.
var d1Flag = flag.Bool("d1", false, "run the store on the D1 driver (or set LOKAAL_STORE=d1)")

// onD1 reads the environment when a test runs, not at package init, so
// that go test's cache knows the result depends on it.
func onD1() bool { return *d1Flag || os.Getenv("LOKAAL_STORE") == "d1" }

// open opens the store at path: natively with Open; on D1, Open applies the
// migrations as wrangler would, and the store is New over the d1 driver on
// a fresh connection to the file, like a Worker's.
func open(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if onD1() {
		db.Close()
		b, err := d1sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		db = New(d1.OpenDB(b))
		t.Cleanup(func() { b.Close() })
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openNew is open on a new database of the test's own.
func openNew(t *testing.T) *DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "lokaal.db"))
}

// migratedBefore makes a database at path as a store from before the
// migration named next (e.g. "0008") left it: every earlier migration
// applied and recorded. The caller adds its rows and closes it.
func migratedBefore(t *testing.T, path, next string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, name := range names {
		base := strings.TrimSuffix(filepath.Base(name), ".sql")
		if base >= next {
			break
		}
		version, _ := strconv.Atoi(base[:4])
		q, _ := migrations.ReadFile(name)
		if _, err := raw.Exec(string(q)); err != nil {
			t.Fatal(name, err)
		}
		if _, err := raw.Exec("INSERT INTO schema_migrations VALUES (?, ?, 0)", version, base); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

// nativeOnly skips a test of native SQLite's own settings or files.
func nativeOnly(t *testing.T) {
	t.Helper()
	if onD1() {
		t.Skip("native SQLite only")
	}
}

func count(t *testing.T, db *DB, query string) int {
	t.Helper()
	var n int
	if err := db.db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "lokaal.db") // the directory is created
	db := open(t, path)
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	if len(names) == 0 || count(t, db, "SELECT count(*) FROM schema_migrations") != len(names) {
		t.Fatalf("%d migrations, %d applied", len(names), count(t, db, "SELECT count(*) FROM schema_migrations"))
	}
	var mode string
	db.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	// Open's connection settings are native SQLite's; D1 has its own.
	if !onD1() && (mode != "wal" || count(t, db, "PRAGMA synchronous") != 2 || count(t, db, "PRAGMA foreign_keys") != 1 || count(t, db, "PRAGMA busy_timeout") == 0) {
		t.Errorf("journal_mode %s, synchronous %d, foreign_keys %d", mode, count(t, db, "PRAGMA synchronous"), count(t, db, "PRAGMA foreign_keys"))
	}
	if err := db.CreateKiosk(ctx, server.Kiosk{ID: "k-1", Name: "a", Room: "b", IntervalS: 60, Lines: []wire.Line{door}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Re-opening applies nothing twice and keeps the data.
	db = open(t, path)
	if n := count(t, db, "SELECT count(*) FROM schema_migrations"); n != len(names) {
		t.Errorf("%d migrations recorded after re-open", n)
	}
	if k, err := db.Kiosk(ctx, "k-1"); err != nil || k.Lines[0] != withSide(door, wire.Left) {
		t.Errorf("kiosk after re-open: %+v %v", k, err)
	}
}

// TestMigrationsPortable keeps the SQL runnable on Cloudflare D1, which
// takes migrations as plain SQL files.
func TestMigrationsPortable(t *testing.T) {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, name := range names {
		body, _ := migrations.ReadFile(name)
		sql := strings.ToUpper(string(body))
		for _, banned := range []string{"PRAGMA", "BEGIN", "COMMIT", "ATTACH"} {
			if strings.Contains(sql, banned) {
				t.Errorf("%s contains %s", name, banned)
			}
		}
	}
}

func setup(t *testing.T) (*DB, string) {
	t.Helper()
	db := openNew(t)
	return db, setupKiosk(t, db)
}

// setupKiosk adds kiosk k-1 with two lines and enrols its device d-1.
func setupKiosk(t *testing.T, db *DB) string {
	t.Helper()
	side := wire.Line{Name: "side", A: [2]float64{0.5, 0}, B: [2]float64{0.5, 1}, Mode: wire.Deferred}
	if err := db.CreateKiosk(ctx, server.Kiosk{ID: "k-1", Name: "a", Room: "hall", IntervalS: 60, Lines: []wire.Line{door, side}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetEnrolmentCode(ctx, "k-1", []byte("hash"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	if _, err := db.Enrol(ctx, []byte("hash"), server.Device{ID: "d-1", PublicKey: pub}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return "d-1"
}

func batch(device string, seq int64, lines ...string) wire.CountBatch {
	b := wire.CountBatch{Device: device, Seq: seq, Start: 1767225600000 + seq*60000, End: 1767225660000 + seq*60000}
	for _, l := range lines {
		b.Lines = append(b.Lines, wire.LineCount{Line: l, In: seq, Out: 1})
	}
	return b
}

func TestIngestAllOrNothing(t *testing.T) {
	db, dev := setup(t)
	// The second line is unknown: the first must not be stored either.
	if _, err := db.Ingest(ctx, batch(dev, 3, "door", "window"), []byte{1}, time.Now()); !errors.Is(err, server.ErrUnknownLine) {
		t.Fatalf("err %v", err)
	}
	for _, table := range []string{"batches", "batch_lines", "gaps"} {
		if n := count(t, db, "SELECT count(*) FROM "+table); n != 0 {
			t.Errorf("%d rows in %s after a rejected batch", n, table)
		}
	}
	if d, _ := db.Device(ctx, dev); d.LastSeq != 0 || d.LastSeen != nil {
		t.Errorf("device touched: %+v", d)
	}
	if _, err := db.Ingest(ctx, batch("d-2", 1, "door"), []byte{1}, time.Now()); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown device: %v", err)
	}
}

func TestIngestExactlyOnce(t *testing.T) {
	db, dev := setup(t)
	b := batch(dev, 1, "door", "side")
	for i, want := range []server.IngestResult{server.Stored, server.Duplicate, server.Duplicate} {
		if got, err := db.Ingest(ctx, b, []byte{1}, time.Now()); err != nil || got != want {
			t.Fatalf("ingest %d: %v %v", i, got, err)
		}
	}
	if _, err := db.Ingest(ctx, b, []byte{2}, time.Now()); !errors.Is(err, server.ErrSeqConflict) {
		t.Errorf("other content: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM batch_lines"); n != 2 {
		t.Errorf("%d batch lines", n)
	}
}

func TestGaps(t *testing.T) {
	db, dev := setup(t)
	for _, seq := range []int64{3, 10, 5, 9, 2} {
		if _, err := db.Ingest(ctx, batch(dev, seq, "door"), []byte{byte(seq)}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	d, err := db.Device(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	want := []server.Gap{{From: 1, To: 1}, {From: 4, To: 4}, {From: 6, To: 8}}
	if len(d.Gaps) != len(want) || d.LastSeq != 10 {
		t.Fatalf("device %+v", d)
	}
	for i := range want {
		if d.Gaps[i] != want[i] {
			t.Errorf("gaps %v, want %v", d.Gaps, want)
		}
	}
}

// TestCountsSides: each row carries its line's side; a line removed keeps
// the side it last had, and a line set again takes its new one.
func TestCountsSides(t *testing.T) {
	db, dev := setup(t)
	if _, err := db.Ingest(ctx, batch(dev, 1, "door", "side"), []byte{1}, time.Now()); err != nil {
		t.Fatal(err)
	}
	all := func(room string) []server.CountRow {
		t.Helper()
		rows, err := collect(db.Counts(ctx, room, time.UnixMilli(0), time.UnixMilli(wire.MaxTimeMS)))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rows := all("hall")
	if len(rows) != 2 || rows[0].Line != "door" || rows[0].Inside != wire.Left || rows[1].Inside != wire.Through || rows[0].Kiosk != "k-1" || rows[0].Room != "hall" {
		t.Errorf("rows %+v", rows)
	}
	if rows := all("kitchen"); len(rows) != 0 {
		t.Errorf("other room: %+v", rows)
	}
	// side becomes the room's second door with the room on its right; door
	// is removed and keeps left.
	if _, err := db.SetLines(ctx, "k-1", []wire.Line{withSide(door, wire.Right)}); err != nil {
		t.Fatal(err)
	}
	side := wire.Line{Name: "side", A: [2]float64{0.5, 0}, B: [2]float64{0.5, 1}, Mode: wire.Deferred, Inside: wire.Right}
	if _, err := db.SetLines(ctx, "k-1", []wire.Line{side}); err != nil {
		t.Fatal(err)
	}
	if rows := all("hall"); rows[0].Inside != wire.Right || rows[1].Inside != wire.Right {
		t.Errorf("after SetLines: %+v", rows)
	}
	room, err := collect(db.RoomCounts(ctx, "hall", time.UnixMilli(0), time.UnixMilli(wire.MaxTimeMS)))
	if err != nil || len(room) != 2 {
		t.Errorf("room rows %+v %v", room, err)
	}
}

// TestSidesMigration: kiosks made before lines had sides keep their
// meaning. Their first line is the room's door, the others count passers-by,
// and a line since removed counts nothing, as it did.
func TestSidesMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lokaal.db")
	raw := migratedBefore(t, path, "0008")
	old := New(raw)
	for _, q := range []string{
		`INSERT INTO kiosks VALUES ('k-1', 'a', 'hall', 60, '[{"name":"entry","a":[0,0.725],"b":[1,0.725],"mode":"immediate"},{"name":"exit","a":[0.78,0.875],"b":[0.78,0.125],"mode":"deferred"}]', 0)`,
		`INSERT INTO kiosk_line_names VALUES ('k-1', 'entry'), ('k-1', 'exit'), ('k-1', 'door')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	db := open(t, path)
	k, err := db.Kiosk(ctx, "k-1")
	if err != nil || len(k.Lines) != 2 {
		t.Fatalf("kiosk %+v %v", k, err)
	}
	want := []wire.Line{
		{Name: "entry", A: [2]float64{0, 0.725}, B: [2]float64{1, 0.725}, Mode: wire.Immediate, Inside: wire.Left},
		{Name: "exit", A: [2]float64{0.78, 0.875}, B: [2]float64{0.78, 0.125}, Mode: wire.Deferred, Inside: wire.Through},
	}
	if !slices.Equal(k.Lines, want) {
		t.Errorf("lines %+v\nwant %+v", k.Lines, want)
	}
	sides := map[string]string{}
	rows, err := db.db.QueryContext(ctx, "SELECT name, inside FROM kiosk_line_names WHERE kiosk_id = 'k-1'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, s string
		rows.Scan(&n, &s)
		sides[n] = s
	}
	rows.Close()
	if !maps.Equal(sides, map[string]string{"entry": "left", "exit": "none", "door": "none"}) {
		t.Errorf("line names' sides %v", sides)
	}
}

func TestEnrolCode(t *testing.T) {
	db, _ := setup(t)
	pub, _, _ := ed25519.GenerateKey(nil)
	// setup burnt the code.
	if _, err := db.Enrol(ctx, []byte("hash"), server.Device{ID: "d-2", PublicKey: pub}, time.Now()); !errors.Is(err, server.ErrBadCode) {
		t.Errorf("reused code: %v", err)
	}
	if err := db.SetEnrolmentCode(ctx, "k-nope", []byte("x"), time.Now()); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("code for unknown kiosk: %v", err)
	}
}

// A kiosk still holds batches counted on its old lines after setup mode
// renamed them; losing those acknowledged-later counts would be silent data loss.
func TestIngestAcceptsFormerLineNames(t *testing.T) {
	db, dev := setup(t)
	renamed := []wire.Line{{Name: "entrance", A: [2]float64{0, 0.7}, B: [2]float64{1, 0.7}, Mode: wire.Immediate}}
	if _, err := db.SetLines(ctx, "k-1", renamed); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, batch(dev, 1, "door", "side"), []byte{1}, time.Now()); err != nil {
		t.Fatalf("batch on former lines: %v", err)
	}
	if _, err := db.Ingest(ctx, batch(dev, 2, "entrance"), []byte{2}, time.Now()); err != nil {
		t.Fatalf("batch on new line: %v", err)
	}
	if _, err := db.Ingest(ctx, batch(dev, 3, "window"), []byte{3}, time.Now()); !errors.Is(err, server.ErrUnknownLine) {
		t.Fatalf("never-configured line: %v", err)
	}
}

// TestClockMigration: the migration creates the d1 driver's clock table
// exactly as d1.Schema does, since the driver no longer creates it.
func TestClockMigration(t *testing.T) {
	body, err := migrations.ReadFile("migrations/0007_tx_clock.sql")
	if err != nil {
		t.Fatal(err)
	}
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if !strings.Contains(words(string(body)), words(d1.Schema)) {
		t.Errorf("0007_tx_clock.sql does not hold d1.Schema:\n%s", d1.Schema)
	}
}

func collect(rows iter.Seq2[server.CountRow, error]) ([]server.CountRow, error) {
	var out []server.CountRow
	for r, err := range rows {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// TestDeviceKey: the key and enrolment time are the enrolled ones, an
// unknown id is not found and not remembered as missing (enrolled later,
// it is found), and the copy stays bounded.
func TestDeviceKey(t *testing.T) {
	db, dev := setup(t)
	d, err := db.Device(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // read, then from the copy
		k, err := db.DeviceKey(ctx, dev)
		if err != nil || !k.PublicKey.Equal(d.PublicKey) || !k.Enrolled.Equal(d.Enrolled) {
			t.Fatalf("DeviceKey %+v %v, want %x at %v", k, err, d.PublicKey, d.Enrolled)
		}
	}
	if _, err := db.DeviceKey(ctx, "d-2"); !errors.Is(err, server.ErrNotFound) {
		t.Fatalf("unknown device: %v", err)
	}
	if err := db.SetEnrolmentCode(ctx, "k-1", []byte("second"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	if _, err := db.Enrol(ctx, []byte("second"), server.Device{ID: "d-2", PublicKey: pub}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if k, err := db.DeviceKey(ctx, "d-2"); err != nil || !k.PublicKey.Equal(pub) {
		t.Fatalf("enrolled after a miss: %+v %v", k, err)
	}
	var c deviceKeys
	for i := range maxDeviceKeys + 10 {
		c.put(fmt.Sprint(i), server.DeviceKey{})
	}
	if len(c.m) > maxDeviceKeys {
		t.Errorf("%d keys kept, at most %d", len(c.m), maxDeviceKeys)
	}
}
