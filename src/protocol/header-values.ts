/**
 * The values of the 2026 request headers that mirror the body (`Mcp-Name`, `Mcp-Param-*`): the
 * Base64 sentinel encoding, and the tool parameters a server marks with `x-mcp-header` to be
 * mirrored into `Mcp-Param-<Name>`. Pure functions; no I/O.
 */

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
/** RFC 4648 with padding: the spec's examples and the conformance suite require canonical Base64. */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RFC9110_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CANONICAL_DECIMAL = /^-?\d+(\.\d+)?$/;
const HEADER_TYPES: ReadonlySet<string> = new Set(['string', 'integer', 'number', 'boolean']);
/** Keywords under which `x-mcp-header` is not allowed (the value path must be a chain of `properties`). */
const UNREACHABLE_KEYWORDS = ['items', 'prefixItems', 'contains', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'patternProperties', 'dependentSchemas', 'oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else', '$defs', 'definitions'];
const MAP_KEYWORDS: ReadonlySet<string> = new Set(['patternProperties', 'dependentSchemas', '$defs', 'definitions']);
/** Deeper schemas are refused rather than walked: the walk must stay bounded on a hostile schema. */
const MAX_SCHEMA_DEPTH = 32;

export const PARAM_HEADER_PREFIX = 'mcp-param-';

/** RFC 9110 §5.5: optional whitespace around a field value is not part of it. */
export function stripOws(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** A header value as the body would carry it: the sentinel form decoded; undefined when the sentinel is not valid Base64 UTF-8. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX) && value.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length)) return value;
  const base64 = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(base64)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}

/** A body value as a header carries it: plain when it is safe visible ASCII, else in the sentinel form. */
export function encodeHeaderValue(value: string): string {
  const plain = value !== '' && value === value.trim() && /^[\x20-\x7e\t]*$/.test(value) && !(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX));
  return plain ? value : `${SENTINEL_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_SUFFIX}`;
}

/** One tool parameter mirrored into a header. */
export interface HeaderDeclaration {
  /** The chain of `properties` keys from the arguments object to the value. */
  path: readonly string[];
  /** The `<Name>` of `Mcp-Param-<Name>`, as declared. */
  name: string;
  type: string;
}

export type HeaderDeclarations = { valid: true; declarations: readonly HeaderDeclaration[] } | { valid: false; reason: string };

/**
 * The `x-mcp-header` declarations of a tool's input schema. A declaration in a place the spec
 * forbids (not reachable through `properties`, not a primitive, not a token, a duplicate) makes the
 * whole definition invalid: the spec says a client must then leave the tool out of `tools/list`.
 */
export function headerDeclarations(inputSchema: unknown): HeaderDeclarations {
  const declarations: HeaderDeclaration[] = [];
  const seen = new Map<string, string>();
  const visit = (node: unknown, path: readonly string[], reachable: boolean, depth: number): string | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    if (depth > MAX_SCHEMA_DEPTH) return `the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`;
    const schema = node as Record<string, unknown>;
    if ('x-mcp-header' in schema) {
      const where = path.length ? path.join('.') : '<root>';
      const name = schema['x-mcp-header'];
      if (!reachable || path.length === 0) return `${where}: x-mcp-header is only allowed on a property reached through "properties"`;
      if (typeof name !== 'string' || !RFC9110_TOKEN.test(name)) return `${where}: x-mcp-header must be a header-name token, not ${JSON.stringify(name)}`;
      const type = typeof schema.type === 'string' ? schema.type : undefined;
      if (type === undefined || !HEADER_TYPES.has(type)) return `${where}: x-mcp-header is only allowed on a string, integer, number or boolean property`;
      const earlier = seen.get(name.toLowerCase());
      if (earlier !== undefined) return `x-mcp-header "${name}" is declared twice (also as "${earlier}")`;
      seen.set(name.toLowerCase(), name);
      declarations.push({ path, name, type });
    }
    if (schema.properties !== null && typeof schema.properties === 'object') {
      for (const [key, child] of Object.entries(schema.properties as Record<string, unknown>)) {
        const fault = visit(child, [...path, key], reachable, depth + 1);
        if (fault) return fault;
      }
    }
    for (const keyword of UNREACHABLE_KEYWORDS) {
      const sub = schema[keyword];
      if (sub === undefined || sub === null || typeof sub !== 'object') continue;
      const branches = Array.isArray(sub) ? sub : MAP_KEYWORDS.has(keyword) ? Object.values(sub) : [sub];
      for (const branch of branches) {
        const fault = visit(branch, [...path, `<${keyword}>`], false, depth + 1);
        if (fault) return fault;
      }
    }
    return undefined;
  };
  const fault = visit(inputSchema, [], true, 0);
  return fault === undefined ? { valid: true, declarations } : { valid: false, reason: fault };
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function primitiveText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value))) return String(value);
  return undefined;
}

/** The `Mcp-Param-*` headers a client must send for these arguments (lower-case names, encoded values). */
export function paramHeaders(declarations: readonly HeaderDeclaration[], args: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const declaration of declarations) {
    const text = primitiveText(valueAt(args, declaration.path));
    if (text !== undefined) headers[`${PARAM_HEADER_PREFIX}${declaration.name.toLowerCase()}`] = encodeHeaderValue(text);
  }
  return headers;
}

/**
 * Checks the `Mcp-Param-*` headers of a `tools/call` against the body, as a server must: every
 * declared parameter present in the arguments needs its header, decoding to the same value
 * (numbers compared as numbers). `headers` has lower-case names. Returns what is wrong, or undefined.
 */
export function paramHeaderProblem(declarations: readonly HeaderDeclaration[], args: unknown, headers: Readonly<Record<string, string>>): string | undefined {
  for (const declaration of declarations) {
    const headerName = `Mcp-Param-${declaration.name}`;
    const bodyValue = valueAt(args, declaration.path);
    const bodyText = primitiveText(bodyValue);
    if (bodyText === undefined) continue; // absent, null, or not a primitive (argument validation reports that)
    const raw = headers[`${PARAM_HEADER_PREFIX}${declaration.name.toLowerCase()}`];
    if (raw === undefined) return `the body carries ${declaration.path.join('.')}=${JSON.stringify(bodyValue)} but the ${headerName} header is absent`;
    const decoded = decodeHeaderValue(stripOws(raw));
    if (decoded === undefined) return `the ${headerName} header is not valid Base64 in its =?base64?...?= form`;
    const numeric = (declaration.type === 'integer' || declaration.type === 'number') && typeof bodyValue === 'number' && CANONICAL_DECIMAL.test(decoded);
    if (numeric ? Number(decoded) !== bodyValue : decoded !== bodyText) {
      return `the ${headerName} header says ${JSON.stringify(decoded)} but the body carries ${declaration.path.join('.')}=${JSON.stringify(bodyValue)}`;
    }
  }
  return undefined;
}
