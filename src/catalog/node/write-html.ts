/**
 * Writes the static catalog: `index.html` and one page per tool under `<server>/`. Existing
 * files of the same names are replaced; nothing else in the folder is touched.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { INDEX_SCRIPT, indexPage, pagePaths } from '../html-index.js';
import { toolPage } from '../html-page.js';
import type { CatalogFailure, CatalogGroup } from '../render-text.js';

export interface WrittenCatalog {
  index: string;
  pages: number;
}

export function writeHtmlCatalog(dir: string, groups: CatalogGroup[], failures: CatalogFailure[]): WrittenCatalog {
  const paths = pagePaths(groups);
  for (const group of groups) {
    for (const entry of group.entries) {
      const file = join(dir, paths.get(entry)!);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, toolPage(entry, { indexHref: '../index.html', ...(group.serverInfo ? { serverInfo: group.serverInfo } : {}) }));
    }
  }
  const scriptHash = `sha256-${createHash('sha256').update(INDEX_SCRIPT).digest('base64')}`;
  const index = join(dir, 'index.html');
  mkdirSync(dir, { recursive: true });
  writeFileSync(index, indexPage(groups, { paths, failures, scriptHash }));
  return { index, pages: paths.size };
}
