package counter

import (
	"math"
	"math/rand/v2"
	"time"
)

// scene renders synthetic camera frames with exact ground truth: a textured
// floor, people as textured ellipses with heads, optional cast shadows,
// sensor noise and a light level that can change over time.
type scene struct {
	w, h   int
	people []person
	// light returns the light gain at t for a pixel at normalised x, y.
	light func(t time.Duration, x, y float64) float64
	// tone, if set, maps the exposed gray level as a camera's or decoder's
	// tone curve would, before it is clipped to 0..255.
	tone func(v float64) float64
	// exposure, if set, is how long the shutter is open before each frame:
	// moving people smear over the distance they cover in it.
	exposure time.Duration
	// bars, a fraction of the frame height, letterboxes the picture: black
	// rows above and below, as when a wide camera picture is fitted into
	// a 4:3 frame. People walk in and out at the picture's edge.
	bars  float64
	tex   []float64
	noise *rand.Rand
}

// person walks along waypoints (normalised body-centre positions).
type person struct {
	path   []waypoint
	shadow bool    // casts a shadow to the lower right
	width  float64 // body width, fraction of frame width (default 0.08)
	// overhead draws the person as a camera above a door sees them: a
	// roughly round body of width × length (fractions of the frame width
	// and height) with the head in its middle.
	overhead bool
	length   float64
	// gap, a fraction of the body, is a band of clothing as light as the
	// floor (a striped jacket's stripe): across the body (the silhouette
	// splits into a front and a back) or, with along, in the walking
	// direction (a left and a right half).
	gap   float64
	along bool
	// gapOn, if set, says when the band shows (a jacket swinging open, a
	// stripe turning towards the camera); otherwise it always does.
	gapOn func(t time.Duration) bool
	// bag at arm's length: its centre offset from the body centre in body
	// widths (bagX) and its diameter in body widths (bag); not connected
	// to the body, as a thin arm is lost to morphology.
	bag, bagX float64
	// bend, if set, returns how far (fraction of the frame height) the
	// person leans at t: the upper body reaches out by that much in -y.
	bend func(t time.Duration) float64
}

type waypoint struct {
	t    time.Duration
	x, y float64
}

func newScene(w, h int, people ...person) *scene {
	s := &scene{w: w, h: h, people: people, tex: make([]float64, w*h), noise: rand.New(rand.NewPCG(1, 2))}
	tex := rand.New(rand.NewPCG(7, 7))
	// Floor boards: bands of different shade with grain, plus speckle.
	for y := range h {
		band := 90 + 50*math.Sin(float64(y/6)*1.7)
		for x := range w {
			s.tex[y*w+x] = band + 25*math.Sin(float64(x)*0.35+float64(y)*0.05) + 20*tex.Float64()
		}
	}
	return s
}

// at returns where p is at t, and whether it is on the path at all.
func (p person) at(t time.Duration) (x, y float64, ok bool) {
	if len(p.path) == 0 || t < p.path[0].t || t > p.path[len(p.path)-1].t {
		return 0, 0, false
	}
	for i := 1; i < len(p.path); i++ {
		a, b := p.path[i-1], p.path[i]
		if t <= b.t {
			f := 0.0
			if b.t > a.t {
				f = float64(t-a.t) / float64(b.t-a.t)
			}
			return a.x + f*(b.x-a.x), a.y + f*(b.y-a.y), true
		}
	}
	return 0, 0, false
}

// render draws the frame at t into gray (w*h).
func (s *scene) render(gray []byte, t time.Duration) {
	w, h := s.w, s.h
	val := make([]float64, w*h)
	copy(val, s.tex)
	if s.exposure <= 0 {
		s.draw(val, t)
	} else {
		// The average of sub-frames over the exposure.
		const n = 6
		sub := make([]float64, w*h)
		clear(val)
		for k := range n {
			copy(sub, s.tex)
			s.draw(sub, t-s.exposure*time.Duration(n-1-k)/(n-1))
			for i, v := range sub {
				val[i] += v / n
			}
		}
	}
	for i, v := range val {
		x, y := float64(i%w)/float64(w), float64(i/w)/float64(h)
		v = v*s.light(t, x, y) + 6*(s.noise.Float64()-0.5)
		if s.tone != nil {
			v = s.tone(v)
		}
		if y < s.bars || y >= 1-s.bars {
			v = 3 * s.noise.Float64()
		}
		gray[i] = uint8(max(0, min(255, v)))
	}
}

// draw paints the people at t over the floor in val.
func (s *scene) draw(val []float64, t time.Duration) {
	w, h := s.w, s.h
	ellipse := func(px, py, rx, ry float64, f func(x, y int) (float64, bool)) {
		for y := int(py - ry); y <= int(py+ry)+1; y++ {
			for x := int(px - rx); x <= int(px+rx)+1; x++ {
				if x < 0 || y < 0 || x >= w || y >= h {
					continue
				}
				dx, dy := (float64(x)-px)/rx, (float64(y)-py)/ry
				if dx*dx+dy*dy > 1 {
					continue
				}
				if v, ok := f(x, y); ok {
					val[y*w+x] = v
				}
			}
		}
	}
	for _, p := range s.people {
		cx, cy, ok := p.at(t)
		if !ok {
			continue
		}
		pw := p.width
		if pw == 0 {
			pw = 0.08
		}
		px, py := cx*float64(w), cy*float64(h)
		if p.overhead {
			rx, ry := pw*float64(w)/2, p.length*float64(h)/2
			gap := p.gap
			if p.gapOn != nil && !p.gapOn(t) {
				gap = 0
			}
			clothes := func(x, y int) (float64, bool) {
				if gap > 0 {
					// The light band: the floor shows through.
					if p.along && math.Abs(float64(x)-px) < gap*rx ||
						!p.along && math.Abs(float64(y)-py) < gap*ry {
						return 0, false
					}
				}
				return 45 + 20*math.Sin(float64(x+y)*0.8), true
			}
			ellipse(px, py, rx, ry, clothes)
			if gap == 0 || p.along {
				ellipse(px, py, 0.35*rx, 0.35*rx, func(x, y int) (float64, bool) {
					if gap > 0 && math.Abs(float64(x)-px) < gap*rx {
						return 0, false
					}
					return 30, true
				})
			}
			if p.bend != nil {
				// Leaning forward over the line: head and shoulders reach out.
				if b := p.bend(t) * float64(h); b > 0 {
					ellipse(px, py-b, 0.8*rx, 0.8*ry, clothes)
				}
			}
			if p.bag > 0 {
				r := p.bag * 2 * rx / 2
				ellipse(px+p.bagX*2*rx, py, r, r, func(int, int) (float64, bool) { return 200, true })
			}
			continue
		}
		rx, ry := pw*float64(w)/2, 0.15*float64(h)
		if p.shadow {
			// A shadow on the floor beside the feet, as long as the body.
			sx, sy := px+1.6*rx, py+0.8*ry
			ellipse(sx, sy, 1.6*rx, 0.35*ry, func(x, y int) (float64, bool) { return s.tex[y*w+x] * 0.6, true })
		}
		for y := int(py - ry - 0.5*rx); y <= int(py+ry); y++ {
			for x := int(px - rx); x <= int(px+rx); x++ {
				if x < 0 || y < 0 || x >= w || y >= h {
					continue
				}
				dx, dy := (float64(x)-px)/rx, (float64(y)-py)/ry
				hx, hy := (float64(x)-px)/(0.45*rx), (float64(y)-(py-ry))/(0.45*rx)
				switch {
				case hx*hx+hy*hy <= 1: // head
					val[y*w+x] = 35
				case dx*dx+dy*dy <= 1: // clothes with stripes
					val[y*w+x] = 45 + 20*math.Sin(float64(y)*0.8)
				}
			}
		}
	}
}

func constantLight(time.Duration, float64, float64) float64 { return 1 }

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// walk is a path from (x, y0) at t0 to (x, y1) at speed (fractions of the
// frame height per second).
func walk(t0, x, y0, y1, speed float64) []waypoint {
	d := math.Abs(y1 - y0)
	return []waypoint{{sec(t0), x, y0}, {sec(t0 + d/speed), x, y1}}
}
