package kiosk

// MaxRate is how many camera frames a second a kiosk counts at most. The
// counter is exact on the shared clip down to 8 processed frames a second
// with the clip played 3× fast (the replay tests), so counting all 30 of a
// camera's frames would spend a kiosk's CPU, heat and power for nothing.
const MaxRate = 15

// Slack is how early (ms) a frame may come and still be taken on time:
// camera timestamps jitter by a few milliseconds.
const Slack = 5

// Budget paces frame processing to MaxRate on a schedule, so the rate
// holds whatever the camera's rate (every 2nd frame of 30 a second, every
// 4th of 60, a mix of 25's) and jitter does not halve it. A frame that
// comes before its slot is dropped. A page slower than MaxRate drops
// frames by itself: requestVideoFrameCallback calls back once, with the
// newest frame, and never queues. The zero value is ready to use.
type Budget struct {
	next    float64 // ms: the slot of the next frame
	started bool
}

// Take reports whether the frame at now (ms, a monotonic clock) is to be
// processed, and if so gives it the slot.
func (b *Budget) Take(now float64) bool {
	const interval = 1000.0 / MaxRate
	switch {
	case !b.started, now-b.next > interval, b.next-now > 2*interval:
		b.next = now // the first frame, a stall, or a clock that stepped back
	case now < b.next-Slack:
		return false
	}
	b.started = true
	b.next += interval
	return true
}
