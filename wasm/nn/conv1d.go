package nn

import "fmt"

// Conv1D is a 1-D convolution over a CT sequence (channels × time), with
// zero padding and a stride, as ONNX Conv with one spatial axis. Each
// output is the dot of one weight row with the cin·k input samples under
// it. With the weights reordered tap-major (out channel, tap, in channel)
// and the input transposed to time-major with its zero padding, those
// samples are contiguous: the column for output t is a slice of the
// transposed input, so no im2col copy is made. The transposed input lives
// in a buffer planned at construction, so Run allocates nothing.
type Conv1D struct {
	Cin, Cout, K, Stride, Pad int
	Tin, Tout                 int
	w, b                      []float32 // Cout×(K·Cin) tap-major, Cout
	xt                        []float32 // (Tin+2·Pad)×Cin, zero in the pads
}

// NewConv1D plans a convolution for inputs of tin time steps, with ONNX's
// OIK weights (out channel, in channel, tap). bias may be nil.
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
	w := make([]float32, len(oik))
	for o := 0; o < cout; o++ {
		for i := 0; i < cin; i++ {
			for j := 0; j < k; j++ {
				w[(o*k+j)*cin+i] = oik[(o*cin+i)*k+j]
			}
		}
	}
	return &Conv1D{Cin: cin, Cout: cout, K: k, Stride: stride, Pad: pad, Tin: tin, Tout: tout,
		w: w, b: bias, xt: make([]float32, (tin+2*pad)*cin)}, nil
}

// Run computes dst (Cout×Tout) from src (Cin×Tin), with a fused ReLU
// when relu is set.
func (c *Conv1D) Run(dst, src []float32, relu bool) {
	ck, cin, sc := c.Cin*c.K, c.Cin, c.Stride*c.Cin
	src = src[:cin*c.Tin]
	dst = dst[:c.Cout*c.Tout]
	xt := c.xt[c.Pad*cin : (c.Pad+c.Tin)*cin]
	for i := 0; i < cin; i++ {
		for t, v := range src[i*c.Tin : (i+1)*c.Tin] {
			xt[t*cin+i] = v
		}
	}
	// col(t) is the input under output t, in the weights' order.
	col := func(t int) []float32 { return c.xt[t*sc : t*sc+ck] }
	if c.Tout < 4 {
		// Few columns: four output channels at a time share each column.
		co := 0
		for ; co+4 <= c.Cout; co += 4 {
			for t := 0; t < c.Tout; t++ {
				s0, s1, s2, s3 := seqDot4Rows(col(t), c.w[co*ck:], c.w[(co+1)*ck:], c.w[(co+2)*ck:], c.w[(co+3)*ck:])
				dst[co*c.Tout+t], dst[(co+1)*c.Tout+t], dst[(co+2)*c.Tout+t], dst[(co+3)*c.Tout+t] = s0, s1, s2, s3
			}
		}
		for ; co < c.Cout; co++ {
			for t := 0; t < c.Tout; t++ {
				dst[co*c.Tout+t] = seqDot(c.w[co*ck:(co+1)*ck], col(t))
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
			s0, s1, s2, s3 := seqDot4(w, col(t), col(t+1), col(t+2), col(t+3))
			o[t], o[t+1], o[t+2], o[t+3] = s0, s1, s2, s3
		}
		for ; t < c.Tout; t++ {
			o[t] = seqDot(w, col(t))
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
	d.xt = make([]float32, len(c.xt))
	return &d
}
