// Setup without friction (issue 15): on a browser where a staff admin is
// logged in, the kiosk's setup mode uses that session (the admin token
// stays for scripts), and saving keeps each line's side.
import { test, expect, admin, createKiosk, unique } from './fixtures';

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
