// The pages behind a token (calc serve --token-file): a page asked for without the cookie is
// the login form (401); the token given there opens the pages, and the official's form, whose
// API requests then carry it as a Bearer header, computes as without a token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, pageAt, root, shot, startServer } from './harness.mjs';

const TOKEN = 'browser-test-token-6f1c';
let server;
let browser;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calc-token-'));
  const file = join(dir, 'token');
  writeFileSync(file, `${TOKEN}\n`);
  server = await startServer(['--token-file', file], TOKEN);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('behind a token, the login form opens the pages and the form computes through the API', async () => {
  const { context, page } = await pageAt(browser, server.base, 1280);
  const first = await page.goto(`${server.base}/`);
  assert.equal(first.status(), 401);
  const token = page.getByLabel('访问令牌');
  await token.waitFor();
  await shot(page, 'login-1280');
  // A wrong token: the form again.
  await token.fill('not-the-token');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('alert').filter({ hasText: '令牌不正确' }).waitFor();
  await shot(page, 'login-wrong-1280');
  await page.getByLabel('访问令牌').fill(TOKEN);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${server.base}/`);
  await page.getByRole('group', { name: '申报单位', exact: true }).waitFor();
  await page.getByLabel('上传事实文件').setInputFiles(join(root, 'examples', 'enterprise.toml'));
  // 3,932,083.33: worked by hand in official.test.mjs.
  await page.locator('#total').filter({ hasText: '3,932,083.33' }).waitFor({ timeout: 15000 });
  // The API itself still wants the Bearer header: the cookie is for pages only.
  const bare = await page.evaluate(async () => (await fetch('/api/schema')).status);
  assert.equal(bare, 401);
  await context.close();
});
