package modelconv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// BlazeFace model files in @mediapipe/face_detection, by modelgen kind.
var blazeFaceFiles = map[string]string{
	"blazeface-short": "face_detection_short_range.tflite",
	"blazeface-full":  "face_detection_full_range.tflite",
}

// NodeModules finds the repository's node_modules: $LOKAAL_NODE_MODULES
// when set, else the nearest node_modules holding @mediapipe/face_detection
// above the working directory (tests run in their package directory).
func NodeModules() (string, error) {
	if d := os.Getenv("LOKAAL_NODE_MODULES"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		nm := filepath.Join(d, "node_modules")
		if _, err := os.Stat(filepath.Join(nm, "@mediapipe", "face_detection")); err == nil {
			return nm, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("modelconv: no node_modules with @mediapipe/face_detection above the working directory: run `npm ci` at the repository root (or set LOKAAL_NODE_MODULES)")
		}
	}
}

// BlazeFaceTFLite reads the TFLite file of a kind (blazeface-short or
// blazeface-full) from node_modules.
func BlazeFaceTFLite(kind string) ([]byte, error) {
	name, ok := blazeFaceFiles[kind]
	if !ok {
		return nil, fmt.Errorf("modelconv: unknown BlazeFace kind %q", kind)
	}
	nm, err := NodeModules()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(nm, "@mediapipe", "face_detection", name))
	if err != nil {
		return nil, fmt.Errorf("modelconv: %w (run `npm ci` at the repository root)", err)
	}
	return b, nil
}

// BlazeFaceLKNN converts a kind's model from node_modules as modelgen
// would, for native tools and tests.
func BlazeFaceLKNN(kind string) ([]byte, error) {
	b, err := BlazeFaceTFLite(kind)
	if err != nil {
		return nil, err
	}
	return EncodeBlazeFace(kind, b)
}
