// An exam session with signed summaries, and the signed receipt.
import { expect, test } from '@playwright/test';
import { nativeURL, workerURL } from './env';
import { admin, bearer, examWithStudents, genesis, Proctor, summaryHash, verifyReceipt } from './lib';

test('a proctored session: signed summaries, exactly once, finish and a receipt that verifies', async ({ request }) => {
  const t = { request, base: '' };
  const { exam, tokens } = await examWithStudents(t, 1);
  const p = new Proctor(t, tokens[0]);
  const started = await p.start();
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  expect(started.body.detectors.map((d: { kind: string }) => d.kind).sort()).toEqual(['face_absent', 'focus_lost']);

  const now = Date.now();
  let prev = genesis;
  const sent = [];
  for (let seq = 1; seq <= 4; seq++) {
    const from = now - (5 - seq) * 5000;
    const events = seq % 2 ? [{ kind: 'focus_lost', start: from + 1000, end: from + 2000, peak: 1 }] : [];
    const s = p.summary(seq, prev, events, from);
    expect(await p.post(p.sign(s)), `seq ${seq}`).toEqual({ status: 200, body: { seq, result: 'stored' } });
    prev = summaryHash(s);
    sent.push(s);
  }
  // Resends, one of them concurrent with itself: acknowledged, not stored.
  expect(await p.post(p.sign(sent[1]))).toEqual({ status: 200, body: { seq: 2, result: 'duplicate' } });
  const s5 = p.summary(5, prev, [], now);
  const both = await Promise.all([p.post(p.sign(s5)), p.post(p.sign(s5))]);
  expect(both.map((r) => `${r.status} ${r.body.result}`).sort(), JSON.stringify(both)).toEqual(['200 duplicate', '200 stored']);
  prev = summaryHash(s5);

  const r = await p.finish(5, prev);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.receipt).toMatchObject({ session: p.session, exam, last_seq: 5, head: prev, counts: { focus_lost: 2 } });
  expect(await verifyReceipt(t, r.body), 'the receipt verifies against /api/v1/receipt-key').toBe(true);
  const tampered = { ...r.body, receipt: { ...r.body.receipt, counts: { focus_lost: 1 } } };
  expect(await verifyReceipt(t, tampered), 'a tampered receipt does not').toBe(false);

  // Finished: no more summaries, and the review shows what was stored.
  const late = await p.post(p.sign(p.summary(6, prev, [], now)));
  expect({ status: late.status, code: late.body.code }).toEqual({ status: 409, code: 'session_finished' });
  const res = await request.get(`/api/v1/review/sessions/${p.session}`, { headers: admin });
  expect(res.status(), await res.text()).toBe(200);
  const review = await res.json();
  expect(review.summaries).toBe(5);
  expect(review.events.map((e: { kind: string }) => e.kind)).toEqual(['focus_lost', 'focus_lost']);
});

test('both targets publish the same receipt key (LOKAAL_RECEIPT_KEY)', async ({ request, baseURL }) => {
  test.skip(baseURL === nativeURL, 'compares the Worker with the native server');
  const [a, b] = await Promise.all([request.get(`${nativeURL}/api/v1/receipt-key`), request.get(`${workerURL}/api/v1/receipt-key`)]);
  expect(a.status()).toBe(200);
  expect(b.status()).toBe(200);
  expect(await b.json()).toEqual(await a.json());
});

test('a modified client: no second session, no switch of choice after it, no overlapping window', async ({ request }) => {
  const t = { request, base: '' };
  const { tokens } = await examWithStudents(t, 1);
  const p = new Proctor(t, tokens[0]);
  expect((await p.start()).status).toBe(201);
  // Two more starts at once, each with a fresh key: both refused.
  const again = await Promise.all([new Proctor(t, tokens[0]).start(), new Proctor(t, tokens[0]).start()]);
  expect(again.map((r) => `${r.status} ${r.body.code}`)).toEqual(['409 session_exists', '409 session_exists']);
  const choose = async (choice: string) => {
    const res = await request.post('/api/v1/student/choice', { headers: bearer(tokens[0]), data: { choice } });
    const body = await res.json();
    return `${res.status()} ${body.code ?? body.choice}`;
  };
  expect(await choose('alternative')).toBe('409 choice_frozen');
  expect(await choose('proctored')).toBe('200 proctored');

  const now = Date.now();
  const first = p.summary(1, genesis, [], now - 10_000);
  expect(await p.post(p.sign(first))).toEqual({ status: 200, body: { seq: 1, result: 'stored' } });
  const overlap = await p.post(p.sign(p.summary(2, summaryHash(first), [], now - 8_000)));
  expect({ status: overlap.status, code: overlap.body.code }).toEqual({ status: 409, code: 'window_overlap' });
  const next = p.summary(2, summaryHash(first), [], now - 5_000);
  expect(await p.post(p.sign(next))).toEqual({ status: 200, body: { seq: 2, result: 'stored' } });
  const students = await (await request.get('/api/v1/student', { headers: bearer(tokens[0]) })).json();
  expect(students.sessions.map((s: { id: string }) => s.id)).toEqual([p.session]);
});
