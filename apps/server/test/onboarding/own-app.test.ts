import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, type Seed } from '@trunkline/emulator-m365';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus, type Client } from '../support/client.ts';
import { inviteService } from '../support/microsoft.ts';
import { startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

const OWN_APP = '3f6c2a8e-1b4d-4c5e-9a7f-0d2e4b6c8a10';
const WEAK_APP = '9b1e7d3c-5a2f-4e6b-8c0d-1f3a5b7c9e21';
const OWN_SECRET = 'Own~app.secret-value-0001';

/** The seed plus two single-tenant apps that contoso registered and consented itself. */
function seedWithOwnApps(): Seed {
  const seed = structuredClone(loadDefaultSeed());
  const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
  const app = (appId: string, roles: string[]) => ({
    appId,
    displayName: `Contoso automation ${appId.slice(0, 4)}`,
    ownerTenantId: contoso.id,
    publicClient: false,
    clientSecrets: [OWN_SECRET],
    redirectUris: [],
    requiredResourceAccess: [{ resource: 'https://graph.microsoft.com', roles, scopes: [] }],
  });
  seed.apps.push(
    app(OWN_APP, [
      'Organization.Read.All',
      'Domain.ReadWrite.All',
      'User.ReadWrite.All',
      'LicenseAssignment.ReadWrite.All',
    ]),
    app(WEAK_APP, ['Organization.Read.All']),
  );
  contoso.consentedApps.push(OWN_APP, WEAK_APP);
  return seed;
}

describe("Application Registration: the customer's own app", () => {
  let server: TestServer;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;
  const contosoId = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!.id;

  beforeAll(async () => {
    ({ server, close } = await startTestServerWithMicrosoft({}, seedWithOwnApps()));
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Own app customer' }), 201).id;
  });
  afterAll(() => close?.());

  const connect = (body: Record<string, unknown>) =>
    server.client().post('/api/v1/invitations/own-app', body);

  it('validates the app by a token and its permissions, stores the secret sealed, and connects', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'own-1');
    const res = await connect({
      token,
      tenantId: contosoId,
      clientId: OWN_APP,
      clientSecret: OWN_SECRET,
      secretExpiresAt: '2027-06-30',
    });
    expect(expectStatus(res, 200)).toMatchObject({ state: 'connected' });
    const status = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    expect(status).toMatchObject({
      state: 'connected',
      method: 'own-app',
      tenantId: contosoId,
      clientId: OWN_APP,
      secretExpiresAt: '2027-06-30T00:00:00.000Z',
    });
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('connected');
    const [row] = await queryRows<{ client_secret_sealed: string }>(
      server.runtime.handle.db,
      sql`select client_secret_sealed from service_connections where service_id = ${svc.id}`,
    );
    expect(row!.client_secret_sealed).toMatch(/^tlv1\./);
    expect(JSON.stringify(status)).not.toContain(OWN_SECRET);
    expect(server.logs.text()).not.toContain(OWN_SECRET);
    expect(
      (await connect({ token, tenantId: contosoId, clientId: OWN_APP, clientSecret: OWN_SECRET })).status,
    ).toBe(409);
  });

  it('names the field that is wrong: secret, missing permissions, tenant', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'own-2');
    const wrongSecret = await connect({
      token,
      tenantId: contosoId,
      clientId: OWN_APP,
      clientSecret: 'nope',
    });
    expect(wrongSecret.status).toBe(422);
    expect(wrongSecret.body.errors[0].path).toBe('clientSecret');
    const weak = await connect({ token, tenantId: contosoId, clientId: WEAK_APP, clientSecret: OWN_SECRET });
    expect(weak.status).toBe(422);
    expect(weak.body.errors[0]).toMatchObject({ path: 'clientId' });
    expect(weak.body.errors[0].message).toMatch(/Domain\.ReadWrite\.All.*User\.ReadWrite\.All/);
    const otherTenant = await connect({
      token,
      tenantId: loadDefaultSeed().tenants[1]!.id,
      clientId: OWN_APP,
      clientSecret: OWN_SECRET,
    });
    expect(otherTenant.status).toBe(422);
    const bad = await connect({ token, tenantId: 'not-a-guid', clientId: OWN_APP, clientSecret: '' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['clientSecret', 'tenantId']);
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe(
      'pending-invitation',
    );
  });
});
