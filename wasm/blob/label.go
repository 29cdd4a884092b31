package blob

// Blob is one connected foreground region (or part of one after a split).
type Blob struct {
	Area                   int
	MinX, MinY, MaxX, MaxY int     // inclusive bounding box
	X, Y                   float64 // centroid of the pixels: the body centre
	Part                   bool    // cut from a wider component as one of the people in it
}

// Labeler finds connected components. It reuses its buffers between frames.
type Labeler struct {
	w, h   int
	labels []int32
	stack  []int32
	cols   []int // column projection scratch for splitting
	blobs  []Blob
}

// NewLabeler returns a labeler for w×h masks.
func NewLabeler(w, h int) *Labeler {
	return &Labeler{w: w, h: h, labels: make([]int32, w*h), cols: make([]int, w)}
}

// Split rule: a component is tried for a split when it is wider than
// SplitAspect times its height; it is cut at the deepest valley of its
// column projection if that valley is below SplitValley of the lower of the
// peaks on either side. People seen from behind are narrower than tall, so
// a wide blob is usually two people walking side by side. Seen from above a
// person is about as wide as long, and two shoulder to shoulder make a blob
// about twice as wide as long whose valley the morphology has filled: a
// component clear of the frame border and at least WideAspect times wider
// than tall is cut at its deepest valley however shallow, if both parts
// are then no wider than WidePart times their height (people, not the
// halves of a fragment that is itself wide and flat). Either cut is
// made only if the smaller part has at least SplitBalance of the larger
// one's area: a bag or an arm held out is not a second person.
const (
	SplitAspect  = 0.75
	SplitValley  = 0.5
	WideAspect   = 1.6
	WidePart     = 1.25
	SplitBalance = 0.4
)

// Find labels 8-connected components of mask and returns those with at
// least minArea pixels, wide ones split into people. The returned slice is
// reused by the next call.
func (l *Labeler) Find(mask []uint8, minArea int) []Blob {
	w, h := l.w, l.h
	clear(l.labels)
	l.blobs = l.blobs[:0]
	next := int32(0)
	for start, v := range mask {
		if v == 0 || l.labels[start] != 0 {
			continue
		}
		next++
		b := Blob{MinX: w, MinY: h, MaxX: -1, MaxY: -1}
		sx, sy := 0, 0
		l.labels[start] = next
		l.stack = append(l.stack[:0], int32(start))
		for len(l.stack) > 0 {
			i := int(l.stack[len(l.stack)-1])
			l.stack = l.stack[:len(l.stack)-1]
			x, y := i%w, i/w
			b.Area++
			sx += x
			sy += y
			b.MinX, b.MaxX = min(b.MinX, x), max(b.MaxX, x)
			b.MinY, b.MaxY = min(b.MinY, y), max(b.MaxY, y)
			for dy := -1; dy <= 1; dy++ {
				ny := y + dy
				if ny < 0 || ny >= h {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					nx := x + dx
					if nx < 0 || nx >= w {
						continue
					}
					j := ny*w + nx
					if mask[j] != 0 && l.labels[j] == 0 {
						l.labels[j] = next
						l.stack = append(l.stack, int32(j))
					}
				}
			}
		}
		if b.Area < minArea {
			continue
		}
		b.X, b.Y = float64(sx)/float64(b.Area), float64(sy)/float64(b.Area)
		l.split(b, next, minArea, 2)
	}
	return l.blobs
}

// split appends b, or its parts if it holds people side by side. depth
// limits recursion (three people abreast at most).
func (l *Labeler) split(b Blob, label int32, minArea, depth int) {
	bw, bh := b.MaxX-b.MinX+1, b.MaxY-b.MinY+1
	if depth == 0 || float64(bw) <= SplitAspect*float64(bh) || bw < 6 {
		l.blobs = append(l.blobs, b)
		return
	}
	cols := l.cols[:bw]
	clear(cols)
	for y := b.MinY; y <= b.MaxY; y++ {
		row := l.labels[y*l.w:]
		for x := b.MinX; x <= b.MaxX; x++ {
			if row[x] == label {
				cols[x-b.MinX]++
			}
		}
	}
	// Deepest valley in the middle 60 %, compared with the highest column on
	// each side of it.
	cut, low := -1, 0
	for x := bw / 5; x < bw-bw/5; x++ {
		if cut < 0 || cols[x] < low {
			cut, low = x, cols[x]
		}
	}
	left, right := 0, 0
	for x := 0; x < cut; x++ {
		left = max(left, cols[x])
	}
	for x := cut + 1; x < bw; x++ {
		right = max(right, cols[x])
	}
	valley := float64(low) < SplitValley*float64(min(left, right))
	wide := float64(bw) >= WideAspect*float64(bh) && b.MinX > 0 && b.MinY > 0 && b.MaxX < l.w-1 && b.MaxY < l.h-1
	if cut <= 0 || !valley && !wide {
		l.blobs = append(l.blobs, b)
		return
	}
	a, c := l.part(b, label, b.MinX, b.MinX+cut-1), l.part(b, label, b.MinX+cut, b.MaxX)
	if a.Area < minArea || c.Area < minArea || float64(min(a.Area, c.Area)) < SplitBalance*float64(max(a.Area, c.Area)) ||
		!valley && (!upright(a) || !upright(c)) {
		l.blobs = append(l.blobs, b)
		return
	}
	a.Part, c.Part = true, true
	l.split(a, label, minArea, depth-1)
	l.split(c, label, minArea, depth-1)
}

// upright: not wider than WidePart times its height.
func upright(b Blob) bool { return float64(b.MaxX-b.MinX+1) <= WidePart*float64(b.MaxY-b.MinY+1) }

// part measures the pixels of label within columns x0..x1 of b.
func (l *Labeler) part(b Blob, label int32, x0, x1 int) Blob {
	p := Blob{MinX: l.w, MinY: l.h, MaxX: -1, MaxY: -1}
	sx, sy := 0, 0
	for y := b.MinY; y <= b.MaxY; y++ {
		row := l.labels[y*l.w:]
		for x := x0; x <= x1; x++ {
			if row[x] == label {
				p.Area++
				sx += x
				sy += y
				p.MinX, p.MaxX = min(p.MinX, x), max(p.MaxX, x)
				p.MinY, p.MaxY = min(p.MinY, y), max(p.MaxY, y)
			}
		}
	}
	if p.Area > 0 {
		p.X, p.Y = float64(sx)/float64(p.Area), float64(sy)/float64(p.Area)
	}
	return p
}

// MergeGap is the largest vertical gap, as a fraction of the frame height,
// between two blobs stacked on top of each other that are taken as one
// person: clothes that match the background cut a body in two.
const MergeGap = 0.05

// MergeStacked merges blobs that overlap horizontally by at least half the
// narrower one and are at most MergeGap apart vertically. It works in place
// and returns the shortened slice.
func MergeStacked(bs []Blob, h int) []Blob {
	gap := int(MergeGap*float64(h) + 0.5)
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(bs) && !merged; i++ {
			for j := i + 1; j < len(bs); j++ {
				a, b := &bs[i], &bs[j]
				overlap := min(a.MaxX, b.MaxX) - max(a.MinX, b.MinX) + 1
				narrower := min(a.MaxX-a.MinX, b.MaxX-b.MinX) + 1
				vgap := max(a.MinY, b.MinY) - min(a.MaxY, b.MaxY) - 1
				if 2*overlap < narrower || vgap > gap {
					continue
				}
				n := float64(a.Area + b.Area)
				a.X = (a.X*float64(a.Area) + b.X*float64(b.Area)) / n
				a.Y = (a.Y*float64(a.Area) + b.Y*float64(b.Area)) / n
				a.Area += b.Area
				a.MinX, a.MinY = min(a.MinX, b.MinX), min(a.MinY, b.MinY)
				a.MaxX, a.MaxY = max(a.MaxX, b.MaxX), max(a.MaxY, b.MaxY)
				bs = append(bs[:j], bs[j+1:]...)
				merged = true
				break
			}
		}
	}
	return bs
}
