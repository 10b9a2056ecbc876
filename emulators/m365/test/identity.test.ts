import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import {
  admin,
  b64json,
  CALLBACK,
  CLIENT_ID,
  CLIENT_SECRET,
  CONTOSO,
  expectAadError,
  FABRIKAM,
  GRAPH_DEFAULT,
  postForm,
  PUBLIC_CLIENT_ID,
  submitPage,
  token,
} from './helpers.ts';

let emu: M365Emulator;
beforeAll(async () => {
  emu = await startM365Emulator();
});
afterAll(() => emu.stop());
beforeEach(() => emu.control.reset());

const contosoAdmin = admin(CONTOSO);
const discover = (tenant = CONTOSO.id) =>
  client.discovery(new URL(`${emu.url}/${tenant}/v2.0`), CLIENT_ID, CLIENT_SECRET, undefined, {
    execute: [client.allowInsecureRequests],
  });

describe('OIDC metadata and keys', () => {
  it('lets openid-client discover a tenant by GUID, with endpoints under that tenant', async () => {
    const config = await discover();
    const md = config.serverMetadata();
    expect(md.issuer).toBe(`${emu.url}/${CONTOSO.id}/v2.0`);
    expect(md.token_endpoint).toBe(`${emu.url}/${CONTOSO.id}/oauth2/v2.0/token`);
    expect(md.device_authorization_endpoint).toBe(`${emu.url}/${CONTOSO.id}/oauth2/v2.0/devicecode`);
    expect(md.id_token_signing_alg_values_supported).toEqual(['RS256']);
  });

  it('serves metadata for a verified domain (GUID issuer) and for common/organizations (templated issuer)', async () => {
    const byDomain = (await (
      await fetch(`${emu.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`)
    ).json()) as any;
    expect(byDomain.issuer).toBe(`${emu.url}/${CONTOSO.id}/v2.0`);
    for (const seg of ['common', 'organizations']) {
      const md = (await (
        await fetch(`${emu.url}/${seg}/v2.0/.well-known/openid-configuration`)
      ).json()) as any;
      expect(md.issuer).toBe(`${emu.url}/{tenantid}/v2.0`);
      expect(md.token_endpoint).toBe(`${emu.url}/${seg}/oauth2/v2.0/token`);
    }
  });

  it('answers an unknown tenant with AADSTS90002', async () => {
    const res = await fetch(`${emu.url}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(400);
    expectAadError(await res.json(), 'invalid_tenant', 90002);
  });

  it('publishes an RS256 key whose kid signs the tokens', async () => {
    const jwks = (await (await fetch(`${emu.url}/${CONTOSO.id}/discovery/v2.0/keys`)).json()) as any;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', issuer: `${emu.url}/{tenantid}/v2.0` });
    expect(jwks.keys[0].kid).toBe(jwks.keys[0].x5t);
  });
});

describe('admin consent and client credentials', () => {
  it('refuses client credentials before consent (no service principal) with AADSTS7000229', async () => {
    const r = await token(emu, CONTOSO.id, {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: GRAPH_DEFAULT,
    });
    expect(r.status).toBe(401);
    expectAadError(r.body, 'invalid_client', 7000229);
  });

  it('runs v2 admin consent through the page and then issues app tokens verifiable with the JWKS', async () => {
    const url = `${emu.url}/organizations/v2.0/adminconsent?${new URLSearchParams({ client_id: CLIENT_ID, scope: GRAPH_DEFAULT, redirect_uri: CALLBACK, state: 's-123' })}`;
    const r = await submitPage(url, {
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      action: 'accept',
    });
    expect(r.pageHtml).toContain('Domain.ReadWrite.All');
    expect(r.status).toBe(302);
    const back = new URL(r.location!);
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      admin_consent: 'True',
      tenant: CONTOSO.id,
      scope: GRAPH_DEFAULT,
      state: 's-123',
    });

    const config = await discover();
    const tokens = await client.clientCredentialsGrant(config, { scope: GRAPH_DEFAULT });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(3000);
    expect(tokens.refresh_token).toBeUndefined();
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    // A v1.0 access token, as Graph's are: the STS issuer, appid (no azp), ver 1.0.
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: `https://sts.windows.net/${CONTOSO.id}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(protectedHeader.alg).toBe('RS256');
    const sp = emu.control.tenant('contoso').servicePrincipals.find((s) => s.appId === CLIENT_ID)!;
    expect(payload).toMatchObject({
      tid: CONTOSO.id,
      oid: sp.id,
      sub: sp.id,
      appid: CLIENT_ID,
      appidacr: '1',
      ver: '1.0',
      idtyp: 'app',
    });
    expect(payload.azp).toBeUndefined();
    expect(payload.azpacr).toBeUndefined();
    // App-only tokens carry the default role of service principals even without assigned roles.
    expect(payload.wids).toEqual(['0997a1d0-0d1d-4acb-b408-d5ca73121e90']);
    expect(payload.roles).toEqual(
      expect.arrayContaining([
        'Domain.ReadWrite.All',
        'User.ReadWrite.All',
        'LicenseAssignment.ReadWrite.All',
      ]),
    );
    expect(payload.scp).toBeUndefined();
  });

  it('supports the v1 admin consent endpoint on common, and cancel answers permission_denied', async () => {
    const q = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: CALLBACK, state: 'v1' });
    const ok = await submitPage(`${emu.url}/common/adminconsent?${q}`, {
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      action: 'accept',
    });
    expect(Object.fromEntries(new URL(ok.location!).searchParams)).toEqual({
      tenant: CONTOSO.id,
      state: 'v1',
      admin_consent: 'True',
    });
    const cancel = await submitPage(`${emu.url}/common/adminconsent?${q}`, { action: 'cancel' });
    expect(new URL(cancel.location!).searchParams.get('error')).toBe('permission_denied');
  });

  it('redirects a v2 cancel with access_denied and the state; a non-admin cannot consent for the organization', async () => {
    const q = new URLSearchParams({
      client_id: CLIENT_ID,
      scope: GRAPH_DEFAULT,
      redirect_uri: CALLBACK,
      state: 'x',
    });
    const cancel = await submitPage(`${emu.url}/${CONTOSO.id}/v2.0/adminconsent?${q}`, { action: 'cancel' });
    const params = new URL(cancel.location!).searchParams;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADSTS65004:/);
    expect(params.get('state')).toBe('x');
    const alice = CONTOSO.users.find((u) => u.userPrincipalName.startsWith('alice'))!;
    const denied = await submitPage(`${emu.url}/${CONTOSO.id}/v2.0/adminconsent?${q}`, {
      username: alice.userPrincipalName,
      password: alice.password,
      action: 'accept',
    });
    expect(denied.status).toBe(200);
    expect(denied.html).toContain('AADSTS90094');
    expect(emu.control.tenant('contoso').servicePrincipals.some((s) => s.appId === CLIENT_ID)).toBe(false);
  });

  it('shows a page (not a redirect) for an unregistered redirect URI', async () => {
    const q = new URLSearchParams({
      client_id: CLIENT_ID,
      scope: GRAPH_DEFAULT,
      redirect_uri: 'https://evil.example/cb',
    });
    const res = await fetch(`${emu.url}/${CONTOSO.id}/v2.0/adminconsent?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS50011');
  });

  it('enforces /.default, a single resource, known resources and the right secret', async () => {
    emu.control.consent('contoso');
    const base = { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET };
    const cases: [Record<string, string>, number, string, number][] = [
      [{ scope: 'https://graph.microsoft.com/User.Read.All' }, 400, 'invalid_scope', 1002012],
      [
        { scope: `${GRAPH_DEFAULT} 48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default` },
        400,
        'invalid_scope',
        70011,
      ],
      [{ scope: 'api://not-a-resource/.default' }, 400, 'invalid_resource', 500011],
      [{ scope: GRAPH_DEFAULT, client_secret: 'wrong' }, 401, 'invalid_client', 7000215],
      [
        { scope: GRAPH_DEFAULT, client_id: '00000000-0000-0000-0000-000000000001' },
        400,
        'unauthorized_client',
        700016,
      ],
    ];
    for (const [extra, status, error, code] of cases) {
      const r = await token(emu, CONTOSO.id, { ...base, ...extra });
      expect(r.status, JSON.stringify(extra)).toBe(status);
      expectAadError(r.body, error, code);
    }
    const basic = await postForm(
      `${emu.url}/${CONTOSO.id}/oauth2/v2.0/token`,
      { grant_type: 'client_credentials', scope: GRAPH_DEFAULT },
      {
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`,
      },
    );
    expect(basic.status).toBe(200);
  });

  it('issues a Teams admin API token with the service principal directory roles in wids', async () => {
    const sp = emu.control.consent('contoso');
    const before = b64json(
      (
        await token(emu, CONTOSO.id, {
          grant_type: 'client_credentials',
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          scope: '48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default',
        })
      ).body.access_token,
    );
    expect(before.aud).toBe('48ac35b8-9aa8-4d74-927d-1f4a14a0b239');
    expect(before).toMatchObject({ iss: `https://sts.windows.net/${CONTOSO.id}/`, ver: '1.0' });
    expect(before.wids).toEqual(['0997a1d0-0d1d-4acb-b408-d5ca73121e90']);
    expect(sp.appId).toBe(CLIENT_ID);
  });
});

describe('resource owner password credentials', () => {
  it('issues a delegated token with scp and wids after consent', async () => {
    emu.control.consent('contoso');
    const r = await token(emu, 'organizations', {
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      scope: 'https://graph.microsoft.com/RoleManagement.ReadWrite.Directory offline_access',
    });
    expect(r.status).toBe(200);
    expect(r.body.refresh_token).toEqual(expect.any(String));
    const claims = b64json(r.body.access_token);
    expect(claims).toMatchObject({
      tid: CONTOSO.id,
      oid: contosoAdmin.id,
      scp: 'RoleManagement.ReadWrite.Directory',
      idtyp: 'user',
      upn: contosoAdmin.userPrincipalName,
    });
    expect(claims.wids).toContain('62e90394-69f5-4237-9190-012177145e10');
  });

  it('rejects a wrong password with AADSTS50126 and an MFA user with AADSTS50076 interaction_required', async () => {
    const base = {
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: GRAPH_DEFAULT,
    };
    const wrong = await token(emu, CONTOSO.id, {
      ...base,
      username: contosoAdmin.userPrincipalName,
      password: 'nope',
    });
    expect(wrong.status).toBe(400);
    expectAadError(wrong.body, 'invalid_grant', 50126);
    const fab = admin(FABRIKAM);
    const mfa = await token(emu, FABRIKAM.id, {
      ...base,
      username: fab.userPrincipalName,
      password: fab.password,
    });
    expect(mfa.status).toBe(400);
    expectAadError(mfa.body, 'interaction_required', 50076);
    const common = await token(emu, 'common', {
      ...base,
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
    });
    expectAadError(common.body, 'invalid_request', 9001023);
  });

  it('needs consent first (AADSTS65001)', async () => {
    const r = await token(emu, CONTOSO.id, {
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      scope: 'User.Read',
    });
    expectAadError(r.body, 'invalid_grant', 65001);
  });
});

describe('authorization code with PKCE, refresh rotation', () => {
  const startLogin = async (
    scope = 'openid profile offline_access User.Read',
    loginHint = contosoAdmin.userPrincipalName,
  ) => {
    const config = await discover();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: loginHint,
    });
    return { config, verifier, state, nonce, url };
  };

  it('signs in through the page (login_hint prefilled), redeems the code with openid-client and rotates refresh tokens', async () => {
    const { config, verifier, state, nonce, url } = await startLogin(
      'openid profile offline_access User.Read 48ac35b8-9aa8-4d74-927d-1f4a14a0b239/user_impersonation',
    );
    const r = await submitPage(url.href, {
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      action: 'accept',
      consent_org: 'true',
    });
    expect(r.pageHtml).toContain(`value="${contosoAdmin.userPrincipalName}"`);
    expect(r.status).toBe(302);
    const tokens = await client.authorizationCodeGrant(config, new URL(r.location!), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.claims()).toMatchObject({
      tid: CONTOSO.id,
      oid: contosoAdmin.id,
      preferred_username: contosoAdmin.userPrincipalName,
      aud: CLIENT_ID,
      nonce,
    });
    expect(b64json(tokens.access_token)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      scp: 'User.Read openid profile',
      amr: ['pwd'],
    });

    const first = tokens.refresh_token!;
    const refreshed = await client.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first);
    const reuse = await token(emu, CONTOSO.id, {
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: first,
    });
    expect(reuse.status).toBe(400);
    expectAadError(reuse.body, 'invalid_grant', 70008);
    const next = await token(emu, CONTOSO.id, {
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: refreshed.refresh_token!,
      scope: '48ac35b8-9aa8-4d74-927d-1f4a14a0b239/user_impersonation offline_access',
    });
    expect(next.status).toBe(200);
    expect(b64json(next.body.access_token)).toMatchObject({
      aud: '48ac35b8-9aa8-4d74-927d-1f4a14a0b239',
      scp: 'user_impersonation',
    });
  });

  it('rejects a wrong code_verifier (AADSTS501481) and a second redemption (AADSTS54005)', async () => {
    const { verifier, url } = await startLogin();
    const r = await submitPage(url.href, {
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      action: 'accept',
    });
    const code = new URL(r.location!).searchParams.get('code')!;
    const redeem = (code_verifier: string) =>
      token(emu, CONTOSO.id, {
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code,
        redirect_uri: CALLBACK,
        code_verifier,
      });
    const bad = await redeem(client.randomPKCECodeVerifier());
    expect(bad.status).toBe(400);
    expectAadError(bad.body, 'invalid_grant', 501481);
    expect((await redeem(verifier)).status).toBe(200);
    expectAadError((await redeem(verifier)).body, 'invalid_grant', 54005);
  });

  it('asks an MFA user for the verification code and records mfa in amr', async () => {
    const fab = admin(FABRIKAM);
    const config = await client.discovery(
      new URL(`${emu.url}/${FABRIKAM.id}/v2.0`),
      CLIENT_ID,
      CLIENT_SECRET,
      undefined,
      { execute: [client.allowInsecureRequests] },
    );
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const creds = { username: fab.userPrincipalName, password: fab.password, action: 'accept' };
    const ask = await submitPage(url.href, creds);
    expect(ask.status).toBe(200);
    expect(ask.html).toContain('multi-factor authentication');
    const ok = await submitPage(url.href, { ...creds, otp: fab.mfaCode! });
    expect(ok.status).toBe(302);
    const tokens = await client.authorizationCodeGrant(config, new URL(ok.location!), {
      pkceCodeVerifier: verifier,
    });
    expect(b64json(tokens.access_token).amr).toEqual(['pwd', 'mfa']);
  });

  it('redirects cancel and prompt=none with errors and the state', async () => {
    const { url } = await startLogin();
    const cancel = await submitPage(url.href, { action: 'cancel' });
    const p = new URL(cancel.location!).searchParams;
    expect(p.get('error')).toBe('access_denied');
    expect(p.get('state')).toBe(url.searchParams.get('state'));
    url.searchParams.set('prompt', 'none');
    const silent = await fetch(url, { redirect: 'manual' });
    expect(new URL(silent.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });
});

describe('device code', () => {
  it('answers authorization_pending until the user enters the code, then issues tokens (public client)', async () => {
    const dc = (await (
      await postForm(`${emu.url}/organizations/oauth2/v2.0/devicecode`, {
        client_id: PUBLIC_CLIENT_ID,
        scope: 'openid offline_access User.Read',
      })
    ).json()) as any;
    expect(dc).toMatchObject({ verification_uri: `${emu.url}/devicelogin`, expires_in: 900, interval: 5 });
    expect(dc.message).toContain(dc.user_code);
    const poll = () =>
      token(emu, 'organizations', {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: PUBLIC_CLIENT_ID,
        device_code: dc.device_code,
      });
    const pending = await poll();
    expect(pending.status).toBe(400);
    expectAadError(pending.body, 'authorization_pending', 70016);
    const page = await postForm(`${emu.url}/devicelogin`, {
      user_code: dc.user_code.toLowerCase(),
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      action: 'accept',
    });
    expect(await page.text()).toContain('You have signed in');
    const done = await poll();
    expect(done.status).toBe(200);
    expect(b64json(done.body.access_token)).toMatchObject({
      tid: CONTOSO.id,
      appid: PUBLIC_CLIENT_ID,
      appidacr: '0',
      ver: '1.0',
    });
    expect(done.body.refresh_token).toEqual(expect.any(String));
  });
});

describe('refresh token reuse (Entra keeps a redeemed refresh token valid)', () => {
  const ropc = (e: M365Emulator) =>
    token(e, 'organizations', {
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      scope: 'https://graph.microsoft.com/User.Read offline_access',
    });
  const redeem = (e: M365Emulator, refreshToken: string) =>
    token(e, CONTOSO.id, {
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: refreshToken,
    });

  it('is refused by default (single use) and accepted with refreshTokenReuse, each answer a new token', async () => {
    const reusing = await startM365Emulator({ refreshTokenReuse: true });
    try {
      for (const [e, reuse] of [
        [emu, false],
        [reusing, true],
      ] as const) {
        e.control.consent('contoso');
        const first = (await ropc(e)).body.refresh_token as string;
        const once = await redeem(e, first);
        expect(once.status).toBe(200);
        expect(once.body.refresh_token).not.toBe(first);
        const again = await redeem(e, first);
        if (reuse) {
          expect(again.status).toBe(200);
          expect(again.body.refresh_token).not.toBe(first);
          expect(again.body.refresh_token).not.toBe(once.body.refresh_token);
        } else {
          expect(again.status).toBe(400);
          expectAadError(again.body, 'invalid_grant', 70008);
        }
      }
    } finally {
      await reusing.stop();
    }
  });
});
