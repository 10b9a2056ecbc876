import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDefaultSeed, QUALIFYING_SKUS, startM365Emulator, type M365Emulator } from '../src/index.ts';
import {
  admin,
  appToken,
  CLIENT_ID,
  CONTOSO,
  graph,
  TEAMS_ADMIN_ROLE,
  TEAMS_DEFAULT,
  userToken,
} from './helpers.ts';

const SUB = 'contoso.sbc1.provider.example';
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const TEAMS1_PLAN = '57ff2da0-773e-42df-b2af-ffb7a2317929';
const MCOEV = 'e43b5b99-8dfb-405f-9987-dc307f34bcbd';
const EXPLORATORY = '710779e8-3d4a-4c88-adb9-386c958d1fdf';

/** The default seed plus a Teams-only licence (Microsoft Teams Exploratory: the TEAMS1 plan alone) in contoso. */
const seed = loadDefaultSeed();
const contosoSeed = seed.tenants.find((t) => t.name === 'contoso')!;
contosoSeed.subscribedSkus.push({
  skuId: EXPLORATORY,
  skuPartNumber: 'TEAMS_EXPLORATORY',
  prepaidUnits: 5,
  consumedUnits: 0,
  servicePlans: [{ servicePlanId: TEAMS1_PLAN, servicePlanName: 'TEAMS1' }],
});

const txt = new Map<string, string[][]>();
let emu: M365Emulator;
let g: string;
let t: string;

beforeAll(async () => {
  emu = await startM365Emulator({ seed, dnsResolver: async (name) => txt.get(name) ?? [] });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  emu.control.reset();
  txt.clear();
  emu.control.consent('contoso');
  g = await appToken(emu, CONTOSO.id);
  const a = admin(CONTOSO);
  const delegated = await userToken(
    emu,
    CONTOSO.id,
    a.userPrincipalName,
    a.password,
    'https://graph.microsoft.com/RoleManagement.ReadWrite.Directory',
  );
  const sp = (await graph(emu, g, `/servicePrincipals(appId='${CLIENT_ID}')`)).body;
  await graph(emu, delegated, '/roleManagement/directory/roleAssignments', {
    method: 'POST',
    body: { principalId: sp.id, roleDefinitionId: TEAMS_ADMIN_ROLE, directoryScopeId: '/' },
  });
  t = await appToken(emu, CONTOSO.id, TEAMS_DEFAULT);
  await graph(emu, g, '/domains', { method: 'POST', body: { id: SUB } });
  const records = await graph(emu, g, `/domains/${SUB}/verificationDnsRecords`);
  txt.set(SUB, [[records.body.value[0].text]]);
  expect((await graph(emu, g, `/domains/${SUB}/verify`, { method: 'POST' })).status).toBe(200);
  await teams('PUT', '/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global', {
    Usage: { Add: ['Customer usage'] },
  });
});

const teams = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.urls.teams}${path}`, {
    method,
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
};

const createRoute = () =>
  teams('POST', '/Skype.Policy/configurations/OnlineVoiceRoute', {
    Identity: 'Customer route',
    NumberPattern: '^\\+49\\d+$',
    OnlinePstnGatewayList: [SUB],
    OnlinePstnUsages: ['Customer usage'],
    Priority: 1,
  });

const userWith = async (local: string, licences: { skuId: string; disabledPlans?: string[] }[]) => {
  const u = await graph(emu, g, '/users', {
    method: 'POST',
    body: {
      accountEnabled: true,
      displayName: local,
      mailNickname: local,
      userPrincipalName: `${local}@${SUB}`,
      usageLocation: 'DE',
      passwordProfile: { password: 'Xy7!activation-pass' },
    },
  });
  expect(u.status).toBe(201);
  const r = await graph(emu, g, `/users/${u.body.id}/assignLicense`, {
    method: 'POST',
    body: { addLicenses: licences.map((l) => ({ disabledPlans: [], ...l })), removeLicenses: [] },
  });
  expect(r.status).toBe(200);
};

const expectNotActivated = async () => {
  const r = await createRoute();
  expect(r.status).toBe(400);
  expect(r.body.error.message).toMatch(/^Cannot find specified Gateway .*not activated/);
};

describe('domain activation for Direct Routing', () => {
  it('the qualifying licences are data: Microsoft’s current list, without Teams Phone or Teams-only licences', () => {
    const parts = QUALIFYING_SKUS.map((s) => s.skuPartNumber);
    for (const p of ['STANDARDPACK', 'ENTERPRISEPACK', 'ENTERPRISEPREMIUM', 'SPE_E3', 'SPE_E5', 'SPB'])
      expect(parts).toContain(p);
    for (const p of ['MCOEV', 'TEAMS_EXPLORATORY', 'TEAMS_FREE']) expect(parts).not.toContain(p);
  });

  it('a user on the domain with a Teams-only licence (TEAMS1 alone) does not activate it', async () => {
    await userWith('exploratory', [{ skuId: EXPLORATORY }]);
    await expectNotActivated();
  });

  it('Teams Phone (MCOEV) alone does not activate it', async () => {
    await userWith('phone', [{ skuId: MCOEV }]);
    await expectNotActivated();
  });

  it('a qualifying licence with its Teams plan disabled does not activate it', async () => {
    await userWith('noteams', [{ skuId: E3, disabledPlans: [TEAMS1_PLAN] }]);
    await expectNotActivated();
  });

  it('Office 365 E3 with Teams activates it, after the activation delay', async () => {
    emu.control.setSettings({ teamsActivationDelaySeconds: 2 });
    await userWith('activation', [{ skuId: E3 }]);
    const early = await createRoute();
    expect(early.status).toBe(400);
    expect(early.body.error.message).toMatch(
      /^Cannot find specified Gateway .*not provisioned for Direct Routing yet/,
    );
    const end = Date.now() + 4000;
    let r = early;
    while (r.status !== 200 && Date.now() < end) {
      await new Promise((res) => setTimeout(res, 200));
      r = await createRoute();
    }
    expect(r.status).toBe(200);
    expect(r.body.OnlinePstnGatewayList).toEqual([SUB]);
  });

  it('the activation delay is a start option, kept by reset', async () => {
    const other = await startM365Emulator({ teamsActivationDelaySeconds: 30 });
    try {
      other.control.setSettings({ teamsActivationDelaySeconds: 0 });
      other.control.reset();
      const res = await fetch(`${other.urls.control}/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(await res.json()).toMatchObject({ teamsActivationDelaySeconds: 30 });
    } finally {
      await other.stop();
    }
  });
});
