package nn

import (
	"errors"
	"fmt"
)

// Graph runs a feed-forward image model described by a small integer
// table stored beside its weights (tensor "graph", float32, written by
// internal/modelconv from the TFLite file). The table names only ops this
// package implements, so any model converted from the same family (both
// BlazeFace ranges) runs without per-model Go code.
//
// Table layout, all integers:
//
//	1 inH inW inC                      version and input shape (activation 0)
//	nActs, nActs × (H W C)             activation shapes; flat ones are 1×N×C
//	nOps, per op:
//	  code nIn in… out nOpt opt…       code is TFLite's builtin op code;
//	                                   in ≥ 0 is an activation, in < 0 the
//	                                   weight tensor at index −in in file order
//	nOut out…                          the model's outputs
//
// Op options: CONV_2D and DEPTHWISE_CONV_2D [same stride relu]; MAX_POOL_2D
// [same stride kh kw]; ADD [relu]; PAD [h0 h1 w0 w1 c0 c1]; RESIZE_BILINEAR
// [oh ow alignCorners halfPixelCenters]; RELU, RESHAPE and CONCATENATION
// (append of flattened inputs) none.
//
// Buffers are planned once at load: each activation gets a slot from a
// pool, reused once its last reader has run, so Run allocates nothing.
type Graph struct {
	shapes  [][3]int
	ops     []gop
	outputs []int
	bufs    [][]float32 // per activation, aliasing pooled slots
	trace   func(op int, out []float32)
}

const (
	opAdd     = 0
	opConcat  = 2
	opConv    = 3
	opDW      = 4
	opMaxPool = 17
	opRelu    = 19
	opReshape = 22
	opResize  = 23
	opPad     = 34
)

type gop struct {
	code int
	in   []int
	out  int
	relu bool
	conv *Conv2D
	dw   *Depthwise
	pool *MaxPool2D
	pad  *Pad
	rs   *ResizeBilinear
}

// GraphInput is the input activation's shape (H, W, C).
func (g *Graph) GraphInput() [3]int { return g.shapes[0] }

// Input is the buffer to fill before every Run (HWC); Run reuses it for
// later activations once the first layer has read it.
func (g *Graph) Input() []float32 { return g.bufs[0] }

// Output is the i-th model output after Run; it is overwritten by the next Run.
func (g *Graph) Output(i int) []float32 { return g.bufs[g.outputs[i]] }

// NumOutputs is the model's output count.
func (g *Graph) NumOutputs() int { return len(g.outputs) }

// Trace calls f after every op with the op's index (in the stored table)
// and its output; tests use it to compare layers. Nil turns it off.
func (g *Graph) Trace(f func(op int, out []float32)) { g.trace = f }

// NumOps is the number of ops in the stored table (fused ReLUs included).
func (g *Graph) NumOps() int { return len(g.ops) }

var errGraph = errors.New("nn: malformed graph table")

// LoadGraph builds a runnable graph from a container holding a "graph"
// table and the weights it names. fuse folds each ReLU into the op before
// it when nothing else reads that op's output (the trace then reports the
// fused op's output under the ReLU's index too).
func LoadGraph(w *Weights, fuse bool) (*Graph, error) {
	gt, ok := w.byName["graph"]
	if !ok {
		return nil, errors.New("nn: no graph table in weights")
	}
	r := &intReader{v: gt.Data}
	if r.next() != 1 {
		return nil, errors.New("nn: unknown graph table version")
	}
	g := &Graph{}
	in := [3]int{r.next(), r.next(), r.next()}
	n := r.next()
	if r.err != nil || n < 1 || n > 1<<16 {
		return nil, errGraph
	}
	for i := 0; i < n; i++ {
		s := [3]int{r.next(), r.next(), r.next()}
		if s[0] <= 0 || s[1] <= 0 || s[2] <= 0 || s[0]*s[1]*s[2] > 1<<26 {
			return nil, errGraph
		}
		g.shapes = append(g.shapes, s)
	}
	if r.err != nil || g.shapes[0] != in {
		return nil, errGraph
	}
	nops := r.next()
	if r.err != nil || nops < 0 || nops > 1<<16 {
		return nil, errGraph
	}
	for i := 0; i < nops; i++ {
		op, err := g.readOp(r, w)
		if err != nil {
			return nil, fmt.Errorf("nn: graph op %d: %w", i, err)
		}
		g.ops = append(g.ops, op)
	}
	nout := r.next()
	for i := 0; i < nout && r.err == nil; i++ {
		o := r.next()
		if o < 0 || o >= n {
			return nil, errGraph
		}
		g.outputs = append(g.outputs, o)
	}
	if r.err != nil || nout < 1 || r.i != len(r.v) {
		return nil, errGraph
	}
	if fuse {
		g.fuse()
	}
	g.plan()
	return g, nil
}

type intReader struct {
	v   []float32
	i   int
	err error
}

func (r *intReader) next() int {
	if r.i >= len(r.v) {
		r.err = errGraph
		return 0
	}
	x := r.v[r.i]
	r.i++
	if x != float32(int(x)) {
		r.err = errGraph
	}
	return int(x)
}

func (g *Graph) readOp(r *intReader, w *Weights) (gop, error) {
	op := gop{code: r.next()}
	nin := r.next()
	if r.err != nil || nin < 0 || nin > 64 {
		return op, errGraph
	}
	var consts []Tensor
	for j := 0; j < nin; j++ {
		x := r.next()
		switch {
		case x >= 0 && x < len(g.shapes):
			op.in = append(op.in, x)
		case x < 0 && -x < len(w.order):
			consts = append(consts, w.byName[w.order[-x]])
		default:
			return op, errGraph
		}
	}
	op.out = r.next()
	nopt := r.next()
	if r.err != nil || op.out <= 0 || op.out >= len(g.shapes) || nopt < 0 || nopt > 16 {
		return op, errGraph
	}
	opt := make([]int, nopt)
	for j := range opt {
		opt[j] = r.next()
	}
	if r.err != nil {
		return op, errGraph
	}
	for _, a := range op.in {
		if a >= op.out {
			return op, errors.New("graph is not in topological order")
		}
	}
	need := func(nact, nconst, nopt int) error {
		if len(op.in) != nact || len(consts) != nconst || len(opt) != nopt {
			return fmt.Errorf("op %d: %d inputs, %d weights, %d options", op.code, len(op.in), len(consts), len(opt))
		}
		return nil
	}
	is, os := g.shapes, g.shapes[op.out]
	switch op.code {
	case opConv:
		if err := need(1, 2, 3); err != nil {
			return op, err
		}
		k, b := consts[0], consts[1]
		s := is[op.in[0]]
		if len(k.Shape) != 4 || k.Shape[3] != s[2] || k.Shape[0] != os[2] || b.Len() != os[2] || opt[1] < 1 {
			return op, errors.New("conv weights do not fit")
		}
		op.conv = NewConv2D(k.Data, b.Data, k.Shape[0], k.Shape[1], k.Shape[2], k.Shape[3], opt[1], opt[0] == 1, opt[2] == 1)
		if oh, ow := op.conv.OutSize(s[0], s[1]); oh != os[0] || ow != os[1] {
			return op, errors.New("conv output shape")
		}
	case opDW:
		if err := need(1, 2, 3); err != nil {
			return op, err
		}
		k, b := consts[0], consts[1]
		s := is[op.in[0]]
		if len(k.Shape) != 4 || k.Shape[0] != 1 || k.Shape[3] != s[2] || s[2] != os[2] || b.Len() != os[2] || opt[1] < 1 {
			return op, errors.New("depthwise weights do not fit")
		}
		op.dw = &Depthwise{KH: k.Shape[1], KW: k.Shape[2], C: s[2], Stride: opt[1], Same: opt[0] == 1, Relu: opt[2] == 1, W: k.Data, B: b.Data}
		if oh, ow := op.dw.OutSize(s[0], s[1]); oh != os[0] || ow != os[1] {
			return op, errors.New("depthwise output shape")
		}
	case opMaxPool:
		if err := need(1, 0, 4); err != nil {
			return op, err
		}
		op.pool = &MaxPool2D{KH: opt[2], KW: opt[3], Stride: opt[1], Same: opt[0] == 1}
		s := is[op.in[0]]
		if opt[1] < 1 || opt[2] < 1 || opt[3] < 1 || s[2] != os[2] {
			return op, errors.New("max-pool options")
		}
		if oh, ow := op.pool.OutSize(s[0], s[1]); oh != os[0] || ow != os[1] {
			return op, errors.New("max-pool output shape")
		}
	case opAdd:
		if err := need(2, 0, 1); err != nil {
			return op, err
		}
		if is[op.in[0]] != os || is[op.in[1]] != os {
			return op, errors.New("add shapes differ")
		}
		op.relu = opt[0] == 1
	case opRelu, opReshape:
		if err := need(1, 0, 0); err != nil {
			return op, err
		}
		if size(is[op.in[0]]) != size(os) {
			return op, errors.New("shape changes size")
		}
	case opPad:
		if err := need(1, 0, 6); err != nil {
			return op, err
		}
		op.pad = &Pad{Before: [3]int{opt[0], opt[2], opt[4]}, After: [3]int{opt[1], opt[3], opt[5]}}
		s := is[op.in[0]]
		for _, p := range opt {
			if p < 0 {
				return op, errors.New("negative padding")
			}
		}
		if h, w, c := op.pad.OutShape(s[0], s[1], s[2]); [3]int{h, w, c} != os {
			return op, errors.New("pad output shape")
		}
	case opResize:
		if err := need(1, 0, 4); err != nil {
			return op, err
		}
		op.rs = &ResizeBilinear{OH: opt[0], OW: opt[1], AlignCorners: opt[2] == 1, HalfPixelCtr: opt[3] == 1}
		s := is[op.in[0]]
		if os != [3]int{opt[0], opt[1], s[2]} {
			return op, errors.New("resize output shape")
		}
	case opConcat:
		if len(consts) != 0 || len(opt) != 0 || len(op.in) < 1 {
			return op, errors.New("concat operands")
		}
		t := 0
		for _, a := range op.in {
			t += size(is[a])
		}
		if t != size(os) {
			return op, errors.New("concat output size")
		}
	default:
		return op, fmt.Errorf("op code %d not supported", op.code)
	}
	return op, nil
}

func size(s [3]int) int { return s[0] * s[1] * s[2] }

// fuse folds RELU ops into a conv, depthwise or add whose output only
// the ReLU reads: the ReLU becomes a copy-free alias of its input.
func (g *Graph) fuse() {
	readers := make([]int, len(g.shapes))
	for _, op := range g.ops {
		for _, a := range op.in {
			readers[a]++
		}
	}
	for _, o := range g.outputs {
		readers[o]++
	}
	producer := make([]int, len(g.shapes))
	for i := range producer {
		producer[i] = -1
	}
	for i, op := range g.ops {
		producer[op.out] = i
	}
	for i := range g.ops {
		op := &g.ops[i]
		if op.code != opRelu || readers[op.in[0]] != 1 || producer[op.in[0]] < 0 {
			continue
		}
		p := &g.ops[producer[op.in[0]]]
		switch p.code {
		case opConv:
			p.conv.Relu = true
		case opDW:
			p.dw.Relu = true
		case opAdd:
			p.relu = true
		default:
			continue
		}
		op.code = -1 // alias: its output is its input's buffer
	}
}

// plan assigns buffers. Slots are reused by size once every reader of the
// activation they hold has run; aliases (fused ReLUs) share their input's.
func (g *Graph) plan() {
	n := len(g.shapes)
	g.bufs = make([][]float32, n)
	root := make([]int, n) // activation whose buffer this one uses
	for i := range root {
		root[i] = i
	}
	for _, op := range g.ops {
		if op.code == -1 {
			root[op.out] = root[op.in[0]]
		}
	}
	last := make([]int, n) // index of the last op reading the root
	for i := range last {
		last[i] = -1
	}
	for i, op := range g.ops {
		for _, a := range op.in {
			last[root[a]] = i
		}
	}
	for _, o := range g.outputs {
		last[root[o]] = len(g.ops)
	}
	type slot struct {
		buf  []float32
		free bool
	}
	var slots []*slot
	owner := make([]*slot, n)
	get := func(a int) {
		need := size(g.shapes[a])
		var best *slot
		for _, s := range slots {
			if s.free && len(s.buf) >= need && (best == nil || len(s.buf) < len(best.buf)) {
				best = s
			}
		}
		if best == nil {
			best = &slot{buf: make([]float32, need)}
			slots = append(slots, best)
		}
		best.free = false
		owner[a] = best
		g.bufs[a] = best.buf[:need]
	}
	get(0)
	for i, op := range g.ops {
		if op.code == -1 {
			g.bufs[op.out] = g.bufs[op.in[0]][:size(g.shapes[op.out])]
		} else {
			get(op.out)
		}
		// free roots whose last reader is this op (after the output is
		// taken, so an op never writes over its own input)
		for _, a := range op.in {
			if r := root[a]; last[r] == i && owner[r] != nil {
				owner[r].free = true
			}
		}
		if last[root[op.out]] == -1 && owner[op.out] != nil { // never read
			owner[op.out].free = true
		}
	}
}

// Run executes the graph on Input(); the outputs are then in Output(i).
func (g *Graph) Run() {
	for i := range g.ops {
		op := &g.ops[i]
		dst := g.bufs[op.out]
		switch op.code {
		case opConv:
			s := g.shapes[op.in[0]]
			op.conv.Run(dst, g.bufs[op.in[0]], s[0], s[1])
		case opDW:
			s := g.shapes[op.in[0]]
			op.dw.Run(dst, g.bufs[op.in[0]], s[0], s[1])
		case opMaxPool:
			s := g.shapes[op.in[0]]
			op.pool.Run(dst, g.bufs[op.in[0]], s[0], s[1], s[2])
		case opAdd:
			Add(dst, g.bufs[op.in[0]], g.bufs[op.in[1]], op.relu)
		case opRelu:
			copy(dst, g.bufs[op.in[0]])
			Relu(dst)
		case opReshape:
			copy(dst, g.bufs[op.in[0]])
		case opPad:
			s := g.shapes[op.in[0]]
			op.pad.Run(dst, g.bufs[op.in[0]], s[0], s[1], s[2])
		case opResize:
			s := g.shapes[op.in[0]]
			op.rs.Run(dst, g.bufs[op.in[0]], s[0], s[1], s[2])
		case opConcat:
			o := 0
			for _, a := range op.in {
				o += copy(dst[o:], g.bufs[a])
			}
		}
		if g.trace != nil {
			g.trace(i, dst)
		}
	}
}
