package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lokaal-nl/lokaal/server"
)

// Room returns a room's settings; a room never set has the defaults, one
// with no kiosk too (it may get one later).
func (s *DB) Room(ctx context.Context, name string) (server.Room, error) {
	r := server.Room{Name: name, ResetMinute: server.DefaultResetMinute}
	err := s.db.QueryRowContext(ctx, "SELECT capacity, reset_min FROM rooms WHERE name = ?", name).Scan(&r.Capacity, &r.ResetMinute)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	return r, err
}

// RoomSettings returns the settings of every room that has a kiosk, by name.
func (s *DB) RoomSettings(ctx context.Context) ([]server.Room, error) {
	return list(ctx, s.db, func(row scanner) (server.Room, error) {
		var r server.Room
		err := row.Scan(&r.Name, &r.Capacity, &r.ResetMinute)
		return r, err
	}, `SELECT k.room, coalesce(r.capacity, 0), coalesce(r.reset_min, ?)
		FROM (SELECT DISTINCT room FROM kiosks) k LEFT JOIN rooms r ON r.name = k.room ORDER BY k.room`, server.DefaultResetMinute)
}

// SetRoom stores a room's settings, replacing any before. One statement,
// outside a transaction: it moves DefaultKey on D1 like any other.
func (s *DB) SetRoom(ctx context.Context, r server.Room) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO rooms (name, capacity, reset_min) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET capacity = excluded.capacity, reset_min = excluded.reset_min`, r.Name, r.Capacity, r.ResetMinute)
	return err
}
