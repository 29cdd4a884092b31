package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// The shared clip's two lines: people enter across the bottom (in) and
// leave to the right (out), the room on the left of both.
var (
	entryLine = wire.Line{Name: "entry", A: [2]float64{0, 0.725}, B: [2]float64{1, 0.725}, Mode: wire.Immediate, Inside: wire.Left}
	exitLine  = wire.Line{Name: "exit", A: [2]float64{0.78, 0.875}, B: [2]float64{0.78, 0.125}, Mode: wire.Deferred, Inside: wire.Left}
)

func signed(d device, seq int64, start time.Time, lines ...wire.LineCount) wire.SignedCountBatch {
	return wire.CountBatch{Device: d.id, Seq: seq, Build: testBuild, Start: start.UnixMilli(), End: start.Add(time.Minute).UnixMilli(), Lines: lines}.Sign(d.priv)
}

// TestOccupancyEveryLine is issue 15's scene: a kiosk with separate entry
// and exit lines, and a second kiosk at another door of the same room whose
// room is on the right of its line. Every line adds to the room's
// occupancy; a pass-through line adds nothing. Today's main counts the
// first line only and says 13.
func TestOccupancyEveryLine(t *testing.T) {
	e := newEnv(t)
	e.now = t0.Add(-time.Hour)
	corridor := wire.Line{Name: "corridor", A: [2]float64{0, 0.2}, B: [2]float64{1, 0.2}, Mode: wire.Immediate, Inside: wire.Through}
	a := e.enrol(e.createKiosk("Front", "hall", entryLine, exitLine, corridor).Code)
	back := wire.Line{Name: "back", A: [2]float64{0, 0.5}, B: [2]float64{1, 0.5}, Mode: wire.Immediate, Inside: wire.Right}
	b := e.enrol(e.createKiosk("Back", "hall", back).Code)
	e.now = t0.Add(time.Hour)
	for _, sb := range []wire.SignedCountBatch{
		signed(a, 1, t0, wire.LineCount{Line: "entry", In: 13}, wire.LineCount{Line: "exit", Out: 12}, wire.LineCount{Line: "corridor", In: 9, Out: 4}),
		signed(b, 1, t0.Add(2*time.Minute), wire.LineCount{Line: "back", In: 1, Out: 3}), // 3 entered, 1 left
	} {
		wantStatus(t, e.do("POST", "/api/v1/counts", sb, false), http.StatusCreated)
	}
	got := e.export(url.Values{"room": {"hall"}, "bucket": {"1h"}})
	if o := plain(got.Occupancy[9]); o.In != 16 || o.Out != 13 || o.Occupancy != 3 || o.Peak != 3 {
		t.Errorf("09:00 %+v, want 16 in, 13 out, 3 inside", o)
	}
	if o := plain(got.Occupancy[11]); o.Occupancy != -1 {
		t.Errorf("11:00, in the future: %+v", o)
	}
	d := e.display("hall")
	if d.Occupancy != 3 || d.Level != "" || d.Since != "2026-03-02T04:00:00+01:00" || d.TimeZone != "Europe/Amsterdam" {
		t.Errorf("display %+v", d)
	}
}

func (e *env) display(room string) display {
	e.t.Helper()
	w := e.do("GET", "/api/v1/display?room="+url.QueryEscape(room), nil, false)
	wantStatus(e.t, w, http.StatusOK)
	return decodeJSON[display](e.t, w)
}

// TestRoomSettings: capacity and reset per room; the display's level
// follows the capacity, the occupancy starts from zero at the reset, and
// what is counted out below zero is the day's drift.
func TestRoomSettings(t *testing.T) {
	e := newEnv(t)
	e.now = t0.Add(-24 * time.Hour)
	d := e.enrol(e.createKiosk("Front", "hall", entryLine, exitLine).Code)
	e.createKiosk("b", "zaal", doorLine)

	w := e.do("GET", "/api/v1/rooms", nil, true)
	wantStatus(t, w, http.StatusOK)
	type rooms struct {
		Rooms    []string
		Settings []roomJSON
		TimeZone string `json:"time_zone"`
	}
	want := rooms{[]string{"hall", "zaal"}, []roomJSON{{"hall", 0, "04:00"}, {"zaal", 0, "04:00"}}, "Europe/Amsterdam"}
	if got := decodeJSON[rooms](t, w); !reflect.DeepEqual(got, want) {
		t.Errorf("rooms %+v, want %+v", got, want)
	}
	w = e.do("PUT", "/api/v1/rooms/hall", map[string]any{"capacity": 10, "reset": "06:30"}, true)
	wantStatus(t, w, http.StatusOK)
	if got := decodeJSON[roomJSON](t, w); got != (roomJSON{"hall", 10, "06:30"}) {
		t.Errorf("set %+v", got)
	}
	for _, body := range []map[string]any{{"capacity": -1}, {"capacity": 100_001}, {"reset": "24:00"}, {"reset": "6:30"}, {"reset": "06:3x"}} {
		wantError(t, e.do("PUT", "/api/v1/rooms/hall", body, true), http.StatusBadRequest, wire.CodeInvalid)
	}
	wantError(t, e.do("PUT", "/api/v1/rooms/=cmd", map[string]any{"capacity": 1}, true), http.StatusBadRequest, wire.CodeInvalid)
	wantError(t, e.do("PUT", "/api/v1/rooms/hall", map[string]any{"capacity": 1, "colour": "red"}, true), http.StatusBadRequest, wire.CodeMalformed)
	wantStatus(t, e.do("PUT", "/api/v1/rooms/hall", map[string]any{"capacity": 1}, false), http.StatusUnauthorized)

	w = e.do("PUT", "/api/v1/rooms/"+url.PathEscape("zaal"), map[string]any{"capacity": 10, "reset": "06:30"}, true)
	wantStatus(t, w, http.StatusOK)
	e.now = t0.Add(time.Hour)
	post := func(seq int64, start time.Time, in, out int64) {
		t.Helper()
		wantStatus(t, e.do("POST", "/api/v1/counts", signed(d, seq, start, wire.LineCount{Line: "entry", In: in}, wire.LineCount{Line: "exit", Out: out}), false), http.StatusCreated)
	}
	post(1, t0.Add(-4*time.Hour), 6, 0) // 05:00, before the 06:30 reset: gone at the reset
	post(2, t0.Add(-2*time.Hour), 0, 2) // 07:00: 2 below zero, dropped
	post(3, t0, 9, 0)                   // 09:00: 9 of 10: amber
	if got := e.display("hall"); got.Occupancy != 9 || got.Level != "amber" || got.Capacity != 10 || got.Since != "2026-03-02T06:30:00+01:00" {
		t.Errorf("display %+v", got)
	}
	post(4, t0.Add(30*time.Minute), 1, 0)
	if got := e.display("hall"); got.Occupancy != 9 {
		t.Errorf("display read again within %v: %+v", displayTTL, got)
	}
	e.now = e.now.Add(displayTTL)
	if got := e.display("hall"); got.Occupancy != 10 || got.Level != "red" {
		t.Errorf("display %+v", got)
	}
	post(5, t0.Add(40*time.Minute), 0, 5)
	e.now = e.now.Add(displayTTL)
	if got := e.display("hall"); got.Occupancy != 5 || got.Level != "green" {
		t.Errorf("display %+v", got)
	}

	got := e.export(url.Values{"room": {"hall"}, "bucket": {"1d"}})
	wantDays := []dayRow{
		{"hall", "2026-03-01T06:30:00+01:00", "2026-03-02T06:30:00+01:00", 6, 0, 6, 0},
		{"hall", "2026-03-02T06:30:00+01:00", "2026-03-03T06:30:00+01:00", 10, 7, 10, 2},
	}
	if !reflect.DeepEqual(got.Days, wantDays) {
		t.Errorf("days %+v\nwant %+v", got.Days, wantDays)
	}
	if o := plain(got.Occupancy[0]); o.In != 16 || o.Out != 7 || o.Occupancy != 5 || o.Peak != 10 {
		t.Errorf("today %+v", o)
	}

	// Dates are midnights in the server's zone: what a page picks.
	byDate := e.export(url.Values{"room": {"hall"}, "bucket": {"1h"}, "from": {"2026-03-01"}, "to": {"2026-03-03"}})
	if byDate.From != "2026-03-01T00:00:00+01:00" || byDate.To != "2026-03-03T00:00:00+01:00" || len(byDate.Occupancy) != 48 {
		t.Errorf("by date: from %s to %s, %d buckets", byDate.From, byDate.To, len(byDate.Occupancy))
	}

	wantError(t, e.do("GET", "/api/v1/display?room=nowhere", nil, false), http.StatusNotFound, codeNotFound)
	wantError(t, e.do("GET", "/api/v1/display?room=", nil, false), http.StatusBadRequest, wire.CodeInvalid)
}

// TestZoneName: a zone is named by its IANA name, the machine's local one
// by its abbreviation and offset.
func TestZoneName(t *testing.T) {
	if loc, err := server.Zone("Europe/Amsterdam"); err != nil || zoneName(loc, t0) != "Europe/Amsterdam" {
		t.Errorf("Europe/Amsterdam: %v %v", loc, err)
	}
	local := time.FixedZone("Local", 5*3600+1800)
	if got := zoneName(local, t0); got != "local (Local, UTC+05:30)" {
		t.Errorf("local zone named %q", got)
	}
}

// failingRooms is a store whose reads fail, as a busy or lost database's do.
type failingRooms struct{ server.Store }

func (failingRooms) Rooms(context.Context) ([]string, error) {
	return nil, errors.New("database is locked")
}

// TestDisplayUnavailable: a display whose reading fails is told to retry
// (503 and Retry-After), never given a 500.
func TestDisplayUnavailable(t *testing.T) {
	h := handleDisplay(slog.New(slog.NewTextHandler(io.Discard, nil)), failingRooms{}, func() time.Time { return t0 }, amsterdam)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/display?room=hall", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	wantError(t, w, http.StatusServiceUnavailable, codeUnavailable)
}

// TestOccupancyBeforeLaterReset: the bucket holding now reports the
// occupancy now, not after a reset still to come in that bucket. A room
// whose day restarts at 22:00 has 5 inside at 10:00; today's daily bucket
// said 0 (its end, midnight, lies after tonight's reset).
func TestOccupancyBeforeLaterReset(t *testing.T) {
	e := newEnv(t)
	e.now = t0.Add(-time.Hour)
	d := e.enrol(e.createKiosk("Front", "hall", entryLine, exitLine).Code)
	wantStatus(t, e.do("PUT", "/api/v1/rooms/hall", map[string]any{"capacity": 10, "reset": "22:00"}, true), http.StatusOK)
	e.now = t0.Add(time.Hour)
	wantStatus(t, e.do("POST", "/api/v1/counts", signed(d, 1, t0, wire.LineCount{Line: "entry", In: 5}), false), http.StatusCreated)
	for bucket, i := range map[string]int{"1d": 0, "1h": 10, "15m": 40} {
		got := e.export(url.Values{"room": {"hall"}, "bucket": {bucket}})
		if o := plain(got.Occupancy[i]); o.Occupancy != 5 {
			t.Errorf("bucket %s, the one holding now (%s): %+v, want 5 inside", bucket, got.Occupancy[i].Start, o)
		}
	}
}
