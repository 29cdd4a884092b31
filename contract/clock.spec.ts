// The one clock and the 404s, alike on both targets.
import { expect, test } from '@playwright/test';
import { adminToken } from './env';

test('GET /api/v1/clock names the server\'s zone (UTC on both targets here) and its time', async ({ request }) => {
  const before = Date.now();
  const res = await request.get('/api/v1/clock');
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.time_zone).toBe('UTC');
  expect(body.now).toBeGreaterThanOrEqual(before - 60_000);
  expect(body.now).toBeLessThanOrEqual(Date.now() + 60_000);
});

test('an unknown page is an HTML 404, an unknown API path a JSON not_found', async ({ request }) => {
  const page = await request.get('/no/such/page');
  expect(page.status()).toBe(404);
  expect(page.headers()['content-type']).toMatch(/^text\/html/);
  expect(await page.text()).toContain('Page not found');
  const api = await request.get('/api/v1/no-such-route');
  expect(api.status()).toBe(404);
  expect(api.headers()['content-type']).toBe('application/json');
  expect(await api.json()).toMatchObject({ code: 'not_found' });
});

test('a date alone is refused in words naming the format; an announcement later than today is refused', async ({ request }) => {
  const headers = { Authorization: `Bearer ${adminToken}` };
  const day = 24 * 3600_000;
  const exam = (announced: unknown) => ({
    name: 'clock check', course: 'C101', start: new Date(Date.now() + 20 * day).toISOString(), end: new Date(Date.now() + 20 * day + 3600_000).toISOString(),
    announced, legal_basis: 'x', alternatives_considered: 'y', url: '/sample-exam', detectors: [{ kind: 'focus_lost' }],
  });
  let res = await request.post('/api/v1/exams', { headers, data: exam('2026-06-01') });
  expect(res.status()).toBe(400);
  const msg = (await res.json()).message as string;
  expect(msg).toContain('RFC 3339');
  expect(msg).not.toContain('cannot parse');
  res = await request.post('/api/v1/exams', { headers, data: exam(new Date(Date.now() + 2 * day).toISOString()) });
  expect(res.status()).toBe(400);
  expect((await res.json()).message).toContain('later than today');
});
