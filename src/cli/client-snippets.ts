import { stdioLaunch } from '../admin/snippets.js';

/** Ready-to-paste client configurations pointing at the gateway. */
export interface SnippetInput {
  baseUrl: string;
  serverIds: string[];
  configFile: string;
}

export function clientSnippets({ baseUrl, serverIds, configFile }: SnippetInput): string {
  const urls = Object.fromEntries(serverIds.map((id) => [id, `${baseUrl}/mcp/${encodeURIComponent(id)}`]));
  const cursor = { mcpServers: Object.fromEntries(serverIds.map((id) => [id, { url: urls[id] }])) };
  const vscode = { servers: Object.fromEntries(serverIds.map((id) => [id, { type: 'http', url: urls[id] }])) };
  const claude = {
    mcpServers: Object.fromEntries(serverIds.map((id) => [id, stdioLaunch(id, configFile)])),
  };
  return [
    'Cursor (~/.cursor/mcp.json):',
    JSON.stringify(cursor, null, 2),
    '',
    'VS Code (.vscode/mcp.json):',
    JSON.stringify(vscode, null, 2),
    '',
    'Claude Desktop (claude_desktop_config.json; it launches toolgate over stdio):',
    JSON.stringify(claude, null, 2),
  ].join('\n');
}
