// Test helpers: admin API calls, and a recorder that checks every request a
// page makes during any test (kiosk or exam) against the privacy rules.
import { test as base, expect, type APIRequestContext, type Page, type Request } from '@playwright/test';
import { adminToken, port, serverZone } from './env';

export { expect };

export const origin = `http://127.0.0.1:${port}`;
export const admin = { Authorization: `Bearer ${adminToken}` };

// zoned is t's day (YYYY-MM-DD) and time (HH:MM) in the server's zone.
export function zoned(t: Date) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: serverZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(t).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, hhmm: `${p.hour}:${p.minute}` };
}

export const entry = { name: 'entry', a: [0, 0.725], b: [1, 0.725], mode: 'immediate' };
export const exit = { name: 'exit', a: [0.78, 0.875], b: [0.78, 0.125], mode: 'deferred' };

export async function createKiosk(request: APIRequestContext, room: string, intervalS: number) {
  const res = await request.post('/api/v1/kiosks', {
    headers: admin,
    data: { name: `kiosk ${room}`, room, interval_s: intervalS, lines: [entry, exit] },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { kiosk: { id: string }; enrol_url: string };
}

export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

export async function attr(page: Page, name: string): Promise<number> {
  return Number(await page.locator('body').getAttribute(`data-${name}`));
}

// The largest body a page may send: an exam summary may be up to 4 KiB (the
// server refuses more), a count batch is far smaller.
export const maxBody = 4096;

// A body "looks like media" if it carries image, audio or video magic
// numbers or a long base64 run (a signature is 88 characters, a public key
// 44, a hash 64 hex digits: all below the 120 threshold).
const magic = [
  [0xff, 0xd8, 0xff], // JPEG
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x1a, 0x45, 0xdf, 0xa3], // WebM/Matroska
  [0x52, 0x49, 0x46, 0x46], // RIFF (WAV, WebP, AVI)
  [0x47, 0x49, 0x46, 0x38], // GIF8
  [0x66, 0x74, 0x79, 0x70], // ftyp (MP4, M4A)
  [0x4f, 0x67, 0x67, 0x53], // OggS (Opus, Vorbis)
  [0x66, 0x4c, 0x61, 0x43], // fLaC
  [0x49, 0x44, 0x33], // ID3 (MP3)
];

export function privacyProblems(req: { url: string; body: Buffer | null }): string[] {
  const problems: string[] = [];
  const u = new URL(req.url);
  if (u.origin !== origin && !['data:', 'blob:'].includes(u.protocol)) problems.push(`goes to ${u.origin}`);
  const body = req.body;
  if (!body) return problems;
  if (body.length > maxBody) problems.push(`body of ${body.length} bytes`);
  if (magic.some((m) => body.subarray(0, 32).includes(Buffer.from(m)))) problems.push('body starts like media');
  if (/[A-Za-z0-9+/=_-]{120,}/.test(body.toString('latin1'))) problems.push('body holds a long base64 run');
  return problems;
}

type Recorded = { url: string; method: string; type: string; body: Buffer | null };

// Every test records its browser context's traffic (pages, workers, beacons,
// WebSockets) and fails if any of it breaks the privacy rules.
export const test = base.extend<{ traffic: Recorded[] }>({
  traffic: [async ({ context }, use) => {
    const seen: Recorded[] = [];
    const record = (r: Request) => seen.push({ url: r.url(), method: r.method(), type: r.resourceType(), body: r.postDataBuffer() });
    context.on('request', record);
    const watchSockets = (p: Page) => p.on('websocket', (ws) => {
      seen.push({ url: ws.url(), method: 'WS', type: 'websocket', body: null });
      ws.on('framesent', (f) => seen.push({ url: ws.url(), method: 'WS', type: 'frame', body: Buffer.from(f.payload) }));
    });
    context.pages().forEach(watchSockets);
    context.on('page', watchSockets);
    await use(seen);
    const bad = seen.flatMap((r) => privacyProblems(r).map((p) => `${r.method} ${r.url} (${r.type}): ${p}`));
    expect(bad, 'requests breaking the privacy rules').toEqual([]);
  }, { auto: true }],
});
