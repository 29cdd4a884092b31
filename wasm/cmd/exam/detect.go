//go:build js && wasm

package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"github.com/lokaal-nl/lokaal/wasm/browser"
	"math"
	"syscall/js"

	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/speech"
)

// The same exam.wasm runs twice: on the page (the screens, the proctor,
// signing) and in static/detect-worker.js, a module Web Worker that owns the
// detectors, so detection never holds up the page or the framed exam. One
// binary keeps one audited build, downloaded once. In the worker there is
// no document, and main registers globalThis.lokaalDetect instead of the
// page's functions.

// faceDetector is what the worker needs of a face detector: faces in one
// RGBA frame, best first.
type faceDetector interface {
	Detect(rgba []byte, w, h int) ([]face.Face, error)
}

// vad is what the worker needs of a voice-activity detector.
type vad interface {
	Process(samples []float32) []speech.FrameDecision
}

// worker is the detectors' state between calls from detect-worker.js.
type worker struct {
	faces   faceDetector
	rgba    []byte // reused: one copy per frame, cleared after it
	vad     vad
	rate    float64
	samples []float32 // reused chunk buffers
	raw     []byte
	base    float64 // page clock (ms) of the stream's first sample; <0 before it
	level   float64
}

func detectMain() {
	w := &worker{base: -1}
	js.Global().Set("lokaalDetect", js.ValueOf(map[string]any{
		"faceModel":  js.FuncOf(w.faceModel),
		"frame":      js.FuncOf(w.frame),
		"audioStart": js.FuncOf(w.audioStart),
		"audio":      js.FuncOf(w.audio),
		"audioStop":  js.FuncOf(w.audioStop),
	}))
	select {}
}

// faceModel(kind, bytes Uint8Array) makes the face detector from the
// fetched model: "blazeface" is MediaPipe's BlazeFace from LKNN weights
// (short- or full-range, told apart by the weights). pigo's cascade is no
// longer linked into the exam (`lokaal faces` keeps it): BlazeFace finds
// faces in every FairFace group where pigo missed a fifth.
func (w *worker) faceModel(_ js.Value, args []js.Value) any {
	b := browser.Bytes(args[1])
	switch kind := args[0].String(); kind {
	case "blazeface":
		d, err := face.NewBlazeFace(b)
		if err != nil {
			return browser.Error(err)
		}
		w.faces = d
	default:
		return browser.Error(errors.New("unknown face model " + kind))
	}
	return nil
}

// frame(rgba Uint8ClampedArray, w, h) detects faces in one frame and
// returns them as JSON ([]face.Face, which the page's half decodes with the
// same type). The frame is copied once into a reused buffer and cleared
// when the call returns: nothing of it is kept.
func (w *worker) frame(_ js.Value, args []js.Value) any {
	if w.faces == nil {
		return browser.Error(errors.New("no face detector"))
	}
	fw, fh := args[1].Int(), args[2].Int()
	if len(w.rgba) != 4*fw*fh {
		w.rgba = make([]byte, 4*fw*fh)
	}
	js.CopyBytesToGo(w.rgba, args[0])
	faces, err := w.faces.Detect(w.rgba, fw, fh)
	clear(w.rgba)
	if err != nil {
		return browser.Error(err)
	}
	if faces == nil {
		faces = []face.Face{}
	}
	b, err := json.Marshal(faces)
	if err != nil {
		return browser.Error(err)
	}
	return string(b)
}

// audioStart(kind, sampleRate, bytes) starts a fresh voice-activity
// detector for a new microphone stream: "silero" is Silero VAD v5 from LKNN
// weights, its state carried between chunks (the spectral DSP detector
// stays in lokaal eval and replay as the baseline it replaced, not here).
func (w *worker) audioStart(_ js.Value, args []js.Value) any {
	rate := args[1].Int()
	switch kind := args[0].String(); kind {
	case "silero":
		d, err := speech.NewSilero(browser.Bytes(args[2]), rate)
		if err != nil {
			return browser.Error(err)
		}
		w.vad = d
	default:
		return browser.Error(errors.New("unknown speech model " + kind))
	}
	w.rate, w.base, w.level = float64(rate), -1, 0
	return nil
}

// audioStop() drops the detector.
func (w *worker) audioStop(js.Value, []js.Value) any {
	w.vad = nil
	return nil
}

// audio(bytes Uint8Array, endMs) takes one chunk of microphone samples, as
// little-endian float32, that ended at endMs on the page's clock,
// and returns {level, decisions: [startMs, speech(0/1), …]}: each decision
// timed on the page's clock from the stream's first sample (the audio clock
// and performance.now() drift apart by far less than any threshold).
func (w *worker) audio(_ js.Value, args []js.Value) any {
	if w.vad == nil {
		return nil
	}
	n := args[0].Length()
	if cap(w.raw) < n {
		w.raw = make([]byte, n)
	}
	w.raw = w.raw[:n]
	js.CopyBytesToGo(w.raw, args[0])
	w.samples = w.samples[:0]
	var sum float64
	for i := 0; i+4 <= n; i += 4 {
		v := math.Float32frombits(binary.LittleEndian.Uint32(w.raw[i:]))
		w.samples = append(w.samples, v)
		sum += float64(v) * float64(v)
	}
	clear(w.raw)
	end := args[1].Float()
	if w.base < 0 {
		w.base = end - float64(len(w.samples))/w.rate*1000
	}
	if len(w.samples) > 0 {
		w.level = 0.8*w.level + 0.2*math.Sqrt(sum/float64(len(w.samples)))
	}
	ds := w.vad.Process(w.samples)
	clear(w.samples)
	out := make([]any, 0, 2*len(ds))
	for _, d := range ds {
		flag := 0
		if d.Speech {
			flag = 1
		}
		out = append(out, w.base+float64(d.Start().Microseconds())/1000, flag)
	}
	return js.ValueOf(map[string]any{"level": w.level, "decisions": out})
}
