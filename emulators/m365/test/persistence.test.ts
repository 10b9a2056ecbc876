import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import {
  admin,
  appToken,
  CLIENT_ID,
  CLIENT_SECRET,
  CONTOSO,
  graph,
  TEAMS_ADMIN_ROLE,
  TEAMS_DEFAULT,
  token,
  userToken,
} from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'm365-state-'));
let file: string;
let running: M365Emulator | undefined;
afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  file = path.join(dir, `${Math.random().toString(36).slice(2)}`, 'm365.json');
});

const start = async (port = 0) => (running = await startM365Emulator({ port, stateFile: file }));
const stop = async (emu: M365Emulator) => {
  await emu.stop();
  running = undefined;
  // Lets fetch's pool see the closed keep-alive connections before the next emulator takes the same port.
  await new Promise((r) => setTimeout(r, 50));
};
const contosoAdmin = admin(CONTOSO);
const ropc = (emu: M365Emulator) =>
  token(emu, CONTOSO.id, {
    grant_type: 'password',
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    username: contosoAdmin.userPrincipalName,
    password: contosoAdmin.password,
    scope: 'https://graph.microsoft.com/Domain.ReadWrite.All offline_access',
  });

describe('stateFile', () => {
  it('keeps directory objects, the signing key and refresh tokens across a restart', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    // Changes through the real APIs: consent (control HTTP API), a domain (Graph), a delegated sign-in.
    expect((await fetch(`${first.urls.control}/tenants/contoso/consent`, { method: 'POST' })).status).toBe(
      200,
    );
    const access = await appToken(first, CONTOSO.id);
    const created = await graph(first, access, '/domains', {
      method: 'POST',
      body: { id: 'kept.contoso.com' },
    });
    expect(created.status).toBe(201);
    // Written shortly after the change, without waiting for stop (a killed process loses at most the last 500 ms).
    await expect
      .poll(() => (existsSync(file) ? readFileSync(file, 'utf8') : ''), { timeout: 3000 })
      .toContain('kept.contoso.com');
    const signedIn = await ropc(first);
    expect(signedIn.status).toBe(200);
    const refreshToken = signedIn.body.refresh_token as string;
    const jwks = await (await fetch(`${first.url}/common/discovery/v2.0/keys`)).json();
    await stop(first);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'trunkline-m365-emulator',
      version: 1,
    });

    const second = await start(port);
    expect(second.url).toBe(first.url);
    // The token issued before the restart still verifies, and the domain is still there.
    const read = await graph(second, access, '/domains/kept.contoso.com');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: 'kept.contoso.com', isVerified: created.body.isVerified });
    expect(await (await fetch(`${second.url}/common/discovery/v2.0/keys`)).json()).toEqual(jwks);
    // The refresh token issued before the restart redeems once (and rotates), as before.
    const refreshed = await token(second, CONTOSO.id, {
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: refreshToken,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(refreshToken);
    // The consent holds: client credentials still work without consenting again.
    await appToken(second, CONTOSO.id);
    await stop(second);

    // And the redeemed token stays redeemed after one more restart.
    const third = await start(port);
    const replay = await token(third, CONTOSO.id, {
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: refreshToken,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error_codes).toEqual([70008]);
    await stop(third);
  });

  it('keeps users, licences, directory roles and Teams objects across a restart', async () => {
    const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
    const first = await start();
    const port = Number(new URL(first.url).port);
    first.control.consent('contoso');
    const access = await appToken(first, CONTOSO.id);
    const user = await graph(first, access, '/users', {
      method: 'POST',
      body: {
        accountEnabled: true,
        displayName: 'Kept',
        mailNickname: 'kept',
        userPrincipalName: 'kept@contoso.com',
        usageLocation: 'DE',
        passwordProfile: { password: 'Xy7!kept-password' },
      },
    });
    expect(user.status).toBe(201);
    const licence = await graph(first, access, `/users/${user.body.id}/assignLicense`, {
      method: 'POST',
      body: { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] },
    });
    expect(licence.status).toBe(200);
    const delegated = await userToken(
      first,
      CONTOSO.id,
      contosoAdmin.userPrincipalName,
      contosoAdmin.password,
      'https://graph.microsoft.com/RoleManagement.ReadWrite.Directory',
    );
    const sp = (await graph(first, access, `/servicePrincipals(appId='${CLIENT_ID}')`)).body;
    const role = await graph(first, delegated, '/roleManagement/directory/roleAssignments', {
      method: 'POST',
      body: { principalId: sp.id, roleDefinitionId: TEAMS_ADMIN_ROLE, directoryScopeId: '/' },
    });
    expect(role.status).toBe(201);
    const teamsUsages = `${first.urls.teams}/Skype.Policy/configurations/OnlinePstnUsages/configuration/Global`;
    const teamsToken = await appToken(first, CONTOSO.id, TEAMS_DEFAULT);
    const usage = await fetch(teamsUsages, {
      method: 'PUT',
      headers: { authorization: `Bearer ${teamsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Usage: { Add: ['Kept usage'] } }),
    });
    expect(usage.status).toBe(200);
    await stop(first);

    const second = await start(port);
    const again = await appToken(second, CONTOSO.id);
    const kept = await graph(
      second,
      again,
      `/users/${user.body.id}?$select=id,userPrincipalName,assignedLicenses`,
    );
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({
      userPrincipalName: 'kept@contoso.com',
      assignedLicenses: [{ skuId: E3, disabledPlans: [] }],
    });
    // The new user signs in with the password it was created with.
    await userToken(
      second,
      CONTOSO.id,
      'kept@contoso.com',
      'Xy7!kept-password',
      'https://graph.microsoft.com/User.Read',
    );
    // The Teams admin role holds (a fresh Teams token carries it) and the PSTN usage is there.
    const teamsAgain = await appToken(second, CONTOSO.id, TEAMS_DEFAULT);
    const read = await fetch(teamsUsages, { headers: { authorization: `Bearer ${teamsAgain}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ Identity: 'Global', Usage: ['Kept usage'] });
    await stop(second);
  });

  it('without a state file, a restart starts from the seed', async () => {
    const first = await startM365Emulator();
    first.control.consent('contoso');
    const access = await appToken(first, CONTOSO.id);
    expect(
      (await graph(first, access, '/domains', { method: 'POST', body: { id: 'gone.contoso.com' } })).status,
    ).toBe(201);
    await first.stop();
    const second = await startM365Emulator();
    second.control.consent('contoso');
    const again = await appToken(second, CONTOSO.id);
    expect((await graph(second, again, '/domains/gone.contoso.com')).status).toBe(404);
    await second.stop();
  });

  for (const [what, content] of [
    ['not JSON', '{"format": "trunkline-m365-emulator", "vers'],
    ['another version', JSON.stringify({ format: 'trunkline-m365-emulator', version: 99, state: {} })],
    ['a bad shape', JSON.stringify({ format: 'trunkline-m365-emulator', version: 1, state: { tenants: 3 } })],
  ] as const) {
    it(`sets a file that is ${what} aside and starts fresh`, async () => {
      const first = await start();
      await stop(first);
      writeFileSync(file, content);
      const second = await start();
      const kept = readdirSync(path.dirname(file)).filter((f) => f.startsWith('m365.json.corrupt-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(path.join(path.dirname(file), kept[0]!), 'utf8')).toBe(content);
      // Fresh: the seed's tenants answer.
      second.control.consent('contoso');
      await appToken(second, CONTOSO.id);
      await stop(second);
      expect(existsSync(file)).toBe(true);
      expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    });
  }
});
