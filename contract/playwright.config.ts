// The contract suite: the same HTTP checks against `bin/lokaal serve` and
// against the Worker in workerd (server/cmd/worker/dev.mjs, offline on
// 127.0.0.1). API only: Playwright's request fixture, no browser. Run with
// `make contract`, which builds both targets first.
import { defineConfig } from '@playwright/test';
import { adminToken, auditSeed, nativePort, nativeURL, nodeBuild, receiptSeed, stateDir, workerControlPort, workerPort, workerURL } from './env';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 30_000,
  fullyParallel: true,
  reporter: [['list']],
  projects: [
    { name: 'contract-native', use: { baseURL: nativeURL } },
    { name: 'contract-worker', use: { baseURL: workerURL } },
  ],
  // Both servers start for any project, so a check may compare the two.
  webServer: [
    {
      command: `rm -rf ${stateDir}/native && bin/lokaal serve --addr 127.0.0.1:${nativePort} --db ${stateDir}/native/lokaal.db --allow-build ${nodeBuild}`,
      cwd: '..',
      url: `${nativeURL}/healthz`,
      // UTC: the Worker's clock zone, so both cut 1d buckets alike.
      env: { LOKAAL_ADMIN_TOKEN: adminToken, LOKAAL_RECEIPT_KEY: receiptSeed, LOKAAL_AUDIT_KEY: auditSeed, TZ: 'UTC' },
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node server/cmd/worker/dev.mjs --port ${workerPort} --state ${stateDir}/worker --fresh --quiet --control ${workerControlPort}`,
      cwd: '..',
      url: `${workerURL}/healthz`,
      env: { LOKAAL_ADMIN_TOKEN: adminToken, LOKAAL_RECEIPT_KEY: receiptSeed, LOKAAL_AUDIT_KEY: auditSeed, LOKAAL_ALLOW_BUILDS: nodeBuild, WRANGLER_SEND_METRICS: 'false' },
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
