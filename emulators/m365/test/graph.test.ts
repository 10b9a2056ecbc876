import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '../src/index.ts';
import {
  admin,
  appToken,
  CLIENT_ID,
  CONTOSO,
  FABRIKAM,
  graph,
  NORTHWIND,
  TEAMS_DEFAULT,
  userToken,
} from './helpers.ts';

const LIMITED_APP = '11111111-2222-4333-8444-555555555555';
const LIMITED_SECRET = 'limited-secret';
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';

/** The default seed plus an app that only holds Organization.Read.All, consented in contoso. */
const seed = loadDefaultSeed();
seed.apps.push({
  appId: LIMITED_APP,
  displayName: 'Limited reader',
  ownerTenantId: seed.apps[0]!.ownerTenantId,
  publicClient: false,
  clientSecrets: [LIMITED_SECRET],
  redirectUris: [],
  requiredResourceAccess: [
    { resource: 'https://graph.microsoft.com', roles: ['Organization.Read.All'], scopes: [] },
  ],
});
seed.tenants.find((t) => t.name === 'contoso')!.consentedApps.push(LIMITED_APP);

const txt = new Map<string, string[][]>();
const looked: string[] = [];
let emu: M365Emulator;
let contoso: string;

beforeAll(async () => {
  emu = await startM365Emulator({
    seed,
    dnsResolver: async (name) => {
      looked.push(name);
      const r = txt.get(name);
      if (!r) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return r;
    },
  });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  emu.control.reset();
  txt.clear();
  for (const t of ['contoso', 'fabrikam', 'northwind']) emu.control.consent(t);
  contoso = await appToken(emu, CONTOSO.id);
});

describe('authentication and authorisation', () => {
  it('answers 401 InvalidAuthenticationToken with Graph error shape and request ids', async () => {
    const r = await graph(emu, null, '/organization');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('InvalidAuthenticationToken');
    expect(r.body.error.innerError).toEqual({
      date: expect.any(String),
      'request-id': r.headers.get('request-id'),
      'client-request-id': 'test-client-request',
    });
    expect(r.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('rejects a token signed by another key, a token for another audience and an expired token', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      aud: 'https://graph.microsoft.com',
      tid: CONTOSO.id,
      roles: ['Domain.ReadWrite.All'],
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(`${emu.url}/${CONTOSO.id}/v2.0`)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await graph(emu, forged, '/domains')).body.error).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Access token validation failure.',
    });
    const teams = await appToken(emu, CONTOSO.id, TEAMS_DEFAULT);
    expect((await graph(emu, teams, '/domains')).body.error.message).toContain('Invalid audience');
    emu.control.setSettings({ accessTokenLifetimeSeconds: 0 });
    const short = await appToken(emu, CONTOSO.id);
    expect((await graph(emu, short, '/domains')).body.error.message).toContain('expired');
  });

  it('answers 403 Authorization_RequestDenied when the app lacks the permission', async () => {
    const limited = await appToken(
      emu,
      CONTOSO.id,
      'https://graph.microsoft.com/.default',
      LIMITED_APP,
      LIMITED_SECRET,
    );
    expect((await graph(emu, limited, '/organization')).status).toBe(200);
    const r = await graph(emu, limited, '/domains');
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
  });

  it('keeps tenants apart: a token sees only its own tenant', async () => {
    const org = await graph(emu, contoso, '/organization');
    expect(org.body.value).toHaveLength(1);
    expect(org.body.value[0]).toMatchObject({ id: CONTOSO.id, displayName: CONTOSO.displayName });
    expect(org.body.value[0].verifiedDomains.map((d: any) => d.name).sort()).toEqual([
      'contoso.com',
      'contoso.onmicrosoft.com',
    ]);
    const fabrikamAdmin = admin(FABRIKAM);
    const r = await graph(emu, contoso, `/users/${fabrikamAdmin.id}`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('Request_ResourceNotFound');
    expect((await graph(emu, contoso, `/domains/fabrikam.com`)).status).toBe(404);
  });

  it('limits a delegated User.Read caller to id, displayName and verifiedDomains of the organization', async () => {
    const a = admin(CONTOSO);
    const t = await userToken(emu, CONTOSO.id, a.userPrincipalName, a.password, 'User.Read');
    const org = await graph(emu, t, '/organization');
    expect(Object.keys(org.body.value[0]).sort()).toEqual(['displayName', 'id', 'verifiedDomains']);
    expect((await graph(emu, t, '/me')).body).toMatchObject({
      id: a.id,
      userPrincipalName: a.userPrincipalName,
    });
  });
});

describe('domains', () => {
  const fqdn = 'contoso.sbc1.provider.example';

  it('creates a domain, returns its TXT record and verifies it through the injected resolver', async () => {
    const created = await graph(emu, contoso, '/domains', { method: 'POST', body: { id: fqdn } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: fqdn,
      isVerified: false,
      isRoot: true,
      authenticationType: 'Managed',
      supportedServices: [],
    });
    const records = await graph(emu, contoso, `/domains/${fqdn}/verificationDnsRecords`);
    const txtRecord = records.body.value.find((r: any) => r.recordType === 'Txt');
    expect(txtRecord).toMatchObject({
      '@odata.type': '#microsoft.graph.domainDnsTxtRecord',
      label: fqdn,
      ttl: 3600,
      isOptional: false,
    });
    expect(txtRecord.text).toMatch(/^MS=ms\d{8}$/);

    const failed = await graph(emu, contoso, `/domains/${fqdn}/verify`, { method: 'POST' });
    expect(failed.status).toBe(400);
    expect(failed.body.error.code).toBe('Request_BadRequest');
    expect(looked).toContain(fqdn);

    txt.set(fqdn, [['v=spf1 -all'], [txtRecord.text]]);
    const ok = await graph(emu, contoso, `/domains/${fqdn}/verify`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: fqdn, isVerified: true, availabilityStatus: 'AvailableImmediately' });
    const org = await graph(emu, contoso, '/organization');
    expect(org.body.value[0].verifiedDomains.map((d: any) => d.name)).toContain(fqdn);
    expect((await graph(emu, contoso, `/domains/${fqdn}/verify`, { method: 'POST' })).status).toBe(400);
    expect(emu.control.tenant('contoso').created.domains.map((d) => d.id)).toEqual([fqdn]);
  });

  it('rejects duplicates and invalid names, and deletes', async () => {
    expect((await graph(emu, contoso, '/domains', { method: 'POST', body: { id: fqdn } })).status).toBe(201);
    const dup = await graph(emu, contoso, '/domains', { method: 'POST', body: { id: fqdn } });
    expect(dup.status).toBe(400);
    expect(
      (await graph(emu, contoso, '/domains', { method: 'POST', body: { id: 'not a domain' } })).body.error
        .message,
    ).toContain("property 'id'");
    const list = await graph(emu, contoso, '/domains');
    expect(list.body['@odata.context']).toBe(`${emu.urls.graph}/$metadata#domains`);
    expect(list.body.value.map((d: any) => d.id)).toContain(fqdn);
    expect((await graph(emu, contoso, `/domains/${fqdn}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(emu, contoso, `/domains/${fqdn}`)).status).toBe(404);
  });
});

describe('users and licences', () => {
  const newUser = (upn: string, extra: Record<string, unknown> = {}) => ({
    accountEnabled: true,
    displayName: 'Direct Routing activation',
    mailNickname: 'dr-activation',
    userPrincipalName: upn,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'Xy7!activation-pass' },
    ...extra,
  });

  it('needs a usageLocation before assignLicense and counts consumed units', async () => {
    const u = await graph(emu, contoso, '/users', {
      method: 'POST',
      body: newUser('dr-activation@contoso.com'),
    });
    expect(u.status).toBe(201);
    expect(u.body).toMatchObject({
      userPrincipalName: 'dr-activation@contoso.com',
      displayName: 'Direct Routing activation',
    });
    const lic = { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] };
    const noLocation = await graph(emu, contoso, `/users/${u.body.id}/assignLicense`, {
      method: 'POST',
      body: lic,
    });
    expect(noLocation.status).toBe(400);
    expect(noLocation.body.error).toMatchObject({
      code: 'Request_BadRequest',
      message: 'License assignment cannot be done for user with invalid usage location.',
    });
    expect(
      (await graph(emu, contoso, `/users/${u.body.id}`, { method: 'PATCH', body: { usageLocation: 'DE' } }))
        .status,
    ).toBe(204);
    const before = (await graph(emu, contoso, '/subscribedSkus')).body.value.find((s: any) => s.skuId === E3);
    expect(before).toMatchObject({
      skuPartNumber: 'ENTERPRISEPACK',
      prepaidUnits: { enabled: 25 },
      consumedUnits: 3,
    });
    expect(
      (
        await graph(emu, contoso, `/users/dr-activation@contoso.com/assignLicense`, {
          method: 'POST',
          body: lic,
        })
      ).status,
    ).toBe(200);
    const after = (await graph(emu, contoso, '/subscribedSkus')).body.value.find((s: any) => s.skuId === E3);
    expect(after.consumedUnits).toBe(4);
    const selected = await graph(emu, contoso, `/users/${u.body.id}?$select=assignedLicenses,usageLocation`);
    expect(selected.body).toMatchObject({
      usageLocation: 'DE',
      assignedLicenses: [{ skuId: E3, disabledPlans: [] }],
    });
    expect((await graph(emu, contoso, `/users/${u.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const released = (await graph(emu, contoso, '/subscribedSkus')).body.value.find(
      (s: any) => s.skuId === E3,
    );
    expect(released.consumedUnits).toBe(3);
  });

  it('refuses a licence when the SKU has no free units (northwind)', async () => {
    const nw = await appToken(emu, NORTHWIND.id);
    const u = await graph(emu, nw, '/users', {
      method: 'POST',
      body: newUser('dr@northwind.onmicrosoft.com', { usageLocation: 'GB' }),
    });
    const r = await graph(emu, nw, `/users/${u.body.id}/assignLicense`, {
      method: 'POST',
      body: { addLicenses: [{ skuId: E3 }], removeLicenses: [] },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe(`Subscription with SKU ${E3} does not have any available licenses.`);
  });

  it('validates users: verified UPN domain, unique UPN, password complexity, required properties', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [newUser('x@unverified.example'), 'domain portion of the userPrincipalName'],
      [
        newUser(admin(CONTOSO).userPrincipalName),
        'Another object with the same value for property userPrincipalName already exists.',
      ],
      [newUser('y@contoso.com', { passwordProfile: { password: 'simple' } }), 'password complexity'],
      [{ ...newUser('z@contoso.com'), displayName: undefined }, "property 'displayName'"],
    ];
    for (const [body, message] of cases) {
      const r = await graph(emu, contoso, '/users', { method: 'POST', body });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain(message);
    }
  });

  it('pages users with $top and @odata.nextLink and filters them', async () => {
    const page1 = await graph(emu, contoso, '/users?$top=1');
    expect(page1.body.value).toHaveLength(1);
    const next = new URL(page1.body['@odata.nextLink']);
    const page2 = await graph(emu, contoso, `${next.pathname.replace('/graph/v1.0', '')}${next.search}`);
    expect(page2.body.value).toHaveLength(1);
    expect(page2.body.value[0].id).not.toBe(page1.body.value[0].id);
    const filtered = await graph(
      emu,
      contoso,
      `/users?$filter=${encodeURIComponent("userPrincipalName eq 'ALICE@contoso.com'")}`,
    );
    expect(filtered.body.value.map((u: any) => u.userPrincipalName)).toEqual(['alice@contoso.com']);
  });
});

describe('service principals and directory roles', () => {
  it('finds the provider service principal by appId filter and by alternate key', async () => {
    const byFilter = await graph(
      emu,
      contoso,
      `/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${CLIENT_ID}'`)}`,
    );
    expect(byFilter.body.value).toHaveLength(1);
    const sp = byFilter.body.value[0];
    expect(sp).toMatchObject({ appId: CLIENT_ID, servicePrincipalType: 'Application' });
    expect((await graph(emu, contoso, `/servicePrincipals(appId='${CLIENT_ID}')`)).body.id).toBe(sp.id);
    expect((await graph(emu, contoso, `/servicePrincipals/${sp.id}`)).body.appId).toBe(CLIENT_ID);
    // Creating service principals needs Application.ReadWrite.*, which the provider app does not request.
    expect(
      (await graph(emu, contoso, '/servicePrincipals', { method: 'POST', body: { appId: CLIENT_ID } }))
        .status,
    ).toBe(403);
  });

  it('assigns Teams Administrator to the service principal with a delegated admin token, not with the app token', async () => {
    const sp = (await graph(emu, contoso, `/servicePrincipals(appId='${CLIENT_ID}')`)).body;
    const body = {
      '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
      principalId: sp.id,
      roleDefinitionId: '69091246-20e8-4a56-aa4d-066075b2a7a8',
      directoryScopeId: '/',
    };
    expect(
      (await graph(emu, contoso, '/roleManagement/directory/roleAssignments', { method: 'POST', body }))
        .status,
    ).toBe(403);
    const a = admin(CONTOSO);
    const delegated = await userToken(
      emu,
      CONTOSO.id,
      a.userPrincipalName,
      a.password,
      'https://graph.microsoft.com/RoleManagement.ReadWrite.Directory',
    );
    const created = await graph(emu, delegated, '/roleManagement/directory/roleAssignments', {
      method: 'POST',
      body,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      principalId: sp.id,
      roleDefinitionId: body.roleDefinitionId,
      directoryScopeId: '/',
    });
    const dup = await graph(emu, delegated, '/roleManagement/directory/roleAssignments', {
      method: 'POST',
      body,
    });
    expect(dup.status).toBe(400);
    const list = await graph(
      emu,
      delegated,
      `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${sp.id}'`)}`,
    );
    expect(list.body.value.map((r: any) => r.id)).toEqual([created.body.id]);
    expect(
      emu.control.tenant('contoso').servicePrincipals.find((s) => s.id === sp.id)!.directoryRoles,
    ).toEqual([body.roleDefinitionId]);
  });
});
