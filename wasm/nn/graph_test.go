package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// testGraph is a small model touching every op and padding case: strided
// SAME convs over odd sizes, a depthwise conv, channel padding, a residual
// add with ReLU, SAME max-pooling, both bilinear resize modes, reshape and
// concatenation.
func testGraph(t *testing.T, r *rand.Rand) *Weights {
	t.Helper()
	randT := func(name string, shape ...int) Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * 0.5)
		}
		return Tensor{Name: name, Shape: shape, Data: v}
	}
	ws := []Tensor{
		randT("c1/K", 4, 3, 3, 3), randT("c1/B", 4), // 1, 2
		randT("dw/K", 1, 3, 3, 4), randT("dw/B", 4), // 3, 4
		randT("c2/K", 6, 1, 1, 6), randT("c2/B", 6), // 5, 6
		randT("c3/K", 2, 1, 1, 6), randT("c3/B", 2), // 7, 8
		randT("c4/K", 3, 5, 5, 3), randT("c4/B", 3), // 9, 10 (VALID 5×5)
	}
	shapes := [][3]int{
		{9, 7, 3}, {5, 4, 4}, {5, 4, 4}, {3, 2, 4}, {5, 4, 6}, {5, 4, 6}, {5, 4, 6},
		{3, 2, 6}, {6, 4, 6}, {6, 4, 2}, {1, 24, 2}, {1, 24, 1}, {1, 72, 1}, {5, 3, 6}, {5, 3, 3},
	}
	ops := [][]int{
		{opConv, 3, 0, -1, -2, 1, 3, 1, 2, 0},
		{opRelu, 1, 1, 2, 0},
		{opDW, 3, 2, -3, -4, 3, 3, 1, 2, 0},
		{opPad, 1, 2, 4, 6, 0, 0, 0, 0, 0, 2},
		{opConv, 3, 4, -5, -6, 5, 3, 1, 1, 0},
		{opAdd, 2, 4, 5, 6, 1, 1},
		{opMaxPool, 1, 6, 7, 4, 1, 2, 2, 2},
		{opResize, 1, 7, 8, 4, 6, 4, 0, 1},
		{opConv, 3, 8, -7, -8, 9, 3, 0, 1, 1},
		{opReshape, 1, 9, 10, 0},
		{opReshape, 1, 3, 11, 0},
		{opConcat, 2, 10, 11, 12, 0},
		{opResize, 1, 7, 13, 4, 5, 3, 1, 0},
		{opConv, 3, 0, -9, -10, 14, 3, 0, 1, 0},
	}
	tab := []int{1, 9, 7, 3, len(shapes)}
	for _, s := range shapes {
		tab = append(tab, s[:]...)
	}
	tab = append(tab, len(ops))
	for _, o := range ops {
		tab = append(tab, o...)
	}
	tab = append(tab, 3, 12, 13, 14)
	g := Tensor{Name: "graph", Shape: []int{len(tab)}, Data: make([]float32, len(tab))}
	for i, v := range tab {
		g.Data[i] = float32(v)
	}
	b, err := EncodeMixed(append([]Tensor{g}, ws...), func(n string) bool { return n != "graph" })
	if err != nil {
		t.Fatal(err)
	}
	w, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestGraphMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	w := testGraph(t, r)
	for _, fuse := range []bool{false, true} {
		g, err := LoadGraph(w, fuse)
		if err != nil {
			t.Fatal(err)
		}
		in := make([]float32, 9*7*3)
		for i := range in {
			in[i] = float32(r.Float64()*2 - 1)
		}
		copy(g.Input(), in)
		got := map[int][]float32{}
		g.Trace(func(op int, out []float32) { got[op] = append([]float32(nil), out...) })
		g.Run()
		g.RunReference(in, func(op int, want []float64) {
			if len(got[op]) != len(want) {
				t.Fatalf("fuse %v op %d: %d values, want %d", fuse, op, len(got[op]), len(want))
			}
			for i, v := range want {
				if math.Abs(float64(got[op][i])-v) > 1e-5*math.Max(1, math.Abs(v)) {
					t.Fatalf("fuse %v op %d [%d]: %g, want %g", fuse, op, i, got[op][i], v)
				}
			}
		})
		if len(got) != 14 {
			t.Errorf("traced %d ops", len(got))
		}
		g.Trace(nil)
		if a := testing.AllocsPerRun(10, func() { copy(g.Input(), in); g.Run() }); a != 0 {
			t.Errorf("fuse %v: %g allocations per run", fuse, a)
		}
	}
}

// TestPadOut pins TFLite's SAME arithmetic: the odd pixel of padding goes
// after, not before.
func TestPadOut(t *testing.T) {
	for _, c := range []struct{ in, k, s, out, before int }{
		{128, 5, 2, 64, 1}, {64, 3, 2, 32, 0}, {64, 3, 1, 64, 1}, {7, 3, 2, 4, 1}, {8, 2, 2, 4, 0},
	} {
		if o, b := padOut(c.in, c.k, c.s, true); o != c.out || b != c.before {
			t.Errorf("padOut(%d, %d, %d): %d, %d; want %d, %d", c.in, c.k, c.s, o, b, c.out, c.before)
		}
	}
}

// TestLoadGraphRejects: tables that do not fit their weights, name missing
// ops or run out early are errors.
func TestLoadGraphRejects(t *testing.T) {
	w := testGraph(t, rand.New(rand.NewPCG(3, 4)))
	good := w.byName["graph"].Data
	try := func(what string, tab []float32) {
		t.Helper()
		w.byName["graph"] = Tensor{Name: "graph", Shape: []int{len(tab)}, Data: tab}
		if _, err := LoadGraph(w, true); err == nil {
			t.Errorf("%s: loaded", what)
		}
	}
	for _, n := range []int{0, 1, 5, 40, len(good) / 2, len(good) - 1} {
		try("cut", good[:n])
	}
	bad := append([]float32(nil), good...)
	bad[0] = 2
	try("version", bad)
	bad = append(append([]float32(nil), good...), 1)
	try("trailing", bad)
	i := 5 + 3*15 + 1 // first op's code
	bad = append([]float32(nil), good...)
	bad[i] = 99
	try("unknown op", bad)
	bad = append([]float32(nil), good...)
	bad[i+3] = -5 // the conv's kernel becomes the depthwise kernel
	try("misfit weights", bad)
	bad = append([]float32(nil), good...)
	bad[i+1] = 0.5
	try("fraction", bad)
	w.byName["graph"] = Tensor{Name: "graph", Shape: []int{len(good)}, Data: good}
	if _, err := LoadGraph(w, true); err != nil {
		t.Fatal(err)
	}
}
