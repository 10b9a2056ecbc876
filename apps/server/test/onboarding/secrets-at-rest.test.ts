import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { refreshTokenContext } from '../../src/connections/tenant-access.ts';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus, type Client } from '../support/client.ts';
import { followCallback, inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { dumpEveryTable } from '../support/secrets-scan.ts';
import { startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

const seed = loadDefaultSeed();
const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
const ownApp = seed.apps.find((a) => a.displayName.startsWith('Contoso Trunkline automation'))!;
const notifyApp = seed.apps.find((a) => a.displayName.startsWith('Contoso Teams notifications'))!;

/**
 * Every secret of the Microsoft connection paths (passwords, refresh tokens, client secrets) after all of
 * them ran: none is in any table of the database (application, jobs, migrations) or in the captured logs.
 */
describe('no Microsoft secret in plaintext at rest or in the logs', () => {
  let server: TestServer;
  let close: () => Promise<void>;
  let admin: Client;
  const secrets: string[] = [];

  beforeAll(async () => {
    let emu;
    ({ server, emu, close } = await startTestServerWithMicrosoft());
    emu.control.consent('contoso');
    admin = await server.admin();
    const customerId = expectStatus(
      await admin.post('/api/v1/customers', { name: 'Secrets customer' }),
      201,
    ).id;
    const admin365 = contoso.users[0]!;

    // Credentials path: the password, once.
    const wrong = 'a wrong Microsoft password';
    for (const [shortName, password] of [
      ['secrets-pw-1', wrong],
      ['secrets-pw-2', admin365.password],
    ] as const)
      expectStatus(
        await admin.post('/api/v1/services', {
          customerId,
          type: 'direct-routing',
          fullName: `Service ${shortName}`,
          shortName,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 1,
          adminAuth: { method: 'credentials', username: admin365.userPrincipalName, password },
        }),
        201,
      );
    secrets.push(wrong, admin365.password);

    // Delegated token: the refresh token Microsoft issued.
    const delegated = await inviteService(admin, customerId, 'secrets-deleg');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/delegated', { token: delegated.token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: admin365.userPrincipalName,
      password: admin365.password,
      consent_org: 'true',
      action: 'accept',
    });
    expect((await followCallback(server, fromMicrosoft)).searchParams.get('consent')).toBe('done');

    // Own app registration and the Teams Notification Service app: their client secrets.
    const own = await inviteService(admin, customerId, 'secrets-own');
    expectStatus(
      await server.client().post('/api/v1/invitations/own-app', {
        token: own.token,
        tenantId: contoso.id,
        clientId: ownApp.appId,
        clientSecret: ownApp.clientSecrets[0],
      }),
      200,
    );
    expectStatus(
      await admin.put(`/api/v1/services/${own.svc.id}/m365-settings`, {
        m365Domain: 'contoso.com',
        grantAdminAccess: { channelAdmins: true, customerAdmins: false },
        notificationApp: { clientId: notifyApp.appId, clientSecret: notifyApp.clientSecrets[0] },
      }),
      200,
    );
    secrets.push(ownApp.clientSecrets[0]!, notifyApp.clientSecrets[0]!);

    // The refresh tokens as Microsoft issued them: only the vault can tell, from their sealed form.
    const rows = await queryRows<{ service_id: string; refresh_token_sealed: string }>(
      server.runtime.handle.db,
      sql`select service_id, refresh_token_sealed from service_connections where refresh_token_sealed is not null`,
    );
    expect(rows.length).toBe(2);
    for (const row of rows)
      secrets.push(
        await server.runtime.services.vault.open(
          row.refresh_token_sealed,
          refreshTokenContext(row.service_id),
        ),
      );
  });
  afterAll(() => close?.());

  it('keeps none of them in any table', async () => {
    const dump = await dumpEveryTable(server.runtime.handle.db);
    // The dump is real: it holds what is not secret.
    expect(dump).toContain(admin365Upn());
    expect(dump).toContain(notifyApp.appId);
    for (const secret of secrets)
      expect(dump, `a secret of ${secret.length} characters`).not.toContain(secret);
  });

  it('logs none of them', () => {
    const logs = server.logs.text();
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});

const admin365Upn = () => contoso.users[0]!.userPrincipalName;
