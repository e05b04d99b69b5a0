/**
 * One server's client configurations, as the dashboard's copy buttons give them. The same
 * shapes `toolgate serve` prints for every server (src/cli/client-snippets.ts; a test checks
 * that both agree).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServerSnippets {
  cursor: string;
  vscode: string;
  claudeDesktop: string;
}

/** This installation's CLI entry point (a path, not an import: the admin folder does not depend on the CLI). */
const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/**
 * How a client that launches local processes starts toolgate for one server: this Node and this
 * installation's CLI by absolute path, so nothing depends on the client's PATH, and no package
 * name is looked up: toolgate is not published on npm, so fetching it by name would run whatever
 * holds that name there.
 */
export function stdioLaunch(id: string, configFile: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [CLI_MAIN, 'stdio', id, '-c', resolve(configFile)] };
}

export function serverSnippets(id: string, proxyUrl: string, configFile: string): ServerSnippets {
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return {
    cursor: json({ mcpServers: { [id]: { url: proxyUrl } } }),
    vscode: json({ servers: { [id]: { type: 'http', url: proxyUrl } } }),
    claudeDesktop: json({ mcpServers: { [id]: stdioLaunch(id, configFile) } }),
  };
}
