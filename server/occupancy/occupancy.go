// Package occupancy turns a room's crossings into how many people are in
// it, as facilities managers' people counters do:
//
//   - every line of every kiosk in the room adds its crossings into the
//     room and subtracts those out of it (a line's side says which is
//     which; a pass-through line adds nothing);
//   - the count starts again from zero once a day, at the room's reset
//     time (local), so one missed exit does not haunt the room for ever;
//   - it never goes below zero: someone counted out who was never counted
//     in is dropped, and the number dropped in a day is its drift, a
//     measure of how well the counting works.
//
// Crossings come as count rows, a batch interval each: the order within an
// interval is not known, so the rows that start together are one step, and
// only the step's net change is clamped. Everything follows from the rows
// in order of start, so any bucket size sees the same occupancy.
package occupancy

import (
	"time"

	"github.com/lokaal-nl/lokaal/server"
)

// Days cuts time into counting days that start at a local minute of the
// day, in one zone: 23 or 25 hours long across a DST change.
type Days struct {
	Loc         *time.Location
	ResetMinute int
}

// Start returns the start of the counting day holding t.
func (d Days) Start(t time.Time) time.Time {
	t = t.In(d.Loc)
	y, m, day := t.Date()
	s := d.at(y, m, day)
	if t.Before(s) {
		s = d.at(y, m, day-1)
	}
	return s
}

// Next returns the start of the counting day after the one starting at start.
func (d Days) Next(start time.Time) time.Time {
	y, m, day := start.In(d.Loc).Date()
	return d.at(y, m, day+1)
}

func (d Days) at(y int, m time.Month, day int) time.Time {
	return time.Date(y, m, day, d.ResetMinute/60, d.ResetMinute%60, 0, 0, d.Loc)
}

// Day is one counting day of one room.
type Day struct {
	Start, End time.Time
	In, Out    int64 // crossings into and out of the room
	Peak       int64 // the highest occupancy
	Drift      int64 // people counted out below zero, and dropped
}

// Counter follows one room's occupancy through its rows in order of start.
type Counter struct {
	days Days
	day  Day
	occ  int64
	peak int64 // the highest occupancy since the last Mark

	// The step being gathered: rows that start at the same time.
	step        time.Time
	enter, left int64
	pending     bool

	// Done holds the counting days that have ended, oldest first.
	Done []Day
}

// New starts a counter at the counting day holding from, with nobody in:
// the rows it gets must start no earlier than that day.
func New(days Days, from time.Time) *Counter {
	s := days.Start(from)
	return &Counter{days: days, day: Day{Start: s, End: days.Next(s)}}
}

// Add takes one row; rows come in order of start.
func (c *Counter) Add(r server.CountRow) {
	if c.pending && !r.Start.Equal(c.step) {
		c.apply()
	}
	in, out := r.Enters()
	c.step, c.pending = r.Start, true
	c.enter += in
	c.left += out
}

// apply applies the pending step in the counting day holding it.
func (c *Counter) apply() {
	c.pending = false
	c.turn(c.step, true)
	occ := c.occ + c.enter - c.left
	c.day.In += c.enter
	c.day.Out += c.left
	if occ < 0 {
		c.day.Drift -= occ
		occ = 0
	}
	c.occ, c.enter, c.left = occ, 0, 0
	c.day.Peak = max(c.day.Peak, occ)
	c.peak = max(c.peak, occ)
}

// turn closes the counting days that end before t, or at t when at is set.
func (c *Counter) turn(t time.Time, at bool) {
	for c.day.End.Before(t) || at && c.day.End.Equal(t) {
		c.Done = append(c.Done, c.day)
		s := c.day.End
		c.day, c.occ = Day{Start: s, End: c.days.Next(s)}, 0
	}
}

// Before returns the occupancy just before t: after every row added that
// starts before t, and every reset before t.
func (c *Counter) Before(t time.Time) int64 {
	if c.pending && c.step.Before(t) {
		c.apply()
	}
	c.turn(t, false)
	return c.occ
}

// Mark starts a new peak window at t: it applies what starts before t and
// the resets up to t, and returns the occupancy then.
func (c *Counter) Mark(t time.Time) int64 {
	c.Before(t)
	c.turn(t, true)
	c.peak = c.occ
	return c.occ
}

// Peak returns the highest occupancy since the last Mark, up to what has
// been applied (call Before first).
func (c *Counter) Peak() int64 { return c.peak }

// Occupancy returns the occupancy after every row added, in the counting
// day of the last.
func (c *Counter) Occupancy() int64 {
	if c.pending {
		c.apply()
	}
	return c.occ
}

// Close applies every row added and ends the counting days up to end; the
// day holding end stays open, and is returned (its figures so far).
func (c *Counter) Close(end time.Time) Day {
	if c.pending {
		c.apply()
	}
	c.turn(end, true)
	return c.day
}
