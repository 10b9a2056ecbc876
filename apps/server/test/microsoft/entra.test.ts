import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '@trunkline/emulator-m365';
import { createEntraClient, EntraError, entraMessage, type EntraClient } from '../../src/microsoft/entra.ts';

/** Contract tests of the Entra adapter against the M365 emulator over real HTTP. */
describe('Entra ID adapter', () => {
  let emu: M365Emulator;
  let entra: EntraClient;
  const app = loadDefaultSeed().apps[0]!;

  beforeAll(async () => {
    emu = await startM365Emulator();
    entra = createEntraClient({
      authority: emu.urls.login,
      app: { clientId: app.appId, clientSecret: app.clientSecrets[0]! },
      graphBaseUrl: emu.urls.graph,
      teamsAdminBaseUrl: emu.urls.teams,
    });
  });
  afterAll(() => emu?.stop());

  const kindOf = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(EntraError);
      return (e as EntraError).kind;
    }
  };

  it('refuses the password grant until the app is consented in the tenant (a password grant cannot consent)', async () => {
    expect(
      await kindOf(
        entra.passwordGrant('contoso.onmicrosoft.com', 'admin@contoso.onmicrosoft.com', 'Contoso-Admin-1!'),
      ),
    ).toBe('consent_required');
    expect(await kindOf(entra.clientCredentials('contoso.onmicrosoft.com'))).not.toBe('ok');
  });

  it('gets a delegated token with a refresh token through the password grant', async () => {
    emu.control.consent('contoso');
    const t = await entra.passwordGrant(
      'contoso.onmicrosoft.com',
      'admin@contoso.onmicrosoft.com',
      'Contoso-Admin-1!',
    );
    expect(t.tenantId).toBe('4b218318-131d-4d7c-ad86-12594fda0d94');
    expect(t.username).toBe('admin@contoso.onmicrosoft.com');
    expect(t.refreshToken).toBeTruthy();
    expect(t.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const refreshed = await entra.refresh(t.tenantId, t.refreshToken!);
    expect(refreshed.refreshToken).toBeTruthy();
    expect(refreshed.refreshToken).not.toBe(t.refreshToken);
    // Refresh tokens rotate: the old one no longer works.
    expect(await kindOf(entra.refresh(t.tenantId, t.refreshToken!))).not.toBe('ok');
  });

  it('gets an app-only token whose roles are the consented application permissions', async () => {
    const t = await entra.clientCredentials('4b218318-131d-4d7c-ad86-12594fda0d94');
    expect(t.tenantId).toBe('4b218318-131d-4d7c-ad86-12594fda0d94');
    expect(t.username).toBeNull();
    expect(t.roles).toEqual(expect.arrayContaining(['Organization.Read.All', 'Domain.ReadWrite.All']));
  });

  it('names MFA, wrong passwords and unknown tenants', async () => {
    emu.control.consent('fabrikam');
    expect(
      await kindOf(
        entra.passwordGrant(
          'fabrikam.onmicrosoft.com',
          'admin@fabrikam.onmicrosoft.com',
          'Fabrikam-Admin-1!',
        ),
      ),
    ).toBe('mfa_required');
    expect(
      await kindOf(entra.passwordGrant('contoso.onmicrosoft.com', 'admin@contoso.onmicrosoft.com', 'wrong')),
    ).toBe('invalid_credentials');
    expect(
      await kindOf(entra.passwordGrant('nowhere.onmicrosoft.com', 'x@nowhere.onmicrosoft.com', 'x')),
    ).toMatch(/unknown_tenant|rejected/);
  });

  it("shows Entra's first meaningful line, not the Trace ID, Correlation ID or Timestamp lines after it", async () => {
    emu.control.consent('contoso');
    const e = await entra
      .passwordGrant('contoso.onmicrosoft.com', 'admin@contoso.onmicrosoft.com', 'wrong')
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(EntraError);
    expect((e as EntraError).message).toBe(
      'AADSTS50126: Error validating credentials due to invalid username or password.',
    );
    expect((e as EntraError).aadsts).toBe('AADSTS50126');
    // Microsoft's own line breaks (CRLF), and lines in another order.
    expect(
      entraMessage('AADSTS50076: Due to a configuration change…\r\nTrace ID: t\r\nCorrelation ID: c'),
    ).toBe('AADSTS50076: Due to a configuration change…');
    expect(entraMessage('\r\nTrace ID: t\r\nAADSTS90002: Tenant not found.\r\nTimestamp: x')).toBe(
      'AADSTS90002: Tenant not found.',
    );
  });

  it('reads a Conditional Access block (AADSTS53003) as needing an interactive sign-in, with its first line', async () => {
    const e = await entra
      .passwordGrant('northwind.onmicrosoft.com', 'blocked@northwind.onmicrosoft.com', 'Northwind-Block-1!')
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(e).toMatchObject({
      kind: 'mfa_required',
      aadsts: 'AADSTS53003',
      message:
        'AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    });
  });

  it('recognises a user of a federated domain by home realm discovery and never sends the password', async () => {
    emu.control.consent('fabrikam');
    emu.control.clearRequests();
    const e = await entra
      .passwordGrant('fabrikam.onmicrosoft.com', 'it-admin@corp.fabrikam.com', 'Fabrikam-Fed-1!')
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(EntraError);
    expect((e as EntraError).kind).toBe('federated');
    expect((e as EntraError).message).toMatch(/corp\.fabrikam\.com is federated/);
    const identity = emu.control.requests({ surface: 'identity' });
    expect(identity.some((r) => r.path.includes('/userrealm/'))).toBe(true);
    expect(identity.some((r) => r.path.endsWith('/token'))).toBe(false);
    // A managed user still signs in.
    emu.control.consent('contoso');
    expect(
      await kindOf(
        entra.passwordGrant('contoso.onmicrosoft.com', 'admin@contoso.onmicrosoft.com', 'Contoso-Admin-1!'),
      ),
    ).toBe('ok');
  });

  it('reports a missing app registration without calling Microsoft', async () => {
    const unconfigured = createEntraClient({
      authority: 'http://127.0.0.1:9',
      app: null,
      graphBaseUrl: '',
      teamsAdminBaseUrl: '',
    });
    expect(unconfigured.configured).toBe(false);
    expect(await kindOf(unconfigured.passwordGrant('contoso.onmicrosoft.com', 'a@b.c', 'x'))).toBe(
      'not_configured',
    );
  });

  it('reports an unreachable authority as unavailable', async () => {
    const down = createEntraClient({
      authority: 'http://127.0.0.1:9',
      app: { clientId: app.appId, clientSecret: 'x' },
      graphBaseUrl: '',
      teamsAdminBaseUrl: '',
    });
    expect(await kindOf(down.clientCredentials('contoso.onmicrosoft.com'))).toBe('unavailable');
  });
});
