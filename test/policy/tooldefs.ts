/** Real tool definitions (test/policy/fixtures/tooldefs.json), by the server id the tests use. */
import { readFileSync } from 'node:fs';
import type { ToolDefinition } from '../../src/catalog/types.js';

const FIXTURE = new URL('../../../test/policy/fixtures/tooldefs.json', import.meta.url);
const servers = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { servers: Record<string, { tools: ToolDefinition[] }> }).servers;

/** The same object on every call, as a gateway hands over the definition it learnt from tools/list. */
export function tooldef(server: string, tool: string): ToolDefinition {
  const found = servers[server]?.tools.find((t) => t.name === tool);
  if (found === undefined) throw new Error(`no fixture definition for ${server}/${tool}`);
  return found;
}
