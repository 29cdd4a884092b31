package occupancy

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var ams = func() *time.Location {
	l, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ams)
	if err != nil {
		panic(err)
	}
	return t
}

func row(start string, kiosk, line string, side wire.Side, in, out int64) server.CountRow {
	return server.CountRow{Start: at(start), Room: "hall", Kiosk: kiosk, Line: line, Inside: side, In: in, Out: out}
}

func TestDays(t *testing.T) {
	d := Days{Loc: ams, ResetMinute: 4 * 60}
	for _, c := range []struct {
		t, start string
		hours    float64
	}{
		{"2026-06-10 12:00", "2026-06-10 04:00", 24},
		{"2026-06-10 03:59", "2026-06-09 04:00", 24},
		{"2026-06-10 04:00", "2026-06-10 04:00", 24},
		{"2026-03-29 12:00", "2026-03-29 04:00", 24}, // the clocks went forward at 02:00, before the reset
		{"2026-03-29 01:00", "2026-03-28 04:00", 23}, // this day holds the lost hour
		{"2026-10-25 01:00", "2026-10-24 04:00", 25}, // and this the repeated one
	} {
		s := d.Start(at(c.t))
		if !s.Equal(at(c.start)) {
			t.Errorf("Start(%s) = %s, want %s", c.t, s, c.start)
		}
		if h := d.Next(s).Sub(s).Hours(); h != c.hours {
			t.Errorf("day from %s: %v hours, want %v", c.start, h, c.hours)
		}
	}
}

// TestEveryLine: a room with two kiosks, one with separate entry and exit
// lines and one whose room is on the right of its line: every line adds,
// a pass-through line adds nothing.
func TestEveryLine(t *testing.T) {
	c := New(Days{Loc: ams, ResetMinute: 240}, at("2026-06-10 08:00"))
	for _, r := range []server.CountRow{
		row("2026-06-10 08:00", "k-1", "entry", wire.Left, 13, 0),
		row("2026-06-10 08:01", "k-1", "exit", wire.Left, 0, 12),
		row("2026-06-10 08:01", "k-1", "corridor", wire.Through, 40, 3),
		row("2026-06-10 08:02", "k-2", "door", wire.Right, 1, 5), // 5 entered, 1 left
	} {
		c.Add(r)
	}
	if got := c.Before(at("2026-06-10 09:00")); got != 13-12+5-1 {
		t.Errorf("occupancy %d, want 5", got)
	}
	d := c.Close(at("2026-06-10 09:00"))
	if d.In != 18 || d.Out != 13 || d.Peak != 13 || d.Drift != 0 {
		t.Errorf("day %+v", d)
	}
}

// TestResetAndClamp: the count starts from zero at the reset; it never goes
// below zero, and what it drops is the day's drift; rows that start
// together are one step, so their order does not matter.
func TestResetAndClamp(t *testing.T) {
	c := New(Days{Loc: ams, ResetMinute: 240}, at("2026-06-10 00:00"))
	for _, r := range []server.CountRow{
		row("2026-06-09 22:00", "k-1", "door", wire.Left, 4, 0), // the evening before
		row("2026-06-10 03:00", "k-1", "door", wire.Left, 0, 1),
		row("2026-06-10 05:00", "k-1", "door", wire.Left, 0, 2), // after the reset: 2 below zero
		row("2026-06-10 06:00", "k-2", "door", wire.Left, 0, 3), // out at one door, in at the other,
		row("2026-06-10 06:00", "k-1", "door", wire.Left, 3, 0), // in the same interval: no drift
		row("2026-06-10 07:00", "k-1", "door", wire.Left, 1, 0),
	} {
		if r.Start.Equal(at("2026-06-10 05:00")) {
			if got := c.Before(at("2026-06-10 04:00")); got != 3 {
				t.Errorf("just before the reset: %d, want 3", got)
			}
			if got := c.Mark(at("2026-06-10 04:00")); got != 0 {
				t.Errorf("at the reset: %d, want 0", got)
			}
		}
		c.Add(r)
	}
	if got := c.Before(at("2026-06-10 08:00")); got != 1 {
		t.Errorf("occupancy %d, want 1", got)
	}
	if c.Peak() != 1 {
		t.Errorf("peak since the reset %d, want 1", c.Peak())
	}
	today := c.Close(at("2026-06-10 12:00"))
	if len(c.Done) != 1 || c.Done[0].Peak != 4 || c.Done[0].Drift != 0 || c.Done[0].In != 4 || c.Done[0].Out != 1 {
		t.Errorf("yesterday %+v", c.Done)
	}
	if today.Drift != 2 || today.Peak != 1 || today.In != 4 || today.Out != 5 || !today.Start.Equal(at("2026-06-10 04:00")) {
		t.Errorf("today %+v", today)
	}
}

// TestBucketsAgree: the occupancy at a time is the same whatever the
// buckets it is read at, since clamping follows the rows alone.
func TestBucketsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	days := Days{Loc: ams, ResetMinute: 240}
	from := at("2026-10-24 00:00") // across a DST change
	var rows []server.CountRow
	for m := 0; m < 3*24*60; m += 1 + r.IntN(20) {
		side := []wire.Side{wire.Left, wire.Right, wire.Through}[r.IntN(3)]
		rows = append(rows, server.CountRow{Start: from.Add(time.Duration(m) * time.Minute), Inside: side, In: int64(r.IntN(4)), Out: int64(r.IntN(5))})
	}
	read := func(step time.Duration) map[int64]int64 {
		c := New(days, from)
		got := map[int64]int64{}
		i := 0
		for t := from.Add(step); t.Before(from.Add(72 * time.Hour)); t = t.Add(step) {
			for ; i < len(rows) && rows[i].Start.Before(t); i++ {
				c.Add(rows[i])
			}
			got[t.UnixMilli()] = c.Before(t)
		}
		return got
	}
	fine, coarse := read(15*time.Minute), read(time.Hour)
	nonzero := 0
	for ms, v := range coarse {
		if fine[ms] != v {
			t.Errorf("at %s: %d by the hour, %d by the quarter", time.UnixMilli(ms).In(ams), v, fine[ms])
		}
		if v > 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Fatal("the test's rows never fill the room")
	}
}
