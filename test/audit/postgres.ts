/**
 * The real PostgreSQL the tests share (127.0.0.1:5432, trust auth, user postgres, or
 * TOOLGATE_TEST_PG as the admin URL). Each test gets a database of its own, dropped afterwards,
 * so runs in parallel never see each other.
 */
import { randomUUID } from 'node:crypto';
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
