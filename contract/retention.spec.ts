// Retention through the cron path: batches past the count period (400
// days by default) are rolled up into hourly totals. On the Worker the
// cron trigger runs the engine (dev.mjs --control calls the scheduled
// handler as Cloudflare's trigger would); natively the same engine runs on
// POST /api/v1/retention/run. Then the deletion record and the rolled-up
// counts agree, and a resend of a rolled-up batch is refused.
//
// Ingest refuses batches from before their device was enrolled: the
// 401-day-old batches come from a device recorded as enrolled before them
// (Device.enrolled's since, set by the harness in the target's database).
import { expect, test } from '@playwright/test';
import { nativeURL, workerControlURL } from './env';
import { admin, counts, Device, hour, hoursAgo, unique } from './lib';

// One run at a time per target: the record checked is the latest.
test.describe.configure({ mode: 'serial' });

test('count batches 401 days old are rolled up by the scheduled run, counted once', async ({ request, baseURL }) => {
  const t = { request, base: '' };
  const room = unique('old');
  const t0 = hoursAgo(401);
  const d = await Device.enrolled(t, room, t0 - hour); // counting since before then
  const batches = [
    d.batch(1, t0, [{ line: 'entry', in: 4, out: 1 }, { line: 'exit', in: 0, out: 3 }]),
    d.batch(2, t0 + 20 * 60_000, [{ line: 'entry', in: 2, out: 2 }]),
    d.batch(3, t0 + 40 * 60_000, [{ line: 'entry', in: 1, out: 0 }, { line: 'exit', in: 1, out: 0 }]),
  ];
  for (const b of batches) expect((await d.post(d.sign(b))).status).toBe(201);
  const before = await counts(t, room, t0, t0 + hour);

  let trigger: string;
  if (baseURL === nativeURL) {
    const res = await request.post('/api/v1/retention/run', { headers: admin });
    expect(res.status(), await res.text()).toBe(200);
    trigger = 'manual';
  } else {
    const res = await request.post(`${workerControlURL}/scheduled?cron=${encodeURIComponent('17 3 * * *')}`);
    expect(res.status(), await res.text()).toBe(200);
    expect((await res.json()).outcome).toBe('ok');
    trigger = 'cron';
  }

  const res = await request.get('/api/v1/retention', { headers: admin });
  expect(res.status()).toBe(200);
  const { policy, records } = await res.json();
  expect(policy.count_days).toBe(400);
  const rec = records[0];
  expect(rec.trigger).toBe(trigger);
  expect(Date.now() - Date.parse(rec.at), 'the latest record is this run').toBeLessThan(60_000);
  expect(rec.deleted).toMatchObject({ count_batches: 3, hourly_rows: 2 });

  const after = await counts(t, room, t0, t0 + hour);
  expect(after, 'the hourly totals are what the batches held').toEqual(before);
  expect(after.rows.map((r: { line: string; in: number; out: number }) => [r.line, r.in, r.out])).toEqual([['entry', 7, 3], ['exit', 1, 3]]);

  const again = await d.post(d.sign(batches[1]));
  expect({ status: again.status, code: again.body.code }, 'a resend of a rolled-up batch').toEqual({ status: 409, code: 'rolled_up' });
});
