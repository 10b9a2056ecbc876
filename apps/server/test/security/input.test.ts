import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../support/client.ts';
import { expectStatus } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Text that PostgreSQL cannot store (NUL) or that is not Unicode at all (an unpaired surrogate) is refused
 * with 422 naming the field, wherever it hides: body, nested body, query string. The framework's own answers
 * to broken requests (bad URL encoding, an over-long path segment, oversized headers, garbage) are
 * problem+json like every other error.
 */
describe('text the database rejects, and broken requests', () => {
  let server: TestServer;
  let admin: Client;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
  });
  afterAll(() => server?.close());

  const expectFieldError = (
    res: { status: number; headers: Headers; body: any; text: string },
    path: string,
  ) => {
    expect(res.status, res.text).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  };

  it('answers 422 naming the field for a NUL character or an unpaired surrogate in a body', async () => {
    expectFieldError(await admin.post('/api/v1/channels', { name: 'Nul\u0000channel' }), 'name');
    expectFieldError(await admin.post('/api/v1/channels', { name: 'Half \ud800 a pair' }), 'name');
    expectFieldError(await admin.post('/api/v1/channels', { name: 'Low \udc00 alone' }), 'name');
    // Raw JSON escapes, exactly as an attacker would send them.
    expectFieldError(await admin.request('POST', '/api/v1/channels', '{"name":"x\\u0000y"}'), 'name');
    expectFieldError(await admin.request('POST', '/api/v1/channels', '{"name":"x\\udfffy"}'), 'name');
    const channel = expectStatus(await admin.post('/api/v1/channels', { name: 'Text channel' }), 201);
    expectFieldError(
      await admin.post('/api/v1/users', {
        email: 'nul@example.com',
        name: 'Nul\u0000user',
        role: 'channel_admin',
        channelId: channel.id,
        password: 'long enough \u0000 password',
      }),
      'name',
    );
    expectFieldError(
      await admin.post('/api/v1/customers', { name: 'Fine', channelId: channel.id, extra: { 'k\u0000': 1 } }),
      'extra.k\\u0000',
    );
    // A proper pair (an emoji) is text like any other.
    expect((await admin.post('/api/v1/channels', { name: 'Emoji 📞 channel' })).status).toBe(201);
  });

  it('answers 422 naming the parameter for such text in a query string', async () => {
    expectFieldError(await admin.get('/api/v1/customers?q=%00'), 'q');
    expectFieldError(await admin.get('/api/v1/audit?action=%00'), 'action');
  });

  it('answers 422 to such text in a sign-in, before any query runs', async () => {
    const c = server.client();
    expectFieldError(
      await c.post('/api/v1/session', { email: 'admin@trunkline.test', password: 'pass\u0000word' }),
      'password',
    );
  });

  it('answers the framework’s own errors as problem+json', async () => {
    const isProblem = (res: Response) =>
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const badUrl = await fetch(`${server.url}/api/v1/customers/%E0%A4%A`, {
      headers: { cookie: admin.cookie! },
    });
    expect(badUrl.status).toBe(400);
    isProblem(badUrl);
    const longSegment = await fetch(`${server.url}/api/v1/customers/${'x'.repeat(500)}`, {
      headers: { cookie: admin.cookie! },
    });
    expect(longSegment.status).toBe(414);
    isProblem(longSegment);
    expect(((await longSegment.json()) as { status: number }).status).toBe(414);

    const raw = async (request: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(server.url);
        const socket = net.connect(Number(url.port), url.hostname, () => socket.end(request));
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
    const huge = await raw(`GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
    const garbage = await raw('NOT A REQUEST\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      code: 'bad_request',
    });
  });
});
