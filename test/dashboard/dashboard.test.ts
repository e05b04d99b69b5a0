/**
 * The dashboard in real Chromium against a real gateway: sign in with the token, see the
 * servers, the catalog and the live feed update as an agent (the SDK client) calls tools, and
 * decide a held call. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startGateway, type StartedGateway } from '../helpers/harness.js';
import { launch, RESULTS, signIn, watchProblems } from './browser.js';

describe('dashboard in Chromium', () => {
  let gw: StartedGateway;
  let browser: Browser;
  before(async () => {
    gw = await startGateway(`
servers:
  app: $RECORDING
  down: { url: "http://127.0.0.1:9/mcp" }
policies:
  app:
    tools:
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team."
      echo:
        rate_limit: { max: 5, window: 60 }
`);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  test('sign-in: the form refuses a wrong token, accepts the right one, and keeps the session across reloads', async () => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await page.goto(`${gw.baseUrl}/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That is not the admin token').waitFor();
    assert.equal(await page.locator('#app').isVisible(), false);

    await page.getByLabel('Admin token').fill(gw.gateway.admin!.token.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#app').waitFor({ state: 'visible' });
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'toolgate_admin')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'page scripts cannot read the session');

    await page.reload();
    await page.locator('#app').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin').waitFor({ state: 'visible' });
    // The 401 of the wrong token is logged by Chromium; nothing else may be.
    assert.deepEqual(problems.filter((p) => !/401/.test(p)), []);
    await page.close();
  });

  test('servers, catalog, live feed and rate limits, updated without reload as an agent calls tools', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchProblems(page);
    await signIn(page, gw.baseUrl, gw.gateway.admin!.token.token);

    // Servers: health learnt from the catalog listing, proxy URL, an unreachable one with its error.
    const app = page.locator('article.server[data-server="app"]');
    await app.getByText('reachable').waitFor();
    assert.equal(await app.locator('.url-row code').textContent(), `${gw.baseUrl}/mcp/app`);
    const down = page.locator('article.server[data-server="down"]');
    await down.getByText('unreachable').waitFor();
    assert.match((await down.locator('.health-error').textContent()) ?? '', /127\.0\.0\.1:9/);

    // Client snippets: Cursor by default, VS Code one click away.
    await app.getByText('Client setup').click();
    assert.match((await app.locator('.snippet pre').textContent()) ?? '', /"url": "http:\/\/127\.0\.0\.1:\d+\/mcp\/app"/);
    await app.getByRole('tab', { name: 'VS Code' }).click();
    assert.match((await app.locator('.snippet pre').textContent()) ?? '', /"type": "http"/);

    // Catalog: category and risk badges, the effective rule, rationale on expand.
    const deleteApp = page.locator('details.tool', { has: page.locator('.tool-name', { hasText: /^delete_app/ }) });
    await deleteApp.waitFor();
    assert.equal(await deleteApp.locator('.cat .badge').textContent(), 'Destructive');
    assert.match((await deleteApp.locator('.rule-summary').textContent()) ?? '', /deny.*Apps are deleted by the platform team/);
    await deleteApp.locator('summary').click();
    await deleteApp.getByText('Why this category and risk').waitFor();
    assert.ok((await deleteApp.locator('.tool-body li').count()) > 0);

    // Live feed: calls appear as they happen.
    const agent = await gw.connect('app');
    await agent.callTool({ name: 'echo', arguments: { text: 'hello' } });
    await agent.callTool({ name: 'delete_app', arguments: { name: 'web' } });
    const echoRow = page.locator('#feed-rows tr', { has: page.locator('td.tool', { hasText: /^echo$/ }) });
    await echoRow.first().getByText('Allowed').waitFor();
    await echoRow.first().getByText(/answered in/).waitFor();
    const deniedRow = page.locator('#feed-rows tr', { has: page.locator('td.tool', { hasText: /^delete_app$/ }) });
    await deniedRow.first().getByText('Denied').waitFor();
    await deniedRow.first().getByText('Apps are deleted by the platform team.').waitFor();

    // Filters narrow the feed, live rows included.
    await page.getByLabel('Decision').selectOption('denied');
    await page.waitForFunction(() => [...document.querySelectorAll('#feed-rows td.tool')].every((td) => td.textContent === 'delete_app'));
    await page.getByLabel('Decision').selectOption('');

    // Rate limits: the echo budget of this session.
    const limit = page.locator('.limit', { hasText: 'app / echo' });
    await limit.waitFor();
    assert.equal(await limit.locator('.limit-count').textContent(), '1 / 5');

    // Keyboard: a catalog row opens with Enter; every control has an accessible name.
    const echoTool = page.locator('details.tool', { has: page.locator('.tool-name', { hasText: /^echo/ }) });
    await echoTool.locator('summary').focus();
    await page.keyboard.press('Enter');
    assert.equal(await echoTool.getAttribute('open'), '');
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('#app input, #app select, #app textarea, #app button')]
        .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.textContent?.trim()))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'dashboard-activity.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a held call: its arguments, then Approve once releases it with the exact arguments', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchProblems(page);
    await signIn(page, gw.baseUrl, gw.gateway.admin!.token.token);
    const held = await gw.gateway.approvals.hold({
      server: 'app', tool: 'deploy_webapp', arguments: { project_root: '/srv/shop', region: 'eu-west-1', note: '<img src=x onerror=alert(1)>' },
      session: 'a1b2c3d4e5', requestId: 3, rule: 'deploy_webapp', category: 'Execute', risk: 'High', timeoutMs: 300_000,
    });
    const card = page.locator(`article[data-approval="${held.approval.id}"]`);
    await card.waitFor();
    const args = (await card.locator('pre.args').textContent()) ?? '';
    assert.deepEqual(JSON.parse(args), held.approval.arguments, 'the arguments are shown exactly, as text');
    assert.equal(await page.locator('img[src=x]').count(), 0, 'upstream text is never markup');
    assert.match((await card.locator('.countdown').textContent()) ?? '', /^4:[45]\d$/);
    await card.getByText('High risk').waitFor();
    await page.locator('#approver').fill('alice');
    await page.locator('#approver').dispatchEvent('change');
    await card.getByRole('button', { name: 'Approve once' }).click();
    const outcome = await held.outcome;
    assert.equal(outcome.approved, true);
    assert.equal(outcome.approval.decidedBy, 'alice');
    await card.waitFor({ state: 'detached' });
    await page.locator('#approvals-recent-list').getByText('by alice', { exact: false }).waitFor({ state: 'attached' });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('refusing asks for a reason, which the held call gets', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const problems = watchProblems(page);
    await signIn(page, gw.baseUrl, gw.gateway.admin!.token.token);
    const held = await gw.gateway.approvals.hold({ server: 'app', tool: 'delete_app', arguments: { name: 'shop' }, session: 'sess-9', requestId: 4, rule: 'delete_*', category: 'Destructive', risk: 'Critical', timeoutMs: 120_000 });
    const card = page.locator(`article[data-approval="${held.approval.id}"]`);
    await card.waitFor();
    await card.getByRole('button', { name: 'Refuse…' }).click();
    const submit = card.getByRole('button', { name: 'Refuse call' });
    assert.equal(await submit.isDisabled(), true, 'no refusal without a reason');
    await card.getByLabel('Reason — the agent reads this').fill('Use the staging app.');
    await page.screenshot({ path: join(RESULTS, 'dashboard-mobile.png'), fullPage: true });
    await submit.click();
    const outcome = await held.outcome;
    assert.equal(outcome.approved, false);
    assert.equal(outcome.approval.reason, 'Use the staging app.');
    // Nothing overflows sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390px`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
