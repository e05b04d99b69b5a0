import { createHash } from 'node:crypto';
import type { Config } from '../config/types.js';

/**
 * A short hash of everything that changes decisions — the policies (classification overrides
 * included), the category defaults, the modes and pinning — so an audit record says which policy
 * decided it. Listen address, logging and upstream commands are left out: changing them does not
 * change a decision. Object keys are sorted, except each server's `tools`, whose declaration order
 * breaks ties between equally specific globs and so is kept.
 *
 * Settings that are absent or at their default (`pinning: block`, no category entries) add
 * nothing, so a file that spells a default out hashes like one that leaves it out, and adding
 * these settings to toolgate did not change the revision of existing files.
 */
export function policyRevision(config: Config): string {
  const serverModes: Record<string, string> = {};
  const serverPinning: Record<string, string> = {};
  for (const [id, server] of Object.entries(config.servers)) {
    if (server.mode !== undefined) serverModes[id] = server.mode;
    if (server.pinning !== undefined) serverPinning[id] = server.pinning;
  }
  const policies: Record<string, unknown> = {};
  for (const [id, policy] of Object.entries(config.policies)) {
    policies[id] = { default: policy.default, tools: Object.entries(policy.tools) };
  }
  const categories = config.defaults?.categories ?? {};
  const canonical = canonicalJson({
    mode: config.mode,
    serverModes,
    policies,
    // The resolved entries count, and the profile for its rows by risk and poisoning, which entries
    // written out do not bring.
    ...(Object.keys(categories).length === 0 ? {} : { categories }),
    ...(config.defaults?.profile === undefined ? {} : { profile: config.defaults.profile }),
    ...(config.pinning === 'block' || config.pinning === undefined ? {} : { pinning: config.pinning }),
    ...(Object.keys(serverPinning).length === 0 ? {} : { serverPinning }),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

function write(value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i] ?? null, out);
    }
    out.push(']');
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    out.push('{');
    let first = true;
    // Default sort compares UTF-16 code units: deterministic, which is all a hash needs.
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(record[key], out);
    }
    out.push('}');
  } else {
    out.push(JSON.stringify(value));
  }
}
