// The page both WebAssembly benches run in: headless Debian Chromium, with
// files served by page.route from memory (no server), and every other
// request blocked and printed, so nothing leaves the machine unnoticed.
import { chromium } from '@playwright/test';

// openBenchPage serves files ({path: [contentType, body]}) at
// http://bench.invalid/ and opens '/'. The caller closes the browser.
export async function openBenchPage(files) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.route('**/*', (route) => {
    console.error(`  blocked ${route.request().url()}`);
    return route.abort('blockedbyclient');
  });
  await page.route('http://bench.invalid/**', (route) => {
    const [contentType, body] = files[new URL(route.request().url()).pathname] ?? ['text/plain', ''];
    return route.fulfill({ status: body === '' ? 404 : 200, contentType, body });
  });
  await page.goto('http://bench.invalid/');
  return { browser, page };
}
