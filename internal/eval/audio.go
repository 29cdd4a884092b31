package eval

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/replay"
	"github.com/lokaal-nl/lokaal/wasm/speech"
)

// parseSCV reads a TEN-VAD label file: one line
// name,start,end,label,start,end,label,… with label 1 for speech, and
// returns the speech intervals.
func parseSCV(data string) ([]speech.Segment, error) {
	var line string
	for i, l := range strings.Split(data, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if line != "" {
			return nil, fmt.Errorf("line %d: want all labels on one line", i+1)
		}
		line = l
	}
	f := strings.Split(strings.TrimSpace(line), ",")
	if len(f) < 4 || (len(f)-1)%3 != 0 {
		return nil, fmt.Errorf("line 1: want name followed by start,end,label triples, got %d fields", len(f))
	}
	var segs []speech.Segment
	prevEnd := 0.0
	for i := 1; i < len(f); i += 3 {
		var v [3]float64
		for j := range v {
			x, err := strconv.ParseFloat(strings.TrimSpace(f[i+j]), 64)
			if err != nil {
				return nil, fmt.Errorf("line 1, field %d: %q is not a number", i+j+1, f[i+j])
			}
			v[j] = x
		}
		switch {
		case v[0] < prevEnd-1e-6 || v[1] < v[0]:
			return nil, fmt.Errorf("line 1, field %d: interval %g-%g is reversed or overlaps the previous one", i+1, v[0], v[1])
		case v[2] != 0 && v[2] != 1:
			return nil, fmt.Errorf("line 1, field %d: label %q must be 0 or 1", i+3, f[i+2])
		}
		prevEnd = v[1]
		if v[2] == 1 {
			segs = append(segs, speech.Segment{Start: v[0], End: v[1]})
		}
	}
	return segs, nil
}

// AudioScore is frame-level speech detection against labels, at the
// detector's 10 ms frames, each judged at its centre.
type AudioScore struct {
	File        string   `json:"file"`
	Labels      string   `json:"labels,omitempty"`
	Frames      int      `json:"frames"`
	TP          int      `json:"tp"`
	FP          int      `json:"fp"`
	FN          int      `json:"fn"`
	TN          int      `json:"tn"`
	Precision   *float64 `json:"precision"`
	Recall      *float64 `json:"recall"`
	F1          *float64 `json:"f1"`
	MCC         *float64 `json:"mcc"`              // Matthews correlation, beside F1 (always "speech" scores 0)
	Engine      string   `json:"engine,omitempty"` // replay.Engine: "silero", or "dsp" with LOKAAL_VAD=dsp
	MSPerAudioS float64  `json:"ms_per_audio_s,omitempty"`
}

func newAudioScore(file, labels string, c confusion) AudioScore {
	s := AudioScore{File: file, Labels: labels, Frames: c.TP + c.FP + c.FN + c.TN, TP: c.TP, FP: c.FP, FN: c.FN, TN: c.TN}
	s.Precision, s.Recall, s.F1 = c.prf()
	s.MCC = c.mcc()
	return s
}

// scoreAudio runs replay's speech detection over the file and compares its
// segments with the labels frame by frame.
func scoreAudio(ctx context.Context, path, labels string) (AudioScore, confusion, error) {
	b, err := os.ReadFile(labels)
	if err != nil {
		return AudioScore{}, confusion{}, err
	}
	truth, err := parseSCV(string(b))
	if err != nil {
		return AudioScore{}, confusion{}, fmt.Errorf("%s: %w", labels, err)
	}
	clip, err := audio.ReadFile(path)
	if err != nil {
		return AudioScore{}, confusion{}, err
	}
	res, err := replay.DetectSpeech(ctx, clip)
	if err != nil {
		return AudioScore{}, confusion{}, fmt.Errorf("%s: %w", path, err)
	}
	c := compareFrames(res.Segments, truth, clip.Seconds())
	s := newAudioScore(path, labels, c)
	s.MSPerAudioS = res.MSPerAudioS
	s.Engine = res.Engine
	return s, c, nil
}

// compareFrames judges every whole 10 ms frame of a dur-second clip at its
// centre against both segment lists.
func compareFrames(pred, truth []speech.Segment, dur float64) confusion {
	var c confusion
	step := speech.FrameDuration.Seconds()
	for i := 0; ; i++ {
		mid := (float64(i) + 0.5) * step
		if mid >= dur {
			return c
		}
		switch p, t := inSegments(mid, pred), inSegments(mid, truth); {
		case p && t:
			c.TP++
		case p:
			c.FP++
		case t:
			c.FN++
		default:
			c.TN++
		}
	}
}

func inSegments(t float64, segs []speech.Segment) bool {
	for _, s := range segs {
		if t >= s.Start && t < s.End {
			return true
		}
	}
	return false
}
