/** Durations and byte sizes, as reused beyond the config loader. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBytes, parseDuration } from '../../src/config/duration.js';
import { ToolgateError } from '../../src/errors.js';

const durations: [number | string, number][] = [
  [60, 60_000],
  [1, 1_000],
  [0.5, 500],
  [0.001, 1],
  ['500ms', 500],
  ['30s', 30_000],
  ['1.5s', 1_500],
  ['1m', 60_000],
  ['1h', 3_600_000],
  ['1d', 86_400_000],
  ['2.5h', 9_000_000],
];

for (const [input, ms] of durations) {
  test(`parseDuration(${JSON.stringify(input)}) = ${ms}`, () => assert.equal(parseDuration(input), ms));
}

const badDurations: [number | string, string][] = [
  ['30', 'is not a duration'],
  ['1 m', 'is not a duration'],
  ['1w', 'is not a duration'],
  ['-1s', 'is not a duration'],
  ['', 'is not a duration'],
  ['1M', 'is not a duration'],
  [0, 'must be at least 1ms'],
  [-5, 'must be at least 1ms'],
  ['0s', 'must be at least 1ms'],
  ['0.1ms', 'must be at least 1ms'],
  [Number.NaN, 'must be at least 1ms'],
  [Number.POSITIVE_INFINITY, 'must be at least 1ms'],
];

for (const [input, message] of badDurations) {
  test(`parseDuration(${JSON.stringify(input) ?? String(input)}) is refused`, () => {
    assert.throws(() => parseDuration(input), (e: unknown) => {
      assert.ok(e instanceof ToolgateError);
      assert.equal(e.code, 'config_invalid');
      assert.ok(e.message.includes(message), e.message);
      assert.ok(e.message.includes('"30s"'), 'the message shows accepted forms');
      return true;
    });
  });
}

const sizes: [number | string, number][] = [
  [1, 1],
  [4194304, 4194304],
  ['100b', 100],
  ['512kb', 524_288],
  ['512KiB', 524_288],
  ['4mb', 4_194_304],
  ['4 MB', 4_194_304],
  ['1.5mb', 1_572_864],
  ['1gb', 1_073_741_824],
];

for (const [input, bytes] of sizes) {
  test(`parseBytes(${JSON.stringify(input)}) = ${bytes}`, () => assert.equal(parseBytes(input), bytes));
}

const badSizes: [number | string, string][] = [
  ['4', 'is not a byte size'],
  ['4 megs', 'is not a byte size'],
  ['4tb', 'is not a byte size'],
  [1.5, 'is not a whole number of bytes'],
  [0, 'must be at least 1 byte'],
  ['0kb', 'must be at least 1 byte'],
];

for (const [input, message] of badSizes) {
  test(`parseBytes(${JSON.stringify(input)}) is refused`, () => {
    assert.throws(() => parseBytes(input), (e: unknown) => e instanceof ToolgateError && e.message.includes(message));
  });
}
