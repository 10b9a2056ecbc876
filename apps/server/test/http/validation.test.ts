import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../support/client.ts';
import { expectStatus } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** `bodyType`: the top-level JSON type the route's body schema declares (most routes: an object). */
type Op = { method: string; path: string; hasBody: boolean; bodyType: string | undefined; query: string[] };

/**
 * Sends generated bodies and query strings to every route in the OpenAPI document. Whatever arrives, the
 * answer is never a 5xx, every error is problem+json, and a body that is not even of the JSON type the route's
 * schema declares (an object, or for the CSV import one string) is 422 with per-field errors.
 */
describe('bad input on every route', () => {
  let server: TestServer;
  let admin: Client;
  let ops: Op[];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
    const spec = expectStatus(await admin.get('/api/openapi.json'), 200) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content?: Record<string, { schema?: { type?: string } }> };
            parameters?: { in: string; name: string }[];
          }
        >
      >;
    };
    ops = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        hasBody: Boolean(op.requestBody),
        bodyType: op.requestBody?.content?.['application/json']?.schema?.type,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
    const channel = expectStatus(await admin.post('/api/v1/channels', { name: 'Fuzz channel' }), 201);
    const customer = expectStatus(
      await admin.post('/api/v1/customers', { name: 'Fuzz customer', channelId: channel.id }),
      201,
    );
    const user = expectStatus(
      await admin.post('/api/v1/users', {
        email: 'fuzz@example.com',
        name: 'Fuzz',
        role: 'customer_admin',
        customerId: customer.id,
        password: 'long enough password',
      }),
      201,
    );
    Object.assign(ids, {
      channels: channel.id,
      customers: customer.id,
      users: user.id,
      'api-tokens': '00000000-0000-4000-8000-000000000000',
    });
  });
  afterAll(() => server?.close());

  const concrete = (path: string) =>
    path.replace('{id}', ids[path.split('/')[3]!] ?? '00000000-0000-4000-8000-000000000000');
  const isProblem = (res: { status: number; headers: Headers }) =>
    res.status < 400 || (res.headers.get('content-type') ?? '').startsWith('application/problem+json');

  it('never answers 5xx to generated JSON bodies', async () => {
    const writes = ops.filter((o) => o.hasBody && o.path !== '/api/v1/session');
    expect(writes.length).toBeGreaterThanOrEqual(6);
    // The declared types are read from the document (a wrong read would make the 422 rule below vacuous).
    expect(writes.filter((o) => o.bodyType === 'object').length).toBeGreaterThanOrEqual(6);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...writes), fc.jsonValue({ maxDepth: 3 }), async (op, body) => {
        const res = await admin.request(op.method, concrete(op.path), JSON.stringify(body));
        expect(res.status, `${op.method} ${op.path} ${JSON.stringify(body)} → ${res.text}`).toBeLessThan(500);
        expect(isProblem(res)).toBe(true);
        const type = body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body;
        if (type !== (op.bodyType ?? 'object')) {
          expect(res.status).toBe(422);
          expect(res.body.errors.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers 422 with one entry per bad field, named by its path', async () => {
    const res = await admin.post('/api/v1/users', {
      email: 'nope',
      name: '',
      role: 'king',
      password: 'short',
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'email',
      'name',
      'password',
      'role',
    ]);
    const login = await server.client().post('/api/v1/session', { email: 42 });
    expect(login.status).toBe(422);
    expect(login.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'password']);
  });

  it('never answers 5xx to generated query strings and path ids', async () => {
    const reads = ops.filter((o) => o.method === 'GET');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...reads),
        fc.dictionary(
          fc.constantFrom('page', 'pageSize', 'q', 'role', 'channelId', 'customerId', 'x'),
          fc.string({ maxLength: 30 }),
        ),
        fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 })),
        async (op, query, id) => {
          const qs = new URLSearchParams(query).toString();
          const path = op.path.replace('{id}', encodeURIComponent(id));
          const res = await admin.get(`${path}${qs ? `?${qs}` : ''}`);
          expect(res.status, `${path}?${qs} → ${res.text}`).toBeLessThan(500);
          expect(isProblem(res)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers malformed JSON, wrong media types and oversized bodies with 4xx problem+json', async () => {
    const broken = await admin.request('POST', '/api/v1/channels', '{"name":');
    expect(broken.status).toBe(400);
    expect(isProblem(broken)).toBe(true);
    const text = await admin.request('POST', '/api/v1/channels', 'name=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(isProblem(text)).toBe(true);
    const huge = await admin.request(
      'POST',
      '/api/v1/channels',
      JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);
    expect(isProblem(huge)).toBe(true);
  });
});
