import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for the tenants bench's scale deployment, started the way `scripts/test-system.sh`
 * starts the system tier's (initdb into a temporary directory, `pg_ctl start`, durability off: the run measures
 * Trunkline, not the disk), as the `postgres` user when the bench runs as root (initdb refuses root). With
 * `pg_stat_statements` loaded, so the run can say which statements the database spent its time on. `PG_BIN` chooses
 * the binaries (default: the newest `/usr/lib/postgresql/<version>/bin`). The bench fails without them.
 */
export type Postgres = {
  /** `postgres://postgres@127.0.0.1:<port>/trunkline`, an empty database with pg_stat_statements. */
  url: string;
  /** The postmaster's process id (its backends are its children). */
  pid: number;
  stop(): void;
};

function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const newest = versions.at(-1);
  if (!newest)
    throw new Error(
      'PostgreSQL server binaries not found (set PG_BIN or run: bash scripts/system-deps.sh): the PostgreSQL variant of the tenants bench needs them',
    );
  return path.join(root, newest, 'bin');
}

export async function startPostgres(port: number, maxConnections = 400): Promise<Postgres> {
  const bin = pgBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pw.status !== 0) throw new Error('running as root, but there is no postgres user to run PostgreSQL');
    chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
  }
  const run = (cmd: string, args: string[]) => {
    const r = asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { encoding: 'utf8' })
      : spawnSync(path.join(bin, cmd), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  const stop = () => {
    spawnSync(
      asRoot ? 'runuser' : path.join(bin, 'pg_ctl'),
      [
        ...(asRoot ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl')] : []),
        '-D',
        data,
        '-m',
        'immediate',
        '-w',
        'stop',
      ],
      { stdio: 'ignore' },
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const settings = [
      'listen_addresses=127.0.0.1',
      `port=${port}`,
      `unix_socket_directories=${dir}`,
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
      `max_connections=${maxConnections}`,
      'shared_buffers=128MB',
      'shared_preload_libraries=pg_stat_statements',
      'pg_stat_statements.track=all',
    ];
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'postgres.log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      settings.map((s) => `-c ${s}`).join(' '),
    ]);
    const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const server = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await withClient(server, (c) => c.query('create database trunkline'));
    const url = `postgres://postgres@127.0.0.1:${port}/trunkline`;
    await withClient(url, (c) => c.query('create extension pg_stat_statements'));
    return { url, pid, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Forgets the statements counted so far (before the measured run). */
export const resetStatements = (url: string) =>
  withClient(url, (c) => c.query('select pg_stat_statements_reset()')).then(() => undefined);

export type StatementFigure = { calls: number; totalMs: number; meanMs: number; rows: number; query: string };

/** The statements the database spent most time on since the reset, and the totals over every statement. */
export async function topStatements(url: string, limit = 15) {
  return withClient(url, async (c) => {
    const total = await c.query<{ calls: string; ms: number }>(
      `select coalesce(sum(calls), 0)::text as calls, coalesce(sum(total_exec_time), 0)::float8 as ms
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`,
    );
    const top = await c.query<{ calls: string; ms: number; rows: string; query: string }>(
      `select calls::text, total_exec_time::float8 as ms, rows::text, query
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
       order by total_exec_time desc limit $1`,
      [limit],
    );
    return {
      calls: Number(total.rows[0]!.calls),
      totalMs: Math.round(total.rows[0]!.ms),
      top: top.rows.map((r): StatementFigure => ({
        calls: Number(r.calls),
        totalMs: Math.round(r.ms),
        meanMs: Math.round((r.ms / Math.max(1, Number(r.calls))) * 1000) / 1000,
        rows: Number(r.rows),
        query: r.query.replace(/\s+/g, ' ').slice(0, 240),
      })),
    };
  });
}
