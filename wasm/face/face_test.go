package face

import "testing"

func TestFrontal(t *testing.T) {
	for _, c := range []struct {
		faces    []Face
		baseline float32
		want     float32
	}{
		{nil, 100, 0},
		{[]Face{{Score: 50}}, 100, 0.5},
		{[]Face{{Score: 150}, {Score: 10}}, 100, 1},
		{[]Face{{Score: 50}}, 0, 0},
	} {
		if got := Frontal(c.faces, c.baseline); got != c.want {
			t.Errorf("Frontal(%v, %g) = %g, want %g", c.faces, c.baseline, got, c.want)
		}
	}
}
