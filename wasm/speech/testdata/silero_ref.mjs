// Reference outputs of Silero VAD v5 (16 kHz) from its own runtime,
// onnxruntime-web in node, for wasm/speech/silero_test.go.
//
// Re-run from the repository root after `npm ci`:
//
//	node wasm/speech/testdata/silero_ref.mjs > wasm/speech/testdata/silero_ref.json
//
// Input: a fixed synthetic 16 kHz signal (seeded noise, a chirp and a
// vowel-like harmonic tone; see signal() and its twin in silero_test.go),
// cut into 512-sample chunks each preceded by the previous chunk's last 64
// samples, with the LSTM state carried between chunks, as vad-web does.
//
// Outputs: the probability per chunk from the shipped model (probs; and
// probsB for the same signal 256 samples later, the detector's second
// stream), and for a few chunks samples and sums of every layer. The layers
// come from the same graph: the 16 kHz branch of the model's top-level If
// is lifted out into a model of its own (byte surgery on the protobuf,
// below) whose outputs include the intermediate tensors.
import { readFileSync } from 'node:fs';
import * as ort from '../../../node_modules/onnxruntime-web/dist/ort.node.min.mjs';

const modelPath = new URL('../../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url);
const model = new Uint8Array(readFileSync(modelPath));

// --- minimal protobuf wire reading/writing ---
function varint(b, p) {
  let v = 0n, s = 0n;
  for (;;) {
    const c = b[p++];
    v |= BigInt(c & 0x7f) << s;
    s += 7n;
    if (c < 0x80) return [v, p];
  }
}
function fields(b) {
  const out = [];
  let p = 0;
  while (p < b.length) {
    const start = p;
    let key;
    [key, p] = varint(b, p);
    const f = Number(key >> 3n), wt = Number(key & 7n);
    let payload = null;
    if (wt === 0) [, p] = varint(b, p);
    else if (wt === 1) p += 8;
    else if (wt === 5) p += 4;
    else if (wt === 2) {
      let n;
      [n, p] = varint(b, p);
      payload = b.subarray(p, p + Number(n));
      p += Number(n);
    } else throw new Error('wire type ' + wt);
    out.push({ f, wt, payload, raw: b.subarray(start, p) });
  }
  return out;
}
function encVarint(n) {
  const o = [];
  while (n >= 0x80) { o.push((n & 0x7f) | 0x80); n >>>= 7; }
  o.push(n);
  return o;
}
function lenField(f, bytes) {
  return Uint8Array.from([...encVarint((f << 3) | 2), ...encVarint(bytes.length), ...bytes]);
}
const utf8 = (s) => new TextEncoder().encode(s);
const str = (b) => new TextDecoder().decode(b);
function cat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const o = new Uint8Array(n);
  let i = 0;
  for (const p of parts) { o.set(p, i); i += p.length; }
  return o;
}
// ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type: FLOAT}}}
function floatOutput(name) {
  const tensorType = Uint8Array.from([0x08, 0x01]);
  return lenField(12, cat(lenField(1, utf8(name)), lenField(2, lenField(1, tensorType))));
}

// Lift the then-branch (sr == 16000) of the top-level If into a graph.
const top = fields(model);
const graph = fields(top.find((x) => x.f === 7).payload);
const ifNode = graph.filter((x) => x.f === 1).map((x) => fields(x.payload)).find((n) => str(n.find((y) => y.f === 4).payload) === 'If');
let thenBranch;
for (const a of ifNode.filter((y) => y.f === 5)) {
  const af = fields(a.payload);
  if (str(af.find((y) => y.f === 1).payload) === 'then_branch') thenBranch = af.find((y) => y.f === 6).payload;
}
const P = 'If_0_then_branch__Inline_0__';
const probes = {
  pad: P + '/stft/padding/Pad_output_0',
  stft: P + '/stft/Conv_output_0',
  mag: P + '/stft/Sqrt_output_0',
  enc0: P + '/encoder/0/activation/Relu_output_0',
  enc1: P + '/encoder/1/activation/Relu_output_0',
  enc2: P + '/encoder/2/activation/Relu_output_0',
  enc3: P + '/encoder/3/activation/Relu_output_0',
  logit: P + '/decoder/decoder/2/Conv_output_0',
};
// Keep the branch's outputs (probability, state), add the probes as
// outputs and the outer graph's inputs it reads (input, state).
const branch = fields(thenBranch);
const own = branch.filter((x) => x.f === 12).map((x) => str(fields(x.payload).find((y) => y.f === 1).payload));
const inputs = graph.filter((x) => x.f === 11 && str(fields(x.payload).find((y) => y.f === 1).payload) !== 'sr').map((x) => x.raw);
const outs = [...own, ...Object.values(probes)];
const lifted = cat(...branch.map((x) => x.raw), ...inputs, ...Object.values(probes).map(floatOutput));
const probeModel = cat(...top.filter((x) => x.f !== 7).map((x) => x.raw), lenField(7, lifted));

// --- the synthetic signal (keep in step with signal() in silero_test.go) ---
function signal(n) {
  const x = new Float32Array(n);
  let s = 12345 >>> 0;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296 - 0.5; };
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    let v = 0.02 * rnd();
    if (t >= 0.5 && t < 1.5) v += 0.3 * Math.sin(2 * Math.PI * (200 * t + 400 * t * t));
    if (t >= 2 && t < 3.5) {
      const f0 = 120 + 20 * Math.sin(2 * Math.PI * 3 * t);
      for (let k = 1; k <= 12; k++) v += (0.25 / k) * Math.sin(2 * Math.PI * f0 * k * t) * (1 + Math.sin(2 * Math.PI * 4 * t)) * 0.5;
    }
    x[i] = v;
  }
  return x;
}

const chunk = 512, ctx = 64, chunks = 125; // 4 s
const x = signal(chunk * chunks);
const full = await ort.InferenceSession.create(model);
const probe = await ort.InferenceSession.create(probeModel);
const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
let state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
let stateP = state;
const probs = [], layers = {};
const sampled = new Set([0, 20, 70, 124]);
const sample = (a) => {
  const n = a.length, idx = [];
  for (let i = 0; i < 16 && i < n; i++) idx.push(Math.floor((i * n) / 16));
  return { len: n, sum: a.reduce((s, v) => s + v, 0), abs: a.reduce((s, v) => s + Math.abs(v), 0), idx, val: idx.map((i) => a[i]) };
};
let maxDiff = 0;
for (let k = 0; k < chunks; k++) {
  const inp = new Float32Array(ctx + chunk);
  if (k > 0) inp.set(x.subarray(k * chunk - ctx, k * chunk), 0);
  inp.set(x.subarray(k * chunk, (k + 1) * chunk), ctx);
  const input = new ort.Tensor('float32', inp, [1, ctx + chunk]);
  const r = await full.run({ input, state, sr });
  state = r.stateN;
  probs.push(r.output.data[0]);
  const q = await probe.run({ input, state: stateP });
  stateP = new ort.Tensor('float32', q[outs[1]].data, [2, 1, 128]);
  maxDiff = Math.max(maxDiff, Math.abs(q[outs[0]].data[0] - r.output.data[0]));
  if (sampled.has(k)) {
    layers[k] = {};
    for (const [name, id] of Object.entries(probes)) layers[k][name] = sample(Array.from(q[id].data));
    layers[k].state = sample(Array.from(q[outs[1]].data)); // h then c, after this chunk
  }
}
// Stream b of wasm/speech's detector: the same signal 256 samples later
// (silence first), probabilities only.
const probsB = [];
{
  const y = new Float32Array(x.length + 256);
  y.set(x, 256);
  let st = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  for (let k = 0; k < chunks; k++) {
    const inp = new Float32Array(ctx + chunk);
    if (k > 0) inp.set(y.subarray(k * chunk - ctx, k * chunk), 0);
    inp.set(y.subarray(k * chunk, (k + 1) * chunk), ctx);
    const r = await full.run({ input: new ort.Tensor('float32', inp, [1, ctx + chunk]), state: st, sr });
    st = r.stateN;
    probsB.push(r.output.data[0]);
  }
}
if (maxDiff > 1e-6) throw new Error('lifted branch differs from the model: ' + maxDiff);
process.stdout.write(JSON.stringify({ model: 'silero_vad_v5.onnx', ort: ort.env.versions?.web ?? '', chunk, context: ctx, probs, probsB, layers }, null, 0) + '\n');
