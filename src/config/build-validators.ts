/**
 * Build step (`npm run build` runs it after tsc): compiles toolgate's fixed schemas with ajv
 * once, at build time, into modules beside this one. Compiling them at every start was most of
 * `toolgate validate`'s time (~350 ms of CPU for the config schema, ~80 ms for a JSON Schema
 * meta-schema); loading the generated code costs a few milliseconds.
 *
 * - shape-validator.js: `configJsonSchema`, with toolgate's string formats (validate.ts).
 * - meta-schema-draft-07.js, meta-schema-2020-12.js: the meta-schemas, which check the schemas
 *   users write under `validate.arguments` (json-schema.ts).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { _, Ajv, type Options } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { AJV_FORMATS } from './formats.js';
import { ARGUMENTS_SCHEMA_OPTIONS, DRAFT_07_META, DRAFT_2020_META } from './json-schema-options.js';
import { configJsonSchema } from './schema.js';

export function shapeValidatorModule(): string {
  const ajv = new Ajv({
    allErrors: true,
    // validate.ts words errors from the failing keyword's parent schema.
    verbose: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    // Each shared sub-schema becomes one function instead of a copy at every place it is used.
    inlineRefs: false,
    code: { source: true, esm: true, formats: _`AJV_FORMATS` },
  });
  for (const [name, format] of Object.entries(AJV_FORMATS)) ajv.addFormat(name, format);
  return generated(standaloneCode.default(ajv, ajv.compile(withSharedDefinitions(configJsonSchema))), "import { AJV_FORMATS } from './formats.js';");
}

/** Where a JSON Schema keyword holds one sub-schema, or a map or list of them. */
const ONE_SCHEMA = new Set(['additionalProperties', 'items', 'propertyNames', 'not', 'if', 'then', 'else', 'contains']);
const SCHEMA_MAP = new Set(['properties', 'patternProperties', 'definitions']);
const SCHEMA_LIST = new Set(['oneOf', 'anyOf', 'allOf']);

/**
 * The config schema is written with shared JavaScript objects (the rule's properties appear under
 * every server's tools, agents, groups and each category default). Compiled as is, ajv writes
 * the code for each once per place: ~10 copies of the rule, ~780 kB in one function that every
 * `toolgate validate` parses and compiles. Here every sub-schema object met more than once, and
 * every top-level section, moves to `definitions` and each place refers to it.
 */
export function withSharedDefinitions(schema: Record<string, unknown>): Record<string, unknown> {
  const seen = new Map<object, number>();
  const count = (node: unknown): void => {
    if (!isObject(node)) return;
    const times = (seen.get(node) ?? 0) + 1;
    seen.set(node, times);
    if (times === 1) forEachSubschema(node, count);
  };
  count(schema);
  // Each top-level section its own function too: V8 compiles a function when it first runs, so
  // the sections a config does not use cost only their parse.
  for (const section of Object.values(schema.properties as Record<string, unknown>)) if (isObject(section)) seen.set(section, 2);
  const names = new Map<object, string>();
  const definitions: Record<string, unknown> = {};
  const rewrite = (node: Record<string, unknown>, root = false): Record<string, unknown> => {
    if (!root && (seen.get(node) ?? 0) > 1) {
      let name = names.get(node);
      if (name === undefined) {
        name = `shared${names.size}`;
        names.set(node, name);
        definitions[name] = rewriteChildren(node);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return rewriteChildren(node);
  };
  const rewriteChildren = (node: Record<string, unknown>): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...node };
    for (const [key, value] of Object.entries(node)) {
      if (ONE_SCHEMA.has(key) && isObject(value)) copy[key] = rewrite(value);
      else if (SCHEMA_MAP.has(key) && isObject(value)) copy[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isObject(v) ? rewrite(v) : v]));
      else if (SCHEMA_LIST.has(key) && Array.isArray(value)) copy[key] = value.map((v) => (isObject(v) ? rewrite(v) : v));
    }
    return copy;
  };
  const root = rewrite(schema, true);
  return { ...root, definitions };
}

function forEachSubschema(node: Record<string, unknown>, visit: (child: unknown) => void): void {
  for (const [key, value] of Object.entries(node)) {
    if (ONE_SCHEMA.has(key)) visit(value);
    else if (SCHEMA_MAP.has(key) && isObject(value)) Object.values(value).forEach(visit);
    else if (SCHEMA_LIST.has(key) && Array.isArray(value)) value.forEach(visit);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The draft-07 or 2020-12 meta-schema, as the instance json-schema.ts compiles user schemas with registers it. */
export function metaSchemaValidatorModule(draft: '07' | '2020'): string {
  // The meta-schemas' own few patterns are fixed and simple, so V8's engine runs them (the
  // generated code could not carry ARGUMENTS_SCHEMA_OPTIONS' RE2 engine anyway).
  const options: Options = { ...ARGUMENTS_SCHEMA_OPTIONS, code: { source: true, esm: true } };
  const ajv = draft === '07' ? new Ajv(options) : new Ajv2020(options);
  return generated(standaloneCode.default(ajv, ajv.getSchema(draft === '07' ? DRAFT_07_META : DRAFT_2020_META)!));
}

/** ESM with ajv's runtime helpers (`require("ajv/dist/runtime/...")` in generated code) resolvable. */
function generated(code: string, ...imports: string[]): string {
  return [
    '// Generated at build time by src/config/build-validators.ts; do not edit.',
    "import { createRequire } from 'node:module';",
    ...imports,
    'const require = createRequire(import.meta.url);',
    code,
    '',
  ].join('\n');
}

export const GENERATED: Record<string, () => string> = {
  'shape-validator.js': shapeValidatorModule,
  'meta-schema-draft-07.js': () => metaSchemaValidatorModule('07'),
  'meta-schema-2020-12.js': () => metaSchemaValidatorModule('2020'),
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, build] of Object.entries(GENERATED)) writeFileSync(new URL(`./${file}`, import.meta.url), build());
}
