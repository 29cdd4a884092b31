package nn

// ResizeBilinear scales an HWC image to oh×ow with TFLite's
// RESIZE_BILINEAR sampling: align_corners maps corner centres onto corner
// centres; half_pixel_centers samples at (i+0.5)·scale−0.5; otherwise
// i·scale. BlazeFace's full-range model upsamples its feature pyramid with
// it.
type ResizeBilinear struct {
	OH, OW                     int
	AlignCorners, HalfPixelCtr bool
}

func (r *ResizeBilinear) coord(i, in, out int) (int, int, float32) {
	scale := float32(in) / float32(out)
	if r.AlignCorners && out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	var s float32
	if r.HalfPixelCtr {
		s = (float32(i)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
	} else {
		s = float32(i) * scale
	}
	lo := int(s)
	if lo > in-1 {
		lo = in - 1
	}
	hi := lo + 1
	if hi > in-1 {
		hi = in - 1
	}
	return lo, hi, s - float32(lo)
}

// Run computes dst (OH×OW×c) from src (h×w×c).
func (r *ResizeBilinear) Run(dst, src []float32, h, w, c int) {
	for oy := 0; oy < r.OH; oy++ {
		y0, y1, fy := r.coord(oy, h, r.OH)
		for ox := 0; ox < r.OW; ox++ {
			x0, x1, fx := r.coord(ox, w, r.OW)
			o := dst[(oy*r.OW+ox)*c:][:c]
			a := src[(y0*w+x0)*c:][:len(o)]
			b := src[(y0*w+x1)*c:][:len(o)]
			d := src[(y1*w+x0)*c:][:len(o)]
			e := src[(y1*w+x1)*c:][:len(o)]
			for j := range o {
				top := a[j] + (b[j]-a[j])*fx
				bot := d[j] + (e[j]-d[j])*fx
				o[j] = top + (bot-top)*fy
			}
		}
	}
}
