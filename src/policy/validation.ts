/**
 * JSON Schema validation of call arguments with Ajv. Two kinds of schema reach it:
 * - the operator's `validate.arguments` schemas, compiled once with the policy, strictly
 *   (an unknown keyword there is almost always a typo that would silently validate nothing);
 * - upstream tools' `inputSchema`s, compiled leniently (real servers emit odd schemas) on first
 *   use and cached, so the hot path never compiles.
 * Both kinds match `pattern`s with RE2 (linear-regexp.ts): a schema cannot stall the gateway.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { linearRegExp } from './linear-regexp.js';
import type { ValidationIssue } from './types.js';

export type CompiledSchema =
  | { readonly ok: true; readonly validate: ValidateFunction }
  | { readonly ok: false; readonly error: string };

const COMMON: Options = {
  allErrors: true,
  // Schemas are never registered by `$id`: two upstreams may reuse one `$id` for different shapes.
  addUsedSchema: false,
  logger: false,
  // `pattern` and `patternProperties` run in linear time: see linear-regexp.ts.
  code: { regExp: linearRegExp },
};

/** Options for schemas written in toolgate's config. */
const CONFIG_OPTIONS: Options = {
  ...COMMON,
  // Loading the config checked each of them against its meta-schema already (src/config/json-schema.ts,
  // with validators compiled at build time); ajv's own check would compile the meta-schemas at start-up.
  validateSchema: false,
  strictSchema: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
};

/** Options for schemas published by upstream servers: accept what they send. */
const UPSTREAM_OPTIONS: Options = { ...COMMON, strict: false, validateSchema: false };

function withFormats<T extends Ajv | Ajv2020>(ajv: T): T {
  addFormats.default(ajv);
  return ajv;
}

/**
 * `validate.arguments` schemas the config loader compiled while checking them
 * (src/config/json-schema.ts, with these same options), by object: compiling the policy of a
 * loaded config takes them as they are instead of compiling every schema a second time.
 */
const checkedConfigSchemas = new WeakMap<object, ValidateFunction>();

/** The config loader compiled `schema` into `validate` with the options of `SchemaCompiler('config')`. */
export function rememberCheckedSchema(schema: object, validate: ValidateFunction): void {
  checkedConfigSchemas.set(schema, validate);
}

/** `copy` (a structuredClone of `original`), whose schemas keep the validators checked for the original's. */
export function withCheckedSchemas<T>(original: T, copy: T): T {
  carryChecked(original, copy);
  return copy;
}

function carryChecked(original: unknown, copy: unknown): void {
  if (typeof original !== 'object' || original === null || typeof copy !== 'object' || copy === null) return;
  const checked = checkedConfigSchemas.get(original);
  if (checked) {
    checkedConfigSchemas.set(copy, checked);
    return;
  }
  for (const key of Object.keys(original)) carryChecked((original as Record<string, unknown>)[key], (copy as Record<string, unknown>)[key]);
}

/** Compiles schemas with one family of options; the dialect follows `$schema`, 2020-12 if absent (as MCP specifies). */
export class SchemaCompiler {
  readonly #options: Options;
  #ajv2020?: Ajv2020;
  #ajvDraft07?: Ajv;

  constructor(kind: 'config' | 'upstream') {
    this.#options = kind === 'config' ? CONFIG_OPTIONS : UPSTREAM_OPTIONS;
  }

  compile(schema: object): CompiledSchema {
    const checked = this.#options === CONFIG_OPTIONS ? checkedConfigSchemas.get(schema) : undefined;
    if (checked) return Object.freeze({ ok: true, validate: checked });
    const declared = (schema as { $schema?: unknown }).$schema;
    const draft07First = typeof declared === 'string' && /draft-0[4-7]/.test(declared);
    const first = draft07First ? this.#draft07() : this.#draft2020();
    try {
      return Object.freeze({ ok: true, validate: first.compile(schema) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Older servers emit draft-07 constructs (tuple `items`) without saying so.
      if (!draft07First && typeof declared !== 'string' && this.#options === UPSTREAM_OPTIONS) {
        try {
          return Object.freeze({ ok: true, validate: this.#draft07().compile(schema) });
        } catch {
          // Report the 2020-12 error: that is the dialect the schema was read as first.
        }
      }
      return Object.freeze({ ok: false, error: message });
    }
  }

  #draft2020(): Ajv2020 {
    this.#ajv2020 ??= withFormats(new Ajv2020(this.#options));
    return this.#ajv2020;
  }

  #draft07(): Ajv {
    this.#ajvDraft07 ??= withFormats(new Ajv(this.#options));
    return this.#ajvDraft07;
  }
}

/** Distinct upstream schema texts kept before the cache (and Ajv's own) is dropped and rebuilt. */
const MAX_UPSTREAM_SCHEMAS = 1000;

/**
 * Upstream schemas by object identity (the gateway usually hands over the same object from its
 * tools/list cache) and by JSON text (a refetched list yields equal schemas as new objects).
 * Bounded, because a misbehaving upstream could publish endlessly changing schemas; when full,
 * the Ajv instances go too, since Ajv keeps every schema it compiled.
 */
export class UpstreamSchemaCache {
  #compiler = new SchemaCompiler('upstream');
  #byObject = new WeakMap<object, CompiledSchema>();
  #byText = new Map<string, CompiledSchema>();

  get(schema: object): CompiledSchema {
    const known = this.#byObject.get(schema);
    if (known) return known;
    const text = JSON.stringify(schema);
    let compiled = this.#byText.get(text);
    if (!compiled) {
      if (this.#byText.size >= MAX_UPSTREAM_SCHEMAS) {
        this.#byText.clear();
        this.#compiler = new SchemaCompiler('upstream');
      }
      compiled = this.#compiler.compile(schema);
      this.#byText.set(text, compiled);
    }
    this.#byObject.set(schema, compiled);
    return compiled;
  }
}

/** Runs a compiled schema; `undefined` when the arguments are valid. */
export function validationIssues(validate: ValidateFunction, args: unknown): ValidationIssue[] | undefined {
  if (validate(args)) return undefined;
  return (validate.errors ?? []).map(toIssue);
}

/** Points each issue at the offending value, so `required` names the missing property itself. */
function toIssue(error: ErrorObject): ValidationIssue {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${pointerToken(params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties':
      return {
        path: `${error.instancePath}/${pointerToken(params.additionalProperty)}`,
        message: 'is not an allowed property',
      };
    case 'enum':
      return {
        path: error.instancePath,
        message: `${error.message ?? 'is invalid'}: ${(params.allowedValues as unknown[]).map(showValue).join(', ')}`,
      };
    case 'const':
      return { path: error.instancePath, message: `must be equal to ${showValue(params.allowedValue)}` };
    default:
      return { path: error.instancePath, message: error.message ?? `fails the "${error.keyword}" check` };
  }
}

/** `/region must be ...; /count must be >= 1` — the root is shown as `arguments`. */
export function issuesText(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path === '' ? 'arguments' : i.path} ${i.message}`).join('; ');
}

function pointerToken(value: unknown): string {
  return String(value).replace(/~/g, '~0').replace(/\//g, '~1');
}

function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
