/** Tiny builders for tool definitions in tests. */
import type { ToolAnnotations, ToolDefinition } from '../../src/catalog/types.js';

type Prop = string | [string, Record<string, unknown>];

/** An object schema: plain names are string properties; `[name, schema]` sets the schema. */
export function schema(props: Prop[], required: string[] = []): { [key: string]: unknown } {
  return {
    type: 'object',
    properties: Object.fromEntries(props.map((p) => (typeof p === 'string' ? [p, { type: 'string' }] : p))),
    required,
  };
}

export function tool(name: string, description: string, props: Prop[] = [], required: string[] = [], annotations?: ToolAnnotations): ToolDefinition {
  return { name, description, inputSchema: schema(props, required), ...(annotations ? { annotations } : {}) };
}
