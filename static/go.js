// loadGo starts a page's Go client (kiosk.wasm, exam.wasm) with
// wasm_exec.js's Go, which the page loads before its module.

// servedName is the file name a URL serves, without server/assets' content
// hash: blazeface-short.0123abcd.lknn is blazeface-short.lknn.
export const servedName = (url) => url.split('/').pop().replace(/\.[0-9a-f]{8}(\.[^./]+)?$/, '$1');

// loadGo fetches the WebAssembly the page's script names (data-wasm),
// checked against the integrity the page came with (server/assets writes
// data-integrity beside it), so a changed file fails to load instead of
// running. The hash of the bytes instantiated is the build: what actually
// runs, not a label; Go gets it as its argument (os.Args[1]). It answers
// globalThis.lokaalGo, which the client's main registers before it
// blocks, the build, and the compiled module (for a worker to run too).
export async function loadGo() {
  const { wasm, integrity } = document.querySelector('script[data-wasm]').dataset;
  const name = servedName(wasm);
  if (!integrity) throw new Error(`the page names no integrity for ${name}`);
  const bytes = await (await fetch(wasm, { integrity })).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const build = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  const module = await WebAssembly.compile(bytes);
  const go = new globalThis.Go();
  go.argv = [name, build];
  const instance = await WebAssembly.instantiate(module, go.importObject);
  go.run(instance); // main registers globalThis.lokaalGo before it blocks
  return { go: globalThis.lokaalGo, build, module };
}
