// Package audio decodes recordings for `lokaal replay --audio`: WAV (PCM
// 16-bit or float32) and MP3, both to mono float32 at the file's own sample
// rate. Resampling is left to the detector, which must accept the browser's
// rates anyway.
package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/hajimehoshi/go-mp3"
)

// Clip is a decoded recording: mono samples in [-1, 1] at Rate Hz.
type Clip struct {
	Samples []float32
	Rate    int
}

// Seconds is the clip's duration.
func (c Clip) Seconds() float64 {
	if c.Rate == 0 {
		return 0
	}
	return float64(len(c.Samples)) / float64(c.Rate)
}

// ReadFile decodes a .wav or .mp3 file, chosen by its extension.
func ReadFile(path string) (Clip, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".wav" && ext != ".mp3" {
		return Clip{}, fmt.Errorf("%s: unsupported audio file type %q (want .wav or .mp3)", path, ext)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Clip{}, err
	}
	var c Clip
	if ext == ".wav" {
		c, err = DecodeWAV(data)
	} else {
		c, err = DecodeMP3(bytes.NewReader(data))
	}
	if err != nil {
		return Clip{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// WAV format tags; WAVE_FORMAT_EXTENSIBLE carries the real tag in the first
// two bytes of its sub-format GUID.
const (
	formatPCM        = 1
	formatFloat      = 3
	formatExtensible = 0xFFFE
)

// maxChannels bounds the down-mix; more is surely a corrupt header.
const maxChannels = 8

// DecodeWAV decodes a RIFF/WAVE file held in memory. Channels are averaged.
func DecodeWAV(data []byte) (Clip, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return Clip{}, errors.New("wav: not a RIFF/WAVE file")
	}
	var (
		haveFmt            bool
		tag, channels      int
		rate, bits, blockA int
	)
	rest := data[12:]
	for {
		if len(rest) < 8 {
			if !haveFmt {
				return Clip{}, errors.New("wav: no fmt chunk")
			}
			return Clip{}, errors.New("wav: no data chunk")
		}
		id, size := string(rest[0:4]), int64(binary.LittleEndian.Uint32(rest[4:8]))
		rest = rest[8:]
		switch id {
		case "fmt ":
			if size < 16 || int64(len(rest)) < size {
				return Clip{}, errors.New("wav: truncated fmt chunk")
			}
			tag = int(binary.LittleEndian.Uint16(rest[0:2]))
			channels = int(binary.LittleEndian.Uint16(rest[2:4]))
			rate = int(binary.LittleEndian.Uint32(rest[4:8]))
			blockA = int(binary.LittleEndian.Uint16(rest[12:14]))
			bits = int(binary.LittleEndian.Uint16(rest[14:16]))
			if tag == formatExtensible {
				if size < 40 {
					return Clip{}, errors.New("wav: truncated extensible fmt chunk")
				}
				tag = int(binary.LittleEndian.Uint16(rest[24:26]))
			}
			switch {
			case tag != formatPCM && tag != formatFloat:
				return Clip{}, fmt.Errorf("wav: unsupported format tag %d (want PCM or IEEE float)", tag)
			case tag == formatPCM && bits != 16:
				return Clip{}, fmt.Errorf("wav: unsupported PCM sample size %d bits (want 16)", bits)
			case tag == formatFloat && bits != 32:
				return Clip{}, fmt.Errorf("wav: unsupported float sample size %d bits (want 32)", bits)
			case channels < 1 || channels > maxChannels:
				return Clip{}, fmt.Errorf("wav: unsupported channel count %d", channels)
			case rate < 1000 || rate > 384000:
				return Clip{}, fmt.Errorf("wav: implausible sample rate %d", rate)
			case blockA != channels*bits/8:
				return Clip{}, fmt.Errorf("wav: block align %d does not match %d channels of %d bits", blockA, channels, bits)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return Clip{}, errors.New("wav: data chunk before fmt chunk")
			}
			if int64(len(rest)) < size {
				return Clip{}, fmt.Errorf("wav: truncated data chunk: header says %d bytes, file holds %d", size, len(rest))
			}
			return Clip{Samples: downmix(rest[:size], tag, channels, blockA), Rate: rate}, nil
		}
		// Chunks are word-aligned: an odd size is followed by a pad byte.
		skip := size + size&1
		if int64(len(rest)) < skip {
			return Clip{}, fmt.Errorf("wav: truncated %q chunk", id)
		}
		rest = rest[skip:]
	}
}

// downmix averages the channels of each whole frame; a trailing partial
// frame is dropped.
func downmix(b []byte, tag, channels, blockA int) []float32 {
	n := len(b) / blockA
	out := make([]float32, n)
	scale := 1 / float32(channels)
	for i := range out {
		frame := b[i*blockA : (i+1)*blockA]
		var sum float32
		for c := 0; c < channels; c++ {
			if tag == formatPCM {
				sum += float32(int16(binary.LittleEndian.Uint16(frame[2*c:]))) / 32768
			} else {
				sum += math.Float32frombits(binary.LittleEndian.Uint32(frame[4*c:]))
			}
		}
		out[i] = sum * scale
	}
	return out
}

// DecodeMP3 decodes an MP3 stream. go-mp3 always yields interleaved stereo
// 16-bit samples (a mono file has both channels equal), so they are averaged.
// go-mp3 neither skips the LAME/Xing info frame nor removes the encoder
// delay, so the audio comes out late: by 1681 samples (105 ms) on the 16 kHz
// fixtures, i.e. the info frame's 576 silent samples plus LAME's usual 1105.
// That is left in rather than guessed, since it depends on the encoder.
func DecodeMP3(r io.Reader) (Clip, error) {
	d, err := mp3.NewDecoder(r)
	if err != nil {
		return Clip{}, fmt.Errorf("mp3: %w", err)
	}
	var out []float32
	if n := d.Length(); n > 0 {
		out = make([]float32, 0, n/4)
	}
	buf := make([]byte, 4*4096)
	var carry int // bytes of an incomplete stereo frame left in buf
	for {
		n, err := d.Read(buf[carry:])
		n += carry
		whole := n - n%4
		for i := 0; i < whole; i += 4 {
			l := int16(binary.LittleEndian.Uint16(buf[i:]))
			r := int16(binary.LittleEndian.Uint16(buf[i+2:]))
			out = append(out, (float32(l)+float32(r))/65536)
		}
		carry = copy(buf, buf[whole:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return Clip{}, fmt.Errorf("mp3: %w", err)
		}
	}
	if len(out) == 0 {
		return Clip{}, errors.New("mp3: no audio frames")
	}
	return Clip{Samples: out, Rate: d.SampleRate()}, nil
}
