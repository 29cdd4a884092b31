// Prepares the exam's fake-camera clips before any browser starts.
//
// The shared faces clips are baseline JPEGs whose three components are all
// sampled 1×2 (the counting clip is ordinary 4:2:0). Chromium decodes them
// in an <img>, but its fake camera delivers a uniform green frame instead,
// so the detectors would see no face at all. Chromium itself re-encodes
// every frame here into a 4:2:0 MJPEG in the run's temp directory; the
// fixtures are never copied into the repository.
import { chromium } from '@playwright/test';
import fs from 'node:fs';
import { cameraClips, executablePath, tmp } from './env';

export default async function globalSetup() {
  const todo = cameraClips.filter((c) => !fs.existsSync(c.out));
  if (todo.length > 0) await reencode(todo);
  // The returned function is the global teardown: the temp directory (clips,
  // audio, database) goes unless the caller chose it.
  return () => {
    if (process.env.LOKAAL_E2E_TMP_OURS) fs.rmSync(tmp, { recursive: true, force: true });
  };
}

async function reencode(todo: { src: string; out: string }[]) {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    for (const { src, out } of todo) {
      const data = fs.readFileSync(src);
      await page.route('http://clips.invalid/**', (route) => (route.request().url().endsWith('/clip')
        ? route.fulfill({ body: data })
        : route.fulfill({ contentType: 'text/html', body: '<!doctype html>' })));
      await page.goto('http://clips.invalid/');
      const b64 = await page.evaluate(async () => {
        const b = new Uint8Array(await (await fetch('/clip')).arrayBuffer());
        const starts = [];
        for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xd8 && b[i + 2] === 0xff) starts.push(i);
        starts.push(b.length);
        const frames = [];
        for (let k = 0; k + 1 < starts.length; k++) {
          const img = await createImageBitmap(new Blob([b.subarray(starts[k], starts[k + 1])], { type: 'image/jpeg' }));
          const c = new OffscreenCanvas(img.width, img.height);
          c.getContext('2d')!.drawImage(img, 0, 0);
          frames.push(await c.convertToBlob({ type: 'image/jpeg', quality: 0.92 }));
        }
        const all = new Uint8Array(await new Blob(frames).arrayBuffer());
        let s = '';
        for (let i = 0; i < all.length; i += 0x8000) s += String.fromCharCode(...all.subarray(i, i + 0x8000));
        return btoa(s);
      });
      await page.unroute('http://clips.invalid/**');
      fs.writeFileSync(`${out}.${process.pid}`, Buffer.from(b64, 'base64'));
      fs.renameSync(`${out}.${process.pid}`, out);
    }
  } finally {
    await browser.close();
  }
}
