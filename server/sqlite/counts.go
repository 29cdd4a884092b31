package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"iter"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Ingest stores a verified batch exactly once. Everything happens in one
// transaction, so an error stores nothing and a success is on disk before
// the caller acknowledges it.
func (s *DB) Ingest(ctx context.Context, b wire.CountBatch, hash []byte, now time.Time) (server.IngestResult, error) {
	sum := hex.EncodeToString(hash)
	result := server.Stored
	// The device's key alone (see keys.go): devices upload in parallel.
	err := s.tx(d1.WithKeys(ctx, deviceKey(b.Device)), func(tx *sql.Tx) error {
		result = server.Stored
		var kioskID string
		var lastSeq int64
		err := tx.QueryRowContext(ctx, "SELECT kiosk_id, last_seq FROM devices WHERE id = ?", b.Device).Scan(&kioskID, &lastSeq)
		if errors.Is(err, sql.ErrNoRows) {
			return server.ErrNotFound
		}
		if err != nil {
			return err
		}

		// Exactly once: a resend is acknowledged again, a different batch
		// under the same seq is refused. This comes before the line check so
		// a resend still succeeds after the kiosk's lines were changed.
		var stored string
		err = tx.QueryRowContext(ctx, "SELECT hash FROM batches WHERE device_id = ? AND seq = ?", b.Device, b.Seq).Scan(&stored)
		switch {
		case err == nil && stored == sum:
			result = server.Duplicate
			return touch(ctx, tx, b.Device, now)
		case err == nil:
			return server.ErrSeqConflict
		case !errors.Is(err, sql.ErrNoRows):
			return err
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

		for _, l := range b.Lines {
			var known int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM kiosk_line_names WHERE kiosk_id = ? AND name = ?", kioskID, l.Line).Scan(&known); err != nil {
				return err
			}
			if known == 0 {
				return server.ErrUnknownLine
			}
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
		return touch(ctx, tx, b.Device, now)
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
		_, err := tx.ExecContext(ctx, "UPDATE devices SET last_seq = ? WHERE id = ?", seq, device)
		return err
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

func touch(ctx context.Context, tx *sql.Tx, device string, now time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE devices SET last_seen_ms = ? WHERE id = ?", now.UnixMilli(), device)
	return err
}

// countPage is how many rows one query of Counts or PrimaryCounts reads.
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
		return `SELECT b.start_ms, b.device_id, b.seq, l.line, k.room, k.id, k.lines, l.n_in, l.n_out
			FROM batches b
			JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq
			JOIN devices d ON d.id = b.device_id
			JOIN kiosks k ON k.id = d.kiosk_id
			WHERE b.start_ms >= ?1 AND b.start_ms < ?2 AND (?3 = '' OR k.room = ?3)
			  AND (b.start_ms > ?1 OR b.device_id > ?4 OR (b.device_id = ?4 AND (b.seq > ?5 OR (b.seq = ?5 AND l.line > ?6))))
			ORDER BY b.start_ms, b.device_id, b.seq, l.line LIMIT ?7`,
			[]any{k.start, to.UnixMilli(), room, k.id, k.seq, k.line, countPage}
	})
	hours := paged(ctx, s, countKey{start: from.UnixMilli()}, func(k countKey) (string, []any) {
		return `SELECT h.hour_ms, h.kiosk_id, 0, h.line, k.room, k.id, k.lines, h.n_in, h.n_out
			FROM count_hours h
			JOIN kiosks k ON k.id = h.kiosk_id
			WHERE h.hour_ms >= ?1 AND h.hour_ms < ?2 AND (?3 = '' OR k.room = ?3)
			  AND (h.hour_ms > ?1 OR h.kiosk_id > ?4 OR (h.kiosk_id = ?4 AND h.line > ?5))
			ORDER BY h.hour_ms, h.kiosk_id, h.line LIMIT ?6`,
			[]any{k.start, to.UnixMilli(), room, k.id, k.line, countPage}
	})
	return func(yield func(server.CountRow, error) bool) {
		next, stop := iter.Pull2(batches)
		defer stop()
		b, errB, okB := next()
		for h, err := range hours {
			if err != nil {
				yield(server.CountRow{}, err)
				return
			}
			for okB && (errB != nil || !b.Start.After(h.Start)) {
				if !yield(b, errB) || errB != nil {
					return
				}
				b, errB, okB = next()
			}
			if !yield(h, nil) {
				return
			}
		}
		for ; okB; b, errB, okB = next() {
			if !yield(b, errB) || errB != nil {
				return
			}
		}
	}
}

// PrimaryCounts yields the rows of one room's primary lines (each kiosk's
// first line, the one room totals use) in [from, to), batches and roll-ups
// alike, in no particular order: a room's totals need none. Read device by
// device and kiosk by kiosk in the order of the tables' keys, each page is
// a range of a primary key, so a room costs its own rows, not a scan of
// every room's.
func (s *DB) PrimaryCounts(ctx context.Context, room string, from, to time.Time) iter.Seq2[server.CountRow, error] {
	return func(yield func(server.CountRow, error) bool) {
		type source struct{ kiosk, device, line string } // device "" for the kiosk's roll-ups
		var sources []source
		_, _, err := s.page(ctx, `SELECT k.id, k.lines, coalesce(d.id, '') FROM kiosks k LEFT JOIN devices d ON d.kiosk_id = k.id
			WHERE k.room = ? ORDER BY k.id, d.id`, []any{room}, func(rows *sql.Rows) (bool, error) {
			var kiosk, lines, device string
			if err := rows.Scan(&kiosk, &lines, &device); err != nil {
				return false, err
			}
			first, err := firstLine(lines)
			if len(sources) == 0 || sources[len(sources)-1].kiosk != kiosk {
				sources = append(sources, source{kiosk, "", first})
			}
			if device != "" {
				sources = append(sources, source{kiosk, device, first})
			}
			return true, err
		})
		if err != nil {
			yield(server.CountRow{}, err)
			return
		}
		for _, src := range sources {
			query := `SELECT b.seq, b.start_ms, l.n_in, l.n_out FROM batches b
				JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq AND l.line = ?1
				WHERE b.device_id = ?2 AND b.seq > ?3 AND b.start_ms >= ?4 AND b.start_ms < ?5
				ORDER BY b.seq LIMIT ?6`
			if src.device == "" {
				query = `SELECT hour_ms, hour_ms, n_in, n_out FROM count_hours
					WHERE line = ?1 AND kiosk_id = ?2 AND hour_ms > ?3 AND hour_ms >= ?4 AND hour_ms < ?5
					ORDER BY hour_ms LIMIT ?6`
			}
			id := cmp.Or(src.device, src.kiosk)
			for after := int64(-1); ; {
				n, more, err := s.page(ctx, query, []any{src.line, id, after, from.UnixMilli(), to.UnixMilli(), countPage},
					func(rows *sql.Rows) (bool, error) {
						r := server.CountRow{Room: room, Kiosk: src.kiosk, Line: src.line, Primary: true}
						var start int64
						if err := rows.Scan(&after, &start, &r.In, &r.Out); err != nil {
							return false, err
						}
						r.Start = time.UnixMilli(start)
						return yield(r, nil), nil
					})
				if err != nil {
					yield(server.CountRow{}, err)
					return
				}
				if !more {
					return
				}
				if n < countPage {
					break
				}
			}
		}
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
// then room, kiosk, kiosk lines, in and out.
func paged(ctx context.Context, s *DB, k countKey, query func(countKey) (string, []any)) iter.Seq2[server.CountRow, error] {
	return func(yield func(server.CountRow, error) bool) {
		primary := map[string]string{} // kiosk lines JSON -> first line name, parsed once per kiosk
		for {
			q, args := query(k)
			n, more, err := s.page(ctx, q, args, func(rows *sql.Rows) (bool, error) {
				var r server.CountRow
				var lines string
				if err := rows.Scan(&k.start, &k.id, &k.seq, &k.line, &r.Room, &r.Kiosk, &lines, &r.In, &r.Out); err != nil {
					return false, err
				}
				first, ok := primary[lines]
				if !ok {
					var err error
					if first, err = firstLine(lines); err != nil {
						return false, err
					}
					primary[lines] = first
				}
				r.Start, r.Line, r.Primary = time.UnixMilli(k.start), k.line, k.line == first
				return yield(r, nil), nil
			})
			switch {
			case err != nil:
				yield(server.CountRow{}, err)
				return
			case !more || n < countPage:
				return
			}
		}
	}
}

// firstLine returns the name of the first of a kiosk's lines (JSON), its
// primary line.
func firstLine(lines string) (string, error) {
	var ls []wire.Line
	if err := json.Unmarshal([]byte(lines), &ls); err != nil || len(ls) == 0 {
		return "", err
	}
	return ls[0].Name, nil
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
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT room FROM kiosks ORDER BY room")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rooms := []string{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		rooms = append(rooms, r)
	}
	return rooms, rows.Err()
}
