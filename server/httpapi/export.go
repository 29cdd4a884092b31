package httpapi

import (
	"bufio"
	"bytes"
	"cmp"
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

// parseTime reads RFC3339 or Unix milliseconds.
func parseTime(s string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

type countRow struct {
	Start string `json:"start"`
	End   string `json:"end"`
	Room  string `json:"room"`
	Kiosk string `json:"kiosk"`
	Line  string `json:"line"`
	In    int64  `json:"in"`
	Out   int64  `json:"out"`
}

type occupancyRow struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	Room      string `json:"room"`
	In        int64  `json:"in"`
	Out       int64  `json:"out"`
	Occupancy int64  `json:"occupancy"`
}

type export struct {
	Room      string         `json:"room"`
	Bucket    string         `json:"bucket"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Rows      []countRow     `json:"rows"`
	Occupancy []occupancyRow `json:"occupancy"`
}

func invalid(msg string) error { return &wire.Error{Code: wire.CodeInvalid, Message: msg} }

// handleCounts exports counts per bucket and line, and per room the primary
// lines' totals with the running occupancy from the start of the range.
// Without from and to it exports today.
func handleCounts(log *slog.Logger, store auditedCountStore, now func() time.Time, loc *time.Location) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		bucket, ok := parseBucket(q.Get("bucket"), loc)
		if !ok {
			fail(w, log, invalid("bucket must be 15m, 1h or 1d"))
			return
		}
		day, _ := parseBucket("1d", loc)
		from := day.start(now())
		if s := q.Get("from"); s != "" {
			if from, ok = parseTime(s); !ok {
				fail(w, log, invalid("from must be RFC3339 or Unix milliseconds"))
				return
			}
		}
		to := day.end(day.start(from))
		if s := q.Get("to"); s != "" {
			if to, ok = parseTime(s); !ok {
				fail(w, log, invalid("to must be RFC3339 or Unix milliseconds"))
				return
			}
		}
		format := q.Get("format")
		switch {
		case !to.After(from):
			fail(w, log, invalid("to must be after from"))
			return
		case format != "" && format != "json" && format != "csv":
			fail(w, log, invalid("format must be json or csv"))
			return
		}
		var starts []time.Time
		for t := bucket.start(from); t.Before(to); t = bucket.end(t) {
			if len(starts) == maxBuckets {
				fail(w, log, invalid("the range has too many buckets; use a larger bucket"))
				return
			}
			starts = append(starts, t)
		}

		room := q.Get("room")
		rooms := []string{room}
		if room == "" {
			var err error
			if rooms, err = store.Rooms(r.Context()); err != nil {
				fail(w, log, err)
				return
			}
		}

		head := export{Room: room, Bucket: bucket.name, From: bucket.stamp(from), To: bucket.stamp(to)}
		subject := fmt.Sprintf("counts of %s from %s to %s by %s", cmp.Or(room, "all rooms"), head.From, head.To, bucket.name)
		if err := audit(r, store, now(), server.ActionExportCounts, subject, ""); err != nil {
			fail(w, log, err)
			return
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
			err = writeJSON(out, head, rows, func(room string) iter.Seq2[server.CountRow, error] {
				return store.PrimaryCounts(r.Context(), room, from, to)
			}, rooms, starts, bucket)
		}
		switch {
		case err == nil:
		case !out.started:
			fail(w, log, err)
		default:
			log.Error("counts export cut short", "err", err)
			panic(http.ErrAbortHandler) // net/http drops the connection without ending the body
		}
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
			row = &countRow{Start: b.stamp(s), End: b.stamp(b.end(s)), Room: c.Room, Kiosk: c.Kiosk, Line: c.Line}
			sums[k] = row
		}
		row.In += c.In
		row.Out += c.Out
	}
	return flush(math.MaxInt64)
}

// eachOccupancy hands emit, room by room, every bucket in starts with the
// room's primary lines' totals and the running occupancy. It holds one
// room's buckets at a time.
func eachOccupancy(primary func(room string) iter.Seq2[server.CountRow, error], rooms []string, starts []time.Time, b bucketing, emit func(occupancyRow) error) error {
	totals := make([][2]int64, len(starts))
	for _, room := range rooms {
		clear(totals)
		for c, err := range primary(room) {
			if err != nil {
				return err
			}
			s := b.start(c.Start)
			i, found := slices.BinarySearchFunc(starts, s, time.Time.Compare)
			if !found {
				continue
			}
			totals[i][0] += c.In
			totals[i][1] += c.Out
		}
		var occ int64
		for i, s := range starts {
			t := totals[i]
			occ += t[0] - t[1]
			if err := emit(occupancyRow{b.stamp(s), b.stamp(b.end(s)), room, t[0], t[1], occ}); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeJSON writes what encoding/json writes for the export struct (with
// its trailing newline), byte for byte, one row at a time.
func writeJSON(w io.Writer, head export, rows iter.Seq2[server.CountRow, error], primary func(string) iter.Seq2[server.CountRow, error],
	rooms []string, starts []time.Time, b bucketing) error {
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
	}{{`{"room":`, head.Room}, {`,"bucket":`, head.Bucket}, {`,"from":`, head.From}, {`,"to":`, head.To}} {
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
	if err := eachOccupancy(primary, rooms, starts, b, func(o occupancyRow) error {
		err := value(sep, o)
		sep = ","
		return err
	}); err != nil {
		return err
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
	cw.Write([]string{"start", "end", "room", "kiosk", "line", "in", "out"})
	if err := eachRow(rows, b, func(r countRow) error {
		return cw.Write([]string{r.Start, r.End, r.Room, r.Kiosk, r.Line, strconv.FormatInt(r.In, 10), strconv.FormatInt(r.Out, 10)})
	}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func handleRooms(log *slog.Logger, store server.CountStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rooms, err := store.Rooms(r.Context())
		if err != nil {
			fail(w, log, err)
			return
		}
		encode(w, http.StatusOK, map[string][]string{"rooms": rooms})
	})
}

func handleHealthz(log *slog.Logger, store server.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := store.Ping(r.Context()); err != nil {
			log.Error("health check failed", "err", err)
			refuse(w, codeUnavailable, "database unavailable")
			return
		}
		encode(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}
