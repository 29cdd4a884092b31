package eval

import (
	"math"
	"sort"
)

// matchEvents pairs truth and predicted times one-to-one, at most tol
// apart, closest pairs first, and returns [truth index, pred index] pairs.
// Closest-first keeps a prediction between two labels from taking the
// label that a nearer prediction fits.
func matchEvents(truth, pred []float64, tol float64) [][2]int {
	return matchGreedy(len(truth), len(pred), func(i, j int) (float64, bool) {
		d := math.Abs(truth[i] - pred[j])
		return -d, d <= tol+1e-9
	})
}

// matchGreedy pairs n truths with m predictions one to one: of the pairs
// for which score says ok, the highest-scoring is taken first, then the
// highest among those whose sides are both still free, and so on; ties go
// to the earlier truth, then the earlier prediction. It returns
// [truth index, prediction index] pairs in the order taken.
func matchGreedy(n, m int, score func(i, j int) (v float64, ok bool)) [][2]int {
	type pair struct {
		i, j int
		v    float64
	}
	var cands []pair
	for i := range n {
		for j := range m {
			if v, ok := score(i, j); ok {
				cands = append(cands, pair{i, j, v})
			}
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].v > cands[b].v })
	ti, pj := make([]bool, n), make([]bool, m)
	var out [][2]int
	for _, c := range cands {
		if !ti[c.i] && !pj[c.j] {
			ti[c.i], pj[c.j] = true, true
			out = append(out, [2]int{c.i, c.j})
		}
	}
	return out
}

// z95 is the standard normal quantile for a two-sided 95 % interval.
const z95 = 1.959963984540054

// Wilson is the 95 % Wilson score interval for k successes in n trials.
// Unlike the normal approximation it stays within 0..1 and is sensible at
// rates near 0 or 1 and for small groups. The bench (e2e/bench-score.mjs)
// prints the same intervals.
func Wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	p, nf, z2 := float64(k)/float64(n), float64(n), z95*z95
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return max(0, centre-half), min(1, centre+half)
}

// confusion counts frame decisions against labels.
type confusion struct {
	TP, FP, FN, TN int
}

func (c *confusion) add(o confusion) {
	c.TP, c.FP, c.FN, c.TN = c.TP+o.TP, c.FP+o.FP, c.FN+o.FN, c.TN+o.TN
}

func (c confusion) prf() (p, r, f1 *float64) {
	p, r = ratio(c.TP, c.TP+c.FP), ratio(c.TP, c.TP+c.FN)
	if p != nil && r != nil && *p+*r > 0 {
		f := 2 * *p * *r / (*p + *r)
		f1 = &f
	}
	return p, r, f1
}

// MCC is the Matthews correlation of a 2×2 confusion table, or nil when a
// row or column is empty (it is then undefined). Unlike F1 it does not
// reward answering "speech" on a set that is mostly speech: that scores 0.
func MCC(tp, fp, fn, tn int) *float64 {
	num := float64(tp)*float64(tn) - float64(fp)*float64(fn)
	den := float64(tp+fp) * float64(tp+fn) * float64(tn+fp) * float64(tn+fn)
	if den == 0 {
		return nil
	}
	m := num / math.Sqrt(den)
	return &m
}

func (c confusion) mcc() *float64 { return MCC(c.TP, c.FP, c.FN, c.TN) }
