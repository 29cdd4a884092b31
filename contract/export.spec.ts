// The counts export (JSON and CSV) has the same content on both targets:
// the same batches posted to each give the same rows, kiosk ids aside
// (each target makes its own).
import { expect, test } from '@playwright/test';
import { nativeURL, workerURL } from './env';
import { counts, Device, hour, hoursAgo, type Target, unique } from './lib';

async function scenario(t: Target, room: string, t0: number) {
  const d = await Device.enrolled(t, room, t0);
  const batches = [
    d.batch(1, t0 + 5 * 60_000, [{ line: 'entry', in: 7, out: 2 }, { line: 'exit', in: 1, out: 4 }]),
    d.batch(2, t0 + 50 * 60_000, [{ line: 'entry', in: 3, out: 0 }]),
    d.batch(3, t0 + 70 * 60_000, [{ line: 'entry', in: 0, out: 6 }, { line: 'exit', in: 2, out: 2 }]),
    d.batch(4, t0 + 3 * hour, [{ line: 'exit', in: 1, out: 1 }]),
  ];
  for (const b of batches) expect((await d.post(d.sign(b))).status).toBe(201);
  return d.kiosk;
}

test('the counts export, JSON and CSV, is the same on both targets', async ({ request, baseURL }) => {
  test.skip(baseURL === nativeURL, 'compares the Worker with the native server');
  const room = unique('export');
  const t0 = hoursAgo(2) - 2 * 24 * hour;
  const targets = [{ request, base: nativeURL }, { request, base: workerURL }];
  const ids = await Promise.all(targets.map((t) => scenario(t, room, t0)));
  const from = t0 - hour, to = t0 + 5 * hour;
  const [jn, jw] = await Promise.all(targets.map((t) => counts(t, room, from, to)));
  const [cn, cw] = await Promise.all(targets.map((t) => counts(t, room, from, to, 'csv')));
  const norm = (s: string, id: string) => s.split(id).join('KIOSK');
  expect(jn.rows.length, 'the native export has rows').toBeGreaterThan(0);
  expect(norm(JSON.stringify(jw), ids[1])).toBe(norm(JSON.stringify(jn), ids[0]));
  expect(norm(cw, ids[1])).toBe(norm(cn, ids[0]));
  expect(jn.occupancy.map((o: { in: number; out: number }) => [o.in, o.out])).toContainEqual([10, 2]);
});
