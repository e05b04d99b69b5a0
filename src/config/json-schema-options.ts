import type { Options } from 'ajv';
import { linearRegExp } from '../policy/linear-regexp.js';

/**
 * How schemas written under `validate.arguments` are compiled. Keep equal to `CONFIG_OPTIONS` in
 * src/policy/validation.ts, which compiles these schemas for use, so a schema that loads is a
 * schema that runs.
 */
export const ARGUMENTS_SCHEMA_OPTIONS: Options = {
  allErrors: true,
  addUsedSchema: false,
  logger: false,
  code: { regExp: linearRegExp },
  // Unknown keywords and formats are errors; type/tuple strictness would refuse valid schemas.
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
};

/** The meta-schemas' ids, as ajv registers them. */
export const DRAFT_07_META = 'http://json-schema.org/draft-07/schema';
export const DRAFT_2020_META = 'https://json-schema.org/draft/2020-12/schema';
