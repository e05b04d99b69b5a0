/**
 * One server's client configurations, as the dashboard's copy buttons give them. The same
 * shapes `toolgate serve` prints for every server (src/cli/client-snippets.ts; a test checks
 * that both agree).
 */
export interface ServerSnippets {
  cursor: string;
  vscode: string;
  claudeDesktop: string;
}

export function serverSnippets(id: string, proxyUrl: string, configFile: string): ServerSnippets {
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return {
    cursor: json({ mcpServers: { [id]: { url: proxyUrl } } }),
    vscode: json({ servers: { [id]: { type: 'http', url: proxyUrl } } }),
    claudeDesktop: json({ mcpServers: { [id]: { command: 'npx', args: ['toolgate', 'stdio', id, '-c', configFile] } } }),
  };
}
