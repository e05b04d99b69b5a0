/**
 * Small DOM helpers for the dashboard. Every piece of text from the gateway or an upstream
 * (tool names, descriptions, arguments, error messages) goes into the page as a text node via
 * `h` — never as HTML — so nothing an upstream sends can become markup or script.
 */

type Child = Node | string | number | null | undefined | false;
type Props = {
  class?: string;
  /** Attributes, set with setAttribute (values are text, never markup). */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
};

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  for (const [name, value] of Object.entries(props?.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, handler] of Object.entries(props?.on ?? {})) el.addEventListener(name, handler as EventListener);
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.textContent = '';
  append(parent, ...children);
}

export const badge = (text: string, tone = '', title?: string) => h('span', { class: `badge ${tone}`.trim(), attrs: { title } }, text);

/** 14:03:27 */
export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** "12s ago", "5 min ago", "3 h ago". */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

/** 272 -> "4:32"; 3725 -> "1:02:05". */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** 60000 -> "1m", 90000 -> "90s": the way the config writes windows. */
export function windowText(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function millis(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Pretty JSON with its tokens in spans (for colour); the text goes in as text nodes. */
export function jsonBlock(value: unknown, className = 'args'): HTMLPreElement {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const pre = h('pre', { class: className, attrs: { tabindex: 0 } });
  const token = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const match of text.matchAll(token)) {
    const at = match.index ?? 0;
    if (at > last) append(pre, text.slice(last, at));
    if (match[1] !== undefined) {
      append(pre, h('span', { class: match[2] ? 'j-key' : 'j-str' }, match[1]));
      if (match[2]) append(pre, match[2]);
    } else if (match[3] !== undefined) append(pre, h('span', { class: 'j-lit' }, match[3]));
    else append(pre, h('span', { class: 'j-num' }, match[4]));
    last = at + match[0].length;
  }
  if (last < text.length) append(pre, text.slice(last));
  return pre;
}

export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on a non-loopback host has no Clipboard API: fall back to a selected textarea.
  const area = h('textarea', { attrs: { readonly: true, 'aria-hidden': 'true' } });
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy');
}

let toastTimer: number | undefined;
export function toast(message: string, error = false): void {
  const el = byId('toast');
  el.textContent = message;
  el.className = `toast show${error ? ' error' : ''}`;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (el.className = 'toast'), error ? 6000 : 2600);
}

/** A button that copies `text` and says so. */
export function copyButton(text: () => string, label: string, what: string): HTMLButtonElement {
  const button = h('button', { class: 'btn btn-small', attrs: { type: 'button', 'aria-label': `${label}: ${what}` } }, label);
  button.addEventListener('click', () => {
    copyText(text()).then(
      () => toast(`Copied ${what}`),
      (error: Error) => toast(`Could not copy: ${error.message}`, true),
    );
  });
  return button;
}
