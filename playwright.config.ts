// End-to-end tests drive Debian's Chromium (never a downloaded browser) with
// a fake camera, and for the exam a fake microphone, playing real clips from
// the shared fixtures. Each project launches Chromium with its own media.
import crypto from 'node:crypto';
import { defineConfig } from '@playwright/test';
import { adminToken, chromiumArgs, clip, db, executablePath, faceClip, port, serverZone, speechWav, twoFacesClip } from './e2e/env';

const nodeProctorBuild = crypto.createHash('sha256').update('e2e node proctor').digest('hex');

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  // Two workers: the minute-long counting run beside the shorter tests. More
  // would starve the detectors on a small CI machine.
  workers: 2,
  fullyParallel: true,
  reporter: [['list']],
  globalSetup: './e2e/global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
  },
  projects: [
    {
      name: 'kiosk',
      testMatch: 'kiosk.spec.ts',
      use: { launchOptions: { executablePath, args: chromiumArgs(clip) } },
    },
    {
      // The counting screen on a slow device: 4× CPU throttling over CDP.
      // It runs last, alone: beside another worker's detectors on a 2-core
      // machine it measured that load on top of the emulated one (9 frames
      // a second processed instead of 13-19).
      name: 'kiosk-throttled',
      testMatch: 'kiosk-throttled.spec.ts',
      dependencies: ['kiosk', 'exam', 'exam-two-faces', 'rights', 'rooms', 'rooms-kiosk', 'transparency', 'admin'],
      use: { launchOptions: { executablePath, args: chromiumArgs(clip) } },
    },
    {
      // One man facing the camera, and speech on the microphone.
      name: 'exam',
      testMatch: 'exam.spec.ts',
      use: { launchOptions: { executablePath, args: chromiumArgs(faceClip, speechWav) } },
    },
    {
      // Two people side by side, no microphone.
      name: 'exam-two-faces',
      testMatch: 'exam-two-faces.spec.ts',
      use: { launchOptions: { executablePath, args: chromiumArgs(twoFacesClip) } },
    },
    {
      // The student's rights page: no camera, no microphone.
      name: 'rights',
      testMatch: 'rights.spec.ts',
      use: { launchOptions: { executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] } },
    },
    {
      // Rooms, the dashboard and the capacity display: no camera.
      name: 'rooms',
      testMatch: 'rooms.spec.ts',
      use: { launchOptions: { executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] } },
    },
    {
      // The kiosk's setup mode for rooms: the counting clip as the camera.
      name: 'rooms-kiosk',
      testMatch: 'rooms-kiosk.spec.ts',
      use: { launchOptions: { executablePath, args: chromiumArgs(clip) } },
    },
    {
      // /transparency, the integrity-checked wasm, staff login, the home and
      // 404 pages: no camera is reached.
      name: 'transparency',
      testMatch: ['transparency.spec.ts', 'login.spec.ts', 'reviewers.spec.ts', 'pages.spec.ts'],
      use: { launchOptions: { executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] } },
    },
    {
      // The administration, the language rule and page widths: no camera is reached.
      name: 'admin',
      testMatch: 'admin.spec.ts',
      use: { launchOptions: { executablePath, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] } },
    },
  ],
  webServer: {
    // The node proctor of e2e/exam-api.ts signs with its own build hash; the
    // browsers send the served ones, which are always allowed.
    // Amsterdam time, whatever this machine's zone: the pages must show the
    // server's clock (e2e/exam.spec.ts runs a browser in New York).
    command: `bin/lokaal serve --addr 127.0.0.1:${port} --db ${db} --allow-build ${nodeProctorBuild} --time-zone ${serverZone}`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: { LOKAAL_ADMIN_TOKEN: adminToken },
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
