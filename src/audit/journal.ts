/**
 * The write-ahead journal that makes audit records survive a crash of the gateway process.
 *
 * Operations are appended as JSON lines with `write(2)` to a segment file; `AuditLog` decides
 * when (a decision before the agent gets its answer). A returned `write` is in the kernel's page
 * cache, which outlives the process: SIGKILL, an out-of-memory kill or a crash cannot lose it. It
 * is not fsynced (that would cost a disk flush per call), so a power loss or kernel crash can lose
 * what was not yet batched to SQLite.
 *
 * Segments rotate at every batch: the batch's segments are deleted once the store committed it.
 * Whatever segments are left belong to a process that died before its batch committed; the next
 * process to open the trail replays them (operations are idempotent) and deletes them.
 *
 * Segment names carry the owner's pid and a random boot id: `<pid>-<boot>-<gen>.jsonl`. A segment
 * is replayed only when its owner is gone (no such pid, or our own pid with another boot id, as
 * in a container restarted as pid 1), so several processes can share one data_dir. A reused pid
 * only delays a replay until that process exits. Processes sharing a data_dir must share a pid
 * namespace (one host or one container).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditPatch, NewAuditRecord } from './record.js';
import type { AuditOp } from './store.js';

const SEGMENT = /^(\d+)-([A-Za-z0-9_-]+)-(\d+)\.jsonl$/;

/** Boot ids of journals open in this process (tests open several on one folder). */
const liveBoots = new Set<string>();

export interface Orphans {
  ops: AuditOp[];
  segments: string[];
  /** Lines that could not be read: a torn last line (the process died inside `write`) or damage. */
  unreadable: number;
}

export class Journal {
  readonly dir: string;
  /** Unique per journal; record uids start with it. */
  readonly boot: string;
  #gen = 0;
  #fd: number | undefined;
  #live = '';
  /** Closed segments whose operations are not yet known to be committed. */
  #closed: string[] = [];

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    this.boot = randomBytes(6).toString('base64url');
    liveBoots.add(this.boot);
    this.#openSegment();
  }

  /**
   * Reads the segments left by processes that are gone. They are adopted: they count as closed
   * segments of this journal and are deleted by `committed` once their operations are stored.
   */
  adoptOrphans(): Orphans {
    const orphans = readOrphans(this.dir);
    this.#closed.push(...orphans.segments);
    return orphans;
  }

  /**
   * Appends complete operation lines (see `journalLine`) with one `write`; when this returns,
   * they survive a process crash.
   */
  write(lines: string): void {
    if (this.#fd === undefined) throw new Error(`the audit journal in ${this.dir} is closed`);
    // The string is written as it is (no Buffer per write); a short write, which regular files
    // only give when the disk fills up, continues from the bytes that went through.
    let written = writeSync(this.#fd, lines);
    const length = Buffer.byteLength(lines);
    if (written === length) return;
    const bytes = Buffer.from(lines);
    while (written < length) written += writeSync(this.#fd, bytes, written);
  }

  /** Starts a new segment; returns every segment whose operations the coming batch covers. */
  rotate(): string[] {
    this.#closeSegment();
    this.#openSegment();
    return [...this.#closed];
  }

  /** The operations in `segments` are stored: delete them. */
  committed(segments: readonly string[]): void {
    for (const segment of segments) removeFile(segment);
    this.#closed = this.#closed.filter((segment) => !segments.includes(segment));
  }

  /**
   * Stops writing. With `clean` (everything committed) the segments are deleted; otherwise they
   * stay, and the next process to open the trail replays them.
   */
  close(clean: boolean): void {
    this.#closeSegment();
    if (clean) this.committed(this.#closed);
    liveBoots.delete(this.boot);
  }

  #openSegment(): void {
    this.#live = join(this.dir, `${process.pid}-${this.boot}-${String(++this.#gen).padStart(8, '0')}.jsonl`);
    this.#fd = openSync(this.#live, 'a');
  }

  #closeSegment(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    this.#closed.push(this.#live);
  }
}

/**
 * The journal line of an operation, as `readOrphans` parses it. Written out rather than
 * `JSON.stringify({ op, ... })`: no wrapper object per call, and a uid (`<boot>:<base36>`, see
 * `AuditLog`) needs no escaping.
 */
export const addLine = (record: NewAuditRecord): string => `{"op":"add","record":${JSON.stringify(record)}}\n`;
export const setLine = (uid: string, fields: AuditPatch): string => `{"op":"set","uid":"${uid}","fields":${JSON.stringify(fields)}}\n`;

/** Segments whose owner is gone, in the order they were written. */
export function orphanSegments(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const orphans: Array<{ name: string; boot: string; gen: number }> = [];
  for (const name of names) {
    const m = SEGMENT.exec(name);
    if (!m) continue;
    const [pid, boot, gen] = [Number(m[1]), m[2], Number(m[3])];
    if (liveBoots.has(boot)) continue;
    if (pid !== process.pid && isAlive(pid)) continue;
    orphans.push({ name, boot, gen });
  }
  // Only the order within one boot matters: a process's `set` operations refer to its own records.
  orphans.sort((a, b) => (a.boot === b.boot ? a.gen - b.gen : a.boot < b.boot ? -1 : 1));
  return orphans.map((o) => join(dir, o.name));
}

export function readOrphans(dir: string): Orphans {
  const segments = orphanSegments(dir);
  const ops: AuditOp[] = [];
  let unreadable = 0;
  for (const segment of segments) {
    let text: string;
    try {
      text = readFileSync(segment, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process replayed it first
      throw error;
    }
    const lines = text.split('\n');
    const last = lines.pop(); // '' when the segment ends with a newline, as every complete write does
    if (last) unreadable++;
    for (const line of lines) {
      if (line === '') continue;
      try {
        ops.push(JSON.parse(line) as AuditOp);
      } catch {
        unreadable++;
      }
    }
  }
  return { ops, segments, unreadable };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
