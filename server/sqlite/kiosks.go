package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

var _ server.Store = (*DB)(nil)

// CreateKiosk stores a new kiosk.
func (s *DB) CreateKiosk(ctx context.Context, k server.Kiosk) error {
	k.Lines = server.WithSides(k.Lines)
	lines, err := json.Marshal(k.Lines)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kiosks (id, name, room, interval_s, lines, created_ms)
			VALUES (?, ?, ?, ?, ?, ?)`, k.ID, k.Name, k.Room, k.IntervalS, string(lines), time.Now().UnixMilli()); err != nil {
			return err
		}
		return rememberLineNames(ctx, tx, k.ID, k.Lines)
	})
}

// rememberLineNames records every name a kiosk's lines ever had, so batches
// counted before a line change, still queued in the kiosk, are accepted,
// and the side each last had: a removed line's batches keep it.
func rememberLineNames(ctx context.Context, tx *sql.Tx, kioskID string, lines []wire.Line) error {
	for _, l := range lines {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kiosk_line_names (kiosk_id, name, inside) VALUES (?, ?, ?)
			ON CONFLICT (kiosk_id, name) DO UPDATE SET inside = excluded.inside`, kioskID, l.Name, string(l.Inside)); err != nil {
			return err
		}
	}
	return nil
}

const kioskColumns = "id, name, room, interval_s, lines FROM kiosks"

func scanKiosk(row scanner) (server.Kiosk, error) {
	var k server.Kiosk
	var lines string
	if err := row.Scan(&k.ID, &k.Name, &k.Room, &k.IntervalS, &lines); err != nil {
		return k, err
	}
	return k, json.Unmarshal([]byte(lines), &k.Lines)
}

func kiosk(ctx context.Context, q queryer, id string) (server.Kiosk, error) {
	k, err := scanKiosk(q.QueryRowContext(ctx, "SELECT "+kioskColumns+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return server.Kiosk{ID: id}, server.ErrNotFound
	}
	return k, err
}

// Kiosk returns one kiosk.
func (s *DB) Kiosk(ctx context.Context, id string) (server.Kiosk, error) {
	return kiosk(ctx, s.db, id)
}

// Kiosks returns every kiosk, by room and name.
func (s *DB) Kiosks(ctx context.Context) ([]server.Kiosk, error) {
	return list(ctx, s.db, scanKiosk, "SELECT "+kioskColumns+" ORDER BY room, name, id")
}

// SetLines replaces a kiosk's lines.
func (s *DB) SetLines(ctx context.Context, id string, lines []wire.Line) (server.Kiosk, error) {
	lines = server.WithSides(lines)
	js, err := json.Marshal(lines)
	if err != nil {
		return server.Kiosk{}, err
	}
	var k server.Kiosk
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if k, err = kiosk(ctx, tx, id); err != nil {
			return err
		}
		// The kiosk as stored after the update: its lines decoded from the
		// JSON written, as a read would return them.
		k.Lines = nil
		if err := json.Unmarshal(js, &k.Lines); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE kiosks SET lines = ? WHERE id = ?", string(js), id); err != nil {
			return err
		}
		return rememberLineNames(ctx, tx, id, lines)
	})
	return k, err
}

// SetEnrolmentCode replaces the kiosk's pending code, so only the newest
// link works.
func (s *DB) SetEnrolmentCode(ctx context.Context, kioskID string, codeHash []byte, expires time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := kiosk(ctx, tx, kioskID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO enrolment_codes (code_hash, kiosk_id, expires_ms) VALUES (?, ?, ?)
			ON CONFLICT (kiosk_id) DO UPDATE SET code_hash = excluded.code_hash, expires_ms = excluded.expires_ms`,
			hex.EncodeToString(codeHash), kioskID, expires.UnixMilli())
		return err
	})
}

// Enrol burns a valid code and adds the device for its kiosk.
func (s *DB) Enrol(ctx context.Context, codeHash []byte, d server.Device, now time.Time) (server.Kiosk, error) {
	var k server.Kiosk
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var kioskID string
		var expires int64
		err := tx.QueryRowContext(ctx, "SELECT kiosk_id, expires_ms FROM enrolment_codes WHERE code_hash = ?",
			hex.EncodeToString(codeHash)).Scan(&kioskID, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && now.UnixMilli() >= expires) {
			return server.ErrBadCode
		}
		if err != nil {
			return err
		}
		if k, err = kiosk(ctx, tx, kioskID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM enrolment_codes WHERE code_hash = ?", hex.EncodeToString(codeHash)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO devices (id, kiosk_id, public_key, enrolled_ms) VALUES (?, ?, ?, ?)",
			d.ID, kioskID, []byte(d.PublicKey), now.UnixMilli())
		return err
	})
	return k, err
}
