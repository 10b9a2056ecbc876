import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { followCallback, inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

const TEAMS_ADMIN = '69091246-20e8-4a56-aa4d-066075b2a7a8';
const PROVIDER_APP = loadDefaultSeed().apps[0]!;
const CONTOSO = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!;

/** The role for the automation: Teams Administrator on the app's service principal in the customer tenant. */
describe('Teams Administrator role for the automation', () => {
  let server: TestServer;
  let emu: Awaited<ReturnType<typeof startTestServerWithMicrosoft>>['emu'];
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;

  beforeAll(async () => {
    ({ server, emu, close } = await startTestServerWithMicrosoft());
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Role customer' }), 201).id;
  });
  afterAll(() => close?.());

  /** The provider app's service principal in contoso and its directory roles, as the emulator holds them. */
  const providerSp = () =>
    emu.control.tenant('contoso').servicePrincipals.find((sp) => sp.appId === PROVIDER_APP.appId);

  /** Waits for the job that runs after a connection to record its outcome. */
  async function settledRole(serviceId: string) {
    return eventually('the Teams role to be checked', async () => {
      const status = expectStatus(await admin.get(`/api/v1/services/${serviceId}/connection`), 200);
      return status.teamsRole.state !== 'unknown' && status.teamsRole;
    });
  }

  it('after admin consent (no delegated token): shows the exact steps, and a re-check finds the role once assigned', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'role-consent');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/consent', { token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: CONTOSO.users[0]!.userPrincipalName,
      password: CONTOSO.users[0]!.password,
      action: 'accept',
    });
    expect((await followCallback(server, fromMicrosoft)).searchParams.get('consent')).toBe('done');

    const role = await settledRole(svc.id);
    expect(role.state).toBe('missing');
    expect(role.message).toContain(PROVIDER_APP.appId);
    expect(role.message).toMatch(/Roles & admins.*Teams Administrator.*Add assignments/);
    expect(providerSp()!.directoryRoles).not.toContain(TEAMS_ADMIN);

    // The admin assigns the role themselves (here through Graph, as the Entra admin center does).
    const tokenRes = await fetch(`${emu.urls.login}/${CONTOSO.id}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: PROVIDER_APP.appId,
        client_secret: PROVIDER_APP.clientSecrets[0]!,
        username: CONTOSO.users[0]!.userPrincipalName,
        password: CONTOSO.users[0]!.password,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const assign = await fetch(`${emu.urls.graph}/roleManagement/directory/roleAssignments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        principalId: providerSp()!.id,
        roleDefinitionId: TEAMS_ADMIN,
        directoryScopeId: '/',
      }),
    });
    expect(assign.status).toBe(201);

    const rechecked = expectStatus(await admin.post(`/api/v1/services/${svc.id}/connection/teams-role`), 200);
    expect(rechecked.teamsRole).toMatchObject({ state: 'assigned' });
    expect(rechecked.teamsRole.message).toContain('holds Teams Administrator');
    const audit = expectStatus(
      await admin.get(`/api/v1/audit?action=connection.teams-role&customerId=${customerId}`),
      200,
    );
    expect(
      audit.items
        .filter((i: { targetId: string }) => i.targetId === svc.id)
        .map((i: { outcome: string }) => i.outcome)
        .sort(),
    ).toEqual(['failure', 'success']);
  });

  it("with the admin's delegated token: assigns the role itself, once", async () => {
    // A fresh start: no role on the service principal.
    emu.control.reset();
    emu.control.setRedirectUris(PROVIDER_APP.appId, [
      ...PROVIDER_APP.redirectUris,
      'http://trunkline.test/api/v1/microsoft/callback',
    ]);
    const { svc, token } = await inviteService(admin, customerId, 'role-delegated');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/delegated', { token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: CONTOSO.users[0]!.userPrincipalName,
      password: CONTOSO.users[0]!.password,
      consent_org: 'true',
      action: 'accept',
    });
    expect((await followCallback(server, fromMicrosoft)).searchParams.get('consent')).toBe('done');

    const role = await settledRole(svc.id);
    expect(role, role.message ?? '').toMatchObject({ state: 'assigned' });
    expect(role.message).toContain("with the admin's sign-in");
    expect(providerSp()!.directoryRoles).toContain(TEAMS_ADMIN);
    const assignments = () =>
      emu.control
        .tenant('contoso')
        .roleAssignments.filter(
          (r) => r.principalId === providerSp()!.id && r.roleDefinitionId === TEAMS_ADMIN,
        );
    expect(assignments()).toHaveLength(1);

    // Checking again finds it and assigns nothing more.
    const again = expectStatus(await admin.post(`/api/v1/services/${svc.id}/connection/teams-role`), 200);
    expect(again.teamsRole.state).toBe('assigned');
    expect(assignments()).toHaveLength(1);
  });

  it('answers 409 for a service that is not connected', async () => {
    const { svc } = await inviteService(admin, customerId, 'role-none');
    const res = await admin.post(`/api/v1/services/${svc.id}/connection/teams-role`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/not connected/);
  });
});
