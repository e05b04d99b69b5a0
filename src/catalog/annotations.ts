/**
 * Comparing the server's annotations with what the definition itself says. Annotations are the
 * server's claims about its own tool; a claim that disagrees with the name and description is
 * either a mistake or a way to slip a dangerous tool past clients that trust hints, and either
 * way a reviewer should see it.
 */
import type { Evidence } from './evidence.js';
import { isUrlParam } from './params.js';
import type { Category, Finding, ToolAnnotations } from './types.js';

export function annotationContradictions(ev: Evidence, category: Category, annotations: ToolAnnotations | undefined): Finding[] {
  if (annotations === undefined || annotations === null || typeof annotations !== 'object') return [];
  const out: Finding[] = [];
  const what = `\`${ev.name}\``;
  if (annotations.readOnlyHint === true && category !== 'Read') {
    out.push({
      kind: 'annotation_contradiction',
      message: `The server marks ${what} readOnlyHint: true, but its definition says ${category}: the hint is not trusted.`,
    });
  }
  if (annotations.destructiveHint === false && category === 'Destructive') {
    out.push({
      kind: 'annotation_contradiction',
      message: `The server marks ${what} destructiveHint: false, but its definition says it deletes.`,
    });
  }
  if (annotations.openWorldHint === false) {
    const url = ev.params.find((p) => isUrlParam(p));
    if (url || category === 'Communication') {
      out.push({
        kind: 'annotation_contradiction',
        message: `The server marks ${what} openWorldHint: false, but it ${url ? `takes a URL (\`${url.name}\`)` : 'sends messages to people'}, which reaches outside the server.`,
      });
    }
  }
  return out;
}
