/** The `audit:` section of the config file: defaults, every key, and located mistakes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT_DEFAULTS } from '../../src/config/build.js';
import { parseConfig } from '../../src/config/load.js';
import { assertProblem, problemsOf, yaml } from '../config/helpers.js';

const SERVERS = 'servers: { app: { command: node } }';

test('no audit section: the defaults apply (on, hash, 30 days, a million records, audit.sqlite)', () => {
  const config = parseConfig(yaml(SERVERS), 'toolgate.yaml', {});
  assert.equal(config.audit, undefined);
  assert.deepEqual(AUDIT_DEFAULTS, { enabled: true, arguments: 'hash', redact: [], retention: { maxAgeMs: 30 * 86_400_000, maxRows: 1_000_000 }, file: 'audit.sqlite' });
});

test('every key, and defaults for the keys left out', () => {
  const full = parseConfig(
    yaml(SERVERS, 'audit:', '  arguments: full', '  redact: [password, "credentials.token", "*.secret"]', '  retention: { max_age: 12h, max_rows: 500 }', '  file: logs/trail.sqlite'),
    'toolgate.yaml',
    {},
  );
  assert.deepEqual(full.audit, { enabled: true, arguments: 'full', redact: ['password', 'credentials.token', '*.secret'], retention: { maxAgeMs: 12 * 3_600_000, maxRows: 500 }, file: 'logs/trail.sqlite' });
  const partial = parseConfig(yaml(SERVERS, 'audit: { retention: { max_rows: 10 } }'), 'toolgate.yaml', {});
  assert.deepEqual(partial.audit, { ...AUDIT_DEFAULTS, retention: { maxAgeMs: AUDIT_DEFAULTS.retention.maxAgeMs, maxRows: 10 } });
  assert.equal(parseConfig(yaml(SERVERS, 'audit: { enabled: false }'), 'toolgate.yaml', {}).audit?.enabled, false);
});

test('mistakes are located and explained', () => {
  const problems = problemsOf(
    yaml(
      SERVERS, //                                   line 1
      'audit:', //                                  line 2
      '  argument: full', //                        line 3
      '  arguments: everything', //                 line 4
      '  redact: [ok, "a..b"]', //                  line 5
      '  retention: { max_age: 1w, max_rows: 0 }', // line 6
    ),
  );
  assert.equal(problems.length, 5, JSON.stringify(problems, null, 1));
  assertProblem(problems[0], { line: 3, column: 3, path: '/audit/argument', message: 'unknown key `argument`', hint: 'did you mean `arguments`?' });
  assertProblem(problems[1], { line: 4, column: 14, path: '/audit/arguments', message: '`everything` is not one of `none`, `keys`, `hash`, `full`' });
  assertProblem(problems[2], { line: 5, column: 16, path: '/audit/redact/1', message: 'redact path `a..b` has an empty segment', hint: 'credentials.token' });
  assertProblem(problems[3], { line: 6, column: 25, path: '/audit/retention/max_age', message: '`1w` is not a duration', hint: '"1d"' });
  assertProblem(problems[4], { line: 6, column: 39, path: '/audit/retention/max_rows', message: 'must be a positive integer' });
});
