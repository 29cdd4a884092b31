package kiosk

import "slices"

// Recent keeps the last n samples for percentiles. A fixed window shows how
// the kiosk runs now, not since it was switched on.
type Recent struct {
	samples []float64
	next    int
	sorted  []float64 // scratch, so Percentile does not allocate per frame
}

// NewRecent keeps up to n samples.
func NewRecent(n int) *Recent {
	return &Recent{samples: make([]float64, 0, n), sorted: make([]float64, 0, n)}
}

// Add records a sample, replacing the oldest once the window is full.
func (w *Recent) Add(v float64) {
	if len(w.samples) < cap(w.samples) {
		w.samples = append(w.samples, v)
		return
	}
	w.samples[w.next] = v
	w.next = (w.next + 1) % len(w.samples)
}

// Len is the number of samples held.
func (w *Recent) Len() int { return len(w.samples) }

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100), or 0
// without samples.
func (w *Recent) Percentile(p float64) float64 {
	if len(w.samples) == 0 {
		return 0
	}
	w.sorted = append(w.sorted[:0], w.samples...)
	slices.Sort(w.sorted)
	rank := int(p/100*float64(len(w.sorted))+0.999999) - 1
	return w.sorted[min(max(rank, 0), len(w.sorted)-1)]
}

// Rate measures events per second over the last second of timestamps.
type Rate struct {
	times []float64 // ms, ascending
}

// Tick records an event at now (ms) and returns the rate over the last second.
func (r *Rate) Tick(now float64) float64 {
	r.times = append(r.times, now)
	i := 0
	for i < len(r.times) && r.times[i] <= now-1000 {
		i++
	}
	r.times = append(r.times[:0], r.times[i:]...)
	if len(r.times) < 2 {
		return 0
	}
	// Intervals between events, not events in the window: exact at any phase.
	return float64(len(r.times)-1) * 1000 / (now - r.times[0])
}
