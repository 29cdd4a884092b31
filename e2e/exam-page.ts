// Helpers for specs that drive the student's exam page with Chromium's fake
// camera and microphone.
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import type { Student, Summary } from './exam-api';

// recordMedia wraps getUserMedia (and the legacy forms) before any page
// script runs, so a test can read every set of constraints the page asked
// for from window.lokaalMediaCalls.
export const recordMedia = () => {
  const calls: unknown[] = [];
  (window as unknown as { lokaalMediaCalls: unknown[] }).lokaalMediaCalls = calls;
  const md = navigator.mediaDevices;
  if (md?.getUserMedia) {
    const orig = md.getUserMedia.bind(md);
    md.getUserMedia = (c?: MediaStreamConstraints) => {
      calls.push(JSON.parse(JSON.stringify(c ?? null)));
      return orig(c);
    };
  }
  const nav = navigator as unknown as Record<string, unknown>;
  for (const name of ['getUserMedia', 'webkitGetUserMedia']) {
    if (typeof nav[name] === 'function') {
      const orig = (nav[name] as (...a: unknown[]) => unknown).bind(navigator);
      nav[name] = (c: unknown, ...rest: unknown[]) => {
        calls.push({ legacy: name, constraints: JSON.parse(JSON.stringify(c ?? null)) });
        return orig(c, ...rest);
      };
    }
  }
};
export type MediaCall = { video?: unknown; audio?: unknown };
export const mediaCalls = (page: Page) => page.evaluate(() => (window as unknown as { lokaalMediaCalls: MediaCall[] }).lokaalMediaCalls);

export const step = (page: Page) => page.locator('body');

export async function open(page: Page, s: Student) {
  await page.addInitScript(recordMedia);
  if (process.env.LOKAAL_E2E_CONSOLE) page.on('console', (m) => console.log(`page ${m.type()}: ${m.text()}`));
  await page.goto(s.link);
  await expect(step(page)).toHaveAttribute('data-step', 'transparency', { timeout: 30_000 });
}

// shownDetectors is what the transparency screen lists, in its order.
export const shownDetectors = (page: Page) => page.locator('#detectors li[data-kind]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind')));

export async function precheck(page: Page) {
  await page.click('[data-action=to-precheck]');
  await expect(step(page)).toHaveAttribute('data-step', 'precheck');
  await page.click('[data-action=precheck-start]');
  await expect(page.locator('#precheck-result')).toBeVisible({ timeout: 30_000 });
}

export async function startProctored(page: Page) {
  await page.click('[data-action=to-choice]');
  await expect(step(page)).toHaveAttribute('data-step', 'choice');
  await page.click('[data-action=choose][value=proctored]');
  await expect(step(page)).toHaveAttribute('data-step', 'exam', { timeout: 20_000 });
  await expect(step(page)).toHaveAttribute('data-session', /.+/);
  return (await step(page).getAttribute('data-session'))!;
}

// finish presses Finish once and confirms in the dialog, then waits for the
// receipt.
export async function finish(page: Page) {
  await page.click('[data-action=finish]');
  await expect(page.locator('#finish-dialog')).toBeVisible();
  await page.click('[data-action=finish-confirm]');
  await expect(step(page)).toHaveAttribute('data-step', 'end', { timeout: 60_000 });
  return JSON.parse((await page.locator('#receipt').textContent())!);
}

// noSideways checks the page does not scroll sideways at its width.
export async function noSideways(page: Page, what: string) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(scroll, `${what}: no sideways scroll (scrollWidth ${scroll} > clientWidth ${client})`).toBeLessThanOrEqual(client);
}

export type Traffic = { url: string; method: string; body: Buffer | null }[];

// posted returns the signed summaries the page sent, in order.
export const posted = (traffic: Traffic) => traffic
  .filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/summaries') && r.body)
  .map((r) => ({ raw: r.body!.toString(), ...(JSON.parse(r.body!.toString()) as { summary: Summary; sig: string }) }));
export const postedKinds = (traffic: Traffic) => new Set(posted(traffic).flatMap((p) => p.summary.events.map((e) => e.kind)));

