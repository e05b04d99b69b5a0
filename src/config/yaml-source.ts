/**
 * The YAML side of loading: parse with positions, report syntax errors and duplicate keys,
 * expand `${VAR}` in place, and answer "where in the file is /policies/x/tools/y?" for every
 * later check. Everything downstream works on plain JS values plus this locator.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { expandEnv, type Env } from './env.js';

/** A document path as segments, e.g. `['policies', 'aws-ecs', 'tools', 'delete_*']`. */
export type Path = readonly (string | number)[];

/** RFC 6901 pointer, the same spelling ajv uses for `instancePath`. */
export function pointer(path: Path): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function parsePointer(p: string): string[] {
  return p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Whether a problem points at a map entry's key (unknown or duplicate keys) or its value. */
export type Anchor = 'key' | 'value';

export class YamlSource {
  readonly file: string;
  readonly text: string;
  readonly problems: ConfigProblem[] = [];
  #doc: Document.Parsed;
  #lines = new LineCounter();

  constructor(text: string, file: string) {
    this.file = file;
    this.text = text;
    // Duplicate keys are found by `#walk`, which can say where the first one was.
    this.#doc = parseDocument(text, { lineCounter: this.#lines, uniqueKeys: false, prettyErrors: false });
    for (const e of [...this.#doc.errors, ...this.#doc.warnings]) {
      const offset = e.pos[0];
      this.#push(offset, this.#pathAt(offset), yamlMessage(e.message), yamlHint(e.code));
    }
  }

  /** True when the YAML could not be parsed; the values are then too unreliable to check. */
  get broken(): boolean {
    return this.#doc.errors.length > 0;
  }

  /** Report duplicate keys and expand `${VAR}` in every string value (never in keys). */
  prepare(env: Env): void {
    this.#walk(this.#doc.contents, [], env);
  }

  toJS(): unknown {
    return this.#doc.toJS();
  }

  /**
   * Record a problem at the node for `path`, or the nearest existing ancestor. `within` points
   * inside a string value (a CEL error's character) when the value appears verbatim in the file.
   */
  report(path: Path, anchor: Anchor, message: string, hint?: string, within?: { text: string; index: number }): void {
    let offset = this.#offset(path, anchor);
    if (within) {
      const at = this.text.slice(offset).split('\n', 1)[0].indexOf(within.text);
      if (at >= 0) offset += at + within.index;
    }
    this.#push(offset, pointer(path), message, hint);
  }

  #push(offset: number, path: string, message: string, hint?: string) {
    const { line, col } = this.#lines.linePos(offset);
    this.problems.push({ file: this.file, line, column: col, path, message, ...(hint ? { hint } : {}) });
  }

  #offset(path: Path, anchor: Anchor): number {
    let node: unknown = this.#doc.contents;
    let keyOffset: number | undefined;
    let offset = rangeStart(node) ?? 0;
    for (const seg of path) {
      node = this.#resolve(node);
      if (isMap(node)) {
        // The last of duplicate keys, as that is the one the parsed value holds.
        const pair = [...node.items].reverse().find((p) => keyString(p.key) === String(seg));
        if (!pair) return offset;
        keyOffset = rangeStart(pair.key);
        node = pair.value;
        // An empty value (`key:` and nothing) sits after the colon; the key is where to look.
        offset = (isEmpty(node) ? keyOffset : rangeStart(node)) ?? keyOffset ?? offset;
      } else if (isSeq(node) && /^\d+$/.test(String(seg))) {
        node = node.items[Number(seg)];
        keyOffset = undefined;
        offset = rangeStart(node) ?? offset;
      } else {
        return offset;
      }
    }
    return anchor === 'key' && keyOffset !== undefined ? keyOffset : offset;
  }

  #resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node;
  }

  /** The document path of the innermost entry around `offset`, for YAML syntax errors. */
  #pathAt(offset: number): string {
    const path: string[] = [];
    let node: unknown = this.#doc.contents;
    for (;;) {
      const items: { key: string; node: unknown; start: number; end: number }[] = [];
      if (isMap(node)) {
        for (const p of node.items) {
          const start = rangeStart(p.key) ?? rangeStart(p.value);
          const end = rangeEnd(p.value) ?? rangeEnd(p.key);
          if (start !== undefined && end !== undefined) items.push({ key: keyString(p.key), node: p.value, start, end });
        }
      } else if (isSeq(node)) {
        node.items.forEach((n, i) => {
          const start = rangeStart(n);
          const end = rangeEnd(n);
          if (start !== undefined && end !== undefined) items.push({ key: String(i), node: n, start, end });
        });
      }
      const hit = items.find((it) => offset >= it.start && offset <= it.end);
      if (!hit) return pointer(path);
      path.push(hit.key);
      node = hit.node;
    }
  }

  #walk(node: unknown, path: (string | number)[], env: Env): void {
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = keyString(pair.key);
        const here = [...path, key];
        if (pair.key !== null && !isScalar(pair.key)) {
          this.#push(rangeStart(pair.key) ?? 0, pointer(path), 'a key must be a plain value, not a list or mapping');
        }
        const first = seen.get(key);
        if (first !== undefined) {
          this.#push(rangeStart(pair.key) ?? 0, pointer(here), `duplicate key \`${key}\` (first defined on line ${first})`,
            'remove one of them; YAML keeps only the last, which would silently drop the first');
        } else {
          seen.set(key, this.#lines.linePos(rangeStart(pair.key) ?? 0).line);
        }
        this.#walk(pair.value, here, env);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => this.#walk(item, [...path, i], env));
    } else if (isScalar(node) && typeof node.value === 'string') {
      const { value, issues } = expandEnv(node.value, env);
      node.value = value;
      for (const issue of issues) this.#push(this.#referenceOffset(node, issue.text), pointer(path), issue.message, issue.hint);
    }
  }

  /** Exact offset of `${NAME}` when it appears verbatim in the scalar's source, else its start. */
  #referenceOffset(node: Node, text: string): number {
    const [start, end] = node.range ?? [0, 0];
    const at = this.text.slice(start, end).indexOf(text);
    return at < 0 ? start : start + at;
  }
}

function keyString(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? '' : String(key);
}

function isEmpty(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0] ?? undefined;
}

/** End of the value itself, without trailing comments or blank lines. */
function rangeEnd(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[1] ?? undefined;
}

/** The yaml library's messages sometimes end with a location we already give. */
function yamlMessage(message: string): string {
  return `YAML: ${message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces; YAML does not allow tabs for indentation';
    case 'BAD_INDENT':
      return 'check that entries at the same level line up and nested ones are indented further';
    case 'MULTIPLE_DOCS':
      return 'a config file holds one document; remove the `---` separators after the first';
    case 'MISSING_CHAR':
      return 'a quote or bracket is not closed';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a key is missing its `:` or a value spans lines without quotes';
    case 'TAG_RESOLVE_FAILED':
      return 'remove the `!tag`; toolgate reads plain YAML values only';
    default:
      return undefined;
  }
}
