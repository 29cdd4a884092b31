import { test, expect, createKiosk, unique, attr } from './fixtures';

// The fake camera plays the 10 fps clip at 30 fps: one loop is 1394 frames.
const LOOP_MS = (1394 / 30) * 1000;

// Under Chromium's CPU throttling (4×, as DevTools emulates a slow kiosk)
// the page processes fewer frames; it must drop frames, not crossings:
// one loop of the clip still counts entry 6 in and exit 6 out, within ±1.
test('counts one loop of the clip under 4× CPU throttling', async ({ page }) => {
  // At these rates a body is first seen on or past the entry line, which
  // is close to the picture's bottom edge: the counter counts it from that
  // edge (wasm/counter/edge.go). The replay tests the same gaps natively.
  test.setTimeout(240_000);
  const room = unique('throttled');
  const k = await createKiosk(page.request, room, 2);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(k.enrol_url);
  await expect(page.locator('body')).toHaveAttribute('data-state', 'counting', { timeout: 60_000 });
  await expect.poll(() => attr(page, 'first-frame'), { timeout: 20_000 }).toBeGreaterThan(0);
  const first = await attr(page, 'first-frame');
  // Past the first loop's last crossing (~45.1 s) and before the second
  // loop's first (~48.6 s): the page's own totals, read at that moment.
  await page.waitForTimeout(first + LOOP_MS + 700 - Date.now());
  const got = {
    entryIn: await attr(page, 'in-entry'), entryOut: await attr(page, 'out-entry'),
    exitIn: await attr(page, 'in-exit'), exitOut: await attr(page, 'out-exit'),
  };
  const frames = await attr(page, 'frames');
  const fps = frames / ((Date.now() - first) / 1000);
  console.log('throttled 4x:', JSON.stringify(got), `frames ${frames} (${fps.toFixed(1)} processed a second), latency p99 ${await attr(page, 'latency-p99')} ms`);
  expect(Math.abs(got.entryIn - 6), `entry in ${got.entryIn}`).toBeLessThanOrEqual(1);
  expect(got.entryOut, 'entry out').toBeLessThanOrEqual(1);
  expect(got.exitIn, 'exit in').toBeLessThanOrEqual(1);
  expect(Math.abs(got.exitOut - 6), `exit out ${got.exitOut}`).toBeLessThanOrEqual(1);
});
