// The playwright project "exam-two-faces" runs this file with a fake camera
// playing two people side by side (playwright.config.ts).
import { test, expect, admin, attr } from './fixtures';
import { createExam, importStudents, reviewSession } from './exam-api';
import { finish, open, startProctored } from './exam-page';

test('two faces give multiple_faces; the reviewer timeline and the student record show them, without the reviewer notes', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const exam = await createExam(page.request, [{ kind: 'face_absent', threshold_s: 5 }, { kind: 'multiple_faces', threshold_s: 2 }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await open(page, s);
  const session = await startProctored(page); // straight to the exam, no pre-check
  await expect.poll(() => attr(page, 'faces'), { timeout: 20_000, message: 'the page sees two faces' }).toBe(2);
  await expect.poll(async () => (await page.locator('#summaries pre').allTextContents()).some((t) => t.includes('"multiple_faces"')),
    { timeout: 40_000, intervals: [1000] }).toBe(true);
  await finish(page);

  const stored = await reviewSession(page.request, session);
  const multiple = stored.events.filter((e) => e.kind === 'multiple_faces');
  console.log(`two faces: stored ${JSON.stringify(stored.events)}`);
  expect(multiple.length, 'multiple_faces stored').toBeGreaterThan(0);
  expect(Math.max(...multiple.map((e) => e.peak)), 'peak: the most faces').toBe(2);

  // A reviewer logs in (the review page sends them to /login and back) and
  // opens the session: the timeline is the server's SVG with a bar per
  // stored event.
  const password = 'e2e reviewer password';
  const res = await page.request.post('/api/v1/users', { headers: admin, data: { name: 'E2E Reviewer', role: 'reviewer', password } });
  expect(res.status()).toBe(201);
  // A reviewer sees only the exams assigned to them.
  const assign = await page.request.put(`/api/v1/exams/${exam.id}/reviewers`, { headers: admin, data: { reviewers: [(await res.json()).user.id] } });
  expect(assign.status(), await assign.text()).toBe(200);
  // The reviewer's computer is in New York; the server keeps Amsterdam
  // time (playwright.config.ts), and the page shows the server's clock.
  const ctx = await browser.newContext({ timezoneId: 'America/New_York' });
  const review = await ctx.newPage();
  await review.goto('/review');
  await expect(review).toHaveURL(/\/login\?next=%2Freview$/);
  await review.fill('#name', 'E2E Reviewer');
  await review.fill('#password', password);
  await review.click('#login button');
  await expect(review).toHaveURL(/\/review$/);
  await expect(review.locator('body')).toHaveAttribute('data-view', 'exams');
  const cookie = (await ctx.cookies()).find((c) => c.name === 'lokaal_session');
  expect(cookie?.httpOnly && cookie?.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict').toBe(true);
  await review.selectOption('#exam', exam.id);
  // The pre-check was skipped, so no face was seen: the list counts the
  // session so marked, the row and the session say it.
  await expect(review.locator(`#exam option[value="${exam.id}"]`)).toHaveAttribute('data-unreliable', '1');
  await expect(review.locator('#no-face-count')).toHaveAttribute('data-count', '1');
  await expect(review.locator('#sessions [data-no-face]')).toContainText('face not seen at pre-check: face detectors unreliable');
  // The session ran the client this server publishes, and the list says so.
  await expect(review.locator('#sessions td[data-build]')).toHaveAttribute('data-build', 'published');
  await expect(review.locator('#zone')).toContainText('Europe/Amsterdam');
  await expect(review.locator('#view-rule')).toContainText('10 minutes');
  await review.click(`#sessions button[data-session="${session}"]`);
  await expect(review.locator('body')).toHaveAttribute('data-view', 'session');
  await expect(review.locator('#no-face')).toContainText('face not seen at pre-check: face detectors unreliable');
  const bars = review.locator('#timeline svg rect.event[data-kind=multiple_faces]');
  await expect(bars).toHaveCount(multiple.length);
  await expect(review.locator('#timeline svg g.row[data-kind=multiple_faces]')).toHaveCount(1);
  await expect(review.locator('#events-table tr[data-kind=multiple_faces]')).toHaveCount(multiple.length);
  // The table and the timeline agree on the first event's time.
  const start = multiple.map((e) => e.start).sort((a, b) => a - b)[0];
  const amsterdam = new Date(start).toLocaleTimeString('en-GB', { timeZone: 'Europe/Amsterdam', hourCycle: 'h23' });
  await expect(review.locator('#events-table tr[data-kind=multiple_faces] td').nth(1)).toHaveText(amsterdam);
  await expect(bars.first().locator('title')).toContainText(amsterdam);
  // That view was recorded under the reviewer's name, once: opening the
  // session again (a refresh) adds no entry.
  const again = await reviewSession(page.request, session);
  expect(again.views.map((v) => v.who)).toContain('E2E Reviewer');
  const mine = again.views.filter((v) => v.who === 'E2E Reviewer').length;
  await review.click(`#sessions button[data-session="${session}"]`);
  await review.reload();
  await expect(review.locator('body')).toHaveAttribute('data-view', 'exams');
  await review.selectOption('#exam', exam.id);
  await review.click(`#sessions button[data-session="${session}"]`);
  await expect(review.locator('body')).toHaveAttribute('data-view', 'session');
  expect((await reviewSession(page.request, session)).views.filter((v) => v.who === 'E2E Reviewer').length, 'a refresh logs no new view').toBe(mine);
  // The reviewer marks the session and leaves a note for colleagues.
  await review.fill('#mark-reason', 'Second person beside the student');
  await review.click('#mark-form button');
  await expect(review.locator('#marks li')).toHaveCount(1);
  await review.fill('#note-text', 'Ask the invigilator about the seating plan');
  await review.click('#note-form button');
  await expect(review.locator('#notes li')).toHaveCount(1);
  await ctx.close();

  // The student's own record shows the same timeline, the mark and who
  // looked, but not the reviewer's note.
  await page.click('[data-action=record]');
  await expect(page.locator('body')).toHaveAttribute('data-step', 'record');
  await expect(page.locator('body')).toHaveAttribute('data-timelines', '1');
  await expect(page.locator(`[data-timeline="${session}"] svg rect.event[data-kind=multiple_faces]`)).toHaveCount(multiple.length);
  await expect(page.locator('#step')).toContainText('Second person beside the student');
  await expect(page.locator('#views')).toContainText('E2E Reviewer');
  await expect(page.locator('body')).not.toContainText('seating plan');
});
