/**
 * The real PostgreSQL the tests share (127.0.0.1:5432, trust auth, user postgres, or
 * TOOLGATE_TEST_PG as the admin URL). Each test gets a database of its own, dropped afterwards,
 * so runs in parallel never see each other.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';

const ADMIN_URL = process.env.TOOLGATE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  /** The same database reached through another host:port (a proxy the test controls). */
  urlVia(hostPort: string): string;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<TestDatabase> {
  const name = `toolgate_test_${randomUUID().replaceAll('-', '')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    urlVia(hostPort) {
      const via = new URL(url.href);
      via.host = hostPort;
      return via.href;
    },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** The PostgreSQL `host:port` the tests use. */
export const PG_HOST_PORT = new URL(ADMIN_URL).host;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A `COMMIT` as pg sends it: a simple Query message ('Q', length 11, "COMMIT\0"). */
const COMMIT_MESSAGE = Buffer.from('Q\0\0\0\x0bCOMMIT\0', 'latin1');

export interface PostgresProxy {
  /** `host:port` to put in a URL instead of PostgreSQL's. */
  readonly hostPort: string;
  /** Drops every connection and stops listening, as an outage would. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** From now on, each connection's COMMIT (and what follows it) waits until `release`. */
  holdCommits(): void;
  /** How many COMMITs wait. */
  readonly held: number;
  release(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy to PostgreSQL that the test controls: cut and restored like an outage, or holding
 * commits so a transaction that took its ids first commits last, as a slow instance of a fleet does.
 */
export async function postgresProxy(target = PG_HOST_PORT): Promise<PostgresProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  const waiting: Array<() => void> = [];
  let holding = false;
  let server: Server | undefined;
  let listenPort = 0;
  const start = async () => {
    server = createServer((client) => {
      const upstream = connect(port, host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      upstream.pipe(client);
      let paused: Buffer[] | undefined;
      client.on('data', (chunk: Buffer) => {
        if (paused) return void paused.push(chunk);
        const at = holding ? chunk.indexOf(COMMIT_MESSAGE) : -1;
        if (at < 0) return void upstream.write(chunk);
        upstream.write(chunk.subarray(0, at));
        paused = [chunk.subarray(at)];
        waiting.push(() => {
          for (const part of paused!) upstream.write(part);
          paused = undefined;
        });
      });
      client.on('end', () => upstream.end());
    });
    server.listen(listenPort, '127.0.0.1');
    await once(server, 'listening');
    listenPort = (server.address() as { port: number }).port;
  };
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  };
  await start();
  return {
    hostPort: `127.0.0.1:${listenPort}`,
    cut: stop,
    restore: start,
    holdCommits() {
      holding = true;
    },
    get held() {
      return waiting.length;
    },
    release() {
      holding = false;
      for (const resume of waiting.splice(0)) resume();
    },
    close: stop,
  };
}
