// The official's page with a ledger (`calc serve --ledger L`): the result is computed with the
// ledger's awards, and the applicant's earlier awards in it are shown under the result, with the
// head the figures were computed against.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcBin, cleanEnv, launch, pageAt, root, screenshots, shot, startServer } from './harness.mjs';

// examples/enterprise.toml (total 3,932,083.33 without a ledger; see official.test.mjs) with a
// ledger award of 50,000 under clause 1 in 2026 (HT-009): the 2026 cap leaves
// 500,000 − 100,000 (its own HT-000) − 50,000 = 350,000, so clause 1 pays 350,000 (was 400,000)
// and the total is 3,932,083.33 − 50,000 = 3,882,083.33.
const TOTAL = '3,882,083.33';

let server;
let browser;
let head;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calc-ledger-page-'));
  const ledger = join(dir, 'ledger.db');
  const calc = (...args) => execFileSync(calcBin(), args, { cwd: dir, env: { ...cleanEnv(), CALC_LEDGER: ledger } }).toString();
  calc('ledger', 'init');
  writeFileSync(join(dir, 'p.csv'),
    '统一社会信用代码,单位名称,所属区县,条款,年度,事项编号,已获金额\n'
    + '91330302MA2H00001Y,温州示例智能科技有限公司,鹿城区,1,2026,HT-009,50000\n');
  head = calc('ledger', 'import', 'p.csv', '--round', '旧账').split('\n').find((l) => l.startsWith('台账 #1 '));
  assert.ok(head, 'import prints the head');
  server = await startServer(['--ledger', ledger]);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('with a ledger the result counts its awards and the page lists them with the head', async () => {
  for (const width of [1280, 800]) {
    const { context, page, outside } = await pageAt(browser, server.base, width);
    await page.goto(`${server.base}/`);
    await page.getByLabel('上传事实文件').setInputFiles(join(root, 'examples', 'enterprise.toml'));
    await page.locator('#total').filter({ hasText: TOTAL }).waitFor({ timeout: 15000 });
    const earlier = page.locator('#earlier');
    await earlier.getByText('台账中的往期奖补').waitFor({ timeout: 15000 });
    // The form may be evaluated more than once as the file fills it, each time drawing the
    // list again: the list is read once it has settled.
    const expected = [['#1', '1', 'HT-009 · 2026年度', '50,000.00', '旧账']];
    let seen = { rows: [], text: '' };
    for (let i = 0; i < 50; i++) {
      seen = await earlier.evaluate((node) => ({
        rows: [...node.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].slice(0, 5).map((td) => td.textContent)),
        text: node.textContent,
      }));
      if (JSON.stringify(seen.rows) === JSON.stringify(expected) && seen.text.includes(head)) break;
      await page.waitForTimeout(200);
    }
    assert.deepEqual(seen.rows, expected);
    assert.ok(seen.text.includes(head), `${head} in ${seen.text}`);
    await shot(page, `official-ledger-${width}`);
    await earlier.scrollIntoViewIfNeeded();
    await earlier.screenshot({ path: join(screenshots, `official-ledger-earlier-${width}.png`) });
    assert.deepEqual(outside, []);
    await context.close();
  }
});
