package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
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

// Counts returns one row per stored batch line in [from, to), and one per
// hourly roll-up row (the retention engine's totals of older batches) whose
// hour starts in it, shaped alike: a roll-up row is a batch that covers its
// hour.
func (s *DB) Counts(ctx context.Context, room string, from, to time.Time) ([]server.CountRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT start_ms, room, id, lines, line, n_in, n_out FROM (
			SELECT b.start_ms, k.room, k.id, k.lines, l.line, l.n_in, l.n_out
			FROM batches b
			JOIN batch_lines l ON l.device_id = b.device_id AND l.seq = b.seq
			JOIN devices d ON d.id = b.device_id
			JOIN kiosks k ON k.id = d.kiosk_id
			WHERE b.start_ms >= ?1 AND b.start_ms < ?2 AND (?3 = '' OR k.room = ?3)
			UNION ALL
			SELECT h.hour_ms, k.room, k.id, k.lines, h.line, h.n_in, h.n_out
			FROM count_hours h
			JOIN kiosks k ON k.id = h.kiosk_id
			WHERE h.hour_ms >= ?1 AND h.hour_ms < ?2 AND (?3 = '' OR k.room = ?3))
		ORDER BY start_ms, room, id, line`, from.UnixMilli(), to.UnixMilli(), room)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	primary := map[string]string{} // kiosk lines JSON -> first line name, parsed once per kiosk
	var out []server.CountRow
	for rows.Next() {
		var r server.CountRow
		var start int64
		var lines string
		if err := rows.Scan(&start, &r.Room, &r.Kiosk, &lines, &r.Line, &r.In, &r.Out); err != nil {
			return nil, err
		}
		first, ok := primary[lines]
		if !ok {
			var ls []wire.Line
			if err := json.Unmarshal([]byte(lines), &ls); err != nil {
				return nil, err
			}
			if len(ls) > 0 {
				first = ls[0].Name
			}
			primary[lines] = first
		}
		r.Start = time.UnixMilli(start)
		r.Primary = r.Line == first
		out = append(out, r)
	}
	return out, rows.Err()
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
