import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('serving the web app', () => {
  let server: TestServer;
  beforeAll(async () => {
    const dist = mkdtempSync(path.join(os.tmpdir(), 'trunkline-web-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(
      path.join(dist, 'index.html'),
      '<!doctype html><title>Trunkline</title><div id="root"></div>',
    );
    writeFileSync(path.join(dist, 'assets', 'app-123.js'), 'console.log(1)');
    server = await startTestServer({ WEB_DIST_DIR: dist });
  });
  afterAll(() => server?.close());

  it('serves index.html for the root and every client route, assets with their type, and 404 for a missing asset', async () => {
    for (const route of ['/', '/customers', '/onboarding/x/new', '/invite/some-token']) {
      const res = await fetch(server.url + route);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('<div id="root">');
    }
    const asset = await fetch(`${server.url}/assets/app-123.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${server.url}/assets/app-999.js`)).status).toBe(404);
    const api = await fetch(`${server.url}/api/v1/nothing`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('does not log the token of an invitation link', () => {
    expect(server.logs.text()).toContain('/invite/[redacted]');
    expect(server.logs.text()).not.toContain('some-token');
  });
});
