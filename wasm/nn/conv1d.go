package nn

import "fmt"

// Conv1D is a 1-D convolution over a CT sequence (channels × time), with
// zero padding and a stride, as ONNX Conv with one spatial axis. Weights
// are ONNX's OIK (out channel, in channel, tap), which is already the row
// layout an im2col product wants: each output is the dot of one weight
// row with one column of cin·k input samples. The columns live in a
// buffer planned at construction, so Run allocates nothing.
type Conv1D struct {
	Cin, Cout, K, Stride, Pad int
	Tin, Tout                 int
	w, b                      []float32 // Cout×(Cin·K), Cout
	col                       []float32 // Tout×(Cin·K)
}

// NewConv1D plans a convolution for inputs of tin time steps. bias may be
// nil.
func NewConv1D(oik, bias []float32, cout, cin, k, stride, pad, tin int) (*Conv1D, error) {
	if cout <= 0 || cin <= 0 || k <= 0 || stride <= 0 || pad < 0 || tin <= 0 {
		return nil, fmt.Errorf("nn: conv1d %d×%d×%d stride %d pad %d over %d steps", cout, cin, k, stride, pad, tin)
	}
	if len(oik) != cout*cin*k || (bias != nil && len(bias) != cout) {
		return nil, fmt.Errorf("nn: conv1d weights %d, bias %d for %d×%d×%d", len(oik), len(bias), cout, cin, k)
	}
	tout := (tin+2*pad-k)/stride + 1
	if tout <= 0 {
		return nil, fmt.Errorf("nn: conv1d kernel %d longer than %d padded steps", k, tin+2*pad)
	}
	if bias == nil {
		bias = make([]float32, cout)
	}
	return &Conv1D{Cin: cin, Cout: cout, K: k, Stride: stride, Pad: pad, Tin: tin, Tout: tout,
		w: oik, b: bias, col: make([]float32, tout*cin*k)}, nil
}

// Run computes dst (Cout×Tout) from src (Cin×Tin), with a fused ReLU
// when relu is set.
func (c *Conv1D) Run(dst, src []float32, relu bool) {
	ck := c.Cin * c.K
	src = src[:c.Cin*c.Tin]
	dst = dst[:c.Cout*c.Tout]
	// im2col: column t holds, per input channel, the k taps under output t.
	for t := 0; t < c.Tout; t++ {
		col := c.col[t*ck : (t+1)*ck]
		start := t*c.Stride - c.Pad
		for ci := 0; ci < c.Cin; ci++ {
			row := src[ci*c.Tin : (ci+1)*c.Tin]
			out := col[ci*c.K : (ci+1)*c.K]
			if start >= 0 && start+c.K <= c.Tin {
				copy(out, row[start:])
				continue
			}
			for j := range out {
				if s := start + j; s >= 0 && s < c.Tin {
					out[j] = row[s]
				} else {
					out[j] = 0
				}
			}
		}
	}
	if c.Tout < 4 {
		// Few columns: four output channels at a time share each column.
		co := 0
		for ; co+4 <= c.Cout; co += 4 {
			for t := 0; t < c.Tout; t++ {
				col := c.col[t*ck : (t+1)*ck]
				s0, s1, s2, s3 := seqDot4Rows(col, c.w[co*ck:], c.w[(co+1)*ck:], c.w[(co+2)*ck:], c.w[(co+3)*ck:])
				dst[co*c.Tout+t], dst[(co+1)*c.Tout+t], dst[(co+2)*c.Tout+t], dst[(co+3)*c.Tout+t] = s0, s1, s2, s3
			}
		}
		for ; co < c.Cout; co++ {
			for t := 0; t < c.Tout; t++ {
				dst[co*c.Tout+t] = seqDot(c.w[co*ck:(co+1)*ck], c.col[t*ck:])
			}
		}
		c.bias(dst, relu)
		return
	}
	for co := 0; co < c.Cout; co++ {
		w := c.w[co*ck : (co+1)*ck]
		o := dst[co*c.Tout : (co+1)*c.Tout]
		t := 0
		for ; t+4 <= c.Tout; t += 4 {
			s0, s1, s2, s3 := seqDot4(w, c.col[t*ck:], c.col[(t+1)*ck:], c.col[(t+2)*ck:], c.col[(t+3)*ck:])
			o[t], o[t+1], o[t+2], o[t+3] = s0, s1, s2, s3
		}
		for ; t < c.Tout; t++ {
			o[t] = seqDot(w, c.col[t*ck:])
		}
	}
	c.bias(dst, relu)
}

// bias adds each channel's bias, then the optional ReLU.
func (c *Conv1D) bias(dst []float32, relu bool) {
	for co := 0; co < c.Cout; co++ {
		o := dst[co*c.Tout : (co+1)*c.Tout]
		b := c.b[co]
		for i := range o {
			v := o[i] + b
			if relu && v < 0 {
				v = 0
			}
			o[i] = v
		}
	}
}

// Clone returns a convolution sharing c's weights with buffers of its
// own, for a second stream through the same model.
func (c *Conv1D) Clone() *Conv1D {
	d := *c
	d.col = make([]float32, len(c.col))
	return &d
}
