/**
 * Whether this build of toolgate has an audit trail, and how the benchmark configures it. The
 * realistic policy turns it on; the allow-all and stdio runs turn it off, so they measure a bare
 * proxy (what supergateway and mcp-proxy are). Found out from the build's config schema at run
 * time (see snapshot.ts), so the harness works before and after the audit lands.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface AuditSupport {
  /** The config has an `audit:` key with `enabled`. */
  available: boolean;
  /** Top-level YAML for the realistic policy (audit on) and for the bare runs (audit off). */
  onYaml?: string;
  offYaml?: string;
}

export function auditSupport(hasAuditKey: boolean): AuditSupport {
  if (!hasAuditKey) return { available: false };
  return { available: true, onYaml: 'audit: { enabled: true }', offYaml: 'audit: { enabled: false }' };
}

/** Bytes of the files the gateway wrote under its data dir (the audit database and its journal). */
export function dataDirBytes(dataDir: string): number {
  if (!existsSync(dataDir)) return 0;
  let total = 0;
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    const stat = statSync(path);
    total += stat.isDirectory() ? dataDirBytes(path) : stat.size;
  }
  return total;
}
