import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveCommand } from './serve.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * `toolgate demo`: the bundled demo config, fronting the npm MCP servers installed with toolgate,
 * with a scratch folder for the filesystem server.
 */
export async function demoCommand(overrides: { port?: number } = {}): Promise<number> {
  const demoDir = process.env.TOOLGATE_DEMO_DIR ?? join(tmpdir(), 'toolgate-demo');
  mkdirSync(join(demoDir, 'files'), { recursive: true });
  writeFileSync(join(demoDir, 'files', 'hello.txt'), 'Hello from the toolgate demo.\n');
  process.env.TOOLGATE_DEMO_DIR = demoDir;
  process.env.PATH = [join(PACKAGE_ROOT, 'node_modules', '.bin'), process.env.PATH].join(delimiter);
  return serveCommand(join(PACKAGE_ROOT, 'examples', 'demo.yaml'), overrides);
}
