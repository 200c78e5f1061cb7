// The official's page (`/`) in chromium: the form for examples/enterprise.toml filled by its
// Chinese labels gives the command line's total; a mistyped credit code is refused at its field
// as it is typed; English with ?lang=en; a facts file in and out; the decision sheet printed to
// an A4 PDF of at most 3 pages. Screenshots at 1280 and 800 pixels go to target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcBin, cleanEnv, launch, pageAt, pdfPages, root, screenshots, shot, startServer } from './harness.mjs';

// examples/enterprise.toml worked by hand (as of 2026-06-30, its [application] date):
//   clause 1: 1,200,000 × 30% = 360,000; 800,000 × 10% = 80,000, cut by the 2026 cap
//             500,000 − 100,000 (prior HT-000) − 360,000 = 40,000; 360,000 + 40,000 = 400,000
//   clause 2: 300,000 × 30% = 90,000
//   clause 3: 800,000 × 30% = 240,000
//   clause 4: the rules give no tiers: discretionary, at most 3,000,000 (not in the total)
//   clause 5: 12,000,000 × 20% = 2,400,000, capped at 2,000,000
//   clause 6: provincial industry-type digital service provider: 150,000
//   clause 9: little giant 1,000,000 − 100,000 already paid for RZ-002 = 900,000
//   clause 12: 10,000,000 × 1.5% × 365 / 360 = 152,083.333… → 152,083.33
//   total: 400,000 + 90,000 + 240,000 + 2,000,000 + 150,000 + 900,000 + 152,083.33 = 3,932,083.33
const TOTAL = '3,932,083.33';

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

function cliTotal(file) {
  const out = execFileSync(calcBin(), [file, '--format', 'json'], { cwd: root, env: cleanEnv() });
  return JSON.parse(out.toString()).total;
}

/** Groups found by their exact name (a section's legend, an item's "算力服务合同 2"). */
const group = (scope, name) => scope.getByRole('group', { name, exact: true });

async function addItem(page, section, n, fields) {
  await page.getByRole('button', { name: `添加${section}`, exact: true }).click();
  const item = group(page, `${section} ${n}`);
  await fillFields(item, fields);
}

async function fillFields(scope, fields) {
  for (const [label, value] of Object.entries(fields)) {
    const input = scope.getByLabel(label, { exact: false }).first();
    const tag = await input.evaluate((e) => e.tagName);
    if (tag === 'SELECT') await input.selectOption({ label: value });
    else await input.fill(value);
  }
}

/** examples/enterprise.toml, typed into the form by the labels an official reads. */
async function fillEnterprise(page) {
  await fillFields(group(page, '申报单位'), {
    单位名称: '温州示例智能科技有限公司',
    统一社会信用代码: '91330302MA2H00001Y',
    主体类型: '企业',
    所属区县: '鹿城区',
    依法登记在册: '是',
    依法纳税: '是',
    符合人工智能产业集聚发展导向: '是',
  });
  await fillFields(group(page, '申报'), { 计算基准日: '2026-06-30' });
  await addItem(page, '算力服务合同', 1, { 合同编号: 'HT-001', 自主智能算力: '是', 合同实际执行金额: '1,200,000', 执行日期: '2026-02-01' });
  await addItem(page, '算力服务合同', 2, { 合同编号: 'HT-002', 自主智能算力: '否', 合同实际执行金额: '80万', 执行日期: '2026-03-15' });
  await addItem(page, '模型服务合同', 1, { 合同编号: 'MX-001', 使用方式: '调用云平台第三方大模型API', 推进大模型垂类应用: '是', 合同实际执行金额: '300000', 执行日期: '2026-01-10' });
  await addItem(page, '高质量数据集', 1, { 数据集编号: 'DS-001', 实际投入: '800000', 在温州数据交易中心上架交易: '是', 入选区级年度择优评选: '是', 评选得分: '91.5', 日期: '2026-04-01' });
  await addItem(page, '研发费用', 1, { 费用年度: '2025', 上年度研发费用: '8000000' });
  await addItem(page, '市级重大科技攻关项目', 1, { 项目编号: 'XM-001', 牵头单位类型: '企业牵头', 已立项: '是', 项目经费总投入: '12000000', 立项日期: '2026-05-01' });
  await addItem(page, '资格认定', 1, { 认定编号: 'RZ-001', 认定类别: '国家级专精特新“小巨人”企业', 认定日期: '2025-11-02', '首次认定/新认定': '是' });
  await addItem(page, '资格认定', 2, { 认定编号: 'RZ-002', 认定类别: '省级“专精特新”中小企业', 认定日期: '2025-03-01', '首次认定/新认定': '是' });
  await addItem(page, '资格认定', 3, { 认定编号: 'RZ-003', 认定类别: '省级行业型数字化服务商', 认定日期: '2026-03-01', '首次认定/新认定': '是' });
  await addItem(page, '贷款', 1, { 贷款编号: 'DK-001', 符合贴息条件: '是', 贷款本金: '10000000', 放款日: '2025-06-01', 贴息期起: '2025-06-01', 贴息期止: '2026-05-31', 实付利息: '300000' });
  await addItem(page, '已获奖补', 1, { 条款: '1', 年度: '2026', 事项编号: 'HT-000', 已获金额: '100000' });
  await addItem(page, '已获奖补', 2, { 条款: '9', 年度: '2025', 事项编号: 'RZ-002', 已获金额: '100000' });
}

async function totalShown(page, total) {
  await page.locator('#total').filter({ hasText: total }).waitFor({ timeout: 15000 });
}

test('the form filled by its labels for examples/enterprise.toml shows the CLI total, and prints an A4 decision sheet of at most 3 pages', async () => {
  assert.equal(cliTotal('examples/enterprise.toml'), '3932083.33');
  for (const width of [1280, 800]) {
    const { context, page, outside } = await pageAt(browser, server.base, width);
    await page.goto(`${server.base}/`);
    await group(page, '申报单位').waitFor();
    await fillEnterprise(page);
    await page.getByRole('button', { name: '计算', exact: true }).click();
    await totalShown(page, TOTAL);
    // Each clause's row, and the explanation quoting the clause text.
    const table = page.locator('table.outcome');
    for (const amount of ['400,000.00', '90,000.00', '240,000.00', '≤ 3,000,000.00', '2,000,000.00', '150,000.00', '900,000.00', '152,083.33']) {
      await table.getByText(amount, { exact: true }).first().waitFor();
    }
    await page.locator('#explanation').getByText('“（一）实施“算力券”', { exact: false }).waitFor();
    await shot(page, `official-result-${width}`);
    if (width === 1280) {
      // The print view: the decision sheet in a window of its own, printed to PDF.
      const popup = context.waitForEvent('page');
      await page.getByRole('button', { name: '打印核定表' }).click();
      const sheet = await popup;
      await sheet.waitForLoadState('load');
      await sheet.getByText('奖补核定表', { exact: true }).waitFor();
      assert.equal(await sheet.locator('#total').textContent(), TOTAL);
      for (const line of ['经办人', '审核人', '日期']) await sheet.getByText(`${line}:`, { exact: true }).waitFor();
      const pdf = await sheet.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
      writeFileSync(join(screenshots, 'decision-sheet.pdf'), pdf);
      const pages = pdfPages(pdf);
      assert.ok(pages >= 1 && pages <= 3, `the decision sheet prints on ${pages} pages`);
      await sheet.setViewportSize({ width: 1280, height: 900 });
      await shot(sheet, 'decision-sheet-1280');
      await sheet.close();
    }
    assert.deepEqual(outside, [], 'no request leaves the server');
    await context.close();
  }
});

test('a mistyped credit code is refused at its field as it is typed, and the message goes when it is mended', async () => {
  for (const width of [1280, 800]) {
    const { context, page } = await pageAt(browser, server.base, width);
    await page.goto(`${server.base}/`);
    const applicant = group(page, '申报单位');
    await applicant.waitFor();
    await applicant.getByLabel('单位名称').fill('温州示例智能科技有限公司');
    const code = applicant.getByLabel('统一社会信用代码');
    // The check digit of 91330302MA2H00001 is Y (GB 32100-2015); X is a typing error.
    await code.pressSequentially('91330302MA2H00001X', { delay: 15 });
    const err = page.locator(`#${await code.getAttribute('aria-describedby')}`);
    await err.filter({ hasText: '校验位' }).waitFor({ timeout: 10000 });
    assert.match(await err.textContent(), /应为 'Y'，实为 'X'/);
    assert.equal(await code.getAttribute('aria-invalid'), 'true');
    await shot(page, `official-error-${width}`);
    await code.press('Backspace');
    await code.pressSequentially('Y');
    await page.waitForFunction((id) => document.getElementById(id).textContent === '', await code.getAttribute('aria-describedby'));
    assert.equal(await code.getAttribute('aria-invalid'), null);
    await context.close();
  }
});

test('the page switches to English, labels, result and decision sheet included', async () => {
  const { context, page } = await pageAt(browser, server.base, 1280);
  await page.goto(`${server.base}/`);
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForURL(/\?lang=en$/);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  const applicant = group(page, 'Applicant');
  await applicant.waitFor();
  await page.getByRole('heading', { name: 'AI policy subsidy calculator' }).waitFor();
  // A facts file uploaded into the English form: the same figures, English words.
  await page.getByLabel('Upload a facts file').setInputFiles(join(root, 'examples', 'enterprise.toml'));
  await totalShown(page, TOTAL);
  await page.locator('table.outcome').getByText('awarded').first().waitFor();
  assert.equal(await applicant.getByLabel('unified social credit code').inputValue(), '91330302MA2H00001Y');
  await shot(page, 'official-english-1280');
  // The print view in English: lang en, and on A4 within 3 pages too.
  const popup = context.waitForEvent('page');
  await page.getByRole('button', { name: 'Print the decision sheet' }).click();
  const sheet = await popup;
  await sheet.waitForLoadState('load');
  await sheet.getByText('Award decision sheet', { exact: true }).waitFor();
  assert.equal(await sheet.locator('html').getAttribute('lang'), 'en');
  assert.equal(await sheet.locator('#total').textContent(), TOTAL);
  const pdf = await sheet.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
  writeFileSync(join(screenshots, 'decision-sheet-en.pdf'), pdf);
  assert.ok(pdfPages(pdf) <= 3, `the English decision sheet prints on ${pdfPages(pdf)} pages`);
  await sheet.close();
  await page.getByRole('link', { name: '中文' }).click();
  await page.waitForURL(`${server.base}/`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  await context.close();
});

test('a facts file uploaded into the form and the form downloaded as a facts file give the same total', async () => {
  const { context, page } = await pageAt(browser, server.base, 1280);
  await page.goto(`${server.base}/`);
  await group(page, '申报单位').waitFor();
  await page.getByLabel('上传事实文件').setInputFiles(join(root, 'examples', 'enterprise.toml'));
  await totalShown(page, TOTAL);
  // Three states: a yes/no fact the file does not state stays unstated, not "no".
  const project = group(page, '市级重大科技攻关项目 1');
  assert.equal(await project.getByLabel('已立项').inputValue(), 'true');
  const dataset = group(page, '资格认定 1');
  assert.equal(await dataset.getByLabel('完成市级备案').inputValue(), '');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '下载为事实文件 (TOML)' }).click();
  const file = await download;
  const dir = mkdtempSync(join(tmpdir(), 'calc-browser-'));
  const saved = join(dir, 'facts.toml');
  await file.saveAs(saved);
  const text = readFileSync(saved, 'utf8');
  assert.match(text, /\[applicant\]\nname = "温州示例智能科技有限公司"/);
  assert.equal(cliTotal(saved), '3932083.33');
  await context.close();
});
