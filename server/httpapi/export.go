package httpapi

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/occupancy"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// maxBuckets bounds one export: a year of hours, or three months of quarters.
const maxBuckets = 9000

// bucketing cuts time into 15m, 1h or 1d buckets aligned to local time:
// quarters and hours to the local clock (which matters for zones such as
// +05:30), days to local midnight (23 or 25 hours long across DST changes).
type bucketing struct {
	name string
	size time.Duration // 0 for days
	loc  *time.Location
}

func parseBucket(s string, loc *time.Location) (bucketing, bool) {
	switch s {
	case "", "15m":
		return bucketing{"15m", 15 * time.Minute, loc}, true
	case "1h":
		return bucketing{"1h", time.Hour, loc}, true
	case "1d":
		return bucketing{"1d", 0, loc}, true
	}
	return bucketing{}, false
}

func (b bucketing) stamp(t time.Time) string { return t.In(b.loc).Format(time.RFC3339) }

func (b bucketing) start(t time.Time) time.Time {
	t = t.In(b.loc)
	if b.size == 0 {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, b.loc)
	}
	_, off := t.Zone()
	shift := time.Duration(off) * time.Second
	return t.Add(shift).Truncate(b.size).Add(-shift)
}

func (b bucketing) end(start time.Time) time.Time {
	if b.size == 0 {
		y, m, d := start.Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, b.loc)
	}
	return start.Add(b.size)
}

// parseTime reads RFC3339, Unix milliseconds, or a date (2026-03-02),
// which is its midnight in loc: a page picks days in the server's zone
// without knowing its offsets.
func parseTime(s string, loc *time.Location) (time.Time, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

type countRow struct {
	Start  string    `json:"start"`
	End    string    `json:"end"`
	Room   string    `json:"room"`
	Kiosk  string    `json:"kiosk"`
	Line   string    `json:"line"`
	Inside wire.Side `json:"inside"`
	In     int64     `json:"in"`
	Out    int64     `json:"out"`
}

// occupancyRow is a room's bucket: the crossings into and out of the room
// that started in it, the occupancy at its end and the highest in it;
// both null in a bucket that has not started yet.
type occupancyRow struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	Room      string `json:"room"`
	In        int64  `json:"in"`
	Out       int64  `json:"out"`
	Occupancy *int64 `json:"occupancy"`
	Peak      *int64 `json:"peak"`
}

// dayRow is a room's counting day (reset to reset) that overlaps the range
// and has started, whole: its peak, and its drift below zero.
type dayRow struct {
	Room  string `json:"room"`
	Start string `json:"start"`
	End   string `json:"end"`
	In    int64  `json:"in"`
	Out   int64  `json:"out"`
	Peak  int64  `json:"peak"`
	Drift int64  `json:"drift"`
}

type export struct {
	Room      string         `json:"room"`
	Bucket    string         `json:"bucket"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	TimeZone  string         `json:"time_zone"`
	Rows      []countRow     `json:"rows"`
	Occupancy []occupancyRow `json:"occupancy"`
	Days      []dayRow       `json:"days"`
}

func invalid(msg string) error { return &wire.Error{Code: wire.CodeInvalid, Message: msg} }

// handleCounts exports counts per bucket and line, and per room its
// occupancy per bucket (package occupancy) and its counting days. Without
// from and to it exports today.
func handleCounts(log *slog.Logger, store countsStore, now func() time.Time, loc *time.Location) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		bucket, ok := parseBucket(q.Get("bucket"), loc)
		if !ok {
			return invalid("bucket must be 15m, 1h or 1d")
		}
		day, _ := parseBucket("1d", loc)
		from := day.start(now())
		if s := q.Get("from"); s != "" {
			if from, ok = parseTime(s, loc); !ok {
				return invalid("from must be RFC3339, Unix milliseconds or a date")
			}
		}
		to := day.end(day.start(from))
		if s := q.Get("to"); s != "" {
			if to, ok = parseTime(s, loc); !ok {
				return invalid("to must be RFC3339, Unix milliseconds or a date")
			}
		}
		format := q.Get("format")
		switch {
		case !to.After(from):
			return invalid("to must be after from")
		case format != "" && format != "json" && format != "csv":
			return invalid("format must be json or csv")
		}
		var starts []time.Time
		for t := bucket.start(from); t.Before(to); t = bucket.end(t) {
			if len(starts) == maxBuckets {
				return invalid("the range has too many buckets; use a larger bucket")
			}
			starts = append(starts, t)
		}

		room := q.Get("room")
		rooms := []string{room}
		if room == "" {
			var err error
			if rooms, err = store.Rooms(r.Context()); err != nil {
				return err
			}
		}

		head := export{Room: room, Bucket: bucket.name, From: bucket.stamp(from), To: bucket.stamp(to), TimeZone: zoneName(loc, from)}
		subject := fmt.Sprintf("counts of %s from %s to %s by %s", cmp.Or(room, "all rooms"), head.From, head.To, bucket.name)
		if err := audit(r, store, now(), server.ActionExportCounts, subject, ""); err != nil {
			return err
		}

		// The export goes from the store to the client row by row, never
		// whole in memory: a year of 300 rooms is hundreds of megabytes.
		// Headers go out with the first bytes, so an error before them is
		// still answered as an error; after them it can only cut the
		// response short, which the client sees as a broken transfer
		// rather than a complete-looking file.
		out := &lazyWriter{w: w, header: func(h http.Header) {
			h.Set("Cache-Control", "no-store")
			if format == "csv" {
				h.Set("Content-Type", "text/csv; charset=utf-8")
				h.Set("Content-Disposition", `attachment; filename="lokaal-counts.csv"`)
			} else {
				h.Set("Content-Type", "application/json")
			}
		}}
		rows := store.Counts(r.Context(), room, from, to)
		var err error
		if format == "csv" {
			err = writeCSV(out, rows, bucket)
		} else {
			occ := roomOccupancy{store: store, loc: loc, from: from, to: to, now: now(), starts: starts, bucket: bucket}
			err = writeJSON(r.Context(), out, head, rows, occ, rooms)
		}
		if err != nil && out.started {
			log.Error("counts export cut short", "err", err)
			panic(http.ErrAbortHandler) // net/http drops the connection without ending the body
		}
		return err
	})
}

// lazyWriter sets the headers and status 200 at the first write.
type lazyWriter struct {
	w       http.ResponseWriter
	header  func(http.Header)
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// eachRow sums rows per bucket, kiosk and line, and hands the sums to emit
// in order of bucket, room, kiosk and line. Rows come in order of start,
// so a bucket is complete, and emitted, once a row comes a bucket's length
// after its start: no later row falls into it or into an earlier bucket.
// Only the buckets still open are held, two or three at most.
func eachRow(rows iter.Seq2[server.CountRow, error], b bucketing, emit func(countRow) error) error {
	type key struct{ room, kiosk, line string }
	open := map[int64]map[key]*countRow{}
	// A bucket holding t starts less than its length before t; a day is
	// at most 26 hours long (a DST change of up to two hours).
	length := cmp.Or(b.size, 26*time.Hour)
	flush := func(upTo int64) error {
		var starts []int64
		for s := range open {
			if s <= upTo {
				starts = append(starts, s)
			}
		}
		slices.Sort(starts)
		for _, s := range starts {
			keys := slices.SortedFunc(maps.Keys(open[s]), func(x, y key) int {
				return cmp.Or(cmp.Compare(x.room, y.room), cmp.Compare(x.kiosk, y.kiosk), cmp.Compare(x.line, y.line))
			})
			for _, k := range keys {
				if err := emit(*open[s][k]); err != nil {
					return err
				}
			}
			delete(open, s)
		}
		return nil
	}
	for c, err := range rows {
		if err != nil {
			return err
		}
		if err := flush(c.Start.Add(-length).UnixMilli()); err != nil {
			return err
		}
		s := b.start(c.Start)
		sums := open[s.UnixMilli()]
		if sums == nil {
			sums = map[key]*countRow{}
			open[s.UnixMilli()] = sums
		}
		k := key{c.Room, c.Kiosk, c.Line}
		row := sums[k]
		if row == nil {
			row = &countRow{Start: b.stamp(s), End: b.stamp(b.end(s)), Room: c.Room, Kiosk: c.Kiosk, Line: c.Line, Inside: c.Inside}
			sums[k] = row
		}
		row.In += c.In
		row.Out += c.Out
	}
	return flush(math.MaxInt64)
}

// countsStore is what the counts export reads, and logs the export in.
type countsStore interface {
	auditedCountStore
	Room(ctx context.Context, name string) (server.Room, error)
}

// roomOccupancy computes the occupancy section of an export.
type roomOccupancy struct {
	store    countsStore
	loc      *time.Location
	from, to time.Time
	now      time.Time
	starts   []time.Time
	bucket   bucketing
}

// each hands emit every bucket of one room, and returns the room's
// counting days that overlap the range and have started. It reads the
// room's rows from the start of the counting day of the first bucket to
// the end of the day of the last, so each bucket's occupancy counts from
// its day's reset and each day is whole; a bucket's in and out count only
// rows in the range, like the rows section. It holds one page per source
// and one room's days.
func (o roomOccupancy) each(ctx context.Context, room string, emit func(occupancyRow) error) ([]dayRow, error) {
	settings, err := o.store.Room(ctx, room)
	if err != nil {
		return nil, err
	}
	days := occupancy.Days{Loc: o.loc, ResetMinute: settings.ResetMinute}
	first := o.starts[0]
	last := o.bucket.end(o.starts[len(o.starts)-1])
	readEnd := days.Next(days.Start(last.Add(-time.Millisecond)))
	c := occupancy.New(days, first)
	next, stop := iter.Pull2(o.store.RoomCounts(ctx, room, days.Start(first), readEnd))
	defer stop()
	row, err, ok := next()
	for _, s := range o.starts {
		end := o.bucket.end(s)
		c.Mark(s)
		out := occupancyRow{Start: o.bucket.stamp(s), End: o.bucket.stamp(end), Room: room}
		for ; ok && err == nil && row.Start.Before(end); row, err, ok = next() {
			c.Add(row)
			if !row.Start.Before(o.from) && row.Start.Before(o.to) {
				in, left := row.Enters()
				out.In += in
				out.Out += left
			}
		}
		if err != nil {
			return nil, err
		}
		// The bucket holding now says the occupancy now: a reset later in
		// it (a daily bucket, a day restarting at 22:00) has not happened.
		at := end
		if reset := days.Next(days.Start(o.now)); end.After(o.now) && reset.Before(end) {
			at = reset
		}
		occ := c.Before(at)
		if !s.After(o.now) {
			peak := max(c.Peak(), occ)
			out.Occupancy, out.Peak = &occ, &peak
		}
		if err := emit(out); err != nil {
			return nil, err
		}
	}
	for ; ok && err == nil; row, err, ok = next() {
		c.Add(row)
	}
	if err != nil {
		return nil, err
	}
	open := c.Close(readEnd)
	var out []dayRow
	for _, d := range append(c.Done, open) {
		if d.End.After(o.from) && d.Start.Before(o.to) && !d.Start.After(o.now) {
			out = append(out, dayRow{room, o.bucket.stamp(d.Start), o.bucket.stamp(d.End), d.In, d.Out, d.Peak, d.Drift})
		}
	}
	return out, nil
}

// writeJSON writes what encoding/json writes for the export struct (with
// its trailing newline), byte for byte, one row at a time.
func writeJSON(ctx context.Context, w io.Writer, head export, rows iter.Seq2[server.CountRow, error], occ roomOccupancy, rooms []string) error {
	b := occ.bucket
	bw := bufio.NewWriterSize(w, 32<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// value writes v as encoding/json would inside the export, after sep.
	value := func(sep string, v any) error {
		buf.Reset()
		buf.WriteString(sep)
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	for _, f := range []struct {
		sep string
		v   string
	}{{`{"room":`, head.Room}, {`,"bucket":`, head.Bucket}, {`,"from":`, head.From}, {`,"to":`, head.To}, {`,"time_zone":`, head.TimeZone}} {
		if err := value(f.sep, f.v); err != nil {
			return err
		}
	}
	sep := `,"rows":[`
	if err := eachRow(rows, b, func(r countRow) error {
		err := value(sep, r)
		sep = ","
		return err
	}); err != nil {
		return err
	}
	if sep != "," {
		bw.WriteString(sep)
	}
	sep = `],"occupancy":[`
	var days []dayRow // a year of 300 rooms is 110,000 days: a few MB
	for _, room := range rooms {
		d, err := occ.each(ctx, room, func(o occupancyRow) error {
			err := value(sep, o)
			sep = ","
			return err
		})
		if err != nil {
			return err
		}
		days = append(days, d...)
	}
	if sep != "," {
		bw.WriteString(sep)
	}
	sep = `],"days":[`
	for _, d := range days {
		if err := value(sep, d); err != nil {
			return err
		}
		sep = ","
	}
	if sep != "," {
		bw.WriteString(sep)
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// writeCSV writes the rows under the documented header, one at a time.
func writeCSV(w io.Writer, rows iter.Seq2[server.CountRow, error], b bucketing) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"start", "end", "room", "kiosk", "line", "in", "out", "inside"})
	if err := eachRow(rows, b, func(r countRow) error {
		return cw.Write([]string{r.Start, r.End, r.Room, r.Kiosk, r.Line, strconv.FormatInt(r.In, 10), strconv.FormatInt(r.Out, 10), string(r.Inside)})
	}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func handleHealthz(log *slog.Logger, store server.Store) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		if err := store.Ping(r.Context()); err != nil {
			log.Error("health check failed", "err", err)
			refuse(w, codeUnavailable, "database unavailable")
			return nil
		}
		encode(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	})
}
