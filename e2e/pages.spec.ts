// The home page and the 404 page (playwright project "transparency").
import { test, expect, admin } from './fixtures';
import { noSideways } from './exam-page';
import { accessToken, createExam, importStudents } from './exam-api';

for (const width of [1280, 390]) {
  test(`home page at ${width} px: what each role does, where to log in, no token talk`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/');
    await expect(page.locator('#login-link')).toHaveAttribute('href', '/login');
    for (const role of ['Facilities', 'Kiosk', 'Students', 'Exam committee']) await expect(page.locator('#roles')).toContainText(role);
    await expect(page.locator('body')).not.toContainText(/token/i);
    await page.click('#login-link');
    await expect(page).toHaveURL(/\/login$/);
    await page.goBack();
    await noSideways(page, `home at ${width} px`);
  });

  test(`an unknown page at ${width} px is the site's HTML 404; an unknown API path stays JSON`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    const res = await page.goto('/no/such/page');
    expect(res!.status()).toBe(404);
    expect(res!.headers()['content-type']).toMatch(/^text\/html/);
    await expect(page.locator('body')).toHaveAttribute('data-page', 'not-found');
    await expect(page.locator('h2').first()).toHaveText('Page not found');
    await expect(page.locator('main')).toContainText('Pagina niet gevonden');
    // In the site's style: the stylesheet applies (the header bar is a flex row).
    expect(await page.locator('header.bar').evaluate((e) => getComputedStyle(e).display)).toBe('flex');
    await noSideways(page, `404 at ${width} px`);
    await page.click('main a[href="/"]');
    await expect(page).toHaveURL(/\/$/);

    const api = await page.request.get('/api/v1/no-such-route');
    expect(api.status()).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'not_found' });
  });
}

test('the student pages fit a 390 px phone: /rights with a link, /exam without one', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const exam = await createExam(page.request, [{ kind: 'focus_lost' }]);
  const [s] = await importStudents(page.request, exam.id, 1);
  await page.goto(`/rights#access=${accessToken(s)}`);
  await expect(page.locator('main')).toContainText(exam.name, { timeout: 20_000 });
  await noSideways(page, '/rights at 390 px');
  await page.goto('/exam');
  await expect(page.locator('body')).toHaveAttribute('data-step', 'notoken', { timeout: 20_000 });
  await noSideways(page, '/exam without a link at 390 px');
});

// The sample exam beside the exam panel follows the same language rule.
test('the sample exam reads in the reader\'s language', async ({ page }) => {
  await page.goto('/sample-exam?lang=nl');
  await expect(page.locator('h1')).toHaveText('Voorbeeldtentamen: Inleiding statistiek');
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  await page.goto('/sample-exam?lang=en');
  await expect(page.locator('h1')).toHaveText('Sample exam: Introduction to statistics');
});

// Every page at both widths: no sideways scroll, and a screenshot in
// test-results to look at. (/login and every admin section are also in
// admin.spec.ts; the exam's screens in exam.spec.ts.)
for (const width of [1280, 390]) {
  test(`every page at ${width} px: no sideways scroll, a screenshot each`, async ({ page, request }, info) => {
    const name = `e2e-pages-${Date.now()}-${width}`;
    expect((await request.post('/api/v1/users', { headers: admin,
      data: { name, role: 'admin', password: 'correct horse battery staple' } })).status()).toBe(201);
    const room = `pages-${width}-${Date.now()}`;
    expect((await request.post('/api/v1/kiosks', { headers: admin,
      data: { name: 'pages', room, interval_s: 60, lines: [{ name: 'door', a: [0, 0.8], b: [1, 0.8], mode: 'immediate', inside: 'left' }] } })).status()).toBe(201);
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/login?next=/dashboard');
    await page.fill('#name', name);
    await page.fill('#password', 'correct horse battery staple');
    await page.click('#login button');
    await expect(page.locator('#app')).toBeVisible();
    const exam = await createExam(page.request, [{ kind: 'face_absent' }]);
    const [s] = await importStudents(page.request, exam.id, 1);
    const pages = [['/dashboard', '#rooms'], [`/display?room=${encodeURIComponent(room)}`, 'body'], ['/kiosk', 'body'], ['/sample-exam', 'h1'],
      ['/', 'main'], ['/admin', '#app'], ['/admin/exams', '#app'], ['/review', '#app'], ['/transparency', 'main'],
      [`/rights#access=${accessToken(s)}`, 'main'], ['/no-such-page', 'main']];
    for (const [path, ready] of pages) {
      await page.goto(path);
      await expect(page.locator(ready).first()).toBeVisible();
      await page.waitForTimeout(300); // the first redraw
      await page.screenshot({ path: info.outputPath(`${path.split(/[?#]/)[0].slice(1).replaceAll('/', '-') || 'home'}-${width}.png`), fullPage: true });
      await noSideways(page, `${path} at ${width} px`);
    }
  });
}
