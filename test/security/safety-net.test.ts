/**
 * The process-level safety net of `toolgate serve` and `toolgate stdio`: a rejection nobody
 * handled and an exception thrown from a callback are logged loudly as bugs, and the process
 * goes on running (observed from outside, in a child process).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/harness.js';
import { childEnv } from '../helpers/processes.js';

test('an unhandled rejection and an uncaught exception are logged as bugs and the process keeps running', () => {
  const module = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'gateway', 'safety-net.js')).href;
  const script = `
    import { pino } from 'pino';
    const { installSafetyNet } = await import(${JSON.stringify(module)});
    installSafetyNet(pino(pino.destination(2)));
    Promise.reject(new Error('a store failed and nobody caught it'));
    setTimeout(() => { throw new Error('a timer threw'); }, 10);
    setTimeout(() => process.stdout.write('still serving\\n'), 100);
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', env: childEnv(), timeout: 30_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'still serving\n');
  const logs = result.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const rejection = logs.find((entry) => /unhandled promise rejection/.test(entry.msg));
  assert.equal(rejection?.level, 60, 'logged at fatal level');
  assert.equal(rejection?.err.message, 'a store failed and nobody caught it');
  const exception = logs.find((entry) => /uncaught exception/.test(entry.msg));
  assert.equal(exception?.err.message, 'a timer threw');
});
