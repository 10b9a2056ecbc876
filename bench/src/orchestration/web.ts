import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { createLogger, loadConfig, openDatabase, startRuntime } from '@trunkline/server';

const DIST = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url));
const RUNS = 5;

/**
 * What the browser must load before the first screen can render: the entry script, the chunks it preloads
 * (`modulepreload`) and the stylesheets index.html names; each gzip-compressed (level 6, what a server sends).
 */
export function initialBundle(dist = DIST) {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const refs = [
    ...html.matchAll(/<script[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="(?:modulepreload|stylesheet)"[^>]*href="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+href="([^"]+)"[^>]*rel="(?:modulepreload|stylesheet)"/g),
  ].map((m) => m[1]!);
  const files = [...new Set(refs)].filter((r) => !/^https?:/.test(r));
  const sizes = files.map((f) => {
    const body = readFileSync(path.join(dist, f.replace(/^\//, '')));
    return { file: f, bytes: body.length, gzipBytes: gzipSync(body, { level: 6 }).length };
  });
  return { files: sizes, gzipBytes: sizes.reduce((a, s) => a + s.gzipBytes, 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The initial bundle's size, and the time to first render of the first screen (the sign-in page) in headless
 * Chromium from an empty cache, served by the real server on loopback: first contentful paint, and the moment the
 * sign-in form is in the page (React rendered). Median of five cold loads.
 */
export async function webFirstRender() {
  if (!existsSync(path.join(DIST, 'index.html')))
    throw new Error('apps/web/dist is not built: run `npm run build -w @trunkline/web` first');
  const bundle = initialBundle();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-web-'));
  const config = {
    ...loadConfig({
      PUBLIC_URL: 'http://bench.test',
      DATA_DIR: dir,
      TRUNKLINE_ADMIN_EMAIL: 'bench@example.com',
      TRUNKLINE_ADMIN_PASSWORD: 'bench password 123',
      WEB_DIST_DIR: DIST,
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
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
  const fcp: number[] = [];
  const rendered: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(runtime.url!, { waitUntil: 'commit' });
      await page.waitForSelector('input[type="password"]', { state: 'attached', timeout: 30_000 });
      const at = await page.evaluate(() => performance.now());
      await page.waitForFunction(
        () => performance.getEntriesByName('first-contentful-paint').length > 0,
        null,
        {
          timeout: 30_000,
        },
      );
      const paint = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]!.startTime,
      );
      if (i > 0) {
        // The first load warms the server's file cache; the others are measured.
        fcp.push(paint);
        rendered.push(at);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await runtime.stop();
    await handle.close();
  }
  return {
    initialGzipKb: Math.round(bundle.gzipBytes / 1024),
    initialFiles: bundle.files.map((f) => `${f.file} ${Math.round(f.gzipBytes / 1024)} KB`),
    firstContentfulPaintMs: Math.round(median(fcp)),
    firstRenderMs: Math.round(median(rendered)),
  };
}
