package httpapi

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per key (an IP address, an account name). It is
// memory only: a restart forgets it, which errs towards letting people in.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: perMinute / 60, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key and reports whether there was one; when not,
// it also says how long until there is.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100_000 { // bounded memory under a spray of keys
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	// A clock that steps back (NTP, tests) must not drain the bucket: the
	// refill restarts from the new time.
	if now.Before(b.last) {
		b.last = now
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	// The small tolerance keeps a client that waited exactly Retry-After
	// from being refused by a rounding error.
	if b.tokens < 1-1e-9 {
		return false, time.Duration(math.Ceil((1 - b.tokens) / l.rate * float64(time.Second)))
	}
	b.tokens--
	return true, 0
}

// sweep drops buckets that have refilled, which hold no information.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
