// Package server holds lokaal's domain, its errors and the interfaces of
// the store that keeps it: kiosks, their enrolled devices, the count
// batches they report and the rooms they count (this file); proctored
// exams, students, sessions, summaries, marks, notes and staff views
// (exam.go); staff accounts, their logins and reviewer tokens (user.go);
// the access log and its signed head (access.go, accesshead.go); the
// retention policy (retention.go); the students' rights (rights.go); and
// the server's one time zone (zone.go). The store (server/sqlite, natively
// and on D1), the transport (server/httpapi), the retention engine
// (server/retention) and occupancy (server/occupancy) live in their own
// packages and depend on this one, never the other way round.
package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// Kiosk is a counting point: one camera screen in one room. Each of its
// lines says which side the room is on, or that it only counts passers-by
// (wire.Line's Inside); the room's occupancy sums every line of every kiosk
// in it (package occupancy).
type Kiosk struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Room      string      `json:"room"`
	IntervalS int         `json:"interval_s"`
	Lines     []wire.Line `json:"lines"`
}

// WithSides fills in the side of each line that names none, as lines meant
// before sides existed: the first line is the room's door (the room is on
// its left: "in" enters), the others count passers-by. So a script that
// makes kiosks as it always did gets the occupancy it always got.
func WithSides(lines []wire.Line) []wire.Line {
	out := slices.Clone(lines)
	for i := range out {
		if out[i].Inside == "" {
			out[i].Inside = wire.Through
			if i == 0 {
				out[i].Inside = wire.Left
			}
		}
	}
	return out
}

// Room is what a room has beyond its kiosks: how many people it holds, and
// the local time of day its occupancy starts again from zero.
type Room struct {
	Name     string
	Capacity int // 0: not set
	// ResetMinute is the minute after local midnight of the daily reset.
	ResetMinute int
}

// DefaultResetMinute is 04:00, when commercial people counters reset: after
// the last cleaner, before the first early bird.
const DefaultResetMinute = 4 * 60

// Config is what an enrolled device of the kiosk needs to count.
func (k Kiosk) Config() wire.KioskConfig {
	return wire.KioskConfig{Kiosk: k.ID, Name: k.Name, Room: k.Room, IntervalS: k.IntervalS, Lines: k.Lines}
}

// Device is one enrolled browser. It proves its batches with the Ed25519 key
// it generated at enrolment; a replaced laptop enrols as a new device.
type Device struct {
	ID        string            `json:"id"`
	Kiosk     string            `json:"-"`
	PublicKey ed25519.PublicKey `json:"-"`
	Enrolled  time.Time         `json:"enrolled"`
	LastSeen  *time.Time        `json:"last_seen"` // nil until the first batch
	LastSeq   int64             `json:"last_seq"`  // highest seq stored
	Gaps      []Gap             `json:"gaps"`
}

// DeviceKey is a device's public key and when it was enrolled.
type DeviceKey struct {
	PublicKey ed25519.PublicKey
	Enrolled  time.Time
}

// Gap is a run of sequence numbers, From to To inclusive, that a device
// skipped: batches still queued on the device, or lost.
type Gap struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// IngestResult tells a stored batch from a resent one.
type IngestResult int

const (
	Stored    IngestResult = iota // first time this (device, seq) arrived
	Duplicate                     // same (device, seq), same content: acknowledged again
)

// CountRow is the crossings of one kiosk line in one stored batch.
type CountRow struct {
	Start  time.Time // batch interval start: the batch belongs to the bucket holding it
	Room   string
	Kiosk  string
	Line   string
	Inside wire.Side // the line's side as last configured (a removed line keeps its last)
	In     int64
	Out    int64
}

// Enters returns how many of the row's crossings entered its room and how
// many left it; a pass-through line's enter and leave nothing.
func (c CountRow) Enters() (enter, leave int64) {
	return wire.LineCount{Line: c.Line, In: c.In, Out: c.Out}.Enters(c.Inside)
}

// Errors the store reports; the transport maps them to wire codes.
var (
	// ErrNotFound: no such thing. A more specific error of something not
	// found (ErrUnknownSession, ErrUnknownDevice) matches it too.
	ErrNotFound    = errors.New("not found")
	ErrBadCode     = errors.New("enrolment code unknown, used or expired")
	ErrSeqConflict = errors.New("a different message with this seq is already stored")
	ErrUnknownLine = errors.New("the batch names a line the kiosk never had")
	// ErrUnknownDevice: no device enrolled with this id. It is an
	// ErrNotFound.
	ErrUnknownDevice error = &notFound{"no device with this id is enrolled"}
)

// notFound is something not found that has its own code: errors.Is
// matches it and ErrNotFound.
type notFound struct{ msg string }

func (e *notFound) Error() string        { return e.msg }
func (e *notFound) Is(target error) bool { return target == ErrNotFound }

// KioskStore keeps kiosks and enrols devices for them.
type KioskStore interface {
	CreateKiosk(ctx context.Context, k Kiosk) error
	Kiosk(ctx context.Context, id string) (Kiosk, error)
	Kiosks(ctx context.Context) ([]Kiosk, error)
	SetLines(ctx context.Context, id string, lines []wire.Line) (Kiosk, error)
	// SetEnrolmentCode replaces the kiosk's pending code. Only the code's
	// hash is kept, so a copy of the database cannot enrol a device.
	SetEnrolmentCode(ctx context.Context, kiosk string, codeHash []byte, expires time.Time) error
	// Enrol burns the code and adds the device in one transaction.
	Enrol(ctx context.Context, codeHash []byte, d Device, now time.Time) (Kiosk, error)
}

// DeviceStore reads devices with their gaps.
type DeviceStore interface {
	Device(ctx context.Context, id string) (Device, error)
	// DeviceKey is what checking a device's batch needs, read on every
	// batch: its public key and enrolment time, which never change.
	DeviceKey(ctx context.Context, id string) (DeviceKey, error)
	Devices(ctx context.Context) ([]Device, error)
}

// CountStore keeps count batches exactly once and reads them back.
type CountStore interface {
	// Ingest stores a verified batch and updates the device's gaps and last
	// seen time, all or nothing. hash identifies the batch's content.
	Ingest(ctx context.Context, b wire.CountBatch, hash []byte, now time.Time) (IngestResult, error)
	// Counts yields the rows of batches starting in [from, to), of one room
	// or, when room is empty, of all rooms, in order of start. It reads
	// them a page at a time: an export of a year never holds them all.
	Counts(ctx context.Context, room string, from, to time.Time) iter.Seq2[CountRow, error]
	// RoomCounts yields one room's rows of the lines that change its
	// occupancy (Inside left or right) in [from, to), in order of start:
	// what its occupancy needs, a page at a time.
	RoomCounts(ctx context.Context, room string, from, to time.Time) iter.Seq2[CountRow, error]
	// Rooms returns the rooms that have a kiosk, sorted.
	Rooms(ctx context.Context) ([]string, error)
}

// RoomStore keeps rooms' capacities and reset times. A room without
// settings has no capacity and resets at DefaultResetMinute.
type RoomStore interface {
	Room(ctx context.Context, name string) (Room, error)
	// RoomSettings returns the settings of every room that has a kiosk.
	RoomSettings(ctx context.Context) ([]Room, error)
	SetRoom(ctx context.Context, r Room) error
}

// Store is everything the HTTP API needs.
type Store interface {
	KioskStore
	DeviceStore
	CountStore
	RoomStore
	ExamStore
	AccessLog
	UserStore
	ReviewerStore
	RetentionStore
	RightsStore
	Ping(ctx context.Context) error
}

// ErrOverloaded: the store could not take a write in time (its queue was
// full, the write waited past its deadline, or the database stayed busy).
// Nothing was stored; the client retries after a short wait (503 with
// Retry-After), as it does after a 429.
var ErrOverloaded = errors.New("the server is busy: try again shortly")

// Overloaded reports whether err means the store was too busy to answer:
// ErrOverloaded, or an SQL engine's busy or locked error that reached the
// caller unwrapped (SQLite's SQLITE_BUSY and SQLITE_LOCKED, which
// modernc.org/sqlite's errors carry as Code, and their messages as D1
// relays them), or D1 saying it is overloaded.
func Overloaded(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrOverloaded) {
		return true
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "D1 DB is overloaded")
}
