//go:build !js

package sqlite

import (
	"cmp"
	"crypto/ed25519"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// TestCountsPaged reads the same counts in pages of 1, 2, 3, 7 and 2000
// rows: every row comes exactly once, in order of start, whatever the page
// size, across ties of start between devices and between batches and
// roll-up rows, and with pages that end exactly at the last row.
func TestCountsPaged(t *testing.T) {
	db := open(t, t.TempDir()+"/lokaal.db")
	side := wire.Line{Name: "side", A: [2]float64{0.5, 0}, B: [2]float64{0.5, 1}, Mode: wire.Deferred}
	kiosks := []server.Kiosk{
		{ID: "k-1", Name: "a", Room: "hall", IntervalS: 60, Lines: []wire.Line{door, side}},
		// Sides said: the room is right of side, door counts passers-by.
		{ID: "k-2", Name: "b", Room: "hall", IntervalS: 60, Lines: []wire.Line{withSide(side, wire.Right), withSide(door, wire.Through)}},
		{ID: "k-3", Name: "c", Room: "kitchen", IntervalS: 60, Lines: []wire.Line{door}},
	}
	devices := map[string]string{"d-1": "k-1", "d-2": "k-1", "d-3": "k-2", "d-4": "k-3"} // d-2 replaced d-1's laptop
	for _, k := range kiosks {
		if err := db.CreateKiosk(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"d-1", "d-2", "d-3", "d-4"} {
		code := []byte("code " + id)
		if err := db.SetEnrolmentCode(ctx, devices[id], code, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		pub, _, _ := ed25519.GenerateKey(nil)
		if _, err := db.Enrol(ctx, code, server.Device{ID: id, PublicKey: pub}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	room := map[string]string{"k-1": "hall", "k-2": "hall", "k-3": "kitchen"}
	// Sides not said: the first line is the room's door, as before sides.
	inside := map[string]wire.Side{"k-1 door": wire.Left, "k-1 side": wire.Through, "k-2 side": wire.Right, "k-2 door": wire.Through, "k-3 door": wire.Left}
	hour := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	var want []server.CountRow
	add := func(start time.Time, kiosk, line string, in, out int64) {
		want = append(want, server.CountRow{Start: start, Room: room[kiosk], Kiosk: kiosk, Line: line, Inside: inside[kiosk+" "+line], In: in, Out: out})
	}
	// Batches every 20 minutes from three devices at the same starts, one
	// device with one line only; the first hour's starts tie with its roll-up rows.
	seq := map[string]int64{}
	for i := range 9 {
		start := hour.Add(time.Duration(i) * 20 * time.Minute)
		for _, dev := range []string{"d-1", "d-3", "d-4"} {
			if dev == "d-1" && i >= 6 {
				dev = "d-2" // the replacement counts on
			}
			seq[dev]++
			lines := []wire.LineCount{{Line: "door", In: int64(i), Out: 1}, {Line: "side", In: 2, Out: int64(i)}}
			if dev == "d-4" {
				lines = lines[:1]
			}
			b := wire.CountBatch{Device: dev, Seq: seq[dev], Start: start.UnixMilli(), End: start.Add(time.Minute).UnixMilli(), Lines: lines}
			if _, err := db.Ingest(ctx, b, fmt.Appendf(nil, "%s %d", dev, seq[dev]), time.Now()); err != nil {
				t.Fatal(err)
			}
			for _, l := range lines {
				add(start, devices[dev], l.Line, l.In, l.Out)
			}
		}
	}
	for i, k := range []string{"k-3", "k-1", "k-1", "k-2"} { // roll-ups of earlier hours, and of the first batches' hour
		h := hour.Add(-time.Duration(i%3) * time.Hour)
		line := []string{"door", "door", "side", "door"}[i]
		if _, err := db.db.ExecContext(ctx, "INSERT INTO count_hours (kiosk_id, line, hour_ms, n_in, n_out, batches) VALUES (?, ?, ?, ?, ?, 1)",
			k, line, h.UnixMilli(), 10+i, i); err != nil {
			t.Fatal(err)
		}
		add(h, k, line, int64(10+i), int64(i))
	}

	byKey := func(x, y server.CountRow) int {
		return cmp.Or(x.Start.Compare(y.Start), cmp.Compare(x.Kiosk, y.Kiosk), cmp.Compare(x.Line, y.Line), cmp.Compare(x.In, y.In), cmp.Compare(x.Out, y.Out))
	}
	slices.SortFunc(want, byKey)
	from, to := hour.Add(-2*time.Hour), hour.Add(3*time.Hour)
	defer func(n int) { countPage = n }(countPage)
	for _, n := range []int{1, 2, 3, 7, 2000} {
		countPage = n
		for _, r := range []string{"", "hall", "kitchen"} {
			got, err := collect(db.Counts(ctx, r, from, to))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSortedFunc(got, func(x, y server.CountRow) int { return x.Start.Compare(y.Start) }) {
				t.Errorf("page %d, room %q: not in order of start", n, r)
			}
			slices.SortFunc(got, byKey)
			w := slices.DeleteFunc(slices.Clone(want), func(c server.CountRow) bool { return r != "" && c.Room != r })
			if !equalRows(got, w) {
				t.Errorf("page %d, room %q: rows\n%v\nwant\n%v", n, r, got, w)
			}

			if r == "" {
				continue
			}
			got, err = collect(db.RoomCounts(ctx, r, from, to))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSortedFunc(got, func(x, y server.CountRow) int { return x.Start.Compare(y.Start) }) {
				t.Errorf("page %d, room %q: room rows not in order of start", n, r)
			}
			slices.SortFunc(got, byKey)
			w = slices.DeleteFunc(w, func(c server.CountRow) bool { return c.Inside == wire.Through })
			if !equalRows(got, w) {
				t.Errorf("page %d, room %q: room rows\n%v\nwant\n%v", n, r, got, w)
			}
		}
	}
	// A range that cuts the rows: [10:20, 11:00) holds two batch starts.
	got, err := collect(db.Counts(ctx, "", hour.Add(20*time.Minute), hour.Add(time.Hour)))
	if err != nil || len(got) != 2*5 {
		t.Errorf("10:20 to 11:00: %d rows, %v", len(got), err)
	}
}

func equalRows(a, b []server.CountRow) bool {
	return slices.EqualFunc(a, b, func(x, y server.CountRow) bool {
		return x.Start.Equal(y.Start) && x.Room == y.Room && x.Kiosk == y.Kiosk && x.Line == y.Line && x.Inside == y.Inside && x.In == y.In && x.Out == y.Out
	})
}

// TestCountsStop: a consumer that stops early stops the reading.
func TestCountsStop(t *testing.T) {
	db, dev := setup(t)
	for seq := int64(1); seq <= 5; seq++ {
		if _, err := db.Ingest(ctx, batch(dev, seq, "door", "side"), []byte{byte(seq)}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	defer func(n int) { countPage = n }(countPage)
	countPage = 2
	n := 0
	for _, err := range db.Counts(ctx, "", time.UnixMilli(0), time.UnixMilli(wire.MaxTimeMS)) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	for _, err := range db.RoomCounts(ctx, "hall", time.UnixMilli(0), time.UnixMilli(wire.MaxTimeMS)) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
}

func withSide(l wire.Line, s wire.Side) wire.Line {
	l.Inside = s
	return l
}
