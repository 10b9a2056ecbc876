/**
 * `npm run bench`: performance budgets as ratios measured in one run, so they hold on any machine.
 * Starts the real runtime on an in-memory database, then compares request latencies:
 *  - a page of customers with 2,000 customers vs with 20 (pagination must keep list pages flat);
 *  - a filtered services search with 1,000 services vs with 10;
 *  - an authenticated read vs the unauthenticated health check (the per-request cost of sessions).
 * Exits 1 when a ratio exceeds its budget.
 *
 * Then the scale scenarios of issue #16 (bench/src/scale/, docs/BENCHMARKS.md "Scale"): the web's cold load, the
 * services list at 10,000 services, five Onboarding views of a 500-service customer, the token refresh of 300
 * connections and 20 onboardings with one tenant throttled hard; `--full` runs them at full size (100,000
 * services, 10,000 connections, 200 onboardings), `--scale-only` skips the ratios, `--only=refresh,throttled`
 * runs only those scenarios (web, lists, views, refresh, throttled). The web scenario needs the built web app.
 *
 * Before them, issue #14's orchestration and web figures (bench/src/orchestration/, docs/BENCHMARKS.md
 * "Orchestration and web"): one onboarding, the critical-path efficiency, the initial bundle and first render;
 * `--orchestration-only` runs only those, `--scale-only` skips them.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger, loadConfig, openDatabase, startRuntime } from '@trunkline/server';
import { runScale, scenarios, type Scenario } from './scale/index.ts';
import { runOrchestration } from './orchestration/index.ts';

const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? (onlyArg.slice('--only='.length).split(',') as Scenario[]) : [...scenarios];
const unknown = only.filter((o) => !scenarios.includes(o));
if (unknown.length)
  throw new Error(`--only: unknown scenario ${unknown.join(', ')} (${scenarios.join(', ')})`);

const ORIGIN = 'http://bench.test';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function start() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-'));
  const config = {
    ...loadConfig({
      PUBLIC_URL: ORIGIN,
      DATA_DIR: dir,
      TRUNKLINE_ADMIN_EMAIL: 'bench@example.com',
      TRUNKLINE_ADMIN_PASSWORD: 'bench password 123',
      WEB_DIST_DIR: path.join(dir, 'none'),
    }),
    port: 0,
    host: '127.0.0.1',
  };
  const handle = await openDatabase({ kind: 'pglite' });
  const runtime = await startRuntime({
    config,
    logger: createLogger({ level: 'silent' }),
    mode: 'api',
    handle,
  });
  const login = await fetch(`${runtime.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 123' }),
  });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(runtime.url + url, {
      method,
      headers: { cookie, origin: ORIGIN, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ id: string } & Record<string, unknown>>;
  };
  return { runtime, handle, call };
}

async function time(fn: () => Promise<unknown>, runs = 40) {
  for (let i = 0; i < 5; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

async function scenario(customers: number, services: number) {
  const s = await start();
  const ids: string[] = [];
  for (let i = 0; i < customers; i++)
    ids.push((await s.call('POST', '/api/v1/customers', { name: `Customer ${i}` })).id);
  for (let i = 0; i < services; i++)
    await s.call('POST', '/api/v1/services', {
      customerId: ids[i % ids.length],
      type: 'direct-routing',
      fullName: `Service ${i}`,
      shortName: `svc-${i}`,
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 1,
      adminAuth: { method: 'credentials', username: 'admin@example.com', password: 'x' },
    });
  const result = {
    customersPage: await time(() => s.call('GET', '/api/v1/customers?page=1&pageSize=50')),
    servicesSearch: await time(() => s.call('GET', '/api/v1/services?q=svc-1&sort=shortName&pageSize=50')),
    me: await time(() => s.call('GET', '/api/v1/me')),
    health: await time(() => fetch(`${s.runtime.url}/healthz`).then((r) => r.json())),
  };
  await s.runtime.stop();
  await s.handle.close();
  return result;
}

let failed = 0;
if (!args.includes('--scale-only') && !args.includes('--orchestration-only')) {
  const small = await scenario(20, 10);
  const large = await scenario(2000, 1000);
  const budgets = [
    {
      name: 'customers page, 2000 vs 20 customers',
      ratio: large.customersPage / small.customersPage,
      max: 3,
    },
    {
      name: 'services search, 1000 vs 10 services',
      ratio: large.servicesSearch / small.servicesSearch,
      max: 4,
    },
    { name: 'authenticated read vs health check', ratio: small.me / small.health, max: 8 },
  ];
  console.log('median ms', { small, large });
  for (const b of budgets) {
    const ok = b.ratio <= b.max;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'OVER'} ${b.name}: ${b.ratio.toFixed(2)}× (budget ${b.max}×)`);
  }
}
// Issue #14's orchestration and web figures (bench/src/orchestration/); `--orchestration-only` runs only them.
const misses = args.includes('--scale-only') ? [] : await runOrchestration();
if (!args.includes('--orchestration-only')) misses.push(...(await runScale(args.includes('--full'), only)));
for (const m of misses) console.log(`MISS ${m}`);
process.exit(failed || misses.length ? 1 : 0);
