package nn

import (
	"math"
	"testing"
)

func TestFloat16RoundTrip(t *testing.T) {
	// Every binary16 value widens and narrows back to itself.
	for h := 0; h < 1<<16; h++ {
		f := Float32(uint16(h))
		if f != f { // NaN
			if g := Float16(f); g&0x7c00 != 0x7c00 || g&0x3ff == 0 {
				t.Fatalf("NaN %04x came back as %04x", h, g)
			}
			continue
		}
		if g := Float16(f); g != uint16(h) {
			t.Fatalf("%04x -> %g -> %04x", h, f, g)
		}
	}
	for _, c := range []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {1e-8, 0},
		{5.960464477539063e-08, 0x0001}, {1 + 1.0/2048, 0x3c00}, {1 + 3.0/2048, 0x3c02},
	} {
		if got := Float16(c.in); got != c.want {
			t.Errorf("Float16(%g) = %04x, want %04x", c.in, got, c.want)
		}
	}
}

func TestWeightsRoundTrip(t *testing.T) {
	ts := []Tensor{
		{Name: "conv/w", Shape: []int{2, 3}, Data: []float32{1, -2, 0.5, 3, 1e-3, -7}},
		{Name: "conv/b", Shape: []int{2}, Data: []float32{0.25, -0.125}},
	}
	for _, half := range []bool{false, true} {
		b, err := Encode(ts, half)
		if err != nil {
			t.Fatal(err)
		}
		w, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Names(); len(got) != 2 || got[0] != "conv/w" || got[1] != "conv/b" {
			t.Fatalf("names %v", got)
		}
		got, err := w.Get("conv/w", 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range ts[0].Data {
			if d := math.Abs(float64(got.Data[i] - v)); d > 1e-3*math.Abs(float64(v)) {
				t.Errorf("half=%v: [%d] = %g, want %g", half, i, got.Data[i], v)
			}
		}
		if _, err := w.Get("conv/w", 3, 2); err == nil {
			t.Error("a wrong shape was accepted")
		}
		if _, err := w.Get("nope"); err == nil {
			t.Error("a missing tensor was found")
		}
		// Every truncation is an error, never a panic.
		for i := 0; i < len(b); i++ {
			if _, err := Decode(b[:i]); err == nil {
				t.Fatalf("truncated at %d of %d was accepted", i, len(b))
			}
		}
		if _, err := Decode(append(b, 0)); err == nil {
			t.Error("trailing byte accepted")
		}
	}
	if _, err := Encode([]Tensor{ts[1], ts[1]}, false); err == nil {
		t.Error("duplicate names accepted")
	}
	if _, err := Encode([]Tensor{{Name: "x", Shape: []int{3}, Data: []float32{1}}}, false); err == nil {
		t.Error("shape mismatch accepted")
	}
}
