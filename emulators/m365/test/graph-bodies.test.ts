import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import { appToken, CONTOSO, graph } from './helpers.ts';

/** Graph bodies as Microsoft documents them: $select, $count, the throttling envelope, the documented property sets. */

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
let emu: M365Emulator;
let token: string;

beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async () => [] });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  emu.control.reset();
  emu.control.consent('contoso');
  token = await appToken(emu, CONTOSO.id);
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${emu.urls.graph}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } }).then(
    async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as any }),
  );

describe('Graph bodies', () => {
  it('$select answers only the selected properties, unknown ones as null, and names the selection in @odata.context', async () => {
    const one = await get(
      '/users/admin@contoso.onmicrosoft.com?$select=displayName,usageLocation,employeeId',
    );
    expect(one.body).toEqual({
      '@odata.context': `${emu.urls.graph}/$metadata#users(displayName,usageLocation,employeeId)/$entity`,
      displayName: expect.any(String),
      usageLocation: expect.any(String),
      employeeId: null,
    });
    const list = await get('/users?$select=id,userPrincipalName');
    expect(list.body['@odata.context']).toBe(`${emu.urls.graph}/$metadata#users(id,userPrincipalName)`);
    for (const u of list.body.value) expect(Object.keys(u)).toEqual(['id', 'userPrincipalName']);
  });

  it('$count needs ConsistencyLevel: eventual, else the documented 400', async () => {
    const refused = await get('/users?$count=true');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'Request_BadRequest',
      message: '$count is not currently supported.',
    });
    const counted = await get('/users?$count=true&$top=1', { ConsistencyLevel: 'eventual' });
    expect(counted.status).toBe(200);
    expect(counted.body['@odata.count']).toBe(CONTOSO.users.length);
    expect(counted.body.value).toHaveLength(1);
  });

  it('throttles with the full envelope: innerError code, date, request-id, client-request-id, and Retry-After', async () => {
    emu.control.throttle({ count: 1, retryAfterSeconds: 7 });
    const r = await get('/organization', { 'client-request-id': 'mine-1' });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.body.error).toEqual({
      code: 'TooManyRequests',
      message: expect.any(String),
      innerError: {
        code: '429',
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
        'request-id': r.headers.get('request-id'),
        'client-request-id': 'mine-1',
      },
    });
  });

  it('organization, servicePrincipal and user carry their documented property sets; assignLicense returns the user', async () => {
    const org = (await get('/organization')).body.value[0];
    for (const k of [
      'id',
      'displayName',
      'verifiedDomains',
      'tenantType',
      'countryLetterCode',
      'createdDateTime',
    ])
      expect(org).toHaveProperty(k);
    expect(org.verifiedDomains[0]).toEqual({
      capabilities: expect.any(String),
      isDefault: expect.any(Boolean),
      isInitial: expect.any(Boolean),
      name: expect.any(String),
      type: 'Managed',
    });
    const sp = (await get(`/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'`)).body
      .value[0];
    for (const k of [
      'id',
      'appId',
      'displayName',
      'servicePrincipalType',
      'appOwnerOrganizationId',
      'accountEnabled',
    ])
      expect(sp).toHaveProperty(k);
    const user = (await get('/users/admin@contoso.onmicrosoft.com')).body;
    expect(Object.keys(user).sort()).toEqual(
      [
        '@odata.context',
        'businessPhones',
        'displayName',
        'givenName',
        'jobTitle',
        'mail',
        'mobilePhone',
        'officeLocation',
        'preferredLanguage',
        'surname',
        'userPrincipalName',
        'id',
      ].sort(),
    );
    const assigned = await graph(emu, token, `/users/${user.id}/assignLicense`, {
      method: 'POST',
      body: { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] },
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ id: user.id, userPrincipalName: user.userPrincipalName });
    expect(assigned.body['@odata.context']).toBe(`${emu.urls.graph}/$metadata#users/$entity`);
  });
});
