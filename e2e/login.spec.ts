// Staff login in a real browser: the session cookie is HttpOnly and
// SameSite=Strict, the admin page works with it (a state change carries the
// CSRF token), and logging out ends the session.
import { expect, test } from '@playwright/test';
import { adminToken } from './env';

test('an admin logs in, adds a reviewer account, and logs out', async ({ page, request, context }) => {
  const name = `e2e-admin-${Date.now()}`;
  const password = 'correct horse battery staple';
  const made = await request.post('/api/v1/users', {
    headers: { Authorization: `Bearer ${adminToken}` },
    data: { name, role: 'admin', password },
  });
  expect(made.status()).toBe(201);

  await page.goto('/admin');
  await expect(page).toHaveURL(/\/login/); // no session yet
  await page.fill('#name', name);
  await page.fill('#password', 'wrong password entirely');
  await page.click('#login button');
  await expect(page.locator('#status')).toHaveClass(/error/);
  await page.fill('#password', password);
  await page.click('#login button');
  await expect(page).toHaveURL(/\/admin/);
  await expect(page.locator('#whoami')).toHaveText(`${name} (admin)`);

  const cookie = (await context.cookies()).find((c) => c.name === 'lokaal_session');
  expect(cookie, 'session cookie').toBeTruthy();
  expect(cookie!.httpOnly).toBe(true);
  expect(cookie!.sameSite).toBe('Strict');
  expect(await page.evaluate(() => document.cookie)).not.toContain('lokaal_session');

  // A state change through the page: the admin page sends X-CSRF-Token.
  const reviewer = `e2e-reviewer-${Date.now()}`;
  await page.fill('#u-name', reviewer);
  await page.selectOption('#u-role', 'reviewer');
  await page.fill('#u-password', 'another long passphrase');
  await page.click('#user-create button');
  await expect(page.locator(`#users-table tr[data-name="${reviewer}"]`)).toContainText('reviewer');

  // The same change without the token is refused, though the cookie rides along.
  const forged = await page.evaluate(async () => (await fetch('/api/v1/users', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'forged-user', role: 'admin', password: 'forged password 123' }),
  })).status);
  expect(forged).toBe(403);

  await page.click('#signout');
  await expect(page).toHaveURL(/\/login/);
  const after = await page.evaluate(async () => (await fetch('/api/v1/me', { credentials: 'same-origin' })).status);
  expect(after).toBe(401);
});
