package track

import "time"

// Share rule: two people who walk close together can become one blob for a
// while (shoulders touching, one passing another). The greedy assignment
// gives that blob to one track and would leave the other coasting, unseen,
// so it could not cross a line. A confirmed track that claimed nothing
// shares a claimed detection when its prediction lies inside that
// detection's box and the detection is at least ShareFill of the two
// tracks' areas together: big enough to hold both. Sharing tracks move on
// their predictions, shifted together so that their mean is the blob's
// centroid: they keep their places within the blob and follow it.
const ShareFill = 0.7

func (tr *Tracker) share(dets []Point, t time.Duration) {
	for ti, k := range tr.tracks {
		if tr.hit[ti] || !k.Confirmed {
			continue
		}
		dt := (t - k.LastSeen).Seconds()
		px, py := k.X+k.VX*dt, k.Y+k.VY*dt
		for oi, o := range tr.tracks {
			if !tr.hit[oi] || o.LastSeen != t {
				continue
			}
			d := dets[tr.assigned[oi]]
			if !d.hasBox() || px < d.Box[0] || px > d.Box[2] || py < d.Box[1] || py > d.Box[3] {
				continue
			}
			if float64(d.Area) < ShareFill*float64(k.Area+o.prevArea) {
				continue
			}
			// The owner was moved to the blob's centroid; both are placed
			// around it, each as far from it as its prediction is.
			odt := (t - o.prevSeen).Seconds()
			o.VX, o.VY = o.prevVX, o.prevVY // the centroid's jump is not the owner's speed
			opx, opy := o.prevX+o.VX*odt, o.prevY+o.VY*odt
			mx, my := (px+opx)/2, (py+opy)/2
			k.X, k.Y = px+d.X-mx, py+d.Y-my
			o.X, o.Y = opx+d.X-mx, opy+d.Y-my
			k.LastSeen = t
			k.Hits++
			k.Shared, o.Shared = true, true
			k.everShared, o.everShared = true, true
			tr.hit[ti] = true
			break
		}
	}
}
