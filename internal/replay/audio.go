package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/lokaal-nl/lokaal/internal/audio"
	"github.com/lokaal-nl/lokaal/internal/modelconv"
	"github.com/lokaal-nl/lokaal/wasm/speech"
)

// AudioResult is what `replay --audio` prints.
type AudioResult struct {
	Engine      string           `json:"engine"`         // "silero" or "dsp"
	Segments    []speech.Segment `json:"segments"`       // seconds from the file start
	MSPerAudioS float64          `json:"ms_per_audio_s"` // detector time per second of audio
}

// Engine names the voice-activity detector replay and eval run: Silero
// VAD v5 as the browser does, or with LOKAAL_VAD=dsp the older DSP
// detector, to compare the two on the same files.
func Engine() string {
	if os.Getenv("LOKAAL_VAD") == "dsp" {
		return "dsp"
	}
	return "silero"
}

var (
	sileroOnce    sync.Once
	sileroWeights []byte
	sileroErr     error
)

// SileroWeights converts the model from node_modules once per process, as
// modelgen does for the browser build.
func SileroWeights() ([]byte, error) {
	sileroOnce.Do(func() { sileroWeights, sileroErr = modelconv.SileroLKNN() })
	return sileroWeights, sileroErr
}

// vad is what both detectors offer.
type vad interface {
	Process([]float32) []speech.FrameDecision
	Flush() []speech.FrameDecision
}

func newVAD(engine string, rate int) (vad, error) {
	if engine == "dsp" {
		return speech.New(rate, speech.DefaultParams())
	}
	w, err := SileroWeights()
	if err != nil {
		return nil, err
	}
	return speech.NewSilero(w, rate)
}

// blockSize is the AudioWorklet's render quantum, so replay feeds the
// detector exactly as the browser does.
const blockSize = 128

// replayAudio runs the browser's voice-activity detector over a recording
// and writes its speech segments as one JSON object.
func replayAudio(ctx context.Context, path string, stdout io.Writer) error {
	clip, err := audio.ReadFile(path)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	res, err := DetectSpeech(ctx, clip)
	if err != nil {
		return fmt.Errorf("replay: %s: %w", path, err)
	}
	return json.NewEncoder(stdout).Encode(res)
}

// DetectSpeech runs the detector over a whole clip; lokaal eval scores
// the same segments replay prints.
func DetectSpeech(ctx context.Context, clip audio.Clip) (AudioResult, error) {
	return DetectSpeechWith(ctx, clip, Engine())
}

// DetectSpeechWith is DetectSpeech with a given engine ("silero", "dsp").
func DetectSpeechWith(ctx context.Context, clip audio.Clip, engine string) (AudioResult, error) {
	frames, busy, err := decideWith(ctx, clip, engine)
	if err != nil {
		return AudioResult{}, err
	}
	res := AudioResult{Engine: engine, Segments: speech.Segments(frames, 0, 0)}
	if res.Segments == nil {
		res.Segments = []speech.Segment{}
	}
	if s := clip.Seconds(); s > 0 {
		res.MSPerAudioS = float64(busy.Microseconds()) / 1000 / s
	}
	return res, nil
}

// decide returns the detector's decision on every 10 ms of clip and the
// time the detector took.
func decide(ctx context.Context, clip audio.Clip) ([]speech.FrameDecision, time.Duration, error) {
	return decideWith(ctx, clip, Engine())
}

func decideWith(ctx context.Context, clip audio.Clip, engine string) ([]speech.FrameDecision, time.Duration, error) {
	d, err := newVAD(engine, clip.Rate)
	if err != nil {
		return nil, 0, err
	}
	var frames []speech.FrameDecision
	var busy time.Duration
	for i := 0; i < len(clip.Samples); i += blockSize {
		if i%(blockSize*1024) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
		}
		start := time.Now()
		fs := d.Process(clip.Samples[i:min(i+blockSize, len(clip.Samples))])
		busy += time.Since(start)
		frames = append(frames, fs...)
	}
	return append(frames, d.Flush()...), busy, nil
}
