package eval

import (
	"math"
	"testing"
)

func TestMCC(t *testing.T) {
	for _, c := range []struct {
		tp, fp, fn, tn int
		want           float64 // NaN: undefined
	}{
		{10, 0, 0, 10, 1},
		{0, 10, 10, 0, -1},
		{76, 24, 0, 0, math.NaN()}, // always "speech": a column is empty
		{5, 5, 5, 5, 0},
		// 90·80 − 20·10 over √(110·100·100·90)
		{90, 20, 10, 80, (90*80 - 20*10) / math.Sqrt(110*100*100*90)},
	} {
		got := MCC(c.tp, c.fp, c.fn, c.tn)
		switch {
		case math.IsNaN(c.want) && got != nil:
			t.Errorf("MCC%v = %g, want undefined", c, *got)
		case !math.IsNaN(c.want) && (got == nil || math.Abs(*got-c.want) > 1e-12):
			t.Errorf("MCC%v = %v, want %g", c, got, c.want)
		}
	}
}

func TestWilsonExported(t *testing.T) {
	lo, hi := Wilson(50, 50)
	if hi != 1 || lo < 0.92 || lo > 0.93 { // 50/50: [0.9287, 1]
		t.Errorf("Wilson(50, 50) = %g, %g", lo, hi)
	}
	if lo, hi := Wilson(0, 0); lo != 0 || hi != 1 {
		t.Errorf("Wilson(0, 0) = %g, %g, want 0, 1", lo, hi)
	}
}
