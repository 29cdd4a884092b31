// The kiosk as facilities managers set it up (issue 15): on a browser where
// a staff admin is logged in, setup mode uses that session (the admin token
// stays for scripts) and saving keeps each line's side; with ?display=1 the
// screen also shows its room against capacity.
import crypto from 'node:crypto';
import { batchBytes, rawPublicKey, signature } from '../testkit/wire';
import { test, expect, admin, createKiosk, unique, zoned } from './fixtures';

test('setup mode uses a logged-in admin\'s session, and keeps the lines\' sides', async ({ page }) => {
  const name = unique('kiosk-admin');
  const password = 'correct horse battery staple';
  expect((await page.request.post('/api/v1/users', { headers: admin, data: { name, role: 'admin', password } })).status()).toBe(201);
  await page.goto('/login?next=/admin');
  await page.fill('#name', name);
  await page.fill('#password', password);
  await page.click('#login button');
  await expect(page.locator('#whoami')).toHaveText(`${name} (admin)`);

  const k = await createKiosk(page.request, unique('setup'), 60);
  await page.goto(k.enrol_url);
  await expect(page.locator('body')).toHaveAttribute('data-state', 'counting', { timeout: 30_000 });
  await page.click('#setup');
  await expect(page.locator('#banner')).toBeVisible();
  await expect(page.locator('#token-dialog')).not.toBeVisible();

  const saved = page.waitForResponse((r) => r.url().includes('/lines') && r.request().method() === 'PUT');
  await page.click('#save');
  const res = await saved;
  expect(res.status()).toBe(200);
  const headers = await res.request().allHeaders();
  expect(headers.authorization, 'no admin token: the session').toBeUndefined();
  expect(headers['x-csrf-token'], 'the session\'s CSRF token').toBeTruthy();
  expect(JSON.parse(res.request().postData()!).lines.map((l: { inside: string }) => l.inside), 'the kiosk sends its lines\' sides back').toEqual(['left', 'none']);
  const kiosks = (await (await page.request.get('/api/v1/kiosks', { headers: admin })).json()).kiosks;
  expect(kiosks.find((x: { id: string }) => x.id === k.kiosk.id).lines.map((l: { inside: string }) => l.inside)).toEqual(['left', 'none']);
  await page.click('#done');
  await expect(page.locator('#banner')).toBeHidden();
});

// The capacity display on the kiosk screen itself (/kiosk?display=1): the
// room's occupancy from every line of every kiosk in it, as /display shows
// it. A second device in the same room brings it over capacity.
test('a kiosk opened with ?display=1 shows its room against capacity, from every kiosk in the room', async ({ page }) => {
  const room = unique('door-display');
  const k = await createKiosk(page.request, room, 60);
  const { hhmm } = zoned(new Date(Date.now() - 2 * 3600_000));
  expect((await page.request.put(`/api/v1/rooms/${encodeURIComponent(room)}`, { headers: admin, data: { capacity: 40, reset: hhmm } })).status()).toBe(200);
  await page.goto(k.enrol_url.replace('/kiosk#', '/kiosk?display=1#'));
  await expect(page.locator('body')).toHaveAttribute('data-state', 'counting', { timeout: 30_000 });
  const shown = page.locator('#room-display');
  await expect(shown).toBeVisible();
  // This kiosk's own clip moves a few people at most: green, under 32 of 40.
  await expect(shown).toHaveAttribute('data-level', 'green', { timeout: 5000 });
  await expect(shown).toContainText(`${room}: `);
  await expect(shown).toContainText(' / 40 inside');

  // Another door of the same room: 50 in.
  const other = await page.request.post('/api/v1/kiosks', { headers: admin, data: { name: 'Back door', room, interval_s: 60, lines: [{ name: 'door', a: [0, 0.5], b: [1, 0.5], mode: 'immediate', inside: 'left' }] } });
  expect(other.status()).toBe(201);
  const keys = crypto.generateKeyPairSync('ed25519');
  const enrol = await page.request.post('/api/v1/enrol', { data: { code: (await other.json()).enrolment_code, public_key: rawPublicKey(keys.publicKey) } });
  expect(enrol.status()).toBe(201);
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000;
  const batch = { device: (await enrol.json()).device, seq: 1, build: crypto.createHash('sha256').update('e2e node proctor').digest('hex'), start, end: start + 60_000, lines: [{ line: 'door', in: 50, out: 0 }] };
  const sig = signature(batchBytes(batch), keys.privateKey);
  expect((await page.request.post('/api/v1/counts', { data: { batch, sig } })).status()).toBe(201);

  await expect(shown, 'within 5 s of the batch').toHaveAttribute('data-level', 'red', { timeout: 5000 });
  await expect(shown).toContainText('Full');
  const api = await (await page.request.get(`/api/v1/display?room=${encodeURIComponent(room)}`)).json();
  expect(Number(await shown.getAttribute('data-occupancy'))).toBeGreaterThanOrEqual(40);
  expect(api.occupancy).toBeGreaterThanOrEqual(40);
});
