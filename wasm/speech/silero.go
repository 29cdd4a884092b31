package speech

import (
	"errors"
	"fmt"
	"time"

	"github.com/lokaal-nl/lokaal/wasm/nn"
)

// Silero VAD v5 (MIT, snakers4/silero-vad), the 16 kHz network as shipped
// in @ricky0123/vad-web and converted to LKNN by internal/cmd/modelgen
// (see internal/modelconv/silero.go for the graph). Each 512-sample chunk
// (32 ms) is seen with the 64 samples before it and updates an LSTM state
// carried to the next chunk; the network answers one speech probability
// per chunk.

const (
	sileroChunk   = 512
	sileroContext = 64
	sileroIn      = sileroChunk + sileroContext // 576
	sileroPadded  = sileroIn + 64               // reflect pad on the right
	sileroBins    = 129                         // 256-point STFT, one-sided
	sileroFrames  = 4                           // STFT frames per chunk (hop 128)
	sileroHidden  = 128
	sileroHalf    = sileroChunk / 2 // samples per verdict: two streams, 16 ms apart
)

// sileroNet is the network with its buffers, planned once so a chunk
// allocates nothing.
type sileroNet struct {
	stft                   *nn.STFT
	enc0, enc1, enc2, enc3 *nn.Conv1D
	lstm                   *nn.LSTMCell
	outW                   []float32
	outB                   float32

	padded, spec, mag, e0, e1, e2, e3 []float32
	h, c, hr                          []float32
	logit                             float32
}

func newSileroNet(weights []byte) (*sileroNet, error) {
	w, err := nn.Decode(weights)
	if err != nil {
		return nil, err
	}
	get := func(name string, shape ...int) []float32 {
		if err != nil {
			return nil
		}
		var t nn.Tensor
		t, err = w.Get(name, shape...)
		return t.Data
	}
	n := &sileroNet{}
	conv := func(wname, bname string, cout, cin, k, stride, pad, tin int) *nn.Conv1D {
		wd := get(wname, cout, cin, k)
		bd := get(bname, cout)
		if err != nil {
			return nil
		}
		var c *nn.Conv1D
		c, err = nn.NewConv1D(wd, bd, cout, cin, k, stride, pad, tin)
		return c
	}
	// The model's STFT is a conv with a Hann-windowed DFT basis (checked by
	// modelconv); an FFT computes the same.
	if n.stft, err = nn.NewSTFT(256, 128, sileroPadded); err != nil {
		return nil, err
	}
	n.enc0 = conv("encoder.0.reparam_conv.weight", "encoder.0.reparam_conv.bias", 128, sileroBins, 3, 1, 1, sileroFrames)
	n.enc1 = conv("encoder.1.reparam_conv.weight", "encoder.1.reparam_conv.bias", 64, 128, 3, 2, 1, sileroFrames)
	n.enc2 = conv("encoder.2.reparam_conv.weight", "encoder.2.reparam_conv.bias", 64, 64, 3, 2, 1, 2)
	n.enc3 = conv("encoder.3.reparam_conv.weight", "encoder.3.reparam_conv.bias", 128, 64, 3, 1, 1, 1)
	wih := get("decoder.rnn.weight_ih", 4*sileroHidden, 128)
	whh := get("decoder.rnn.weight_hh", 4*sileroHidden, sileroHidden)
	bih := get("decoder.rnn.bias_ih", 4*sileroHidden)
	bhh := get("decoder.rnn.bias_hh", 4*sileroHidden)
	n.outW = get("decoder.decoder.2.weight", 1, sileroHidden, 1)
	ob := get("decoder.decoder.2.bias", 1)
	if err != nil {
		return nil, fmt.Errorf("speech: Silero weights: %w", err)
	}
	n.outB = ob[0]
	if n.lstm, err = nn.NewLSTMCell(wih, whh, bih, bhh, 128, sileroHidden); err != nil {
		return nil, err
	}
	if n.stft.Frames != sileroFrames || n.enc3.Tout != 1 {
		return nil, errors.New("speech: Silero layer sizes do not chain")
	}
	n.alloc()
	return n, nil
}

// alloc makes the activation buffers and a zero state.
func (n *sileroNet) alloc() {
	n.padded = make([]float32, sileroPadded)
	n.spec = make([]float32, 2*sileroBins*sileroFrames)
	n.mag = make([]float32, sileroBins*sileroFrames)
	n.e0 = make([]float32, 128*sileroFrames)
	n.e1 = make([]float32, 64*2)
	n.e2 = make([]float32, 64)
	n.e3 = make([]float32, 128)
	n.h = make([]float32, sileroHidden)
	n.c = make([]float32, sileroHidden)
	n.hr = make([]float32, sileroHidden)
}

// infer runs one chunk: x is the 64 context samples then the 512 new
// ones. It returns the speech probability and advances the LSTM state.
func (n *sileroNet) infer(x []float32) float32 {
	nn.ReflectPad1D(n.padded, x[:sileroIn], 0, sileroPadded-sileroIn)
	n.stft.Run(n.spec, n.padded)
	nn.Magnitude(n.mag, n.spec)
	n.enc0.Run(n.e0, n.mag, true)
	n.enc1.Run(n.e1, n.e0, true)
	n.enc2.Run(n.e2, n.e1, true)
	n.enc3.Run(n.e3, n.e2, true)
	n.lstm.Step(n.e3, n.h, n.c)
	copy(n.hr, n.h)
	nn.Relu(n.hr)
	n.logit = n.outB
	for i, v := range n.hr {
		n.logit += v * n.outW[i]
	}
	return nn.Sigmoid(n.logit)
}

// clone returns a network sharing n's weights, with its own buffers and
// a fresh state.
func (n *sileroNet) clone() *sileroNet {
	m := &sileroNet{stft: n.stft.Clone(), enc0: n.enc0.Clone(), enc1: n.enc1.Clone(), enc2: n.enc2.Clone(),
		enc3: n.enc3.Clone(), lstm: n.lstm.Clone(), outW: n.outW, outB: n.outB}
	m.alloc()
	return m
}

// SileroParams turn chunk probabilities into speech, with hysteresis as
// Silero's get_speech_timestamps and vad-web do: speech starts at a chunk
// at or above Threshold, continues while the probability stays at or above
// NegThreshold, and ends once it has stayed below for MinSilence; a
// segment shorter than MinSpeech is dropped, and kept ones are widened by
// Pad on both sides.
type SileroParams struct {
	Threshold    float32
	NegThreshold float32
	MinSilence   time.Duration
	MinSpeech    time.Duration
	Pad          time.Duration
	// Lookahead shifts the verdicts earlier: a frame takes the verdict of
	// the chunk that holds its centre plus Lookahead. The LSTM answers a
	// little late, so a chunk's verdict describes audio slightly before it.
	Lookahead time.Duration
	// Streams is 2 (two offset streams, each verdict their mean: the
	// default) or 1 (one stream, half the cost, 32 ms verdicts).
	Streams int
}

// DefaultSileroParams holds the values measured on the labelled fixtures
// (TestSileroTune): Silero's own gap of 0.15 between the two thresholds,
// a lower onset threshold than its 0.5 (the labelled files include quiet,
// noisy speech that the network scores 0.2–0.5), and verdicts taken 48 ms
// ahead, as the LSTM lags the audio.
func DefaultSileroParams() SileroParams {
	return SileroParams{
		Threshold:    0.3,
		NegThreshold: 0.15,
		MinSilence:   100 * time.Millisecond,
		MinSpeech:    100 * time.Millisecond,
		Pad:          0,
		Lookahead:    48 * time.Millisecond,
		Streams:      2,
	}
}

// SingleStreamSileroParams are the best settings measured for one stream
// (TestSileroTune with LOKAAL_TUNE=single): half the CPU of the default,
// at a lower MCC.
func SingleStreamSileroParams() SileroParams {
	return SileroParams{
		Threshold:    0.4,
		NegThreshold: 0.3,
		MinSilence:   64 * time.Millisecond,
		MinSpeech:    100 * time.Millisecond,
		Lookahead:    48 * time.Millisecond,
		Streams:      1,
	}
}

func (p SileroParams) validate() error {
	if !(p.Threshold > 0 && p.Threshold < 1) || !(p.NegThreshold > 0 && p.NegThreshold <= p.Threshold) {
		return fmt.Errorf("speech: Silero thresholds %v/%v outside 0 < neg ≤ pos < 1", p.NegThreshold, p.Threshold)
	}
	if p.Streams != 1 && p.Streams != 2 {
		return fmt.Errorf("speech: %d Silero streams, want 1 or 2", p.Streams)
	}
	if p.MinSilence < 0 || p.MinSpeech < 0 || p.Pad < 0 || p.Lookahead < 0 || p.Lookahead > time.Second {
		return errors.New("speech: negative Silero duration")
	}
	return nil
}

// verdicts is the number of verdicts of unit samples in d, rounded up.
func verdicts(d time.Duration, unit int) int {
	c := time.Duration(unit) * time.Second / analysisRate
	return int((d + c - 1) / c)
}

// Silero is a streaming voice-activity detector running Silero VAD v5 as
// two streams 256 samples (16 ms) apart, each with its own context and
// LSTM state. Every 16 ms verdict is the mean of the two probabilities
// that cover it: the network's answer depends on where the chunk
// boundaries fall (on one labelled file its mean speech probability moves
// from 0.25 to 0.48 with the offset), and the mean of two offsets halves
// that noise and the verdict's step. On the labelled fixtures this lifts
// frame MCC from 0.60 to 0.65 at twice the cost (see TestSileroTune).
//
// It emits the same 10 ms FrameDecisions as Detector: each frame takes
// the verdict holding its centre (plus Lookahead). It is not safe for
// concurrent use.
type Silero struct {
	a, b   *sileroNet // the two streams, b 256 samples behind a
	pa, pb float32    // their latest probabilities
	p      SileroParams

	input[float32]       // buf: 16 kHz samples from absolute index bufStart on
	bufStart       int64 // negative at first: the silence before the stream

	minSilence, minSpeech, pad int // in verdicts

	probs    []float32
	labels   []bool // per verdict from base on, not yet final
	base     int    // verdict index of probs[0]
	next     int    // verdicts made so far
	final    int    // verdicts before this are final
	frames   int    // frames emitted so far
	on       bool   // inside a candidate segment
	start    int    // its first verdict
	tempEnd  int    // first verdict of the current dip below NegThreshold, or -1
	padUntil int    // verdicts before this are speech (right padding)
	lag      int    // Lookahead in samples
	marked   int    // verdicts before this are known speech in the open segment
	unit     int    // samples per verdict
	out      []FrameDecision
}

// NewSilero returns a Silero detector for mono samples at sampleRate
// (8–192 kHz, resampled to 16 kHz), with the LKNN weights modelgen writes
// (static/build/silero-v5.lknn) and DefaultSileroParams.
func NewSilero(weights []byte, sampleRate int) (*Silero, error) {
	return NewSileroParams(weights, sampleRate, DefaultSileroParams())
}

// NewSileroParams is NewSilero with explicit hysteresis.
func NewSileroParams(weights []byte, sampleRate int, p SileroParams) (*Silero, error) {
	if sampleRate < 8000 || sampleRate > 192000 {
		return nil, fmt.Errorf("speech: sample rate %d outside 8000..192000", sampleRate)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	net, err := newSileroNet(weights)
	if err != nil {
		return nil, err
	}
	d := newSileroDecider(p, sileroChunk/p.Streams)
	d.a = net
	// The first chunk's context is silence before the stream; stream b's
	// first chunk starts 256 samples earlier still.
	d.bufStart = -sileroContext
	if p.Streams == 2 {
		d.b = net.clone()
		d.bufStart -= sileroHalf
	}
	d.buf = make([]float32, -d.bufStart, 4*sileroIn)
	if sampleRate != analysisRate {
		d.rs = newResampler(sampleRate)
	}
	return d, nil
}

// newSileroDecider is the hysteresis alone, without the network.
// unit is the samples each probability covers.
func newSileroDecider(p SileroParams, unit int) *Silero {
	return &Silero{p: p, tempEnd: -1, lag: int(p.Lookahead * analysisRate / time.Second), unit: unit,
		minSilence: verdicts(p.MinSilence, unit), minSpeech: verdicts(p.MinSpeech, unit), pad: verdicts(p.Pad, unit)}
}

// Process analyses samples (mono, nominally in [-1, 1]) and returns the
// decisions that became final. The returned slice is reused by the next
// call.
func (d *Silero) Process(samples []float32) []FrameDecision {
	d.out = d.out[:0]
	d.push(samples)
	d.run()
	d.emit(d.final, -1)
	return d.out
}

// Flush ends the stream: the last partial chunk is completed with
// silence, an open segment is closed, and every remaining decision is
// returned. The returned slice is reused by the next call; the detector
// must not be used afterwards.
func (d *Silero) Flush() []FrameDecision {
	d.out = d.out[:0]
	end := d.received()
	d.drain()
	// Decide every verdict that holds a received sample, completing the
	// last windows with silence.
	for int64(d.next*d.unit) < end {
		if need := d.window(d.next) + sileroIn - d.bufStart - int64(len(d.buf)); need > 0 {
			d.buf = append(d.buf, make([]float32, need)...)
		}
		d.run()
	}
	d.finish(end)
	return d.out
}

// finish closes an open segment at the end of a stream of end samples
// and emits every frame left.
func (d *Silero) finish(end int64) {
	if d.on {
		stop := d.next
		if d.tempEnd >= 0 {
			stop = d.tempEnd
		}
		d.close(stop)
	}
	d.final = d.next
	d.emit(d.final, int((end+hop-1)/hop))
}

// window is the absolute index of the first sample of the chunk that
// completes verdict h: verdict h (16 ms) is the mean of stream a's chunk
// h/2 and stream b's chunk (h+1)/2; the newer of the two always covers
// samples [256h−64, 256h+512).
func (d *Silero) window(h int) int64 { return int64(h*d.unit) - sileroContext }

// run infers every chunk whose samples have arrived and advances the
// hysteresis.
func (d *Silero) run() {
	for {
		h := d.next
		w := d.window(h) - d.bufStart
		if w+sileroIn > int64(len(d.buf)) {
			break
		}
		x := d.buf[w : w+sileroIn]
		if d.b == nil {
			d.step(d.a.infer(x))
			continue
		}
		if h == 0 {
			d.pb = d.b.infer(d.buf[:sileroIn]) // b's chunk 0: mostly the silence before
		}
		if h%2 == 0 {
			d.pa = d.a.infer(x)
		} else {
			d.pb = d.b.infer(x)
		}
		d.step((d.pa + d.pb) / 2)
	}
	// Keep what the next chunk needs (before the first verdict, b's chunk 0
	// needs the silence before the stream too).
	if drop := d.window(d.next) - d.bufStart; d.next > 0 && drop > 0 {
		d.buf = d.buf[:copy(d.buf, d.buf[drop:])]
		d.bufStart += drop
	}
}

// step applies the hysteresis to the probability of chunk d.next.
func (d *Silero) step(p float32) {
	k := d.next
	d.next++
	d.probs = append(d.probs, p)
	d.labels = append(d.labels, k < d.padUntil)
	switch {
	case p >= d.p.Threshold:
		d.tempEnd = -1
		if !d.on {
			d.on, d.start = true, k
		}
	case d.on && p < d.p.NegThreshold:
		if d.tempEnd < 0 {
			d.tempEnd = k
		}
		if k+1-d.tempEnd >= d.minSilence {
			d.close(d.tempEnd)
		}
	}
	// A verdict is final when no segment can still change it: not within
	// pad of the newest, and not inside an open segment that may yet be
	// dropped as too short. Once the open segment is sure to be kept, its
	// verdicts up to the current dip are speech and final, so long speech
	// is reported as it goes, not when it ends.
	f := d.next - d.pad
	if d.on {
		end := d.next
		if d.tempEnd >= 0 {
			end = d.tempEnd
		}
		if end-d.start >= d.minSpeech {
			for j := max(d.start-d.pad, d.base, d.marked); j < end; j++ {
				d.labels[j-d.base] = true
			}
			d.marked = max(d.marked, end)
			f = min(f, end)
		} else {
			f = min(f, d.start-d.pad)
		}
	}
	if f > d.final {
		d.final = f
	}
}

// close ends the open segment before chunk stop, keeping it if long
// enough.
func (d *Silero) close(stop int) {
	if stop-d.start >= d.minSpeech {
		from := max(d.start-d.pad, d.base)
		for k := from; k < min(stop+d.pad, d.next); k++ {
			d.labels[k-d.base] = true
		}
		d.padUntil = max(d.padUntil, stop+d.pad)
	}
	d.on, d.tempEnd = false, -1
}

// emit appends the decisions of frames whose chunk is below final (and,
// if limit ≥ 0, below frame limit), then drops chunks no frame needs.
func (d *Silero) emit(final, limit int) {
	for {
		i := d.frames
		if limit >= 0 && i >= limit {
			break
		}
		k := max(i*hop+hop/2+d.lag, 0) / d.unit
		if limit >= 0 && k >= d.next {
			k = d.next - 1 // the stream's last frame, centred past its last sample
		}
		if k >= final {
			break
		}
		p := d.probs[k-d.base]
		d.out = append(d.out, FrameDecision{Index: i, Speech: d.labels[k-d.base], Voiced: p >= d.p.Threshold, Prob: p})
		d.frames++
	}
	// Frames from d.frames on need chunks from (d.frames·hop + hop/2)/chunk.
	keep := max(d.frames*hop+hop/2+d.lag, 0) / d.unit
	if drop := min(keep, final, d.next-1) - d.base; drop > 0 { // the last verdict stays for the stream's last frames
		d.probs = d.probs[:copy(d.probs, d.probs[drop:])]
		d.labels = d.labels[:copy(d.labels, d.labels[drop:])]
		d.base += drop
	}
}
