import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import {
  appToken,
  CLIENT_ID,
  CLIENT_SECRET,
  CONTOSO,
  expectAadError,
  graph,
  PUBLIC_CLIENT_ID,
  token,
} from './helpers.ts';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const SUB = 'contoso.sbc1.provider.example';
const WINDOW = 2;

let emu: M365Emulator;
let t: string;

beforeAll(async () => {
  emu = await startM365Emulator({ replication: WINDOW, dnsResolver: async () => [] });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  emu.control.reset();
  // The seed's consent is old: only what is created from here on replicates.
  emu.control.setReplication(0);
  emu.control.consent('contoso');
  t = await appToken(emu, CONTOSO.id);
  emu.control.setReplication(WINDOW);
});

/** Polls until the probe answers, at most `seconds` (+1) seconds. */
const until = async <T>(seconds: number, probe: () => Promise<T | null>): Promise<T> => {
  const end = Date.now() + (seconds + 1) * 1000;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error('not within the window');
    await new Promise((r) => setTimeout(r, 100));
  }
};

const expectNotFound = (r: { status: number; body: any }, id: string) => {
  expect(r.status).toBe(404);
  expect(r.body.error).toMatchObject({
    code: 'Request_ResourceNotFound',
    message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  });
  expect(r.body.error.innerError).toMatchObject({ 'client-request-id': 'test-client-request' });
  expect(typeof r.body.error.innerError['request-id']).toBe('string');
  expect(typeof r.body.error.innerError.date).toBe('string');
};

const newUser = (upn: string) =>
  graph(emu, t, '/users', {
    method: 'POST',
    body: {
      accountEnabled: true,
      displayName: 'Activation',
      mailNickname: 'activation',
      userPrincipalName: upn,
      usageLocation: 'DE',
      passwordProfile: { password: 'Xy7!activation-pass' },
    },
  });

describe('directory replication', () => {
  it('a new domain answers 404 Request_ResourceNotFound on reads for its window, then is there', async () => {
    const created = await graph(emu, t, '/domains', { method: 'POST', body: { id: SUB } });
    expect(created.status).toBe(201);
    expectNotFound(await graph(emu, t, `/domains/${SUB}`), SUB);
    expectNotFound(await graph(emu, t, `/domains/${SUB}/verificationDnsRecords`), SUB);
    expect((await graph(emu, t, '/domains')).body.value.map((d: any) => d.id)).not.toContain(SUB);
    // The writer knows it: a second POST is the duplicate it is.
    const again = await graph(emu, t, '/domains', { method: 'POST', body: { id: SUB } });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe(
      'Another object with the same value for property id already exists.',
    );
    const records = await until(WINDOW, async () => {
      const r = await graph(emu, t, `/domains/${SUB}/verificationDnsRecords`);
      return r.status === 200 ? r.body : null;
    });
    expect(records.value[0].text).toMatch(/^MS=ms\d{8}$/);
  });

  it('a new user answers 404 by id and by UPN (also to assignLicense) for its window', async () => {
    const upn = 'new.user@contoso.com';
    const u = await newUser(upn);
    expect(u.status).toBe(201);
    expectNotFound(await graph(emu, t, `/users/${u.body.id}`), u.body.id);
    expectNotFound(await graph(emu, t, `/users/${upn}`), upn);
    const assign = await graph(emu, t, `/users/${u.body.id}/assignLicense`, {
      method: 'POST',
      body: { addLicenses: [{ skuId: E3 }], removeLicenses: [] },
    });
    expectNotFound(assign, u.body.id);
    expect((await newUser(upn)).body.error.message).toBe(
      'Another object with the same value for property userPrincipalName already exists.',
    );
    await until(WINDOW, async () => ((await graph(emu, t, `/users/${upn}`)).status === 200 ? true : null));
  });

  it('a new licence assignment is missing from assignedLicenses for its window', async () => {
    emu.control.setReplication({ user: 0, licenseAssignment: WINDOW });
    const u = await newUser('licensed@contoso.com');
    const assigned = await graph(emu, t, `/users/${u.body.id}/assignLicense`, {
      method: 'POST',
      body: { addLicenses: [{ skuId: E3 }], removeLicenses: [] },
    });
    expect(assigned.status).toBe(200);
    const read = () => graph(emu, t, `/users/${u.body.id}?$select=id,assignedLicenses`);
    expect((await read()).body.assignedLicenses).toEqual([]);
    const later = await until(WINDOW, async () => {
      const r = await read();
      return r.body.assignedLicenses.length ? r.body.assignedLicenses : null;
    });
    expect(later).toEqual([{ skuId: E3, disabledPlans: [] }]);
  });

  it("a freshly consented app's token requests answer AADSTS700016, and its service principal 404, for the window", async () => {
    emu.control.consent('fabrikam');
    const FABRIKAM = emu.control.tenant('fabrikam');
    const r = await token(emu, FABRIKAM.id, {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(r.status).toBe(400);
    expectAadError(r.body, 'unauthorized_client', 700016);
    expect(r.body.error_description).toContain(
      `Application with identifier '${CLIENT_ID}' was not found in the directory 'Fabrikam`,
    );
    expect(r.body.error_uri).toMatch(/error\?code=700016$/);
    // Graph's reads of a new service principal miss it too (contoso reading another app consented there now).
    emu.control.consent('contoso', PUBLIC_CLIENT_ID);
    expectNotFound(await graph(emu, t, `/servicePrincipals(appId='${PUBLIC_CLIENT_ID}')`), PUBLIC_CLIENT_ID);
    const fabrikamToken = await until(WINDOW, async () => appToken(emu, FABRIKAM.id).catch(() => null));
    expect(fabrikamToken).toBeTruthy();
  });

  it('the control API sets the windows per kind or for all, refuses nonsense, and reset returns to the start options', async () => {
    const put = (body: unknown) =>
      fetch(`${emu.urls.control}/replication`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(await (await put({ domain: 5 })).json()).toEqual({
      domain: 5,
      user: WINDOW,
      licenseAssignment: WINDOW,
      servicePrincipal: WINDOW,
      appToken: WINDOW,
    });
    expect((await put(-1)).status).toBe(400);
    expect((await put({ group: 1 })).status).toBe(400);
    expect((await put({ user: 1.5 })).status).toBe(400);
    await put(0);
    expect(emu.control.replication()).toMatchObject({ domain: 0, appToken: 0 });
    emu.control.reset();
    expect(emu.control.replication().domain).toBe(WINDOW);
  });

  it('with replication off (0) a new object is readable at once', async () => {
    emu.control.setReplication(0);
    await graph(emu, t, '/domains', { method: 'POST', body: { id: SUB } });
    expect((await graph(emu, t, `/domains/${SUB}`)).status).toBe(200);
  });
});
