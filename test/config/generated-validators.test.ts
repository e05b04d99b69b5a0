import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GENERATED } from '../../src/config/build-validators.js';

test('the validators compiled at build time are those of the current schemas (npm run build writes them)', () => {
  for (const [file, build] of Object.entries(GENERATED)) {
    const written = readFileSync(new URL(`../../src/config/${file}`, import.meta.url), 'utf8');
    assert.ok(written === build(), `dist/src/config/${file} is stale: run npm run build (tsc alone does not write it)`);
  }
});
