package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/lokaal-nl/lokaal/server"
	"github.com/lokaal-nl/lokaal/server/occupancy"
)

// maxCapacity bounds a room's capacity: a stadium, not a typo.
const maxCapacity = 100_000

// roomJSON is a room's settings as the API shows them: the reset as local
// "HH:MM" in the server's zone.
type roomJSON struct {
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
	Reset    string `json:"reset"`
}

func toRoomJSON(r server.Room) roomJSON {
	return roomJSON{r.Name, r.Capacity, fmt.Sprintf("%02d:%02d", r.ResetMinute/60, r.ResetMinute%60)}
}

// parseClock reads "HH:MM", 00:00 to 23:59, as minutes after midnight.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	return h*60 + m, h <= 23 && m <= 59
}

// handleRooms lists the rooms that have a kiosk (names, as always), their
// settings, and the one zone times are shown in.
func handleRooms(log *slog.Logger, store server.RoomStore, now func() time.Time, loc *time.Location) http.Handler {
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		rooms, err := store.RoomSettings(r.Context())
		if err != nil {
			return err
		}
		names, settings := []string{}, []roomJSON{}
		for _, room := range rooms {
			names = append(names, room.Name)
			settings = append(settings, toRoomJSON(room))
		}
		encode(w, http.StatusOK, map[string]any{"rooms": names, "settings": settings, "time_zone": zoneName(loc, now())})
		return nil
	})
}

// handleSetRoom sets a room's capacity and reset time. The room need not
// have a kiosk yet: a building is set up room by room.
func handleSetRoom(log *slog.Logger, store server.RoomStore) http.Handler {
	type request struct {
		Capacity int    `json:"capacity"`
		Reset    string `json:"reset"`
	}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		var req request
		err := decode(w, r, &req)
		room := server.Room{Name: r.PathValue("room"), Capacity: req.Capacity, ResetMinute: server.DefaultResetMinute}
		if err == nil {
			err = checkLabel("room", room.Name)
		}
		if err == nil && (req.Capacity < 0 || req.Capacity > maxCapacity) {
			err = invalid(fmt.Sprintf("capacity must be 0 (none) to %d", maxCapacity))
		}
		if err == nil && req.Reset != "" {
			var ok bool
			if room.ResetMinute, ok = parseClock(req.Reset); !ok {
				err = invalid("reset must be a local time HH:MM, 00:00 to 23:59")
			}
		}
		if err == nil {
			err = store.SetRoom(r.Context(), room)
		}
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, toRoomJSON(room))
		return nil
	})
}

// Levels of the capacity display: green below amberAt of capacity, amber
// below full, red when full or over.
const amberAt = 0.8

// display is what a room's capacity display shows: counts only.
type display struct {
	Room      string `json:"room"`
	Occupancy int64  `json:"occupancy"`
	Capacity  int    `json:"capacity"` // 0: not set
	Level     string `json:"level"`    // green, amber, red; "" without a capacity
	Since     string `json:"since"`    // the last reset
	TimeZone  string `json:"time_zone"`
	At        string `json:"at"`
}

func level(occ int64, capacity int) string {
	switch {
	case capacity <= 0:
		return ""
	case occ >= int64(capacity):
		return "red"
	case float64(occ) >= amberAt*float64(capacity):
		return "amber"
	}
	return "green"
}

// displayTTL is how long one reading of a room serves its displays. A
// display polls every 2 s, so a batch shows within 2 s plus this: the
// issue's 5 s. Many screens on one room, or a stranger polling it, cost
// one reading per room per TTL.
const displayTTL = 2 * time.Second

// maxCachedRooms bounds the cache: names are the caller's, so a stranger
// could ask for endless rooms that do not exist.
const maxCachedRooms = 1024

type displayCache struct {
	mu sync.Mutex
	m  map[string]displayEntry
}

type displayEntry struct {
	at  time.Time
	d   display
	err error
}

// handleDisplay answers a room's live occupancy against its capacity. It
// is public, like a counter above a shop door: the building's screens show
// it without logging in. It says how many, never who, and it is read-only.
func handleDisplay(log *slog.Logger, store displayStore, now func() time.Time, loc *time.Location) http.Handler {
	cache := &displayCache{m: map[string]displayEntry{}}
	return handle(log, func(w http.ResponseWriter, r *http.Request) error {
		room := r.URL.Query().Get("room")
		if err := checkLabel("room", room); err != nil {
			return err
		}
		t := now()
		cache.mu.Lock()
		e, ok := cache.m[room]
		cache.mu.Unlock()
		if !ok || t.Sub(e.at) >= displayTTL || t.Before(e.at) {
			d, err := readDisplay(r.Context(), store, loc, room, t)
			e = displayEntry{t, d, err}
			cache.mu.Lock()
			if len(cache.m) >= maxCachedRooms {
				clear(cache.m)
			}
			cache.m[room] = e
			cache.mu.Unlock()
		}
		switch {
		case errors.Is(e.err, server.ErrNotFound):
			return e.err
		case e.err != nil:
			// A screen on the wall retries by itself: say when, rather
			// than report an internal error to a public caller.
			log.Error("display reading failed", "err", e.err)
			w.Header().Set("Retry-After", "5")
			refuse(w, codeUnavailable, "the count cannot be read now; try again shortly")
		default:
			encode(w, http.StatusOK, e.d)
		}
		return nil
	})
}

// displayStore is what a display reads.
type displayStore interface {
	server.RoomStore
	server.CountStore
}

func readDisplay(ctx context.Context, store displayStore, loc *time.Location, room string, now time.Time) (display, error) {
	rooms, err := store.Rooms(ctx)
	if err != nil {
		return display{}, err
	}
	if !slices.Contains(rooms, room) {
		return display{}, server.ErrNotFound
	}
	settings, err := store.Room(ctx, room)
	if err != nil {
		return display{}, err
	}
	days := occupancy.Days{Loc: loc, ResetMinute: settings.ResetMinute}
	start := days.Start(now)
	c := occupancy.New(days, start)
	for row, err := range store.RoomCounts(ctx, room, start, days.Next(start)) {
		if err != nil {
			return display{}, err
		}
		c.Add(row)
	}
	occ := c.Occupancy()
	return display{Room: room, Occupancy: occ, Capacity: settings.Capacity, Level: level(occ, settings.Capacity),
		Since: start.In(loc).Format(time.RFC3339), TimeZone: zoneName(loc, now), At: now.In(loc).Format(time.RFC3339)}, nil
}

// zoneName names loc for people: its IANA name, or for the machine's local
// zone (whose name Go does not know) its abbreviation and offset at t.
func zoneName(loc *time.Location, t time.Time) string {
	if loc.String() != "Local" {
		return loc.String()
	}
	abbr, off := t.In(loc).Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("local (%s, UTC%c%02d:%02d)", abbr, sign, off/3600, off/60%60)
}
