import { configJsonSchema } from '../config/schema.js';

/** `toolgate schema`: the config file's JSON Schema, for editor completion. */
export async function schemaCommand(): Promise<number> {
  process.stdout.write(`${JSON.stringify(configJsonSchema, null, 2)}\n`);
  return 0;
}
