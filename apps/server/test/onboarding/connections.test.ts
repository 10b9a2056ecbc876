import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M365Emulator } from '@trunkline/emulator-m365';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus, type Client } from '../support/client.ts';
import { startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

/** The credentials path of the new-tenant form, against the Microsoft 365 emulator over real HTTP. */
describe('admin credentials: one token request, password never kept', () => {
  let emu: M365Emulator;
  let server: TestServer;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;
  const passwords = ['Contoso-Admin-1!', 'Fabrikam-Admin-1!', 'wrong-password-123', 'Northwind-Admin-1!'];

  beforeAll(async () => {
    ({ emu, server, close } = await startTestServerWithMicrosoft());
    emu.control.consent('contoso');
    emu.control.consent('fabrikam');
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Tenant owners' }), 201).id;
  });
  afterAll(() => close?.());

  let n = 0;
  const create = async (username: string, password: string) => {
    n += 1;
    const res = await admin.post('/api/v1/services', {
      customerId,
      type: 'direct-routing',
      fullName: `Tenant ${n}`,
      shortName: `tenant-${n}`,
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: { method: 'credentials', username, password },
    });
    expect(res.text).not.toContain(password);
    return expectStatus(res, 201);
  };

  it('connects a tenant whose admin signs in with a password, and shows the connection without tokens', async () => {
    const svc = await create('admin@contoso.onmicrosoft.com', 'Contoso-Admin-1!');
    expect(svc.connection).toMatchObject({ state: 'connected', reason: null });
    expect(svc.status).toBe('connected');
    const status = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    expect(status).toMatchObject({
      state: 'connected',
      method: 'credentials',
      tenantId: '4b218318-131d-4d7c-ad86-12594fda0d94',
      adminUsername: 'admin@contoso.onmicrosoft.com',
      lastError: null,
    });
    expect(new Date(status.tokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    const [row] = await queryRows<{ refresh_token_sealed: string }>(
      server.runtime.handle.db,
      sql`select refresh_token_sealed from service_connections where service_id = ${svc.id}`,
    );
    expect(row!.refresh_token_sealed).toMatch(/^tlv1\./);
  });

  it.each([
    ['admin@fabrikam.onmicrosoft.com', 'Fabrikam-Admin-1!', 'mfa_required', /multi-factor.*invitation link/i],
    ['admin@contoso.onmicrosoft.com', 'wrong-password-123', 'invalid_credentials', /username or password/i],
    // A federated user (the seed's corp.fabrikam.com): no password grant is possible, the invitation link is the way.
    [
      'it-admin@corp.fabrikam.com',
      'Fabrikam-Fed-1!',
      'federated',
      /federated identity provider.*invitation link/i,
    ],
    [
      'admin@northwind.onmicrosoft.com',
      'Northwind-Admin-1!',
      'consent_required',
      /not yet consented.*invitation link/i,
    ],
  ])('explains the way forward when %s cannot sign in (%s)', async (username, password, reason, message) => {
    const svc = await create(username, password);
    expect(svc.connection).toMatchObject({ state: 'failed', reason });
    expect(svc.connection.message).toMatch(message);
    expect(svc.status).toBe('awaiting-token');
    const status = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    expect(status).toMatchObject({ state: 'failed', method: 'credentials', adminUsername: username });
    expect(status.lastError).toMatch(message);
  });

  it('keeps no password in the database or the logs', async () => {
    const db = server.runtime.handle.db;
    const tables = await queryRows<{ s: string; t: string }>(
      db,
      sql`select table_schema as s, table_name as t from information_schema.tables where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { s, t } of tables)
      dump += JSON.stringify(await queryRows(db, sql.raw(`select * from "${s}"."${t}"`)));
    expect(dump).toContain('admin@contoso.onmicrosoft.com');
    for (const p of passwords) {
      expect(dump).not.toContain(p);
      expect(server.logs.text()).not.toContain(p);
    }
  });
});

describe('re-initiate authentication', () => {
  let server: TestServer;
  let emu: M365Emulator;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;

  beforeAll(async () => {
    ({ emu, server, close } = await startTestServerWithMicrosoft());
    emu.control.consent('fabrikam');
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Retrying customer' }), 201).id;
  });
  afterAll(() => close?.());

  it('after an MFA refusal, sends an invitation instead; after fixing a password, connects', async () => {
    const svc = expectStatus(
      await admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: 'Retry',
        shortName: 'retry-1',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: {
          method: 'credentials',
          username: 'admin@fabrikam.onmicrosoft.com',
          password: 'Fabrikam-Admin-1!',
        },
      }),
      201,
    );
    expect(svc.connection.reason).toBe('mfa_required');

    const invited = expectStatus(
      await admin.post(`/api/v1/services/${svc.id}/authentication`, {
        method: 'invite',
        email: 'it@fabrikam.example',
      }),
      200,
    );
    expect(invited).toMatchObject({
      status: 'pending-invitation',
      invitation: { email: 'it@fabrikam.example' },
      connection: null,
    });
    const again = expectStatus(
      await admin.post(`/api/v1/services/${svc.id}/authentication`, {
        method: 'invite',
        email: 'it2@fabrikam.example',
      }),
      200,
    );
    const list = expectStatus(await admin.get(`/api/v1/invitations?q=Retry&pageSize=50`), 200).items as {
      id: string;
      status: string;
    }[];
    expect(list.find((i) => i.id === invited.invitation.id)?.status).toBe('revoked');
    expect(list.find((i) => i.id === again.invitation.id)?.status).not.toBe('revoked');

    emu.control.consent('contoso');
    const wrong = expectStatus(
      await admin.post(`/api/v1/services/${svc.id}/authentication`, {
        method: 'credentials',
        username: 'admin@contoso.onmicrosoft.com',
        password: 'nope',
      }),
      200,
    );
    expect(wrong.connection).toMatchObject({ state: 'failed', reason: 'invalid_credentials' });
    const right = expectStatus(
      await admin.post(`/api/v1/services/${svc.id}/authentication`, {
        method: 'credentials',
        username: 'admin@contoso.onmicrosoft.com',
        password: 'Contoso-Admin-1!',
      }),
      200,
    );
    expect(right).toMatchObject({ status: 'connected', connection: { state: 'connected' } });
    expect(JSON.stringify(right)).not.toContain('Contoso-Admin-1!');
  });
});
