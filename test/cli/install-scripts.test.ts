import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/harness.js';

/**
 * npm 11 runs a dependency's install script only when package.json's `allowScripts` approves it
 * (today it warns; a coming release blocks). Every package the lockfile marks as having one must
 * be decided there, so `npm ci` is quiet and keeps building better-sqlite3.
 */
test("every dependency with an install script is approved or denied in package.json's allowScripts", () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(withScripts.includes('better-sqlite3'), 'the lockfile marks install scripts');
  const decided = new Set(Object.keys(manifest.allowScripts ?? {}).map((key) => key.replace(/(?<=.)@[^@]*$/, '')));
  assert.deepEqual(withScripts.filter((name) => !decided.has(name)), [], 'add them with npm install-scripts approve|deny <pkg>');
  assert.equal(manifest.allowScripts?.['better-sqlite3'], true, 'its install script builds the native SQLite module toolgate needs');
});
