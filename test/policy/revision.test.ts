import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DefaultsConfig } from '../../src/config/types.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { RECOMMENDED } from '../../src/policy/recommended.js';
import { config, limit, rule, server } from './builders.js';

test('revision: equal policies hash equal, any decision-relevant change hashes differently', () => {
  const base = () => config({ s: server({ 'a*': rule('deny'), 'ab*': rule('allow', { rateLimit: limit(5, 60, 'tool') }) }) });
  const revision = compilePolicy(base()).revision;
  assert.match(revision, /^[0-9a-f]{12}$/);
  assert.equal(compilePolicy(base()).revision, revision);

  // Unrelated settings do not change it; key order of plain objects does not either.
  const unrelated = base();
  unrelated.listen.port = 9999;
  unrelated.log.level = 'debug';
  assert.equal(compilePolicy(unrelated).revision, revision);
  const reordered = base();
  const r = reordered.policies.s.tools['ab*'];
  reordered.policies.s.tools['ab*'] = { rateLimit: r.rateLimit, conditions: [], action: 'allow' };
  assert.equal(compilePolicy(reordered).revision, revision);

  const changes: Array<[string, (c: ReturnType<typeof base>) => void]> = [
    ['action', (c) => (c.policies.s.tools['a*'].action = 'hide')],
    ['reason', (c) => (c.policies.s.tools['a*'].reason = 'because')],
    ['limit', (c) => (c.policies.s.tools['ab*'].rateLimit!.max = 6)],
    ['default', (c) => (c.policies.s.default = 'deny')],
    ['mode', (c) => (c.mode = 'monitor')],
    ['server mode', (c) => (c.servers.s.mode = 'monitor')],
    ['new rule', (c) => (c.policies.s.tools.x = rule())],
    // Declaration order breaks ties between globs, so it is part of the policy.
    ['tool order', (c) => (c.policies.s.tools = { 'ab*': c.policies.s.tools['ab*'], 'a*': c.policies.s.tools['a*'] })],
  ];
  const seen = new Set([revision]);
  for (const [what, change] of changes) {
    const c = base();
    change(c);
    const changed = compilePolicy(c).revision;
    assert.ok(!seen.has(changed), `${what} should change the revision`);
    seen.add(changed);
  }
});

test('revision covers category defaults, the profile, classification overrides and pinning', () => {
  const base = () => config({ s: server({ 'a*': rule('deny'), t: rule('allow', { category: 'Execute' }) }) });
  const revision = compilePolicy(base()).revision;
  const same: Array<[string, (c: ReturnType<typeof base>) => void]> = [
    ['pinning: block is the default', (c) => (c.pinning = 'block')],
    ['defaults with no categories', (c) => (c.defaults = { categories: {} })],
  ];
  for (const [what, change] of same) {
    const c = base();
    change(c);
    assert.equal(compilePolicy(c).revision, revision, what);
  }
  const changes: Array<[string, (c: ReturnType<typeof base>) => void]> = [
    ['recommended profile', (c) => (c.defaults = { profile: 'recommended', categories: structuredClone(RECOMMENDED) as DefaultsConfig['categories'] })],
    ['one category entry', (c) => (c.defaults = { categories: { Execute: rule('allow', { rateLimit: limit(10, 60, 'session') }) } })],
    ['the same entry with another limit', (c) => (c.defaults = { categories: { Execute: rule('allow', { rateLimit: limit(11, 60, 'session') }) } })],
    ['category override', (c) => (c.policies.s.tools.t.category = 'Write')],
    ['risk override', (c) => (c.policies.s.tools.t.risk = 'Low')],
    ['top-level pinning', (c) => (c.pinning = 'warn')],
    ['server pinning', (c) => (c.servers.s.pinning = 'off')],
  ];
  const seen = new Set([revision]);
  for (const [what, change] of changes) {
    const c = base();
    change(c);
    const changed = compilePolicy(c).revision;
    assert.ok(!seen.has(changed), `${what} should change the revision`);
    seen.add(changed);
  }
  // The profile brings its rows by risk and poisoning, which the same entries written out do not:
  // they decide differently, so they hash differently.
  const profile = base();
  profile.defaults = { profile: 'recommended', categories: structuredClone(RECOMMENDED) as DefaultsConfig['categories'] };
  const written = base();
  written.defaults = { categories: structuredClone(RECOMMENDED) as DefaultsConfig['categories'] };
  assert.notEqual(compilePolicy(profile).revision, compilePolicy(written).revision);
});
