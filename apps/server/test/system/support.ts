import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The monorepo root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * The Node the project pins (node_modules/.bin/node, Node 24), which runs the server's TypeScript
 * directly; falls back to the Node running the tests.
 */
export const nodeBin = (() => {
  const pinned = path.join(repoRoot, 'node_modules/.bin/node');
  return existsSync(pinned) ? pinned : process.execPath;
})();

/**
 * The PostgreSQL server the system tier runs against. The system suite has no fallback: without a
 * server it fails, it never skips. scripts/test-system.sh starts one and sets the variable.
 */
export function systemDatabaseUrl(): string {
  const url = process.env.SYSTEM_DATABASE_URL;
  if (!url) {
    throw new Error(
      'SYSTEM_DATABASE_URL is not set. The system tests need a PostgreSQL server: run `npm run test:system` ' +
        '(it starts a throwaway one), or set SYSTEM_DATABASE_URL=postgres://user@host:port/postgres.',
    );
  }
  return url;
}

export type FreshDatabase = { name: string; url: string; drop(): Promise<void> };

/** A new, empty database on the system PostgreSQL server. */
export async function createFreshDatabase(prefix = 'tl_sys'): Promise<FreshDatabase> {
  const serverUrl = systemDatabaseUrl();
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withClient(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  };
}

/** Runs `fn` on a short-lived connection. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Thrown from a `waitFor` check to stop waiting at once (e.g. the process being waited on died). */
export class WaitAborted extends Error {
  override name = 'WaitAborted';
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws a timeout error naming
 * `what` (and the last error `check` threw, and `context()` when given).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs: number; intervalMs?: number; context?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const parts = [`Timed out after ${options.timeoutMs} ms waiting for ${what}.`];
      if (lastError)
        parts.push(`Last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
      if (options.context) parts.push(options.context());
      throw new Error(parts.join('\n'));
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

export type LogLine = Record<string, unknown> & { msg?: string };

/** A child process whose stdout/stderr are kept in memory (and parsed as pino JSON where they are). */
export class NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(name: string, args: string[], env: Record<string, string>) {
    this.name = name;
    this.child = spawn(nodeBin, args, {
      cwd: repoRoot,
      // A clean environment: nothing from the test runner's (TEST_DATABASE_URL, PORT, …) leaks in.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (stream: NodeJS.ReadableStream | null, tag: string) => {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.output.push(tag === 'err' ? `[stderr] ${line}` : line);
      });
      stream?.on('end', () => {
        if (rest) this.output.push(tag === 'err' ? `[stderr] ${rest}` : rest);
      });
    };
    collect(this.child.stdout, 'out');
    collect(this.child.stderr, 'err');
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** The stdout lines that are JSON log records. */
  logs(): LogLine[] {
    const out: LogLine[] = [];
    for (const line of this.output) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log record
      }
    }
    return out;
  }

  /** The last lines of output, for error messages. */
  tail(lines = 40): string {
    const status = this.exitInfo
      ? `exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal})`
      : 'running';
    return `--- ${this.name} (pid ${this.pid}, ${status}), last output ---\n${this.output.slice(-lines).join('\n')}\n---`;
  }

  /** Fails fast when the process has died, so waits do not run into their timeout. */
  assertRunning(): void {
    if (!this.running) throw new Error(`${this.name} died.\n${this.tail()}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with how the process ended. */
  async stop(graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}

/** Waits until GET {url}/readyz answers 200, failing at once if the process dies. */
export async function waitForReady(proc: NodeProcess, baseUrl: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${proc.name} to answer 200 on ${baseUrl}/readyz`,
    async () => {
      if (!proc.running) throw new WaitAborted(`${proc.name} exited before it was ready.\n${proc.tail()}`);
      const res = await fetch(`${baseUrl}/readyz`);
      return res.status === 200;
    },
    { timeoutMs, intervalMs: 250, context: () => proc.tail() },
  );
}
