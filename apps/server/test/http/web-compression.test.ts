import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

/** Raw bytes and headers of a GET, without the client decoding anything. */
const raw = (url: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) =>
      get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      }).on('error', reject),
  );

/**
 * The web app over real HTTP: the build's precompressed files (.br, .gz written by apps/web/vite.config.ts) are
 * sent as they are by Accept-Encoding, hashed assets are cached for a year as immutable, and the page shell
 * (index.html) is revalidated on every load (no-cache, answered 304 while unchanged); invitation pages stay no-store.
 */
describe('serving the web app compressed and cached', () => {
  let server: TestServer;
  const js = `console.log(${JSON.stringify('Trunkline '.repeat(400))});\n`;
  const html = `<!doctype html><title>Trunkline</title><div id="root"></div><!-- ${'x'.repeat(2000)} -->`;

  beforeAll(async () => {
    const dist = mkdtempSync(path.join(os.tmpdir(), 'trunkline-web-'));
    mkdirSync(path.join(dist, 'assets'));
    for (const [file, text] of [
      ['index.html', html],
      ['assets/app-5f3a9c.js', js],
    ] as const) {
      writeFileSync(path.join(dist, file), text);
      writeFileSync(path.join(dist, `${file}.br`), brotliCompressSync(text));
      writeFileSync(path.join(dist, `${file}.gz`), gzipSync(text));
    }
    server = await startTestServer({ WEB_DIST_DIR: dist });
  });
  afterAll(() => server?.close());

  it('sends brotli or gzip by Accept-Encoding, identity otherwise, varying on it', async () => {
    const url = `${server.url}/assets/app-5f3a9c.js`;
    const br = await raw(url, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(js);
    expect(br.body.length).toBeLessThan(js.length / 5);
    expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
    expect(br.headers['content-type']).toMatch(/javascript/);

    const gz = await raw(url, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(js);

    const plain = await raw(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(js);
  });

  it('caches hashed assets for a year as immutable, and revalidates the page shell', async () => {
    const asset = await raw(`${server.url}/assets/app-5f3a9c.js`, { 'accept-encoding': 'br' });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    for (const route of ['/', '/services', '/customers/x']) {
      const page = await raw(server.url + route, { 'accept-encoding': 'br' });
      expect(page.status, route).toBe(200);
      expect(page.headers['cache-control'], route).toBe('no-cache');
      expect(page.headers['content-encoding'], route).toBe('br');
      expect(brotliDecompressSync(page.body).toString()).toBe(html);
    }
    const first = await raw(`${server.url}/`);
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await raw(`${server.url}/`, { 'if-none-match': etag });
    expect(again.status).toBe(304);

    // Invitation pages carry a secret in their address: never stored.
    expect((await raw(`${server.url}/invite/some-token`)).headers['cache-control']).toBe('no-store');
    // A missing asset is not cached for a year.
    const missing = await raw(`${server.url}/assets/app-000000.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
  });
});
