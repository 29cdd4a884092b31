// Rooms (issue 15) on both targets: every line of every kiosk adds to a
// room's occupancy by its side, from zero at the room's daily reset, never
// below zero (the drift says how much was dropped); capacity and reset per
// room; the public capacity display. Both targets run in UTC.
import { expect, test } from '@playwright/test';
import { nativeURL, workerURL } from './env';
import { admin, Device, type LineCount, rawPublicKey, type Target, unique } from './lib';

const minute = 60_000;
const line = (name: string, y: number, inside?: string) => ({ name, a: [0, y], b: [1, y], mode: 'immediate', ...(inside ? { inside } : {}) });

async function kiosk(t: Target, room: string, lines: unknown[]) {
  const res = await t.request.post(`${t.base}/api/v1/kiosks`, { headers: admin, data: { name: `kiosk ${room}`, room, interval_s: 60, lines } });
  expect(res.status(), await res.text()).toBe(201);
  const k = await res.json();
  const d = new Device(t);
  d.kiosk = k.kiosk.id;
  const enrol = await t.request.post(`${t.base}/api/v1/enrol`, { data: { code: k.enrolment_code, public_key: rawPublicKey(d.keys.publicKey) } });
  expect(enrol.status(), await enrol.text()).toBe(201);
  d.id = (await enrol.json()).device;
  return { d, lines: k.kiosk.lines };
}

// The scenario: a front kiosk (entry and exit lines, room on the left of
// both, and a pass-through counter), a back kiosk whose room is on the
// right of its line. Batches of the last minutes, after a reset two hours
// ago; t0 is a minute start, the same on both targets. The devices are
// enrolled after t0 (seconds later on a loaded machine), and the server
// refuses a window that starts more than 5 minutes before its device's
// enrolment: the earliest batch starts 3 minutes before t0, under 4
// before the enrolment.
async function scenario(t: Target, room: string, t0: number) {
  const reset = new Date(t0 - 2 * 3600_000);
  const set = await t.request.put(`${t.base}/api/v1/rooms/${encodeURIComponent(room)}`, {
    headers: admin, data: { capacity: 12, reset: `${String(reset.getUTCHours()).padStart(2, '0')}:${String(reset.getUTCMinutes()).padStart(2, '0')}` },
  });
  expect(set.status(), await set.text()).toBe(200);
  const front = await kiosk(t, room, [line('entry', 0.725, 'left'), line('exit', 0.5, 'left'), line('hall', 0.2, 'none')]);
  const back = await kiosk(t, room, [line('door', 0.5, 'right')]);
  const post = async (d: Device, seq: number, start: number, counts: LineCount[]) =>
    expect((await d.post(d.sign(d.batch(seq, start, counts)))).status).toBe(201);
  await post(front.d, 1, t0 - 3 * minute, [{ line: 'entry', in: 0, out: 0 }, { line: 'exit', in: 0, out: 3 }]); // 3 out of an empty room: drift
  await post(front.d, 2, t0 - 2 * minute, [{ line: 'entry', in: 13, out: 0 }, { line: 'exit', in: 0, out: 12 }, { line: 'hall', in: 40, out: 2 }]);
  await post(back.d, 1, t0 - 2 * minute, [{ line: 'door', in: 1, out: 4 }]); // 4 entered, 1 left
  return { front, back };
}

const display = async (t: Target, room: string) => {
  const res = await t.request.get(`${t.base}/api/v1/display?room=${encodeURIComponent(room)}`);
  expect(res.status(), await res.text()).toBe(200);
  return res.json();
};

test('every line of every kiosk adds to its room, by its side', async ({ request }) => {
  const t = { request, base: '' };
  const room = unique('rooms');
  const t0 = Math.floor(Date.now() / minute) * minute;
  const { front } = await scenario(t, room, t0);
  expect(front.lines.map((l: { inside: string }) => l.inside)).toEqual(['left', 'left', 'none']);

  const res = await request.get(`/api/v1/counts?${new URLSearchParams({ room, bucket: '15m' })}`, { headers: admin });
  expect(res.status()).toBe(200);
  const e = await res.json();
  expect(e.time_zone).toBe('UTC');
  const started = e.occupancy.filter((o: { occupancy: number | null }) => o.occupancy !== null);
  expect(started.at(-1).occupancy, '13 - 12 + 4 - 1').toBe(4);
  // A quarter that has not started has no occupancy: asked for the hour
  // ahead too (today's export has none left in its last quarter).
  const ahead = await request.get(`/api/v1/counts?${new URLSearchParams({ room, bucket: '15m', from: String(t0 - 3600_000), to: String(Date.now() + 3600_000) })}`, { headers: admin });
  expect(ahead.status()).toBe(200);
  const future = (await ahead.json()).occupancy.filter((o: { start: string }) => Date.parse(o.start) > Date.now());
  expect(future.length, 'quarters in the hour ahead').toBeGreaterThanOrEqual(3);
  expect(future.map((o: { occupancy: number | null }) => o.occupancy), 'quarters not started').toEqual(future.map(() => null));
  const today = e.days.at(-1);
  expect([today.in, today.out, today.peak, today.drift]).toEqual([17, 16, 4, 3]);

  const d = await display(t, room);
  expect(d).toMatchObject({ room, occupancy: 4, capacity: 12, level: 'green', time_zone: 'UTC' });
  const rooms = await (await request.get('/api/v1/rooms', { headers: admin })).json();
  expect(rooms.settings.find((r: { name: string }) => r.name === room)).toMatchObject({ capacity: 12 });
});

test('a kiosk without sides keeps today\'s meaning: its first line is the door', async ({ request }) => {
  const t = { request, base: '' };
  const room = unique('legacy');
  const { d, lines } = await kiosk(t, room, [line('entry', 0.725), line('exit', 0.5)]);
  expect(lines.map((l: { inside: string }) => l.inside)).toEqual(['left', 'none']);
  const start = Math.floor(Date.now() / minute) * minute - 2 * minute;
  expect((await d.post(d.sign(d.batch(1, start, [{ line: 'entry', in: 5, out: 1 }, { line: 'exit', in: 0, out: 3 }])))).status).toBe(201);
  expect((await display(t, room)).occupancy).toBe(4);
});

test('room settings and the display refuse bad input', async ({ request }) => {
  for (const data of [{ capacity: -1 }, { reset: '25:00' }, { capacity: 1, extra: true }]) {
    const res = await request.put('/api/v1/rooms/hall', { headers: admin, data });
    expect([400], JSON.stringify(data)).toContain(res.status());
  }
  expect((await request.put('/api/v1/rooms/hall', { data: { capacity: 1 } })).status()).toBe(401);
  const missing = await request.get(`/api/v1/display?room=${unique('nowhere')}`);
  expect(missing.status()).toBe(404);
  expect((await missing.json()).code).toBe('not_found');
});

test('the occupancy export is the same on both targets', async ({ request, baseURL }) => {
  test.skip(baseURL === nativeURL, 'compares the Worker with the native server');
  const room = unique('rooms-both');
  const t0 = Math.floor(Date.now() / minute) * minute;
  const targets = [{ request, base: nativeURL }, { request, base: workerURL }];
  const ids = await Promise.all(targets.map(async (t) => {
    const { front, back } = await scenario(t, room, t0);
    return [front.d.kiosk, back.d.kiosk];
  }));
  const q = new URLSearchParams({ room, bucket: '1h', from: String(t0 - 6 * 3600_000), to: String(t0 + 3600_000) });
  const [n, w] = await Promise.all(targets.map(async (t) => (await request.get(`${t.base}/api/v1/counts?${q}`, { headers: admin })).text()));
  // Rows come by kiosk id within a bucket, and each target made its own ids.
  const norm = (s: string, [a, b]: string[]) => {
    const e = JSON.parse(s.split(a).join('FRONT').split(b).join('BACK'));
    e.rows.sort((x: { kiosk: string; line: string }, y: { kiosk: string; line: string }) => `${x.kiosk} ${x.line}`.localeCompare(`${y.kiosk} ${y.line}`));
    return e;
  };
  expect(norm(w, ids[1])).toEqual(norm(n, ids[0]));
  expect(JSON.parse(n).days.at(-1).drift).toBe(3);
});
