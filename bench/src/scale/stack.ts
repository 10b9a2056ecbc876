import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { createLogger, loadConfig, openDatabase, startRuntime, type Runtime } from '@trunkline/server';

export const ORIGIN = 'http://bench.test';
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench password 123';

export type Stack = {
  runtime: Runtime;
  handle: Runtime['handle'];
  /** An API call as the signed-in provider admin; throws on an error answer. */
  call<T = { id: string } & Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<T>;
  /** Rows of a query on the server's database. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  cookie: string;
  url: string;
  stop(): Promise<void>;
};

/**
 * The real runtime (API and workers) on an in-memory PGlite, or on `database` when given (closed by `stop`), with
 * a signed-in provider admin.
 */
export async function startStack(
  env: Record<string, string> = {},
  mode: 'all' | 'api' = 'all',
  database?: Runtime['handle'],
): Promise<Stack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-'));
  const config = {
    ...loadConfig({
      PUBLIC_URL: ORIGIN,
      DATA_DIR: dir,
      TRUNKLINE_ADMIN_EMAIL: EMAIL,
      TRUNKLINE_ADMIN_PASSWORD: PASSWORD,
      WEB_DIST_DIR: path.join(dir, 'none'),
      ...env,
    }),
    port: 0,
    host: '127.0.0.1',
  };
  const handle = database ?? (await openDatabase({ kind: 'pglite' }));
  const runtime = await startRuntime({ config, logger: createLogger({ level: 'silent' }), mode, handle });
  const login = await fetch(`${runtime.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const call = async <T>(method: string, url: string, body?: unknown) => {
    const res = await fetch(runtime.url + url, {
      method,
      headers: { cookie, origin: ORIGIN, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    runtime,
    handle,
    call: call as Stack['call'],
    rows: async <T>(query: SQL) => ((await handle.db.execute(query)) as unknown as { rows: T[] }).rows,
    cookie,
    url: runtime.url!,
    async stop() {
      await runtime.stop();
      await handle.close();
    },
  };
}

/**
 * A customer named `customer` and one service in it made through the API (invitation path, one licensed user): the
 * template a bench's bulk inserts copy.
 */
export async function seedTemplateService(
  s: Stack,
  { customer, fullName, shortName }: { customer: string; fullName: string; shortName: string },
) {
  const first = await s.call('POST', '/api/v1/customers', { name: customer });
  const service = await s.call('POST', '/api/v1/services', {
    customerId: first.id,
    type: 'direct-routing',
    fullName,
    shortName,
    licenseType: 'hosted-essentials-plus',
    licensedUsers: 1,
    adminAuth: { method: 'invite', email: 'admin@example.com' },
  });
  return { customer: first, service };
}

/**
 * A new database named `<prefix>_<random>` on the PostgreSQL server `serverUrl` names, opened for `startStack`;
 * `drop` drops it (with its connections).
 */
export async function throwawayDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ handle: Runtime['handle']; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ kind: 'postgres', url: serverUrl, poolSize: 1 });
  await admin.db.execute(sql.raw(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 10 });
  return {
    handle,
    async drop() {
      await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
      await admin.close();
    },
  };
}
