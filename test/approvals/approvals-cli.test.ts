/**
 * `toolgate approvals` deciding in the config's data_dir with no gateway running: what it says
 * when there is nothing to decide, when the process that held a call is gone, and when the
 * config keeps approvals in a gateway's memory.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SqliteApprovalStore } from '../../src/approvals/approval-store.js';
import { CLI, tempDir } from '../helpers/harness.js';
import { childEnv } from '../helpers/processes.js';
import { held } from './approval-store-suite.js';

function configFile(extra = ''): { file: string; dataDir: string } {
  const dir = tempDir('toolgate-approvals-cli-');
  const file = join(dir, 'toolgate.yaml');
  writeFileSync(file, `data_dir: ./state\nservers:\n  app: { command: node }\n${extra}`);
  return { file, dataDir: join(dir, 'state') };
}

function toolgate(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, 'approvals', ...args], { encoding: 'utf8', env: childEnv(), timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('toolgate approvals without a running gateway', () => {
  test('--help shows how it decides; nothing held yet is said plainly', () => {
    const help = toolgate('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Decides in the config's data_dir/);
    assert.match(help.stdout, /-p, --port PORT/);
    const { file } = configFile();
    const list = toolgate('list', '-c', file);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'No approvals waiting.\n');
    const approve = toolgate('approve', 'some-id', '-c', file);
    assert.equal(approve.code, 1);
    assert.match(approve.stderr, /No approval some-id: nothing has been held yet .*approvals\.sqlite/);
  });

  test('a hold whose gateway process is gone cannot be approved: it is closed as abandoned, and the CLI says why', async () => {
    const { file, dataDir } = configFile();
    const store = new SqliteApprovalStore(join(dataDir, 'approvals.sqlite'), { now: Date.now });
    const orphan = held({ heldBy: `${hostname()}:999999` });
    await store.insert(orphan);
    try {
      const approve = toolgate('approve', orphan.id, '-c', file);
      assert.equal(approve.code, 1);
      assert.match(approve.stderr, new RegExp(`Approval ${orphan.id} cannot be decided: the gateway process holding the call \\(${hostname()}:999999\\) is gone`));
      const stored = (await store.get(orphan.id))!;
      assert.equal(stored.status, 'abandoned');
      assert.equal(stored.decidedBy, 'toolgate');
      const deny = toolgate('deny', orphan.id, '--reason', 'too late', '-c', file);
      assert.match(deny.stderr, /already abandoned \(by toolgate\)/);
      const denyWithoutReason = toolgate('deny', orphan.id, '-c', file);
      assert.equal(denyWithoutReason.code, 1);
      assert.match(denyWithoutReason.stderr, /needs --reason/);
    } finally {
      await store.close();
    }
  });

  test('with state.backend: memory the CLI says only the gateway can decide, and how to reach it', () => {
    const { file } = configFile('state: { backend: memory }\n');
    const list = toolgate('list', '-c', file);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /keeps approvals in the gateway's memory \(state\.backend: memory\).*pass -p PORT/);
    const badPort = toolgate('list', '-c', file, '-p', 'eighty');
    assert.match(badPort.stderr, /-p takes the port toolgate serve listens on \(1 to 65535\), not "eighty"/);
  });
});
