// The fake camera's and fake microphone's media, made from the shared
// fixtures into a run's temp directory (never into the repository): for
// the e2e suites (env.ts, global-setup.ts) and the benches.
import { chromium } from '@playwright/test';
import fs from 'node:fs';

// toWav48k reads a mono 16-bit PCM WAV and returns it resampled to 48 kHz by
// linear interpolation, which is plenty for a voice detector that works
// below 4 kHz.
export function toWav48k(src) {
  let rate = 0, pcm;
  for (let off = 12; off + 8 <= src.length;) {
    const id = src.toString('latin1', off, off + 4), size = src.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      const [format, channels, bits] = [src.readUInt16LE(off + 8), src.readUInt16LE(off + 10), src.readUInt16LE(off + 22)];
      if (format !== 1 || channels !== 1 || bits !== 16) throw new Error('want mono 16-bit PCM');
      rate = src.readUInt32LE(off + 12);
    }
    if (id === 'data') pcm = src.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size & 1);
  }
  if (!rate || !pcm) throw new Error('not a PCM WAV');
  const n = pcm.length >> 1, m = Math.floor((n - 1) * 48000 / rate) + 1;
  const out = Buffer.alloc(44 + 2 * m);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + 2 * m, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(48000, 24);
  out.writeUInt32LE(96000, 28); // bytes per second
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(2 * m, 40);
  for (let j = 0; j < m; j++) {
    const x = j * rate / 48000, i = Math.floor(x), f = x - i;
    const a = pcm.readInt16LE(2 * i), b = pcm.readInt16LE(2 * Math.min(i + 1, n - 1));
    out.writeInt16LE(Math.round(a + f * (b - a)), 44 + 2 * j);
  }
  return out;
}

// reencode writes each todo.src clip to todo.out as Chromium itself
// encodes it: the faces clips' JPEGs are full-chroma (all three components
// sampled 1×2), which Chromium's fake camera shows as a uniform green frame,
// so every frame is decoded and encoded again as an ordinary 4:2:0 JPEG.
export async function reencode(executablePath, todo) {
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
          c.getContext('2d').drawImage(img, 0, 0);
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
