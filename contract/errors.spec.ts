// Bad input is refused with the same status and error code on both targets,
// and nothing of it is stored.
import { expect, test } from '@playwright/test';
import { counts, Device, examWithStudents, genesis, hour, hoursAgo, Proctor, summaryHash, unique } from './lib';

type Case = [what: string, body: unknown, status: number, code: string];

async function expectCases(post: (b: unknown) => Promise<{ status: number; body: { code?: string; message?: string } }>, cases: Case[]) {
  for (const [what, body, status, code] of cases) {
    const r = await post(body);
    expect({ status: r.status, code: r.body.code }, what).toEqual({ status, code });
    expect(typeof r.body.message, `${what}: a message`).toBe('string');
  }
}

test('count batches: malformed, too large, bad signature, unknown device, seq conflict, build not allowed', async ({ request }) => {
  const room = unique('room');
  const t = { request, base: '' };
  const t0 = hoursAgo(3);
  const d = await Device.enrolled(t, room, t0);
  const other = await Device.enrolled(t, unique('room'));
  const good = d.batch(1, t0, [{ line: 'entry', in: 5, out: 0 }]);
  expect((await d.post(d.sign(good))).status).toBe(201);

  const next = d.batch(2, t0 + 60_000, [{ line: 'entry', in: 1, out: 0 }]);
  const stranger = new Device(t);
  stranger.id = 'no-such-device';
  await expectCases((b) => d.post(b), [
    ['not JSON', '{"batch": ', 400, 'malformed'],
    ['an unknown field', JSON.stringify({ ...d.sign(next), extra: 1 }), 400, 'malformed'],
    ['trailing data', JSON.stringify(d.sign(next)) + '{}', 400, 'malformed'],
    ['out of range', d.sign({ ...next, end: next.start }), 400, 'invalid'],
    ['over 4 KiB', JSON.stringify(d.sign(next)) + ' '.repeat(4096), 413, 'body_too_large'],
    ['tampered after signing', { ...d.sign(next), batch: { ...next, lines: [{ line: 'entry', in: 100, out: 0 }] } }, 401, 'bad_signature'],
    ['signed by another device key', d.sign(next, other.keys.privateKey), 401, 'bad_signature'],
    ['an unknown device', stranger.sign(stranger.batch(1, t0, [{ line: 'entry', in: 1, out: 0 }])), 401, 'unknown_device'],
    ['seq 1 again with other counts', d.sign({ ...good, lines: [{ line: 'entry', in: 6, out: 0 }] }), 409, 'seq_conflict'],
    ['a build nobody published', d.sign(d.batch(2, t0 + 60_000, [{ line: 'entry', in: 1, out: 0 }], 'f'.repeat(64))), 422, 'build_not_allowed'],
  ]);
  const got = await counts(t, room, t0, t0 + hour);
  expect(got.rows.map((r: { line: string; in: number }) => [r.line, r.in]).filter((r: [string, number]) => r[1] > 0),
    'only the good batch is stored').toEqual([['entry', 5]]);
});

test('exam summaries: chain_broken, seq_conflict, bad signature, build not allowed, unknown session, too large', async ({ request }) => {
  const t = { request, base: '' };
  const { tokens } = await examWithStudents(t, 2);
  const p = new Proctor(t, tokens[0]);
  expect((await p.start()).status).toBe(201);
  const now = Date.now();
  const first = p.summary(1, genesis, [{ kind: 'focus_lost', start: now - 4000, end: now - 3000, peak: 1 }], now - 5000);
  expect(await p.post(p.sign(first))).toEqual({ status: 200, body: { seq: 1, result: 'stored' } });
  const head = summaryHash(first);
  const second = (prev = head, seq = 2) => p.summary(seq, prev, [], now);
  const stranger = new Proctor(t, '');
  stranger.session = 'no-such-session';
  await expectCases((b) => p.post(b), [
    ['not JSON', '{', 400, 'malformed'],
    ['prev is not the hash of seq 1', p.sign(second('f'.repeat(64))), 409, 'chain_broken'],
    ['a skipped seq', p.sign(second(head, 3)), 409, 'chain_broken'],
    ['seq 1 again with other content', p.sign(second(genesis, 1)), 409, 'seq_conflict'],
    ['signed by another key', p.sign(second(), stranger.keys.privateKey), 401, 'bad_signature'],
    ['a build nobody published', p.sign({ ...second(), build: 'e'.repeat(64) }), 422, 'build_not_allowed'],
    ['an unknown session', stranger.sign(stranger.summary(1, genesis, [])), 404, 'unknown_session'],
    ['over 4 KiB', JSON.stringify(p.sign(second())) + ' '.repeat(4096), 413, 'body_too_large'],
  ]);
  // A session from an unpublished build is refused at the start.
  const q = new Proctor(t, tokens[1]);
  const r = await q.start('d'.repeat(64));
  expect({ status: r.status, code: r.body.code }).toEqual({ status: 422, code: 'build_not_allowed' });
});

test('enrolment: a wrong code and a malformed key', async ({ request }) => {
  const post = async (data: unknown) => {
    const res = await request.post('/api/v1/enrol', { headers: { 'Content-Type': 'application/json' }, data: JSON.stringify(data) });
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  };
  await expectCases(post, [
    ['a code never issued', { code: 'not-a-real-code-123', public_key: Buffer.alloc(32, 1).toString('base64') }, 403, 'bad_enrolment_code'],
    ['a key of the wrong length', { code: 'not-a-real-code-123', public_key: 'AAAA' }, 400, 'invalid'],
  ]);
});
