import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, type M365Emulator } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from '../support/client.ts';
import { inviteService, seedWithContosoApp } from '../support/microsoft.ts';
import { startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

const OWN_APP = '5c2e8a41-7d3b-4f6a-9e10-2b4c6d8e0f13';
const OWN_SECRET = 'Own~app.replicating-0001';

/**
 * The customer's own app, consented minutes ago: Microsoft refuses its tokens while its service principal
 * replicates (AADSTS700016). The form says so and what to do, and the same input works once it has replicated.
 * Against the old emulator (consistent at once) the first attempt connects, so this test fails there.
 */
describe('own app registration consented moments ago', () => {
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
        displayName: 'Contoso automation (new)',
        consented: false,
      }),
    ));
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'New app customer' }), 201).id;
  });
  afterAll(() => close?.());

  it('answers "try again in a minute" on the client id while the app replicates, then connects', async () => {
    emu.control.setReplication({ appToken: 600 });
    emu.control.consent('contoso', OWN_APP);
    const { svc, token } = await inviteService(admin, customerId, 'own-new');
    const body = { token, tenantId: contosoId, clientId: OWN_APP, clientSecret: OWN_SECRET };
    const refused = await server.client().post('/api/v1/invitations/own-app', body);
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        path: 'clientId',
        message: expect.stringMatching(/AADSTS700016.*replicates\): try again in a minute\.$/s),
      }),
    ]);
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe(
      'pending-invitation',
    );

    emu.control.setReplication({ appToken: 0 });
    const res = await server.client().post('/api/v1/invitations/own-app', body);
    expect(expectStatus(res, 200)).toMatchObject({ state: 'connected' });
  });
});
