/**
 * Serves the dashboard: the page at / and /dashboard, its stylesheet, and its scripts (the
 * browser modules in ./client, compiled by tsc beside this file and read once). Nothing is
 * fetched from elsewhere: no CDN, no web fonts, so it works offline and the strict CSP holds.
 *
 * The page itself holds no data; everything it shows comes from the admin API, which asks for
 * the token. Without a session the page shows its sign-in form.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DASHBOARD_HTML } from './page.js';
import { DASHBOARD_CSS } from './styles.js';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

let assets: Map<string, Asset> | undefined;

/** The page, the stylesheet and every compiled client module, by URL path. */
function loadAssets(): Map<string, Asset> {
  const map = new Map<string, Asset>();
  const add = (path: string, text: string, type: string) => {
    const body = Buffer.from(text, 'utf8');
    map.set(path, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
  };
  add('/dashboard', DASHBOARD_HTML, 'text/html; charset=utf-8');
  add('/dashboard/assets/dashboard.css', DASHBOARD_CSS, 'text/css; charset=utf-8');
  const dir = new URL('./client/', import.meta.url);
  for (const name of readdirSync(dir)) {
    if (!/^[a-z-]+\.js$/.test(name)) continue;
    // The source map points at files the gateway does not serve; drop the reference.
    const code = readFileSync(new URL(name, dir), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
    add(`/dashboard/assets/${name}`, code, 'text/javascript; charset=utf-8');
  }
  return map;
}

/** Answers the dashboard's paths; false for any other path. */
export function serveDashboard(request: IncomingMessage, response: ServerResponse, path: string): boolean {
  const key = path === '/' || path === '/dashboard/' ? '/dashboard' : path;
  if (key !== '/dashboard' && !key.startsWith('/dashboard/')) return false;
  assets ??= loadAssets();
  const asset = assets.get(key);
  if (!asset) {
    response.writeHead(404, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    response.end(`No dashboard file ${path}; the dashboard is at /dashboard\n`);
    return true;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    response.end('The dashboard answers GET only\n');
    return true;
  }
  const headers = { ...HEADERS, 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache' };
  if (request.headers['if-none-match'] === asset.etag) {
    response.writeHead(304, headers).end();
    return true;
  }
  response.writeHead(200, { ...headers, 'content-length': asset.body.length });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
  return true;
}
