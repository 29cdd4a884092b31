// Settings shared by playwright.config.ts and the specs. The runner and each
// worker load this file separately, so what must agree between them (port,
// database) is decided once and passed down in the environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const fixtures = process.env.LOKAAL_FIXTURES || path.resolve(__dirname, '../../shared/fixtures');
export const clip = path.join(fixtures, 'counting', 'one-by-one-640x480-10fps.mjpeg');
if (!fs.existsSync(clip)) {
  throw new Error(`e2e needs the fixture clip ${clip}: put the shared fixtures beside the repo or set LOKAAL_FIXTURES`);
}

export const adminToken = 'e2e-admin-token-0123456789abcdef0123';
process.env.LOKAAL_E2E_PORT ||= String(20000 + Math.floor(Math.random() * 20000));
process.env.LOKAAL_E2E_DB ||= path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lokaal-e2e-')), 'e2e.db');
export const port = Number(process.env.LOKAAL_E2E_PORT);
export const db = process.env.LOKAAL_E2E_DB;
