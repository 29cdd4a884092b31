// Package background keeps an adaptive model of a static scene seen by a
// fixed camera, so that moving people show up as the difference to it.
//
// The model is a per-pixel running mean and mean absolute deviation of gray
// levels, plain float32 slices at work size. Rates are time based (alpha =
// 1-exp(-dt/tau)), so the model behaves the same at 5 or 30 frames per
// second and when frames are dropped.
package background

import (
	"math"
	"time"
)

// Time constants of the model.
const (
	// BackgroundTau is how fast empty scene pixels follow slow changes
	// (sunlight, a door left open).
	BackgroundTau = 4 * time.Second
	// StandingFade is how long a pixel must stay foreground before it is
	// taken into the background: a person standing still fades out after
	// about this long (plus RelearnTau). Until then their pixels are not
	// learned at all, so that a person who leaves after 30 s at a desk leaves
	// no half-learned ghost behind; a parked trolley still stops being
	// "someone" after a minute.
	StandingFade = 60 * time.Second
	// Relearn is how long after a sudden light change every pixel, covered
	// or not, learns at RelearnTau, so that people present at the switch do
	// not stay behind as ghosts for StandingFade.
	Relearn = 2 * time.Second
	// RelearnTau is the rate during Relearn and for pixels older than
	// StandingFade.
	RelearnTau = 500 * time.Millisecond
)

// Classification thresholds.
const (
	// MinThreshold is the smallest gray difference that counts as change,
	// above JPEG and sensor noise.
	MinThreshold = 14
	// DevFactor scales the per-pixel deviation into a threshold, so
	// flickering or noisy pixels need a larger change.
	DevFactor = 3
	// SuddenChange is the fraction of the frame that, newly changed from
	// one frame to the next after gain compensation, is taken as a light
	// switch (a lamp on one side) rather than people, who walk in and do
	// not appear over a third of the view at once.
	SuddenChange = 0.3
	// MostChange is the fraction that is always a light change: nobody
	// fills half the view.
	MostChange = 0.5
	// ClipDark and ClipBright bound the background gray levels that take
	// part in the gain estimate: beyond them a pixel may be clipped by the
	// camera or decoder (limited-range video shown as full range turns
	// everything below 16 into 0 and above 235 into 255), with some room
	// for JPEG ringing next to a clipped area.
	ClipDark, ClipBright = 16, 245
)

// Model is the background of one camera at one work size.
type Model struct {
	mean    []float32
	dev     []float32
	age     []float32                       // seconds each pixel has been foreground without a break
	ratios  [gainBands + 1][ratioBins]int32 // histogram scratch for the gain estimate: per band, whole frame
	last    time.Duration
	relearn time.Duration // end of the current relearn period
	started bool
	changed float64 // fraction of the last frame that was foreground
}

// New returns an empty model; the first frame given to Classify initialises it.
func New(w, h int) *Model {
	return &Model{mean: make([]float32, w*h), dev: make([]float32, w*h), age: make([]float32, w*h)}
}

// Mean is the learned background (read only, w*h values 0..255).
func (m *Model) Mean() []float32 { return m.mean }

// Classify compares gray (w*h) at stream time t to the model and sets fg[i]
// to 1 where the pixel differs from the background, 0 elsewhere. prevMask
// is the previous frame's foreground (or nil; it may be fg itself); those
// pixels do not vote in the global gain estimate. It reports false when
// there is no usable background for this frame (first frame, or a sudden
// light change that reset the model); fg is then all zero.
func (m *Model) Classify(gray, prevMask, fg []uint8, t time.Duration) bool {
	if !m.started {
		// The first frame is taken as it is, without a relearn period: a
		// relearn would half-absorb someone walking in during it. Someone
		// standing in the first frame stays a ghost until StandingFade.
		m.reset(gray, t)
		m.relearn = t
		clear(fg)
		return false
	}
	m.compensateGain(gray, prevMask)
	changed := 0
	for i, g := range gray {
		d := float32(g) - m.mean[i]
		if d < 0 {
			d = -d
		}
		if d > MinThreshold && d > DevFactor*m.dev[i] {
			fg[i] = 1
			changed++
		} else {
			fg[i] = 0
		}
	}
	frac := float64(changed) / float64(len(gray))
	if frac > MostChange || frac > SuddenChange && frac-m.changed > SuddenChange*2/3 {
		m.reset(gray, t)
		clear(fg)
		return false
	}
	m.changed = frac
	return true
}

// reset makes gray the background and starts a relearn period.
func (m *Model) reset(gray []uint8, t time.Duration) {
	for i, g := range gray {
		m.mean[i] = float32(g)
		m.dev[i] = MinThreshold / DevFactor / 2
		m.age[i] = 0
	}
	m.started = true
	m.changed = 0
	m.last = t
	m.relearn = t + Relearn
}

// compensateGain maps the model through the tone change between it and
// the frame, so a slow or fast global light ramp (or a camera's exposure
// control) does not turn the whole scene into foreground. The change is
// estimated as the median ratio frame/background over background pixels in
// each band of background gray levels, and interpolated between bands:
// exposure changes seen through a camera's tone curve, a decoder's range
// expansion or clipping are not one factor for dark and bright areas, and a
// band left off by a few gray levels turns into foreground that is then
// not learned for StandingFade. The medians ignore people who are not yet
// in prevMask; a band with too few votes follows the whole frame.
//
// Where the model is near either end of the range the pixel does not vote:
// a camera or decoder that clips (a window burnt out to 255, shadows
// crushed to 0) shows no ratio there. Frame pixels that clip do vote, at
// the clipped value: the median stays right as long as fewer than half of
// a band clip. For the same reason the mapped model is clipped to the
// range, or a burnt-out area would be pushed above 255 by every brightening
// step and then stay foreground, unlearned, until StandingFade.
func (m *Model) compensateGain(gray, prevMask []uint8) {
	h := &m.ratios
	clear(h[:])
	var n [gainBands + 1]int32          // votes per band; the last is the whole frame
	for i := 0; i < len(gray); i += 3 { // every third pixel is plenty
		mean := m.mean[i]
		if prevMask != nil && prevMask[i] != 0 || mean < ClipDark || mean > ClipBright {
			continue
		}
		// Bins of 1/128 cover ratios 0..4.
		r := min(int(float32(gray[i])*128/mean), ratioBins-1)
		band := bandOf(mean)
		h[band][r]++
		h[gainBands][r]++
		n[band]++
		n[gainBands]++
	}
	if n[gainBands] < 100 {
		return
	}
	var gains [gainBands]float32
	global := median(&h[gainBands], n[gainBands])
	change := false
	for b := range gains {
		g := global
		if n[b] >= minBandVotes {
			g = median(&h[b], n[b])
		}
		gains[b] = g
		change = change || g <= 0.97 || g >= 1.03
	}
	if !change {
		return // within noise: leave slow drift to the per-pixel update
	}
	// Interpolate between band centres; outside the outer centres the
	// outer bands' gains hold.
	for i, mean := range m.mean {
		f := min(max((mean-ClipDark)/bandWidth-0.5, 0), gainBands-1)
		b := min(int(f), gainBands-2)
		f -= float32(b)
		g := gains[b] + f*(gains[b+1]-gains[b])
		m.mean[i] = min(mean*g, 255)
	}
}

const (
	gainBands    = 7
	bandWidth    = (ClipBright - ClipDark) / float32(gainBands)
	ratioBins    = 512
	minBandVotes = 100 // of every third pixel: about 1.5% of the frame at 160×120
)

func bandOf(mean float32) int {
	return min(int((mean-ClipDark)/bandWidth), gainBands-1)
}

// median of the ratio histogram h holding n votes.
func median(h *[ratioBins]int32, n int32) float32 {
	bin, sum := 0, int32(0)
	for bin = range h {
		sum += h[bin]
		if 2*sum >= n {
			break
		}
	}
	return (float32(bin) + 0.5) / 128
}

// Update learns gray at stream time t. Pixels set in mask (the foreground
// after morphology) are not learned until they have been foreground for
// StandingFade.
func (m *Model) Update(gray, mask []uint8, t time.Duration) {
	dt := t - m.last
	m.last = t
	if dt <= 0 {
		return
	}
	relearning := t < m.relearn
	fast, slow := alpha(dt, RelearnTau), alpha(dt, BackgroundTau)
	sec, fade := float32(dt.Seconds()), float32(StandingFade.Seconds())
	for i, g := range gray {
		d := float32(g) - m.mean[i]
		if !relearning && mask[i] != 0 {
			m.age[i] += sec
			if m.age[i] >= fade {
				m.mean[i] += fast * d
			}
			continue
		}
		m.age[i] = 0
		a := slow
		if relearning {
			a = fast
		}
		m.mean[i] += a * d
		// The deviation is learned from background pixels only, so a
		// person does not make their own pixels look noisy.
		if d < 0 {
			d = -d
		}
		m.dev[i] += a * (d - m.dev[i])
	}
}

func alpha(dt, tau time.Duration) float32 {
	return float32(1 - math.Exp(-dt.Seconds()/tau.Seconds()))
}
