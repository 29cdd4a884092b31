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
  // Every client file (the wasm and the exam's models) is named with the
  // SHA-256 of the bytes served.
  for (const file of Object.keys(facts.builds.served)) {
    const served = Buffer.from(await (await request.get(`/assets/${file}`)).body());
    expect(facts.builds.served[file], `${file} as served`).toBe(sha256(served));
  }
  expect(Object.keys(facts.builds.served)).toEqual(expect.arrayContaining(['kiosk.wasm', 'exam.wasm']));
  expect(facts.builds.allowed).toContain(facts.builds.served['kiosk.wasm']);
  // The exam build is the SHA-256 of the manifest of exam.wasm and the
  // models, and only that is accepted: exam.wasm alone is not a build.
  const examFiles = Object.keys(facts.builds.served).filter((f) => f !== 'kiosk.wasm').sort();
  expect(examFiles.length, 'the exam runs at least one model').toBeGreaterThan(1);
  const manifest = examFiles.map((f) => `${f} ${facts.builds.served[f]}\n`).join('');
  expect(facts.builds.manifest).toBe(manifest);
  expect(facts.builds.exam).toBe(sha256(Buffer.from(manifest)));
  expect(facts.builds.allowed).toContain(facts.builds.exam);
  expect(facts.builds.allowed).not.toContain(facts.builds.served['exam.wasm']);
  for (const m of facts.builds.models) {
    expect(m.sha256).toBe(facts.builds.served[m.file]);
    expect(m.package && m.version && m.license && m.what.en && m.what.nl, `${m.file} names its source`).toBeTruthy();
  }
  await page.addInitScript(() => localStorage.setItem('lokaal-lang', 'en'));
  await page.goto('/transparency');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('[data-file="kiosk.wasm"]')).toHaveText(facts.builds.served['kiosk.wasm']);
  await expect(page.locator('[data-file="exam.wasm"]')).toHaveText(facts.builds.served['exam.wasm']);
  await expect(page.locator('#go-version')).toHaveText(facts.go_version);
  await expect(page.locator('#client-toolchain')).toHaveText(/^GOTOOLCHAIN=go\d/);
  await expect(page.locator('#exam-build')).toHaveText(facts.builds.exam);
  for (const m of facts.builds.models) {
    await expect(page.locator(`#models tr[data-model="${m.file}"]`)).toContainText(m.license);
    await expect(page.locator(`#models tr[data-model="${m.file}"]`)).toContainText(`${m.package} ${m.version}`);
  }
  await expect(page.locator('#cmd-compare')).toContainText(`bin/lokaal verify-build http://127.0.0.1:`);
  await expect(page.locator('#receipt-key')).toHaveText(facts.receipt_key);
  await expect(page.locator('#detectors tr[data-kind=speech]')).toContainText('Speech');
  await expect(page.locator('#retention')).toContainText(`${facts.retention.session_days} days after the exam window ends`);
  await expect(page.locator('#retention')).toContainText(`granted at once from ${facts.retention.review_days} days after the exam window ends`);
  await page.click('#lang');
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  await expect(page.locator('#detectors tr[data-kind=speech]')).toContainText('Spraak');
  await expect(page.locator('#retention')).toContainText(`${facts.retention.session_days} dagen na het einde van het tentamenvenster`);
  await expect(page.locator('#retention')).toContainText(`meteen toegekend vanaf ${facts.retention.review_days} dagen na het einde`);
});

test('the kiosk runs its wasm when intact and refuses it when one byte changed', async ({ page, request }) => {
  const served = Buffer.from(await (await request.get('/assets/kiosk.wasm')).body());
  await tamper(page, 'kiosk', false);
  await page.goto('/kiosk');
  // Compiling a few MB of wasm takes seconds on a loaded machine.
  await expect(page.locator('body')).toHaveAttribute('data-state', 'not-enrolled', { timeout: 30_000 });
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

test('the exam page runs its wasm when intact and refuses it when one byte changed', async ({ page, request }) => {
  const facts = await (await request.get('/api/v1/transparency')).json();
  await tamper(page, 'exam', false);
  await page.goto('/exam'); // no access link: Go itself says so
  await expect(page.locator('body')).not.toHaveAttribute('data-step', 'loading', { timeout: 30_000 });
  expect(await goRan(page)).toBe(true);
  // The build summaries carry covers the wasm instantiated and the models.
  await expect(page.locator('body')).toHaveAttribute('data-build', facts.builds.exam);

  await page.unrouteAll();
  await tamper(page, 'exam');
  await page.reload();
  await expect(page.locator('#step')).toContainText('The exam page could not start');
  expect(await goRan(page), 'the changed wasm never ran').toBe(false);
  await expect(page.locator('body')).toHaveAttribute('data-step', 'loading');
});
