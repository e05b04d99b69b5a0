/**
 * The classifier is pure: no file system, network, process or clock. It runs inside the policy
 * path and in the dashboard alike, so a stray `node:` import or `Date.now()` is a bug.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../src/catalog/', import.meta.url));

test('catalog modules import only each other', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(files.includes('classify.js'), `compiled catalog not found in ${dir}`);
  for (const f of files) {
    const source = readFileSync(dir + f, 'utf8');
    const imports = [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]);
    for (const spec of imports) assert.match(spec, /^\.\/[\w-]+\.js$/, `${f} imports ${spec}`);
    assert.doesNotMatch(source, /\bDate\.now\(|new Date\(|Math\.random\(|process\./, `${f} reads the clock, randomness or the process`);
  }
});
