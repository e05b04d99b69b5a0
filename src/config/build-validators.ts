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
    code: { source: true, esm: true, formats: _`AJV_FORMATS` },
  });
  for (const [name, format] of Object.entries(AJV_FORMATS)) ajv.addFormat(name, format);
  return generated(standaloneCode.default(ajv, ajv.compile(configJsonSchema)), "import { AJV_FORMATS } from './formats.js';");
}

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
