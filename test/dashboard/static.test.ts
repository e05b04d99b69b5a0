import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type StartedGateway } from '../helpers/harness.js';

describe('dashboard files', () => {
  let gw: StartedGateway;
  before(async () => {
    gw = await startGateway('servers:\n  app: $RECORDING\n');
  });
  after(() => gw.close());

  test('the page is served at / and /dashboard with a strict CSP, and holds no data', async () => {
    for (const path of ['/', '/dashboard', '/dashboard/']) {
      const res = await fetch(`${gw.baseUrl}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'; style-src 'self'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      const html = await res.text();
      assert.match(html, /<title>toolgate<\/title>/);
      assert.ok(!html.includes(gw.gateway.admin!.token.token));
      assert.ok(!html.includes('recording-server'), 'no server details before sign-in');
    }
  });

  test('every script and stylesheet the page names is served, and nothing is fetched from elsewhere', async () => {
    const html = await (await fetch(`${gw.baseUrl}/dashboard`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.includes('/dashboard/assets/app.js') && assets.includes('/dashboard/assets/dashboard.css'));
    const queue = [...assets];
    const seen = new Set<string>();
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(`${gw.baseUrl}${path}`);
      assert.equal(res.status, 200, path);
      const text = await res.text();
      assert.ok(!/\bhttps?:\/\/(?!www\.w3\.org)/.test(text), `${path} refers to no other site`);
      assert.ok(!/sourceMappingURL/.test(text), `${path} has no source map reference`);
      assert.ok(!/@import|url\(/.test(text) || !path.endsWith('.css'), `${path} loads nothing more`);
      // Follow the module imports, as the browser would.
      for (const m of text.matchAll(/from '\.\/([a-z-]+\.js)'/g)) queue.push(`/dashboard/assets/${m[1]}`);
    }
    assert.ok(seen.size >= 8, `modules reached: ${[...seen].join(', ')}`);
    assert.ok(!/from '\.\.\//.test([...seen].join('')), 'the browser code imports no server module');
    const etag = (await fetch(`${gw.baseUrl}/dashboard/assets/app.js`)).headers.get('etag')!;
    assert.equal((await fetch(`${gw.baseUrl}/dashboard/assets/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await fetch(`${gw.baseUrl}/dashboard/assets/nothing.js`)).status, 404);
    assert.equal((await fetch(`${gw.baseUrl}/dashboard/assets/app.js.map`)).status, 404);
  });

  test('the browser code keeps upstream text out of HTML: no innerHTML, no insertAdjacentHTML', async () => {
    const html = await (await fetch(`${gw.baseUrl}/dashboard`)).text();
    const names = ['app', 'api', 'dom', 'labels', 'approvals', 'feed', 'servers', 'limits', 'catalog'];
    for (const name of names) {
      const code = await (await fetch(`${gw.baseUrl}/dashboard/assets/${name}.js`)).text();
      assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(code), `${name}.js`);
    }
    assert.ok(html.length > 0);
  });
});
