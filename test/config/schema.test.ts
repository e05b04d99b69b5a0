/** The printed JSON Schema is a document for editors: described, closed, and valid itself. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/config/schema.js';
import { closest, editDistance } from '../../src/config/suggest.js';

type Schema = Record<string, unknown>;

/** Every schema object reachable from `s`, with its location. */
function* walk(s: unknown, at = '#'): Generator<[string, Schema]> {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return;
  const schema = s as Schema;
  yield [at, schema];
  for (const key of ['properties'] as const) {
    for (const [name, sub] of Object.entries((schema[key] ?? {}) as Schema)) yield* walk(sub, `${at}/${key}/${name}`);
  }
  if (typeof schema.additionalProperties === 'object') yield* walk(schema.additionalProperties, `${at}/additionalProperties`);
  if (typeof schema.items === 'object') yield* walk(schema.items, `${at}/items`);
}

test('every property has a description', () => {
  let count = 0;
  for (const [at, schema] of walk(configJsonSchema)) {
    for (const [name, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      count++;
      assert.equal(typeof sub.description, 'string', `${at}/properties/${name} has no description`);
      assert.ok((sub.description as string).length > 10, `${at}/properties/${name}: description too short`);
    }
  }
  assert.ok(count > 30, `only ${count} properties found: the walk is broken`);
});

test('every object with named properties refuses unknown keys', () => {
  for (const [at, schema] of walk(configJsonSchema)) {
    if (schema.properties) {
      assert.equal(schema.additionalProperties, false, `${at} allows unknown keys`);
    }
  }
});

test('the schema is valid JSON Schema, survives JSON, and an editor without toolgate formats accepts the example', async () => {
  const printed = JSON.parse(JSON.stringify(configJsonSchema)) as Schema;
  assert.deepEqual(printed, configJsonSchema);
  // What an editor does: standard keywords only, unknown formats ignored.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  assert.equal(ajv.validateSchema(printed), true, JSON.stringify(ajv.errors));
  const validate = ajv.compile(printed);
  const example = parse(await readFile(new URL('../../../test/config/fixtures/full.yaml', import.meta.url), 'utf8')) as unknown;
  assert.equal(validate(example), true, JSON.stringify(validate.errors));
  assert.equal(validate({ servers: { a: { command: 'x', url: 'http://h' } } }), false, 'command and url together');
  assert.equal(validate({ servers: { a: { url: 'http://h', env: {} } } }), false, 'env on an HTTP server');
  assert.equal(validate({ servers: { a: { command: 'x' } }, policies: { a: { tools: { t: { rate_limit: { max: 1, window: '1w' } } } } } }), false, 'bad duration');
});

test('require_approval stays in the action enums so editors know it', () => {
  const rule = configJsonSchema.properties.policies.additionalProperties.properties.tools.additionalProperties;
  assert.ok((rule.properties.action.enum as readonly string[]).includes('require_approval'));
  assert.ok((rule.properties.conditions.items.properties.action.enum as readonly string[]).includes('require_approval'));
});

const distances: [string, string, number][] = [
  ['', 'abc', 3],
  ['abc', 'abc', 0],
  ['rate_limt', 'rate_limit', 1],
  ['lgo', 'log', 1],
  ['kitten', 'sitting', 3],
];
for (const [a, b, d] of distances) {
  test(`editDistance(${a}, ${b}) = ${d}`, () => assert.equal(editDistance(a, b), d));
}

const suggestions: [string, string[], string | undefined][] = [
  ['rateLimit', ['action', 'rate_limit', 'reason'], 'rate_limit'],
  ['RATE-LIMIT', ['action', 'rate_limit'], 'rate_limit'],
  ['comand', ['command', 'url'], 'command'],
  ['urll', ['command', 'url'], 'url'],
  ['enforcing', ['enforce', 'monitor'], 'enforce'],
  ['colour', ['command', 'args', 'env', 'cwd', 'url'], undefined],
  ['c', ['a', 'b'], undefined],
  ['x', [], undefined],
];
for (const [word, candidates, want] of suggestions) {
  test(`closest(${word}) = ${String(want)}`, () => assert.equal(closest(word, candidates), want));
}
