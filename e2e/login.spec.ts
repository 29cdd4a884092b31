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
  await page.click('#nav a[data-section=staff]');
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

// ?next= is followed only to a page of this origin, after a login and when
// already logged in (no click needed). The bad values would each pass a
// prefix check on the raw string: the URL parser drops tabs and newlines
// and reads a backslash as a slash.
test('login ?next= never leaves the origin', async ({ page, request, baseURL }) => {
  const name = `e2e-next-${Date.now()}`;
  const password = 'correct horse battery staple';
  expect((await request.post('/api/v1/users', {
    headers: { Authorization: `Bearer ${adminToken}` }, data: { name, role: 'admin', password },
  })).status()).toBe(201);
  const origin = new URL(baseURL!).origin;
  const elsewhere: string[] = [];
  page.on('request', (r) => { if (new URL(r.url()).origin !== origin) elsewhere.push(r.url()); });
  await page.route((u) => u.origin !== origin, (route) => route.abort());

  const bad = ['/\t/evil.example/x', '/\n/evil.example/x', '//evil.example/x', '/\\evil.example/x',
    '/%5Cevil.example/x', '/\\/evil.example', '/\t\\evil.example', '\\\\evil.example', 'javascript:alert(1)', 'https://evil.example/'];
  // A login that goes on to a bad next lands on the admin page.
  await page.goto(`/login?next=${encodeURIComponent(bad[0])}`);
  await page.fill('#name', name);
  await page.fill('#password', password);
  await page.click('#login button');
  await expect(page).toHaveURL(`${origin}/admin`);
  // Already logged in: the page goes on at once, and never off the origin
  // (an encoded backslash is a path of this origin, and stays one).
  for (const n of bad) {
    await page.goto(`/login?next=${encodeURIComponent(n)}`);
    await page.waitForURL((u) => u.pathname !== '/login');
    expect(new URL(page.url()).origin, n).toBe(origin);
  }
  // A good one is kept, query and fragment too.
  await page.goto(`/login?next=${encodeURIComponent('/review?exam=x#s')}`);
  await expect(page).toHaveURL(`${origin}/review?exam=x#s`);
  expect(elsewhere).toEqual([]);
});
