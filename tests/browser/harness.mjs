// The browser tests' harness: `calc serve` started on a free port (the release binary when it
// is built, else the debug one; CALC_BIN overrides), and Debian's chromium driven by
// playwright-core. Nothing is downloaded: the browser is /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshots = join(root, 'target', 'screenshots');

/** The environment without CALC_RULES or CALC_LEDGER: the embedded rules and no ledger, as the
 * CLI tests use. */
export function cleanEnv() {
  const env = { ...process.env };
  delete env.CALC_RULES;
  delete env.CALC_LEDGER;
  return env;
}

export function calcBin() {
  if (process.env.CALC_BIN) return resolve(process.env.CALC_BIN);
  for (const profile of ['release', 'debug']) {
    const p = join(root, 'target', profile, 'calc');
    if (existsSync(p)) return p;
  }
  throw new Error('no calc binary: cargo build first');
}

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** `calc serve` on a free loopback port, answering /api/health (with `token` as its Bearer
 * header when the server is given one). */
export async function startServer(extra = [], token = null) {
  const port = await freePort();
  const child = spawn(calcBin(), ['serve', '--addr', `127.0.0.1:${port}`, ...extra], {
    cwd: root,
    env: cleanEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  let failed = null;
  child.on('error', (e) => { failed = e; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (failed) throw new Error(`calc serve cannot start: ${failed.message}`);
    if (child.exitCode !== null) throw new Error(`calc serve exited ${child.exitCode}: ${log}`);
    try {
      const headers = token ? { Authorization: `Bearer ${token}` } : {};
      const res = await fetch(`${base}/api/health`, { headers });
      if (res.ok) break;
    } catch (_) { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`calc serve did not answer: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    log: () => log,
    stop: () => new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', ok);
      child.kill('SIGTERM');
    }),
  };
}

export async function launch() {
  mkdirSync(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page of `width` pixels that refuses any request to another host (none is expected). */
export async function pageAt(browser, base, width, extra = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true, ...extra });
  const outside = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith('blob:') || url.startsWith('data:') || url === 'about:blank') {
      return route.continue();
    }
    outside.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  return { context, page, outside };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** The number of pages of a PDF: its page objects (`/Type /Page`, not `/Pages`). */
export function pdfPages(buffer) {
  const text = buffer.toString('latin1');
  return (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}
