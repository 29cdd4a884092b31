import { test, expect, createKiosk, unique, attr, admin, privacyProblems } from './fixtures';
import type { Page } from '@playwright/test';

// The fake camera plays the 10 fps clip at 30 fps: one loop is 1394 frames.
const LOOP_MS = (1394 / 30) * 1000;

async function enrolAndCount(page: Page, enrolURL: string) {
  await page.goto(enrolURL);
  await expect(page.locator('body')).toHaveAttribute('data-state', 'counting', { timeout: 30_000 });
  expect(new URL(page.url()).hash, 'the enrolment code must leave the address bar').toBe('');
}

type Totals = Record<string, { in: number; out: number }>;

async function countsUpTo(page: Page, room: string, kiosk: string, from: number, to: number): Promise<Totals> {
  const res = await page.request.get(`/api/v1/counts?room=${room}&from=${from}&to=${to}&bucket=1d&format=json`, { headers: admin });
  expect(res.status(), await res.text()).toBe(200);
  const totals: Totals = {};
  for (const r of (await res.json()).rows) {
    if (r.kiosk !== kiosk) continue;
    totals[r.line] ??= { in: 0, out: 0 };
    totals[r.line].in += r.in;
    totals[r.line].out += r.out;
  }
  return totals;
}

// Batches the page posted, read back from the recorded traffic.
function postedBatches(traffic: { url: string; method: string; body: Buffer | null }[]) {
  return traffic
    .filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/counts') && r.body)
    .map((r) => JSON.parse(r.body!.toString()).batch as { seq: number; start: number; end: number });
}

test('counts one loop of the clip: entry 6 in, exit 6 out', async ({ page, traffic }) => {
  test.setTimeout(150_000);
  const room = unique('count');
  const from = Date.now();
  const k = await createKiosk(page.request, room, 2);
  await enrolAndCount(page, k.enrol_url);
  await expect.poll(() => attr(page, 'first-frame'), { timeout: 10_000 }).toBeGreaterThan(0);
  const first = await attr(page, 'first-frame');

  // Cut at a batch boundary about a second after the loop wraps: after the
  // first loop's last crossing (~45.1 s) and before the second loop's first
  // (~48.6 s). Batches belong to the bucket of their start, so a boundary cut
  // takes whole batches.
  const target = first + LOOP_MS + 700;
  let cut = 0;
  let cutSeq = 0;
  await expect.poll(() => {
    const b = postedBatches(traffic).find((b) => b.end >= target);
    if (b) [cut, cutSeq] = [Math.abs(b.start - target) < Math.abs(b.end - target) ? b.start : b.end, b.seq];
    return cut;
  }, { timeout: LOOP_MS + 30_000, intervals: [1000] }).toBeGreaterThan(0);
  await expect.poll(() => attr(page, 'acked-seq'), { timeout: 20_000 }).toBeGreaterThanOrEqual(cutSeq);

  const got = await countsUpTo(page, room, k.kiosk.id, from, cut);
  console.log(`counted up to ${((cut - first) / 1000).toFixed(1)} s after the first frame:`, JSON.stringify(got),
    `frames ${await attr(page, 'frames')}, fps ${await attr(page, 'fps')}, latency p99 ${await attr(page, 'latency-p99')} ms`);
  expect(Math.abs(got.entry.in - 6), `entry in ${got.entry.in}`).toBeLessThanOrEqual(1);
  expect(got.entry.out, 'entry out').toBeLessThanOrEqual(1);
  expect(got.exit.in, 'exit in').toBeLessThanOrEqual(1);
  expect(Math.abs(got.exit.out - 6), `exit out ${got.exit.out}`).toBeLessThanOrEqual(1);
});

test('privacy: only small count messages to the origin', async ({ page, traffic }, testInfo) => {
  // The detector itself must be able to fail.
  expect(privacyProblems({ url: 'https://example.com/x', body: null })).not.toEqual([]);
  expect(privacyProblems({ url: page.url() || 'http://127.0.0.1/', body: Buffer.from([0xff, 0xd8, 0xff, 0xe0]) }).length).toBeGreaterThan(0);

  const room = unique('privacy');
  const k = await createKiosk(page.request, room, 2);
  const code = new URL(k.enrol_url, 'http://x').hash.slice('#enrol='.length);
  await enrolAndCount(page, k.enrol_url);
  await expect.poll(() => attr(page, 'acked-seq'), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);

  // Setup mode talks to the server with the admin token; that traffic counts too.
  await page.click('#setup');
  await page.fill('#token', admin.Authorization.slice('Bearer '.length));
  await page.click('#token-dialog button[value=ok]');
  await expect(page.locator('#banner')).toBeVisible();
  await expect(page.locator('body')).toHaveAttribute('data-state', 'setup');
  // Drag the entry line's B end up. In the default 1280x720 viewport the
  // camera rectangle is 710x533 at (285, 144) (wasm/cmd/kiosk/screen.go).
  await page.mouse.move(285 + 710, 144 + 0.725 * 533);
  await page.mouse.down();
  await page.mouse.move(285 + 710, 144 + 0.6 * 533, { steps: 5 });
  await page.mouse.up();
  await page.waitForTimeout(500);
  await page.screenshot({ path: testInfo.outputPath('setup.png') });
  const saved = page.waitForResponse((r) => r.url().includes('/lines') && r.request().method() === 'PUT');
  await page.click('#save');
  const res = await saved;
  expect(res.status()).toBe(200);
  const sent = JSON.parse(res.request().postData()!).lines;
  expect(sent[0].b[1], 'the dragged end moved').toBeCloseTo(0.6, 1);
  await page.click('#done');
  await expect(page.locator('#banner')).toBeHidden();

  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-state', 'counting');
  await page.waitForTimeout(3000);

  const urls = traffic.map((r) => `${r.method} ${new URL(r.url).pathname}`);
  expect(urls).toContain('POST /api/v1/enrol');
  expect(urls).toContain('POST /api/v1/counts');
  expect(traffic.filter((r) => r.url.includes(code)), 'the enrolment code never goes over the network').toEqual([]);
  const largest = Math.max(...traffic.map((r) => r.body?.length ?? 0));
  console.log(`${traffic.length} requests, largest body ${largest} bytes`);
  // The recorder in ./fixtures asserts origin, body size and media checks on all of them.
});

test('screenshot: black apart from the lines and the numbers', async ({ page, browser }, testInfo) => {
  const k = await createKiosk(page.request, unique('screen'), 2);
  await page.setViewportSize({ width: 1280, height: 720 });
  await enrolAndCount(page, k.enrol_url);
  // Shortly after the first crossing: a person is in view and a line flashes.
  await expect.poll(() => attr(page, 'in-entry'), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  const png = await page.screenshot({ path: testInfo.outputPath('kiosk.png') });
  const exclude = await page.locator('#setup').boundingBox();

  // Analysed on a separate blank page, so the kiosk page is not touched.
  const ctx = await browser.newContext();
  const blank = await ctx.newPage();
  const r = await blank.evaluate(async ({ png, exclude }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${png}`;
    await img.decode();
    const { width: w, height: h } = img;
    const c = new OffscreenCanvas(w, h).getContext('2d')!;
    c.drawImage(img, 0, 0);
    const d = c.getImageData(0, 0, w, h).data;
    // The camera rectangle as the kiosk lays it out (wasm/cmd/kiosk/screen.go).
    const top = 0.2 * h, bottom = 0.94 * h;
    const s = Math.min(w / 640, (bottom - top) / 480);
    const rw = 640 * s, rh = 480 * s, x0 = (w - rw) / 2, y0 = top + (bottom - top - rh) / 2;
    const segs = [[[0, 0.725], [1, 0.725]], [[0.78, 0.875], [0.78, 0.125]]].map((l) => l.map(([x, y]) => [x0 + x * rw, y0 + y * rh]));
    const nearLine = (x: number, y: number) => segs.some(([[ax, ay], [bx, by]]) => {
      const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
      return Math.hypot(ax + t * (bx - ax) - x, ay + t * (by - ay) - y) < 12;
    });
    let lit = 0, stray = 0, onLines = 0, inCamera = 0, cameraPixels = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = 4 * (y * w + x);
        const on = Math.max(d[i], d[i + 1], d[i + 2]) > 40;
        const camera = x >= x0 && x < x0 + rw && y >= y0 && y < y0 + rh;
        cameraPixels += camera ? 1 : 0;
        if (!on) continue;
        lit++;
        if (camera) inCamera++;
        if (exclude && x >= exclude.x && x < exclude.x + exclude.width && y >= exclude.y && y < exclude.y + exclude.height) continue;
        if (nearLine(x, y)) onLines++;
        else if (y >= top && y < bottom) stray++;
      }
    }
    return { w, h, lit: lit / (w * h), stray, onLines, inCamera: inCamera / cameraPixels };
  }, { png: png.toString('base64'), exclude });
  await ctx.close();
  console.log('screenshot analysis', JSON.stringify(r));
  expect(r.onLines, 'the lines are drawn').toBeGreaterThan(1000);
  expect(r.stray, 'lit pixels outside the lines, numbers and diagnostics').toBeLessThan(50);
  // A camera picture would light most of its rectangle; the lines, even
  // flashing, light a few per cent.
  expect(r.inCamera, 'share of the camera area that is lit').toBeLessThan(0.1);
  expect(r.lit, 'share of the screen that is lit').toBeLessThan(0.1);
});

test('reload: queued batches and the running tally survive', async ({ page }) => {
  const room = unique('reload');
  const from = Date.now();
  const k = await createKiosk(page.request, room, 2);
  const posted: { seq: number; status: number }[] = [];
  page.on('response', async (r) => {
    if (r.request().method() === 'POST' && r.url().endsWith('/api/v1/counts')) {
      posted.push({ seq: JSON.parse(r.request().postData()!).batch.seq, status: r.status() });
    }
  });
  // The server is unreachable for counts until after the reload.
  await page.route('**/api/v1/counts', (route) => route.abort('internetdisconnected'));
  await enrolAndCount(page, k.enrol_url);
  await expect.poll(() => attr(page, 'in-entry'), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  await expect.poll(() => attr(page, 'queue'), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  const sealed = await attr(page, 'sealed-seq');
  const inEntry = await attr(page, 'in-entry');
  const cut = Date.now();
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-state', 'counting');
  await expect.poll(() => attr(page, 'sealed-seq'), { timeout: 10_000 }).toBeGreaterThan(sealed);
  await page.unroute('**/api/v1/counts');

  // Everything sealed before and after the reload arrives, in order, once.
  await expect.poll(async () => (await attr(page, 'acked-seq')) >= sealed + 1 && (await attr(page, 'queue')) === 0,
    { timeout: 40_000 }).toBe(true);
  const stored = posted.filter((p) => p.status === 201).map((p) => p.seq);
  expect(new Set(stored).size, `stored seqs ${stored}`).toBe(stored.length);
  expect(stored, 'seqs are sent oldest first with none skipped').toEqual(stored.map((_, i) => i + 1));

  const res = await page.request.get('/api/v1/kiosks', { headers: admin });
  const kiosk = (await res.json()).kiosks.find((x: { id: string }) => x.id === k.kiosk.id);
  expect(kiosk.devices[0].gaps ?? [], 'no gap in the seqs the server saw').toEqual([]);

  const got = await countsUpTo(page, room, k.kiosk.id, from, cut);
  console.log(`reload: ${sealed} batches sealed before, ${stored.length} stored, entry in before ${inEntry}:`, JSON.stringify(got));
  expect(got.entry?.in, 'crossings counted before the reload reach the server').toBe(inEntry);
});

test('messages: not enrolled, and a second tab does not count', async ({ page, context }) => {
  await page.goto('/kiosk');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'not-enrolled');
  await expect(page.locator('#message')).toContainText('not enrolled');

  const k = await createKiosk(page.request, unique('tabs'), 2);
  await enrolAndCount(page, k.enrol_url);
  const second = await context.newPage();
  await second.goto('/kiosk');
  await expect(second.locator('body')).toHaveAttribute('data-state', 'locked');
  await expect(second.locator('#message')).toContainText('Another tab');
});

test('setup mode: a wrong token is refused, and setup closes itself after 10 minutes', async ({ page }) => {
  await page.clock.install(); // time flows normally until fast-forwarded
  const k = await createKiosk(page.request, unique('setup'), 2);
  await enrolAndCount(page, k.enrol_url);
  const enter = async (token: string) => {
    await page.click('#setup');
    await page.fill('#token', token);
    await page.click('#token-dialog button[value=ok]');
  };
  await enter('not-the-admin-token');
  await expect(page.locator('#message')).toContainText('not accepted');
  await expect(page.locator('#banner')).toBeHidden();

  await enter(admin.Authorization.slice('Bearer '.length));
  await expect(page.locator('body')).toHaveAttribute('data-state', 'setup');
  await page.clock.fastForward('09:59');
  await expect(page.locator('#banner')).toBeVisible();
  await page.clock.fastForward('00:02');
  await expect(page.locator('#banner')).toBeHidden();
  await expect(page.locator('body')).toHaveAttribute('data-state', 'counting');
});
