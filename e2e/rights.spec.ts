// The playwright project "rights" runs this file without camera or
// microphone (playwright.config.ts): the rights page needs neither.
import fs from 'node:fs';
import { test, expect } from './fixtures';
import { accessToken, createExam, importStudents, reviewSessions } from './exam-api';

test('a student opens /rights from their link, downloads the export and files an objection the committee sees', async ({ page, traffic }) => {
  const exam = await createExam(page.request, [{ kind: 'focus_lost' }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  const token = accessToken(s);

  await page.goto(`/rights#access=${token}`);
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('#summary')).toContainText(s.student_id);
  await expect(page.locator('#email')).toHaveValue(s.email);

  // The JSON download is the export the page read.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#dl-json')]);
  expect(json.suggestedFilename()).toBe('lokaal-my-data.json');
  const doc = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
  expect(doc.student.student_id).toBe(s.student_id);
  expect(doc.exam.id).toBe(exam.id);

  // The archive is a zstd frame.
  const [zst] = await Promise.all([page.waitForEvent('download'), page.click('#dl-zst')]);
  expect(zst.suggestedFilename()).toBe('lokaal-my-data.json.zst');
  const archive = fs.readFileSync(await zst.path());
  expect([...archive.subarray(0, 4)], 'zstd magic number').toEqual([0x28, 0xb5, 0x2f, 0xfd]);

  // An objection, recorded and listed, and shown to the exam committee.
  const reason = `E2E objection ${Date.now()}: I prefer the oral exam.`;
  await page.fill('#objection-reason', reason);
  await page.click('#objection-form button');
  await expect(page.locator('#objections li')).toContainText(reason);
  // The confirmation is beside the form the student used.
  await expect(page.locator('#objection-result')).toBeVisible();
  await expect(page.locator('#objection-form #objection-result')).not.toBeEmpty();
  const rows = await reviewSessions(page.request, exam.id) as unknown as { objections: { reason: string }[] }[];
  expect(rows[0].objections.map((o) => o.reason)).toEqual([reason]);

  // Dutch on request, remembered like the exam page's choice.
  await page.click('#lang');
  await expect(page.locator('h1')).toHaveText('Jouw gegevens en rechten');
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');

  // The token never travelled in a URL, only as a bearer header.
  expect(traffic.filter((r) => r.url.includes(token)), 'requests with the token in the URL').toEqual([]);
});

test('without a token the page says where to open it', async ({ page }) => {
  await page.goto('/rights');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'notoken');
  await expect(page.locator('#notoken')).toBeVisible();
});
