package httpapi

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
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
		rows, err := store.Counts(r.Context(), room, from, to)
		if err != nil {
			fail(w, log, err)
			return
		}
		rooms := []string{room}
		if room == "" {
			if rooms, err = store.Rooms(r.Context()); err != nil {
				fail(w, log, err)
				return
			}
		}

		out := export{Room: room, Bucket: bucket.name, From: bucket.stamp(from), To: bucket.stamp(to)}
		subject := fmt.Sprintf("counts of %s from %s to %s by %s", cmp.Or(room, "all rooms"), out.From, out.To, bucket.name)
		if err := audit(r, store, now(), server.ActionExportCounts, subject, ""); err != nil {
			fail(w, log, err)
			return
		}
		out.Rows, out.Occupancy = summarise(rows, rooms, starts, bucket)
		if format == "csv" {
			writeCSV(w, out.Rows)
			return
		}
		encode(w, http.StatusOK, out)
	})
}

// summarise sums rows per bucket, kiosk and line, and per room the primary
// lines over every bucket in starts with the running occupancy.
func summarise(rows []server.CountRow, rooms []string, starts []time.Time, b bucketing) ([]countRow, []occupancyRow) {
	type key struct {
		start             time.Time
		room, kiosk, line string
	}
	type roomKey struct {
		start time.Time
		room  string
	}
	sums := map[key]*countRow{}
	var order []key
	totals := map[roomKey][2]int64{}
	for _, c := range rows {
		s := b.start(c.Start)
		k := key{s, c.Room, c.Kiosk, c.Line}
		row := sums[k]
		if row == nil {
			row = &countRow{Start: b.stamp(s), End: b.stamp(b.end(s)), Room: c.Room, Kiosk: c.Kiosk, Line: c.Line}
			sums[k] = row
			order = append(order, k)
		}
		row.In += c.In
		row.Out += c.Out
		if c.Primary {
			t := totals[roomKey{s, c.Room}]
			totals[roomKey{s, c.Room}] = [2]int64{t[0] + c.In, t[1] + c.Out}
		}
	}
	sort.Slice(order, func(i, j int) bool {
		x, y := order[i], order[j]
		if !x.start.Equal(y.start) {
			return x.start.Before(y.start)
		}
		if x.room != y.room {
			return x.room < y.room
		}
		if x.kiosk != y.kiosk {
			return x.kiosk < y.kiosk
		}
		return x.line < y.line
	})
	counts := make([]countRow, 0, len(order))
	for _, k := range order {
		counts = append(counts, *sums[k])
	}
	occupancy := make([]occupancyRow, 0, len(rooms)*len(starts))
	for _, room := range rooms {
		var occ int64
		for _, s := range starts {
			t := totals[roomKey{s, room}]
			occ += t[0] - t[1]
			occupancy = append(occupancy, occupancyRow{b.stamp(s), b.stamp(b.end(s)), room, t[0], t[1], occ})
		}
	}
	return counts, occupancy
}

func writeCSV(w http.ResponseWriter, rows []countRow) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="lokaal-counts.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"start", "end", "room", "kiosk", "line", "in", "out"})
	for _, r := range rows {
		cw.Write([]string{r.Start, r.End, r.Room, r.Kiosk, r.Line, strconv.FormatInt(r.In, 10), strconv.FormatInt(r.Out, 10)})
	}
	cw.Flush()
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
			encode(w, http.StatusServiceUnavailable, wire.Error{Code: codeUnavailable, Message: "database unavailable"})
			return
		}
		encode(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}
