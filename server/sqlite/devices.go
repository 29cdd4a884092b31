package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

const deviceColumns = "id, kiosk_id, public_key, enrolled_ms, last_seen_ms, last_seq"

func scanDevice(row scanner) (server.Device, error) {
	var d server.Device
	var key []byte
	if err := row.Scan(&d.ID, &d.Kiosk, &key, millis(&d.Enrolled), optionalMillis(&d.LastSeen), &d.LastSeq); err != nil {
		return d, err
	}
	d.PublicKey = key
	d.Gaps = []server.Gap{}
	return d, nil
}

// Device returns one device with its gaps.
func (s *DB) Device(ctx context.Context, id string) (server.Device, error) {
	d, err := scanDevice(s.db.QueryRowContext(ctx, "SELECT "+deviceColumns+" FROM devices WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, server.ErrUnknownDevice
	}
	if err != nil {
		return d, err
	}
	ds := map[string]*server.Device{id: &d}
	return d, s.addGaps(ctx, ds, "WHERE device_id = ?", id)
}

// Devices returns every device with its gaps, oldest enrolment first.
func (s *DB) Devices(ctx context.Context) ([]server.Device, error) {
	devices, err := list(ctx, s.db, scanDevice, "SELECT "+deviceColumns+" FROM devices ORDER BY enrolled_ms, id")
	if err != nil {
		return nil, err
	}
	ds := make(map[string]*server.Device, len(devices))
	for i := range devices {
		ds[devices[i].ID] = &devices[i]
	}
	return devices, s.addGaps(ctx, ds, "")
}

func (s *DB) addGaps(ctx context.Context, ds map[string]*server.Device, where string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, "SELECT device_id, from_seq, to_seq FROM gaps "+where+" ORDER BY device_id, from_seq", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var g server.Gap
		if err := rows.Scan(&id, &g.From, &g.To); err != nil {
			return err
		}
		if d := ds[id]; d != nil {
			d.Gaps = append(d.Gaps, g)
		}
	}
	return rows.Err()
}

// DeviceKey reads a device's key and enrolment time once and then keeps
// them: an id is enrolled once, with one key, and devices are never
// deleted, so no copy can go stale. This spares every count batch a read;
// Ingest still finds the device in its own transaction.
func (s *DB) DeviceKey(ctx context.Context, id string) (server.DeviceKey, error) {
	if k, ok := s.keys.get(id); ok {
		return k, nil
	}
	var k server.DeviceKey
	var enrolled int64
	err := s.db.QueryRowContext(ctx, "SELECT public_key, enrolled_ms FROM devices WHERE id = ?", id).Scan(&k.PublicKey, &enrolled)
	if errors.Is(err, sql.ErrNoRows) {
		return k, server.ErrUnknownDevice
	}
	if err != nil {
		return k, err
	}
	k.Enrolled = time.UnixMilli(enrolled)
	s.keys.put(id, k)
	return k, nil
}

// deviceKeys is DeviceKey's copy, bounded: when full it starts again, so
// a flood of devices costs reads, never memory.
type deviceKeys struct {
	mu sync.Mutex
	m  map[string]server.DeviceKey
}

const maxDeviceKeys = 1 << 16

func (c *deviceKeys) get(id string) (server.DeviceKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	return k, ok
}

func (c *deviceKeys) put(id string, k server.DeviceKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxDeviceKeys {
		c.m = make(map[string]server.DeviceKey)
	}
	c.m[id] = k
}
