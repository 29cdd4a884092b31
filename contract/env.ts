// Where the two targets of the contract suite listen, and what they share.
export const nativePort = Number(process.env.LOKAAL_CONTRACT_NATIVE_PORT ?? 18080);
export const workerPort = Number(process.env.LOKAAL_CONTRACT_WORKER_PORT ?? 18787);
// The worker's cron handler runs on POST ${workerControlURL}/scheduled (dev.mjs --control).
export const workerControlPort = workerPort + 1;
export const workerControlURL = `http://127.0.0.1:${workerControlPort}`;
export const nativeURL = `http://127.0.0.1:${nativePort}`;
export const workerURL = `http://127.0.0.1:${workerPort}`;
export const adminToken = 'contract-admin-token';
// Fresh databases for every run, under the gitignored out/.
export const stateDir = 'out/contract';
// The build the suite's node clients sign with, allow-listed on both
// targets (--allow-build natively, LOKAAL_ALLOW_BUILDS on the Worker).
export const nodeBuild = '4c6f6b61616c20636f6e74726163742073756974652c206e6f646520636c6e74';
// Both targets sign receipts with this seed (LOKAAL_RECEIPT_KEY), so they
// publish the same key.
export const receiptSeed = Buffer.alloc(32, 7).toString('base64');
// Both targets sign the access log's head with this seed (LOKAAL_AUDIT_KEY):
// the native server reads it from its environment, the Worker from the
// secret of that name (dev.mjs passes it as `wrangler secret put` would).
export const auditSeed = Buffer.alloc(32, 11).toString('base64');
