import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '../src/index.ts';
import { admin, b64json, CLIENT_ID, CLIENT_SECRET, CONTOSO, PUBLIC_CLIENT_ID, token } from './helpers.ts';

const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const TEAMS_COMMS_ADMIN = 'baf37b3a-610e-45da-9e62-d9d1e5e8914b';
const GROUP = '7d3c6a1e-2b54-4f0e-9a8d-1c2b3a4d5e6f';

/** An ID token for a user, through the resource-owner password grant (the emulator's shortest path). */
async function idToken(
  emu: M365Emulator,
  user: { userPrincipalName: string; password: string },
  client: Record<string, string>,
) {
  const r = await token(emu, CONTOSO.id, {
    grant_type: 'password',
    ...client,
    username: user.userPrincipalName,
    password: user.password,
    scope: 'openid profile User.Read',
  });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return b64json(r.body.id_token as string);
}

describe('ID token membership claims (wids, groups) as the app manifest asks for them', () => {
  let emu: M365Emulator;
  beforeAll(async () => {
    const seed = loadDefaultSeed();
    // Both apps admin-consented in contoso, so the password grant answers without an interactive step.
    seed.tenants.find((t) => t.name === 'contoso')!.consentedApps.push(CLIENT_ID, PUBLIC_CLIENT_ID);
    seed.tenants
      .find((t) => t.name === 'contoso')!
      .users.find((u) => u.userPrincipalName.startsWith('alice'))!.groups = [GROUP];
    emu = await startM365Emulator({ seed });
  });
  afterAll(() => emu.stop());
  const alice = CONTOSO.users.find((u) => u.userPrincipalName.startsWith('alice'))!;
  const provider = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET };

  it('carries the directory role template ids in wids when groupMembershipClaims includes DirectoryRole', async () => {
    const claims = await idToken(emu, admin(CONTOSO), provider);
    expect(claims.wids).toContain(GLOBAL_ADMIN);
    expect((await idToken(emu, alice, provider)).wids).toContain(TEAMS_COMMS_ADMIN);
    expect((await idToken(emu, alice, provider)).wids).not.toContain(GLOBAL_ADMIN);
  });

  it('carries the security groups in groups when groupMembershipClaims includes SecurityGroup', async () => {
    expect((await idToken(emu, alice, provider)).groups).toEqual([GROUP]);
    expect((await idToken(emu, admin(CONTOSO), provider)).groups).toEqual([]);
  });

  it('carries neither for an app whose manifest does not ask (the default None)', async () => {
    const claims = await idToken(emu, alice, { client_id: PUBLIC_CLIENT_ID });
    expect(claims.tid).toBe(CONTOSO.id);
    expect(claims).not.toHaveProperty('wids');
    expect(claims).not.toHaveProperty('groups');
  });
});
