package audio

import (
	"bytes"
	"encoding/binary"
	"github.com/lokaal-nl/lokaal/internal/fixtures"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wav builds a RIFF/WAVE file from the given chunks.
func wav(chunks ...[]byte) []byte {
	var body bytes.Buffer
	body.WriteString("WAVE")
	for _, c := range chunks {
		body.Write(c)
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(body.Len()))
	b.Write(body.Bytes())
	return b.Bytes()
}

func chunk(id string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(id)
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if len(data)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

func fmtChunk(tag, channels, rate, bits int) []byte {
	var b bytes.Buffer
	for _, v := range []any{uint16(tag), uint16(channels), uint32(rate), uint32(rate * channels * bits / 8),
		uint16(channels * bits / 8), uint16(bits)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return chunk("fmt ", b.Bytes())
}

func le(vs ...any) []byte {
	var b bytes.Buffer
	for _, v := range vs {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

func TestDecodeWAV(t *testing.T) {
	ext := le(uint16(formatExtensible), uint16(1), uint32(48000), uint32(192000), uint16(4), uint16(32),
		uint16(22), uint16(32), uint32(4), uint16(formatFloat), [14]byte{})
	cases := []struct {
		name string
		file []byte
		rate int
		want []float32
	}{
		{"pcm16 mono", wav(fmtChunk(1, 1, 16000, 16), chunk("data", le(int16(16384), int16(-32768)))), 16000, []float32{0.5, -1}},
		{"pcm16 stereo, odd chunk before data", wav(fmtChunk(1, 2, 44100, 16), chunk("LIST", []byte("abc")),
			chunk("data", le(int16(16384), int16(0), int16(-8192), int16(-8192)))), 44100, []float32{0.25, -0.25}},
		{"float32 mono", wav(fmtChunk(3, 1, 8000, 32), chunk("data", le(float32(0.125), float32(-0.75)))), 8000, []float32{0.125, -0.75}},
		{"extensible float32", wav(chunk("fmt ", ext), chunk("data", le(float32(0.5)))), 48000, []float32{0.5}},
		{"trailing partial frame dropped", wav(fmtChunk(1, 2, 16000, 16), chunk("data", le(int16(100), int16(100), int16(7)))), 16000, []float32{100.0 / 32768}},
	}
	for _, c := range cases {
		clip, err := DecodeWAV(c.file)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if clip.Rate != c.rate || len(clip.Samples) != len(c.want) {
			t.Errorf("%s: %d Hz %d samples, want %d Hz %d", c.name, clip.Rate, len(clip.Samples), c.rate, len(c.want))
			continue
		}
		for i, w := range c.want {
			if math.Abs(float64(clip.Samples[i]-w)) > 1e-6 {
				t.Errorf("%s: sample %d = %v, want %v", c.name, i, clip.Samples[i], w)
			}
		}
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	good := wav(fmtChunk(1, 1, 16000, 16), chunk("data", le(int16(1), int16(2))))
	cases := []struct {
		name, want string
		file       []byte
	}{
		{"empty", "not a RIFF/WAVE", nil},
		{"not riff", "not a RIFF/WAVE", append([]byte("RIFX"), good[4:]...)},
		{"24-bit", "unsupported PCM sample size 24", wav(fmtChunk(1, 1, 16000, 24), chunk("data", make([]byte, 6)))},
		{"a-law", "unsupported format tag 6", wav(fmtChunk(6, 1, 8000, 8), chunk("data", make([]byte, 6)))},
		{"no channels", "unsupported channel count 0", wav(fmtChunk(1, 0, 16000, 16), chunk("data", nil))},
		{"zero rate", "implausible sample rate 0", wav(fmtChunk(1, 1, 0, 16), chunk("data", nil))},
		{"no fmt", "data chunk before fmt", wav(chunk("data", le(int16(1))))},
		{"no data", "no data chunk", wav(fmtChunk(1, 1, 16000, 16))},
		{"truncated data", "truncated data chunk", good[:len(good)-1]},
		{"truncated fmt", "truncated fmt", good[:20]},
	}
	for _, c := range cases {
		_, err := DecodeWAV(c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestReadFileRejectsOtherTypes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.ogg")
	if err := os.WriteFile(p, []byte("OggS"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p); err == nil || !strings.Contains(err.Error(), "unsupported audio file type") {
		t.Errorf("ogg: %v", err)
	}
	if _, err := DecodeMP3(bytes.NewReader([]byte("not an mp3 at all"))); err == nil {
		t.Error("garbage decoded as MP3")
	}
}

// TestMP3MatchesWAV decodes the MP3 copies of fixture WAVs and measures the
// offset go-mp3 leaves in (encoder delay plus decoder delay) by
// cross-correlation, then checks the aligned waveforms agree.
func TestMP3MatchesWAV(t *testing.T) {
	dir := fixtures.Path(t, "audio/speech-labelled")
	for _, name := range []string{"testset-audio-01", "testset-audio-10"} {
		w, err := ReadFile(filepath.Join(dir, name+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := ReadFile(filepath.Join(dir, name+".mp3"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Rate != w.Rate {
			t.Fatalf("%s: MP3 at %d Hz, WAV at %d Hz", name, m.Rate, w.Rate)
		}
		lag, corr := delay(w.Samples, m.Samples)
		t.Logf("%s: WAV %.3f s, MP3 %.3f s, MP3 delayed by %d samples (%.1f ms), correlation %.3f",
			name, w.Seconds(), m.Seconds(), lag, 1000*float64(lag)/float64(w.Rate), corr)
		if corr < 0.9 {
			t.Errorf("%s: aligned correlation %.3f, want ≥ 0.9", name, corr)
		}
		if d := m.Seconds() - w.Seconds(); d < 0 || d > 0.2 {
			t.Errorf("%s: MP3 is %.3f s longer than the WAV, want 0..0.2", name, d)
		}
	}
}

// delay finds the lag (0..200 ms at 16 kHz) at which b best matches a, and
// the normalised correlation there.
func delay(a, b []float32) (int, float64) {
	best, bestC := 0, -1.0
	n := min(len(a), len(b)) - 3200
	for lag := 0; lag <= 3200; lag++ {
		var ab, aa, bb float64
		for i := 0; i < n; i += 2 {
			x, y := float64(a[i]), float64(b[i+lag])
			ab, aa, bb = ab+x*y, aa+x*x, bb+y*y
		}
		if c := ab / math.Sqrt(aa*bb+1e-30); c > bestC {
			best, bestC = lag, c
		}
	}
	return best, bestC
}
