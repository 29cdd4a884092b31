// Package face is what the proctor knows of a face: its box, its six
// landmarks and how squarely it looks at the camera, found by BlazeFace
// (blazeface.go) on the nn core. It is plain Go so that `go test` runs it
// natively and the browser runs the same code compiled to WebAssembly.
// pigo's cascade, which ran before, is in face/cascade.
package face

// Face is one detected face. The box is square, in frame pixels.
type Face struct {
	X, Y, W, H int
	Score      float32 // merged facefinder score; higher is surer
	// Pupils holds the image-left then the image-right pupil as (x, y), or
	// is empty when the face is too small for puploc, was found rolled
	// (puploc's start points assume an upright face) or either pupil fell
	// outside the box. puploc jitters its start points at random, so pupils
	// vary by a few pixels between calls on the same frame.
	Pupils [][2]int
	Roll   int // the Params.Roll angle it was found at; 0 is upright
	// Keypoints are BlazeFace's six landmarks in frame pixels: the
	// subject's right eye (image-left), left eye, nose tip, mouth centre,
	// right ear tragion, left ear tragion. All zero from the pigo Detector.
	Keypoints [6][2]int
}

// Frontal is how squarely the best face looks at the camera, 1 facing it
// and falling towards 0 as the head turns, or 0 when there is no face.
//
// A BlazeFace face has keypoints, and then Frontal is 1 − |Yaw|/(2·YawAway),
// floored at 0, whatever the baseline: the nose's offset from the eye
// midpoint is geometry, the same for everyone, where a detector's score
// also varies with the face and the light. Frontal falls under 0.5 exactly
// when |Yaw| exceeds YawAway.
//
// A pigo face has no keypoints: Frontal is its score over baseline, capped
// at 1, because facefinder is a frontal-face cascade: as the head turns,
// fewer windows fire and the merged score falls. baseline is this person's
// typical score facing the screen, measured at the pre-check; sessions
// without one must be reported unreliable. (pigo's pupils did not work as
// a yaw estimate: puploc looks for frontal eyes near where it starts.)
func Frontal(faces []Face, baseline float32) float32 {
	if len(faces) == 0 {
		return 0
	}
	if f := faces[0]; f.Keypoints != ([6][2]int{}) {
		y := f.Yaw()
		if y < 0 {
			y = -y
		}
		return max(0, 1-y/(2*YawAway))
	}
	if !(baseline > 0) {
		return 0
	}
	return min(1, faces[0].Score/baseline)
}

// YawAway is the |Face.Yaw| above which a BlazeFace face counts as turned
// away (Frontal < 0.5). Measured on the clips with the short-range model
// (TestYawCut in wasm/proctor): face-present never exceeds 0.05; the tilted
// heads of two-faces stay under 0.16 but for 2 of 140 frames (0.55, 67 ms);
// on face-turning, labelled by eye, every turned-away frame is at 0.29 or
// more and the facing ones at 0.22 or less, except the last four (0.29-0.45,
// where she starts to turn again). 0.25 splits that gap.
const YawAway = 0.25
