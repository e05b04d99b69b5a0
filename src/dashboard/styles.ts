/** The dashboard's stylesheet: system fonts, light and dark from prefers-color-scheme, one column below 1100px. */
export const DASHBOARD_CSS = String.raw`
:root {
  --bg: #f5f6f8;
  --surface: #ffffff;
  --surface-2: #f0f2f5;
  --border: #dde1e7;
  --text: #1b1f24;
  --muted: #5b6472;
  --accent: #2f6fed;
  --accent-text: #ffffff;
  --focus: #2f6fed;
  --code-bg: #f3f4f7;
  --green: #1a7f37;   --green-bg: #dcf5e3;
  --red: #c0262d;     --red-bg: #fde2e2;
  --amber: #8a5a00;   --amber-bg: #fdf0cc;   --amber-fill: #e3a008;
  --orange: #b2480e;  --orange-bg: #fde5d4;
  --blue: #1f5fd1;    --blue-bg: #dde8fd;
  --purple: #7339c7;  --purple-bg: #ece3fb;
  --gray: #4f5866;    --gray-bg: #e7eaee;
  --bar-bg: #e6e9ee;
  --shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 1px 3px rgba(16, 24, 40, .08);
  --radius: 10px;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1216;
    --surface: #171b21;
    --surface-2: #1e232b;
    --border: #2c333d;
    --text: #e6e9ee;
    --muted: #9aa4b2;
    --accent: #5b8fff;
    --accent-text: #0b1020;
    --focus: #7aa5ff;
    --code-bg: #12161b;
    --green: #5fd08a;   --green-bg: #14301f;
    --red: #ff7b7f;     --red-bg: #3a1518;
    --amber: #f2c14e;   --amber-bg: #332810;   --amber-fill: #f2c14e;
    --orange: #ff9d5c;  --orange-bg: #3a2112;
    --blue: #82aaff;    --blue-bg: #182645;
    --purple: #c09cff;  --purple-bg: #2a1d45;
    --gray: #aab3bf;    --gray-bg: #262c35;
    --bar-bg: #262c35;
    --shadow: 0 1px 2px rgba(0, 0, 0, .4);
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
a { color: var(--accent); }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
.skip { position: absolute; left: -999px; top: 8px; background: var(--surface); padding: 8px 12px; z-index: 10; }
.skip:focus { left: 8px; }
.muted { color: var(--muted); }
.small { font-size: 12.5px; }
h1, h2, h3 { margin: 0; line-height: 1.25; }
h2 { font-size: 15px; font-weight: 650; display: flex; align-items: center; gap: 8px; }

/* Buttons and fields */
.btn {
  font: inherit; font-weight: 550; cursor: pointer;
  border: 1px solid var(--border); background: var(--surface); color: var(--text);
  padding: 7px 14px; border-radius: 8px; line-height: 1.2; white-space: nowrap;
}
.btn:hover { background: var(--surface-2); }
.btn:disabled { opacity: .55; cursor: default; }
.btn-small { padding: 5px 10px; font-size: 13px; }
.btn-primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.btn-primary:hover { filter: brightness(1.07); background: var(--accent); }
.btn-approve { background: var(--green); border-color: var(--green); color: #fff; }
.btn-approve:hover { filter: brightness(1.08); background: var(--green); }
.btn-danger { color: var(--red); border-color: color-mix(in srgb, var(--red) 45%, var(--border)); }
.btn-danger:hover { background: var(--red-bg); }
.btn-danger-solid { background: var(--red); border-color: var(--red); color: #fff; }
.btn-danger-solid:hover { filter: brightness(1.08); background: var(--red); }
.btn-ghost { background: transparent; border-color: transparent; color: var(--muted); }
.btn-block { width: 100%; padding: 10px; }
@media (prefers-color-scheme: dark) {
  .btn-approve, .btn-danger-solid { color: #0b1020; }
}
input, select, textarea {
  font: inherit; color: var(--text); background: var(--surface);
  border: 1px solid var(--border); border-radius: 7px; padding: 6px 9px; min-width: 0;
}
textarea { width: 100%; resize: vertical; min-height: 64px; }
label { color: var(--muted); font-size: 12.5px; font-weight: 550; }

/* Sign-in */
.signin { min-height: 100vh; display: grid; place-items: center; padding: 24px; }
.signin-card {
  width: min(420px, 100%); background: var(--surface); border: 1px solid var(--border);
  border-radius: 14px; padding: 28px; box-shadow: var(--shadow); display: grid; gap: 10px;
}
.signin-card h1 { font-size: 20px; margin-top: 6px; }
.signin-card label { margin-top: 6px; }
.signin-card input { padding: 10px 12px; font-family: var(--mono); }
.signin-card p { margin: 0; }
.form-error { color: var(--red); min-height: 1.2em; font-size: 13px; }
.help { color: var(--muted); font-size: 12.5px; }

/* Header */
.brand { display: flex; align-items: center; gap: 8px; font-weight: 700; font-size: 17px; letter-spacing: -.01em; }
.brand-large { font-size: 22px; }
.version { font-weight: 500; font-size: 12px; color: var(--muted); }
.topbar { background: var(--surface); border-bottom: 1px solid var(--border); position: sticky; top: 0; z-index: 5; }
.topbar-inner { max-width: 1480px; margin: 0 auto; padding: 10px 20px; display: flex; align-items: center; gap: 18px; flex-wrap: wrap; }
.topbar-facts { display: flex; gap: 14px; flex-wrap: wrap; color: var(--muted); font-size: 13px; flex: 1; }
.topbar-facts b { color: var(--text); font-weight: 600; }
.topbar-actions { display: flex; align-items: center; gap: 10px; }
.live { display: inline-flex; align-items: center; gap: 6px; font-size: 12.5px; color: var(--muted); }
.live-dot { width: 9px; height: 9px; border-radius: 50%; background: var(--gray); }
.live.on .live-dot { background: var(--green); box-shadow: 0 0 0 3px color-mix(in srgb, var(--green) 25%, transparent); }
.live.off .live-dot { background: var(--amber-fill); }

/* Layout */
.layout {
  max-width: 1480px; margin: 0 auto; padding: 18px 20px 40px;
  display: grid; gap: 16px;
  grid-template-columns: minmax(0, 1fr) 400px;
  grid-template-areas: "stats stats" "main side" "catalog catalog";
  align-items: start;
}
.layout:focus { outline: none; }
.stats { grid-area: stats; }
.col-main { grid-area: main; }
.col-side { grid-area: side; }
.col-main, .col-side { display: grid; gap: 16px; align-content: start; min-width: 0; }
.panel-catalog { grid-area: catalog; }
@media (max-width: 1100px) {
  .layout { grid-template-columns: minmax(0, 1fr); grid-template-areas: "stats" "main" "side" "catalog"; }
}
@media (max-width: 600px) {
  .layout, .col-main, .col-side { gap: 12px; }
  .layout { padding: 12px 10px 32px; }
  .topbar-inner { padding: 8px 12px; gap: 8px 12px; }
  .topbar-facts { order: 3; flex-basis: 100%; gap: 10px; font-size: 12px; }
}

.panel, .stats { scroll-margin-top: 72px; }
.cat-server .health-error { margin: 4px 16px 10px; }
.panel { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); min-width: 0; }
.panel-head { display: flex; align-items: center; justify-content: space-between; gap: 10px 16px; flex-wrap: wrap; padding: 14px 16px; border-bottom: 1px solid var(--border); }
.count { background: var(--accent); color: var(--accent-text); border-radius: 999px; font-size: 12px; padding: 1px 8px; font-weight: 650; }
.count.urgent { background: var(--amber-bg); color: var(--amber); }
.empty { color: var(--muted); text-align: center; padding: 28px 16px; margin: 0; }
.note { margin: 0; padding: 10px 16px; color: var(--muted); background: var(--surface-2); border-bottom: 1px solid var(--border); font-size: 13px; }
.inline-field { display: inline-flex; align-items: center; gap: 8px; }
.inline-field input { width: 150px; }

/* Stats */
.stats { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 12px; }
@media (max-width: 700px) { .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 10px; } }
.stat { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 12px 16px; box-shadow: var(--shadow); text-decoration: none; color: inherit; display: block; }
a.stat:hover { border-color: var(--accent); }
.stat-value { font-size: 26px; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; }
.stat-label { color: var(--muted); font-size: 12.5px; font-weight: 550; }
.stat-sub { color: var(--muted); font-size: 12px; }
.stat.attention { border-color: color-mix(in srgb, var(--amber) 60%, var(--border)); background: var(--amber-bg); }
.stat.attention .stat-value, .stat.attention .stat-label { color: var(--amber); }
.stat.bad .stat-value { color: var(--red); }

/* Badges */
.badge { display: inline-block; font-size: 11.5px; font-weight: 650; padding: 1px 8px; border-radius: 999px; white-space: nowrap; background: var(--gray-bg); color: var(--gray); letter-spacing: .01em; }
.b-green { background: var(--green-bg); color: var(--green); }
.b-red { background: var(--red-bg); color: var(--red); }
.b-amber { background: var(--amber-bg); color: var(--amber); }
.b-orange { background: var(--orange-bg); color: var(--orange); }
.b-blue { background: var(--blue-bg); color: var(--blue); }
.b-purple { background: var(--purple-bg); color: var(--purple); }
.b-outline { background: transparent; border: 1px solid var(--border); color: var(--muted); font-weight: 550; }

/* Approvals */
.approvals { display: grid; gap: 12px; padding: 14px 16px; }
.approvals:empty { display: none; }
.approval { border: 1px solid color-mix(in srgb, var(--amber-fill) 60%, var(--border)); border-left: 4px solid var(--amber-fill); border-radius: 9px; padding: 14px; display: grid; gap: 10px; background: var(--surface); }
.approval.leaving { opacity: .5; }
.approval-top { display: flex; gap: 8px 14px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
.approval-title { font-size: 16px; font-weight: 650; display: flex; align-items: center; gap: 8px; flex-wrap: wrap; overflow-wrap: anywhere; }
.approval-server { color: var(--muted); font-weight: 500; }
.approval-meta { color: var(--muted); font-size: 12.5px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
.countdown { font-variant-numeric: tabular-nums; font-weight: 650; color: var(--amber); white-space: nowrap; }
.countdown.soon { color: var(--red); }
.args { margin: 0; background: var(--code-bg); border: 1px solid var(--border); border-radius: 7px; padding: 10px 12px; overflow: auto; max-height: 260px; white-space: pre-wrap; overflow-wrap: anywhere; }
.j-key { color: var(--blue); } .j-str { color: var(--green); } .j-num { color: var(--orange); } .j-lit { color: var(--purple); }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.session-approve { display: inline-flex; align-items: stretch; }
.session-approve .btn { border-top-right-radius: 0; border-bottom-right-radius: 0; }
.session-approve select { border-top-left-radius: 0; border-bottom-left-radius: 0; border-left: 0; }
.refuse-form { display: grid; gap: 8px; }
.refuse-form .actions { justify-content: flex-end; }
.approvals-empty { display: flex; align-items: center; gap: 10px; justify-content: center; color: var(--muted); padding: 22px 16px; margin: 0; }
.approvals-empty::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: var(--green); }
.recent { border-top: 1px solid var(--border); padding: 10px 16px; }
.recent summary { cursor: pointer; color: var(--muted); font-weight: 550; font-size: 13px; }
.recent-list { list-style: none; margin: 8px 0 0; padding: 0; display: grid; gap: 6px; }
.recent-list li { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; font-size: 13px; }

/* Feed */
.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; }
.filters label { display: grid; gap: 2px; }
.filters input[type=search] { width: 160px; }
.table-wrap { overflow-x: auto; max-height: 560px; overflow-y: auto; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); padding: 8px 12px; border-bottom: 1px solid var(--border); position: sticky; top: 0; background: var(--surface); z-index: 1; }
td { padding: 7px 12px; border-bottom: 1px solid var(--border); vertical-align: top; }
tbody tr:last-child td { border-bottom: 0; }
.feed td.time { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
.feed .tool { font-weight: 600; overflow-wrap: break-word; }
.feed .details { color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.feed td.rule { font-family: var(--mono); font-size: 12px; color: var(--muted); }
.feed tr.fresh td { animation: fresh 2.4s ease-out; }
@keyframes fresh { from { background: color-mix(in srgb, var(--accent) 16%, transparent); } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { .feed tr.fresh td { animation: none; } }
@media (max-width: 700px) {
  /* One call per block: time, server / tool and the decision on a line, the details below. */
  .feed thead { display: none; }
  .feed, .feed tbody { display: block; }
  .feed tr { display: grid; grid-template-columns: auto auto minmax(0, 1fr) auto; grid-template-areas: "time server tool decision" "details details details details"; gap: 2px 8px; padding: 8px 12px; border-bottom: 1px solid var(--border); align-items: baseline; }
  .feed tr.fresh { animation: fresh 2.4s ease-out; }
  .feed td { padding: 0; border: 0; }
  .feed td.time { grid-area: time; }
  .feed td.srv { grid-area: server; color: var(--muted); }
  .feed td.srv::after { content: " /"; }
  .feed td.tool { grid-area: tool; }
  .feed td.decision { grid-area: decision; }
  .feed td.rule { display: none; }
  .feed td.details { grid-area: details; }
  .filters { width: 100%; }
  .filters label { flex: 1 1 130px; }
  .filters input[type=search], .filters select { width: 100%; }
}

/* Servers */
.servers { display: grid; }
.server { padding: 14px 16px; display: grid; gap: 8px; border-bottom: 1px solid var(--border); min-width: 0; }
.server:last-child { border-bottom: 0; }
.server-top { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.server-name { font-weight: 650; font-size: 15px; overflow-wrap: anywhere; }
.health { display: inline-flex; align-items: center; gap: 6px; font-size: 12.5px; color: var(--muted); margin-left: auto; }
.health-dot { width: 9px; height: 9px; border-radius: 50%; background: var(--gray); flex: none; }
.health.ok .health-dot { background: var(--green); }
.health.error .health-dot { background: var(--red); }
.health.checking .health-dot { background: var(--amber-fill); }
.upstream { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.health-error { color: var(--red); background: var(--red-bg); border-radius: 7px; padding: 8px 10px; font-size: 12.5px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; max-height: 140px; overflow: auto; }
.url-row { display: flex; gap: 6px; align-items: stretch; min-width: 0; }
.url-row code { flex: 1; min-width: 0; background: var(--code-bg); border: 1px solid var(--border); border-radius: 7px; padding: 5px 9px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.snippets summary { cursor: pointer; font-size: 13px; color: var(--muted); font-weight: 550; }
.snippet-tabs { display: flex; gap: 4px; margin: 8px 0 6px; flex-wrap: wrap; }
.snippet-tabs [aria-selected=true] { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.snippet { position: relative; }
.snippet pre { margin: 0; background: var(--code-bg); border: 1px solid var(--border); border-radius: 7px; padding: 10px 12px; overflow: auto; }
.snippet .btn { position: absolute; top: 6px; right: 6px; }
.snippet-where { font-size: 12px; color: var(--muted); margin: 0 0 6px; }

/* Rate limits */
.limits { padding: 8px 16px 14px; display: grid; gap: 12px; }
.limit { display: grid; gap: 4px; }
.limit-top { display: flex; justify-content: space-between; gap: 10px; font-size: 13px; align-items: baseline; }
.limit-name { font-weight: 600; overflow-wrap: anywhere; }
.limit-count { font-variant-numeric: tabular-nums; white-space: nowrap; font-weight: 600; }
.bar { height: 8px; border-radius: 999px; background: var(--bar-bg); overflow: hidden; }
.bar > span { display: block; height: 100%; border-radius: 999px; background: var(--green); transition: width .3s; }
.bar.warn > span { background: var(--amber-fill); }
.bar.full > span { background: var(--red); }
.limit-sub { color: var(--muted); font-size: 12px; display: flex; flex-wrap: wrap; gap: 2px 10px; }
.limits .empty { padding: 16px 0; }

/* Catalog */
.catalog { padding: 0 0 6px; }
.cat-server { border-bottom: 1px solid var(--border); }
.cat-server:last-child { border-bottom: 0; }
.cat-server-head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; padding: 12px 16px 6px; }
.cat-server-head h3 { font-size: 14px; }
.tool-head, .tool > summary { display: grid; grid-template-columns: minmax(180px, 1.3fr) 120px 90px minmax(200px, 2fr); gap: 12px; align-items: center; padding: 8px 16px; }
.tool-head { font-size: 12px; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--border); }
.tool { border-bottom: 1px solid var(--border); }
.tool:last-child { border-bottom: 0; }
.tool > summary { cursor: pointer; list-style: none; }
.tool > summary::-webkit-details-marker { display: none; }
.tool > summary:hover { background: var(--surface-2); }
.tool-name { font-weight: 600; display: flex; align-items: center; gap: 6px; min-width: 0; overflow-wrap: anywhere; }
.tool-name::before { content: "▸"; color: var(--muted); font-size: 11px; transition: transform .15s; flex: none; }
.tool[open] > summary .tool-name::before { transform: rotate(90deg); }
.tool-title { color: var(--muted); font-weight: 400; font-size: 12.5px; }
.rule-summary { font-size: 13px; display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; min-width: 0; overflow-wrap: anywhere; }
.rule-from { color: var(--muted); font-size: 12px; font-family: var(--mono); }
.tool-body { padding: 4px 16px 16px 34px; display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.tool-body h4 { margin: 0 0 4px; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.tool-body p, .tool-body ul { margin: 0; }
.tool-body ul { padding-left: 18px; }
.tool-body .full { grid-column: 1 / -1; }
.finding { color: var(--orange); }
.params { display: grid; gap: 2px; font-size: 13px; }
.params code { font-weight: 600; }
@media (max-width: 800px) {
  .tool-head { display: none; }
  .tool > summary { grid-template-columns: minmax(0, 1fr) auto auto; grid-template-areas: "name cat risk" "rule rule rule"; gap: 6px 8px; }
  .tool > summary .tool-name { grid-area: name; }
  .tool > summary .cat { grid-area: cat; }
  .tool > summary .risk { grid-area: risk; }
  .tool > summary .rule-summary { grid-area: rule; padding-left: 17px; }
  .tool-body { grid-template-columns: minmax(0, 1fr); padding-left: 16px; }
}

.toast { position: fixed; bottom: 18px; left: 50%; transform: translateX(-50%); background: var(--text); color: var(--bg); padding: 9px 16px; border-radius: 8px; font-size: 13px; opacity: 0; pointer-events: none; transition: opacity .2s; max-width: calc(100vw - 32px); }
.toast.show { opacity: 1; }
.toast.error { background: var(--red); color: #fff; }
.noscript { padding: 24px; text-align: center; }

/* Views beyond "now" (views.ts, history.ts, chart.ts) */
.nav { display: flex; gap: 4px; flex-wrap: wrap; }
.nav-link { padding: 6px 10px; border-radius: 8px; color: var(--muted); text-decoration: none; font-weight: 500; }
.nav-link:hover { background: var(--surface-2); color: var(--text); }
.nav-link[aria-current="page"] { background: var(--blue-bg); color: var(--blue); }
.view { max-width: 1480px; margin: 0 auto; padding: 20px; display: grid; gap: 18px; }
.view h2:focus { outline: none; }
.view h3 { font-size: 14px; margin: 14px 0 6px; }
.segmented { display: inline-flex; gap: 4px; }
.segmented .btn[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.timeline-figure { margin: 0; padding: 12px 16px; }
.timeline { width: 100%; height: auto; display: block; }
.timeline .bar-allowed { fill: var(--green); }
.timeline .bar-refused { fill: var(--red); }
.timeline .bar-held { fill: var(--amber-fill); }
.timeline-axis { stroke: var(--border); }
.timeline text { fill: var(--text); font-size: 13px; }
.timeline .timeline-total, .timeline .timeline-tick { fill: var(--muted); font-size: 12px; }
.legend::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.legend-allowed::before { background: var(--green); }
.legend-refused::before { background: var(--red); }
.legend-held::before { background: var(--amber-fill); }
.timeline-table { margin-top: 10px; max-width: 480px; }
.search-form { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; padding: 12px 16px; }
#search-results > p, .view .panel > p, .view .panel > h3, .view .panel > ul, .pin { margin-left: 16px; margin-right: 16px; }
.exports { display: flex; gap: 8px; }
.counts { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.plain-list { margin: 0; padding-left: 18px; }
.pin { border: 1px solid var(--border); border-radius: var(--radius); padding: 12px 14px; margin-bottom: 12px; }
.pin h3 { margin-top: 0; }
.pin-actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
#pins-read-only { border: 1px solid var(--border); border-radius: var(--radius); margin: 12px 16px; }
.removed-pins li { margin-bottom: 4px; }
.diff { background: var(--code-bg); padding: 10px; border-radius: 8px; overflow: auto; max-height: 360px; font-family: var(--mono); font-size: 12px; }
.diff-add { color: var(--green); background: var(--green-bg); }
.diff-del { color: var(--red); background: var(--red-bg); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
