// The playwright project "exam" runs this file with a fake camera playing
// one man facing it and a fake microphone playing speech
// (playwright.config.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { test, expect, admin, attr } from './fixtures';
import {
  accessToken, bearer, createExam, genesis, importStudents, NodeProctor, reviewSession, reviewSessions, summaryHash, tamperedCopy, verifyReceipt,
} from './exam-api';
import { finish, mediaCalls, noSideways, open, posted, postedKinds, precheck, shownDetectors, startProctored, step } from './exam-page';
import { englishFragments, noEnglish } from './student-page';

const integrity = ['camera_lost', 'detector_stalled', 'page_reloaded', 'clock_skew'];

test('10-day rule: a window less than 10 days after the announcement is refused unless a crisis is recorded', async ({ request }) => {
  const day = 24 * 3600 * 1000;
  const late = { announced: new Date(Date.now() - 9 * day).toISOString() };
  const res = await request.post('/api/v1/exams', {
    headers: admin,
    data: {
      name: 'too soon', course: 'E2E101', start: new Date().toISOString(), end: new Date(Date.now() + 3600_000).toISOString(),
      ...late, legal_basis: 'x', alternatives_considered: 'y', url: '/sample-exam', detectors: [{ kind: 'face_absent' }],
    },
  });
  expect(res.status(), await res.text()).toBe(422);
  expect((await res.json()).code).toBe('notice_too_short');
  await createExam(request, [{ kind: 'face_absent' }], { ...late, crisis: 'Campus closed by flooding; exam moved online' });
});

test('the server refuses a broken chain, a kind outside the policy, a replayed seq and a tampered summary, storing nothing', async ({ request }, testInfo) => {
  const exam = await createExam(request, [{ kind: 'face_absent', threshold_s: 5 }, { kind: 'focus_lost' }]);
  const [s] = await importStudents(request, exam.id, 1);
  const p = new NodeProctor(request, accessToken(s));
  await p.start();
  expect(p.policy!.detectors.map((d) => d.kind).sort()).toEqual(['face_absent', 'focus_lost']);

  const now = Date.now();
  const first = p.summary(1, genesis, [{ kind: 'focus_lost', start: now - 4000, end: now - 3000, peak: 1 }], now - 5000);
  let r = await p.post(p.sign(first));
  expect(r, 'a good first summary').toEqual({ status: 200, body: { seq: 1, result: 'stored' } });
  // The same summary again is acknowledged, not stored twice.
  r = await p.post(p.sign(first));
  expect(r, 'an identical resend').toEqual({ status: 200, body: { seq: 1, result: 'duplicate' } });

  const head = summaryHash(first);
  const later = [{ kind: 'focus_lost', start: now + 1000, end: now + 2000, peak: 1 }];
  const second = (events = later, prev = head, seq = 2) => p.summary(seq, prev, events, now);
  const cases: [string, unknown, number, string][] = [
    ['broken chain: prev is not the hash of seq 1', p.sign(second(undefined, 'f'.repeat(64))), 409, 'chain_broken'],
    ['a kind outside the policy (speech)', p.sign(second([{ kind: 'speech', start: now + 100, end: now + 3000, peak: 1 }])), 422, 'kind_not_allowed'],
    ['a replayed seq with other content', p.sign(second(undefined, genesis, 1)), 409, 'seq_conflict'],
    ['a skipped seq', p.sign(second(undefined, head, 3)), 409, 'chain_broken'],
    ['a tampered summary (frames changed after signing)', { ...p.sign(second()), summary: { ...second(), health: { frames: 1, fps: 30 } } }, 401, 'bad_signature'],
    ['signed by another key', { ...p.sign(second()), sig: new NodeProctor(request, '').sign(second()).sig }, 401, 'bad_signature'],
    ['a window outside the exam (a year ago)', p.sign(p.summary(2, head, [], now - 365 * 24 * 3600_000)), 422, 'outside_window'],
    ['a good summary in a body over 4 KiB', JSON.stringify(p.sign(second())) + ' '.repeat(4096), 413, 'body_too_large'],
  ];
  for (const [what, body, status, code] of cases) {
    r = await p.post(body);
    expect({ status: r.status, code: r.body.code }, what).toEqual({ status, code });
    expect(typeof r.body.message, `${what}: a message`).toBe('string');
  }
  const unknown = new NodeProctor(request, '');
  unknown.session = 'no-such-session';
  r = await unknown.post(unknown.sign(unknown.summary(1, genesis, [])));
  expect({ status: r.status, code: r.body.code }, 'an unknown session').toEqual({ status: 404, code: 'unknown_session' });

  // Nothing of the refused summaries was stored: one summary, one event.
  const got = await reviewSession(request, p.session);
  expect(got.summaries).toBe(1);
  expect(got.events.map((e) => e.kind)).toEqual(['focus_lost']);

  // The chain goes on from the stored head, and finish seals it.
  const last = second([]);
  r = await p.post(p.sign(last));
  expect(r).toEqual({ status: 200, body: { seq: 2, result: 'stored' } });
  r = await p.finish(2, head);
  expect({ status: r.status, code: r.body.code }, 'finish at a head that is not the stored one').toEqual({ status: 409, code: 'chain_broken' });
  r = await p.finish(2, summaryHash(last));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const receipt = r.body;
  expect(receipt.receipt).toMatchObject({ session: p.session, exam: exam.id, last_seq: 2, head: summaryHash(last), counts: { focus_lost: 1 } });
  r = await p.post(p.sign(p.summary(3, summaryHash(last), [], now + 5000)));
  expect({ status: r.status, code: r.body.code }, 'a summary after finish').toEqual({ status: 409, code: 'session_finished' });

  // The receipt verifies against the published key; a changed count does not.
  const file = testInfo.outputPath('receipt.json');
  fs.writeFileSync(file, JSON.stringify(receipt));
  let v = verifyReceipt(file);
  expect(v.status, v.output).toBe(0);
  v = verifyReceipt(tamperedCopy(file));
  expect(v.status, v.output).not.toBe(0);
});

test('a whole session: a face and speech give speech events and no face_absent; the receipt verifies; a tampered real summary is refused', async ({ page, traffic }, testInfo) => {
  test.setTimeout(150_000);
  const exam = await createExam(page.request, [
    { kind: 'face_absent', threshold_s: 3 }, { kind: 'multiple_faces', threshold_s: 3 }, { kind: 'speech', threshold_s: 2 },
  ]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await open(page, s);
  expect(await shownDetectors(page)).toEqual(['face_absent', 'multiple_faces', 'speech']);
  await precheck(page);
  await expect(step(page), 'the pre-check finds the face in the clip').toHaveAttribute('data-face-found', 'true');
  const session = await startProctored(page);
  const calls = await mediaCalls(page);
  expect(calls.length).toBeGreaterThan(0);
  for (const c of calls) expect(Boolean(c.video && c.audio), `camera and microphone for speech: ${JSON.stringify(c)}`).toBe(true);

  // Run until a summary carrying speech is sent, and until it and at least
  // three links of the chain are acknowledged.
  let speechSeq = 0;
  await expect.poll(() => {
    speechSeq = posted(traffic).find((p) => p.summary.events.some((e) => e.kind === 'speech'))?.summary.seq ?? 0;
    return speechSeq;
  }, { timeout: 60_000, intervals: [1000], message: 'a summary with speech' }).toBeGreaterThan(0).catch(async (e) => {
    const b = page.locator('body');
    console.log(`no speech: audio chunks ${await b.getAttribute('data-audio-chunks')}, speaking ${await b.getAttribute('data-speaking')}, detection error ${await b.getAttribute('data-detect-error')}`);
    throw e;
  });
  await expect.poll(() => attr(page, 'summaries-acked'), { timeout: 30_000 }).toBeGreaterThanOrEqual(Math.max(3, speechSeq + 1));
  expect(await attr(page, 'summaries-dead'), 'the server took every summary').toBe(0);

  // A real body the page sent, changed after signing, is refused; sent
  // again unchanged it is only acknowledged as a duplicate.
  const [real] = posted(traffic);
  const tampered = { summary: { ...real.summary, health: { ...real.summary.health, frames: real.summary.health.frames + 1 } }, sig: real.sig };
  let res = await page.request.post('/api/v1/summaries', { data: tampered });
  expect({ status: res.status(), code: (await res.json()).code }, 'a tampered real summary').toEqual({ status: 401, code: 'bad_signature' });
  res = await page.request.post('/api/v1/summaries', { headers: { 'Content-Type': 'application/json' }, data: real.raw });
  expect(await res.json(), 'a replayed real summary').toEqual({ seq: real.summary.seq, result: 'duplicate' });

  const receipt = await finish(page);
  const sent = posted(traffic);
  expect(traffic.filter((r) => r.url.includes(accessToken(s))), 'the access token never travels in a URL').toEqual([]);
  // Detection runs in a module worker; the recorder sees its requests too:
  // the worker script and the face model it fetches, nothing else of it.
  expect(traffic.some((r) => r.method === 'GET' && /\/assets\/detect-worker\.[0-9a-f]{8}\.js$/.test(r.url)), 'the detection worker was loaded').toBe(true);
  expect(traffic.some((r) => r.method === 'GET' && /\/assets\/blazeface-short\.[0-9a-f]{8}\.lknn$/.test(r.url)), 'the worker\'s model fetch is recorded').toBe(true);
  await expect(step(page)).not.toHaveAttribute('data-detect-error', /.*/);
  await expect(step(page), 'Chromium hands the worker the track\'s own stream').toHaveAttribute('data-audio-path', 'track');
  console.log(`session ${session}: ${sent.length} summaries sent, largest ${Math.max(...sent.map((p) => p.raw.length))} bytes, kinds ${[...postedKinds(traffic)]}`,
    `frames ${await attr(page, 'frames')}, receipt counts ${JSON.stringify(receipt.receipt.counts)}`);
  // The detectors' busy time in the worker against the page's lifetime (the
  // pre-check and the exam, face at 2 fps and speech): a figure, not a test.
  const [busy, life] = await page.evaluate(() => [Number(document.body.dataset.detectBusyMs), performance.now()]);
  console.log(`detection in the worker: ${busy.toFixed(0)} ms busy in ${life.toFixed(0)} ms of page time (${(100 * busy / life).toFixed(2)} % of one core), ` +
    `${await step(page).getAttribute('data-detect-ms')} ms per face frame (smoothed)`);
  expect(receipt.receipt).toMatchObject({ session, exam: exam.id, last_seq: Math.max(...sent.map((p) => p.summary.seq)) });
  expect(new Set(sent.map((p) => p.summary.build)), 'every summary names the running wasm').toEqual(new Set([await step(page).getAttribute('data-build')]));

  // What the server stored is what the clip shows.
  const stored = await reviewSession(page.request, session);
  const kinds = new Set(stored.events.map((e) => e.kind));
  expect(stored.summaries).toBe(receipt.receipt.last_seq);
  expect(kinds, 'stored kinds are the kinds the page sent').toEqual(postedKinds(traffic));
  expect(kinds.has('speech'), 'speech in the clip').toBe(true);
  expect(kinds.has('face_absent'), 'a face in every frame').toBe(false);
  expect(kinds.has('multiple_faces'), 'one face only').toBe(false);
  for (const k of kinds) expect(['face_absent', 'multiple_faces', 'speech', ...integrity], `kind ${k}`).toContain(k);
  const list = await reviewSessions(page.request, exam.id);
  expect(list[0].sessions.map((x) => ({ id: x.id, unreliable: x.unreliable }))).toEqual([{ id: session, unreliable: false }]);
  expect(list[0].sessions[0].counts.speech).toBeGreaterThan(0);

  // The receipt the student downloads verifies against the published key; a
  // copy with a changed count does not.
  const download = page.waitForEvent('download');
  await page.click('[data-action=download-receipt]');
  const file = testInfo.outputPath('receipt.json');
  await (await download).saveAs(file);
  let v = verifyReceipt(file);
  expect(v.status, v.output).toBe(0);
  v = verifyReceipt(tamperedCopy(file));
  expect(v.status, v.output).not.toBe(0);
  console.log('verify-receipt:', v.output.trim());
});

// Chromium hands the microphone's track to the worker as a stream
// (MediaStreamTrackProcessor), with no audio graph: the whole-session test
// above runs that path. Other browsers tap the track with the speech
// worklet, and that path must hear the clip's speech too.
test('speech through the speech worklet, as in browsers without MediaStreamTrackProcessor', async ({ page, traffic }) => {
  test.setTimeout(150_000);
  await page.addInitScript(() => { delete (window as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor; });
  const exam = await createExam(page.request, [{ kind: 'face_absent', threshold_s: 3 }, { kind: 'speech', threshold_s: 2 }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await open(page, s);
  await precheck(page);
  await startProctored(page);
  await expect.poll(() => posted(traffic).some((p) => p.summary.events.some((e) => e.kind === 'speech')),
    { timeout: 60_000, intervals: [1000], message: 'a summary with speech' }).toBe(true);
  await expect(step(page)).not.toHaveAttribute('data-detect-error', /.*/);
  await expect(step(page), 'the speech worklet taps the microphone').toHaveAttribute('data-audio-path', 'worklet');
  await finish(page);
});

test('only what the policy needs: no microphone without speech, nothing without a camera detector; the screen lists exactly the policy', async ({ page, context }) => {
  test.setTimeout(120_000);
  // An exam with a camera detector, speech and a browser signal; the second
  // student has speech switched off.
  const exam = await createExam(page.request, [{ kind: 'face_absent', threshold_s: 5 }, { kind: 'speech', threshold_s: 3 }, { kind: 'focus_lost' }]);
  const [, quiet] = await importStudents(page.request, exam.id, 2);
  const res = await page.request.put(`/api/v1/students/${quiet.id}/accommodations`, { headers: admin, data: { off: ['speech'] } });
  expect(res.status(), await res.text()).toBe(200);
  await open(page, quiet);
  expect(await shownDetectors(page), 'the accommodation is applied on the transparency screen').toEqual(['face_absent', 'focus_lost']);
  await expect(page.locator('#integrity li[data-kind]')).toHaveCount(4);
  const example = JSON.parse((await page.locator('#example').textContent())!);
  expect(example.summary.events.map((e: { kind: string }) => e.kind), 'the example JSON has one event per detector that runs').toEqual(['face_absent', 'focus_lost']);
  await precheck(page);
  await startProctored(page);
  await expect(page.locator('#running li[data-kind]')).toHaveCount(2);
  await expect.poll(() => attr(page, 'summaries-acked'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  let calls = await mediaCalls(page);
  expect(calls.length, 'the camera was asked for').toBeGreaterThan(0);
  for (const c of calls) {
    expect(c.video, `camera asked for: ${JSON.stringify(c)}`).toBeTruthy();
    expect(c.audio ?? false, `no microphone without speech: ${JSON.stringify(c)}`).toBeFalsy();
  }

  // Browser signals only: no device at all, and paste is counted.
  const signals = await createExam(page.request, [{ kind: 'focus_lost' }, { kind: 'paste' }]);
  const [t] = await importStudents(page.request, signals.id, 1);
  const second = await context.newPage();
  await open(second, t);
  expect(await shownDetectors(second)).toEqual(['focus_lost', 'paste']);
  await second.click('[data-action=to-precheck]');
  await expect(second.locator('[data-action=precheck-start]'), 'nothing to check').toHaveCount(0);
  const session = await startProctored(second);
  const frame = second.frameLocator('#frame');
  await expect(frame.locator('#q3')).toBeVisible();
  await frame.locator('#q3').evaluate((el) => el.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true })));
  await expect.poll(() => attr(second, 'summaries-acked'), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  calls = await mediaCalls(second);
  expect(calls, 'no getUserMedia call at all').toEqual([]);
  await finish(second);
  const got = await reviewSession(page.request, session);
  expect(got.events.filter((e) => e.kind === 'paste').map((e) => e.peak), 'one paste, counted').toEqual([1]);
});

test('a student opting for the alternative: the choice is recorded, no camera, no session', async ({ page }) => {
  const exam = await createExam(page.request, [{ kind: 'face_absent' }, { kind: 'speech' }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await open(page, s);
  await page.click('[data-action=to-choice]');
  await page.click('[data-action=choose][value=alternative]');
  await expect(step(page)).toHaveAttribute('data-step', 'alternative');
  await expect(page.locator('#step')).toContainText('An oral exam on campus the week after.');
  expect(await mediaCalls(page), 'no camera or microphone asked for').toEqual([]);

  const [row] = await reviewSessions(page.request, exam.id);
  expect(row.student.choice).toBe('alternative');
  expect(row.sessions).toEqual([]);
  // The server will not start a session for this student either.
  const res = await page.request.post('/api/v1/student/sessions', {
    headers: bearer(accessToken(s)),
    // A real Ed25519 key: the server refuses weak ones before anything else.
    data: { public_key: crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64'), build: 'a'.repeat(64), precheck: { camera: false, face_found: false, microphone: false, baseline: 0, face_frames: 0, frames: 0 } },
  });
  expect({ status: res.status(), code: (await res.json()).code }).toEqual({ status: 409, code: 'no_choice' });
  // Opening the link again shows the recorded choice.
  await page.reload();
  await expect(step(page)).toHaveAttribute('data-step', 'alternative', { timeout: 30_000 });
});

test('a reload while offline: queued summaries survive, the chain goes on, page_reloaded is recorded', async ({ page }) => {
  test.setTimeout(90_000);
  const exam = await createExam(page.request, [{ kind: 'focus_lost' }, { kind: 'paste' }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await open(page, s);
  await page.route('**/api/v1/summaries', (route) => route.abort('internetdisconnected'));
  const session = await startProctored(page);
  await expect.poll(() => attr(page, 'queue'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  const sealed = await attr(page, 'sealed-seq');
  await page.reload();
  await expect(step(page)).toHaveAttribute('data-step', 'exam', { timeout: 30_000 });
  expect(await step(page).getAttribute('data-session'), 'the same session resumes').toBe(session);
  await page.unroute('**/api/v1/summaries');
  await expect.poll(async () => (await attr(page, 'summaries-acked')) > sealed && (await attr(page, 'queue')) === 0,
    { timeout: 40_000 }).toBe(true);
  const receipt = await finish(page);
  const stored = await reviewSession(page.request, session);
  expect(stored.summaries, 'every sealed summary arrived, once').toBe(receipt.receipt.last_seq);
  expect(receipt.receipt.last_seq).toBeGreaterThan(sealed);
  expect(stored.events.filter((e) => e.kind === 'page_reloaded'), 'one page_reloaded').toHaveLength(1);
  expect(await attr(page, 'summaries-dead'), 'nothing refused').toBe(0);
});

test('a summary the server refuses for good is set aside; the later ones are chained again and stored', async ({ page }) => {
  test.setTimeout(90_000);
  const exam = await createExam(page.request, [{ kind: 'focus_lost' }, { kind: 'paste' }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await open(page, s);
  // The first summary meets a permanent refusal, as a server would answer
  // one it can never store; the rest reach the server.
  let refused = 0;
  await page.route('**/api/v1/summaries', (route) => (refused++ === 0
    ? route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ code: 'outside_window', message: 'refused by the test' }) })
    : route.continue()));
  const session = await startProctored(page);
  await expect.poll(() => attr(page, 'summaries-dead'), { timeout: 30_000 }).toBe(1);
  await expect.poll(() => attr(page, 'summaries-acked'), { timeout: 40_000 }).toBeGreaterThanOrEqual(2);
  const receipt = await finish(page);
  const stored = await reviewSession(page.request, session);
  expect(stored.summaries, 'every summary after the refused one was stored').toBe(receipt.receipt.last_seq);
  expect(receipt.receipt.last_seq).toBeGreaterThanOrEqual(2);
});

test('a face model changed on the way is refused by the detection worker: no detection runs on it', async ({ page }) => {
  const exam = await createExam(page.request, [{ kind: 'face_absent', threshold_s: 5 }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await page.route(/\/assets\/blazeface-short\.[0-9a-f]{8}\.lknn$/, async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[body.length >> 1] ^= 1;
    await route.fulfill({ response: res, body, headers: { ...res.headers(), 'content-encoding': '' } });
  });
  await open(page, s);
  await page.click('[data-action=to-precheck]');
  await page.click('[data-action=precheck-start]');
  await expect(step(page)).toHaveAttribute('data-detect-error', /^init: /, { timeout: 30_000 });
  await expect(step(page)).toHaveAttribute('data-step', 'error');
  expect(await step(page).getAttribute('data-frames'), 'no frame was detected').toBeNull();
});

// The student's page explains itself, on a phone, in Dutch, on a computer
// in New York while the server keeps Amsterdam time (playwright.config.ts:
// serve --time-zone Europe/Amsterdam): every time shown is the server's.
test.describe('the student page on a 390 px phone, in Dutch, in another zone than the server', () => {
  test.use({ locale: 'nl-NL', timezoneId: 'America/New_York', viewport: { width: 390, height: 844 } });

  test('countdown and plain result, readable summaries with the JSON one click away, time left, a finish dialog that survives a redraw, a receipt checked in the page and a tampered one refused, timeline and table on one clock', async ({ page }) => {
    test.setTimeout(150_000);
    const english = englishFragments();
    expect(english.length, 'the catalogue was read').toBeGreaterThan(50);
    const exam = await createExam(page.request, [{ kind: 'face_absent', threshold_s: 3 }, { kind: 'paste' }]);
    const [s] = await importStudents(page.request, exam.id, 1);
    await open(page, s);
    await expect(step(page)).toHaveAttribute('data-lang', 'nl');
    await expect(page.locator('#step .zone')).toContainText('Europe/Amsterdam');
    await noSideways(page, 'transparency');
    await noEnglish(page, 'transparency', english);

    // The pre-check counts down, then says plainly how it went.
    await page.click('[data-action=to-precheck]');
    await page.click('[data-action=precheck-start]');
    await expect(page.locator('#precheck-countdown')).toContainText(/\d+ s/);
    const first = await attr(page, 'precheck-left');
    await expect.poll(() => attr(page, 'precheck-left'), { timeout: 10_000 }).toBeLessThan(first);
    await noEnglish(page, 'pre-check running', english);
    await expect(page.locator('#precheck-verdict')).toHaveAttribute('data-passed', 'true', { timeout: 30_000 });
    await expect(page.locator('#precheck-verdict')).toContainText('Controle geslaagd');
    await noSideways(page, 'pre-check');
    await noEnglish(page, 'pre-check result', english);

    const session = await startProctored(page);
    // The time left until the exam's end (two hours from its creation).
    await expect(page.locator('#remaining')).toContainText(/\d:\d\d:\d\d/);
    const left = await attr(page, 'remaining-s');
    expect(left).toBeGreaterThan(3600);
    expect(left).toBeLessThanOrEqual(2 * 3600);
    await expect.poll(() => attr(page, 'remaining-s'), { timeout: 5000 }).toBeLessThan(left);

    // A paste in the exam frame, then readable lines per summary.
    await page.frameLocator('#frame').locator('#q3').evaluate((el) => el.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true })));
    await expect.poll(() => attr(page, 'summaries-acked'), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const lines = page.locator('#summaries li .line');
    await expect(lines.first()).toHaveText(/^\d\d:\d\d:\d\d–\d\d:\d\d:\d\d: /);
    await expect(page.locator('#summaries li .line', { hasText: 'Plakken 1' })).toHaveCount(1);
    // The exact JSON is one click away.
    const li = page.locator('#summaries li').first();
    await expect(li.locator('pre.json')).toBeHidden();
    await li.locator('details summary').click();
    await expect(li.locator('pre.json')).toBeVisible();
    expect(JSON.parse((await li.locator('pre.json').textContent())!).summary.seq).toBe(Number(await li.getAttribute('data-seq')));
    await noSideways(page, 'exam');
    await noEnglish(page, 'exam', english);

    // One click asks; the panel redraws behind the dialog (a summary is
    // acknowledged) and the dialog stays; its button finishes.
    const acked = await attr(page, 'summaries-acked');
    await page.click('[data-action=finish]');
    const dialog = page.locator('#finish-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('Tentamen afronden?');
    await expect.poll(() => attr(page, 'summaries-acked'), { timeout: 20_000, message: 'a redraw behind the dialog' }).toBeGreaterThan(acked);
    await expect(dialog).toBeVisible();
    await expect(step(page)).toHaveAttribute('data-step', 'exam');
    await noEnglish(page, 'finish dialog', english);
    await page.click('[data-action=finish-confirm]');
    await expect(step(page)).toHaveAttribute('data-step', 'end', { timeout: 60_000 });

    // The receipt is checked in the page against the published key.
    await expect(step(page)).toHaveAttribute('data-receipt-verified', 'true', { timeout: 10_000 });
    const key = (await (await page.request.get('/api/v1/receipt-key')).json()).key;
    await expect(page.locator('#receipt-check')).toContainText(key);
    await noSideways(page, 'end');
    await noEnglish(page, 'end', english);

    // A receipt changed in this browser's storage (one more paste) is
    // refused by the same check after a reload.
    await page.evaluate(async (id) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('lokaal-exam', 1);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const tx = db.transaction('sessions', 'readwrite');
      const store = tx.objectStore('sessions');
      const rec = await new Promise<{ receipt: { receipt: { counts: Record<string, number> } } }>((resolve) => { store.get(id).onsuccess = (ev) => resolve((ev.target as IDBRequest).result); });
      rec.receipt.receipt.counts.paste = (rec.receipt.receipt.counts.paste || 0) + 1;
      store.put(rec);
      await new Promise((resolve) => { tx.oncomplete = resolve; });
    }, session);
    await page.reload();
    await expect(step(page)).toHaveAttribute('data-step', 'end', { timeout: 30_000 });
    await expect(step(page)).toHaveAttribute('data-receipt-verified', 'false', { timeout: 10_000 });
    await expect(page.locator('#receipt-check')).toContainText('klopt NIET');

    // The record: the paste's time in the list is the time on the
    // timeline, both in Amsterdam, not in this computer's New York.
    await page.click('[data-action=record]');
    await expect(step(page)).toHaveAttribute('data-timelines', '1', { timeout: 20_000 });
    const stored = (await reviewSession(page.request, session)).events.find((e) => e.kind === 'paste')!;
    const amsterdam = new Date(stored.start).toLocaleTimeString('en-GB', { timeZone: 'Europe/Amsterdam', hourCycle: 'h23' });
    const newYork = new Date(stored.start).toLocaleTimeString('en-GB', { timeZone: 'America/New_York', hourCycle: 'h23' });
    await expect(page.locator('li[data-kind=paste]')).toContainText(amsterdam);
    await expect(page.locator('li[data-kind=paste]')).not.toContainText(newYork);
    await expect(page.locator(`[data-timeline="${session}"] svg rect.event[data-kind=paste] title`)).toContainText(amsterdam);
    await expect(page.locator('#zone')).toContainText('Europe/Amsterdam');
    await noSideways(page, 'record');
    await noEnglish(page, 'record', english);
  });
});

// One language rule on every page: the lang query wins over a stored choice,
// which wins over the browser.
test('the exam page takes the lang query first, then the stored choice, then the browser', async ({ page }) => {
  const exam = await createExam(page.request, [{ kind: 'focus_lost' }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await open(page, s); // the browser: en-US
  await expect(step(page)).toHaveAttribute('data-lang', 'en');
  await page.evaluate(() => localStorage.setItem('lokaal-lang', 'nl'));
  await page.reload();
  await expect(step(page)).toHaveAttribute('data-lang', 'nl');
  const u = new URL(s.link, page.url());
  u.search = '?lang=en';
  await page.goto(u.toString());
  await expect(step(page)).toHaveAttribute('data-lang', 'en');
});
