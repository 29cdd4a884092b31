// The signed messages of the wire format, for the TypeScript suites (e2e/
// and contract/), which sign in the test (node:crypto) exactly the bytes
// the browser clients sign: wasm/wire's SigningBytes, a domain line, then
// encoding/json of the struct, fields in declaration order. Numbers are
// kept integral, so that JavaScript and Go print them alike. One copy, so
// both suites sign what the clients sign.
import crypto from 'node:crypto';

export type LineCount = { line: string; in: number; out: number };
export type Batch = { device: string; seq: number; build: string; start: number; end: number; lines: LineCount[] };

export type WireEvent = { kind: string; start: number; end: number; peak: number };
export type Summary = {
  session: string;
  seq: number;
  prev: string;
  build: string;
  window: { from: number; to: number };
  events: WireEvent[];
  health: { frames: number; fps: number };
};
export type Finish = { session: string; seq: number; head: string; at: number };

// genesis is the prev of a session's first summary.
export const genesis = '0'.repeat(64);

// batchBytes mirrors wire.CountBatch.SigningBytes.
export function batchBytes(b: Batch): Buffer {
  const canonical = {
    device: b.device, seq: b.seq, build: b.build, start: b.start, end: b.end,
    lines: b.lines.map((l) => ({ line: l.line, in: l.in, out: l.out })),
  };
  return Buffer.from('lokaal/count-batch/v1\n' + JSON.stringify(canonical));
}

// summaryBytes mirrors wire.Summary.SigningBytes.
export function summaryBytes(s: Summary): Buffer {
  const canonical = {
    session: s.session,
    seq: s.seq,
    prev: s.prev,
    build: s.build,
    window: { from: s.window.from, to: s.window.to },
    events: s.events.map((e) => ({ kind: e.kind, start: e.start, end: e.end, peak: e.peak })),
    health: { frames: s.health.frames, fps: s.health.fps },
  };
  return Buffer.from('lokaal/exam-summary/v1\n' + JSON.stringify(canonical));
}

// finishBytes mirrors wire.Finish.SigningBytes.
export function finishBytes(f: Finish): Buffer {
  const canonical = { session: f.session, seq: f.seq, head: f.head, at: f.at };
  return Buffer.from('lokaal/exam-finish/v1\n' + JSON.stringify(canonical));
}

// summaryHash is a summary's chain hash: the next summary's prev.
export const summaryHash = (s: Summary) => crypto.createHash('sha256').update(summaryBytes(s)).digest('hex');

// signature is the base64 Ed25519 signature of bytes.
export const signature = (bytes: Buffer, key: crypto.KeyObject) => crypto.sign(null, bytes, key).toString('base64');

// rawPublicKey is an Ed25519 public key as the API takes it: the raw 32
// bytes, base64.
export const rawPublicKey = (k: crypto.KeyObject) => {
  const der = k.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
};
