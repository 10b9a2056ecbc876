import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The directives of a Content-Security-Policy header, by name. */
const directives = (csp: string | null) =>
  Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );

/**
 * Security headers on every answer: a strict CSP the web app satisfies (no inline script anywhere), no framing,
 * no sniffing, no referrer (none at all on invitation pages, whose path holds the token), HSTS behind https,
 * and nothing personal or link-bearing kept in caches.
 */
describe('security headers', () => {
  let server: TestServer;
  let https: TestServer;
  beforeAll(async () => {
    const dist = mkdtempSync(path.join(os.tmpdir(), 'trunkline-web-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(
      path.join(dist, 'index.html'),
      '<!doctype html><title>Trunkline</title><div id="root"></div><script type="module" src="/assets/app-1.js"></script>',
    );
    writeFileSync(path.join(dist, 'assets', 'app-1.js'), 'console.log(1)');
    server = await startTestServer({ WEB_DIST_DIR: dist });
    https = await startTestServer({ PUBLIC_URL: 'https://portal.trunkline.test' });
  });
  afterAll(async () => {
    await server?.close();
    await https?.close();
  });

  it('sends a strict Content-Security-Policy with every page, asset and API answer', async () => {
    for (const url of [
      '/',
      '/services',
      '/invite/some-token',
      '/assets/app-1.js',
      '/api/v1/me',
      '/healthz',
    ]) {
      const res = await fetch(server.url + url);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp['default-src'], url).toEqual(["'self'"]);
      expect(csp['script-src'], url).toEqual(["'self'"]);
      expect(csp['object-src'], url).toEqual(["'none'"]);
      expect(csp['base-uri'], url).toEqual(["'none'"]);
      expect(csp['frame-ancestors'], url).toEqual(["'none'"]);
      expect(csp['form-action'], url).toEqual(["'self'"]);
      expect(csp['connect-src'], url).toEqual(["'self'"]);
      expect(res.headers.get('x-frame-options'), url).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), url).toMatch(/^(no-referrer|same-origin)$/);
      expect(res.headers.get('strict-transport-security'), url).toBeNull();
    }
  });

  it('sends no referrer at all from invitation pages', async () => {
    const res = await fetch(`${server.url}/invite/some-token`);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('keeps API answers and invitation pages out of caches, revalidates the page shell, lets hashed assets be cached', async () => {
    const admin = await server.admin();
    for (const url of ['/api/v1/me', '/api/v1/users', '/api/v1/api-tokens'])
      expect((await admin.get(url)).headers.get('cache-control'), url).toBe('no-store');
    expect((await fetch(`${server.url}/invite/some-token`)).headers.get('cache-control')).toBe('no-store');
    // The page shell (index.html) holds no data: stored, but revalidated on every load.
    for (const url of ['/', '/services'])
      expect((await fetch(server.url + url)).headers.get('cache-control'), url).toBe('no-cache');
    expect((await fetch(`${server.url}/api/v1/nothing`)).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${server.url}/assets/app-1.js`)).headers.get('cache-control')).not.toBe('no-store');
  });

  it('sends HSTS only when PUBLIC_URL is https', async () => {
    const res = await fetch(`${https.url}/healthz`);
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/);
    expect(directives(res.headers.get('content-security-policy'))).toHaveProperty(
      'upgrade-insecure-requests',
    );
    expect(
      directives((await fetch(`${server.url}/healthz`)).headers.get('content-security-policy')),
    ).not.toHaveProperty('upgrade-insecure-requests');
  });

  it('serves a web app that needs no inline script: the source page and, when built, the built one', () => {
    const pages = [
      path.join(repoRoot, 'apps/web/index.html'),
      path.join(repoRoot, 'apps/web/dist/index.html'),
    ];
    let checked = 0;
    for (const page of pages) {
      let html: string;
      try {
        html = readFileSync(page, 'utf8');
      } catch {
        continue;
      }
      checked++;
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length, page).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(attributes, page).toMatch(/\bsrc=/);
        expect(body!.trim(), page).toBe('');
      }
      expect(html, page).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html, page).not.toMatch(/javascript:/i);
    }
    expect(checked).toBeGreaterThanOrEqual(1);
  });
});
