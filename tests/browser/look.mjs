// Not a test: screenshots of the viewport as an official sees it, for a person to look at
// (node look.mjs; they go to target/screenshots/look-*.png).
import { join } from 'node:path';
import { launch, pageAt, root, screenshots, startServer } from './harness.mjs';

const server = await startServer();
const browser = await launch();
try {
  for (const width of [1280, 800]) {
    const { context, page } = await pageAt(browser, server.base, width);
    await page.goto(`${server.base}/`);
    await page.screenshot({ path: join(screenshots, `look-empty-${width}.png`) });
    await page.getByLabel('上传事实文件').setInputFiles(join(root, 'examples', 'enterprise.toml'));
    await page.locator('#total').waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(screenshots, `look-top-${width}.png`) });
    await page.locator('#result').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, `look-result-${width}.png`) });
    await page.locator('#explanation').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, `look-explain-${width}.png`) });
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
