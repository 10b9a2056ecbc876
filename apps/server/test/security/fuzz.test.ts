import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import {
  PUBLIC_URL,
  seedTenancy,
  startTestServer,
  type Tenancy,
  type TestServer,
} from '../support/server.ts';
import { apiRoutes, exampleOf, send, type JsonSchema, type Route } from './route-table.ts';

/**
 * Fuzzing generated from the route table: for every route, fast-check sends path ids, query strings, bodies
 * and headers, as nobody, as the provider admin (API token) and as a channel admin (cookie). Whatever arrives,
 * the answer is never a 5xx, and every 4xx is problem+json.
 *
 * FUZZ_RUNS sets the runs per route and caller: a few in `npm test`, many in the system tier
 * (`scripts/test-system.sh`).
 */
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 2));

/** Text that breaks things: NUL, lone surrogates, control characters, long strings, SQL and path tricks. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    'a\udc00b',
    "' or 1=1 --",
    '%00',
    '../../etc/passwd',
    '𝕏📞',
    '-1',
    '1e400',
    'NaN',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.string({ minLength: 250, maxLength: 3000 }),
);
const jsonish = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A valid example body with one field (at any depth) replaced by something else, or something else entirely. */
const bodyFor = (schema: JsonSchema | null, uuid: string): fc.Arbitrary<{ raw: string } | undefined> => {
  const base = schema ? exampleOf(schema, { uuid }) : undefined;
  const mutated = fc.tuple(fc.nat(), jsonish).map(([pick, value]) => {
    if (base === null || typeof base !== 'object') return { raw: JSON.stringify(value) };
    const copy = structuredClone(base) as Record<string, unknown>;
    const keys = Object.keys(copy);
    const key = keys.length ? keys[pick % keys.length]! : 'extra';
    copy[key] = value;
    return { raw: JSON.stringify(copy) };
  });
  return fc.oneof(
    fc.constant(undefined),
    fc.constant(base === undefined ? undefined : { raw: JSON.stringify(base) }),
    mutated,
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ raw: JSON.stringify(v) })),
    fc
      .constantFrom(
        '{"a":',
        '',
        'null',
        '[]',
        '{"name":"x\\u0000y"}',
        '{"name":"\\ud800"}',
        '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
        `${'['.repeat(3000)}${']'.repeat(3000)}`,
        '{"n":1e400}',
        '\u0000',
      )
      .map((raw) => ({ raw })),
  );
};

const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ''));
const headersArb = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ),
    accept: fc.oneof(headerValue, fc.constantFrom('text/event-stream', 'application/problem+json', '*/*')),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'x-unknown'),
    'if-none-match': headerValue,
    'x-forwarded-for': headerValue,
    'sec-fetch-site': fc.constantFrom('same-origin', 'cross-site', 'same-site', 'none', 'bogus'),
    range: headerValue,
    // Only the anonymous caller gets these; signed-in callers keep their own credentials.
    authorization: fc.oneof(
      headerValue.map((v) => `Bearer ${v}`),
      headerValue.map((v) => `Bearer tlk_${v}`),
      headerValue,
    ),
    cookie: fc.oneof(
      headerValue.map((v) => `trunkline_session=${v}`),
      headerValue.map((v) => `trunkline_session=tls_${v}`),
    ),
  },
  { requiredKeys: [] },
);

describe('fuzzing every route', () => {
  let server: TestServer;
  let t: Tenancy;
  let routes: Route[];
  let ids: string[];
  let callers: { name: string; headers: Record<string, string> }[];

  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
    routes = apiRoutes(server.runtime.app!, expectStatus(await t.admin.get('/api/openapi.json'), 200));
    const service = expectStatus(
      await t.admin.post('/api/v1/services', {
        customerId: t.a.customer.id,
        type: 'direct-routing',
        fullName: 'Fuzz service',
        shortName: 'fuzz-service',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: { method: 'invite', email: 'it@fuzz.example.com' },
      }),
      201,
    );
    const providerToken = expectStatus(await t.admin.post('/api/v1/api-tokens', { name: 'fuzz' }), 201);
    ids = [
      t.a.channel.id,
      t.a.customer.id,
      t.a.sibling.id,
      t.a.customerAdmin.id,
      t.b.customer.id,
      service.id,
      service.invitation.id,
    ];
    callers = [
      { name: 'anonymous', headers: { origin: PUBLIC_URL } },
      { name: 'provider admin (token)', headers: { authorization: `Bearer ${providerToken.token}` } },
      { name: 'channel admin (cookie)', headers: { cookie: t.a.channelClient.cookie!, origin: PUBLIC_URL } },
    ];
  });
  afterAll(() => server?.close());

  it(
    `never answers 5xx, and answers every 4xx with problem+json (${RUNS} run(s) per route and caller)`,
    async () => {
      expect(routes.length).toBeGreaterThan(40);
      const queryArb = (route: Route) =>
        fc.tuple(
          fc.dictionary(
            fc.oneof(fc.constantFrom(...route.query, 'page', 'x'), fc.string({ maxLength: 8 })),
            fc.oneof(nasty, fc.integer().map(String), fc.constantFrom(...ids)),
            { maxKeys: 4 },
          ),
          fc.constantFrom('', '&%00=%00', '&q=%ZZ', '&page=%E0%A4%A', '&a[b]=1&a[c]=2'),
        );
      const idArb = fc.oneof(fc.constantFrom(...ids), fc.uuid(), nasty);
      for (const route of routes) {
        for (const caller of callers) {
          await fc.assert(
            fc.asyncProperty(
              idArb,
              queryArb(route),
              bodyFor(route.body, t.a.customer.id),
              headersArb,
              async (id, [query, rawQuery], body, headers) => {
                const path = route.url.replace(
                  ':id',
                  encodeURIComponent(id.replace(/[\ud800-\udfff]/g, 'x')),
                );
                const qs = new URLSearchParams(query).toString() + rawQuery;
                const method = route.method;
                const res = await send(server.url, method, `${path}${qs ? `?${qs}` : ''}`, {
                  headers: {
                    ...(caller.name === 'anonymous'
                      ? headers
                      : Object.fromEntries(
                          Object.entries(headers).filter(([k]) => k !== 'authorization' && k !== 'cookie'),
                        )),
                    ...caller.headers,
                  },
                  ...(body && method !== 'GET' ? { raw: body.raw } : {}),
                });
                const what = `${method} ${path}?${qs} as ${caller.name} with ${JSON.stringify(headers)} ${body?.raw.slice(0, 200) ?? ''} → ${res.status} ${res.text.slice(0, 300)}`;
                expect(res.status, what).toBeLessThan(500);
                if (res.status >= 400) expect(res.type, what).toMatch(/^application\/problem\+json/);
              },
            ),
            { numRuns: RUNS },
          );
        }
      }
    },
    60_000 + RUNS * 10_000,
  );
});
