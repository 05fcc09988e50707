// Drives the Amplify v6 page (amplify/, bundled by build.mjs and served by
// the test) in headless Debian Chromium with playwright-core: one fresh
// browser context (empty storage) per scenario.
//
// Environment:
//   PAGE_URL    where the page is served (http://localhost:PORT/)
//   CHROMIUM    the Chromium executable (default /usr/bin/chromium); no
//               browser is ever downloaded
//   SCENARIOS   JSON: [{"name": "...", "params": {query parameters of the
//               page: endpoint, pool, client, email, ...}}]
//   TIMEOUT_MS  per scenario (default 45000)
//
// Prints {"scenarios": [{name, library, endpoint, origin, ok, steps,
// console}]} as JSON on stdout.
import { chromium } from 'playwright-core';
import { mustEnv } from './lib/report.mjs';

const pageURL = mustEnv('PAGE_URL');
const scenarios = JSON.parse(mustEnv('SCENARIOS'));
const timeout = Number(process.env.TIMEOUT_MS || 45000);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const out = [];
try {
  for (const { name, params } of scenarios) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleLines.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    const url = `${pageURL}?${new URLSearchParams(params)}`;
    let result;
    try {
      await page.goto(url, { timeout });
      await page.waitForFunction(() => window.__done === true, null, { timeout });
      result = await page.evaluate(() => window.__results);
    } catch (err) {
      result = { ok: false, steps: [], driverError: String(err?.message ?? err) };
    }
    out.push({ name, ...result, console: consoleLines });
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ scenarios: out }) + '\n');
