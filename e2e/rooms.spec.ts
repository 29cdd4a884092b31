// Rooms as facilities managers run them (issue 15): a room with two kiosks
// at two doors, and a room whose kiosk has separate entry and exit lines.
// Devices here are node:crypto keys signing batches exactly as a kiosk
// does (the counting itself is kiosk.spec.ts's); the occupancy is checked
// in the export, on the dashboard in Chromium and on the capacity display.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { type APIRequestContext, type Page } from '@playwright/test';
import { batchBytes, rawPublicKey, signature } from '../testkit/wire';
import { test, expect, admin, unique, zoned } from './fixtures';

// The e2e server accepts this build (playwright.config.ts's --allow-build).
const build = crypto.createHash('sha256').update('e2e node proctor').digest('hex');
const minute = 60_000;

const line = (name: string, a: number[], b: number[], inside: string) => ({ name, a, b, mode: 'immediate', inside });

class Device {
  keys = crypto.generateKeyPairSync('ed25519');
  id = '';
  kiosk = '';
  seq = 0;
  constructor(private request: APIRequestContext) {}

  static async enrolled(request: APIRequestContext, name: string, room: string, lines: unknown[]) {
    const res = await request.post('/api/v1/kiosks', { headers: admin, data: { name, room, interval_s: 60, lines } });
    expect(res.status(), await res.text()).toBe(201);
    const k = await res.json();
    const d = new Device(request);
    d.kiosk = k.kiosk.id;
    const enrol = await request.post('/api/v1/enrol', { data: { code: k.enrolment_code, public_key: rawPublicKey(d.keys.publicKey) } });
    expect(enrol.status(), await enrol.text()).toBe(201);
    d.id = (await enrol.json()).device;
    return d;
  }

  // count posts one signed batch of the minute before now.
  async count(lines: { line: string; in: number; out: number }[]) {
    const start = Math.floor(Date.now() / minute) * minute - 2 * minute;
    const batch = { device: this.id, seq: ++this.seq, build, start, end: start + minute, lines };
    const sig = signature(batchBytes(batch), this.keys.privateKey);
    const res = await this.request.post('/api/v1/counts', { data: { batch, sig } });
    expect(res.status(), await res.text()).toBe(201);
  }
}

// The room's reset, two hours ago on the server's clock (this machine's
// zone), so the batches of the last minutes are all in today's count.
async function setRoom(request: APIRequestContext, room: string, capacity: number) {
  const res = await request.put(`/api/v1/rooms/${encodeURIComponent(room)}`, {
    headers: admin, data: { capacity, reset: zoned(new Date(Date.now() - 2 * 3600_000)).hhmm },
  });
  expect(res.status(), await res.text()).toBe(200);
}

// exported is today's export of room by the quarter, up to to (Unix ms)
// when given.
async function exported(request: APIRequestContext, room: string, to?: number) {
  const res = await request.get(`/api/v1/counts?room=${encodeURIComponent(room)}&bucket=15m${to ? `&to=${to}` : ''}`, { headers: admin });
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
}

async function logIn(page: Page) {
  const name = unique('rooms-admin');
  const password = 'correct horse battery staple';
  const made = await page.request.post('/api/v1/users', { headers: admin, data: { name, role: 'admin', password } });
  expect(made.status()).toBe(201);
  await page.goto('/login?next=/dashboard');
  await page.fill('#name', name);
  await page.fill('#password', password);
  await page.click('#login button');
  await expect(page).toHaveURL(/:\d+\/dashboard$/);
  await expect(page.locator('#whoami')).toHaveText(`${name} (admin)`);
}

test('two kiosks in one room and separate entry and exit lines: export, dashboard and display agree', async ({ page, browser }) => {
  const hall = unique('hall'), studio = unique('studio');
  // The hall: a front kiosk whose room is left of its line, a back kiosk
  // whose room is right of its line, and a pass-through corridor counter.
  const front = await Device.enrolled(page.request, 'Front', hall, [line('door', [0, 0.725], [1, 0.725], 'left'), line('corridor', [0, 0.2], [1, 0.2], 'none')]);
  const back = await Device.enrolled(page.request, 'Back', hall, [line('door', [0, 0.5], [1, 0.5], 'right')]);
  // The studio: the shared clip's scene, entry across the bottom, exit to the right.
  const cam = await Device.enrolled(page.request, 'Camera', studio, [line('entry', [0, 0.725], [1, 0.725], 'left'), line('exit', [0.78, 0.875], [0.78, 0.125], 'left')]);
  await setRoom(page.request, hall, 10);
  await setRoom(page.request, studio, 0);

  await front.count([{ line: 'door', in: 6, out: 1 }, { line: 'corridor', in: 20, out: 20 }]);
  await back.count([{ line: 'door', in: 0, out: 2 }]); // 2 entered at the back
  await cam.count([{ line: 'entry', in: 13, out: 0 }, { line: 'exit', in: 0, out: 12 }]);

  // The export: every line adds, by its side; the corridor adds nothing.
  const now = (e: { occupancy: { occupancy: number | null }[] }) => e.occupancy.filter((o) => o.occupancy !== null).at(-1)!;
  // From today's start to an hour ahead (into tomorrow in the day's last
  // hour): the quarters that have not started have no occupancy.
  const eh = await exported(page.request, hall, Date.now() + 3600_000);
  expect(now(eh).occupancy, 'hall occupancy in the export').toBe(7);
  const future = eh.occupancy.filter((o: { start: string }) => Date.parse(o.start) > Date.now());
  expect(future.length, 'quarters in the hour ahead').toBeGreaterThanOrEqual(3);
  expect(future.map((o: { occupancy: number | null }) => o.occupancy), 'quarters not started').toEqual(future.map(() => null));
  expect(eh.rows.map((r: { line: string; inside: string }) => `${r.line}:${r.inside}`).sort()).toEqual(['corridor:none', 'door:left', 'door:right']);
  expect(now(await exported(page.request, studio)).occupancy, 'studio occupancy in the export: 13 in, 12 out').toBe(1);

  // The capacity display: public, no login, in a fresh context.
  const screen = await (await browser.newContext()).newPage();
  await screen.goto(`/display?room=${encodeURIComponent(hall)}`);
  await expect(screen.locator('#occupancy')).toHaveText('7');
  await expect(screen.locator('#capacity')).toHaveText(' / 10');
  await expect(screen.locator('body')).toHaveAttribute('data-level', 'green');
  // A batch shows within 5 s; 9 of 10 is amber, 10 red.
  await front.count([{ line: 'door', in: 2, out: 0 }]);
  await expect(screen.locator('#occupancy')).toHaveText('9', { timeout: 5000 });
  await expect(screen.locator('body')).toHaveAttribute('data-level', 'amber');
  await back.count([{ line: 'door', in: 0, out: 1 }]);
  await expect(screen.locator('#occupancy')).toHaveText('10', { timeout: 5000 });
  await expect(screen.locator('body')).toHaveAttribute('data-level', 'red');
  await expect(screen.locator('#word')).toHaveText('Full');

  // The dashboard: today by the quarter, then a two-day range by the hour
  // and by the day.
  await logIn(page);
  const card = page.locator(`section.room[data-room="${hall}"]`);
  await page.selectOption('#bucket', '15m');
  await page.click('#range button');
  await expect(card).toHaveAttribute('data-bucket', '15m');
  await expect(card.locator('.now')).toHaveAttribute('data-occupancy', '10');
  await expect(card.locator('.now'), 'no time still to come').toHaveText('10 / 10 inside now');
  await expect(page.locator(`section.room[data-room="${studio}"] .now`)).toHaveAttribute('data-occupancy', '1');
  await expect(card.locator('.line-view')).toHaveCount(3);
  await expect(card.locator('.line-view[data-line="corridor"] h3')).toContainText('passers-by only');
  // Today holds the reset of two hours ago: two counting days, the last
  // with the peak (unless the day began under two hours ago: then one).
  const days = zoned(new Date(Date.now() - 2 * 3600_000)).day === zoned(new Date()).day ? 2 : 1;
  await expect(card.locator('table.days tbody tr')).toHaveCount(days);
  await expect(card.locator('table.days tbody tr').last().locator('td.peak')).toHaveText('10');
  await expect(page.locator('#zone')).toContainText('Times in');

  // The occupancy chart's CSV: ISO 8601 times with offsets, the future empty.
  const clicked = Date.now();
  const [download] = await Promise.all([page.waitForEvent('download'), card.locator('.chart-head button.csv').first().click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
  expect(csv[0]).toBe('start,end,room,in,out,occupancy,peak');
  expect(csv.length, 'a row per quarter of the day (or 92 to 100 across DST)').toBeGreaterThanOrEqual(93);
  const started = csv.slice(1).filter((r) => !r.endsWith(',,'));
  expect(started.at(-1)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00([+-]\d\d:\d\d|Z),/);
  expect(started.at(-1)!.split(',').slice(-2)).toEqual(['10', '10']);
  // The day's last quarter is empty until it starts (then it holds now).
  const lastStart = Date.parse(csv.at(-1)!.split(',')[0]);
  if (lastStart > Date.now()) expect(csv.at(-1), 'the last quarter has not started: empty').toMatch(/,,$/);
  else if (lastStart <= clicked) expect(csv.at(-1), 'the last quarter has started: now').toMatch(/,10,10$/);

  const day = await page.inputValue('#from');
  const [y, m, d] = day.split('-').map(Number);
  const before = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
  await page.fill('#from', before);
  await page.selectOption('#bucket', '1h');
  await page.click('#range button');
  // The card is redrawn when the new range arrives: until then the old
  // one (by the quarter, with a heat map too) is still on the page.
  await expect(card).toHaveAttribute('data-bucket', '1h');
  await expect(card.locator('table.days tbody tr').last()).toHaveAttribute('data-day', /\d{4}-\d\d-\d\d/);
  await expect(card.locator('svg.heat-map')).toHaveCount(1);
  await expect(card.locator('.now')).toHaveAttribute('data-occupancy', '10');
  // 48 hourly slots (47 or 49 across DST): the chart's CSV has one row each.
  const [hourly] = await Promise.all([page.waitForEvent('download'), card.locator('.chart-head button.csv').first().click()]);
  const rows = fs.readFileSync((await hourly.path())!, 'utf8').trim().split('\r\n').length - 1;
  expect(rows).toBeGreaterThanOrEqual(47);
  expect(rows).toBeLessThanOrEqual(49);
  await page.selectOption('#bucket', '1d');
  await page.click('#range button');
  await expect(card.locator('svg.heat-map')).toHaveCount(0);
  await expect(card.locator('.now')).toHaveAttribute('data-occupancy', '10');

  // Capacity from the dashboard: 20 turns the display green again.
  const settings = page.locator(`#settings tr[data-room="${hall}"]`);
  await settings.locator('input[type=number]').fill('20');
  await settings.locator('button').click();
  await expect(page.locator('#status')).toContainText('capacity 20');
  await expect(screen.locator('body')).toHaveAttribute('data-level', 'green', { timeout: 5000 });
  await expect(screen.locator('#capacity')).toHaveText(' / 20');
});

test('the admin page takes three decimals and a side for each line', async ({ page }) => {
  await logIn(page);
  await page.goto('/admin/kiosks');
  const room = unique('decimals');
  await page.fill('#k-name', 'Three decimals');
  await page.fill('#k-room', room);
  const row = page.locator('#lines tr').first();
  await row.locator('input[type=number]').nth(1).fill('0.725');
  await row.locator('input[type=number]').nth(3).fill('0.725');
  await row.locator('select').nth(1).selectOption('right');
  await page.click('#create button.primary');
  await expect(page.locator('#create a.enrol-url')).toBeVisible();
  const res = await page.request.get('/api/v1/kiosks', { headers: admin });
  const k = (await res.json()).kiosks.find((k: { room: string }) => k.room === room);
  expect(k.lines[0]).toMatchObject({ a: [0, 0.725], b: [1, 0.725], inside: 'right' });
});
