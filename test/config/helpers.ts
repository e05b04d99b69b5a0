/** Tiny builders shared by the config tests. */
import assert from 'node:assert/strict';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';

/** YAML from lines, so a test's line numbers can be read off the array index (+1). */
export const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** Parse text that must fail, returning its problems. */
export function problemsOf(text: string, env: Record<string, string | undefined> = {}): ConfigProblem[] {
  try {
    parseConfig(text, 'toolgate.yaml', env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.code, 'config_invalid');
    assert.deepEqual(e.problems, e.data);
    return e.problems;
  }
  assert.fail('expected the config to be rejected');
}

export interface Expected {
  line: number;
  column: number;
  path: string;
  /** Substring the message must contain. */
  message: string;
  /** Substring the hint must contain; `null` for no hint. */
  hint?: string | null;
}

export function assertProblem(actual: ConfigProblem | undefined, want: Expected): void {
  assert.ok(actual, `missing problem ${JSON.stringify(want)}`);
  const where = `${ConfigError.format([actual])}`;
  assert.equal(actual.file, 'toolgate.yaml', where);
  assert.equal(`${actual.line}:${actual.column}`, `${want.line}:${want.column}`, where);
  assert.equal(actual.path, want.path, where);
  assert.ok(actual.message.includes(want.message), `message should contain ${JSON.stringify(want.message)}: ${where}`);
  if (want.hint === null) assert.equal(actual.hint, undefined, where);
  else if (want.hint !== undefined) assert.ok(actual.hint?.includes(want.hint), `hint should contain ${JSON.stringify(want.hint)}: ${where}`);
}
