/**
 * End to end, nothing stubbed: an agent (the SDK client) calls a tool a `require_approval`
 * rule holds; a person opens the dashboard in Chromium, signs in with the token, sees the held
 * call with its arguments, and clicks Approve; the agent receives the upstream's real result.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { receivedToolCalls, resultText, startGateway, type StartedGateway } from '../helpers/harness.js';
import { launch, RESULTS, signIn, watchProblems } from './browser.js';

const CONFIG = `
servers:
  app: $RECORDING
policies:
  app:
    tools:
      deploy_webapp:
        action: require_approval
      delete_*:
        action: deny
        reason: "Apps are deleted by the platform team."
      echo:
        rate_limit: { max: 10, window: 60 }
`;

describe('approving a held call from the dashboard (real agent, gateway, upstream and browser)', () => {
  let gw: StartedGateway;
  let browser: Browser;
  before(async () => {
    gw = await startGateway(CONFIG);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
  });

  test('the agent gets the upstream result after a person clicks Approve', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchProblems(page);
    await signIn(page, gw.baseUrl, gw.gateway.admin!.token.token);

    const agent = await gw.connect('app');
    // Some ordinary traffic first, so the screenshot shows a living feed.
    await agent.callTool({ name: 'echo', arguments: { text: 'build 1842 is green' } });
    await agent.callTool({ name: 'delete_app', arguments: { name: 'shop' } });
    const call = agent.callTool({ name: 'deploy_webapp', arguments: { project_root: '/srv/shop', region: 'eu-west-1', replicas: 3 } });

    const card = page.locator('article.approval', { hasText: 'deploy_webapp' });
    await card.waitFor();
    const shown = JSON.parse((await card.locator('pre.args').textContent()) ?? 'null');
    assert.deepEqual(shown, { project_root: '/srv/shop', region: 'eu-west-1', replicas: 3 });
    assert.ok(!receivedToolCalls(gw.recordFile).includes('deploy_webapp'), 'held: the upstream has not seen it');
    await page.locator('#feed-rows tr', { hasText: 'deploy_webapp' }).getByText('Waiting for approval').waitFor();
    await page.locator('article.server[data-server="app"]').getByText('reachable').waitFor();
    await page.locator('details.tool').first().waitFor();
    await page.locator('.limit', { hasText: 'app / echo' }).waitFor();
    await page.locator('article.server[data-server="app"]').getByText('1 session').waitFor();
    await card.getByText('High risk').waitFor(); // from the catalog when the hold carries none
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'dashboard.png'), fullPage: true });

    await card.getByRole('button', { name: 'Approve once' }).click();
    const result = await call;
    assert.equal(result.isError, undefined);
    assert.equal(resultText(result), 'deployed /srv/shop to eu-west-1');
    assert.ok(receivedToolCalls(gw.recordFile).includes('deploy_webapp'), 'approved: the upstream ran it');

    await card.waitFor({ state: 'detached' });
    await page.locator('#feed-rows tr', { hasText: 'deploy_webapp' }).getByText('Approved', { exact: true }).waitFor();
    await page.locator('#feed-rows tr', { hasText: 'deploy_webapp' }).getByText(/approved by dashboard/).waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });
});
