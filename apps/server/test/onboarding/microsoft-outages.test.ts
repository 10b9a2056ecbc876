import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, type M365Emulator } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from '../support/client.ts';
import {
  followCallback,
  inviteService,
  seedWithContosoApp,
  submitMicrosoftPage,
} from '../support/microsoft.ts';
import { startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

const OWN_APP = '5d2c8e1a-7b3f-4a6e-9c0d-2e4f6a8b0c13';
const OWN_SECRET = 'Own~app.secret-value-0002';

/**
 * Microsoft failing is not Microsoft saying no: while Graph answers 503, neither the admin-consent callback nor
 * the own-app form may tell the customer that their tenant, app or consent is wrong.
 */
describe('a Microsoft outage while connecting', () => {
  let server: TestServer;
  let emu: M365Emulator;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;
  const contosoId = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!.id;

  beforeAll(async () => {
    ({ server, emu, close } = await startTestServerWithMicrosoft(
      {},
      seedWithContosoApp({
        appId: OWN_APP,
        secret: OWN_SECRET,
        displayName: 'Contoso automation (outage test)',
        consented: true,
      }),
    ));
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Outage customer' }), 201).id;
  });
  afterEach(() => emu.control.setFaults({ errorRate: 0 }));
  afterAll(() => close?.());

  it('admin consent: says Microsoft could not be reached and to try again, not to ask for a new link', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'outage-1');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/consent', { token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: 'admin@contoso.onmicrosoft.com',
      password: 'Contoso-Admin-1!',
      action: 'accept',
    });
    emu.control.setFaults({ errorRate: 1, surfaces: ['graph'] });
    const back = await followCallback(server, fromMicrosoft);
    expect(back.searchParams.get('consent')).toBe('failed');
    const message = back.searchParams.get('message') ?? '';
    expect(message).toMatch(/Microsoft could not be reached/);
    expect(message).not.toMatch(/new link/);
    // The invitation stays usable and the connection shows why, without a verdict on the tenant.
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'valid',
    );
    const status = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    expect(status.state).toBe('failed');
    expect(status.lastError).toMatch(/Microsoft could not be reached/);

    // Once Microsoft answers again, consenting again connects.
    emu.control.setFaults({ errorRate: 0 });
    const again = expectStatus(await server.client().post('/api/v1/invitations/consent', { token }), 200);
    const retried = await followCallback(
      server,
      await submitMicrosoftPage(again.redirectUrl, {
        username: 'admin@contoso.onmicrosoft.com',
        password: 'Contoso-Admin-1!',
        action: 'accept',
      }),
    );
    expect(retried.searchParams.get('consent')).toBe('done');
  });

  it('own app: answers 502 upstream_failed, not a field error claiming the token is not for this tenant', async () => {
    const { token } = await inviteService(admin, customerId, 'outage-2');
    const body = { token, tenantId: contosoId, clientId: OWN_APP, clientSecret: OWN_SECRET };
    emu.control.setFaults({ errorRate: 1, surfaces: ['graph'] });
    const res = await server.client().post('/api/v1/invitations/own-app', body);
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'upstream_failed' });
    expect(JSON.stringify(res.body)).not.toMatch(/not for this tenant/);

    emu.control.setFaults({ errorRate: 0 });
    const ok = await server.client().post('/api/v1/invitations/own-app', body);
    expect(expectStatus(ok, 200)).toMatchObject({ state: 'connected' });
  });
});
