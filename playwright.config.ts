// End-to-end tests drive Debian's Chromium (never a downloaded browser) with
// a fake camera that plays a real clip from the shared fixtures.
import { defineConfig } from '@playwright/test';
import { adminToken, clip, db, port } from './e2e/env';

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  // Two workers: the minute-long counting run beside the shorter tests. More
  // would starve the counters on a small CI machine.
  workers: 2,
  fullyParallel: true,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${clip}`,
        '--autoplay-policy=no-user-gesture-required',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: `bin/lokaal serve --addr 127.0.0.1:${port} --db ${db}`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: { LOKAAL_ADMIN_TOKEN: adminToken },
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
