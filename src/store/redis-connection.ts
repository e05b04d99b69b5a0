/**
 * One Redis connection (plus one for pub/sub) shared by the pin, approval and rate-limit stores
 * of a gateway. Commands never queue while Redis is unreachable: they fail at once with a
 * `store_error` naming the server, so a call that needs shared state is refused (fail closed)
 * rather than left waiting; the client reconnects by itself and the next command succeeds.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import type { RedisConfig } from '../config/types.js';
import { ToolgateError } from '../errors.js';

/**
 * The client library, loaded with the first connection: loading it costs about a third of a
 * second of CPU, which every gateway and CLI command without Redis would otherwise pay at start.
 */
let redisLibrary: typeof import('redis') | undefined;
const redis = () => (redisLibrary ??= createRequire(import.meta.url)('redis') as typeof import('redis'));

/** How long one command may take before it fails as a store error. */
const COMMAND_TIMEOUT_MS = 5_000;
/** How long a connection attempt may take. */
const FIRST_CONNECT_MS = 5_000;
/**
 * Commands the client holds at most (waiting to be written or for their answer). A Redis that
 * keeps the connection but stops answering would otherwise collect one per call, each failed
 * after the command timeout but still held until the connection ends; past this bound a command
 * fails at once.
 */
const MAX_QUEUED_COMMANDS = 10_000;

/** A Lua script run with EVALSHA (loaded by EVAL the first time a server does not know it). */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export type RedisState = 'up' | 'down';

export interface RedisConnectionOptions {
  log?: Logger;
  /** How long a command may wait for its answer; 5 s unless a test needs less. */
  commandTimeoutMs?: number;
}

/**
 * Fails commands that got no answer in time. node-redis's own per-command timeout makes an
 * `AbortSignal.timeout` for every command (a signal whose 5-second timer outlives the command, and
 * two listeners): on the Redis store, up to a third of the gateway's CPU per call at one session
 * (less, within the noise, at 16). Here a command costs an entry in an ordered set, and one timer,
 * armed for the oldest command in flight, checks them.
 */
class CommandDeadlines {
  readonly #timeoutMs: number;
  /** In the order they were sent, so the oldest comes first. */
  readonly #pending = new Set<{ due: number; fail: (error: Error) => void }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  within<T>(command: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const entry = { due: performance.now() + this.#timeoutMs, fail: reject };
      this.#pending.add(entry);
      this.#timer ??= this.#arm(this.#timeoutMs);
      command.then(
        (value) => (this.#pending.delete(entry), resolve(value)),
        (error: unknown) => (this.#pending.delete(entry), reject(error)),
      );
    });
  }

  #arm(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#expire(), ms);
    timer.unref();
    return timer;
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.due > now) {
        this.#timer = this.#arm(entry.due - now);
        return;
      }
      this.#pending.delete(entry);
      entry.fail(new Error(`no answer within ${this.#timeoutMs} ms (command timeout)`));
    }
  }
}

export class RedisConnection {
  readonly prefix: string;
  /** host:port/db, without credentials, for messages. */
  readonly where: string;
  readonly #client: RedisClientType;
  #subscriber?: RedisClientType;
  readonly #log?: Logger;
  readonly #commandTimeoutMs: number;
  readonly #deadlines: CommandDeadlines;
  readonly #firstConnect: Promise<void>;
  readonly #resubscribed = new Set<() => void>();
  #refs = 1;
  #closed = false;
  #lastError = '';

  constructor(config: RedisConfig, options: RedisConnectionOptions = {}) {
    this.prefix = config.prefix;
    this.where = describe(config.url);
    this.#log = options.log;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
    this.#deadlines = new CommandDeadlines(this.#commandTimeoutMs);
    this.#client = this.#newClient(config.url);
    // The first attempt ends with 'ready' or a first 'error'; later commands never wait.
    this.#firstConnect = new Promise((resolve) => {
      this.#client.once('ready', resolve);
      this.#client.once('error', resolve);
    });
    void this.#client.connect().catch(() => undefined);
  }

  /** Another owner of this connection; each owner calls `close` once. */
  retain(): this {
    this.#refs += 1;
    return this;
  }

  get state(): RedisState {
    return this.#client.isReady ? 'up' : 'down';
  }

  /** A key or channel name under the configured prefix. */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Runs a command; any failure becomes a `store_error` saying `what` could not be done. */
  async run<T>(what: string, command: (client: RedisClientType) => Promise<T>): Promise<T> {
    if (this.#closed) throw new ToolgateError('store_error', `${what}: the Redis connection is closed; the gateway is shutting down`);
    if (!this.#client.isReady) await within(this.#firstConnect, FIRST_CONNECT_MS);
    try {
      return await this.#deadlines.within(command(this.#client));
    } catch (error) {
      throw this.#storeError(what, error);
    }
  }

  /** EVALSHA, or EVAL when the server has not seen the script (a restarted or new Redis). */
  evalScript(what: string, script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    return this.run(what, async (client) => {
      try {
        return await client.evalSha(script.sha, options);
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return client.eval(script.source, options);
      }
    });
  }

  /**
   * Listens on `channel` (under the prefix). `onSubscribed` runs each time the subscription is
   * (re)established: messages sent while it was down are lost, so the listener resynchronises
   * there. `live()` says whether messages are being received now.
   */
  subscribe(channel: string, listener: (message: string) => void, onSubscribed: () => void): { live: () => boolean; stop: () => Promise<void> } {
    const subscriber = this.#subscriberClient();
    const name = this.key(channel);
    let stopped = false;
    const subscribed = () => {
      if (!stopped) onSubscribed();
    };
    this.#resubscribed.add(subscribed);
    const ready = subscriber.subscribe(name, listener).then(subscribed, (error: unknown) => {
      this.#log?.debug({ err: error, channel: name }, 'Redis subscription not made yet; made again when Redis is back');
    });
    return {
      live: () => subscriber.isReady && !stopped,
      stop: async () => {
        stopped = true;
        this.#resubscribed.delete(subscribed);
        await ready;
        if (subscriber.isReady) await subscriber.unsubscribe(name, listener).catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    if (--this.#refs > 0 || this.#closed) return;
    this.#closed = true;
    // A client destroyed in the middle of its first connection attempt would connect anyway.
    await within(this.#firstConnect, FIRST_CONNECT_MS);
    // A client still trying to reconnect would wait for Redis to close, and a graceful close waits
    // for the answers of commands in flight, which a Redis that stopped answering never sends:
    // destroy those instead.
    await Promise.all(
      [this.#client, this.#subscriber].map(async (client) => {
        if (!client?.isOpen) return;
        if (client.isReady) await within(client.close().catch(() => undefined), this.#commandTimeoutMs);
        if (client.isOpen) client.destroy();
      }),
    );
  }

  #subscriberClient(): RedisClientType {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = this.#client.duplicate({ disableOfflineQueue: false }) as RedisClientType;
    this.#subscriber = subscriber;
    this.#watch(subscriber, 'Redis (subscriptions)');
    // node-redis subscribes again after a reconnect; tell the listeners, who may have missed messages.
    let first = true;
    subscriber.on('ready', () => {
      if (first) return void (first = false);
      for (const resubscribed of this.#resubscribed) resubscribed();
    });
    void subscriber.connect().catch(() => undefined);
    return subscriber;
  }

  #newClient(url: string): RedisClientType {
    const client = redis().createClient({
      url,
      disableOfflineQueue: true,
      commandsQueueMaxLength: MAX_QUEUED_COMMANDS,
      // 0: no per-command AbortSignal of node-redis's (its default is 5 s); CommandDeadlines times commands.
      commandOptions: { timeout: 0 },
      socket: { connectTimeout: FIRST_CONNECT_MS, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) },
    }) as RedisClientType;
    this.#watch(client, 'Redis');
    return client;
  }

  /** Logs the first error of each outage and the recovery; an unhandled 'error' event would end the process. */
  #watch(client: RedisClientType, name: string): void {
    client.on('error', (error: Error) => {
      if (this.#lastError === error.message) return;
      this.#lastError = error.message;
      this.#log?.error({ err: error, redis: this.where }, `${name} at ${this.where} is unreachable; calls that need shared state are refused until it is back`);
    });
    client.on('ready', () => {
      if (this.#lastError === '') return;
      this.#lastError = '';
      this.#log?.info({ redis: this.where }, `${name} at ${this.where} is reachable again`);
    });
  }

  #storeError(what: string, error: unknown): ToolgateError {
    if (error instanceof ToolgateError) return error;
    const message = (error as Error).message ?? String(error);
    const down = !this.#client.isReady || /closed|offline|ECONNREFUSED|timeout|Socket/i.test(message);
    const hint = down ? 'Redis is unreachable; the call is refused until it is back (state.on_unavailable)' : 'check the Redis server log';
    return new ToolgateError('store_error', `${what}: Redis at ${this.where}: ${message} (hint: ${hint})`, { cause: error });
  }
}

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol === 'rediss:' ? 'rediss://' : ''}${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'the configured URL';
  }
}

function within(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
