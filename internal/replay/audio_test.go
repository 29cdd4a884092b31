package replay

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeWAV writes 16 kHz mono 16-bit PCM.
func writeWAV(t *testing.T, samples []float64) string {
	t.Helper()
	var data bytes.Buffer
	for _, v := range samples {
		binary.Write(&data, binary.LittleEndian, int16(math.Round(v*32767)))
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data.Len()))
	b.Write(data.Bytes())
	p := filepath.Join(t.TempDir(), "clip.wav")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReplayAudio(t *testing.T) {
	// 1 s of faint hiss, then 2 s of a 130 Hz harmonic "vowel" in 220 ms
	// syllables, then 1 s of hiss.
	const rate = 16000
	x := make([]float64, 4*rate)
	seed := uint32(1)
	for i := range x {
		seed = seed*1664525 + 1013904223
		x[i] = 0.001 * (float64(seed>>8)/(1<<24) - 0.5)
		tt := float64(i) / rate
		if tt >= 1 && tt < 3 {
			s := math.Mod(tt-1, 0.28)
			if s < 0.22 {
				env := math.Sin(math.Pi * s / 0.22)
				for k := 1; k*130 < 3500; k++ {
					f := float64(k * 130)
					g := 1/(1+math.Pow((f-600)/100, 2)) + 1/(1+math.Pow((f-1400)/150, 2))
					x[i] += 0.1 * env * g / float64(k) * math.Sin(2*math.Pi*f*tt)
				}
			}
		}
	}
	res := runJSON[AudioResult](t, "--audio", writeWAV(t, x))
	if len(res.Segments) != 1 || res.Segments[0].Start < 0.75 || res.Segments[0].Start > 1.05 ||
		res.Segments[0].End < 2.9 || res.Segments[0].End > 3.9 {
		t.Errorf("segments %+v, want one ≈1–3 s (plus lookahead and hangover)", res.Segments)
	}
	if res.MSPerAudioS <= 0 {
		t.Errorf("ms_per_audio_s %v", res.MSPerAudioS)
	}
}

func TestReplayAudioErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.wav")
	if err := os.WriteFile(bad, []byte("RIFF\x04\x00\x00\x00WAVE"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--audio", bad}, "no fmt chunk"},
		{[]string{"--audio", "x.flac"}, "unsupported audio file type"},
		{[]string{"--audio", bad, "--video", "x.mjpeg"}, "cannot be combined"},
	} {
		var out, errs bytes.Buffer
		err := Run(context.Background(), tc.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
