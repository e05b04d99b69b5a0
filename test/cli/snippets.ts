/** The client configurations `toolgate serve` / `demo` print, read back and run as a client would. */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { tempDir } from '../helpers/harness.js';

export interface Launch {
  command: string;
  args: string[];
}

/** The Claude Desktop snippet in the banner: server id → the process it launches. */
export function printedStdioLaunches(output: string): Record<string, Launch> {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Claude Desktop (claude_desktop_config.json'));
  if (start < 0) throw new Error(`no Claude Desktop snippet in:\n${output}`);
  const end = lines.indexOf('}', start);
  return (JSON.parse(lines.slice(start + 1, end + 1).join('\n')) as { mcpServers: Record<string, Launch> }).mcpServers;
}

/**
 * Runs exactly the snippet's command with the SDK's stdio client, from an unrelated folder and
 * with a PATH that finds nothing (a desktop client's environment is not the shell's), and lists
 * the tools.
 */
export async function toolsVia(launch: Launch): Promise<string[]> {
  const transport = new StdioClientTransport({ command: launch.command, args: launch.args, cwd: tempDir(), env: { PATH: '/nonexistent' }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'desktop-snippet', version: '1' });
  try {
    await client.connect(transport);
    return (await client.listTools()).tools.map((tool) => tool.name);
  } catch (error) {
    throw new Error(`${launch.command} ${launch.args.join(' ')} failed: ${(error as Error).message}\nstderr:\n${stderr}`);
  } finally {
    await client.close();
  }
}
