// Helpers of the contract suite: the admin API, a kiosk device and an exam
// proctor whose Ed25519 keys live in the test (node:crypto) and that sign
// exactly the bytes the browser clients sign (testkit/wire.ts, shared with
// the e2e suite).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { join } from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { batchBytes, finishBytes, rawPublicKey, signature, summaryBytes, type Batch, type LineCount, type Summary, type WireEvent } from '../testkit/wire';
import { adminToken, nativeURL, nodeBuild, stateDir, workerControlURL } from './env';

export { genesis, rawPublicKey, summaryHash, type Batch, type LineCount, type Summary, type WireEvent } from '../testkit/wire';

export const admin = { Authorization: `Bearer ${adminToken}` };
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${crypto.randomInt(1e6)}`;

// sign signs any value as domain + JSON: for bodies a test makes up
// (fuzzing), where the wire's own bytes (testkit/wire.ts) do not apply.
export const sign = (domain: string, v: unknown, key: crypto.KeyObject) =>
  crypto.sign(null, Buffer.from(domain + JSON.stringify(v)), key).toString('base64');

// base prefixes paths, so a test may drive the other target too ('' means
// the project's baseURL).
export type Target = { request: APIRequestContext; base: string };

export const lines = [
  { name: 'entry', a: [0, 0.725], b: [1, 0.725], mode: 'immediate' },
  { name: 'exit', a: [0.78, 0.875], b: [0.78, 0.125], mode: 'deferred' },
];

export async function createKiosk({ request, base }: Target, room: string) {
  const res = await request.post(`${base}/api/v1/kiosks`, {
    headers: admin, data: { name: `kiosk ${room}`, room, interval_s: 60, lines },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { kiosk: { id: string }; enrolment_code: string };
}

// enrolledAt sets a device's enrolment time in the target's database: a
// fixture no API makes, by design (a kiosk that has counted for days, or
// for longer than the count period). The harness owns both databases:
// natively it writes the server's file with sqlite3, on the Worker it asks
// dev.mjs's control port (POST /enrolled, on the local D1).
export async function enrolledAt({ request, base }: Target, device: string, ms: number) {
  const target = base || test.info().project.use.baseURL;
  if (target === nativeURL) {
    const db = join(__dirname, '..', stateDir, 'native', 'lokaal.db');
    const changed = execFileSync('sqlite3', ['-cmd', '.timeout 10000', db,
      `UPDATE devices SET enrolled_ms = ${Math.trunc(ms)} WHERE id = '${device.replace(/'/g, "''")}'; SELECT changes();`]).toString().trim();
    expect(changed, `device ${device} backdated natively`).toBe('1');
    return;
  }
  const res = await request.post(`${workerControlURL}/enrolled?device=${encodeURIComponent(device)}&ms=${Math.trunc(ms)}`);
  expect(res.status(), await res.text()).toBe(200);
}

// Device is an enrolled kiosk: it signs count batches as the browser does.
export class Device {
  readonly keys = crypto.generateKeyPairSync('ed25519');
  id = '';
  kiosk = '';
  constructor(private t: Target) {}

  // enrolled enrols a device for a new kiosk in room. Ingest refuses
  // batches from before a device's enrolment, so a test that posts past
  // batches passes since: the device is then recorded as enrolled at that
  // time (Unix ms), see enrolledAt.
  static async enrolled(t: Target, room: string, since?: number) {
    const k = await createKiosk(t, room);
    const d = new Device(t);
    d.kiosk = k.kiosk.id;
    const res = await t.request.post(`${t.base}/api/v1/enrol`, {
      data: { code: k.enrolment_code, public_key: rawPublicKey(d.keys.publicKey) },
    });
    expect(res.status(), await res.text()).toBe(201);
    d.id = (await res.json()).device;
    if (since !== undefined) await enrolledAt(t, d.id, since);
    return d;
  }

  batch(seq: number, start: number, counts: LineCount[], build = nodeBuild): Batch {
    return { device: this.id, seq, build, start, end: start + 60_000, lines: counts };
  }

  sign(b: Batch, key = this.keys.privateKey) {
    return { batch: b, sig: signature(batchBytes(b), key) };
  }

  async post(body: unknown) {
    const res = await this.t.request.post(`${this.t.base}/api/v1/counts`, {
      headers: { 'Content-Type': 'application/json' },
      data: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  }
}

// counts exports one room's counts, 1h buckets, as JSON or CSV text.
export async function counts({ request, base }: Target, room: string, from: number, to: number, format: 'json' | 'csv' = 'json') {
  const q = new URLSearchParams({ room, bucket: '1h', from: String(from), to: String(to), format });
  const res = await request.get(`${base}/api/v1/counts?${q}`, { headers: admin });
  expect(res.status(), await res.text()).toBe(200);
  return format === 'json' ? res.json() : res.text();
}

export const hour = 3600_000;
export const day = 24 * hour;
// An hour-aligned time `days` days ago, so every batch lands in one bucket.
export const hoursAgo = (days: number) => Math.floor((Date.now() - days * day) / hour) * hour;

// ---- exams ----

// createExam makes an exam running from a few minutes ago for two hours,
// announced 11 days before, framing the built-in sample exam, with n
// students; it returns their access tokens.
export async function examWithStudents({ request, base }: Target, n: number) {
  const now = Date.now();
  let res = await request.post(`${base}/api/v1/exams`, {
    headers: admin,
    data: {
      name: unique('exam'), course: 'C101',
      start: new Date(now - 5 * 60_000).toISOString(), end: new Date(now + 2 * hour).toISOString(),
      announced: new Date(now - 11 * day).toISOString(),
      legal_basis: 'Exam regulations art. 4.2, contract test',
      alternatives_considered: 'An oral exam on campus; an open-book take-home assignment.',
      alternative_exam: 'An oral exam on campus the week after.',
      url: '/sample-exam', detectors: [{ kind: 'focus_lost' }, { kind: 'face_absent', threshold_s: 10 }], interval_s: 5,
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  const exam = (await res.json()) as { id: string };
  const tag = unique('s');
  const csv = 'student_id,email\n' + Array.from({ length: n }, (_, i) => `${tag}-${i},${tag}-${i}@example.edu`).join('\n') + '\n';
  res = await request.post(`${base}/api/v1/exams/${exam.id}/students`, { headers: { ...admin, 'Content-Type': 'text/csv' }, data: csv });
  expect(res.status(), await res.text()).toBe(201);
  const { students } = await res.json();
  return { exam: exam.id, tokens: (students as { link: string }[]).map((s) => new URL(s.link, 'http://x').hash.slice('#access='.length)) };
}

// Proctor is a proctored session whose key lives in the test.
export class Proctor {
  readonly keys = crypto.generateKeyPairSync('ed25519');
  session = '';
  constructor(private t: Target, private token: string) {}

  async start(build = nodeBuild) {
    const { request, base } = this.t;
    let res = await request.post(`${base}/api/v1/student/choice`, { headers: bearer(this.token), data: { choice: 'proctored' } });
    expect(res.status(), await res.text()).toBe(200);
    res = await request.post(`${base}/api/v1/student/sessions`, {
      headers: bearer(this.token),
      data: { public_key: rawPublicKey(this.keys.publicKey), build,
        precheck: { camera: true, face_found: true, microphone: false, baseline: 100, face_frames: 30, frames: 30 } },
    });
    if (res.status() === 201) this.session = (await res.json()).session;
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  }

  summary(seq: number, prev: string, events: WireEvent[], from = Date.now() - 5000): Summary {
    return { session: this.session, seq, prev, build: nodeBuild, window: { from, to: from + 5000 }, events, health: { frames: 150, fps: 30 } };
  }

  sign(s: Summary, key = this.keys.privateKey) {
    return { summary: s, sig: signature(summaryBytes(s), key) };
  }

  async post(body: unknown) {
    const res = await this.t.request.post(`${this.t.base}/api/v1/summaries`, {
      headers: { 'Content-Type': 'application/json' }, data: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  }

  async finish(seq: number, head: string) {
    const f = { session: this.session, seq, head, at: Date.now() };
    const res = await this.t.request.post(`${this.t.base}/api/v1/sessions/${this.session}/finish`, {
      data: { finish: f, sig: signature(finishBytes(f), this.keys.privateKey) },
    });
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  }
}

// verifyReceipt checks a signed receipt against the server's published key
// (GET /api/v1/receipt-key): the receipt as the server rendered it is the
// signed JSON (Go's field order, sorted map keys, integral numbers).
export async function verifyReceipt({ request, base }: Target, signed: { receipt: unknown; key: string; sig: string }) {
  const res = await request.get(`${base}/api/v1/receipt-key`);
  expect(res.status()).toBe(200);
  const { key } = await res.json();
  expect(signed.key).toBe(key);
  const pub = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key, 'base64')]), format: 'der', type: 'spki' });
  return crypto.verify(null, Buffer.from('lokaal/exam-receipt/v1\n' + JSON.stringify(signed.receipt)), pub, Buffer.from(signed.sig, 'base64'));
}
