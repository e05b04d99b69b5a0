import type { JsonRpcMessage, JsonRpcNotification, JsonRpcResponse } from '../transport/jsonrpc.js';
import type { ModernExchange } from './modern-exchange.js';
import { META_SUBSCRIPTION_ID } from './wire.js';

/** What a `subscriptions/listen` request asks for. */
interface Filter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

interface Listener {
  exchange: ModernExchange;
  filter: Filter;
}

/** Upper bound on URIs one subscription may name. */
const MAX_RESOURCE_SUBSCRIPTIONS = 1000;

/**
 * `subscriptions/listen` in front of a 2025 server: the notifications the server sends on its
 * session (list changes, resource updates) go to every open listen stream that asked for them,
 * tagged with that stream's subscription id. Resource updates need `resources/subscribe` at the
 * upstream: sent for the first listener of a URI, and `resources/unsubscribe` after the last.
 */
export class ListenStreams {
  readonly #listeners = new Set<Listener>();
  readonly #subscribed = new Map<string, number>();

  constructor(
    private readonly capabilities: Record<string, unknown>,
    private readonly upstreamRequest: (method: string, params: Record<string, unknown>) => Promise<JsonRpcResponse>,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.#listeners.size;
  }

  /** Opens a stream: acknowledges the part of the filter the server can honour, first. */
  open(exchange: ModernExchange): void {
    if (this.#listeners.size >= this.max) {
      exchange.finish({ jsonrpc: '2.0', id: exchange.id, error: { code: -32603, message: `Subscription limit reached: at most ${this.max} listen streams per caller and server` } });
      return;
    }
    const asked = (exchange.request.params?.notifications ?? {}) as Filter;
    const tools = this.capabilities.tools as { listChanged?: boolean } | undefined;
    const prompts = this.capabilities.prompts as { listChanged?: boolean } | undefined;
    const resources = this.capabilities.resources as { listChanged?: boolean; subscribe?: boolean } | undefined;
    const filter: Filter = {};
    if (asked.toolsListChanged === true && tools?.listChanged) filter.toolsListChanged = true;
    if (asked.promptsListChanged === true && prompts?.listChanged) filter.promptsListChanged = true;
    if (asked.resourcesListChanged === true && resources?.listChanged) filter.resourcesListChanged = true;
    if (Array.isArray(asked.resourceSubscriptions) && resources?.subscribe) {
      filter.resourceSubscriptions = [...new Set(asked.resourceSubscriptions.filter((uri): uri is string => typeof uri === 'string'))].slice(0, MAX_RESOURCE_SUBSCRIPTIONS);
    }
    const listener: Listener = { exchange, filter };
    this.#listeners.add(listener);
    exchange.onGone = () => this.#close(listener);
    exchange.event({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: { [META_SUBSCRIPTION_ID]: exchange.id }, notifications: filter },
    });
    for (const uri of filter.resourceSubscriptions ?? []) {
      const count = this.#subscribed.get(uri) ?? 0;
      this.#subscribed.set(uri, count + 1);
      if (count === 0) void this.upstreamRequest('resources/subscribe', { uri });
    }
  }

  /** A notification the server sent on its session, outside any request. */
  notify(message: JsonRpcMessage): void {
    if (!('method' in message)) return;
    const params = (message.params ?? {}) as Record<string, unknown>;
    for (const { exchange, filter } of this.#listeners) {
      const wanted =
        (message.method === 'notifications/tools/list_changed' && filter.toolsListChanged) ||
        (message.method === 'notifications/prompts/list_changed' && filter.promptsListChanged) ||
        (message.method === 'notifications/resources/list_changed' && filter.resourcesListChanged) ||
        (message.method === 'notifications/resources/updated' && typeof params.uri === 'string' && filter.resourceSubscriptions?.includes(params.uri));
      if (!wanted) continue;
      const tagged: JsonRpcNotification = {
        jsonrpc: '2.0',
        method: message.method,
        params: { ...params, _meta: { ...((params._meta as Record<string, unknown> | undefined) ?? {}), [META_SUBSCRIPTION_ID]: exchange.id } },
      };
      exchange.event(tagged);
    }
  }

  /** Ends every stream gracefully: the listen request's own response says the subscription closed. */
  close(): void {
    for (const listener of [...this.#listeners]) {
      listener.exchange.finish({ jsonrpc: '2.0', id: listener.exchange.id, result: { resultType: 'complete', _meta: { [META_SUBSCRIPTION_ID]: listener.exchange.id } } });
      this.#close(listener);
    }
  }

  #close(listener: Listener): void {
    if (!this.#listeners.delete(listener)) return;
    for (const uri of listener.filter.resourceSubscriptions ?? []) {
      const count = (this.#subscribed.get(uri) ?? 1) - 1;
      if (count > 0) this.#subscribed.set(uri, count);
      else {
        this.#subscribed.delete(uri);
        void this.upstreamRequest('resources/unsubscribe', { uri });
      }
    }
  }
}
