// Reviewer tokens on the admin page: made with an expiry, shown once,
// assigned to an exam, and revoked, after which the token is refused.
// A reviewer sees only the exams assigned to them.
import { expect, test } from '@playwright/test';
import { adminToken } from './env';
import { bearer, createExam } from './exam-api';

test('an admin makes, assigns and revokes a reviewer token', async ({ page, request }) => {
  const name = `e2e-tokens-${Date.now()}`;
  const password = 'correct horse battery staple';
  expect((await request.post('/api/v1/users', {
    headers: { Authorization: `Bearer ${adminToken}` }, data: { name, role: 'admin', password },
  })).status()).toBe(201);
  const mine = await createExam(request, []);
  const other = await createExam(request, []);

  await page.goto('/login?next=/admin');
  await page.fill('#name', name);
  await page.fill('#password', password);
  await page.click('#login button');
  await expect(page).toHaveURL(/\/admin/);
  await page.click('#nav a[data-section=reviewers]');
  await expect(page).toHaveURL(/\/admin\/reviewers$/);

  const reviewer = `e2e-committee-${Date.now()}`;
  await page.fill('#r-name', reviewer);
  await page.fill('#r-days', '7');
  await page.click('#reviewer-create button');
  await expect(page.locator('#r-token')).toContainText(reviewer);
  const token = ((await page.locator('#r-token').textContent()) || '').split(': ').pop()!.trim();
  expect(token).toMatch(/^[0-9a-f]{32}$/);
  const row = page.locator(`#reviewers-table tr[data-name="${reviewer}"]`);
  await expect(row).toContainText('valid until');
  const { reviewers } = await (await request.get('/api/v1/reviewers', { headers: bearer(adminToken) })).json();
  const made = reviewers.find((r: { name: string }) => r.name === reviewer);
  expect(Date.parse(made.expires) - Date.parse(made.created)).toBe(7 * 24 * 3600_000);

  // Unassigned, the token reviews nothing.
  const exams = async () => (await (await request.get('/api/v1/review/exams', { headers: bearer(token) })).json()).map((e: { id: string }) => e.id);
  expect(await exams()).toEqual([]);

  const assign = page.locator(`#assignments-table tr[data-exam="${mine.id}"]`);
  await assign.locator('label', { hasText: `${reviewer} (token)` }).locator('input').check();
  await assign.locator('button').click();
  await expect(assign.locator('output.result')).toContainText('saved'); // beside its button
  expect(await exams()).toEqual([mine.id]);
  expect((await request.get(`/api/v1/review/exams/${other.id}/sessions`, { headers: bearer(token) })).status()).toBe(404);

  page.once('dialog', (d) => d.accept());
  await row.locator('button', { hasText: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
  expect((await request.get('/api/v1/review/exams', { headers: bearer(token) })).status()).toBe(401);
});
