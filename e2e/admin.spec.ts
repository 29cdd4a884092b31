// The administration as an application: sections at their own addresses,
// forms that check before sending and keep their result beside them,
// tables that sort and filter; one language rule on every page (the lang
// query, then the stored choice, then the browser); no page scrolls
// sideways at the widths staff and students use.
import { expect, test, type Page } from '@playwright/test';
import { adminToken } from './env';
import { createExam, importStudents } from './exam-api';

const password = 'correct horse battery staple';

async function adminLogin(page: Page, request: import('@playwright/test').APIRequestContext) {
  const name = `e2e-app-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  expect((await request.post('/api/v1/users', {
    headers: { Authorization: `Bearer ${adminToken}` }, data: { name, role: 'admin', password },
  })).status()).toBe(201);
  await page.goto('/login?next=/admin');
  await page.fill('#name', name);
  await page.fill('#password', password);
  await page.click('#login button');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready');
  return name;
}

test('each section has its own address, reached by URL and by the navigation', async ({ page, request }) => {
  await adminLogin(page, request);
  // The server's one clock (serve --time-zone Europe/Amsterdam) is named.
  await expect(page.locator('#zone')).toContainText('Europe/Amsterdam');
  await page.goto('/admin/staff');
  await expect(page.locator('#s-staff')).toBeVisible();
  await expect(page.locator('#nav a[aria-current=page]')).toHaveAttribute('data-section', 'staff');
  await page.click('#nav a[data-section=exams]');
  await expect(page).toHaveURL(/\/admin\/exams$/);
  await expect(page.locator('#s-exams')).toBeVisible();
  await expect(page.locator('#s-staff')).toBeHidden();
  await page.goBack();
  await expect(page).toHaveURL(/\/admin\/staff$/);
  await expect(page.locator('#s-staff')).toBeVisible();
  // /admin is Rooms & counts; an unknown section is not a page.
  await page.goto('/admin');
  await expect(page.locator('#nav a[aria-current=page]')).toHaveAttribute('data-section', 'rooms');
  expect((await request.get('/admin/nope')).status()).toBe(404);
});

test('a form checks before it sends and its result stays beside it', async ({ page, request }) => {
  await adminLogin(page, request);
  await page.goto('/admin/exams');
  let posted = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/exams')) posted++; });
  // Announced 3 days before the start, no crisis exception: refused here,
  // beside the field, and nothing is sent.
  const day = (d: number) => new Date(Date.now() + d * 86400_000);
  const local = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const name = `e2e form ${Date.now()}`;
  await page.fill('#e-name', name);
  await page.fill('#e-course', 'E2E101');
  await page.fill('#e-start', `${local(day(3))}T09:00`);
  await page.fill('#e-end', `${local(day(3))}T11:00`);
  await page.fill('#e-announced', local(day(0)));
  await page.fill('#e-legal', 'Exam regulations art. 5');
  await page.fill('#e-considered', 'On campus: no rooms.');
  await page.click('#exam-create button.primary');
  await expect(page.locator('#e-announced')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#exam-create .field-error')).toContainText('10 days');
  await expect(page.locator('#exam-result')).toHaveClass(/error/);
  expect(posted).toBe(0);
  // With the crisis exception written down, it is sent and created.
  await page.fill('#e-crisis', 'Campus closed by the city');
  await page.click('#exam-create button.primary');
  await expect(page.locator('#exam-result')).toContainText(`Exam ${name} created`);
  expect(posted).toBe(1);
  await expect(page.locator(`#exams-table tbody tr`, { hasText: name })).toHaveCount(1);
  // The result survives a visit to another section and a language switch.
  await page.click('#nav a[data-section=kiosks]');
  await page.click('#nav a[data-section=exams]');
  await expect(page.locator('#exam-result')).toContainText(`Exam ${name} created`);
  await page.click('button[data-lang-toggle]');
  await expect(page.locator('#exam-result')).toContainText(`Tentamen ${name} aangemaakt`);
  await page.click('button[data-lang-toggle]');
});

test('the kiosk enrolment link stays after the list refreshes', async ({ page, request }) => {
  await adminLogin(page, request);
  await page.goto('/admin/kiosks');
  const room = `e2e-room-${Date.now()}`;
  await page.fill('#k-name', `kiosk ${room}`);
  await page.fill('#k-room', room);
  // Two lines with one name are refused before anything is sent.
  await page.click('#add-line');
  await page.locator('#lines input.line-name').nth(1).fill('door');
  await page.click('#create button.primary');
  await expect(page.locator('#lines input.line-name').nth(1)).toHaveAttribute('aria-invalid', 'true');
  await page.locator('#lines tr').nth(1).locator('button').click();
  await page.click('#create button.primary');
  await expect(page.locator('#kiosk-result')).toContainText(`Kiosk kiosk ${room} created`);
  await expect(page.locator('#create a.enrol-url')).toHaveAttribute('href', /\/kiosk#enrol=/);
  await expect(page.locator(`#kiosks-table tr[data-kiosk]`, { hasText: room })).toHaveCount(1);
  // Another section and back: the list is fetched again, the link is still shown.
  await page.click('#nav a[data-section=rooms]');
  await page.click('#nav a[data-section=kiosks]');
  await expect(page.locator('#create a.enrol-url')).toBeVisible();
});

test('the exams and access-log tables sort and filter', async ({ page, request }) => {
  const tag = `sortme${Date.now()}`;
  const made = [];
  for (const n of ['b', 'a', 'c']) made.push(await createExam(request, [], { name: `${tag} ${n}` }));
  await adminLogin(page, request);
  await page.goto('/admin/exams');
  const box = page.locator('#s-exams input.filter');
  await box.fill(tag);
  const names = () => page.locator('#exams-table tbody tr strong').allTextContents();
  await expect(page.locator('#exams-table tbody tr')).toHaveCount(3);
  await page.click('#exams-table th[data-col=name] button');
  expect(await names()).toEqual([`${tag} a`, `${tag} b`, `${tag} c`]);
  await expect(page.locator('#exams-table th[data-col=name]')).toHaveAttribute('aria-sort', 'ascending');
  await page.click('#exams-table th[data-col=name] button');
  expect(await names()).toEqual([`${tag} c`, `${tag} b`, `${tag} a`]);
  await box.fill(`${tag} b`);
  expect(await names()).toEqual([`${tag} b`]);

  await page.click('#nav a[data-section=access-log]');
  await page.click('#log-form button.primary');
  await expect(page.locator('#log-result')).toContainText('Entries 1 to');
  const seqs = async () => (await page.locator('#log-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq')))));
  const newestFirst = await seqs();
  expect(newestFirst.length).toBeGreaterThan(3);
  expect(newestFirst).toEqual([...newestFirst].sort((a, b) => b - a));
  await page.click('#log-table th[data-col=seq] button');
  expect(await seqs()).toEqual([...newestFirst].sort((a, b) => a - b));
  await page.locator('#s-access-log input.filter').fill('create exam');
  const actions = await page.locator('#log-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
  expect(actions.length).toBeGreaterThanOrEqual(3);
  expect(new Set(actions)).toEqual(new Set(['create exam']));
});

test.describe('one language rule: the lang query, then the stored choice, then the browser', () => {
  test.use({ locale: 'nl-NL' });

  for (const [path, sel, nl, en] of [
    ['/login', '#login h2', 'Inloggen', 'Log in'],
    ['/transparency', 'h1', 'Transparantie', 'Transparency'],
    ['/rights', '#notoken', 'persoonlijke link', 'personal link'],
  ] as const) {
    test(path, async ({ page }) => {
      // A Dutch browser, nothing stored: Dutch.
      await page.goto(path);
      await expect(page.locator(sel)).toContainText(nl);
      await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
      // The query wins over the browser, and is not stored.
      await page.goto(`${path}?lang=en`);
      await expect(page.locator(sel)).toContainText(en);
      await page.goto(path);
      await expect(page.locator(sel)).toContainText(nl);
      // A stored choice wins over the browser, the query over both.
      await page.evaluate(() => localStorage.setItem('lokaal-lang', 'en'));
      await page.goto(path);
      await expect(page.locator(sel)).toContainText(en);
      await page.goto(`${path}?lang=nl`);
      await expect(page.locator(sel)).toContainText(nl);
      await page.evaluate(() => localStorage.removeItem('lokaal-lang'));
    });
  }

  test('admin, with detector names from the catalogue', async ({ page, request }) => {
    await adminLogin(page, request);
    await page.goto('/admin/exams');
    await expect(page.locator('#nav a[data-section=exams]')).toHaveText('Tentamens');
    await expect(page.locator('#e-detectors label[for=d-speech] strong')).toHaveText('Spraak');
    await page.goto('/admin/exams?lang=en');
    await expect(page.locator('#nav a[data-section=exams]')).toHaveText('Exams');
    await expect(page.locator('#e-detectors label[for=d-speech] strong')).toHaveText('Speech');
    // The toggle stores the choice, and drops the query that would win on reload.
    await page.click('button[data-lang-toggle]');
    await expect(page).toHaveURL(/\/admin\/exams$/);
    await expect(page.locator('#nav a[data-section=exams]')).toHaveText('Tentamens');
    await page.click('button[data-lang-toggle]');
    await page.reload();
    await expect(page.locator('#nav a[data-section=exams]')).toHaveText('Exams');
    await page.evaluate(() => localStorage.removeItem('lokaal-lang'));
  });
});

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test.describe('no sideways scroll', () => {
  test('at 390 px: /login, /admin and /transparency', async ({ page, request }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, ready] of [['/login', 'data-ready'], ['/transparency', 'data-state']]) {
      await page.goto(path);
      await expect(page.locator('body')).toHaveAttribute(ready, /./);
      expect(await overflow(page), path).toBeLessThanOrEqual(0);
    }
    await adminLogin(page, request);
    for (const s of ['rooms', 'kiosks', 'exams', 'students', 'reviewers', 'staff', 'deletions', 'retention', 'access-log']) {
      await page.goto(`/admin/${s}`);
      await expect(page.locator('body')).toHaveAttribute('data-state', 'ready');
      expect(await overflow(page), s).toBeLessThanOrEqual(0);
    }
  });

  test('/transparency: the detector table stays inside its card', async ({ page }) => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/transparency');
      await expect(page.locator('body')).toHaveAttribute('data-state', 'ready');
      const spill = await page.locator('#exam').evaluate((card) => {
        const c = card.getBoundingClientRect();
        return Math.max(...[...card.querySelectorAll('table')].map((t) => t.getBoundingClientRect().right - c.right));
      });
      expect(spill, `${width} px`).toBeLessThanOrEqual(0);
      expect(await overflow(page), `${width} px`).toBeLessThanOrEqual(0);
    }
  });

  test('/review at 1280 px, with a session listed', async ({ page, request }) => {
    // The sessions table has a column per detector kind, whatever the exam runs.
    const exam = await createExam(request, []);
    await importStudents(request, exam.id, 2);
    await adminLogin(page, request);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/review');
    await page.selectOption('#exam', exam.id);
    await expect(page.locator('#sessions-table')).toBeVisible();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });
});

test('the Students section lists an exam\'s students from before this visit, links only where made now', async ({ page, request }) => {
  await adminLogin(page, request);
  const exam = await createExam(request, [{ kind: 'face_absent' }]);
  const [s] = await importStudents(request, exam.id, 1); // by the API: no link on this page
  await page.goto('/admin/students');
  await page.selectOption('#i-exam', exam.id);
  await page.click('#show-students');
  const row = page.locator(`#student-links tr[data-student="${s.student_id}"]`);
  await expect(row).toContainText(s.email);
  await expect(row).toContainText('shown once, at import');
  await expect(page.locator('#list-result')).toContainText('1 students');
});
