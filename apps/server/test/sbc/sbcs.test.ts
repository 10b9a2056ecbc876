import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ProblemSchema,
  SbcListSchema,
  SbcSchema,
  SbcTemplateListSchema,
  SbcTemplateSchema,
  SbcTestResultSchema,
  type Sbc,
} from '@trunkline/contracts';
import { ensureSbcInventory, UPGRADED_SBC_NAME } from '../../src/sbc/sbc-bootstrap.ts';
import { DEFAULT_TEMPLATES } from '../../src/sbc/templates.ts';
import {
  SBC_CARRIER_FQDN,
  SBC_MONITOR,
  SBC_PUBLIC_ADDRESSES,
  SBC_USER,
  startDefaultSbc,
  type DefaultSbc,
} from '../support/audiocodes.ts';
import { expectBody, expectProblem, expectStatus, type Client } from '../support/client.ts';
import { dumpEveryTable, expectNoSecretIn } from '../support/secrets-scan.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';
import { apiRoutes, send } from '../security/route-table.ts';

/**
 * Settings → SBCs over real HTTP on a real database: the inventory (CRUD, one default, in-use refusal), its
 * validation problems, the password sealed and never answered or logged, who may do what, Test connection
 * against the AudioCodes emulator, the templates (problems name their line), and the start-up bootstrap (the
 * sandbox's default SBC from the environment; the upgrade from the routing settings' SBC addresses).
 */

const PASSWORD = 'mediant-rest-secret-91c4';

const body = (over: Record<string, unknown> = {}) => ({
  name: 'Berlin Mediant',
  kind: 'audiocodes',
  managementUrl: 'https://sbc-ber.provider.example',
  username: 'trunkline',
  password: PASSWORD,
  carrierFqdn: 'sbc-ber.provider.example',
  addresses: ['203.0.113.10', '2001:db8::10'],
  ...over,
});

/** A loopback port nothing listens on. */
const closedPort = async () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('the SBC inventory', () => {
  let server: TestServer;
  let t: Tenancy;
  let sbc: DefaultSbc;
  beforeAll(async () => {
    sbc = await startDefaultSbc();
    server = await startTestServer();
    t = await seedTenancy(server);
  });
  afterAll(async () => {
    await server?.close();
    await sbc?.stop();
  });

  const list = async (c: Client = t.admin) =>
    expectBody(await c.get('/api/v1/sbcs'), 200, SbcListSchema).items;

  it('starts empty without configuration, adds, reads, changes and removes SBCs with one default', async () => {
    expect(await list()).toEqual([]);
    const first = expectBody(await t.admin.post('/api/v1/sbcs', body()), 201, SbcSchema);
    expect(first).toMatchObject({
      name: 'Berlin Mediant',
      kind: 'audiocodes',
      hasPassword: true,
      username: 'trunkline',
      isDefault: true, // the first SBC is the default
      model: 'shared-trunk',
      sessionsPerUser: 1,
      maxCustomers: null,
      serviceCount: 0,
      lastTest: null,
      lastContactAt: null,
    });
    expect(first.addresses).toEqual(['203.0.113.10', '2001:db8::10']);
    expect(expectBody(await t.admin.get(`/api/v1/sbcs/${first.id}`), 200, SbcSchema)).toEqual(first);

    const second = expectBody(
      await t.admin.post(
        '/api/v1/sbcs',
        body({
          name: 'Frankfurt Kamailio',
          kind: 'kamailio',
          password: undefined,
          username: null,
          model: 'ip-group-per-customer',
          maxCustomers: 200,
          maxSessions: 4000,
          sessionsPerUser: 0.5,
        }),
      ),
      201,
      SbcSchema,
    );
    expect(second).toMatchObject({
      isDefault: false,
      hasPassword: false,
      maxCustomers: 200,
      sessionsPerUser: 0.5,
    });

    // The name is unique regardless of case: 409 on the field.
    const taken = expectProblem(
      await t.admin.post('/api/v1/sbcs', body({ name: 'berlin MEDIANT' })),
      409,
      'conflict',
    );
    expect(taken.errors?.[0]?.path).toBe('name');

    // Changing without a password keeps it; the default moves with isDefault: true.
    const moved = expectBody(
      await t.admin.patch(`/api/v1/sbcs/${second.id}`, {
        ...body({ name: 'Frankfurt Kamailio', kind: 'kamailio' }),
        password: undefined,
        isDefault: true,
      }),
      200,
      SbcSchema,
    );
    expect(moved.isDefault).toBe(true);
    expect(moved.hasPassword).toBe(false);
    const items = await list();
    expect(items.map((s) => [s.name, s.isDefault])).toEqual([
      ['Frankfurt Kamailio', true],
      ['Berlin Mediant', false],
    ]);
    const kept = expectBody(
      await t.admin.patch(`/api/v1/sbcs/${first.id}`, {
        ...body({ name: 'Berlin Mediant 2' }),
        password: undefined,
      }),
      200,
      SbcSchema,
    );
    expect(kept).toMatchObject({ name: 'Berlin Mediant 2', hasPassword: true, isDefault: false });
    // null clears the password.
    expect(
      expectBody(
        await t.admin.patch(`/api/v1/sbcs/${second.id}`, {
          ...body({ name: 'Frankfurt Kamailio', kind: 'kamailio' }),
          password: null,
        }),
        200,
        SbcSchema,
      ).hasPassword,
    ).toBe(false);

    // The default is moved, never unset; it cannot be removed while another SBC exists.
    expectProblem(
      await t.admin.patch(`/api/v1/sbcs/${second.id}`, {
        ...body({ name: 'Frankfurt Kamailio' }),
        isDefault: false,
      }),
      409,
      'conflict',
    );
    expectProblem(await t.admin.delete(`/api/v1/sbcs/${second.id}`), 409, 'conflict');

    // An SBC a service uses cannot be removed: 409 naming how many.
    const service = expectStatus(
      await t.admin.post('/api/v1/services', {
        customerId: t.a.customer.id,
        type: 'direct-routing',
        fullName: 'On Berlin',
        shortName: 'on-berlin',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 3,
        adminAuth: { method: 'invite', email: 'it@on-berlin.example' },
      }),
      201,
    ) as { id: string };
    await server.runtime.services.repos.sbcs.assignToService(service.id, first.id);
    expect(expectBody(await t.admin.get(`/api/v1/sbcs/${first.id}`), 200, SbcSchema).serviceCount).toBe(1);
    const inUse = expectProblem(await t.admin.delete(`/api/v1/sbcs/${first.id}`), 409, 'conflict');
    expect(inUse.detail).toContain('1 service uses this SBC');
    // resolveForService: the service's own SBC with its password opened, for the provisioner.
    const resolved = await server.runtime.services.sbcs.resolveForService(service.id);
    expect(resolved).toMatchObject({ id: first.id, username: 'trunkline', password: PASSWORD });

    await server.runtime.services.repos.sbcs.assignToService(service.id, null);
    // Without its own SBC a service is on the default.
    expect((await server.runtime.services.sbcs.resolveForService(service.id)).id).toBe(second.id);
    expect((await t.admin.delete(`/api/v1/sbcs/${first.id}`)).status).toBe(204);
    expectProblem(await t.admin.get(`/api/v1/sbcs/${first.id}`), 404, 'not_found');
    expect((await t.admin.delete(`/api/v1/sbcs/${second.id}`)).status).toBe(204); // the last one may go
    expect(await list()).toEqual([]);
    const none = await server.runtime.services.sbcs.resolveForService(service.id).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'conflict' });

    // Every write is audited, the password only as set/unchanged/cleared.
    const audit = expectStatus(await t.admin.get('/api/v1/audit?pageSize=200'), 200) as {
      items: { action: string }[];
    };
    const actions = audit.items.map((i) => i.action);
    for (const a of ['sbc.create', 'sbc.update', 'sbc.delete']) expect(actions).toContain(a);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('answers invalid bodies with one field error per field', async () => {
    const p = expectProblem(
      await t.admin.post(
        '/api/v1/sbcs',
        body({
          name: ' ',
          kind: 'cisco',
          managementUrl: 'ftp://user:pw@sbc',
          carrierFqdn: 'not a domain',
          addresses: ['203.0.113.300', 'sbc.example'],
          sessionsPerUser: 0,
          maxCustomers: 1.5,
          model: 'mesh',
        }),
      ),
      422,
      'validation_failed',
    );
    const paths = p.errors!.map((e) => e.path);
    for (const path of [
      'name',
      'kind',
      'managementUrl',
      'carrierFqdn',
      'addresses.0',
      'addresses.1',
      'sessionsPerUser',
      'maxCustomers',
      'model',
    ])
      expect(paths).toContain(path);
    expectProblem(await t.admin.post('/api/v1/sbcs', body({ addresses: [] })), 422, 'validation_failed');
  });

  it('keeps one default when SBCs are made the default at once', async () => {
    const answers = await Promise.all(
      ['Race 1', 'Race 2', 'Race 3'].map((name) =>
        t.admin.post('/api/v1/sbcs', body({ name, isDefault: true })),
      ),
    );
    for (const res of answers)
      if (res.status !== 201) expect(expectProblem(res, 409, 'conflict').errors?.[0]?.path).toBe('isDefault');
    const items = await list();
    expect(items.filter((s) => s.isDefault)).toHaveLength(1);
    for (const s of items.reverse()) expect((await t.admin.delete(`/api/v1/sbcs/${s.id}`)).status).toBe(204);
  });

  it('gives back the sessions-per-user factor as it was saved', async () => {
    const created = expectBody(
      await t.admin.post('/api/v1/sbcs', body({ name: 'Factor', sessionsPerUser: 0.1 })),
      201,
      SbcSchema,
    );
    expect(created.sessionsPerUser).toBe(0.1);
    expect(expectBody(await t.admin.get(`/api/v1/sbcs/${created.id}`), 200, SbcSchema).sessionsPerUser).toBe(
      0.1,
    );
    expect((await t.admin.delete(`/api/v1/sbcs/${created.id}`)).status).toBe(204);
  });

  it('keeps the password sealed: never answered, logged, audited or stored in clear', async () => {
    const created = expectBody(await t.admin.post('/api/v1/sbcs', body({ name: 'Sealed' })), 201, SbcSchema);
    const answers = [
      (await t.admin.get('/api/v1/sbcs')).text,
      (await t.admin.get(`/api/v1/sbcs/${created.id}`)).text,
      (await t.a.channelClient.get('/api/v1/sbcs')).text,
      (await t.admin.patch(`/api/v1/sbcs/${created.id}`, body({ name: 'Sealed' }))).text,
    ].join('\n');
    const secrets = [
      {
        kind: 'SBC management password',
        forms: [PASSWORD, Buffer.from(`trunkline:${PASSWORD}`).toString('base64')],
      },
    ];
    expectNoSecretIn(answers, 'the API answers', secrets);
    expectNoSecretIn(server.logs.text(), 'the logs', secrets);
    expectNoSecretIn(await dumpEveryTable(server.runtime.handle.db), 'the database', secrets);
    const stored = await server.runtime.services.repos.sbcs.get(created.id);
    expect(stored?.passwordSealed).toMatch(/^tlv1\./);
    expect((await t.admin.delete(`/api/v1/sbcs/${created.id}`)).status).toBe(204);
  });

  it('lets provider admins write, channel admins read, customer admins nothing (every SBC route)', async () => {
    const created = expectBody(await t.admin.post('/api/v1/sbcs', body({ name: 'Roles' })), 201, SbcSchema);
    const template = DEFAULT_TEMPLATES[0]!;
    const spec = expectStatus(await t.admin.get('/api/openapi.json'), 200);
    const routes = apiRoutes(server.runtime.app!, spec).filter((r) =>
      /^\/api\/v1\/sbc(s|-templates)(\/|$)/.test(r.url),
    );
    expect(routes.length).toBe(11);
    const templateId = expectBody(await t.admin.get('/api/v1/sbc-templates'), 200, SbcTemplateListSchema)
      .items[0]!.id;
    const bodies: Record<string, unknown> = {
      'POST /api/v1/sbcs': body({ name: 'Roles 2' }),
      'PATCH /api/v1/sbcs/:id': body({ name: 'Roles' }),
      'POST /api/v1/sbc-templates': { ...template, name: 'Roles template' },
      'PATCH /api/v1/sbc-templates/:id': template,
    };
    const failures: string[] = [];
    for (const route of routes) {
      const url = route.url.replace(':id', route.url.startsWith('/api/v1/sbcs') ? created.id : templateId);
      const key = `${route.method} ${route.url}`;
      for (const [who, client, allowed] of [
        ['channel admin', t.a.channelClient, route.method === 'GET'],
        ['customer admin', t.a.customerClient, false],
      ] as const) {
        const res = await send(server.url, route.method, url, {
          headers: { cookie: client.cookie!, origin: 'http://trunkline.test' },
          ...(bodies[key] === undefined ? {} : { body: bodies[key] }),
        });
        if (allowed ? res.status !== 200 : res.status !== 403)
          failures.push(`${key} as ${who}: ${res.status} ${res.text.slice(0, 200)}`);
        else if (!allowed) ProblemSchema.parse(JSON.parse(res.text));
      }
    }
    expect(failures).toEqual([]);
    expect((await t.admin.delete(`/api/v1/sbcs/${created.id}`)).status).toBe(204);
  });

  it('tests the connection against the AudioCodes emulator: ok, wrong password, monitor user, unreachable', async () => {
    const created = expectBody(
      await t.admin.post(
        '/api/v1/sbcs',
        body({
          name: 'Emulated',
          managementUrl: sbc.emulator.url,
          username: SBC_USER.username,
          password: SBC_USER.password,
        }),
      ),
      201,
      SbcSchema,
    );
    const ok = expectBody(await t.admin.post(`/api/v1/sbcs/${created.id}/test`), 200, SbcTestResultSchema);
    if (!ok.ok) throw new Error('expected a successful test');
    expect(ok.product).toMatch(/Mediant/);
    expect(ok.version).toMatch(/^\d+\.\d+/);
    expect(ok.details).toMatchObject({ saveNeeded: false, highAvailability: expect.any(String) });
    const after = expectBody(await t.admin.get(`/api/v1/sbcs/${created.id}`), 200, SbcSchema);
    expect(after.lastTest).toEqual(ok);
    expect(after.lastContactAt).toBe(ok.testedAt);
    expect(sbc.emulator.control.requests.some((r) => r.path === '/api/v1/status' && r.status === 200)).toBe(
      true,
    );

    // A wrong password: a problem naming the password field, stored as the last test; the last contact stays.
    const edit = (over: Record<string, unknown>) =>
      t.admin.patch(
        `/api/v1/sbcs/${created.id}`,
        body({ name: 'Emulated', managementUrl: sbc.emulator.url, ...over }),
      );
    expectStatus(await edit({ username: SBC_USER.username, password: 'wrong-password-123' }), 200);
    const refused = expectProblem(
      await t.admin.post(`/api/v1/sbcs/${created.id}/test`),
      502,
      'upstream_failed',
    );
    expect(refused.detail).toMatch(/refused the credentials/);
    expect(refused.errors).toEqual([expect.objectContaining({ path: 'password', code: 'unauthorized' })]);
    const failed = expectBody(await t.admin.get(`/api/v1/sbcs/${created.id}`), 200, SbcSchema);
    expect(failed.lastTest).toMatchObject({ ok: false, error: 'unauthorized' });
    expect(failed.lastContactAt).toBe(ok.testedAt);

    // A monitor-level user may read the status: Test connection passes (the SBC step's writes would not).
    expectStatus(await edit({ username: SBC_MONITOR.username, password: SBC_MONITOR.password }), 200);
    expect(
      expectBody(await t.admin.post(`/api/v1/sbcs/${created.id}/test`), 200, SbcTestResultSchema).ok,
    ).toBe(true);

    // Nothing listens: unavailable, pointing at the management URL.
    expectStatus(await edit({ managementUrl: `http://127.0.0.1:${await closedPort()}` }), 200);
    const down = expectProblem(await t.admin.post(`/api/v1/sbcs/${created.id}/test`), 502, 'upstream_failed');
    expect(down.errors?.[0]).toMatchObject({ path: 'managementUrl', code: 'unavailable' });
    expect(down.detail).toMatch(/could not be reached/);

    // Channel admins may not test (it reaches the device with the provider's credentials).
    expectProblem(await t.a.channelClient.post(`/api/v1/sbcs/${created.id}/test`), 403, 'forbidden');
    expect((await t.admin.delete(`/api/v1/sbcs/${created.id}`)).status).toBe(204);
  });

  it('validates templates when saved, each problem naming its line; the first change keeps the built-ins', async () => {
    const before = expectBody(await t.admin.get('/api/v1/sbc-templates'), 200, SbcTemplateListSchema);
    expect(before.items.map((i) => i.builtIn)).toEqual(DEFAULT_TEMPLATES.map(() => true));
    expect(before.variables.map((v) => v.name)).toContain('{{customerFqdn}}');
    const shared = before.items.find((i) => i.model === 'shared-trunk')!;

    const broken = shared.onboarding.replace('"{{customerFqdn}}"', '"{{customerFQDN}}"');
    const line = broken.split('\n').findIndex((l) => l.includes('{{customerFQDN}}')) + 1;
    const p = expectProblem(
      await t.admin.patch(`/api/v1/sbc-templates/${shared.id}`, { ...shared, onboarding: broken }),
      422,
      'validation_failed',
    );
    expect(p.errors).toEqual([
      {
        path: 'onboarding',
        code: 'template',
        message: expect.stringMatching(
          new RegExp(`^Line ${line}: unknown variable \\{\\{customerFQDN\\}\\}`),
        ),
      },
    ]);
    // A cleanup that forgets a row: named on the onboarding line that writes it.
    const cleanup = shared.cleanup.replace(/^no sbc cac-rule .*$/m, '');
    const unpaired = expectProblem(
      await t.admin.patch(`/api/v1/sbc-templates/${shared.id}`, { ...shared, cleanup }),
      422,
      'validation_failed',
    );
    expect(unpaired.errors?.[0]?.message).toMatch(
      /^Line \d+: the cleanup template does not remove this SBCAdmissionRule row/,
    );
    // Nothing was stored by the refused writes.
    expect(
      expectBody(await t.admin.get('/api/v1/sbc-templates'), 200, SbcTemplateListSchema).items.every(
        (i) => i.builtIn,
      ),
    ).toBe(true);

    const saved = expectBody(
      await t.admin.patch(`/api/v1/sbc-templates/${shared.id}`, {
        ...shared,
        name: 'Our shared trunk',
        firmwareFamily: '7.4',
      }),
      200,
      SbcTemplateSchema,
    );
    expect(saved).toMatchObject({
      id: shared.id,
      name: 'Our shared trunk',
      firmwareFamily: '7.4',
      builtIn: false,
    });
    const after = expectBody(
      await t.a.channelClient.get('/api/v1/sbc-templates'),
      200,
      SbcTemplateListSchema,
    );
    expect(after.items).toHaveLength(DEFAULT_TEMPLATES.length);
    expect(after.items.every((i) => !i.builtIn)).toBe(true);
    expect(
      (await server.runtime.services.repos.sbcTemplates.list()).find((x) => x.id === shared.id)?.name,
    ).toBe('Our shared trunk');

    const created = expectBody(
      await t.admin.post('/api/v1/sbc-templates', { ...shared, name: 'Another' }),
      201,
      SbcTemplateSchema,
    );
    expectProblem(
      await t.admin.post('/api/v1/sbc-templates', { ...shared, name: 'another' }),
      409,
      'conflict',
    );
    for (const item of [...after.items, created])
      expect((await t.admin.delete(`/api/v1/sbc-templates/${item.id}`)).status).toBe(204);
    // None stored: the built-ins apply again.
    expect(
      expectBody(await t.admin.get('/api/v1/sbc-templates'), 200, SbcTemplateListSchema).items.every(
        (i) => i.builtIn,
      ),
    ).toBe(true);
    expectProblem(await t.admin.delete(`/api/v1/sbc-templates/${created.id}`), 404, 'not_found');
  });

  it('upgrade: an empty inventory gets one entry from the saved routing settings, once', async () => {
    const routing = expectStatus(await t.admin.get('/api/v1/settings/routing'), 200) as Record<
      string,
      unknown
    >;
    expectStatus(
      await t.admin.put('/api/v1/settings/routing', {
        ...routing,
        sbcAddresses: ['192.0.2.44', '2001:db8::44'],
        dns: { kind: 'manual', resolvers: ['1.1.1.1'] },
        saved: undefined,
        dnsSecretSet: undefined,
      }),
      200,
    );
    for (const s of (await list()).reverse())
      expect((await t.admin.delete(`/api/v1/sbcs/${s.id}`)).status).toBe(204);
    const { services } = server.runtime;
    const run = () =>
      ensureSbcInventory({
        sbcs: services.repos.sbcs,
        vault: services.vault,
        initial: null,
        routing: async () => {
          const { sbcAddresses, sbcBaseDomain } = await services.routingSettings.effective();
          return { sbcAddresses, sbcBaseDomain };
        },
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await run()).toBeNull();
    const items = await list();
    const { sbcBaseDomain } = expectStatus(await t.admin.get('/api/v1/settings'), 200) as {
      sbcBaseDomain: string;
    };
    expect(items).toEqual([
      expect.objectContaining<Partial<Sbc>>({
        name: UPGRADED_SBC_NAME,
        kind: 'audiocodes',
        isDefault: true,
        addresses: ['192.0.2.44', '2001:db8::44'],
        carrierFqdn: sbcBaseDomain,
        managementUrl: 'https://192.0.2.44',
        hasPassword: false,
      }),
    ]);
  });
});

describe('the default SBC from the environment (the sandbox: the AudioCodes emulator)', () => {
  let server: TestServer;
  let sbc: DefaultSbc;
  beforeAll(async () => {
    sbc = await startDefaultSbc();
    server = await startTestServer({ ...sbc.env, SBC_ADDRESSES: '192.0.2.99' });
  });
  afterAll(async () => {
    await server?.close();
    await sbc?.stop();
  });

  it('is created at start, passes Test connection, and is not created twice', async () => {
    const admin = await server.admin();
    const [entry, ...rest] = expectBody(await admin.get('/api/v1/sbcs'), 200, SbcListSchema).items;
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      name: 'Test Mediant',
      kind: 'audiocodes',
      managementUrl: sbc.emulator.url,
      username: SBC_USER.username,
      hasPassword: true,
      carrierFqdn: SBC_CARRIER_FQDN,
      addresses: SBC_PUBLIC_ADDRESSES,
      isDefault: true,
    });
    expect(expectBody(await admin.post(`/api/v1/sbcs/${entry!.id}/test`), 200, SbcTestResultSchema).ok).toBe(
      true,
    );
    const { services } = server.runtime;
    expect(
      await ensureSbcInventory({
        sbcs: services.repos.sbcs,
        vault: services.vault,
        initial: server.config.sbc.initial,
        routing: async () => ({ sbcAddresses: [], sbcBaseDomain: 'x.example' }),
      }),
    ).toBeNull();
    expectNoSecretIn(server.logs.text(), 'the logs', [{ kind: 'SBC password', forms: [SBC_USER.password] }]);
  });
});
