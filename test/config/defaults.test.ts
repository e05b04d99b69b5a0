/** `defaults:` (category rules and the recommended profile), classification overrides and `pinning:`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import type { ToolRuleConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { RECOMMENDED } from '../../src/policy/recommended.js';
import { assertProblem, problemsOf, yaml, type Expected } from './helpers.js';

const SERVER = ['servers:', '  a:', '    command: uvx'];
const parse = (...lines: string[]) => parseConfig(yaml(...SERVER, ...lines), 'toolgate.yaml', {});
const allow = (extra: Partial<ToolRuleConfig> = {}): ToolRuleConfig => ({ action: 'allow', conditions: [], ...extra });

test('defaults: recommended resolves to the profile, as a copy the caller may change', () => {
  const config = parse('defaults: recommended');
  assert.deepEqual(config.defaults, { profile: 'recommended', categories: RECOMMENDED, written: [] });
  config.defaults!.categories.Execute!.rateLimit!.max = 1;
  assert.equal(RECOMMENDED.Execute!.rateLimit!.max, 10);
  // Absent means absent: no category rules at all.
  assert.equal(parse().defaults, undefined);
});

test('a category entry replaces the profile entry as a whole; the others stay the profile\'s', () => {
  const config = parse(
    'defaults:',
    '  profile: recommended',
    '  categories:',
    '    Execute: { rate_limit: { max: 3, window: 1m, scope: tool } }',
    '    Destructive: { action: deny, reason: "Ask the platform team." }',
    '    Read: { validate: true }',
  );
  assert.deepEqual(config.defaults, {
    profile: 'recommended',
    categories: {
      ...RECOMMENDED,
      // No `validate` here although the profile's Execute has one: nothing is merged.
      Execute: allow({ rateLimit: { max: 3, windowMs: 60_000, scope: 'tool' } }),
      Destructive: { action: 'deny', reason: 'Ask the platform team.', conditions: [] },
      Read: allow({ validate: { inputSchema: true } }),
    },
    written: ['Execute', 'Destructive', 'Read'],
  });
});

test('categories without a profile are just those categories', () => {
  const config = parse('defaults:', '  categories:', '    Communication: { action: hide }', '    Admin: {}');
  assert.deepEqual(config.defaults, { categories: { Communication: { action: 'hide', conditions: [] }, Admin: allow() } });
  assert.deepEqual(parse('defaults: {}').defaults, { categories: {} });
});

test('category and risk on a tool rule are classification overrides, kept beside the rule', () => {
  const config = parse(
    'policies:',
    '  a:',
    '    tools:',
    '      build_and_push_image_to_ecr: { category: Execute, risk: High }',
    '      "delete_*": { action: deny, category: Destructive }',
    '      get_logs: { risk: Low }',
  );
  assert.deepEqual(config.policies.a.tools, {
    build_and_push_image_to_ecr: allow({ category: 'Execute', risk: 'High' }),
    'delete_*': { action: 'deny', conditions: [], category: 'Destructive' },
    get_logs: allow({ risk: 'Low' }),
  });
});

test('pinning: block by default, set at the top and per server', () => {
  assert.equal(parse().pinning, 'block');
  const config = parseConfig(
    yaml('pinning: warn', 'servers:', '  a: { command: uvx, pinning: off }', '  b: { url: "http://h/mcp", pinning: block }', '  c: { command: x }'),
    'toolgate.yaml',
    {},
  );
  assert.equal(config.pinning, 'warn');
  assert.equal(config.servers.a.pinning, 'off');
  assert.equal(config.servers.b.pinning, 'block');
  assert.equal('pinning' in config.servers.c, false);
});

/** Problems, each on a file with server `a` (lines 1-3), so the case's own lines start at 4. */
const cases: { name: string; lines: string[]; want: Expected }[] = [
  {
    name: 'unknown profile name',
    lines: ['defaults: strict'],
    want: { line: 4, column: 11, path: '/defaults', message: '`strict` is not a defaults profile', hint: 'the built-in profile is `recommended`' },
  },
  {
    name: 'misspelt profile name',
    lines: ['defaults: recomended'],
    want: { line: 4, column: 11, path: '/defaults', message: '`recomended` is not a defaults profile', hint: 'did you mean `recommended`?' },
  },
  {
    name: 'unknown profile under profile:',
    lines: ['defaults:', '  profile: safe'],
    want: { line: 5, column: 12, path: '/defaults/profile', message: '`safe` is not one of `recommended`' },
  },
  {
    name: 'misspelt category names the near one',
    lines: ['defaults:', '  categories:', '    Excute: { validate: true }'],
    want: { line: 6, column: 5, path: '/defaults/categories/Excute', message: 'unknown key `Excute`', hint: 'did you mean `Execute`?' },
  },
  {
    name: 'unknown category lists all seven',
    lines: ['defaults:', '  categories:', '    Network: {}'],
    want: {
      line: 6, column: 5, path: '/defaults/categories/Network', message: 'unknown key `Network`',
      hint: 'allowed keys here: `Read`, `Write`, `Execute`, `Destructive`, `Financial`, `Communication`, `Admin`',
    },
  },
  {
    name: 'approval on a category entry that holds nothing',
    lines: ['defaults:', '  categories:', '    Write: { approval: { timeout: 5m } }'],
    want: { line: 6, column: 14, path: '/defaults/categories/Write/approval', message: '`approval` has no effect', hint: 'set `action: require_approval`' },
  },
  {
    name: 'approval notifying a channel the file does not define',
    lines: ['defaults:', '  categories:', '    Financial: { action: require_approval, approval: { notify: [webhook] } }'],
    want: { line: 6, column: 65, path: '/defaults/categories/Financial/approval/notify/0', message: 'notification channel `webhook` is not defined', hint: 'add it under `notifications`' },
  },
  {
    name: 'CEL error in a category condition, at its character',
    lines: ['defaults:', '  categories:', '    Write:', '      conditions: [{ if: "args.x ==", action: deny }]'],
    want: { line: 7, column: 36, path: '/defaults/categories/Write/conditions/0/if', message: 'CEL syntax error' },
  },
  {
    name: 'bad window in a category rate limit',
    lines: ['defaults:', '  categories:', '    Execute: { rate_limit: { max: 10, window: soon } }'],
    want: { line: 6, column: 47, path: '/defaults/categories/Execute/rate_limit/window', message: '`soon` is not a duration' },
  },
  {
    name: 'a category entry cannot reclassify',
    lines: ['defaults:', '  categories:', '    Execute: { category: Write }'],
    want: { line: 6, column: 16, path: '/defaults/categories/Execute/category', message: 'unknown key `category`' },
  },
  {
    name: 'defaults as a list',
    lines: ['defaults: [recommended]'],
    want: { line: 4, column: 11, path: '/defaults', message: 'expected a string or a mapping, got a list' },
  },
  {
    name: 'unknown category in an override',
    lines: ['policies:', '  a:', '    tools:', '      deploy: { category: Deploy }'],
    want: { line: 7, column: 27, path: '/policies/a/tools/deploy/category', message: '`Deploy` is not one of `Read`, `Write`, `Execute`, `Destructive`, `Financial`, `Communication`, `Admin`' },
  },
  {
    name: 'lower-case category in an override gets the spelling',
    lines: ['policies:', '  a:', '    tools:', '      deploy: { category: execute }'],
    want: { line: 7, column: 27, path: '/policies/a/tools/deploy/category', message: '`execute` is not one of', hint: 'did you mean `Execute`?' },
  },
  {
    name: 'unknown risk in an override',
    lines: ['policies:', '  a:', '    tools:', '      deploy: { risk: Severe }'],
    want: { line: 7, column: 23, path: '/policies/a/tools/deploy/risk', message: '`Severe` is not one of `Low`, `Medium`, `High`, `Critical`' },
  },
  {
    name: 'action: allow beside only an override',
    lines: ['policies:', '  a:', '    tools:', '      deploy: { action: allow, category: Execute }'],
    want: { line: 7, column: 17, path: '/policies/a/tools/deploy/action', message: 'the rule is a classification override', hint: 'remove `action: allow`' },
  },
  {
    name: 'unknown pinning mode',
    lines: ['pinning: strict'],
    want: { line: 4, column: 10, path: '/pinning', message: '`strict` is not one of `block`, `warn`, `off`' },
  },
  {
    name: 'unknown pinning mode on a server',
    lines: ['  b: { url: "http://h/mcp", pinning: warning }'],
    want: { line: 4, column: 38, path: '/servers/b/pinning', message: '`warning` is not one of `block`, `warn`, `off`', hint: 'did you mean `warn`?' },
  },
];

for (const c of cases) {
  test(`problem: ${c.name}`, () => {
    const problems = problemsOf(yaml(...SERVER, ...c.lines));
    assert.equal(problems.length, 1, ConfigError.format(problems));
    assertProblem(problems[0], c.want);
  });
}

test('an override with other rule parts is an explicit rule, and loads', () => {
  const config = parse('policies:', '  a:', '    tools:', '      deploy: { action: allow, category: Execute, rate_limit: { max: 1, window: 1 } }');
  assert.deepEqual(config.policies.a.tools.deploy, allow({ category: 'Execute', rateLimit: { max: 1, windowMs: 1000, scope: 'session' } }));
});
