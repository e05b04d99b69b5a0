/**
 * The catalog's `index.html`: every tool in one table, with filters by server, category and risk
 * and a text search. The filters are a small inline script (no CDN, no network, works from
 * file://); without script the whole table shows. The filter state lives in the URL fragment,
 * so a filtered view can be bookmarked or linked.
 */
import type { CatalogEntry } from './entry.js';
import { actionBadge, categoryBadge, esc, page, riskBadge, ruleDetail } from './html-layout.js';
import { FINDING_LABEL, type CatalogFailure, type CatalogGroup } from './render-text.js';
import { RISKS } from './types.js';

const CATEGORY_ORDER = ['Read', 'Write', 'Execute', 'Destructive', 'Financial', 'Communication', 'Admin'];

/**
 * Where each tool's page goes, relative to the output folder: `<server>/<tool>.html`, with
 * characters a file name cannot hold replaced, and names that would collide on a
 * case-insensitive file system told apart by a suffix.
 */
export function pagePaths(groups: CatalogGroup[]): Map<CatalogEntry, string> {
  const paths = new Map<CatalogEntry, string>();
  const usedServers = new Set<string>();
  for (const group of groups) {
    const serverSlug = unique(slug(group.server), usedServers);
    const usedTools = new Set<string>(['index']);
    for (const entry of group.entries) paths.set(entry, `${serverSlug}/${unique(slug(entry.name), usedTools)}.html`);
  }
  return paths;
}

function slug(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120);
  return s === '' ? 'tool' : s;
}

function unique(candidate: string, used: Set<string>): string {
  let name = candidate;
  for (let n = 2; used.has(name.toLowerCase()); n++) name = `${candidate}-${n}`;
  used.add(name.toLowerCase());
  return name;
}

export interface IndexOptions {
  paths: Map<CatalogEntry, string>;
  failures: CatalogFailure[];
  /** CSP hash of `INDEX_SCRIPT` (`sha256-<base64>`), computed by the caller. */
  scriptHash: string;
}

export function indexPage(groups: CatalogGroup[], options: IndexOptions): string {
  const entries = groups.flatMap((g) => g.entries);
  const count = <T extends string>(values: readonly T[], pick: (e: CatalogEntry) => string) =>
    values.map((v) => [v, entries.filter((e) => pick(e) === v).length] as const).filter(([, n]) => n > 0);
  const selectOptions = (pairs: ReadonlyArray<readonly [string, number]>, all: string) =>
    [`<option value="">${esc(all)}</option>`, ...pairs.map(([v, n]) => `<option value="${esc(v)}">${esc(v)} (${n})</option>`)].join('');
  const servers = groups.map((g) => [g.server, g.entries.length] as const);
  const byRisk = count(RISKS, (e) => e.risk);
  const rows = entries.map((e) => {
    const rule = e.effectiveRule;
    const notes = [...new Set(e.findings.map((f) => FINDING_LABEL[f.kind]))].join(', ');
    const text = `${e.server} ${e.name} ${e.title ?? ''} ${e.description}`.toLowerCase();
    return `<tr data-server="${esc(e.server)}" data-category="${esc(e.category)}" data-risk="${esc(e.risk)}" data-text="${esc(text)}">
<td class="server">${esc(e.server)}</td>
<td><a href="${esc(options.paths.get(e)!)}"><code>${esc(e.name)}</code></a>${e.title ? `<div class="muted">${esc(e.title)}</div>` : ''}</td>
<td>${categoryBadge(e.category, e.overridden)}</td>
<td>${riskBadge(e.risk)}</td>
<td>${e.requiredParams.map((p) => `<code>${esc(p)}</code>`).join(' ') || '<span class="muted">—</span>'}</td>
<td>${actionBadge(rule.action)} ${esc(ruleDetail(rule.summary))}</td>
<td>${esc(notes)}</td>
</tr>`;
  });
  const failures = options.failures.length
    ? `<div class="note danger"><strong>Not listed:</strong><ul>${options.failures.map((f) => `<li><code>${esc(f.server)}</code>: ${esc(f.message)}</li>`).join('')}</ul></div>`
    : '';
  const body = `<h1>Tool catalog</h1>
<p>${entries.length} tool${entries.length === 1 ? '' : 's'} on ${groups.length} server${groups.length === 1 ? '' : 's'}: ${byRisk.map(([r, n]) => `${n} ${esc(r.toLowerCase())}`).join(', ') || 'none'} risk. Each tool's page says why it needs a policy and gives the YAML for one.</p>
${failures}
<form class="filters" id="filters" hidden>
<label>Server <select name="server">${selectOptions(servers, 'All servers')}</select></label>
<label>Category <select name="category">${selectOptions(count(CATEGORY_ORDER, (e) => e.category), 'All categories')}</select></label>
<label>Risk <select name="risk">${selectOptions(byRisk, 'All risks')}</select></label>
<label>Search <input type="search" name="q" placeholder="name or description"></label>
<output id="count" class="muted"></output>
</form>
<table id="tools">
<thead><tr><th>Server</th><th>Tool</th><th>Category</th><th>Risk</th><th>Required</th><th>Effective rule</th><th>Notes</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
  return page({ title: 'Tool catalog — toolgate', body, script: { source: INDEX_SCRIPT, hash: options.scriptHash } });
}

/** The filter script. A constant (no data is interpolated into it), so its CSP hash is too. */
export const INDEX_SCRIPT = `
(function () {
  var form = document.getElementById('filters');
  var count = document.getElementById('count');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#tools tbody tr'));
  var keys = ['server', 'category', 'risk', 'q'];
  form.hidden = false;
  function fromHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    keys.forEach(function (k) { form.elements[k].value = params.get(k) || ''; });
  }
  function apply() {
    var f = {};
    keys.forEach(function (k) { f[k] = form.elements[k].value; });
    var q = f.q.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var ok = (!f.server || d.server === f.server) && (!f.category || d.category === f.category) &&
        (!f.risk || d.risk === f.risk) && (!q || d.text.indexOf(q) !== -1);
      row.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + ' of ' + rows.length + ' tools';
    var params = new URLSearchParams();
    keys.forEach(function (k) { if (f[k]) params.set(k, f[k]); });
    var hash = params.toString();
    try { history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search); } catch (e) { /* some browsers refuse on file:// */ }
  }
  form.addEventListener('input', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  window.addEventListener('hashchange', function () { fromHash(); apply(); });
  fromHash();
  apply();
})();
`;
