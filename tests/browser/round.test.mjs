// The clerk's page (`/round`) in chromium: examples/round.csv uploaded gives, byte for byte,
// the output of `calc batch examples/round.csv`; with the summary, a zip of both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcBin, cleanEnv, launch, pageAt, root, shot, startServer } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('examples/round.csv uploaded on the clerk page gives the output of calc batch, byte for byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calc-round-'));
  const cli = join(dir, 'cli.csv');
  execFileSync(calcBin(), ['batch', 'examples/round.csv', '-o', cli, '--as-of', '2026-06-30'], {
    cwd: root, env: cleanEnv(), stdio: ['ignore', 'ignore', 'ignore'],
  });
  for (const width of [1280, 800]) {
    const { context, page, outside } = await pageAt(browser, server.base, width);
    await page.goto(`${server.base}/round`);
    await page.getByLabel('申报表文件').setInputFiles(join(root, 'examples', 'round.csv'));
    await page.getByLabel('计算基准日').fill('2026-06-30');
    await page.getByLabel('输出格式').selectOption('csv');
    await page.getByLabel('同时生成汇总表').uncheck();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: '计算并下载' }).click();
    const file = await download;
    const saved = join(dir, `web-${width}.csv`);
    await file.saveAs(saved);
    assert.ok(readFileSync(saved).equals(readFileSync(cli)), 'the page gives the CLI output');
    // 7 rows, none in error (examples/round.csv: 3 applicants, all rows valid).
    await page.getByRole('status').filter({ hasText: '共 7 行，0 行有错误' }).waitFor();
    await shot(page, `round-${width}`);
    assert.deepEqual(outside, []);
    await context.close();
  }
});

test('with the summary, the clerk gets a zip of the output and the summary', async () => {
  const { context, page } = await pageAt(browser, server.base, 1280);
  await page.goto(`${server.base}/round`);
  await page.getByLabel('申报表文件').setInputFiles(join(root, 'examples', 'round.csv'));
  await page.getByLabel('计算基准日').fill('2026-06-30');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '计算并下载' }).click();
  const file = await download;
  const dir = mkdtempSync(join(tmpdir(), 'calc-round-zip-'));
  const saved = join(dir, 'out.zip');
  await file.saveAs(saved);
  const bytes = readFileSync(saved);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004', 'a zip');
  await context.close();
});
