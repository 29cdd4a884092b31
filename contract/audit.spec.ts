// The access log's signed head (GET /api/v1/audit/head): both targets sign
// it with the audit key of LOKAAL_AUDIT_KEY (natively the environment, on
// the Worker its secret), so both publish the same key; the signature
// covers the domain line and {seq, hash, at}, and the head names an entry
// the exported log holds with that hash.
import crypto from 'node:crypto';
import { expect, test } from '@playwright/test';
import { auditSeed } from './env';
import { admin, rawPublicKey } from './lib';

// The raw public key of an Ed25519 seed: PKCS#8 is a fixed 16-byte prefix
// and the seed.
const seedKey = (seed: string) => crypto.createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed, 'base64')]),
  format: 'der', type: 'pkcs8',
});

test('GET /api/v1/audit/head is signed with LOKAAL_AUDIT_KEY and names a logged entry', async ({ request }) => {
  // Something logged first: an export of counts is.
  expect((await request.get('/api/v1/counts?bucket=1d', { headers: admin })).status()).toBe(200);
  const res = await request.get('/api/v1/audit/head', { headers: admin });
  expect(res.status(), await res.text()).toBe(200);
  const head = await res.json();
  expect(head.key, 'the key of the configured seed').toBe(rawPublicKey(crypto.createPublicKey(seedKey(auditSeed))));
  expect(head.seq).toBeGreaterThan(0);
  expect(Math.abs(Date.now() - head.at)).toBeLessThan(60_000);
  const signed = Buffer.from('lokaal/access-head/v1\n' + JSON.stringify({ seq: head.seq, hash: head.hash, at: head.at }));
  const pub = crypto.createPublicKey(seedKey(auditSeed));
  expect(crypto.verify(null, signed, pub, Buffer.from(head.sig, 'base64')), 'the signature verifies').toBe(true);
  const forged = Buffer.from('lokaal/access-head/v1\n' + JSON.stringify({ seq: head.seq + 1, hash: head.hash, at: head.at }));
  expect(crypto.verify(null, forged, pub, Buffer.from(head.sig, 'base64')), 'not for another seq').toBe(false);

  const log = await request.get('/api/v1/audit/export', { headers: admin });
  expect(log.status()).toBe(200);
  const entry = (await log.text()).trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.seq === head.seq);
  expect(entry?.hash, 'the exported log holds the head entry unchanged').toBe(head.hash);
  const exportHead = JSON.parse(log.headers()['lokaal-access-head']);
  expect(exportHead.key).toBe(head.key);
  expect(exportHead.seq).toBeGreaterThan(head.seq); // the export logged itself first

  expect((await request.get('/api/v1/audit/head')).status(), 'admin only').toBe(401);
});
