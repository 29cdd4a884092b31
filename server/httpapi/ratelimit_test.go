package httpapi

import (
	"testing"
	"time"
)

// wantAllowed checks that l lets a request for key through, failing the
// test with the message format and args otherwise.
func wantAllowed(t *testing.T, l *limiter, key, format string, args ...any) {
	t.Helper()
	if ok, _ := l.allow(key); !ok {
		t.Fatalf(format, args...)
	}
}

func TestLimiterRefills(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(60, 3, func() time.Time { return now }) // one a second, three at once
	for i := range 3 {
		wantAllowed(t, l, "a", "request %d refused within the burst", i)
	}
	ok, wait := l.allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("fourth request: ok %v wait %v, want refused with a wait up to 1s", ok, wait)
	}
	wantAllowed(t, l, "b", "another key shares the bucket")
	now = now.Add(time.Second)
	wantAllowed(t, l, "a", "no token after a second")
}

func TestLimiterClockBack(t *testing.T) {
	now := time.Unix(100, 0)
	l := newLimiter(60, 1, func() time.Time { return now })
	l.allow("a")
	now = now.Add(-time.Hour)
	l.allow("a")
	now = now.Add(time.Second)
	wantAllowed(t, l, "a", "a clock that stepped back drained the bucket")
}

func TestLimiterRetryAfterIsEnough(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(5, 1, func() time.Time { return now }) // one per 12 s
	l.allow("a")
	ok, wait := l.allow("a")
	if ok {
		t.Fatal("second request allowed")
	}
	now = now.Add(wait)
	wantAllowed(t, l, "a", "refused after waiting Retry-After (%v)", wait)
}
