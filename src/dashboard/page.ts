/**
 * The dashboard's HTML: the static frame (sign-in form, header, the panels' headings and
 * controls). The client modules fill the panels from the admin API; nothing here is data.
 */
const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Cpath d='M16 2 4 7v8c0 7.5 5.1 13.4 12 15 6.9-1.6 12-7.5 12-15V7z' fill='%232f6fed'/%3E%3Cpath d='m10.5 16.5 4 4 7-8' stroke='white' stroke-width='3' fill='none' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E";

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>toolgate</title>
<link rel="icon" href="${ICON}">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script type="module" src="/dashboard/assets/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>

<div id="signin" class="signin" hidden>
  <form id="signin-form" class="signin-card" novalidate>
    <div class="brand brand-large"><img src="${ICON}" alt="" width="36" height="36"><span>toolgate</span></div>
    <h1>Sign in to the dashboard</h1>
    <p class="muted">The dashboard and admin API are protected by the admin token.</p>
    <label for="signin-token">Admin token</label>
    <input id="signin-token" name="token" type="password" autocomplete="current-password" spellcheck="false" required aria-describedby="signin-help signin-error">
    <p id="signin-error" class="form-error" role="alert"></p>
    <button type="submit" class="btn btn-primary btn-block">Sign in</button>
    <p id="signin-help" class="help">toolgate printed the token when it first started. It is kept in <code>&lt;data_dir&gt;/admin-token</code>, or set as <code>admin.token</code> in the config.</p>
  </form>
</div>

<div id="app" hidden>
  <header class="topbar">
    <div class="topbar-inner">
      <div class="brand"><img src="${ICON}" alt="" width="26" height="26"><span>toolgate</span><span id="version" class="version"></span></div>
      <nav id="nav" class="nav" aria-label="Views"></nav>
      <div class="topbar-facts" id="facts"></div>
      <div class="topbar-actions">
        <span id="live" class="live" role="status" aria-live="polite"><span class="live-dot" aria-hidden="true"></span><span class="live-text">Connecting…</span></span>
        <button id="signout" type="button" class="btn btn-ghost btn-small">Sign out</button>
      </div>
    </div>
  </header>

  <main id="main" class="layout" tabindex="-1">
    <section class="stats" aria-label="At a glance" id="stats"></section>

    <div class="col-main">
    <section class="panel panel-approvals" aria-labelledby="approvals-title" id="approvals">
      <div class="panel-head">
        <h2 id="approvals-title">Approvals <span id="approvals-count" class="count" hidden></span></h2>
        <label class="inline-field">Approving as <input id="approver" type="text" maxlength="100" placeholder="dashboard" autocomplete="name"></label>
      </div>
      <div id="approvals-list" class="approvals" aria-live="polite"></div>
      <details id="approvals-recent" class="recent">
        <summary>Recently decided</summary>
        <ol id="approvals-recent-list" class="recent-list"></ol>
      </details>
    </section>

    <section class="panel panel-feed" aria-labelledby="feed-title" id="activity">
      <div class="panel-head">
        <h2 id="feed-title">Live activity</h2>
        <form id="feed-filters" class="filters" role="search" aria-label="Filter the activity">
          <label>Server <select id="filter-server" name="server"><option value="">All servers</option></select></label>
          <label>Tool <input id="filter-tool" name="tool" type="search" placeholder="any tool" spellcheck="false"></label>
          <label>Decision <select id="filter-decision" name="decision"><option value="">All decisions</option></select></label>
          <button id="feed-pause" type="button" class="btn btn-small" aria-pressed="false">Pause</button>
        </form>
      </div>
      <p id="feed-note" class="note" hidden></p>
      <div class="table-wrap">
        <table class="feed" aria-describedby="feed-title">
          <thead><tr><th scope="col">Time</th><th scope="col">Server</th><th scope="col">Tool</th><th scope="col">Decision</th><th scope="col" class="rule">Rule</th><th scope="col">Details</th></tr></thead>
          <tbody id="feed-rows"></tbody>
        </table>
      </div>
      <p id="feed-empty" class="empty" hidden>No tool calls yet. Calls through any proxy URL appear here as they happen.</p>
    </section>

    </div>

    <aside class="col-side" aria-label="Servers and rate limits">
    <section class="panel panel-servers" aria-labelledby="servers-title" id="servers">
      <div class="panel-head"><h2 id="servers-title">Servers</h2></div>
      <div id="servers-list" class="servers"></div>
    </section>

    <section class="panel panel-limits" aria-labelledby="limits-title" id="limits">
      <div class="panel-head"><h2 id="limits-title">Rate limits and budgets</h2><span class="muted small">calls and spend in the current window</span></div>
      <div id="limits-list" class="limits"></div>
    </section>

    </aside>

    <section class="panel panel-catalog" aria-labelledby="catalog-title" id="catalog">
      <div class="panel-head">
        <h2 id="catalog-title">Tool catalog</h2>
        <div class="filters">
          <label>Search <input id="catalog-search" type="search" placeholder="name or description" spellcheck="false"></label>
          <label>Server <select id="catalog-server"><option value="">All servers</option></select></label>
          <label>Risk <select id="catalog-risk"><option value="">Any risk</option><option>Critical</option><option>High</option><option>Medium</option><option>Low</option></select></label>
          <button id="catalog-refresh" type="button" class="btn btn-small">Refresh</button>
        </div>
      </div>
      <div id="catalog-list" class="catalog" aria-live="polite" aria-busy="true"></div>
    </section>
  </main>
  <div id="view" class="view" role="region" aria-label="Selected view" hidden></div>
  <div id="toast" class="toast" role="status" aria-live="polite"></div>
</div>
<noscript><p class="noscript">The toolgate dashboard needs JavaScript. The same data is available from the admin API under /admin/api/.</p></noscript>
</body>
</html>
`;
