import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import { admin, CONTOSO, TEAMS_DEFAULT, userToken } from './helpers.ts';

/**
 * The Teams admin ConfigAPI accepts the request shapes public clients of the MicrosoftTeams module send
 * (src/teams-shapes.ts names the sources) and answers any other with the service's error envelope.
 */

let emu: M365Emulator;
let token: string;

beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async () => [] });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  emu.control.reset();
  emu.control.consent('contoso');
  const a = admin(CONTOSO);
  token = await userToken(emu, CONTOSO.id, a.userPrincipalName, a.password, TEAMS_DEFAULT);
});

const teams = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.urls.teams}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
};

const CONFIG = '/Skype.Policy/configurations';
const USAGES = `${CONFIG}/OnlinePstnUsages/configuration/Global`;
const POLICIES = `${CONFIG}/OnlineVoiceRoutingPolicy`;
const GRANT = '/Skype.Policy/tenants/policies/OnlineVoiceRoutingPolicy';

const expectRefused = (r: { status: number; body: any }, status: number, message: RegExp) => {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(status === 404 ? 'NotFound' : 'BadRequest');
  expect(r.body.error.message).toMatch(message);
  expect(r.body.error.innerError['request-id']).toEqual(expect.any(String));
};

const withUsageAndPolicy = async () => {
  expect((await teams('PUT', USAGES, { Usage: { Add: 'Trunkline' } })).status).toBe(200);
  const created = await teams('POST', POLICIES, {
    Identity: 'Unrestricted',
    OnlinePstnUsages: ['Trunkline'],
  });
  expect(created.status).toBe(200);
  return created.body;
};

describe('Teams admin ConfigAPI request shapes', () => {
  it('creates with POST (Identity in the body) and stores custom policies as Tag:<name> (go-teams)', async () => {
    const created = await withUsageAndPolicy();
    expect(created).toMatchObject({ Identity: 'Tag:Unrestricted', OnlinePstnUsages: ['Trunkline'] });
    const again = await teams('POST', POLICIES, { Identity: 'Tag:Unrestricted', OnlinePstnUsages: [] });
    expect(again.status).toBe(409);
  });

  it('sets with PUT: bare and Tag: names in the path, no Identity in the body (the module) ', async () => {
    await withUsageAndPolicy();
    for (const name of ['Unrestricted', 'Tag:Unrestricted']) {
      const r = await teams('PUT', `${POLICIES}/configuration/${encodeURIComponent(name)}`, {
        Description: name,
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ Identity: 'Tag:Unrestricted', Description: name });
    }
  });

  it('reads carry each instance’s Key; a Set may send it back with the Identity (CIPP), but not a wrong one', async () => {
    await withUsageAndPolicy();
    const list = await teams('GET', POLICIES);
    const read = list.body.find((p: any) => p.Identity === 'Tag:Unrestricted');
    expect(read.Key).toMatchObject({ ScopeClass: 'Tag', AuthorityId: { InstanceId: CONTOSO.id } });
    const one = await teams('GET', `${POLICIES}/configuration/Tag:Unrestricted`);
    expect(one.body.Key).toEqual(read.Key);

    const roundTrip = await teams('PUT', `${POLICIES}/configuration/Tag:Unrestricted`, {
      Identity: 'Tag:Unrestricted',
      Key: read.Key,
      Description: 'with its key',
    });
    expect(roundTrip.status).toBe(200);

    expectRefused(
      await teams('PUT', `${POLICIES}/configuration/Tag:Unrestricted`, {
        Identity: 'Tag:Unrestricted',
        Key: { ...read.Key, ScopeClass: 'Global' },
        Description: 'x',
      }),
      400,
      /not the Key of 'Tag:Unrestricted'/,
    );
    expectRefused(
      await teams('PUT', `${POLICIES}/configuration/Unrestricted`, { Identity: 'Other', Description: 'x' }),
      400,
      /does not name the instance/,
    );
  });

  it('refuses what the module never sends: PUT-create, unknown parameters, odd hashtables, POST of usages', async () => {
    await withUsageAndPolicy();
    expectRefused(
      await teams('PUT', `${POLICIES}/configuration/Missing`, { OnlinePstnUsages: ['Trunkline'] }),
      404,
      /No OnlineVoiceRoutingPolicy instance with Identity 'Missing'/,
    );
    expectRefused(
      await teams('PUT', `${POLICIES}/configuration/Unrestricted`, { Usages: ['Trunkline'] }),
      400,
      /A parameter cannot be found that matches parameter name 'Usages'/,
    );
    expectRefused(
      await teams('PUT', USAGES, { Usage: { Append: ['x'] } }),
      400,
      /only the keys Add, Remove and Replace/,
    );
    expectRefused(await teams('PUT', USAGES, { Usage: [1] }), 400, /list of strings/);
    expectRefused(
      await teams('POST', `${CONFIG}/OnlinePstnUsages`, { Identity: 'Global', Usage: ['x'] }),
      400,
      /no New- cmdlet/,
    );
  });

  it('grants tenant-wide with PATCH {PolicyName} (Tag:<name> or bare, null reverts); the type stays in the path', async () => {
    await withUsageAndPolicy();
    const granted = await teams('PATCH', GRANT, { PolicyName: 'Tag:Unrestricted' });
    expect(granted.status).toBe(200);
    expect(emu.control.tenant('contoso').teams.GlobalPolicies.OnlineVoiceRoutingPolicy).toBe(
      'Tag:Unrestricted',
    );
    expectRefused(
      await teams('PATCH', GRANT, { PolicyType: 'OnlineVoiceRoutingPolicy', PolicyName: 'Unrestricted' }),
      400,
      /'PolicyType'/,
    );
    expectRefused(await teams('PATCH', GRANT, {}), 400, /Missing required parameter 'PolicyName'/);
    expect((await teams('PATCH', GRANT, { PolicyName: null })).status).toBe(200);
    expect(emu.control.tenant('contoso').teams.GlobalPolicies.OnlineVoiceRoutingPolicy).toBeNull();
    expect((await teams('PATCH', GRANT, { PolicyName: 'Unrestricted' })).status).toBe(200);
    expect(emu.control.tenant('contoso').teams.GlobalPolicies.OnlineVoiceRoutingPolicy).toBe(
      'Tag:Unrestricted',
    );
  });

  it('has no read of a tenant-wide grant: GET answers 404 like any path the service lacks', async () => {
    await withUsageAndPolicy();
    await teams('PATCH', GRANT, { PolicyName: 'Tag:Unrestricted' });
    expectRefused(await teams('GET', GRANT), 404, /No resource at GET/);
  });
});
