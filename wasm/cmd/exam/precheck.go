//go:build js && wasm

package main

import (
	"encoding/json"
	"github.com/lokaal-nl/lokaal/wasm/browser"
	"slices"
	"strconv"
	"syscall/js"

	"github.com/lokaal-nl/lokaal/wasm/face"
	"github.com/lokaal-nl/lokaal/wasm/proctor"
	"github.com/lokaal-nl/lokaal/wasm/wire"
)

// precheckState collects one pre-check run. Nothing of it is sent but the
// wire.Precheck it ends in.
type precheckState struct {
	frames  [][]face.Face
	speech  bool
	result  *wire.Precheck
	running bool
	left    int // seconds of the run left, for the countdown
	camErr  string
	micErr  string
}

// passed is the pre-check's plain result: every device the policy needs
// worked, and the face was found when the camera is needed.
func (p *precheckState) passed(pol wire.Policy) bool {
	if pol.NeedsCamera() && (p.camErr != "" || p.result == nil || !p.result.FaceFound) {
		return false
	}
	return !pol.NeedsMicrophone() || (p.micErr == "" && p.speech)
}

// add keeps a copy of one frame's detections: Detect reuses its slices.
func (p *precheckState) add(faces []face.Face) {
	if !p.running {
		return
	}
	c := slices.Clone(faces)
	for i := range c {
		c[i].Pupils = slices.Clone(c[i].Pupils)
	}
	p.frames = append(p.frames, c)
}

// precheckStart(seconds) begins (or repeats) a pre-check run of that
// length.
func (a *app) precheckStart(_ js.Value, args []js.Value) any {
	a.precheck = &precheckState{running: true}
	if len(args) > 0 {
		a.precheck.left = args[0].Int()
	}
	a.render("precheck", "")
	return nil
}

// precheckDone(cameraError, microphoneError, audioChunks) ends the run and
// returns the wire.Precheck JSON; the errors are "" when the device worked.
func (a *app) precheckDone(_ js.Value, args []js.Value) any {
	p := a.precheck
	if p == nil {
		return nil
	}
	p.running, p.camErr, p.micErr = false, args[0].String(), args[1].String()
	r := proctor.Precheck(p.frames)
	r.Camera = p.camErr == "" && len(p.frames) > 0
	r.Microphone = p.micErr == "" && args[2].Int() > 0
	p.result = &r
	b, _ := json.Marshal(r)
	a.body.SetAttribute("data-face-found", strconv.FormatBool(r.FaceFound))
	a.body.SetAttribute("data-precheck", string(b))
	a.render("precheck", "")
	return browser.JSON(r)
}

// skipPrecheck() returns the pre-check JSON of a student who went to the
// choice without one: nothing found, so face_absent and looking_away are
// unreliable for the session.
func skipPrecheck(js.Value, []js.Value) any { return browser.JSON(wire.Precheck{}) }
