/**
 * The dashboard's views beyond "now" in real Chromium, against a gateway with real traffic: the
 * chart shows the counts the audit store holds, the search finds exactly the matching records and
 * exports them, the tool and session pages, a changed tool definition accepted from the page (the
 * tool is listed again), and the policy in force with its source lines. Screenshots (light and
 * dark) go to test-results/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { auditFile } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { eventually, startGateway, type StartedGateway } from '../helpers/harness.js';
import { launch, RESULTS, signIn, watchProblems } from './browser.js';

describe('dashboard views beyond now, in Chromium', () => {
  let gw: StartedGateway;
  let browser: Browser;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
  other: $RECORDING
policies:
  app:
    tools:
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team."
      echo:
        rate_limit: { max: 100, window: 60 }
`);
    const client = await gw.connect('app');
    for (const text of ['a', 'b', 'c']) await client.callTool({ name: 'echo', arguments: { text } });
    await client.callTool({ name: 'delete_app', arguments: { name: 'x' } });
    const other = await gw.connect('other');
    await other.callTool({ name: 'echo', arguments: { text: 'z' } });
    await gw.gateway.audit!.flush();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  const stored = async () => {
    const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      return await store.query({});
    } finally {
      await store.close();
    }
  };

  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchProblems(page);
    await signIn(page, gw.baseUrl, gw.gateway.admin!.token.token);
    await page.goto(`${gw.baseUrl}/dashboard${path}`);
    await page.locator('#view').waitFor({ state: 'visible' });
    return { page, problems };
  }

  test('history: the chart shows the audit store\'s counts per server; the search finds exactly the matches and exports them', async () => {
    const { page, problems } = await open('#/history');
    await page.locator('svg.timeline').waitFor();
    const records = await stored();
    for (const server of ['app', 'other']) {
      for (const kind of ['allowed', 'refused', 'held']) {
        const drawn = await page.locator(`svg.timeline g[data-server="${server}"] rect[data-kind="${kind}"]`).evaluateAll((rects) => rects.reduce((n, r) => n + Number(r.getAttribute('data-count')), 0));
        const expected = records.filter((r) => r.server === server && (kind === 'allowed' ? ['allowed', 'approved', 'upstream_error', 'monitor_would_refuse'].includes(r.decision) : kind === 'held' ? r.decision === 'approval_pending' : !['allowed', 'approved', 'upstream_error', 'monitor_would_refuse', 'approval_pending'].includes(r.decision))).length;
        assert.equal(drawn, expected, `${server} ${kind}`);
        assert.equal(await page.locator(`.timeline-table tr[data-server="${server}"] td[data-kind="${kind}"]`).textContent(), String(expected));
      }
    }
    await page.getByRole('button', { name: 'Last week' }).click();
    await page.locator('button[data-range="week"][aria-pressed="true"]').waitFor();
    await page.locator('svg.timeline').waitFor();

    // The first page: every record, newest first.
    await page.locator('#search-count').getByText(`${records.length} records`).waitFor();
    const form = page.locator('#search-form');
    await form.getByLabel('Tool').fill('delete_app');
    await form.getByLabel('Reason contains').fill('PLATFORM');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.locator('#search-count').getByText('1 record').waitFor();
    const ids = await page.locator('table.records tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
    assert.deepEqual(ids, records.filter((r) => r.tool === 'delete_app').map((r) => r.id));
    await page.screenshot({ path: join(RESULTS, 'dashboard-history.png'), fullPage: true });

    const href = await page.locator('#export-csv').getAttribute('href');
    assert.match(href!, /tool=delete_app/);
    assert.match(href!, /q=PLATFORM/);
    const csv = await (await page.request.get(`${gw.baseUrl}${href}`)).text();
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 2, 'the header and the one matching record');
    assert.match(lines[1], /delete_app/);

    // A filter nothing matches says so.
    await form.getByLabel('Tool').fill('x'.repeat(256));
    await form.getByLabel('Reason contains').fill('');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.locator('#search-count').getByText('0 records').waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the tool page (class, rule, calls) and the session page, reached from the search by keyboard-usable links', async () => {
    const { page, problems } = await open('#/history');
    await page.locator('table.records').waitFor();
    await page.locator('table.records a', { hasText: 'delete_app' }).first().click();
    await page.getByRole('heading', { name: 'delete_app on app' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H2', 'the view\'s heading takes the focus');
    await page.locator('#tool-rule').getByText('Apps are deleted by the platform team.').waitFor();
    await page.locator('.counts[data-total="1"]').waitFor();
    await page.locator('table.records a[href^="#/session/"]').first().click();
    await page.getByRole('heading', { name: /^Session / }).waitFor();
    await page.locator('.counts[data-total="4"]').waitFor();
    assert.equal(await page.locator('table.records tbody tr').count(), 4);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('pin review: a changed definition shows its diff and findings; accepted on the page, the agent sees the tool again', async () => {
    const client = await gw.connect('app');
    await client.listTools();
    await client.callTool({ name: 'rug_pull', arguments: {} });
    await eventually(async () => !(await client.listTools()).tools.some((t) => t.name === 'get_status'), 15_000, 'get_status hidden after the change');

    const { page, problems } = await open('#/pins');
    const card = page.locator('article.pin[data-tool="get_status"]');
    await card.waitFor();
    assert.match((await card.locator('.diff-add').allTextContents()).join('\n'), /id_rsa/);
    assert.ok((await card.locator('.findings li').count()) > 0, 'the poisoning findings are shown');
    await card.getByRole('button', { name: 'Accept the new definition of get_status' }).click();
    await page.locator('#toast').getByText('Accepted: get_status on app').waitFor();
    await page.getByText('No definition is waiting for review.').waitFor();
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'get_status'), 'listed again');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the policy in force: every rule as compiled with its config line, the revision; readable in dark mode', async () => {
    const { page, problems } = await open('#/policy');
    await page.locator('#policy-revision').getByText(gw.gateway.policy().revision).waitFor();
    const row = page.locator('section[data-server="app"] tr[data-pattern="delete_*"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /deny: "Apps are deleted by the platform team\."/);
    assert.match((await row.locator('td').last().textContent()) ?? '', /^toolgate\.yaml:\d+$/);
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(15, 18, 22)', 'the dark palette applies');
    await page.screenshot({ path: join(RESULTS, 'dashboard-policy-dark.png'), fullPage: true });
    // Keyboard: the nav links are reachable with Tab and open their view with Enter.
    await page.locator('.nav-link', { hasText: 'History' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('svg.timeline').waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });
});
