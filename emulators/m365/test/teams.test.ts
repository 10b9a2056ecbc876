import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import {
  admin,
  appToken,
  b64json,
  CLIENT_ID,
  CONTOSO,
  graph,
  TEAMS_ADMIN_ROLE,
  TEAMS_DEFAULT,
  userToken,
} from './helpers.ts';

const SUB = 'contoso.sbc1.provider.example';
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const txt = new Map<string, string[][]>();
let emu: M365Emulator;
let graphToken: string;

beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async (name) => txt.get(name) ?? [] });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  emu.control.reset();
  txt.clear();
  emu.control.consent('contoso');
  graphToken = await appToken(emu, CONTOSO.id);
});

const teams = async (tokenValue: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.urls.teams}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokenValue}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
};

/** The onboarding steps before voice configuration: Teams role for our service principal, verified and activated subdomain. */
const grantTeamsRole = async () => {
  const a = admin(CONTOSO);
  const delegated = await userToken(
    emu,
    CONTOSO.id,
    a.userPrincipalName,
    a.password,
    'https://graph.microsoft.com/RoleManagement.ReadWrite.Directory',
  );
  const sp = (await graph(emu, graphToken, `/servicePrincipals(appId='${CLIENT_ID}')`)).body;
  const r = await graph(emu, delegated, '/roleManagement/directory/roleAssignments', {
    method: 'POST',
    body: { principalId: sp.id, roleDefinitionId: TEAMS_ADMIN_ROLE, directoryScopeId: '/' },
  });
  expect(r.status).toBe(201);
  return appToken(emu, CONTOSO.id, TEAMS_DEFAULT);
};
const verifySubdomain = async () => {
  await graph(emu, graphToken, '/domains', { method: 'POST', body: { id: SUB } });
  const records = await graph(emu, graphToken, `/domains/${SUB}/verificationDnsRecords`);
  txt.set(SUB, [[records.body.value[0].text]]);
  expect((await graph(emu, graphToken, `/domains/${SUB}/verify`, { method: 'POST' })).status).toBe(200);
};
const activateSubdomain = async () => {
  const u = await graph(emu, graphToken, '/users', {
    method: 'POST',
    body: {
      accountEnabled: true,
      displayName: 'Activation',
      mailNickname: 'activation',
      userPrincipalName: `activation@${SUB}`,
      usageLocation: 'DE',
      passwordProfile: { password: 'Xy7!activation-pass' },
    },
  });
  expect(
    (
      await graph(emu, graphToken, `/users/${u.body.id}/assignLicense`, {
        method: 'POST',
        body: { addLicenses: [{ skuId: E3 }], removeLicenses: [] },
      })
    ).status,
  ).toBe(200);
};

const route = {
  Identity: 'Customer route',
  NumberPattern: '^\\+49\\d+$',
  OnlinePstnGatewayList: [SUB],
  OnlinePstnUsages: ['Customer usage'],
  Priority: 1,
};

describe('Teams admin ConfigAPI', () => {
  it('refuses a Teams token without a Teams admin directory role (403) and a Graph token (401)', async () => {
    const noRole = await appToken(emu, CONTOSO.id, TEAMS_DEFAULT);
    expect(b64json(noRole).wids).toEqual(['0997a1d0-0d1d-4acb-b408-d5ca73121e90']);
    const r = await teams(noRole, 'GET', '/Skype.Policy/configurations/OnlineVoiceRoute');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('Forbidden');
    expect((await teams(graphToken, 'GET', '/Skype.Policy/configurations/OnlineVoiceRoute')).status).toBe(
      401,
    );
    const discovery = await teams(noRole, 'GET', '/Teams.Tenant/serviceDiscovery');
    expect(discovery.body.Endpoints.AdminServiceEndpoint).toBe(new URL(emu.url).host);
  });

  it('configures usage, voice route on the derived trunk and routing policy once the subdomain is verified and activated', async () => {
    const t = await grantTeamsRole();
    expect(b64json(t).wids).toEqual([TEAMS_ADMIN_ROLE, '0997a1d0-0d1d-4acb-b408-d5ca73121e90']);
    const usage = await teams(
      t,
      'PUT',
      '/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global',
      { Usage: { Add: ['Customer usage'] } },
    );
    expect(usage.body).toMatchObject({ Identity: 'Global', Usage: ['Customer usage'] });

    const unverified = await teams(t, 'POST', '/Skype.Policy/configurations/OnlineVoiceRoute', route);
    expect(unverified.status).toBe(400);
    expect(unverified.body.error.message).toContain('not a verified domain');
    await verifySubdomain();
    const notActivated = await teams(t, 'POST', '/Skype.Policy/configurations/OnlineVoiceRoute', route);
    expect(notActivated.body.error.message).toContain('not activated');
    await activateSubdomain();
    const created = await teams(t, 'POST', '/Skype.Policy/configurations/OnlineVoiceRoute', route);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      Identity: 'Customer route',
      OnlinePstnGatewayList: [SUB],
      OnlinePstnUsages: ['Customer usage'],
      Priority: 1,
    });
    expect((await teams(t, 'POST', '/Skype.Policy/configurations/OnlineVoiceRoute', route)).status).toBe(409);

    const policy = await teams(t, 'POST', '/Skype.Policy/configurations/OnlineVoiceRoutingPolicy', {
      Identity: 'Unrestricted',
      OnlinePstnUsages: ['Customer usage'],
    });
    expect(policy.body).toMatchObject({ Identity: 'Tag:Unrestricted', OnlinePstnUsages: ['Customer usage'] });
    const policies = await teams(t, 'GET', '/Skype.Policy/configurations/onlinevoiceroutingpolicy');
    expect(policies.body.map((p: any) => p.Identity)).toEqual(['Global', 'Tag:Unrestricted']);
    expect(
      (
        await teams(
          t,
          'GET',
          '/Skype.Policy/configurations/OnlineVoiceRoutingPolicy/configuration/Tag:Unrestricted',
        )
      ).status,
    ).toBe(200);

    const inUse = await teams(
      t,
      'PUT',
      '/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global',
      { Usage: { Remove: ['Customer usage'] } },
    );
    expect(inUse.status).toBe(400);
    expect(
      (
        await teams(
          t,
          'DELETE',
          `/Skype.Policy/configurations/OnlineVoiceRoute/configuration/${encodeURIComponent('Customer route')}`,
        )
      ).status,
    ).toBe(204);
    expect((await teams(t, 'GET', '/Skype.Policy/configurations/OnlineVoiceRoute')).body).toEqual([]);
    expect(emu.control.tenant('contoso').teams.OnlineVoiceRoutingPolicy).toHaveLength(2);
  });

  it('creates a PSTN gateway only on a domain configured for the tenant', async () => {
    const t = await grantTeamsRole();
    const refused = await teams(t, 'POST', '/Skype.Policy/configurations/OnlinePSTNGateway', {
      Fqdn: 'sbc1.other.example',
      SipSignalingPort: 5061,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      'Can\'t use the "sbc1.other.example" domain as it wasn\'t configured for this tenant.',
    );
    const gw = await teams(t, 'POST', '/Skype.Policy/configurations/OnlinePSTNGateway', {
      Fqdn: 'sbc1.contoso.com',
      SipSignalingPort: 5068,
      ForwardPai: true,
    });
    expect(gw.body).toMatchObject({
      Identity: 'sbc1.contoso.com',
      SipSignalingPort: 5068,
      ForwardPai: true,
      Enabled: false,
      SendSipOptions: true,
    });
  });
});
