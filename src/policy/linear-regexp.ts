/**
 * The regular-expression engine ajv uses for JSON Schema `pattern` and `patternProperties`.
 * Patterns come from upstream servers and operators and are matched against strings the agent
 * sends; with V8's backtracking engine, `^(a|a)*$` against "aaaa…b" runs for minutes and stalls
 * every session. RE2 matches in time linear in the input, whatever the pattern.
 *
 * Measured before choosing re2js, the pure-JavaScript port of RE2: the native `re2` package has no
 * prebuilt binary reachable offline, so every install compiles RE2 and Abseil (7 minutes for
 * Node 20 and 30 for Node 22 on the shared 2-core development machine); `re2-wasm` runs in a fixed 16 MB heap it never
 * frees and aborts the process after a few thousand patterns; V8's own linear engine (`l` flag)
 * has no Unicode mode. re2js installs in seconds and matches `^(a|a)*$` against 100,000 characters
 * in about 0.2 s.
 *
 * RE2 has no lookahead, lookbehind or backreferences: a pattern using them is refused, with a
 * reason, when its schema is compiled. ECMAScript escapes (`\uXXXX`, `\u{…}`, `\cX`) are
 * translated; `\s` and `.` follow RE2 (ASCII whitespace; `.` excludes only `\n`).
 */
import type { Options } from 'ajv';
import { RE2JS } from 're2js';

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

function compileLinear(pattern: string, flags: string): { test(input: string): boolean; toString(): string } {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `pattern ${JSON.stringify(pattern)} cannot be used: ${why}. toolgate matches patterns with RE2, in time linear in the input so that no pattern can stall the gateway; RE2 has no lookahead, lookbehind or backreferences`,
    );
  }
  // ajv keys compiled patterns by this text: it must differ between patterns.
  const text = `/${pattern}/${flags}`;
  return { test: (input) => compiled.test(input), toString: () => text };
}

/** For ajv's `code.regExp` option. */
export const linearRegExp: RegExpEngine = Object.assign(compileLinear, { code: 'linearRegExp' });
