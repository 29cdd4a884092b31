// Exam helpers for the specs: the admin, student and reviewer APIs, and a
// Node-side proctor that signs summaries the way the browser does, so the
// server's checks can be driven one by one.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, type APIRequestContext } from '@playwright/test';
import { finishBytes, rawPublicKey, signature, summaryBytes, type Summary, type WireEvent } from '../testkit/wire';
import { admin, origin, unique } from './fixtures';

export { genesis, summaryHash, type Summary, type WireEvent } from '../testkit/wire';

export type Detector = { kind: string; threshold_s?: number };
export type Exam = { id: string; name: string; detectors: Detector[]; interval_s: number };
export type Student = { id: string; student_id: string; email: string; link: string };

const day = 24 * 3600 * 1000;

// createExam makes an exam running from a few minutes ago for two hours,
// announced 11 days before, framing the built-in sample exam.
export async function createExam(request: APIRequestContext, detectors: Detector[], more: Record<string, unknown> = {}) {
  const now = Date.now();
  const res = await request.post('/api/v1/exams', {
    headers: admin,
    data: {
      name: unique('exam'),
      course: 'E2E101',
      start: new Date(now - 5 * 60_000).toISOString(),
      end: new Date(now + 2 * 3600_000).toISOString(),
      announced: new Date(now - 11 * day).toISOString(),
      legal_basis: 'Exam regulations art. 4.2, e2e test',
      alternatives_considered: 'An oral exam on campus; an open-book take-home assignment.',
      alternative_exam: 'An oral exam on campus the week after.',
      url: '/sample-exam',
      detectors,
      interval_s: 5,
      ...more,
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as Exam;
}

// importStudents adds n students by CSV and returns them with their links.
export async function importStudents(request: APIRequestContext, exam: string, n: number): Promise<Student[]> {
  const tag = unique('s');
  const csv = 'student_id,email\n' + Array.from({ length: n }, (_, i) => `${tag}-${i},${tag}-${i}@example.edu`).join('\n') + '\n';
  const res = await request.post(`/api/v1/exams/${exam}/students`, {
    headers: { ...admin, 'Content-Type': 'text/csv' },
    data: csv,
  });
  expect(res.status(), await res.text()).toBe(201);
  const { students } = await res.json();
  expect(students).toHaveLength(n);
  return students;
}

// accessToken is the token in a student's link fragment.
export const accessToken = (s: Student) => new URL(s.link, 'http://x').hash.slice('#access='.length);

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function getJSON(request: APIRequestContext, url: string, headers: Record<string, string>) {
  const res = await request.get(url, { headers });
  expect(res.status(), `${url}: ${await res.text()}`).toBe(200);
  return res.json();
}

// Reviewer views, through the admin token (which the server logs as admin).
export const reviewSessions = (request: APIRequestContext, exam: string) =>
  getJSON(request, `/api/v1/review/exams/${exam}/sessions`, admin) as Promise<ReviewStudent[]>;
export const reviewSession = (request: APIRequestContext, session: string) =>
  getJSON(request, `/api/v1/review/sessions/${session}`, admin) as Promise<ReviewSession>;

export type ReviewStudent = {
  student: { id: string; student_id: string; choice: string; accommodations: string[] };
  sessions: { id: string; started: string; finished: string; unreliable: boolean; counts: Record<string, number> }[];
};
export type ReviewSession = { events: WireEvent[]; summaries: number; views: { who: string }[] };

// NodeProctor is a session whose key lives in the test: it registers with a
// student's token and signs whatever summary the test wants sent.
export class NodeProctor {
  readonly keys = crypto.generateKeyPairSync('ed25519');
  readonly build = crypto.createHash('sha256').update('e2e node proctor').digest('hex');
  session = '';
  policy: { session: string; detectors: Detector[]; interval_s: number; from: number; to: number } | undefined;

  constructor(private request: APIRequestContext, private token: string) {}

  publicKey(): string {
    return rawPublicKey(this.keys.publicKey);
  }

  async start() {
    let res = await this.request.post('/api/v1/student/choice', { headers: bearer(this.token), data: { choice: 'proctored' } });
    expect(res.status(), await res.text()).toBe(200);
    res = await this.request.post('/api/v1/student/sessions', {
      headers: bearer(this.token),
      data: {
        public_key: this.publicKey(),
        build: this.build,
        precheck: { camera: true, face_found: true, microphone: false, baseline: 100, face_frames: 30, frames: 30 },
      },
    });
    expect(res.status(), await res.text()).toBe(201);
    this.policy = await res.json();
    this.session = this.policy!.session;
    expect(this.session).toBeTruthy();
  }

  summary(seq: number, prev: string, events: WireEvent[], from = Date.now() - 5000): Summary {
    return { session: this.session, seq, prev, build: this.build, window: { from, to: from + 5000 }, events, health: { frames: 150, fps: 30 } };
  }

  sign(s: Summary) {
    return { summary: s, sig: signature(summaryBytes(s), this.keys.privateKey) };
  }

  // finish closes the session at seq/head, signed as wire.Finish.
  async finish(seq: number, head: string) {
    const f = { session: this.session, seq, head, at: Date.now() };
    const sig = signature(finishBytes(f), this.keys.privateKey);
    const res = await this.request.post(`/api/v1/sessions/${this.session}/finish`, { data: { finish: f, sig } });
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  }

  // post sends a body (an object, or raw JSON text) as the browser would: no
  // bearer, just the signature.
  async post(body: unknown) {
    const res = await this.request.post('/api/v1/summaries', { headers: { 'Content-Type': 'application/json' }, data: body as object });
    return { status: res.status(), body: await res.json().catch(() => ({})) };
  }
}

// verifyReceipt runs `bin/lokaal verify-receipt` on a receipt file against
// this server's published key.
export function verifyReceipt(file: string) {
  const r = spawnSync(path.resolve(__dirname, '../bin/lokaal'), ['verify-receipt', '--server', origin, file], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// tamperedCopy writes the receipt with one count raised, beside the original.
export function tamperedCopy(file: string): string {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  r.receipt.counts = { ...r.receipt.counts, focus_lost: (r.receipt.counts?.focus_lost ?? 0) + 1 };
  const out = file.replace(/(\.json)?$/, '.tampered.json');
  fs.writeFileSync(out, JSON.stringify(r));
  return out;
}
