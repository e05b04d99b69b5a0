/**
 * Validation against `configJsonSchema`, with ajv's terse errors rewritten for a newcomer:
 * what was wrong, at which key, and what would be accepted.
 */
import type { ErrorObject } from 'ajv';
import { STRING_FORMATS } from './formats.js';
import { validate } from './shape-validator.js';
import { listOf, suggestHint } from './suggest.js';
import { parsePointer, type Anchor, type YamlSource } from './yaml-source.js';

/** Report every schema violation in `data` to `source`. */
export function validateShape(data: unknown, source: YamlSource): void {
  if (data === null || data === undefined) {
    source.report([], 'value', 'the config file is empty', 'start from examples/demo.yaml, or run `toolgate schema` for the full format');
    return;
  }
  if (validate(data)) return;
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const problem = describe(error);
    if (!problem) continue;
    const id = `${problem.path.join('/')}|${problem.message}`;
    if (seen.has(id)) continue; // e.g. `pattern` and `format` saying the same thing
    seen.add(id);
    source.report(problem.path, problem.anchor, problem.message, problem.hint);
  }
}

interface Described {
  path: string[];
  anchor: Anchor;
  message: string;
  hint?: string;
}

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, { description?: string }>;
  enum?: string[];
  format?: string;
  minimum?: number;
  maximum?: number;
  description?: string;
}

function describe(e: ErrorObject): Described | undefined {
  // Exactly-one-of command/url is explained better by checks.ts; the wrapper errors repeat the inner one.
  if (e.schemaPath.includes('/oneOf') || e.keyword === 'propertyNames') return undefined;
  const path = parsePointer(e.instancePath);
  const schema = (e.parentSchema ?? {}) as SchemaNode;
  const format = schema.format ? STRING_FORMATS[schema.format] : undefined;

  if (e.propertyName !== undefined) {
    // A map key failed `propertyNames` (server id, tool glob).
    const f = format ?? STRING_FORMATS['toolgate-tool-glob'];
    return { path: [...path, e.propertyName], anchor: 'key', message: f.message(e.propertyName), hint: f.hint };
  }

  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys(schema.properties ?? {});
      let hint = suggestHint(key, allowed, 'allowed keys here');
      if (path.length === 2 && path[0] === 'policies' && !hint.startsWith('did')) {
        hint = `rules for tools go under \`tools:\`; ${hint}`;
      }
      return { path: [...path, key], anchor: 'key', message: `unknown key \`${key}\``, hint };
    }
    case 'required': {
      const key = String(e.params.missingProperty);
      return {
        path,
        anchor: 'key',
        message: `missing required key \`${key}\``,
        hint: schema.properties?.[key]?.description,
      };
    }
    case 'type':
      if (isPositiveInteger(schema)) return positiveInteger(path, e.data);
      return { path, anchor: 'value', message: `expected ${expected(e.params.type)}, got ${show(e.data)}`, hint: typeHint(e.params.type, e.data) };
    case 'enum': {
      const allowed = schema.enum ?? [];
      const hint = typeof e.data === 'string' ? suggestHint(e.data, allowed, 'allowed values') : undefined;
      return { path, anchor: 'value', message: `${show(e.data)} is not one of ${listOf(allowed)}`, hint: hint?.startsWith('did') ? hint : undefined };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      if (isPositiveInteger(schema)) return positiveInteger(path, e.data);
      if (format) return { path, anchor: 'value', message: `must be greater than zero, got ${show(e.data)}`, hint: format.hint };
      if (schema.minimum !== undefined && schema.maximum !== undefined) {
        return { path, anchor: 'value', message: `must be a whole number from ${schema.minimum} to ${schema.maximum}, got ${show(e.data)}` };
      }
      return { path, anchor: 'value', message: `must be ${e.params.comparison} ${e.params.limit}, got ${show(e.data)}` };
    case 'format':
    case 'pattern':
      if (format) return { path, anchor: 'value', message: format.message(String(e.data)), hint: format.hint };
      return { path, anchor: 'value', message: `${show(e.data)} ${e.message ?? 'is not valid'}` };
    case 'minLength':
      return { path, anchor: 'value', message: `\`${path[path.length - 1]}\` must not be empty`, hint: schema.description };
    case 'minProperties':
      if (path.length === 1 && path[0] === 'servers') {
        return { path, anchor: 'key', message: 'no servers configured', hint: 'add at least one server under `servers:`, with `command` (stdio) or `url` (HTTP)' };
      }
      return { path, anchor: 'key', message: `must have at least ${e.params.limit} entries` };
    default:
      // A keyword this translation does not know yet: still reported, in ajv's words.
      return { path, anchor: 'value', message: e.message ?? `fails \`${e.keyword}\`` };
  }
}

const isPositiveInteger = (s: SchemaNode) => s.type === 'integer' && s.minimum === 1 && s.maximum === undefined;

const positiveInteger = (path: string[], data: unknown): Described => ({
  path,
  anchor: 'value',
  message: `must be a positive integer, got ${show(data)}`,
  hint: typeof data === 'string' ? 'write the number without quotes' : undefined,
});

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'nothing',
};

function expected(type: unknown): string {
  const types = (Array.isArray(type) ? type : String(type).split(',')) as string[];
  return types.map((t) => TYPE_NAMES[t] ?? t).join(' or ');
}

/** A value as it would read in the YAML file. */
export function show(data: unknown): string {
  if (data === null || data === undefined) return 'nothing (an empty value)';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a mapping';
  if (typeof data === 'string') return `\`${data}\``;
  return String(data);
}

function typeHint(type: unknown, data: unknown): string | undefined {
  const types = String(type).split(',');
  if (types.includes('string') && (typeof data === 'number' || typeof data === 'boolean')) {
    return `quote it to make it a string: "${String(data)}"`;
  }
  if (types.includes('object') && (data === null || data === undefined)) {
    return 'give it entries, or write {} for an empty mapping';
  }
  if ((types.includes('integer') || types.includes('number')) && typeof data === 'string' && /^-?[0-9.]+$/.test(data)) {
    return 'write the number without quotes';
  }
  return undefined;
}
