import { configJsonSchema } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { compilePolicy } from '../policy/compile.js';

/** `toolgate validate`: load and compile the config; exit 0, or print every problem and exit 1. */
export async function validateCommand(file: string): Promise<number> {
  const config = await loadConfig(file);
  const policy = compilePolicy(config);
  const servers = Object.keys(config.servers);
  process.stdout.write(`${file}: OK — ${servers.length} server(s) (${servers.join(', ')}), policy revision ${policy.revision}\n`);
  return 0;
}

/** `toolgate schema`: the config file's JSON Schema, for editor completion. */
export async function schemaCommand(): Promise<number> {
  process.stdout.write(`${JSON.stringify(configJsonSchema, null, 2)}\n`);
  return 0;
}
