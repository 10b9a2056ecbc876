import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, type M365Emulator } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { followCallback, inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

/**
 * Admin consent while Microsoft replicates the freshly consented app (issue #12, item 1): the app-only token that
 * confirms the tenant answers AADSTS700016 for a while. The callback no longer fails ("consent again"): the
 * connection shows "confirming" and a background job confirms it. Against the old emulator (consistent at once) the
 * callback answers `done` at once, so these tests fail there; with the old product the callback answered `failed`.
 */
describe('admin consent confirmed in the background while Microsoft replicates the new app', () => {
  let server: TestServer;
  let emu: M365Emulator;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;
  const contoso = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!.id;

  beforeAll(async () => {
    ({ server, emu, close } = await startTestServerWithMicrosoft());
    admin = await server.admin();
    customerId = expectStatus(
      await admin.post('/api/v1/customers', { name: 'Replicating customer' }),
      201,
    ).id;
  });
  afterAll(() => close?.());

  const consent = async (name: string) => {
    const { svc, token } = await inviteService(admin, customerId, name);
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/consent', { token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: 'admin@contoso.onmicrosoft.com',
      password: 'Contoso-Admin-1!',
      action: 'accept',
    });
    return { svc, token, back: await followCallback(server, fromMicrosoft) };
  };
  const connection = async (serviceId: string) =>
    expectStatus(await admin.get(`/api/v1/services/${serviceId}/connection`), 200);

  it('shows "confirming" with Microsoft’s answer, then connects by itself once the app has replicated', async () => {
    emu.control.setReplication({ appToken: 8, servicePrincipal: 8 });
    const { svc, token, back } = await consent('rconsent-1');
    expect(back.searchParams.get('consent')).toBe('confirming');
    expect(back.searchParams.get('message')).toMatch(
      /Microsoft accepted the consent and is still setting up access to tenant .*AADSTS700016.*up to 5 minutes/,
    );
    const confirming = await connection(svc.id);
    expect(confirming).toMatchObject({
      state: 'confirming',
      confirmation: { tenantId: contoso, attempts: 1 },
    });
    expect(confirming.confirmation.lastError).toMatch(/^AADSTS700016: Application with identifier/);
    expect(confirming.confirmation.lastError).not.toMatch(/Trace ID/);
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe(
      'pending-invitation',
    );

    await eventually(
      'the consent to be confirmed in the background',
      async () => (await connection(svc.id)).state === 'connected',
      { timeoutMs: 40_000 },
    );
    expect(await connection(svc.id)).toMatchObject({
      state: 'connected',
      method: 'admin-consent',
      tenantId: contoso,
    });
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('connected');
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'used',
    );
  }, 60_000);

  it('gives up after its deadline with a clear message, and the invitation stays usable', async () => {
    emu.control.setReplication({ appToken: 3600 });
    const { svc, token, back } = await consent('rconsent-2');
    expect(back.searchParams.get('consent')).toBe('confirming');
    // The deadline passes (5 minutes in real time): moved into the past, then one more attempt.
    const repos = server.runtime.services.repos;
    const row = (await repos.consentConfirmations.get(svc.id))!;
    await repos.consentConfirmations.start({
      serviceId: svc.id,
      invitationId: row.invitationId,
      tenantId: row.tenantId,
      deadline: new Date(Date.now() - 1000),
      lastError: row.lastError ?? '',
    });
    expect(await server.runtime.services.connections.confirmConsent(svc.id)).toBe('failed');
    const failed = await connection(svc.id);
    expect(failed.state).toBe('failed');
    expect(failed.lastError).toMatch(
      /^Trunkline could not confirm access to tenant .* within 5 minutes of the consent: Microsoft still answered "AADSTS700016.*Ask for a new link and consent again/,
    );
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'valid',
    );
  });
});
