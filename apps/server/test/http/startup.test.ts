import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../src/app/runtime.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/platform/logger.ts';

/**
 * Start-up work is off the path to /healthz: the port answers /healthz ("starting") while the database opens and
 * the migrations and job queues are prepared, every other path 503 `starting`; once started, the app answers.
 */
describe('start-up', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-startup-'));
  let runtime: Runtime | undefined;
  afterAll(async () => {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz before the database is open, and the API once started', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const config = {
      ...loadConfig({
        PUBLIC_URL: 'http://trunkline.test',
        DATA_DIR: dir,
        TRUNKLINE_ADMIN_EMAIL: 'admin@trunkline.test',
        TRUNKLINE_ADMIN_PASSWORD: 'correct horse battery staple',
        WEB_DIST_DIR: path.join(dir, 'no-web'),
      }),
      port,
      host: '127.0.0.1',
    };
    // A fresh PGlite directory: opening and migrating it takes seconds.
    let started = false;
    const starting = startRuntime({ config, logger: createLogger({ level: 'silent' }), mode: 'all' }).then(
      (r) => {
        started = true;
        runtime = r;
        return r;
      },
    );
    const url = `http://127.0.0.1:${port}`;
    // Asked without pause all through start-up (also while the app is built and made ready on the early server):
    // every answer is "starting" or the app's own, and the process never fails on a request that came too soon.
    const readyz: number[] = [];
    const hammer = (async () => {
      while (!started) {
        try {
          readyz.push((await fetch(`${url}/readyz`)).status);
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    })();
    let early: { status: number; body: unknown } | null = null;
    while (!started && !early) {
      try {
        const res = await fetch(`${url}/healthz`);
        early = { status: res.status, body: await res.json() };
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    expect(started, 'the runtime started before /healthz answered').toBe(false);
    expect(early).toEqual({ status: 200, body: { status: 'starting' } });
    const api = await fetch(`${url}/api/v1/me`);
    if (!started) {
      expect(api.status).toBe(503);
      expect(api.headers.get('retry-after')).toBe('1');
      expect(((await api.json()) as { code: string }).code).toBe('starting');
    }

    const r = await starting;
    await hammer;
    expect(readyz.length).toBeGreaterThan(0);
    expect(readyz.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    expect(r.url).toBe(url);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/me`)).status).toBe(200);
    // Opening and migrating a fresh PGlite directory takes a while on a busy machine.
  }, 120_000);
});
