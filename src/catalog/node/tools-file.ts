/**
 * Tool definitions from a file, for the catalog offline: a saved `tools/list` result
 * (`{ "tools": [...] }`), a bare array of tools, or a dataset file with a top-level `tools` and a
 * `server` name. Only the fields of an MCP tool are kept (a dataset's labels are not read).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ToolgateError } from '../../errors.js';
import { PINNED_FIELDS, type PinnableTool } from '../pins.js';

export interface ToolsFile {
  file: string;
  /** The file's own `server` field, when it has one. */
  server?: string;
  tools: PinnableTool[];
}

export function readToolsFile(file: string): ToolsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ToolgateError('invalid_request', `cannot read the tools file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ToolgateError('invalid_request', `the tools file ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const doc = parsed as { tools?: unknown; server?: unknown; result?: { tools?: unknown } };
  // A bare array, `{tools}`, or a whole JSON-RPC response `{result: {tools}}`.
  const list = Array.isArray(parsed) ? parsed : Array.isArray(doc?.tools) ? doc.tools : Array.isArray(doc?.result?.tools) ? doc.result.tools : undefined;
  if (list === undefined) {
    throw new ToolgateError(
      'invalid_request',
      `the tools file ${file} holds no tools (hint: give a tools/list result {"tools": [...]}, an array of tools, or a file with a top-level "tools" array)`,
    );
  }
  const tools = list.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || typeof (raw as { name?: unknown }).name !== 'string' || (raw as { name: string }).name === '') {
      throw new ToolgateError('invalid_request', `tool ${i + 1} in ${file} has no "name" string; every tool needs one`);
    }
    const tool: Record<string, unknown> = {};
    for (const field of PINNED_FIELDS) if ((raw as Record<string, unknown>)[field] !== undefined) tool[field] = (raw as Record<string, unknown>)[field];
    return tool as unknown as PinnableTool;
  });
  const result: ToolsFile = { file, tools };
  if (!Array.isArray(parsed) && typeof doc.server === 'string' && doc.server !== '') result.server = doc.server;
  return result;
}

/** A name for the tools' server when neither `--server` nor the file gives one: the file's name. */
export function serverNameFromFile(file: string): string {
  return basename(file).replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'tools';
}
