import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, isGlob } from '../../src/policy/glob.js';

test('glob matching: * is any run, ? is one character, the rest is literal', () => {
  const table: Array<[pattern: string, name: string, matches: boolean]> = [
    ['delete_*', 'delete_bucket', true],
    ['delete_*', 'delete_', true],
    ['delete_*', 'undelete_bucket', false],
    ['delete_*', 'Delete_bucket', false],
    ['*_admin', 'user_admin', true],
    ['*_admin', 'user_admin_x', false],
    ['*', '', true],
    ['*', 'anything/at all', true],
    ['get_?', 'get_a', true],
    ['get_?', 'get_', false],
    ['get_?', 'get_ab', false],
    ['get_?', 'get_é', true],
    ['get_?', 'get_😀', true],
    ['a*b*c', 'a-x-b-y-c', true],
    ['a*b*c', 'acb', false],
    ['a**b', 'ab', true],
    // Regular-expression characters are literal.
    ['v1.list', 'v1.list', true],
    ['v1.list', 'v1xlist', false],
    ['files.read(*)', 'files.read(x)', true],
    ['[a-z]*', 'abc', false],
    ['[a-z]*', '[a-z]tools', true],
    ['^x$|y', '^x$|y', true],
    ['a+b', 'aab', false],
    ['path/to\\*', 'path/to\\thing', true],
    ['x-y*', 'x-y-z', true],
  ];
  for (const [pattern, name, expected] of table) {
    assert.equal(compileGlob(pattern).matches(name), expected, `${pattern} vs ${name}`);
  }
});

test('literal count measures specificity and isGlob spots wildcards', () => {
  const table: Array<[pattern: string, literals: number, glob: boolean]> = [
    ['delete_*', 7, true],
    ['*', 0, true],
    ['get_?', 4, true],
    ['a*b?c', 3, true],
    ['exact_name', 10, false],
  ];
  for (const [pattern, literals, glob] of table) {
    assert.equal(compileGlob(pattern).literalCount, literals, pattern);
    assert.equal(isGlob(pattern), glob, pattern);
  }
});
