package server

import (
	"testing"
	"time"
)

func TestSessionExpiry(t *testing.T) {
	p := DefaultRetention
	end := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		mark time.Time
		want time.Time
	}{
		"no mark":                {time.Time{}, time.Date(2027, 4, 15, 12, 0, 0, 0, time.UTC)},
		"mark on day 40":         {end.AddDate(0, 0, 40), time.Date(2027, 10, 10, 12, 0, 0, 0, time.UTC)},
		"mark before the window": {end.AddDate(0, -7, 0), time.Date(2027, 4, 15, 12, 0, 0, 0, time.UTC)},
		"mark in another zone":   {time.Date(2027, 4, 10, 1, 0, 0, 0, time.FixedZone("+02", 7200)), time.Date(2027, 10, 9, 23, 0, 0, 0, time.UTC)},
	} {
		if got := p.SessionExpiry(end, tc.mark); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	now := end.Add(45 * 24 * time.Hour)
	if h := p.SessionHorizon(now); !h.Equal(end) {
		t.Errorf("horizon at the boundary %v, want the window end", h)
	}
	if h := p.AccessLogHorizon(time.Date(2029, 3, 1, 0, 0, 0, 0, time.UTC)); !h.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("access-log horizon %v", h)
	}
}

// TestErasure: the rule grants on its own only once the review period has
// passed, inclusive, and never while a mark is active.
func TestErasure(t *testing.T) {
	end := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	reviewEnds := end.Add(21 * 24 * time.Hour)
	for name, tc := range map[string]struct {
		active              int
		now                 time.Time
		inReview, automatic bool
	}{
		"in review":            {0, reviewEnds.Add(-time.Millisecond), true, false},
		"review ends":          {0, reviewEnds, false, true},
		"after review":         {0, reviewEnds.AddDate(1, 0, 0), false, true},
		"marked, in review":    {1, end, true, false},
		"marked, after review": {2, reviewEnds, false, false},
	} {
		e := DefaultRetention.Erasure("e-1", end, tc.active)
		if !e.ReviewEnds.Equal(reviewEnds) || e.InReview(tc.now) != tc.inReview || e.Automatic(tc.now) != tc.automatic {
			t.Errorf("%s: %+v at %v: in review %v, automatic %v", name, e, tc.now, e.InReview(tc.now), e.Automatic(tc.now))
		}
	}
}

func TestDeletionCounts(t *testing.T) {
	a := DeletionCounts{Sessions: 1, AccessEntries: 2}
	b := DeletionCounts{Sessions: 2, CountBatches: 3, HourlyRows: 1}
	if s := a.Add(b); s != (DeletionCounts{Sessions: 3, CountBatches: 3, HourlyRows: 1, AccessEntries: 2}) || !s.Any() {
		t.Errorf("sum %+v", s)
	}
	if (DeletionCounts{}).Any() {
		t.Error("zero counts deleted something")
	}
	if got := a.String(); got != "sessions=1 summaries=0 events=0 marks=0 notes=0 students=0 views=0 count_batches=0 hourly_rows=0 access_entries=2" {
		t.Errorf("string %q", got)
	}
}
