import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '@trunkline/emulator-m365';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzureDnsProvider, type AzureDnsOptions } from '../../src/dns/azure-dns.ts';
import { DnsError, type DnsProvider } from '../../src/dns/dns-provider.ts';

/**
 * The Azure DNS adapter against the M365 emulator's Azure Resource Manager surface over real HTTP, with app-only
 * tokens from the emulator's token endpoint (client credentials, as the product gets them). The provider's own
 * tenant is added to the seed, with the provider app consented there; the app is given "DNS Zone Contributor" on
 * the resource group. `emu.control.dnsRecordSets` reads the zone back without ARM: an independent check of every
 * write.
 */

const seed = loadDefaultSeed();
const PROVIDER_APP = seed.apps[0]!;
const CONTOSO_APP = seed.apps.find((a) => a.appId === 'c0a7e7b1-3f5d-4b8e-9a26-5d1f0c3b7e42')!;
const CONTOSO_ID = seed.tenants.find((t) => t.name === 'contoso')!.id;
const PROVIDER_TENANT = PROVIDER_APP.ownerTenantId;
seed.tenants.push({
  name: 'provider',
  id: PROVIDER_TENANT,
  displayName: 'Trunkline Provider',
  countryLetterCode: 'DE',
  consentedApps: [PROVIDER_APP.appId],
  domains: [{ id: 'trunkline-provider.onmicrosoft.com', isInitial: true, isDefault: true }],
  subscribedSkus: [],
  users: [],
});

const SUB = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const RG = 'dns-rg';
const ZONE = 'sbc.provider.test';
const WOODGROVE = `woodgrove.${ZONE}`;
const ARM = 'https://management.azure.com/.default';

let emu: M365Emulator;
let sleeps: number[];

beforeAll(async () => {
  emu = await startM365Emulator({ seed, dnsResolver: async () => [] });
});
afterAll(() => emu.stop());
beforeEach(() => {
  emu.control.reset();
  emu.control.createDnsZone(SUB, RG, ZONE);
  emu.control.assignArmRole('provider', PROVIDER_APP.appId, `/subscriptions/${SUB}/resourceGroups/${RG}`);
  sleeps = [];
});

/** A token from the emulator's token endpoint by client credentials (what openid-client would post). */
async function clientCredentials(
  tenantId: string,
  app: { appId: string; clientSecrets: string[] },
  scope = ARM,
): Promise<string> {
  const res = await fetch(`${emu.url}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: app.appId,
      client_secret: app.clientSecrets[0]!,
      scope,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

const providerToken = () => clientCredentials(PROVIDER_TENANT, PROVIDER_APP);

function provider(overrides: Partial<AzureDnsOptions> = {}): DnsProvider {
  return createAzureDnsProvider({
    armBaseUrl: emu.urls.arm,
    subscriptionId: SUB,
    resourceGroup: RG,
    zone: ZONE,
    token: providerToken,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
}

/** The zone's record sets as the emulator holds them (not through the adapter). */
const recordSets = () =>
  emu.control.dnsRecordSets(SUB, RG, ZONE) as {
    name: string;
    type: string;
    etag: string;
    properties: Record<string, any>;
  }[];
const recordSet = (name: string, type: string) =>
  recordSets().find((s) => s.name === name && s.type === `Microsoft.Network/dnszones/${type}`);
const stored = (name: string, type: 'A' | 'AAAA' | 'TXT') => {
  const p = recordSet(name, type)?.properties;
  if (!p) return [];
  if (type === 'A') return (p.ARecords as { ipv4Address: string }[]).map((r) => r.ipv4Address);
  if (type === 'AAAA') return (p.AAAARecords as { ipv6Address: string }[]).map((r) => r.ipv6Address);
  return (p.TXTRecords as { value: string[] }[]).map((r) => r.value.join(''));
};
/** ARM writes the emulator served (PUT and DELETE). */
const writes = () => emu.control.requests({ surface: 'arm' }).filter((r) => r.method !== 'GET');

/** Raw ARM call, as a foreign tool (or this test) would make it. */
async function arm(
  method: string,
  path: string,
  init: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
) {
  const token = init.token === undefined ? await providerToken() : init.token;
  const res = await fetch(`${emu.urls.arm}/subscriptions/${SUB}/resourceGroups/${RG}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}
const setPath = (relative: string, type: string) =>
  `/providers/Microsoft.Network/dnsZones/${ZONE}/${type}/${relative}?api-version=2018-05-01`;

/** Someone else replaces the A record set of `woodgrove`, straight through ARM. */
const foreignA = (ip: string) =>
  arm('PUT', setPath('woodgrove', 'A'), {
    body: { properties: { TTL: 60, ARecords: [{ ipv4Address: ip }] } },
  });

async function dnsError(promise: Promise<unknown>): Promise<DnsError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof DnsError)) throw new Error(`expected a DnsError, got ${String(error)}`);
  return error;
}

describe('writes and reads', () => {
  it('adds A, AAAA and TXT records as Azure record sets and reads them back', async () => {
    const dns = provider();
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    await dns.add({ name: WOODGROVE, type: 'AAAA', ttl: 300, value: '2001:DB8:0:0::10' });
    await dns.add({ name: WOODGROVE, type: 'TXT', ttl: 3600, value: 'MS=ms12345678' });
    await dns.add({ name: ZONE, type: 'A', ttl: 600, value: '198.51.100.1' });

    expect(await dns.read(WOODGROVE, 'A')).toEqual([
      { name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' },
    ]);
    expect(await dns.read(WOODGROVE, 'AAAA')).toEqual([
      { name: WOODGROVE, type: 'AAAA', ttl: 300, value: '2001:db8::10' },
    ]);
    expect(await dns.read(WOODGROVE, 'TXT')).toEqual([
      { name: WOODGROVE, type: 'TXT', ttl: 3600, value: 'MS=ms12345678' },
    ]);
    expect(await dns.read(ZONE, 'A')).toEqual([{ name: ZONE, type: 'A', ttl: 600, value: '198.51.100.1' }]);
    expect(await dns.read(`nope.${ZONE}`, 'A')).toEqual([]);

    // What Azure holds: relative names (`@` for the apex), one record set per name and type.
    expect(recordSet('woodgrove', 'A')?.properties).toMatchObject({
      TTL: 300,
      fqdn: `${WOODGROVE}.`,
      ARecords: [{ ipv4Address: '203.0.113.10' }],
    });
    expect(recordSet('woodgrove', 'TXT')?.properties.TXTRecords).toEqual([{ value: ['MS=ms12345678'] }]);
    expect(stored('@', 'A')).toEqual(['198.51.100.1']);
    expect(recordSets()).toHaveLength(4);
  });

  it('adds to and removes from a record set leaving its other records, and deletes the set with its last record', async () => {
    const dns = provider();
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.11' });
    expect(stored('woodgrove', 'A')).toEqual(['203.0.113.10', '203.0.113.11']);
    await dns.remove({ name: WOODGROVE, type: 'A', value: '203.0.113.10' });
    expect(stored('woodgrove', 'A')).toEqual(['203.0.113.11']);
    await dns.remove({ name: WOODGROVE, type: 'A', value: '203.0.113.11' });
    expect(recordSet('woodgrove', 'A')).toBeUndefined();
  });

  it('cuts a long TXT value into strings of at most 255 bytes and joins them when reading', async () => {
    const dns = provider();
    // 254 ASCII bytes, then '€' (3 bytes), which must not be cut: the first string stops before it.
    const value = `${'a'.repeat(254)}€${'Ab3+/'.repeat(100)}é${'x'.repeat(250)}`;
    await dns.add({ name: WOODGROVE, type: 'TXT', ttl: 300, value });
    const [record] = recordSet('woodgrove', 'TXT')!.properties.TXTRecords as { value: string[] }[];
    expect(record!.value[0]).toBe('a'.repeat(254));
    expect(record!.value.length).toBe(4); // 254 + 255 + 255 + 245 bytes
    expect(record!.value.every((s) => Buffer.byteLength(s, 'utf8') <= 255)).toBe(true);
    expect(record!.value.join('')).toBe(value);
    expect((await dns.read(WOODGROVE, 'TXT')).map((r) => r.value)).toEqual([value]);
  });

  it('is idempotent: adding a present record, removing an absent one or replacing with the same values writes nothing', async () => {
    const dns = provider();
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    const etag = recordSet('woodgrove', 'A')!.etag;
    emu.control.clearRequests();
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    await dns.remove({ name: WOODGROVE, type: 'A', value: '203.0.113.99' });
    await dns.remove({ name: WOODGROVE, type: 'TXT', value: 'absent' });
    await dns.replace(WOODGROVE, 'A', ['203.0.113.10', '203.0.113.10'], 300);
    await dns.replace(WOODGROVE, 'AAAA', [], 300);
    expect(writes()).toEqual([]);
    expect(recordSet('woodgrove', 'A')!.etag).toBe(etag);
    expect(stored('woodgrove', 'A')).toEqual(['203.0.113.10']);
  });

  it('replaces a record set with exactly the given values and TTL, keeping its metadata, and deletes it with none', async () => {
    await arm('PUT', setPath('woodgrove', 'TXT'), {
      body: { properties: { TTL: 60, metadata: { owner: 'ops' }, TXTRecords: [{ value: ['old'] }] } },
    });
    const dns = provider();
    await dns.replace(WOODGROVE, 'TXT', ['MS=ms11111111', 'other', 'other'], 3600);
    expect(recordSet('woodgrove', 'TXT')?.properties).toMatchObject({
      TTL: 3600,
      metadata: { owner: 'ops' },
      TXTRecords: [{ value: ['MS=ms11111111'] }, { value: ['other'] }],
    });
    await dns.replace(WOODGROVE, 'TXT', [], 3600);
    expect(recordSet('woodgrove', 'TXT')).toBeUndefined();
  });

  it('round-trips any TXT text (1..500 Unicode graphemes) and any address', async () => {
    const dns = provider();
    const name = `prop.${ZONE}`;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 500 }), async (text) => {
        fc.pre(Buffer.byteLength(text, 'utf8') <= 4096);
        await dns.replace(name, 'TXT', [text], 300);
        const chunks = (recordSet('prop', 'TXT')!.properties.TXTRecords as { value: string[] }[])[0]!.value;
        expect(chunks.every((c) => Buffer.byteLength(c, 'utf8') <= 255)).toBe(true);
        expect((await dns.read(name, 'TXT')).map((r) => r.value)).toEqual([text]);
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.ipV4(), fc.ipV6(), async (v4, v6) => {
        await dns.replace(name, 'A', [v4], 300);
        await dns.replace(name, 'AAAA', [v6], 300);
        expect((await dns.read(name, 'A')).map((r) => r.value)).toEqual([v4]);
        expect((await dns.read(name, 'AAAA')).map((r) => r.value)).toEqual([
          new URL(`http://[${v6}]`).hostname.slice(1, -1),
        ]);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects names outside the zone and bad values before sending anything', async () => {
    const dns = provider();
    emu.control.clearRequests();
    for (const attempt of [
      dns.add({ name: 'woodgrove.other.test', type: 'A', ttl: 300, value: '203.0.113.10' }),
      dns.read(`bad_name-.${ZONE}`, 'A'),
      dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '2001:db8::1' }),
      dns.replace(WOODGROVE, 'A', ['203.0.113.10'], -1),
    ])
      expect((await dnsError(attempt)).kind).toBe('invalid');
    expect(emu.control.requests({ surface: 'arm' })).toEqual([]);
  });
});

describe('compare-and-swap through etags', () => {
  it('replace with the values read succeeds; after a foreign change it fails and changes nothing', async () => {
    const dns = provider();
    await dns.replace(WOODGROVE, 'A', ['203.0.113.10'], 300, []); // create only if absent
    const before = (await dns.read(WOODGROVE, 'A')).map((r) => r.value);
    await dns.replace(WOODGROVE, 'A', ['203.0.113.11', '203.0.113.12'], 300, before);
    expect(stored('woodgrove', 'A')).toEqual(['203.0.113.11', '203.0.113.12']);

    const read = (await dns.read(WOODGROVE, 'A')).map((r) => r.value);
    expect((await foreignA('198.51.100.77')).status).toBe(200);
    const lost = await dnsError(dns.replace(WOODGROVE, 'A', ['203.0.113.13'], 300, read));
    expect(lost.kind).toBe('prerequisite-failed');
    expect(lost.message).toMatch(/changed since they were read/);
    expect(stored('woodgrove', 'A')).toEqual(['198.51.100.77']);

    const exists = await dnsError(dns.replace(WOODGROVE, 'A', ['203.0.113.13'], 300, []));
    expect(exists.kind).toBe('prerequisite-failed');
    expect(stored('woodgrove', 'A')).toEqual(['198.51.100.77']);
  });

  it('a change between its read and its write is caught by If-Match (412) and nothing is written', async () => {
    await foreignA('203.0.113.10');
    let calls = 0;
    // The adapter asks for a token before each request: before the second (the PUT), someone else writes.
    const racing = provider({
      token: async () => {
        if (++calls === 2) await foreignA('198.51.100.77');
        return providerToken();
      },
    });
    const error = await dnsError(racing.replace(WOODGROVE, 'A', ['203.0.113.11'], 300, ['203.0.113.10']));
    expect(error.kind).toBe('prerequisite-failed');
    expect(error.message).toMatch(/412/);
    expect(stored('woodgrove', 'A')).toEqual(['198.51.100.77']);
    expect(writes().filter((w) => w.status === 412)).toHaveLength(1);
  });

  it('a creation racing another (If-None-Match: *) fails with 412 and keeps the other', async () => {
    let calls = 0;
    const racing = provider({
      token: async () => {
        if (++calls === 2) await foreignA('198.51.100.77');
        return providerToken();
      },
    });
    const error = await dnsError(racing.replace(WOODGROVE, 'A', ['203.0.113.11'], 300, []));
    expect(error.kind).toBe('prerequisite-failed');
    expect(stored('woodgrove', 'A')).toEqual(['198.51.100.77']);
  });

  it('add re-reads once after a concurrent change and keeps both; a second conflict fails', async () => {
    let calls = 0;
    const once = provider({
      token: async () => {
        if (++calls === 2) await foreignA('198.51.100.77'); // before its first PUT
        return providerToken();
      },
    });
    await once.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    expect(stored('woodgrove', 'A')).toEqual(['198.51.100.77', '203.0.113.10']);

    let n = 0;
    const always = provider({
      token: async () => {
        n++;
        if (n % 2 === 0) await foreignA(`198.51.100.${n}`); // before every PUT
        return providerToken();
      },
    });
    const error = await dnsError(always.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.20' }));
    expect(error.kind).toBe('prerequisite-failed');
    expect(stored('woodgrove', 'A')).toEqual(['198.51.100.4']);
  });
});

describe('failures', () => {
  it('403 without a role assignment on the zone: refused, naming the role to grant; nothing written', async () => {
    const contoso = provider({ token: () => clientCredentials(CONTOSO_ID, CONTOSO_APP) });
    const error = await dnsError(
      contoso.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' }),
    );
    expect(error.kind).toBe('refused');
    expect(error.message).toMatch(/AuthorizationFailed/);
    expect(error.message).toMatch(/DNS Zone Contributor/);
    expect(error.message).toContain(SUB);
    expect(recordSets()).toEqual([]);

    // Reader may read but not write.
    emu.control.assignArmRole('contoso', CONTOSO_APP.appId, `/subscriptions/${SUB}`, 'Reader');
    await foreignA('203.0.113.10');
    expect((await contoso.read(WOODGROVE, 'A')).map((r) => r.value)).toEqual(['203.0.113.10']);
    expect((await dnsError(contoso.remove({ name: WOODGROVE, type: 'A', value: '203.0.113.10' }))).kind).toBe(
      'refused',
    );
    expect(stored('woodgrove', 'A')).toEqual(['203.0.113.10']);
  });

  it('401 for a token that is not for Azure Resource Manager: bad-key', async () => {
    const graph = provider({
      token: () => clientCredentials(PROVIDER_TENANT, PROVIDER_APP, 'https://graph.microsoft.com/.default'),
    });
    const error = await dnsError(graph.read(WOODGROVE, 'A'));
    expect(error.kind).toBe('bad-key');
    expect(error.message).toMatch(/401/);
    const broken = provider({
      token: () => Promise.reject(new Error('AADSTS7000215: Invalid client secret provided.')),
    });
    expect(await dnsError(broken.read(WOODGROVE, 'A'))).toMatchObject({
      kind: 'bad-key',
      message: expect.stringMatching(/AADSTS7000215/),
    });
  });

  it('404 for an unknown zone, resource group or subscription: not-authoritative, naming all three', async () => {
    emu.control.assignArmRole('provider', PROVIDER_APP.appId, `/subscriptions/${SUB}`); // else 403 outside dns-rg
    for (const dns of [
      provider({ zone: 'other.provider.test' }),
      provider({ resourceGroup: 'elsewhere' }),
      provider({ subscriptionId: '00000000-0000-0000-0000-000000000000' }),
    ]) {
      const error = await dnsError(dns.read(`x.${dns.zone}`, 'A'));
      expect(error.kind).toBe('not-authoritative');
      expect(error.message).toContain(dns.zone);
      expect(error.message).toMatch(/subscription [0-9a-f-]+, resource group \S+\)/);
    }
    const write = await dnsError(
      provider({ zone: 'other.provider.test' }).add({
        name: 'x.other.provider.test',
        type: 'A',
        ttl: 300,
        value: '203.0.113.10',
      }),
    );
    expect(write.kind).toBe('not-authoritative');
    expect(write.message).toMatch(/ParentResourceNotFound/);
  });

  it('429 is retried after Retry-After; throttling beyond the bound is a server failure', async () => {
    const dns = provider();
    emu.control.throttle({ count: 2, retryAfterSeconds: 3, surfaces: ['arm'] });
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    expect(sleeps).toEqual([3000, 3000]);
    expect(stored('woodgrove', 'A')).toEqual(['203.0.113.10']);
    expect(emu.control.requests({ surface: 'arm' }).map((r) => r.status)).toEqual([429, 429, 404, 201]);

    sleeps = [];
    emu.control.throttle({ count: 10, retryAfterSeconds: 1, surfaces: ['arm'] });
    const error = await dnsError(dns.read(WOODGROVE, 'A'));
    expect(error.kind).toBe('server-failure');
    expect(error.message).toMatch(/429 after 4 attempts/);
    expect(sleeps).toEqual([1000, 1000, 1000]);

    sleeps = [];
    emu.control.reset();
    emu.control.createDnsZone(SUB, RG, ZONE);
    emu.control.assignArmRole('provider', PROVIDER_APP.appId, `/subscriptions/${SUB}`);
    emu.control.throttle({ count: 1, retryAfterSeconds: 60, surfaces: ['arm'] });
    expect((await dnsError(dns.read(WOODGROVE, 'A'))).kind).toBe('server-failure'); // 60 s is past the bound
    expect(sleeps).toEqual([]);
  });

  it('an address nobody answers on is unreachable', async () => {
    const dns = provider({ armBaseUrl: 'http://127.0.0.1:9' });
    expect((await dnsError(dns.read(WOODGROVE, 'A'))).kind).toBe('unreachable');
  });
});

describe('the emulated ARM surface', () => {
  it('answers like Azure: etags, conditional writes (412), 404 codes, 400 for bad bodies, 401 without a token', async () => {
    const created = await arm('PUT', setPath('woodgrove', 'A'), {
      body: { properties: { TTL: 300, ARecords: [{ ipv4Address: '203.0.113.10' }] } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'woodgrove',
      type: 'Microsoft.Network/dnszones/A',
      etag: expect.any(String),
      properties: { TTL: 300, ARecords: [{ ipv4Address: '203.0.113.10' }], provisioningState: 'Succeeded' },
    });
    const { etag } = created.body as { etag: string };
    const stale = await arm('PUT', setPath('woodgrove', 'A'), {
      headers: { 'if-match': 'not-the-etag' },
      body: { properties: { TTL: 300, ARecords: [{ ipv4Address: '203.0.113.11' }] } },
    });
    expect(stale).toMatchObject({ status: 412, body: { error: { code: 'PreconditionFailed' } } });
    expect(
      (await arm('PUT', setPath('woodgrove', 'A'), { headers: { 'if-none-match': '*' }, body: created.body }))
        .status,
    ).toBe(412);
    const updated = await arm('PUT', setPath('woodgrove', 'A'), {
      headers: { 'if-match': `"${etag}"` },
      body: { properties: { TTL: 300, ARecords: [{ ipv4Address: '203.0.113.11' }] } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.etag).not.toBe(etag);
    expect((await arm('DELETE', setPath('woodgrove', 'A'), { headers: { 'if-match': etag } })).status).toBe(
      412,
    );
    expect((await arm('DELETE', setPath('woodgrove', 'A'))).status).toBe(200);
    expect((await arm('DELETE', setPath('woodgrove', 'A'))).status).toBe(204);

    expect((await arm('GET', setPath('woodgrove', 'A'))).body.error.code).toBe('NotFound');
    expect(
      (await arm('GET', `/providers/Microsoft.Network/dnsZones/nope.test/A/x?api-version=2018-05-01`)).body
        .error.code,
    ).toBe('ParentResourceNotFound');
    expect(
      (await arm('GET', `/providers/Microsoft.Network/dnsZones/nope.test?api-version=2018-05-01`)).body.error
        .code,
    ).toBe('ResourceNotFound');
    expect((await arm('GET', `/providers/Microsoft.Network/dnsZones/${ZONE}/A/x`)).body.error.code).toBe(
      'MissingApiVersionParameter',
    );
    expect((await arm('GET', setPath('woodgrove', 'A'), { token: null })).status).toBe(401);

    for (const properties of [
      { ARecords: [{ ipv4Address: '203.0.113.10' }] }, // no TTL
      { TTL: 300, ARecords: [{ ipv4Address: '203.0.113.300' }] },
      { TTL: 300, ARecords: [{ ipv4Address: '203.0.113.1' }], TXTRecords: [{ value: ['x'] }] },
    ]) {
      const bad = await arm('PUT', setPath('woodgrove', 'A'), { body: { properties } });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BadRequest' } } });
    }
    const longString = await arm('PUT', setPath('woodgrove', 'TXT'), {
      body: { properties: { TTL: 300, TXTRecords: [{ value: ['x'.repeat(256)] }] } },
    });
    expect(longString.status).toBe(400);
    expect(recordSets()).toEqual([]);
  });
});
