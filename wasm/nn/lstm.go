package nn

import "fmt"

// LSTMCell is one step of PyTorch's LSTMCell:
//
//	i, f, g, o = split(W_ih·x + b_ih + W_hh·h + b_hh)   (that gate order)
//	c' = σ(f)·c + σ(i)·tanh(g)
//	h' = σ(o)·tanh(c')
//
// The two matrices are joined at construction into one (4H)×(In+H) matrix
// applied to [x; h], and the two biases are summed, so a step is one
// matrix-vector product. Buffers are planned once; Step allocates nothing.
type LSTMCell struct {
	In, Hidden int
	w          []float32 // 4H × (In+H)
	b          []float32 // 4H
	xh         []float32 // [x; h]
	gates      []float32 // 4H
}

// NewLSTMCell takes PyTorch's weight_ih (4H×In), weight_hh (4H×H),
// bias_ih and bias_hh (4H each, either may be nil).
func NewLSTMCell(wih, whh, bih, bhh []float32, in, hidden int) (*LSTMCell, error) {
	g := 4 * hidden
	if in <= 0 || hidden <= 0 || len(wih) != g*in || len(whh) != g*hidden ||
		(bih != nil && len(bih) != g) || (bhh != nil && len(bhh) != g) {
		return nil, fmt.Errorf("nn: LSTM cell %d→%d with weights %d, %d and biases %d, %d",
			in, hidden, len(wih), len(whh), len(bih), len(bhh))
	}
	l := &LSTMCell{In: in, Hidden: hidden, w: make([]float32, g*(in+hidden)), b: make([]float32, g),
		xh: make([]float32, in+hidden), gates: make([]float32, g)}
	for r := 0; r < g; r++ {
		copy(l.w[r*(in+hidden):], wih[r*in:(r+1)*in])
		copy(l.w[r*(in+hidden)+in:], whh[r*hidden:(r+1)*hidden])
		if bih != nil {
			l.b[r] += bih[r]
		}
		if bhh != nil {
			l.b[r] += bhh[r]
		}
	}
	return l, nil
}

// Step advances the state (h, c, Hidden values each, updated in place)
// by input x (In values).
func (l *LSTMCell) Step(x, h, c []float32) {
	n, hd := l.In+l.Hidden, l.Hidden
	copy(l.xh, x[:l.In])
	copy(l.xh[l.In:], h[:hd])
	r := 0
	for ; r+4 <= len(l.gates); r += 4 {
		s0, s1, s2, s3 := seqDot4Rows(l.xh, l.w[r*n:], l.w[(r+1)*n:], l.w[(r+2)*n:], l.w[(r+3)*n:])
		l.gates[r], l.gates[r+1], l.gates[r+2], l.gates[r+3] = l.b[r]+s0, l.b[r+1]+s1, l.b[r+2]+s2, l.b[r+3]+s3
	}
	for ; r < len(l.gates); r++ {
		l.gates[r] = l.b[r] + seqDot(l.xh, l.w[r*n:(r+1)*n])
	}
	// The activations in place, then the state update (h holds tanh(c')
	// before the output gate scales it).
	sigmoids(l.gates[:2*hd], l.gates[:2*hd])
	tanhs(l.gates[2*hd:3*hd], l.gates[2*hd:3*hd])
	sigmoids(l.gates[3*hd:], l.gates[3*hd:])
	gi, gf, gg, gout := l.gates[:hd], l.gates[hd:2*hd], l.gates[2*hd:3*hd], l.gates[3*hd:4*hd]
	h, c = h[:hd], c[:hd]
	for j := range c {
		c[j] = gf[j]*c[j] + gi[j]*gg[j]
	}
	tanhs(h, c)
	for j := range h {
		h[j] *= gout[j]
	}
}

// Clone returns a cell sharing l's weights with buffers of its own.
func (l *LSTMCell) Clone() *LSTMCell {
	m := *l
	m.xh = make([]float32, len(l.xh))
	m.gates = make([]float32, len(l.gates))
	return &m
}
