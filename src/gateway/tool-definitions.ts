import type { ToolDefinition } from '../catalog/types.js';
import type { JsonRpcResponse } from '../transport/jsonrpc.js';

type ListPage = (cursor: string | undefined) => Promise<JsonRpcResponse>;

const MAX_PAGES = 100;

/**
 * The definitions of one upstream's tools (the policy classifies them and validates against their
 * inputSchema), learnt from the `tools/list` results that pass through, or fetched (every page)
 * the first time a call needs one that has not been seen. The objects are kept as received, so
 * the policy's caches keyed by identity hit until the next tools/list.
 */
export class ToolDefinitions {
  #schemas = new Map<string, ToolDefinition>();
  #complete = false;
  #loading?: Promise<void>;

  constructor(private readonly listPage: ListPage) {}

  remember(tools: ReadonlyArray<{ name?: unknown; inputSchema?: unknown }>): void {
    for (const tool of tools) {
      if (typeof tool.name === 'string') this.#schemas.set(tool.name, tool as ToolDefinition);
    }
  }

  /** The tool's definition, or undefined when the upstream does not list the tool. */
  async get(tool: string): Promise<ToolDefinition | undefined> {
    const known = this.#schemas.get(tool);
    if (known !== undefined || this.#complete) return known;
    this.#loading ??= this.#loadAll().finally(() => {
      this.#loading = undefined;
    });
    await this.#loading;
    return this.#schemas.get(tool);
  }

  /** The upstream said its tools changed: what was learnt may be stale. */
  clear(): void {
    this.#schemas = new Map();
    this.#complete = false;
  }

  async #loadAll(): Promise<void> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await this.listPage(cursor);
      if ('error' in response) throw new Error(`the upstream refused tools/list: ${response.error.message}`);
      const result = response.result as { tools?: Array<{ name?: unknown; inputSchema?: unknown }>; nextCursor?: unknown };
      this.remember(result.tools ?? []);
      if (typeof result.nextCursor !== 'string' || result.nextCursor === '') {
        this.#complete = true;
        return;
      }
      cursor = result.nextCursor;
    }
  }
}
