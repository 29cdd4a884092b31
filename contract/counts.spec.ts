// Enrolment and signed count batches, exactly once, on both targets.
import { expect, test } from '@playwright/test';
import { counts, Device, hour, hoursAgo, unique } from './lib';

test('an enrolled device posts signed batches: stored once, a resend is a duplicate', async ({ request }) => {
  const room = unique('room');
  const t0 = hoursAgo(1);
  const d = await Device.enrolled({ request, base: '' }, room, t0);
  const b1 = d.batch(1, t0, [{ line: 'entry', in: 3, out: 1 }, { line: 'exit', in: 0, out: 2 }]);
  expect(await d.post(d.sign(b1))).toEqual({ status: 201, body: { status: 'stored', seq: 1 } });
  expect(await d.post(d.sign(b1)), 'the same batch again').toEqual({ status: 200, body: { status: 'duplicate', seq: 1 } });
  const b2 = d.batch(2, t0 + 60_000, [{ line: 'entry', in: 1, out: 0 }]);
  expect(await d.post(d.sign(b2))).toEqual({ status: 201, body: { status: 'stored', seq: 2 } });
  expect(await d.post(d.sign(b1)), 'an older resend after a newer batch').toEqual({ status: 200, body: { status: 'duplicate', seq: 1 } });

  const got = await counts({ request, base: '' }, room, t0, t0 + hour);
  const sum = (line: string) => got.rows.filter((r: { line: string }) => r.line === line)
    .reduce((a: number[], r: { in: number; out: number }) => [a[0] + r.in, a[1] + r.out], [0, 0]);
  expect(sum('entry'), 'entry counted once per batch').toEqual([4, 1]);
  expect(sum('exit')).toEqual([0, 2]);
});

test('concurrent resends of the same batch: exactly one is stored', async ({ request }) => {
  const room = unique('room');
  const t0 = hoursAgo(2);
  const d = await Device.enrolled({ request, base: '' }, room, t0);
  const n = 8;
  for (let seq = 1; seq <= n; seq++) {
    const body = d.sign(d.batch(seq, t0 + seq * 60_000, [{ line: 'entry', in: 1, out: 0 }]));
    const both = await Promise.all([d.post(body), d.post(body)]);
    const answers = both.map((r) => `${r.status} ${r.body.status}`).sort();
    expect(answers, `seq ${seq}: ${JSON.stringify(both)}`).toEqual(['200 duplicate', '201 stored']);
  }
  // Four at once, each a different seq, then each again: all stored once.
  const more = [n + 1, n + 2, n + 3, n + 4].map((seq) => d.sign(d.batch(seq, t0 + seq * 60_000, [{ line: 'entry', in: 1, out: 0 }])));
  const first = await Promise.all([...more, ...more].map((b) => d.post(b)));
  expect(first.filter((r) => r.status === 201).length, JSON.stringify(first)).toBe(4);
  expect(first.filter((r) => r.status === 200).length, JSON.stringify(first)).toBe(4);

  const got = await counts({ request, base: '' }, room, t0, t0 + hour);
  const entryIn = got.rows.filter((r: { line: string }) => r.line === 'entry').reduce((a: number, r: { in: number }) => a + r.in, 0);
  expect(entryIn, 'each batch counted exactly once').toBe(n + 4);
});

test('batches from the future or from before the device was enrolled are refused, an offline backlog is not', async ({ request }) => {
  const t = { request, base: '' };
  const since = hoursAgo(30);
  const d = await Device.enrolled(t, unique('clock'), since);
  const refused = { status: 422, code: 'outside_window' };
  const post = async (seq: number, start: number) => {
    const r = await d.post(d.sign(d.batch(seq, start, [{ line: 'entry', in: 1, out: 0 }])));
    return { status: r.status, code: r.body.code };
  };
  expect(await post(1, Date.UTC(2099, 0, 1)), 'dated 2099').toEqual(refused);
  expect(await post(1, Date.now() + 5 * 60_000), 'ending 6 minutes ahead').toEqual(refused);
  expect(await post(1, Date.UTC(2020, 0, 1)), 'dated 2020').toEqual(refused);
  expect(await post(1, since - 6 * 60_000), 'before the enrolment').toEqual(refused);
  expect((await post(1, since + hour)).status, 'a backlog from 29 days ago, the kiosk offline since').toBe(201);
  expect((await post(2, Date.now() - 60_000)).status, 'the minute just past').toBe(201);
});
