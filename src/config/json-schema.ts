/**
 * JSON Schemas written by users under `validate.arguments`, checked with the same ajv options
 * the policy folder compiles them with, so a schema that loads is a schema that runs, and a typo
 * such as `propertes` is a located error instead of a keyword ajv would quietly ignore.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { rememberCheckedSchema } from '../policy/validation.js';
import { ARGUMENTS_SCHEMA_OPTIONS } from './json-schema-options.js';
import { validate as draft2020Meta } from './meta-schema-2020-12.js';
import { validate as draft07Meta } from './meta-schema-draft-07.js';
import { closest } from './suggest.js';
import { parsePointer } from './yaml-source.js';

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/** The schema is checked against its meta-schema first, by code compiled at build time (build-validators.ts). */
const OPTIONS = { ...ARGUMENTS_SCHEMA_OPTIONS, validateSchema: false };

export interface SchemaIssue {
  /** Segments inside the schema, e.g. `['properties', 'region', 'enum']`. */
  path: string[];
  /** Whether the problem is the key at `path` (a misspelt keyword) rather than its value. */
  anchor: 'key' | 'value';
  message: string;
  hint?: string;
}

let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

/**
 * Draft 2020-12 unless `$schema` names draft-07, as MCP specifies for tool schemas. One instance
 * per dialect serves every schema (building one with its formats costs ~30 ms); `addUsedSchema:
 * false` keeps schemas from registering with it, and callers remove what they compiled.
 */
function ajvFor(schema: Record<string, unknown>): Ajv | Ajv2020 {
  if (isDraft07(schema)) return (draft07 ??= withFormats(new Ajv(OPTIONS)));
  return (draft2020 ??= withFormats(new Ajv2020(OPTIONS)));
}

const isDraft07 = (schema: Record<string, unknown>) => DRAFT_07.test(String(schema.$schema ?? ''));

function withFormats<T extends Ajv | Ajv2020>(ajv: T): T {
  addFormats.default(ajv);
  return ajv;
}

/** Everything wrong with a `validate.arguments` schema; empty when it compiles. */
export function checkArgumentsSchema(schema: Record<string, unknown>): SchemaIssue[] {
  const declared = schema.$schema;
  if (declared !== undefined && !(typeof declared === 'string' && (DRAFT_07.test(declared) || DRAFT_2020.test(declared)))) {
    return [{
      path: ['$schema'],
      anchor: 'value',
      message: `unsupported \`$schema\`: ${JSON.stringify(declared)}`,
      hint: 'use https://json-schema.org/draft/2020-12/schema or http://json-schema.org/draft-07/schema#, or leave `$schema` out (2020-12)',
    }];
  }
  const meta: ValidateFunction = isDraft07(schema) ? draft07Meta : draft2020Meta;
  if (!meta(schema)) return metaSchemaIssues(meta.errors ?? []);
  const ajv = ajvFor(schema);
  const type = schema.type;
  if (type !== undefined && type !== 'object' && !(Array.isArray(type) && type.includes('object'))) {
    return [{
      path: ['type'],
      anchor: 'value',
      message: `the schema requires type ${JSON.stringify(type)}, but tool arguments are always an object`,
      hint: 'describe the arguments object: type: object, with `properties` for each argument',
    }];
  }
  try {
    rememberCheckedSchema(schema, ajv.compile(schema));
    return [];
  } catch (e) {
    return [compileIssue(schema, (e as Error).message, Object.keys(ajv.RULES.keywords), Object.keys(ajv.formats))];
  } finally {
    ajv.removeSchema(schema); // the compiled function is kept by the policy, not by the shared instance
  }
}

/** ajv's compile errors name the keyword or schema path but not always where; find it. */
function compileIssue(schema: Record<string, unknown>, message: string, keywords: string[], formats: string[]): SchemaIssue {
  const unknownKeyword = /unknown keyword: "([^"]*)"/.exec(message);
  if (unknownKeyword) {
    const keyword = unknownKeyword[1];
    const near = closest(keyword, keywords);
    return {
      path: findKey(schema, keyword) ?? [],
      anchor: 'key',
      message: `unknown JSON Schema keyword \`${keyword}\``,
      hint: near ? `did you mean \`${near}\`?` : 'JSON Schema keywords are listed at https://json-schema.org/understanding-json-schema/reference',
    };
  }
  const unknownFormat = /unknown format "([^"]*)" ignored in schema at path "#([^"]*)"/.exec(message);
  if (unknownFormat) {
    const near = closest(unknownFormat[1], formats);
    return {
      path: [...parsePointer(unknownFormat[2]), 'format'],
      anchor: 'value',
      message: `unknown format \`${unknownFormat[1]}\``,
      hint: near ? `did you mean \`${near}\`?` : `formats available: ${formats.join(', ')}`,
    };
  }
  const badPattern = /^pattern ("(?:[^"\\]|\\.)*") cannot be used/.exec(message);
  if (badPattern) {
    const at = findKey(schema, 'pattern', [], JSON.parse(badPattern[1]) as string);
    return {
      path: at ?? [],
      anchor: at ? 'value' : 'key',
      message,
      hint: 'write it without lookaround ((?=, (?!, (?<=, (?<!) and backreferences (\\1, \\k<name>)',
    };
  }
  const badRef = /can't resolve reference (\S+)/.exec(message);
  if (badRef) {
    const at = findKey(schema, '$ref', [], badRef[1]);
    return {
      path: at ?? [],
      anchor: at ? 'value' : 'key',
      message: `invalid JSON Schema: ${message}`,
      hint: 'a $ref must point inside this schema, e.g. #/$defs/name',
    };
  }
  return { path: [], anchor: 'key', message: `invalid JSON Schema: ${message}` };
}

/** Path of the first object key named `key` (holding `equals`, if given), depth first. */
function findKey(value: unknown, key: string, path: string[] = [], equals?: string): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value) && Object.hasOwn(value, key) && (equals === undefined || (value as Record<string, unknown>)[key] === equals)) {
    return [...path, key];
  }
  for (const [k, v] of Object.entries(value)) {
    const found = findKey(v, key, [...path, k], equals);
    if (found) return found;
  }
  return undefined;
}

/** The meta-schema reports one mistake several ways (enum, type, anyOf); keep the first per spot. */
function metaSchemaIssues(errors: ErrorObject[]): SchemaIssue[] {
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const e of errors) {
    if (seen.has(e.instancePath)) continue;
    seen.add(e.instancePath);
    const allowed = e.keyword === 'enum' ? `: ${(e.params.allowedValues as unknown[]).join(', ')}` : '';
    const key = e.instancePath.split('/').pop() || 'schema';
    issues.push({
      path: parsePointer(e.instancePath),
      anchor: 'value',
      message: `invalid JSON Schema: \`${key}\` ${e.message ?? 'is not valid'}${allowed}`,
    });
  }
  return issues;
}
