// lokaal speech worklet: hands microphone samples to the detection worker
// in chunks.
//
// It runs on the audio thread and does nothing but copy: the voice-activity
// detector is Go (exam.wasm) in detect-worker.js. The page sends a
// MessagePort to the worker ({port}); chunks go over it straight there, never
// through the page's thread, and nowhere before it arrives. Chunks of ~2048
// samples (43 ms at 48 kHz) keep the message rate low; the buffer is
// transferred, not copied. The output stays silent, so nothing is played
// back.
'use strict';

const CHUNK = 2048;

class SpeechTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buf = new Float32Array(CHUNK);
    this.n = 0;
    this.out = null;
    this.port.onmessage = (ev) => { this.out = ev.data.port; };
  }

  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch || !this.out) return true;
    let i = 0;
    while (i < ch.length) {
      const take = Math.min(ch.length - i, CHUNK - this.n);
      this.buf.set(ch.subarray(i, i + take), this.n);
      this.n += take;
      i += take;
      if (this.n === CHUNK) {
        this.out.postMessage(this.buf, [this.buf.buffer]);
        this.buf = new Float32Array(CHUNK);
        this.n = 0;
      }
    }
    return true;
  }
}

registerProcessor('lokaal-speech', SpeechTap);
