// Checks every target must pass alike. Each test runs once per project
// (contract-native, contract-worker) against its baseURL; a parity test
// compares the worker's answer with the native server's byte for byte.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { nativeURL, workerControlURL, workerURL } from './env';

const openapi = readFileSync(join(__dirname, '..', 'server', 'httpapi', 'openapi.json'));

test('GET /healthz answers ok', async ({ request }) => {
  const res = await request.get('/healthz');
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toContain('application/json');
  expect(await res.json()).toEqual({ status: 'ok' });
});

test('GET /api/openapi.json is the committed document', async ({ request }) => {
  const res = await request.get('/api/openapi.json');
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/json');
  expect(Buffer.compare(await res.body(), openapi)).toBe(0);
});

test('the same answers and security headers as the native server', async ({ request, baseURL }) => {
  test.skip(baseURL === nativeURL, 'compares another target with the native server');
  const headers = ['content-type', 'content-security-policy', 'permissions-policy', 'x-content-type-options',
    'referrer-policy', 'cross-origin-opener-policy', 'cache-control'];
  for (const path of ['/healthz', '/api/openapi.json', '/', '/kiosk', '/exam', '/admin', '/review', '/login', '/rights', '/transparency', '/sample-exam']) {
    const [got, want] = await Promise.all([request.get(path), request.get(nativeURL + path)]);
    expect(got.status(), path).toBe(want.status());
    expect(Buffer.compare(await got.body(), await want.body()), `${path} body`).toBe(0);
    for (const h of headers) {
      expect(got.headers()[h], `${path} ${h}`).toBe(want.headers()[h]);
    }
  }
});

// The cron path: Cloudflare's trigger runs the Worker's scheduled handler
// (retention, once wired). bin/lokaal runs retention in-process instead.
test('the cron trigger runs the scheduled handler', async ({ request, baseURL }) => {
  test.skip(baseURL !== workerURL, 'the Worker only');
  const res = await request.post(`${workerControlURL}/scheduled?cron=${encodeURIComponent('17 3 * * *')}`);
  expect(res.status(), await res.text()).toBe(200);
  expect((await res.json()).outcome).toBe('ok');
});

// The Worker accepts the builds the native server serves: make worker links
// the hashes of the files it publishes. A kiosk's build is its kiosk.wasm;
// an exam's is the manifest of exam.wasm and its models (builds.exam).
test('the same client builds are allowed on both targets', async ({ request, baseURL }) => {
  test.skip(baseURL === nativeURL, 'compares the Worker with the native server');
  const [got, want] = await Promise.all([request.get('/api/v1/transparency'), request.get(`${nativeURL}/api/v1/transparency`)]);
  expect(got.status()).toBe(200);
  expect(want.status()).toBe(200);
  const [w, n] = [await got.json(), await want.json()];
  expect(w.builds.allowed).toEqual(n.builds.allowed);
  expect(n.builds.exam, 'the exam build').toMatch(/^[0-9a-f]{64}$/);
  expect(n.builds.allowed).toEqual(expect.arrayContaining([n.builds.served['kiosk.wasm'], n.builds.exam]));
  expect(n.builds.allowed, 'exam.wasm alone is not an exam build').not.toContain(n.builds.served['exam.wasm']);
});
