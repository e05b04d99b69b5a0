/**
 * Pin review in real Chromium by role, against a gateway whose upstream changes its tools (in every
 * process of it, the dashboard catalog's too: TOOL_CHANGES_FILE), seen by the official SDK client: a changed definition rejected from the page stays hidden and refused;
 * after another change, accepted from the page, the agent lists and calls the tool again. A
 * viewer sees the same review without buttons, with a note naming the role needed, and the API
 * answers 403 naming it. Added and removed tools are shown. The screenshot of the review with
 * its buttons is docs/dashboard-pins.png (copied from test-results/).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { auditFile } from '../../src/audit/audit-log.js';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { adminFetch } from '../admin/helpers.js';
import { eventually, receivedToolCalls, RECORDING_SERVER, resultText, startGateway, upstreamCaughtUp, type StartedGateway } from '../helpers/harness.js';
import { launch, RESULTS, signIn, watchProblems } from './browser.js';

const VIEWER = 'viewer-token-vera-0123456789';
const ROOT = 'admin-token-root-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('dashboard pin review by role, in Chromium', () => {
  let gw: StartedGateway;
  let browser: Browser;
  before(async () => {
    gw = await startGateway(`
servers:
  app: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(RECORDING_SERVER)}], env: { RECORD_FILE: "$RECORD_FILE", TOOL_CHANGES_FILE: "$DIR/tool-changes.txt" } }
admin:
  users:
    vera: { token_sha256: "${sha256(VIEWER)}", role: viewer }
    root: { token: "${ROOT}", role: admin }
`);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  async function open(token: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchProblems(page);
    await signIn(page, gw.baseUrl, token);
    await page.goto(`${gw.baseUrl}/dashboard#/pins`);
    return { page, problems };
  }

  test('rejected from the page it stays hidden; another change accepted from the page is listed again; a viewer only reads', async () => {
    const client = await gw.connect('app');
    await client.listTools();
    await client.callTool({ name: 'rug_pull', arguments: {} });
    await client.callTool({ name: 'change_tools', arguments: {} });
    await client.callTool({ name: 'retire_admin_reset', arguments: {} });
    await eventually(async () => !(await client.listTools()).tools.some((t) => t.name === 'get_status'), 15_000, 'get_status hidden after the change');

    // A viewer: the review, read-only, and the API's 403 naming the role.
    const viewer = await open(VIEWER);
    const seen = viewer.page.locator('article.pin[data-tool="get_status"]');
    await seen.waitFor();
    assert.match((await seen.locator('.diff-add').allTextContents()).join('\n'), /id_rsa/);
    assert.equal(await viewer.page.locator('article.pin button').count(), 0, 'no Accept or Reject for a viewer');
    assert.match((await viewer.page.locator('#pins-read-only').textContent()) ?? '', /signed in as vera with the role viewer; accepting or rejecting a tool definition needs the role admin/);
    const forbidden = await viewer.page.evaluate(async () => {
      const response = await fetch('/admin/api/pins/app/get_status/reject', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { status: response.status, body: await response.json() };
    });
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body.message, /rejecting a tool definition needs the role `admin`/);
    assert.deepEqual(viewer.problems.filter((p) => !/403/.test(p)), []);
    await viewer.page.close();

    // An admin: added and removed tools are shown; reject the change from the page, with the keyboard.
    const { page, problems } = await open(ROOT);
    const card = page.locator('article.pin[data-tool="get_status"]');
    await card.waitFor();
    assert.ok((await card.locator('.findings li').count()) > 0, 'the poisoning findings are shown');
    await page.locator('article.pin[data-tool="added_later"][data-status="added"]').waitFor();
    await page.locator('.removed-pins li[data-tool="admin_reset"]').waitFor();
    await page.screenshot({ path: join(RESULTS, 'dashboard-pins.png'), fullPage: true });
    await card.getByRole('button', { name: 'Reject the new definition of get_status' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#toast').getByText('Rejected: the new definition of get_status on app stays blocked').waitFor();
    await page.locator('article.pin[data-tool="get_status"][data-status="rejected"]').waitFor();
    assert.ok(!(await client.listTools()).tools.some((t) => t.name === 'get_status'), 'rejected: still hidden from the agent');
    assert.match(resultText(await client.callTool({ name: 'get_status', arguments: {} })), /a person rejected its current definition/);

    // Another change: waiting again; accepted from the page, the agent sees and calls the tool.
    await client.callTool({ name: 'reword_status', arguments: {} });
    assert.ok(!(await client.listTools()).tools.some((t) => t.name === 'get_status'), 'the new change is hidden too');
    await page.reload();
    const again = page.locator('article.pin[data-tool="get_status"][data-status="changed"]');
    await again.waitFor();
    assert.match((await again.locator('.diff-add').allTextContents()).join('\n'), /Reads the status of the deployment/);
    await again.getByRole('button', { name: 'Accept the new definition of get_status' }).click();
    await page.locator('#toast').getByText('Accepted: get_status on app').waitFor();
    await page.locator('article.pin[data-tool="get_status"]').waitFor({ state: 'detached' });
    assert.ok((await client.listTools()).tools.some((t) => t.name === 'get_status'), 'accepted: listed again');
    assert.equal(resultText(await client.callTool({ name: 'get_status', arguments: {} })), 'ok');
    await upstreamCaughtUp(client);
    assert.deepEqual(receivedToolCalls(gw.recordFile).filter((name) => name === 'get_status'), ['get_status'], 'the refused call never reached the upstream');

    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('article.pin[data-tool="added_later"]').getByRole('button', { name: 'Accept the new definition of added_later' }).waitFor();
    assert.deepEqual(problems, []);
    await page.close();

    await gw.gateway.audit!.flush();
    const store = new SqliteAuditStore(auditFile(gw.gateway.config), { readonly: true });
    try {
      const decisions = (await store.query({ decisions: ['pin_rejected', 'pin_accepted'] })).map((r) => [r.decision, r.tool, r.approver]);
      assert.deepEqual(decisions, [['pin_rejected', 'get_status', 'root'], ['pin_accepted', 'get_status', 'root']]);
    } finally {
      await store.close();
    }
    assert.equal((await adminFetch(gw, 'pins/app/get_status/accept', { token: ROOT, method: 'POST', body: {} })).status, 404, 'nothing waits any more');
  });
});
