/**
 * Makes docs/dashboard.png, the README's picture: the demo's two real servers from npm behind a
 * policy with a held call, some traffic, and the dashboard in Chromium. Not a test; run it after
 * changing the dashboard's looks:
 *
 *   npm run build && node dist/test/dashboard/docs-screenshot.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILESYSTEM_SERVER, REPO_ROOT, startGateway, tempDir } from '../helpers/harness.js';
import { launch, signIn } from './browser.js';

const files = join(tempDir('toolgate-docs-'), 'files');
mkdirSync(files);
writeFileSync(join(files, 'release-notes.md'), '# 2.4.0\n');

const gw = await startGateway(`
servers:
  everything: $EVERYTHING
  files: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM_SERVER)}, ${JSON.stringify(files)}] }
policies:
  everything:
    tools:
      get-env: { action: deny, reason: "Environment variables may hold secrets." }
      toggle-*: { action: hide }
      get-sum:
        validate: { input_schema: true, arguments: { properties: { a: { maximum: 1000000 } } } }
      echo: { rate_limit: { max: 20, window: 1m } }
  files:
    default: deny
    tools:
      "list_*": {}
      "read_*": {}
      write_file:
        action: require_approval
        rate_limit: { max: 10, window: 60 }
      move_file: { action: deny, reason: "Moving files is not allowed for agents." }
`);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1060 }, deviceScaleFactor: 1 });
  await signIn(page, gw.baseUrl, gw.gateway.admin!.token.token);
  const agent = await gw.connect('everything');
  for (const text of ['deploy checklist', 'status of build 1842', 'ping']) await agent.callTool({ name: 'echo', arguments: { message: text } });
  await agent.callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } });
  await agent.callTool({ name: 'get-env', arguments: {} });
  await agent.callTool({ name: 'get-sum', arguments: { a: 5_000_000, b: 1 } });
  const fileAgent = await gw.connect('files');
  await fileAgent.callTool({ name: 'list_directory', arguments: { path: files } });
  await fileAgent.callTool({ name: 'read_text_file', arguments: { path: join(files, 'release-notes.md') } });
  const held = fileAgent.callTool({ name: 'write_file', arguments: { path: join(files, 'release-notes.md'), content: '# 2.5.0\n\n- Faster cold starts\n- Fixes the retry loop in the uploader\n' } });

  await page.locator('article.approval').waitFor();
  await page.locator('.limit').first().waitFor();
  await page.locator('article.server[data-server="files"]').getByText('reachable').waitFor({ timeout: 30_000 });
  await page.locator('article.server[data-server="everything"]').getByText('reachable').waitFor({ timeout: 30_000 });
  await page.locator('article.approval').getByText(/risk$/).waitFor();
  await new Promise((resolve) => setTimeout(resolve, 3000)); // let the row highlight fade
  await page.mouse.move(0, 0);
  const out = join(REPO_ROOT, 'docs', 'dashboard.png');
  await page.screenshot({ path: out });
  process.stdout.write(`wrote ${out}\n`);
  await page.locator('article.approval').getByRole('button', { name: 'Approve once' }).click();
  await held;
} finally {
  await browser.close();
  await gw.close();
}
