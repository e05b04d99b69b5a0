/**
 * The key that seals toolgate's `requestState`: 32 random bytes in `<data_dir>/request-state.key`
 * (mode 0600), created at the first start. Kept in the data dir so every gateway process on it
 * seals alike; delete the file to rotate it (states in flight are then refused as forged).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolgateError } from '../errors.js';

export const REQUEST_STATE_KEY_FILE = 'request-state.key';

export function loadRequestStateKey(dataDir: string): Buffer {
  const file = join(dataDir, REQUEST_STATE_KEY_FILE);
  const existing = readKey(file);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  try {
    // `wx`: when another process created it meanwhile, use theirs.
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ToolgateError('config_unreadable', `Cannot write the requestState key to ${file}: ${(error as Error).message} (hint: make data_dir writable)`, { cause: error });
    }
  }
  chmodSync(file, 0o600);
  const created = readKey(file);
  if (!created) throw new ToolgateError('config_unreadable', `The requestState key file ${file} holds no 32-byte key (hint: delete it and restart to create a new one)`);
  return created;
}

function readKey(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ToolgateError('config_unreadable', `Cannot read the requestState key file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new ToolgateError('config_unreadable', `The requestState key file ${file} holds no 32-byte key (hint: delete it and restart to create a new one)`);
  return key;
}
