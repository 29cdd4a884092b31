package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

type exportJSON struct {
	Room, Bucket, From, To string
	TimeZone               string `json:"time_zone"`
	Rows                   []countRow
	Occupancy              []occupancyRow
	Days                   []dayRow
}

func n(v int64) *int64 { return &v }

// occ is an occupancy row without pointers, to compare.
type occ struct {
	Start, End, Room string
	In, Out          int64
	Occupancy, Peak  int64 // -1: null
}

func plain(o occupancyRow) occ {
	v := occ{o.Start, o.End, o.Room, o.In, o.Out, -1, -1}
	if o.Occupancy != nil {
		v.Occupancy = *o.Occupancy
	}
	if o.Peak != nil {
		v.Peak = *o.Peak
	}
	return v
}

func plains(os []occupancyRow) []occ {
	out := make([]occ, len(os))
	for i, o := range os {
		out[i] = plain(o)
	}
	return out
}

func (e *env) export(q url.Values) exportJSON {
	e.t.Helper()
	w := e.do("GET", "/api/v1/counts?"+q.Encode(), nil, true)
	wantStatus(e.t, w, http.StatusOK)
	return decodeJSON[exportJSON](e.t, w)
}

func TestExport(t *testing.T) {
	e := newEnv(t)
	e.now = t0.Add(-24 * time.Hour) // enrolled the day before: a batch of 23:00 is after it
	hall := e.newDevice()           // kiosk with lines door (primary) and side
	k2 := e.createKiosk("Back door", "hall", wire.Line{Name: "back", A: [2]float64{0, 0.5}, B: [2]float64{1, 0.5}, Mode: wire.Immediate})
	back := e.enrol(k2.Code)
	k3 := e.createKiosk("Kitchen", "kitchen", doorLine)
	kitchen := e.enrol(k3.Code)

	e.now = t0.Add(time.Hour) // 10:00: the batches' minutes have passed
	post := func(b wire.SignedCountBatch) {
		t.Helper()
		wantStatus(t, e.do("POST", "/api/v1/counts", b, false), http.StatusCreated)
	}
	post(hall.batch(1, t0, 5, 1))                        // 09:00
	post(hall.batch(2, t0.Add(10*time.Minute), 2, 0))    // 09:10, same quarter
	post(hall.batch(3, t0.Add(20*time.Minute), 0, 4))    // 09:20
	post(hall.batch(4, t0.Add(-10*time.Hour), 100, 100)) // 23:00 the day before: outside the day
	post(wire.CountBatch{Device: back.id, Seq: 1, Build: testBuild, Start: t0.Add(5 * time.Minute).UnixMilli(), End: t0.Add(6 * time.Minute).UnixMilli(),
		Lines: []wire.LineCount{{Line: "back", In: 1, Out: 2}}}.Sign(back.priv))
	post(wire.CountBatch{Device: kitchen.id, Seq: 1, Build: testBuild, Start: t0.UnixMilli(), End: t0.Add(time.Minute).UnixMilli(),
		Lines: []wire.LineCount{{Line: "door", In: 3, Out: 0}}}.Sign(kitchen.priv))

	day := time.Date(2026, 3, 2, 0, 0, 0, 0, amsterdam)
	got := e.export(url.Values{"room": {"hall"}, "from": {day.Format(time.RFC3339)}, "to": {strconv.FormatInt(day.AddDate(0, 0, 1).UnixMilli(), 10)}, "bucket": {"15m"}})
	if got.Room != "hall" || got.Bucket != "15m" || got.From != "2026-03-02T00:00:00+01:00" || got.To != "2026-03-03T00:00:00+01:00" {
		t.Errorf("header %+v", got)
	}
	q9, q915 := "2026-03-02T09:00:00+01:00", "2026-03-02T09:15:00+01:00"
	q930 := "2026-03-02T09:30:00+01:00"
	wantRows := []countRow{
		{q9, q915, "hall", e.kioskID, "door", wire.Left, 7, 1},
		{q9, q915, "hall", e.kioskID, "side", wire.Through, 2, 0},
		{q9, q915, "hall", k2.Kiosk.ID, "back", wire.Left, 1, 2},
		{q915, q930, "hall", e.kioskID, "door", wire.Left, 0, 4},
		{q915, q930, "hall", e.kioskID, "side", wire.Through, 1, 0},
	}
	if e.kioskID > k2.Kiosk.ID { // rows are ordered by kiosk id within a bucket
		wantRows[0], wantRows[1], wantRows[2] = wantRows[2], wantRows[0], wantRows[1]
	}
	if !reflect.DeepEqual(got.Rows, wantRows) {
		t.Errorf("rows\n%+v\nwant\n%+v", got.Rows, wantRows)
	}
	if len(got.Occupancy) != 96 {
		t.Fatalf("%d occupancy buckets, want 96 quarters", len(got.Occupancy))
	}
	// Sides not given: each kiosk's first line is the room's door (door and
	// back), the others count passers-by (side), as before sides.
	if o := plain(got.Occupancy[36]); o != (occ{q9, q915, "hall", 8, 3, 5, 5}) {
		t.Errorf("09:00 occupancy %+v", o)
	}
	if o := plain(got.Occupancy[37]); o != (occ{q915, q930, "hall", 0, 4, 1, 5}) {
		t.Errorf("09:15 occupancy %+v", o)
	}
	// The quarter that starts now has a value; later ones are empty.
	if o := plain(got.Occupancy[40]); o.Occupancy != 1 || o.Start != "2026-03-02T10:00:00+01:00" {
		t.Errorf("10:00 occupancy %+v", o)
	}
	if o := got.Occupancy[41]; o.Occupancy != nil || o.Peak != nil || o.In != 0 {
		t.Errorf("a future quarter %+v", plain(o))
	}
	if o := got.Occupancy[95]; o.Occupancy != nil || o.End != "2026-03-03T00:00:00+01:00" {
		t.Errorf("last occupancy %+v", plain(o))
	}
	if got.TimeZone != "Europe/Amsterdam" {
		t.Errorf("time zone %q", got.TimeZone)
	}

	// 1d buckets start at local midnight; all rooms without a room filter.
	got = e.export(url.Values{"from": {"2026-03-01T00:00:00+01:00"}, "to": {"2026-03-03T00:00:00+01:00"}, "bucket": {"1d"}})
	wantOcc := []occ{
		{"2026-03-01T00:00:00+01:00", "2026-03-02T00:00:00+01:00", "hall", 100, 100, 0, 0},
		{"2026-03-02T00:00:00+01:00", "2026-03-03T00:00:00+01:00", "hall", 8, 7, 1, 5},
		{"2026-03-01T00:00:00+01:00", "2026-03-02T00:00:00+01:00", "kitchen", 0, 0, 0, 0},
		{"2026-03-02T00:00:00+01:00", "2026-03-03T00:00:00+01:00", "kitchen", 3, 0, 3, 3},
	}
	if !reflect.DeepEqual(plains(got.Occupancy), wantOcc) {
		t.Errorf("1d occupancy\n%+v\nwant\n%+v", plains(got.Occupancy), wantOcc)
	}
	// The counting days (04:00 to 04:00) that overlap the range and have started.
	wantDays := []dayRow{
		{"hall", "2026-02-28T04:00:00+01:00", "2026-03-01T04:00:00+01:00", 0, 0, 0, 0},
		{"hall", "2026-03-01T04:00:00+01:00", "2026-03-02T04:00:00+01:00", 100, 100, 0, 0},
		{"hall", "2026-03-02T04:00:00+01:00", "2026-03-03T04:00:00+01:00", 8, 7, 5, 0},
		{"kitchen", "2026-02-28T04:00:00+01:00", "2026-03-01T04:00:00+01:00", 0, 0, 0, 0},
		{"kitchen", "2026-03-01T04:00:00+01:00", "2026-03-02T04:00:00+01:00", 0, 0, 0, 0},
		{"kitchen", "2026-03-02T04:00:00+01:00", "2026-03-03T04:00:00+01:00", 3, 0, 3, 0},
	}
	if !reflect.DeepEqual(got.Days, wantDays) {
		t.Errorf("days\n%+v\nwant\n%+v", got.Days, wantDays)
	}

	// Default range is today, 1h buckets.
	got = e.export(url.Values{"bucket": {"1h"}, "room": {"kitchen"}})
	if len(got.Occupancy) != 24 || got.Occupancy[9].In != 3 || got.From != "2026-03-02T00:00:00+01:00" {
		t.Errorf("today by hour: %+v", got)
	}

	// CSV: the same rows under the documented header.
	w := e.do("GET", "/api/v1/counts?room=hall&bucket=15m&format=csv", nil, true)
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	records, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(records[0], ",") != "start,end,room,kiosk,line,in,out,inside" || len(records) != len(wantRows)+1 {
		t.Fatalf("csv %q", records)
	}
	for i, r := range wantRows {
		want := []string{r.Start, r.End, r.Room, r.Kiosk, r.Line, strconv.FormatInt(r.In, 10), strconv.FormatInt(r.Out, 10), string(r.Inside)}
		if !reflect.DeepEqual(records[i+1], want) {
			t.Errorf("csv row %d %q, want %q", i, records[i+1], want)
		}
	}

	for _, q := range []string{"bucket=5m", "from=yesterday", "to=1", "format=xml", "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "bucket=15m&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"} {
		wantError(t, e.do("GET", "/api/v1/counts?"+q, nil, true), http.StatusBadRequest, wire.CodeInvalid)
	}
}

func TestBucketsAcrossDST(t *testing.T) {
	b, _ := parseBucket("1d", amsterdam)
	start := b.start(time.Date(2026, 3, 29, 12, 0, 0, 0, amsterdam)) // clocks go forward at 02:00
	if end := b.end(start); end.Sub(start) != 23*time.Hour || end.Hour() != 0 {
		t.Errorf("DST day %v..%v", start, end)
	}
	india := mustLoad("Asia/Kolkata")
	h, _ := parseBucket("1h", india)
	if got := h.start(time.Date(2026, 3, 2, 9, 40, 0, 0, india)); got.Minute() != 0 || got.Hour() != 9 {
		t.Errorf("+05:30 hour bucket starts %v", got)
	}
}

// TestExportEncoding: the streamed export is byte for byte what
// encoding/json writes for the export struct (field order, HTML-safe
// escapes, the trailing newline) and what encoding/csv writes for its
// rows, with names that need escaping, for every bucket size, with and
// without rows.
func TestExportEncoding(t *testing.T) {
	e := newEnv(t)
	e.now = t0.Add(-24 * time.Hour)
	k := e.createKiosk(`Hall "A" & <B>`, "zaal <1> & ü", doorLine, sideLine)
	d := e.enrol(k.Code)
	k2 := e.createKiosk("Kitchen, north", "keuken, \"oost\"", wire.Line{Name: "deur-2", A: [2]float64{0, 0.5}, B: [2]float64{1, 0.5}, Mode: wire.Immediate})
	d2 := e.enrol(k2.Code)
	e.now = t0.Add(6 * time.Hour)
	for i := range 12 {
		start := t0.Add(time.Duration(i) * 25 * time.Minute)
		wantStatus(t, e.do("POST", "/api/v1/counts", d.batch(int64(i+1), start, int64(i), 1), false), http.StatusCreated)
		b := wire.CountBatch{Device: d2.id, Seq: int64(i + 1), Build: testBuild, Start: start.UnixMilli(), End: start.Add(time.Minute).UnixMilli(),
			Lines: []wire.LineCount{{Line: "deur-2", In: 2, Out: int64(i % 3)}}}
		wantStatus(t, e.do("POST", "/api/v1/counts", b.Sign(d2.priv), false), http.StatusCreated)
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, amsterdam)
	for _, q := range []url.Values{
		{"bucket": {"15m"}},
		{"bucket": {"1h"}, "from": {day.Add(-48 * time.Hour).Format(time.RFC3339)}, "to": {day.Add(48 * time.Hour).Format(time.RFC3339)}},
		{"bucket": {"1d"}, "room": {"zaal <1> & ü"}, "from": {day.AddDate(0, -1, 0).Format(time.RFC3339)}, "to": {day.AddDate(0, 0, 2).Format(time.RFC3339)}},
		{"bucket": {"1h"}, "room": {"nobody's room"}},
		{"bucket": {"1h"}, "from": {day.AddDate(-1, 0, 0).Format(time.RFC3339)}, "to": {day.AddDate(-1, 0, 1).Format(time.RFC3339)}}, // no rows
	} {
		w := e.do("GET", "/api/v1/counts?"+q.Encode(), nil, true)
		wantStatus(t, w, http.StatusOK)
		var got export
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%v: %v", q, err)
		}
		var want bytes.Buffer
		json.NewEncoder(&want).Encode(got)
		if w.Body.String() != want.String() {
			t.Errorf("%v: JSON\n%s\nwant\n%s", q, w.Body, want.String())
		}
		if w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%v: headers %v", q, w.Header())
		}
		if q.Get("room") != "nobody's room" && !strings.Contains(q.Get("from"), "2025") && len(got.Rows) == 0 {
			t.Errorf("%v: no rows", q)
		}

		q.Set("format", "csv")
		w = e.do("GET", "/api/v1/counts?"+q.Encode(), nil, true)
		wantStatus(t, w, http.StatusOK)
		want.Reset()
		cw := csv.NewWriter(&want)
		cw.Write([]string{"start", "end", "room", "kiosk", "line", "in", "out", "inside"})
		for _, r := range got.Rows {
			cw.Write([]string{r.Start, r.End, r.Room, r.Kiosk, r.Line, strconv.FormatInt(r.In, 10), strconv.FormatInt(r.Out, 10), string(r.Inside)})
		}
		cw.Flush()
		if w.Body.String() != want.String() {
			t.Errorf("%v: CSV\n%s\nwant\n%s", q, w.Body, want.String())
		}
	}
}
