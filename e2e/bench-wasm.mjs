// Times the counter compiled to WebAssembly in headless Chromium, on
// synthetic frames, at the kiosk's usual camera sizes. No server: the page
// and files are served by page.route. Prints figures, asserts nothing; with
// OUT.json also writes them there for e2e/bench-report.mjs. LOKAAL_BENCH_FRAMES
// sets the frames timed per size (200).
// Usage: node e2e/bench-wasm.mjs out/kioskbench.wasm out/wasm_exec.js [OUT.json]
import fs from 'node:fs';
import { openBenchPage } from './bench-page.mjs';

const [wasm, wasmExec, outJSON] = process.argv.slice(2);
const frames = Number(process.env.LOKAAL_BENCH_FRAMES) || 200;
const files = {
  '/': ['text/html', '<!doctype html><script src="/wasm_exec.js"></script>'],
  '/wasm_exec.js': ['text/javascript', fs.readFileSync(wasmExec)],
  '/kioskbench.wasm': ['application/wasm', fs.readFileSync(wasm)],
};

const { browser, page } = await openBenchPage(files);
try {
  const results = await page.evaluate(async (frames) => {
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch('/kioskbench.wasm'), go.importObject);
    go.run(instance);
    return [[320, 240], [640, 480]].map(([w, h]) => {
      const ms = globalThis.lokaalBench(w, h, frames);
      return { w, h, ms: ms instanceof Error ? ms.message : ms };
    });
  }, frames);
  console.log(`wasm counter in Chromium ${browser.version()}:`);
  for (const r of results) {
    console.log(typeof r.ms === 'number'
      ? `  ${r.w}x${r.h}: ${r.ms.toFixed(2)} ms/frame (copy + ProcessRGBA), ${(1000 / r.ms).toFixed(0)} frames/s max`
      : `  ${r.w}x${r.h}: error ${r.ms}`);
  }
  if (outJSON) {
    const ms = (w) => { const r = results.find((x) => x.w === w); return typeof r?.ms === 'number' ? r.ms : null; };
    fs.writeFileSync(outJSON, JSON.stringify({
      chromium: browser.version(), counter_frames: frames,
      counter_ms_frame_wasm_320: ms(320), counter_ms_frame_wasm_640: ms(640),
    }, null, 1) + '\n');
  }
} finally {
  await browser.close();
}
