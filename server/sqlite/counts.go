package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"iter"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Ingest stores a verified batch exactly once. Everything happens in one
// transaction, so an error stores nothing and a success is on disk before
// the caller acknowledges it. It runs in the writer, one batch after
// another, so it asks in one read all that it checks: the device, a batch
// already stored under the seq, and how many of the batch's lines the
// kiosk does not have.
func (s *DB) Ingest(ctx context.Context, b wire.CountBatch, hash []byte, now time.Time) (server.IngestResult, error) {
	sum := hex.EncodeToString(hash)
	names := make([]string, len(b.Lines))
	for i, l := range b.Lines {
		names[i] = l.Line
	}
	result := server.Stored
	// The device's key alone (see keys.go): devices upload in parallel.
	err := s.tx(d1.WithKeys(ctx, deviceKey(b.Device)), func(tx *sql.Tx) error {
		result = server.Stored
		var kioskID string
		var lastSeq int64
		var stored sql.NullString
		var unknownLines int
		err := tx.QueryRowContext(ctx, `SELECT d.kiosk_id, d.last_seq,
				(SELECT hash FROM batches WHERE device_id = d.id AND seq = ?),
				(SELECT count(*) FROM json_each(?) j WHERE NOT EXISTS
					(SELECT 1 FROM kiosk_line_names n WHERE n.kiosk_id = d.kiosk_id AND n.name = j.value))
			FROM devices d WHERE d.id = ?`, b.Seq, jsonList(names), b.Device).Scan(&kioskID, &lastSeq, &stored, &unknownLines)
		if errors.Is(err, sql.ErrNoRows) {
			return server.ErrUnknownDevice
		}
		if err != nil {
			return err
		}

		// Exactly once: a resend is acknowledged again, a different batch
		// under the same seq is refused. This comes before the line check so
		// a resend still succeeds after the kiosk's lines were changed.
		switch {
		case stored.Valid && stored.String == sum:
			result = server.Duplicate
			return touch(ctx, tx, b.Device, lastSeq, now)
		case stored.Valid:
			return server.ErrSeqConflict
		}

		// Every seq up to last_seq is stored or in a gap, until the retention
		// engine rolls batches up into hourly totals: a seq that is neither
		// was rolled up, and storing it again would count it twice.
		var gap *server.Gap
		if b.Seq <= lastSeq {
			var g server.Gap
			err := tx.QueryRowContext(ctx, "SELECT from_seq, to_seq FROM gaps WHERE device_id = ? AND from_seq <= ? AND to_seq >= ?",
				b.Device, b.Seq, b.Seq).Scan(&g.From, &g.To)
			if errors.Is(err, sql.ErrNoRows) {
				return server.ErrRolledUp
			}
			if err != nil {
				return err
			}
			gap = &g
		}
		if unknownLines > 0 {
			return server.ErrUnknownLine
		}

		if _, err := tx.ExecContext(ctx, `INSERT INTO batches (device_id, seq, start_ms, end_ms, hash, received_ms)
			VALUES (?, ?, ?, ?, ?, ?)`, b.Device, b.Seq, b.Start, b.End, sum, now.UnixMilli()); err != nil {
			return err
		}
		for _, l := range b.Lines {
			if _, err := tx.ExecContext(ctx, "INSERT INTO batch_lines (device_id, seq, line, n_in, n_out) VALUES (?, ?, ?, ?, ?)",
				b.Device, b.Seq, l.Line, l.In, l.Out); err != nil {
				return err
			}
		}
		if err := updateGaps(ctx, tx, b.Device, b.Seq, lastSeq, gap); err != nil {
			return err
		}
		return touch(ctx, tx, b.Device, max(lastSeq, b.Seq), now)
	})
	return result, err
}

// updateGaps records the seqs a new batch skipped, or takes a late batch out
// of the gap that held it (g, read before the transaction's first write),
// splitting the gap when the batch is inside it.
func updateGaps(ctx context.Context, tx *sql.Tx, device string, seq, lastSeq int64, g *server.Gap) error {
	if seq > lastSeq {
		if seq > lastSeq+1 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO gaps (device_id, from_seq, to_seq) VALUES (?, ?, ?)",
				device, lastSeq+1, seq-1); err != nil {
				return err
			}
		}
		return nil
	}
	if g == nil {
		return nil // Ingest refuses a seq below last_seq that is in no gap
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM gaps WHERE device_id = ? AND from_seq = ?", device, g.From); err != nil {
		return err
	}
	for _, part := range []server.Gap{{From: g.From, To: seq - 1}, {From: seq + 1, To: g.To}} {
		if part.From <= part.To {
			if _, err := tx.ExecContext(ctx, "INSERT INTO gaps (device_id, from_seq, to_seq) VALUES (?, ?, ?)",
				device, part.From, part.To); err != nil {
				return err
			}
		}
	}
	return nil
}

// touch sets the device's last seen time and its highest stored seq.
func touch(ctx context.Context, tx *sql.Tx, device string, lastSeq int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE devices SET last_seq = ?, last_seen_ms = ? WHERE id = ?", lastSeq, now.UnixMilli(), device)
	return err
}

// countPage is how many rows one query of Counts or RoomCounts reads.
// Both page by key rather than hold a cursor: on D1 a query's result comes
// whole (there is no cursor), and a year of 300 rooms is millions of rows.
// Each page is one index range scan from the last key read.
var countPage = 2000 // a variable: tests page by a few rows

// Counts yields one row per stored batch line in [from, to), and one per
// hourly roll-up row (the retention engine's totals of older batches) whose
// hour starts in it, shaped alike: a roll-up row is a batch that covers its
// hour. Rows come in order of start, which is all an export needs to sum
// bucket by bucket; the two tables are read page by page and merged.
//
// Pages are separate reads, not one snapshot: a retention run that rolls
// up an hour while an export reads it may leave that hour short in that
// export (never in the store). Roll-ups touch only counts past the count
// period, once a day.
func (s *DB) Counts(ctx context.Context, room string, from, to time.Time) iter.Seq2[server.CountRow, error] {
	batches := paged(ctx, s, countKey{start: from.UnixMilli()}, func(k countKey) (string, []any) {
		return `SELECT b.start_ms, b.device_id, b.seq, l.line, k.room, k.id, n.inside, l.n_in, l.n_out
			FROM batches b
			JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq
			JOIN devices d ON d.id = b.device_id
			JOIN kiosks k ON k.id = d.kiosk_id
			JOIN kiosk_line_names n ON n.kiosk_id = k.id AND n.name = l.line
			WHERE b.start_ms >= ?1 AND b.start_ms < ?2 AND (?3 = '' OR k.room = ?3)
			  AND (b.start_ms > ?1 OR b.device_id > ?4 OR (b.device_id = ?4 AND (b.seq > ?5 OR (b.seq = ?5 AND l.line > ?6))))
			ORDER BY b.start_ms, b.device_id, b.seq, l.line LIMIT ?7`,
			[]any{k.start, to.UnixMilli(), room, k.id, k.seq, k.line, countPage}
	})
	hours := paged(ctx, s, countKey{start: from.UnixMilli()}, func(k countKey) (string, []any) {
		return `SELECT h.hour_ms, h.kiosk_id, 0, h.line, k.room, k.id, n.inside, h.n_in, h.n_out
			FROM count_hours h
			JOIN kiosks k ON k.id = h.kiosk_id
			JOIN kiosk_line_names n ON n.kiosk_id = k.id AND n.name = h.line
			WHERE h.hour_ms >= ?1 AND h.hour_ms < ?2 AND (?3 = '' OR k.room = ?3)
			  AND (h.hour_ms > ?1 OR h.kiosk_id > ?4 OR (h.kiosk_id = ?4 AND h.line > ?5))
			ORDER BY h.hour_ms, h.kiosk_id, h.line LIMIT ?6`,
			[]any{k.start, to.UnixMilli(), room, k.id, k.line, countPage}
	})
	return merged(batches, hours)
}

// merged yields the rows of two sequences, each in order of start, in
// order of start; of rows that start together, a's come first.
func merged(a, b iter.Seq2[server.CountRow, error]) iter.Seq2[server.CountRow, error] {
	return func(yield func(server.CountRow, error) bool) {
		next, stop := iter.Pull2(a)
		defer stop()
		x, errX, okX := next()
		for y, err := range b {
			if err != nil {
				yield(server.CountRow{}, err)
				return
			}
			for okX && (errX != nil || !x.Start.After(y.Start)) {
				if !yield(x, errX) || errX != nil {
					return
				}
				x, errX, okX = next()
			}
			if !yield(y, nil) {
				return
			}
		}
		for ; okX; x, errX, okX = next() {
			if !yield(x, errX) || errX != nil {
				return
			}
		}
	}
}

// RoomCounts yields the rows of one room's lines that change its occupancy
// in [from, to), batches and roll-ups alike, in order of start. Each
// device's batches and each kiosk line's roll-ups are read page by page
// along an index (a room costs its own rows, not a scan of every room's),
// and the sources are merged: a room has a few devices, so a merge by
// pairs costs little and holds one page per source.
func (s *DB) RoomCounts(ctx context.Context, room string, from, to time.Time) iter.Seq2[server.CountRow, error] {
	return func(yield func(server.CountRow, error) bool) {
		type kioskLine struct{ kiosk, line string }
		sides := map[kioskLine]wire.Side{}
		var sources []iter.Seq2[server.CountRow, error]
		_, _, err := s.page(ctx, `SELECT k.id, n.name, n.inside FROM kiosks k JOIN kiosk_line_names n ON n.kiosk_id = k.id
			WHERE k.room = ? AND n.inside != 'none' ORDER BY k.id, n.name`, []any{room}, func(rows *sql.Rows) (bool, error) {
			var kl kioskLine
			var side string
			err := rows.Scan(&kl.kiosk, &kl.line, &side)
			sides[kl] = wire.Side(side)
			sources = append(sources, s.pagedRoom(ctx, `SELECT hour_ms, 0, line, n_in, n_out FROM count_hours
				WHERE kiosk_id = ?1 AND line = ?2 AND hour_ms >= ?3 AND hour_ms < ?4 AND hour_ms > ?5
				ORDER BY hour_ms LIMIT ?6`, func(k countKey) []any {
				return []any{kl.kiosk, kl.line, from.UnixMilli(), to.UnixMilli(), k.start, countPage}
			}, server.CountRow{Room: room, Kiosk: kl.kiosk, Inside: wire.Side(side)}, nil))
			return true, err
		})
		if err == nil {
			_, _, err = s.page(ctx, `SELECT d.id, k.id FROM devices d JOIN kiosks k ON k.id = d.kiosk_id WHERE k.room = ? ORDER BY d.id`,
				[]any{room}, func(rows *sql.Rows) (bool, error) {
					var device, kiosk string
					err := rows.Scan(&device, &kiosk)
					sources = append(sources, s.pagedRoom(ctx, `SELECT b.start_ms, b.seq, l.line, l.n_in, l.n_out FROM batches b
						JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq
						WHERE b.device_id = ?1 AND b.start_ms >= ?2 AND b.start_ms < ?3
						  AND (b.start_ms > ?4 OR (b.start_ms = ?4 AND (b.seq > ?5 OR (b.seq = ?5 AND l.line > ?6))))
						ORDER BY b.start_ms, b.seq, l.line LIMIT ?7`, func(k countKey) []any {
						return []any{device, from.UnixMilli(), to.UnixMilli(), k.start, k.seq, k.line, countPage}
					}, server.CountRow{Room: room, Kiosk: kiosk}, func(r *server.CountRow) bool {
						r.Inside = sides[kioskLine{r.Kiosk, r.Line}]
						return r.Inside != ""
					}))
					return true, err
				})
		}
		if err != nil {
			yield(server.CountRow{}, err)
			return
		}
		// Merge by pairs: a balanced tree of merges, log2(sources) deep.
		for len(sources) > 1 {
			var next []iter.Seq2[server.CountRow, error]
			for i := 0; i+1 < len(sources); i += 2 {
				next = append(next, merged(sources[i], sources[i+1]))
			}
			if len(sources)%2 == 1 {
				next = append(next, sources[len(sources)-1])
			}
			sources = next
		}
		for _, src := range sources {
			for r, err := range src {
				if !yield(r, err) || err != nil {
					return
				}
			}
		}
	}
}

// pagedRoom yields the rows of one source of RoomCounts, shaped as like
// and kept when keep (nil: all) says so. query selects start, seq, line,
// in and out in order of (start, seq, line), from the key args makes.
func (s *DB) pagedRoom(ctx context.Context, query string, args func(countKey) []any, like server.CountRow,
	keep func(*server.CountRow) bool) iter.Seq2[server.CountRow, error] {
	return func(yield func(server.CountRow, error) bool) {
		k := countKey{start: -1, seq: -1} // before any row: times are past 2020
		s.pages(ctx, yield, func() (string, []any) { return query, args(k) }, func(rows *sql.Rows) (bool, error) {
			r := like
			if err := rows.Scan(&k.start, &k.seq, &k.line, &r.In, &r.Out); err != nil {
				return false, err
			}
			r.Start, r.Line = time.UnixMilli(k.start), k.line
			if keep != nil && !keep(&r) {
				return true, nil
			}
			return yield(r, nil), nil
		})
	}
}

// countKey is where a page of counts starts: after the last row read.
// id is the device of a batch, the kiosk of a roll-up row.
type countKey struct {
	start int64
	id    string
	seq   int64
	line  string
}

// paged yields the rows of query's pages, each read from the key after the
// last row of the one before, until a page comes back short. query returns
// a page's statement for a key; it selects start, id, seq, line (the key),
// then room, kiosk, the line's side, in and out.
func paged(ctx context.Context, s *DB, k countKey, query func(countKey) (string, []any)) iter.Seq2[server.CountRow, error] {
	return func(yield func(server.CountRow, error) bool) {
		s.pages(ctx, yield, func() (string, []any) { return query(k) }, func(rows *sql.Rows) (bool, error) {
			var r server.CountRow
			if err := rows.Scan(&k.start, &k.id, &k.seq, &k.line, &r.Room, &r.Kiosk, &r.Inside, &r.In, &r.Out); err != nil {
				return false, err
			}
			r.Start, r.Line = time.UnixMilli(k.start), k.line
			return yield(r, nil), nil
		})
	}
}

// pages is the one paging loop of Counts and RoomCounts: it runs the
// statement a page gives (from the key the last row read left) until a
// page comes back short or row stops, and yields an error as the last row.
func (s *DB) pages(ctx context.Context, yield func(server.CountRow, error) bool, statement func() (string, []any), row func(*sql.Rows) (bool, error)) {
	for {
		query, args := statement()
		n, more, err := s.page(ctx, query, args, row)
		switch {
		case err != nil:
			yield(server.CountRow{}, err)
			return
		case !more || n < countPage:
			return
		}
	}
}

// page runs one page's statement and hands each row to row until it
// returns false (the consumer stopped: more is false) or an error. It
// closes the page's rows before returning, so no read stays open between
// pages.
func (s *DB) page(ctx context.Context, query string, args []any, row func(*sql.Rows) (bool, error)) (n int, more bool, err error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, false, err
	}
	defer rows.Close()
	for rows.Next() {
		n++
		if more, err = row(rows); err != nil || !more {
			return n, false, err
		}
	}
	return n, true, rows.Err()
}

// Rooms returns the rooms that have a kiosk, sorted.
func (s *DB) Rooms(ctx context.Context) ([]string, error) {
	return column(ctx, s.db, "SELECT DISTINCT room FROM kiosks ORDER BY room")
}
