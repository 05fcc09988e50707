// Drives headless Debian Chromium through poolguard's CAPTCHA and Challenge
// interstitials (test/e2e/challenge_test.go starts the proxy).
//
// Environment:
//   PW_MODULE   file URL of playwright-core's index.mjs (from e2e/node_modules)
//   CHROMIUM    the Chromium executable
//   BASE_URL    the proxy's Hosted UI listener (http://127.0.0.1:PORT)
//   CAPTCHA     the answer to type in the built-in puzzle
//
// Prints {"challenge": {...}, "captcha": {...}} with, per flow, the status
// of the first response, the final page's text and the aws-waf-token cookie.
const { chromium } = await import(process.env.PW_MODULE);
const base = process.env.BASE_URL;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function flow(path, solve) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  const statuses = [];
  page.on('response', (r) => { if (r.request().isNavigationRequest()) statuses.push(r.status()); });
  const started = Date.now();
  let error = '';
  try {
    const first = await page.goto(base + path, { waitUntil: 'domcontentloaded' });
    statuses[0] = first.status();
    await solve(page);
    await page.waitForSelector('#app-content', { timeout: 30000 });
  } catch (e) {
    error = String(e);
  }
  const cookies = await context.cookies();
  const token = (cookies.find((c) => c.name === 'aws-waf-token') || {}).value || '';
  const text = await page.evaluate(() => document.body.innerText).catch(() => '');
  const userAgent = await page.evaluate(() => navigator.userAgent).catch(() => '');
  await context.close();
  return { statuses, text, token, userAgent, error, ms: Date.now() - started, console: consoleLines };
}

const out = {};
try {
  out.challenge = await flow('/app/home', async () => {});
  out.captcha = await flow('/login?client_id=e2e', async (page) => {
    await page.waitForSelector('#pg-captcha');
    await page.waitForFunction(() => document.getElementById('pg-status').textContent.includes('answer'), null, { timeout: 30000 });
    await page.fill('#pg-captcha', process.env.CAPTCHA);
    await page.click('#pg-submit');
  });
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
