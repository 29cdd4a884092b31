// /transparency and the integrity-checked wasm: the page shows the builds
// the server serves, and a kiosk or exam page whose wasm was changed on the
// way shows an error and never runs it.
import crypto from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

// tamper changes one byte of every wasm named like NAME.HASH8.wasm on its
// way to the page; the rest of the response is left as served.
async function tamper(page: Page, name: string, flip = true) {
  await page.route(new RegExp(`/assets/${name}\\.[0-9a-f]{8}\\.wasm$`), async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    if (flip) body[body.length >> 1] ^= 1;
    await route.fulfill({ response: res, body, headers: { ...res.headers(), 'content-encoding': '' } });
  });
}

const goRan = (page: Page) => page.evaluate(() => typeof (globalThis as any).lokaalGo !== 'undefined');

test('the transparency page shows the served builds, in English and Dutch', async ({ page, request }) => {
  const facts = await (await request.get('/api/v1/transparency')).json();
  for (const file of ['kiosk.wasm', 'exam.wasm']) {
    const served = Buffer.from(await (await request.get(`/assets/${file}`)).body());
    expect(facts.builds.served[file], `${file} as served`).toBe(sha256(served));
    expect(facts.builds.allowed).toContain(sha256(served));
  }
  await page.addInitScript(() => localStorage.setItem('lokaal-lang', 'en'));
  await page.goto('/transparency');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('[data-file="kiosk.wasm"]')).toHaveText(facts.builds.served['kiosk.wasm']);
  await expect(page.locator('[data-file="exam.wasm"]')).toHaveText(facts.builds.served['exam.wasm']);
  await expect(page.locator('#go-version')).toHaveText(facts.go_version);
  await expect(page.locator('#cmd-compare')).toContainText(`bin/lokaal verify-build http://127.0.0.1:`);
  await expect(page.locator('#receipt-key')).toHaveText(facts.receipt_key);
  await expect(page.locator('#detectors tr[data-kind=speech]')).toContainText('Speech');
  await expect(page.locator('#retention')).toContainText(`${facts.retention.session_days} days after the exam window ends`);
  await page.click('#lang');
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  await expect(page.locator('#detectors tr[data-kind=speech]')).toContainText('Spraak');
  await expect(page.locator('#retention')).toContainText(`${facts.retention.session_days} dagen na het einde van het tentamenvenster`);
});

test('the kiosk runs its wasm when intact and refuses it when one byte changed', async ({ page, request }) => {
  const served = Buffer.from(await (await request.get('/assets/kiosk.wasm')).body());
  await tamper(page, 'kiosk', false);
  await page.goto('/kiosk');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'not-enrolled');
  expect(await goRan(page)).toBe(true);
  // The build batches carry is the hash of the bytes instantiated.
  await expect(page.locator('body')).toHaveAttribute('data-build', sha256(served));

  await page.unrouteAll();
  await tamper(page, 'kiosk');
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-state', 'error');
  await expect(page.locator('#message')).toContainText('The kiosk stopped');
  expect(await goRan(page), 'the changed wasm never ran').toBe(false);
});

test('the exam page runs its wasm when intact and refuses it when one byte changed', async ({ page }) => {
  await tamper(page, 'exam', false);
  await page.goto('/exam'); // no access link: Go itself says so
  await expect(page.locator('body')).not.toHaveAttribute('data-step', 'loading');
  expect(await goRan(page)).toBe(true);

  await page.unrouteAll();
  await tamper(page, 'exam');
  await page.reload();
  await expect(page.locator('#step')).toContainText('The exam page could not start');
  expect(await goRan(page), 'the changed wasm never ran').toBe(false);
  await expect(page.locator('body')).toHaveAttribute('data-step', 'loading');
});
