import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { serveCommand } from './serve.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'demo.yaml');

/**
 * `toolgate demo`: examples/demo.yaml, fronting the npm MCP servers installed with toolgate, on a
 * scratch folder. The config is written into that folder first (see `demoConfig`), so the
 * client snippets the gateway prints for it work on their own, without `toolgate demo`.
 */
export async function demoCommand(overrides: { port?: number } = {}): Promise<number> {
  const demoDir = resolve(process.env.TOOLGATE_DEMO_DIR ?? join(tmpdir(), 'toolgate-demo'));
  mkdirSync(join(demoDir, 'files'), { recursive: true });
  writeFileSync(join(demoDir, 'files', 'hello.txt'), 'Hello from the toolgate demo.\n');
  const file = join(demoDir, 'toolgate.yaml');
  writeFileSync(file, demoConfig());
  return serveCommand(file, overrides);
}

/**
 * examples/demo.yaml with each server command that is an npm binary installed with toolgate
 * (`mcp-server-everything`) replaced by this Node running that binary's script: a client that
 * launches `toolgate stdio` with this config needs no PATH, and no `npx` download.
 */
export function demoConfig(): string {
  const doc = parseDocument(readFileSync(EXAMPLE, 'utf8'));
  const servers = doc.get('servers');
  if (isMap(servers)) {
    for (const { value: server } of servers.items) {
      if (!isMap(server)) continue;
      const command = server.get('command');
      const bin = typeof command === 'string' ? join(PACKAGE_ROOT, 'node_modules', '.bin', command) : undefined;
      if (bin === undefined || !existsSync(bin)) continue;
      const args = server.get('args');
      server.set('command', process.execPath);
      server.set('args', doc.createNode([realpathSync(bin), ...(isSeq(args) ? args.items.map((a) => (isScalar(a) ? String(a.value) : String(a))) : [])], { flow: true }));
    }
  }
  return `# Written by toolgate demo from ${EXAMPLE}, with this machine's paths.\n${doc.toString({ lineWidth: 0 })}`;
}
