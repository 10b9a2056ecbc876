import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import { appToken, CLIENT_ID, CLIENT_SECRET, CONTOSO, FABRIKAM, graph, NORTHWIND, token } from './helpers.ts';

/** Entra's error bodies as Microsoft sends them, and the federated user of the seed. */

let emu: M365Emulator;
beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async () => [] });
});
afterAll(() => emu.stop());
beforeEach(() => emu.control.reset());

const FEDERATED = FABRIKAM.users.find((u) => u.userPrincipalName.endsWith('@corp.fabrikam.com'))!;
const ropc = (tenant: string, username: string, password: string) =>
  token(emu, tenant, {
    grant_type: 'password',
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    username,
    password,
    scope: 'https://graph.microsoft.com/.default',
  });

describe('Entra error bodies', () => {
  it('separates the lines of error_description with CRLF: the AADSTS line, Trace ID, Correlation ID, Timestamp', async () => {
    emu.control.consent('contoso');
    const r = await ropc(CONTOSO.id, 'admin@contoso.onmicrosoft.com', 'wrong');
    expect(r.status).toBe(400);
    const lines = (r.body.error_description as string).split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('AADSTS50126: Error validating credentials due to invalid username or password.');
    expect(lines[1]).toBe(`Trace ID: ${r.body.trace_id}`);
    expect(lines[2]).toBe(`Correlation ID: ${r.body.correlation_id}`);
    expect(lines[3]).toBe(`Timestamp: ${r.body.timestamp}`);
    expect(r.body.error_description).not.toMatch(/[^\r]\n/);
  });

  it('carries a claims challenge (capolids) on the Conditional Access error AADSTS50076', async () => {
    emu.control.consent('fabrikam');
    const r = await ropc(FABRIKAM.id, 'admin@fabrikam.onmicrosoft.com', 'Fabrikam-Admin-1!');
    expect(r.body).toMatchObject({
      error: 'interaction_required',
      error_codes: [50076],
      suberror: 'basic_action',
    });
    const claims = JSON.parse(r.body.claims as string);
    expect(claims.access_token.capolids.essential).toBe(true);
    expect(claims.access_token.capolids.values[0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });
});

describe('a user blocked by Conditional Access (northwind)', () => {
  it('gets AADSTS53003 with suberror message_only and a claims challenge', async () => {
    const r = await ropc(NORTHWIND.id, 'blocked@northwind.onmicrosoft.com', 'Northwind-Block-1!');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'invalid_grant', error_codes: [53003], suberror: 'message_only' });
    expect((r.body.error_description as string).split('\r\n')[0]).toBe(
      'AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    );
    expect(JSON.parse(r.body.claims as string).access_token.capolids.values).toHaveLength(1);
  });
});

describe('a federated user (fabrikam, corp.fabrikam.com)', () => {
  const realm = async (upn: string) =>
    (await fetch(`${emu.url}/common/userrealm/${encodeURIComponent(upn)}?api-version=1.0`)).json() as Promise<
      Record<string, string>
    >;

  it('home realm discovery tells federated, managed and unknown domains apart', async () => {
    expect(await realm(FEDERATED.userPrincipalName)).toMatchObject({
      ver: '1.0',
      account_type: 'Federated',
      domain_name: 'corp.fabrikam.com',
      federation_protocol: 'WSTrust',
      federation_active_auth_url: expect.stringMatching(
        /^https:\/\/.+\/adfs\/services\/trust\/2005\/usernamemixed$/,
      ),
    });
    expect(await realm('admin@contoso.onmicrosoft.com')).toMatchObject({
      account_type: 'Managed',
      domain_name: 'contoso.onmicrosoft.com',
    });
    expect(await realm('someone@nowhere.example')).toEqual({
      ver: '1.0',
      account_type: 'Unknown',
      cloud_instance_name: 'microsoftonline.com',
    });
  });

  it('cannot use the password grant, even with the right password', async () => {
    emu.control.consent('fabrikam');
    const r = await ropc(FABRIKAM.id, FEDERATED.userPrincipalName, FEDERATED.password);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'invalid_grant', error_codes: [50126] });
  });

  it('Graph reports its domain as Federated', async () => {
    emu.control.consent('fabrikam');
    const t = await appToken(emu, FABRIKAM.id);
    const d = await graph(emu, t, '/domains/corp.fabrikam.com');
    expect(d.body).toMatchObject({
      id: 'corp.fabrikam.com',
      authenticationType: 'Federated',
      isVerified: true,
    });
  });
});
