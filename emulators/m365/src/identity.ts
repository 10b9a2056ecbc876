import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import {
  CONSENT_ADMIN_ROLES,
  ACCESS_TOKEN_ISSUER_BASE,
  APP_DEFAULT_ROLE,
  DEFAULT_USER_ROLE,
  GRAPH,
  needsAdminConsent,
  OIDC_SCOPES,
  type Resource,
} from './catalog.ts';
import type { Emu } from './context.ts';
import { aad, EmulatorError, identityErrorBody, route, type Ctx, type Reply, type Route } from './http.ts';
import { formPostPage, messagePage, signInPage } from './pages.ts';
import type { App, Tenant, User } from './state.ts';
import { newOpaqueToken, opaqueClaims, pairwiseSub } from './tokens.ts';
import { appNotFoundMessage, appTokenReplicating } from './replication.ts';

/** AADSTS900144, Entra's answer when a required parameter is absent. */
const missingParameter = (name: string) =>
  aad(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

/**
 * Microsoft identity platform v2 (login.microsoftonline.com): metadata, keys, token, authorize, admin consent and
 * device code. Sources: reference §2 (flows, claims) and the AADSTS codes Microsoft publishes. Error texts follow
 * Microsoft's where known; the rest are the emulator's own wording (see README).
 */

type TenantRef = { kind: 'tenant'; tenant: Tenant } | { kind: 'common' | 'organizations' };
type ParsedScopes = { oidc: string[]; resources: { resource: Resource; names: string[] }[] };

const CODE_LIFETIME_MS = 10 * 60_000;
const DEVICE_CODE_LIFETIME_S = 900;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/**
 * Entra puts `wids` (directory role template ids) and `groups` (security group ids) into ID tokens only when the
 * app's manifest asks for them through `groupMembershipClaims` (DirectoryRole / SecurityGroup, or All).
 */
const CA_BLOCKED =
  'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.';

export const membershipClaims = (
  setting: string | undefined,
  of: { wids: string[]; groups: string[] },
): { wids?: string[]; groups?: string[] } => {
  const asked = new Set((setting ?? 'None').split(',').map((v) => v.trim().toLowerCase()));
  const all = asked.has('all');
  return {
    ...(all || asked.has('directoryrole') ? { wids: of.wids } : {}),
    ...(all || asked.has('securitygroup') ? { groups: of.groups } : {}),
  };
};

const CONSENT_DECLINED = 'User declined to consent to access the app.';
const EXPIRED_GRANT =
  'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.';

const splitScopes = (s: string | null | undefined) => (s ?? '').split(/[\s+]+/).filter(Boolean);
const ci = (list: string[], s: string) => list.find((x) => x.toLowerCase() === s.toLowerCase());

/** Entra matches redirect URIs exactly, except that the port of an http loopback URI is ignored (and v1 admin consent allows extra path segments). */
export const redirectUriMatches = (registered: string, requested: string, allowExtraPath = false) => {
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  if (
    a.protocol !== b.protocol ||
    a.hostname.toLowerCase() !== b.hostname.toLowerCase() ||
    a.search !== b.search
  )
    return false;
  const loopback = a.protocol === 'http:' && LOOPBACK.has(a.hostname.toLowerCase());
  if (!loopback && a.port !== b.port) return false;
  const pa = a.pathname.replace(/\/$/, '');
  const pb = b.pathname.replace(/\/$/, '');
  return pa === pb || (allowExtraPath && pb.startsWith(`${pa}/`));
};

const safeEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export const identityRoutes = (emu: Emu): Route[] => {
  const { world } = emu;
  const issuerFor = (tid: string) => `${emu.baseUrl}/${tid}/v2.0`;
  /**
   * Access tokens for Graph and the Teams admin API are v1.0 tokens on the real service (their resources accept
   * v1.0 only: `accessTokenAcceptedVersion` null): `iss` is the Security Token Service's v1 issuer, `ver` 1.0, the
   * client in `appid`/`appidacr` and never `azp`/`azpacr` (reference §2.9; Microsoft's access-token claims
   * reference). ID tokens stay v2.0 (`issuerFor`). The v1 issuer is Microsoft's own host even in the emulator: it
   * names, it is not fetched.
   */
  const accessIssuerFor = (tid: string) => `${ACCESS_TOKEN_ISSUER_BASE}${tid}/`;
  /** AADSTS53003, Microsoft's text, with the claims challenge of the policy that blocked the sign-in. */
  const conditionalAccessBlocked = (tenantId: string) =>
    aad(400, 'invalid_grant', 53003, CA_BLOCKED, {
      suberror: 'message_only',
      claims: claimsChallenge(tenantId),
    });
  /** The verified domain a user name is on (its realm). */
  const realmOf = (tenant: Tenant, upn: string) => {
    const domain = upn.split('@').pop()!.toLowerCase();
    return tenant.domains.find((d) => d.isVerified && d.id === domain);
  };
  /**
   * The `claims` challenge of a Conditional Access error: the policy ids a client passes back (as `claims`) in an
   * interactive request. One stable id per tenant here.
   */
  const claimsChallenge = (tenantId: string) =>
    JSON.stringify({
      access_token: {
        capolids: {
          essential: true,
          values: [
            createHash('sha256')
              .update(`ca:${tenantId}`)
              .digest('hex')
              .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5'),
          ],
        },
      },
    });
  const lifetime = () => emu.settings.accessTokenLifetimeSeconds;

  const notFoundTenant = (seg: string, error: string) =>
    aad(
      400,
      error,
      90002,
      `Tenant '${seg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );

  /** `{tenant}` path segment: a tenant GUID, a verified domain, `common` or `organizations` (no personal accounts here). */
  const resolveRef = (seg: string, error = 'invalid_request'): TenantRef => {
    const s = seg.toLowerCase();
    if (s === 'common' || s === 'organizations') return { kind: s };
    if (s === 'consumers')
      throw aad(
        400,
        'invalid_request',
        9002331,
        'Application is configured for use by Microsoft Entra users only. Please do not use the /consumers endpoint to serve this request.',
      );
    const tenant = world.tenants.find((t) => t.id === s || t.domains.some((d) => d.isVerified && d.id === s));
    if (!tenant) throw notFoundTenant(seg, error);
    return { kind: 'tenant', tenant };
  };

  const parseScopes = (scopes: string[], tenantName: string): ParsedScopes => {
    const out: ParsedScopes = { oidc: [], resources: [] };
    for (const raw of scopes) {
      if (OIDC_SCOPES.has(raw.toLowerCase())) {
        out.oidc.push(raw.toLowerCase());
        continue;
      }
      const i = raw.lastIndexOf('/');
      const resource = i < 0 ? GRAPH : world.resolveResource(raw.slice(0, i));
      if (!resource)
        throw aad(
          400,
          'invalid_resource',
          500011,
          `The resource principal named ${raw.slice(0, i)} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
        );
      const name = i < 0 ? raw : raw.slice(i + 1);
      let entry = out.resources.find((r) => r.resource === resource);
      if (!entry) out.resources.push((entry = { resource, names: [] }));
      if (!ci(entry.names, name)) entry.names.push(name);
    }
    return out;
  };

  const scopeString = (resource: Resource, names: string[]) =>
    names.map((n) => (resource === GRAPH ? n : `${resource.identifierUris[0] ?? resource.appId}/${n}`));

  const configuredScopes = (app: App, resource: Resource) =>
    app.requiredResourceAccess
      .filter((r) => world.resolveResource(r.resource) === resource)
      .flatMap((r) => r.scopes);

  // ---------------------------------------------------------------- client authentication

  const authenticateClient = (ctx: Ctx, form: URLSearchParams, ref: TenantRef, requireSecret: boolean) => {
    let clientId = form.get('client_id');
    let secret = form.get('client_secret');
    const auth = ctx.req.headers.authorization;
    if (auth?.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      const basicId = dec(decoded.slice(0, i < 0 ? decoded.length : i));
      if (clientId && clientId !== basicId)
        throw aad(
          400,
          'invalid_request',
          900144,
          "The 'client_id' in the request body does not match the one in the Authorization header.",
        );
      clientId = basicId;
      secret = i < 0 ? '' : dec(decoded.slice(i + 1));
    }
    if (!clientId) throw missingParameter('client_id');
    const app = world.findApp(clientId);
    if (!app) throw appNotFound(clientId, ref);
    if (form.has('client_assertion'))
      throw aad(
        401,
        'invalid_client',
        700027,
        'Client assertions (certificate credentials) are not emulated; use client_secret.',
      );
    if (app.publicClient) {
      if (secret)
        throw aad(
          401,
          'invalid_client',
          700025,
          "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        );
      if (requireSecret)
        throw aad(
          401,
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
      return { app, azpacr: '0' as const };
    }
    if (!secret)
      throw aad(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    if (!app.clientSecrets.some((s) => safeEqual(s, secret)))
      throw aad(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`,
      );
    return { app, azpacr: '1' as const };
  };

  const appNotFound = (clientId: string, ref: TenantRef) =>
    aad(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${ref.kind === 'tenant' ? ref.tenant.displayName : ref.kind}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );

  const consentRequired = (app: App) =>
    aad(
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${app.appId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
      { suberror: 'consent_required' },
    );

  // ---------------------------------------------------------------- token issuance

  const userTokens = async (a: {
    tenant: Tenant;
    user: User;
    app: App;
    azpacr: '0' | '1';
    scopes: string[];
    nonce?: string | undefined;
    amr: string[];
    authTime: number;
    multiResource: 'first' | 'error';
  }) => {
    const { tenant, user, app } = a;
    const parsed = parseScopes(a.scopes, tenant.displayName);
    if (parsed.resources.length > 1 && a.multiResource === 'error')
      throw aad(
        400,
        'invalid_scope',
        28000,
        `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${a.scopes.join(' ')} is not valid.`,
      );
    const target = parsed.resources[0] ?? { resource: GRAPH, names: [] };
    if (!tenant.servicePrincipals.some((s) => s.appId === app.appId)) throw consentRequired(app);
    const granted = world
      .grantedScopes(tenant, app.appId, target.resource.appId, user.id)
      .filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
    let scp: string[];
    if (target.names.includes('.default')) {
      scp = granted;
      if (!scp.length) throw consentRequired(app);
    } else if (!target.names.length) {
      scp = granted.filter((s) => s.toLowerCase() === 'user.read');
    } else {
      scp = target.names.map((n) => ci(granted, n) ?? '');
      if (scp.includes('')) throw consentRequired(app);
    }
    const tokenScp =
      target.resource === GRAPH ? [...scp, ...parsed.oidc.filter((s) => s !== 'offline_access')] : scp;
    const iss = issuerFor(tenant.id);
    const roles = world.rolesOf(tenant, user.id);
    const opaque = opaqueClaims();
    const access = await emu.signer.sign(
      {
        aud: target.resource.audience,
        iss: accessIssuerFor(tenant.id),
        ...opaque,
        amr: a.amr,
        app_displayname: app.displayName,
        appid: app.appId,
        appidacr: a.azpacr,
        auth_time: a.authTime,
        idtyp: 'user',
        name: user.displayName,
        oid: user.id,
        scp: tokenScp.join(' '),
        sub: pairwiseSub(user.id, app.appId),
        tid: tenant.id,
        unique_name: user.userPrincipalName,
        upn: user.userPrincipalName,
        ver: '1.0',
        wids: [...roles, DEFAULT_USER_ROLE],
      },
      lifetime(),
    );
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...scopeString(target.resource, scp), ...parsed.oidc].join(' '),
      expires_in: lifetime(),
      ext_expires_in: lifetime(),
      access_token: access,
    };
    if (parsed.oidc.includes('openid')) {
      const profile = parsed.oidc.includes('profile');
      body.id_token = await emu.signer.sign(
        {
          aud: app.appId,
          iss,
          ...opaque,
          sub: pairwiseSub(user.id, app.appId),
          ver: '2.0',
          ...(a.nonce ? { nonce: a.nonce } : {}),
          ...(profile
            ? {
                name: user.displayName,
                preferred_username: user.userPrincipalName,
                oid: user.id,
                tid: tenant.id,
              }
            : {}),
          ...(parsed.oidc.includes('email') && user.mail ? { email: user.mail } : {}),
          ...membershipClaims(app.groupMembershipClaims, {
            wids: [...roles, DEFAULT_USER_ROLE],
            groups: user.groups ?? [],
          }),
        },
        3600,
      );
    }
    if (parsed.oidc.includes('offline_access')) {
      const rt = newOpaqueToken('1.A');
      emu.refreshTokens.set(rt, {
        clientId: app.appId,
        tenantId: tenant.id,
        userId: user.id,
        scopes: a.scopes,
        amr: a.amr,
        authTime: a.authTime,
        used: false,
      });
      body.refresh_token = rt;
    }
    return body;
  };

  const userById = (tenantId: string, userId: string) => {
    const tenant = world.tenants.find((t) => t.id === tenantId);
    const user = tenant?.users.find((u) => u.id === userId);
    if (!tenant || !user)
      throw aad(
        400,
        'invalid_grant',
        50034,
        'The user account does not exist in the directory. To sign into this application, the account must be added to the directory.',
      );
    if (!user.accountEnabled) throw aad(400, 'invalid_grant', 50057, 'The user account is disabled.');
    return { tenant, user };
  };

  const checkTenantMatches = (ref: TenantRef, tenantId: string) => {
    if (ref.kind === 'tenant' && ref.tenant.id !== tenantId)
      throw aad(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
  };

  // ---------------------------------------------------------------- grants

  const clientCredentials = async (ref: TenantRef, form: URLSearchParams, app: App) => {
    if (ref.kind !== 'tenant')
      throw aad(
        400,
        'invalid_request',
        50059,
        'No tenant-identifying information found in either the request or implied by any provided credentials.',
      );
    const tenant = ref.tenant;
    const scopes = splitScopes(form.get('scope'));
    if (!scopes.length) throw missingParameter('scope');
    for (const s of scopes) {
      if (!s.endsWith('/.default'))
        throw aad(
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${s} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
    }
    if (scopes.length > 1)
      throw aad(
        400,
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope ${scopes.join(' ')} is not valid.`,
      );
    const resource = parseScopes(scopes, tenant.displayName).resources[0]!.resource;
    const sp = tenant.servicePrincipals.find((s) => s.appId === app.appId);
    if (!sp)
      throw aad(
        401,
        'invalid_client',
        7000229,
        `The client application ${app.appId} is missing service principal in the tenant ${tenant.id}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
      );
    // A freshly consented app: the token service does not know its service principal yet (replication.ts).
    if (appTokenReplicating(emu.replication, tenant, sp))
      throw aad(400, 'unauthorized_client', 700016, appNotFoundMessage(app, tenant));
    const roles = sp.appRoles.filter((r) => r.resourceAppId === resource.appId).map((r) => r.value);
    const wids = world.rolesOf(tenant, sp.id);
    const iss = accessIssuerFor(tenant.id);
    const token = await emu.signer.sign(
      {
        aud: resource.audience,
        iss,
        ...opaqueClaims(),
        app_displayname: app.displayName,
        appid: app.appId,
        appidacr: '1',
        idp: iss,
        idtyp: 'app',
        oid: sp.id,
        ...(roles.length ? { roles } : {}),
        sub: sp.id,
        tid: tenant.id,
        ver: '1.0',
        // App-only tokens always carry the service principals' default role, with any assigned roles.
        wids: [...wids, APP_DEFAULT_ROLE],
      },
      lifetime(),
    );
    return { token_type: 'Bearer', expires_in: lifetime(), ext_expires_in: lifetime(), access_token: token };
  };

  const passwordGrant = async (ref: TenantRef, form: URLSearchParams, app: App, azpacr: '0' | '1') => {
    if (ref.kind === 'common')
      throw aad(
        400,
        'invalid_request',
        9001023,
        'The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.',
      );
    const username = form.get('username');
    const password = form.get('password');
    if (!username) throw missingParameter('username');
    if (!password) throw missingParameter('password');
    const scopes = splitScopes(form.get('scope'));
    if (!scopes.length) throw missingParameter('scope');
    const found = world.findUserByUpn(username);
    const tenantName = ref.kind === 'tenant' ? ref.tenant.displayName : username.split('@')[1];
    if (!found || (ref.kind === 'tenant' && found.tenant !== ref.tenant))
      throw aad(
        400,
        'invalid_grant',
        50034,
        `The user account {EmailHidden} does not exist in the ${tenantName} directory. To sign into this application, the account must be added to the directory.`,
      );
    const { tenant, user } = found;
    // ROPC is not supported for users of a federated domain (reference §2.8): the identity platform cannot check
    // a password the federation server holds. Entra's answer for them is reported as 50126 (sign-in logs: "Invalid
    // on-premise username or password"); clients learn the domain is federated from home realm discovery
    // (`userRealm` below), as MSAL does before a password grant.
    if (
      realmOf(tenant, user.userPrincipalName)?.authenticationType === 'Federated' ||
      !safeEqual(user.password, password)
    )
      throw aad(
        400,
        'invalid_grant',
        50126,
        'Error validating credentials due to invalid username or password.',
      );
    if (!user.accountEnabled) throw aad(400, 'invalid_grant', 50057, 'The user account is disabled.');
    if (user.conditionalAccess === 'block') throw conditionalAccessBlocked(tenant.id);
    if (user.mfaCode) {
      const resource = parseScopes(scopes, tenant.displayName).resources[0]?.resource ?? GRAPH;
      throw aad(
        400,
        'interaction_required',
        50076,
        `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource.appId}'.`,
        // A Conditional Access error carries the claims challenge a client must send back interactively.
        { suberror: 'basic_action', claims: claimsChallenge(tenant.id) },
      );
    }
    return userTokens({
      tenant,
      user,
      app,
      azpacr,
      scopes,
      amr: ['pwd'],
      authTime: Math.floor(Date.now() / 1000),
      multiResource: 'error',
    });
  };

  const authorizationCodeGrant = async (
    ref: TenantRef,
    form: URLSearchParams,
    app: App,
    azpacr: '0' | '1',
  ) => {
    const code = form.get('code');
    if (!code) throw missingParameter('code');
    const redirectUri = form.get('redirect_uri');
    if (!redirectUri) throw missingParameter('redirect_uri');
    const entry = emu.codes.get(code);
    if (!entry) throw aad(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (entry.used)
      throw aad(
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    if (Date.now() > entry.expiresAt) throw aad(400, 'invalid_grant', 70008, EXPIRED_GRANT);
    if (entry.clientId !== app.appId)
      throw aad(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
    checkTenantMatches(ref, entry.tenantId);
    if (entry.redirectUri !== redirectUri)
      throw aad(
        400,
        'invalid_grant',
        500112,
        `The reply address '${redirectUri}' does not match the reply address '${entry.redirectUri}' provided when requesting Authorization code.`,
      );
    if (entry.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier)
        throw aad(
          400,
          'invalid_grant',
          50148,
          'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
        );
      const computed =
        entry.codeChallengeMethod === 'S256'
          ? createHash('sha256').update(verifier).digest('base64url')
          : verifier;
      if (computed !== entry.codeChallenge)
        throw aad(
          400,
          'invalid_grant',
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        );
    }
    entry.used = true;
    const { tenant, user } = userById(entry.tenantId, entry.userId);
    return userTokens({
      tenant,
      user,
      app,
      azpacr,
      scopes: entry.scopes,
      nonce: entry.nonce,
      amr: entry.amr,
      authTime: entry.authTime,
      multiResource: 'first',
    });
  };

  const refreshGrant = async (ref: TenantRef, form: URLSearchParams, app: App, azpacr: '0' | '1') => {
    const rt = form.get('refresh_token');
    if (!rt) throw missingParameter('refresh_token');
    const entry = emu.refreshTokens.get(rt);
    if (!entry) throw aad(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    // Rotation: each refresh token is single-use in the emulator (Entra keeps old ones valid; stricter on purpose)
    // unless started with `refreshTokenReuse`.
    if (entry.used && !emu.refreshTokenReuse) throw aad(400, 'invalid_grant', 70008, EXPIRED_GRANT);
    if (entry.clientId !== app.appId)
      throw aad(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
    checkTenantMatches(ref, entry.tenantId);
    const { tenant, user } = userById(entry.tenantId, entry.userId);
    const requested = splitScopes(form.get('scope'));
    const scopes = requested.length ? requested : [...entry.scopes];
    if (!ci(scopes, 'offline_access')) scopes.push('offline_access');
    // Redeemed at once, before anything is awaited: two requests with the same token at the same moment get one
    // answer and one AADSTS70008, not two answers.
    entry.used = true;
    // Without `scope` the original request's scopes apply, and with them its first resource (as for the code).
    const body = await userTokens({
      tenant,
      user,
      app,
      azpacr,
      scopes,
      amr: entry.amr,
      authTime: entry.authTime,
      multiResource: requested.length ? 'error' : 'first',
    });
    return body;
  };

  const deviceCodeGrant = async (ref: TenantRef, form: URLSearchParams, app: App, azpacr: '0' | '1') => {
    const code = form.get('device_code');
    if (!code) throw missingParameter('device_code');
    const entry = emu.deviceCodes.get(code);
    if (!entry || entry.clientId !== app.appId)
      throw aad(
        400,
        'bad_verification_code',
        70018,
        'Invalid verification code due to User typing in wrong user code for device code flow. Authorization is not approved.',
      );
    if (entry.status === 'redeemed')
      throw aad(400, 'invalid_grant', 54005, 'The device code was already redeemed.');
    if (Date.now() > entry.expiresAt)
      throw aad(400, 'expired_token', 70019, 'Verification code expired. Have the user retry the sign-in.');
    if (entry.status === 'declined')
      throw aad(400, 'authorization_declined', 70000, 'The end user denied the authorization request.');
    if (entry.status === 'pending')
      throw aad(
        400,
        'authorization_pending',
        70016,
        'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
      );
    checkTenantMatches(ref, entry.tenantId!);
    const { tenant, user } = userById(entry.tenantId!, entry.userId!);
    entry.status = 'redeemed';
    return userTokens({
      tenant,
      user,
      app,
      azpacr,
      scopes: entry.scopes,
      amr: entry.amr!,
      authTime: entry.authTime!,
      multiResource: 'first',
    });
  };

  const token = async (ctx: Ctx): Promise<Reply> => {
    const ref = resolveRef(ctx.params.tenant!);
    if (ref.kind === 'tenant') ctx.tenantId = ref.tenant.id;
    const form = await ctx.readForm();
    const grantType = form.get('grant_type');
    if (!grantType) throw missingParameter('grant_type');
    const known = [
      'client_credentials',
      'password',
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ];
    if (!known.includes(grantType))
      throw aad(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
    const { app, azpacr } = authenticateClient(ctx, form, ref, grantType === 'client_credentials');
    const body =
      grantType === 'client_credentials'
        ? await clientCredentials(ref, form, app)
        : grantType === 'password'
          ? await passwordGrant(ref, form, app, azpacr)
          : grantType === 'authorization_code'
            ? await authorizationCodeGrant(ref, form, app, azpacr)
            : grantType === 'refresh_token'
              ? await refreshGrant(ref, form, app, azpacr)
              : await deviceCodeGrant(ref, form, app, azpacr);
    return { status: 200, headers: { 'cache-control': 'no-store', pragma: 'no-cache' }, json: body };
  };

  // ---------------------------------------------------------------- metadata

  const metadata = (ctx: Ctx): Reply => {
    const seg = ctx.params.tenant!;
    const ref = resolveRef(seg, 'invalid_tenant');
    const pathSeg = ref.kind === 'tenant' ? ref.tenant.id : ref.kind;
    const tid = ref.kind === 'tenant' ? ref.tenant.id : '{tenantid}';
    const b = emu.baseUrl;
    const region =
      ref.kind === 'tenant' ? ({ US: 'NA', CA: 'NA' }[ref.tenant.countryLetterCode] ?? 'EU') : null;
    return {
      status: 200,
      json: {
        token_endpoint: `${b}/${pathSeg}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${b}/${pathSeg}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: issuerFor(tid),
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${b}/graph/oidc/userinfo`,
        authorization_endpoint: `${b}/${pathSeg}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${b}/${pathSeg}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${b}/${pathSeg}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'cloud_instance_name',
          'cloud_instance_host_name',
          'cloud_graph_host_name',
          'msgraph_host',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
        ],
        kerberos_endpoint: `${b}/${pathSeg}/kerberos`,
        tenant_region_scope: region,
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      },
    };
  };

  const keys = (ctx: Ctx): Reply => {
    resolveRef(ctx.params.tenant!, 'invalid_tenant');
    return { status: 200, json: emu.signer.jwks(issuerFor('{tenantid}')) };
  };

  // ---------------------------------------------------------------- interactive pages

  type Authenticated =
    { ok: true; tenant: Tenant; user: User; amr: string[] } | { ok: false; error: string; askOtp?: boolean };

  const authenticateUser = (ref: TenantRef, form: URLSearchParams): Authenticated => {
    const username = form.get('username')?.trim() ?? '';
    const password = form.get('password') ?? '';
    if (!username || !password) return { ok: false, error: 'Enter your email and password.' };
    const found = world.findUserByUpn(username);
    if (!found) return { ok: false, error: "AADSTS50034: We couldn't find an account with that username." };
    if (ref.kind === 'tenant' && found.tenant !== ref.tenant)
      return {
        ok: false,
        error: `AADSTS50020: User account '${username}' from identity provider does not exist in tenant '${ref.tenant.displayName}'.`,
      };
    if (!safeEqual(found.user.password, password))
      return { ok: false, error: 'AADSTS50126: Your account or password is incorrect.' };
    if (!found.user.accountEnabled) return { ok: false, error: 'AADSTS50057: The user account is disabled.' };
    if (found.user.conditionalAccess === 'block')
      return {
        ok: false,
        error: `AADSTS53003: ${CA_BLOCKED}`,
      };
    if (found.user.mfaCode) {
      const otp = form.get('otp')?.trim();
      if (!otp)
        return {
          ok: false,
          askOtp: true,
          error: 'Your organization requires multi-factor authentication. Enter the verification code.',
        };
      if (otp !== found.user.mfaCode)
        return {
          ok: false,
          askOtp: true,
          error: "AADSTS50074: The verification code didn't match. Try again.",
        };
      return { ok: true, ...found, amr: ['pwd', 'mfa'] };
    }
    return { ok: true, ...found, amr: ['pwd'] };
  };

  const isConsentAdmin = (tenant: Tenant, user: User) =>
    world.rolesOf(tenant, user.id).some((r) => CONSENT_ADMIN_ROLES.includes(r));

  /** Delegated scopes (per resource) the user has not granted yet, and whether the service principal is missing. */
  const missingConsent = (tenant: Tenant, user: User, app: App, scopes: string[]) => {
    const missing: { resource: Resource; names: string[] }[] = [];
    for (const r of parseScopes(scopes, tenant.displayName).resources) {
      const wanted = (r.names.includes('.default') ? configuredScopes(app, r.resource) : r.names).filter(
        (n) => !OIDC_SCOPES.has(n.toLowerCase()),
      );
      const granted = world.grantedScopes(tenant, app.appId, r.resource.appId, user.id);
      const names = wanted.filter((n) => !ci(granted, n));
      if (names.length) missing.push({ resource: r.resource, names });
    }
    return { missing, noServicePrincipal: !tenant.servicePrincipals.some((s) => s.appId === app.appId) };
  };

  const errorRedirectParams = (ctx: Ctx, e: EmulatorError, state: string | null): Record<string, string> => {
    const body = identityErrorBody(e, ctx, emu.baseUrl);
    return {
      error: body.error,
      error_description: body.error_description,
      error_uri: body.error_uri,
      ...(state !== null ? { state } : {}),
    };
  };

  const redirect = (uri: string, mode: string, params: Record<string, string>): Reply => {
    if (mode === 'form_post') return { status: 200, html: formPostPage(uri, params) };
    const u = new URL(uri);
    if (mode === 'fragment') u.hash = new URLSearchParams(params).toString();
    else for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
    return { status: 302, headers: { location: u.toString(), 'cache-control': 'no-store' } };
  };

  const errorPage = (e: EmulatorError): Reply => ({
    status: 400,
    html: messagePage('Sign in', e.message, e.aadsts),
  });

  /** Validates client_id/redirect_uri (errors shown as a page), then the rest (errors redirected). */
  const validateClient = (ref: TenantRef, p: URLSearchParams, allowExtraPath: boolean) => {
    const clientId = p.get('client_id');
    if (!clientId) throw missingParameter('client_id');
    const app = world.findApp(clientId);
    if (!app) throw appNotFound(clientId, ref);
    const redirectUri = p.get('redirect_uri');
    if (!redirectUri) throw missingParameter('redirect_uri');
    if (!app.redirectUris.some((r) => redirectUriMatches(r, redirectUri, allowExtraPath)))
      throw aad(
        400,
        'invalid_request',
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
      );
    return { app, redirectUri };
  };

  const authorize = async (ctx: Ctx): Promise<Reply> => {
    const p = ctx.method === 'POST' ? await ctx.readForm() : ctx.url.searchParams;
    let ref: TenantRef;
    let app: App;
    let redirectUri: string;
    try {
      ref = resolveRef(ctx.params.tenant!);
      ({ app, redirectUri } = validateClient(ref, p, false));
    } catch (e) {
      if (e instanceof EmulatorError) return errorPage(e);
      throw e;
    }
    const state = p.get('state');
    const mode = p.get('response_mode') ?? 'query';
    const fail = (e: EmulatorError) =>
      redirect(
        redirectUri,
        ['query', 'fragment', 'form_post'].includes(mode) ? mode : 'query',
        errorRedirectParams(ctx, e, state),
      );
    const responseType = p.get('response_type');
    if (!responseType) return fail(missingParameter('response_type'));
    if (responseType !== 'code')
      return fail(
        aad(
          400,
          'unsupported_response_type',
          700054,
          `response_type '${responseType}' is not enabled for the application (the emulator supports 'code').`,
        ),
      );
    if (!['query', 'fragment', 'form_post'].includes(mode))
      return fail(aad(400, 'invalid_request', 900144, `The response_mode '${mode}' is not supported.`));
    const scopes = splitScopes(p.get('scope'));
    if (!scopes.length) return fail(missingParameter('scope'));
    const challenge = p.get('code_challenge');
    const method = p.get('code_challenge_method') ?? (challenge ? 'plain' : null);
    if (method && !['S256', 'plain'].includes(method))
      return fail(aad(400, 'invalid_request', 50149, 'Invalid Code_Challenge_method parameter.'));
    if (challenge && (challenge.length < 43 || challenge.length > 128))
      return fail(aad(400, 'invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'));
    try {
      parseScopes(scopes, ref.kind === 'tenant' ? ref.tenant.displayName : ref.kind);
    } catch (e) {
      if (e instanceof EmulatorError) return fail(e);
      throw e;
    }
    if (p.get('prompt') === 'none')
      return fail(
        aad(400, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in.'),
      );
    const hidden: Record<string, string> = {};
    for (const [k, v] of p)
      if (!['username', 'password', 'otp', 'action', 'consent_org'].includes(k)) hidden[k] = v;
    const page = (error?: string, askOtp?: boolean): Reply => ({
      status: 200,
      html: signInPage({
        title: 'Sign in to your account',
        action: ctx.url.pathname,
        appName: app.displayName,
        ...(ref.kind === 'tenant' ? { tenantName: ref.tenant.displayName } : {}),
        permissions: scopes,
        hidden,
        ...(error ? { error } : {}),
        username: p.get('username') ?? p.get('login_hint') ?? '',
        ...(askOtp ? { askOtp } : {}),
        offerOrgConsent: true,
      }),
    });
    if (ctx.method !== 'POST') return page();
    if (p.get('action') === 'cancel') return fail(aad(400, 'access_denied', 65004, CONSENT_DECLINED));
    const auth = authenticateUser(ref, p);
    if (!auth.ok) return page(auth.error, auth.askOtp);
    const { tenant, user, amr } = auth;
    ctx.tenantId = tenant.id;
    const need = missingConsent(tenant, user, app, scopes);
    if (need.missing.length || need.noServicePrincipal) {
      const admin = isConsentAdmin(tenant, user);
      const adminOnly = need.missing.flatMap((m) => m.names).filter(needsAdminConsent);
      if (adminOnly.length && !admin)
        return {
          status: 200,
          html: messagePage(
            'Need admin approval',
            `${app.displayName} needs permission to access resources in your organization that only an admin can grant (${adminOnly.join(', ')}). Ask an admin to grant permission to this app before you can use it.`,
            90094,
          ),
        };
      world.ensureServicePrincipal(tenant, app);
      const org = admin && p.get('consent_org') === 'true';
      for (const m of need.missing)
        world.grantScopes(tenant, app.appId, m.resource.appId, m.names, org ? null : user.id);
    }
    const code = newOpaqueToken('1.A');
    emu.codes.set(code, {
      clientId: app.appId,
      redirectUri,
      tenantId: tenant.id,
      userId: user.id,
      scopes,
      ...(p.get('nonce') ? { nonce: p.get('nonce')! } : {}),
      ...(challenge ? { codeChallenge: challenge, codeChallengeMethod: method! } : {}),
      amr,
      authTime: Math.floor(Date.now() / 1000),
      expiresAt: Date.now() + CODE_LIFETIME_MS,
      used: false,
    });
    return redirect(redirectUri, mode, {
      code,
      ...(state !== null ? { state } : {}),
      session_state: randomBytes(16).toString('hex'),
    });
  };

  const adminConsent =
    (version: 'v1' | 'v2') =>
    async (ctx: Ctx): Promise<Reply> => {
      const p = ctx.method === 'POST' ? await ctx.readForm() : ctx.url.searchParams;
      let ref: TenantRef;
      let app: App;
      let redirectUri: string;
      try {
        ref = resolveRef(ctx.params.tenant!);
        ({ app, redirectUri } = validateClient(ref, p, version === 'v1'));
      } catch (e) {
        if (e instanceof EmulatorError) return errorPage(e);
        throw e;
      }
      const state = p.get('state');
      const withState = (o: Record<string, string>) => ({ ...o, ...(state !== null ? { state } : {}) });
      const scopes = splitScopes(p.get('scope'));
      if (version === 'v2' && !scopes.length)
        return redirect(redirectUri, 'query', errorRedirectParams(ctx, missingParameter('scope'), state));
      const hidden: Record<string, string> = {};
      for (const [k, v] of p) if (!['username', 'password', 'otp', 'action'].includes(k)) hidden[k] = v;
      const permissions = app.requiredResourceAccess.flatMap((r) => {
        const name = world.resolveResource(r.resource)?.displayName ?? r.resource;
        return [
          ...r.roles.map((x) => `${name}: ${x} (application)`),
          ...r.scopes.map((x) => `${name}: ${x} (delegated)`),
        ];
      });
      const page = (error?: string, askOtp?: boolean): Reply => ({
        status: 200,
        html: signInPage({
          title: 'Permissions requested — Accept for your organization',
          action: ctx.url.pathname,
          appName: app.displayName,
          ...(ref.kind === 'tenant' ? { tenantName: ref.tenant.displayName } : {}),
          permissions,
          hidden,
          ...(error ? { error } : {}),
          username: p.get('username') ?? '',
          ...(askOtp ? { askOtp } : {}),
        }),
      });
      if (ctx.method !== 'POST') return page();
      if (p.get('action') === 'cancel') {
        // v2: access_denied (doc example adds admin_consent=True); v1 as documented: permission_denied.
        return version === 'v2'
          ? redirect(redirectUri, 'query', {
              ...errorRedirectParams(ctx, aad(400, 'access_denied', 65004, CONSENT_DECLINED), state),
              error_subcode: 'cancel',
              admin_consent: 'True',
            })
          : redirect(
              redirectUri,
              'query',
              withState({ error: 'permission_denied', error_description: 'The admin canceled the request' }),
            );
      }
      const auth = authenticateUser(ref, p);
      if (!auth.ok) return page(auth.error, auth.askOtp);
      const { tenant, user } = auth;
      ctx.tenantId = tenant.id;
      if (!isConsentAdmin(tenant, user))
        return {
          status: 200,
          html: messagePage(
            'Need admin approval',
            `${user.userPrincipalName} is not an administrator of ${tenant.displayName} and cannot grant consent for the organization.`,
            90094,
          ),
        };
      const named = scopes.filter((s) => !s.endsWith('/.default') && !OIDC_SCOPES.has(s.toLowerCase()));
      if (version === 'v1' || scopes.some((s) => s.endsWith('/.default'))) world.consentApp(tenant, app);
      else world.ensureServicePrincipal(tenant, app);
      for (const r of parseScopes(named, tenant.displayName).resources)
        world.grantScopes(tenant, app.appId, r.resource.appId, r.names, null);
      return version === 'v2'
        ? redirect(
            redirectUri,
            'query',
            withState({ admin_consent: 'True', tenant: tenant.id, scope: scopes.join(' ') }),
          )
        : redirect(redirectUri, 'query', { tenant: tenant.id, ...withState({}), admin_consent: 'True' });
    };

  // ---------------------------------------------------------------- device code

  const deviceAuthorization = async (ctx: Ctx): Promise<Reply> => {
    const ref = resolveRef(ctx.params.tenant!);
    const form = await ctx.readForm();
    const clientId = form.get('client_id');
    if (!clientId) throw missingParameter('client_id');
    const app = world.findApp(clientId);
    if (!app) throw appNotFound(clientId, ref);
    const scopes = splitScopes(form.get('scope'));
    if (!scopes.length) throw missingParameter('scope');
    parseScopes(scopes, ref.kind === 'tenant' ? ref.tenant.displayName : ref.kind);
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const userCode = Array.from({ length: 9 }, () => alphabet[randomInt(alphabet.length)]).join('');
    const deviceCode = newOpaqueToken('DAQABIQEAAAB');
    emu.deviceCodes.set(deviceCode, {
      deviceCode,
      userCode,
      clientId: app.appId,
      tenantSegment: ref.kind === 'tenant' ? ref.tenant.id : ref.kind,
      scopes,
      expiresAt: Date.now() + DEVICE_CODE_LIFETIME_S * 1000,
      status: 'pending',
    });
    const uri = `${emu.baseUrl}/devicelogin`;
    return {
      status: 200,
      json: {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: uri,
        expires_in: DEVICE_CODE_LIFETIME_S,
        interval: 5,
        message: `To sign in, use a web browser to open the page ${uri} and enter the code ${userCode} to authenticate.`,
      },
    };
  };

  const deviceLogin = async (ctx: Ctx): Promise<Reply> => {
    const p = ctx.method === 'POST' ? await ctx.readForm() : ctx.url.searchParams;
    const page = (error?: string, askOtp?: boolean, appName = 'the application'): Reply => ({
      status: 200,
      html: signInPage({
        title: 'Enter code',
        action: '/devicelogin',
        appName,
        permissions: [],
        hidden: {},
        askUserCode: true,
        ...(error ? { error } : {}),
        username: p.get('username') ?? '',
        ...(askOtp ? { askOtp } : {}),
        acceptLabel: 'Continue',
      }),
    });
    if (ctx.method !== 'POST') return page();
    const userCode = (p.get('user_code') ?? '').trim().toUpperCase();
    const entry = [...emu.deviceCodes.values()].find(
      (d) => d.userCode === userCode && d.status === 'pending',
    );
    if (!entry || Date.now() > entry.expiresAt)
      return page("That code didn't work. Check the code and try again.");
    const app = world.findApp(entry.clientId)!;
    if (p.get('action') === 'cancel') {
      entry.status = 'declined';
      return {
        status: 200,
        html: messagePage(
          'Sign in canceled',
          `You declined to sign in to ${app.displayName} on your device.`,
        ),
      };
    }
    const ref = resolveRef(entry.tenantSegment);
    const auth = authenticateUser(ref, p);
    if (!auth.ok) return page(auth.error, auth.askOtp, app.displayName);
    const { tenant, user, amr } = auth;
    const need = missingConsent(tenant, user, app, entry.scopes);
    if (need.missing.length || need.noServicePrincipal) {
      const adminOnly = need.missing.flatMap((m) => m.names).filter(needsAdminConsent);
      if (adminOnly.length && !isConsentAdmin(tenant, user))
        return {
          status: 200,
          html: messagePage(
            'Need admin approval',
            `${app.displayName} needs admin approval for ${adminOnly.join(', ')}.`,
            90094,
          ),
        };
      world.ensureServicePrincipal(tenant, app);
      for (const m of need.missing) world.grantScopes(tenant, app.appId, m.resource.appId, m.names, user.id);
    }
    Object.assign(entry, {
      status: 'approved',
      tenantId: tenant.id,
      userId: user.id,
      amr,
      authTime: Math.floor(Date.now() / 1000),
    });
    return {
      status: 200,
      html: messagePage(
        app.displayName,
        `You have signed in to the ${app.displayName} application on your device. You may now close this window.`,
      ),
    };
  };

  const logout = (ctx: Ctx): Reply => {
    const to = ctx.url.searchParams.get('post_logout_redirect_uri');
    return to
      ? { status: 302, headers: { location: to } }
      : { status: 200, html: messagePage('Sign out', 'You signed out of your account.') };
  };

  /**
   * Home realm discovery, `GET /common/userrealm/{upn}?api-version=1.0` (what MSAL asks before a password grant):
   * `account_type` Managed, Federated (with the federation endpoints) or Unknown.
   */
  const userRealm = (ctx: Ctx): Reply => {
    const upn = ctx.params.upn ?? '';
    const domain = upn.includes('@') ? upn.split('@').pop()!.toLowerCase() : upn.toLowerCase();
    const tenant = world.tenants.find((t) => t.domains.some((d) => d.isVerified && d.id === domain));
    const d = tenant && realmOf(tenant, upn);
    const common = { ver: '1.0', cloud_instance_name: 'microsoftonline.com' };
    if (!tenant || !d) return { status: 200, json: { ...common, account_type: 'Unknown' } };
    const base = {
      ...common,
      NameSpaceType: d.authenticationType === 'Federated' ? 'Federated' : 'Managed',
      account_type: d.authenticationType === 'Federated' ? 'Federated' : 'Managed',
      domain_name: d.id,
      cloud_audience_urn: 'urn:federation:MicrosoftOnline',
    };
    return {
      status: 200,
      json:
        d.authenticationType === 'Federated'
          ? {
              ...base,
              federation_protocol: 'WSTrust',
              federation_metadata_url: `https://sts.${d.id}/adfs/services/trust/mex`,
              federation_active_auth_url: `https://sts.${d.id}/adfs/services/trust/2005/usernamemixed`,
            }
          : base,
    };
  };

  const errorLookup = (ctx: Ctx): Reply => ({
    status: 200,
    html: messagePage(
      'Error lookup',
      `Error code ${ctx.url.searchParams.get('code') ?? ''}: see https://login.microsoftonline.com/error for Microsoft's description.`,
    ),
  });

  return [
    route('GET', '/:tenant/v2.0/.well-known/openid-configuration', metadata),
    route('GET', '/:tenant/discovery/v2.0/keys', keys),
    route('GET', '/:tenant/discovery/keys', keys),
    route('POST', '/:tenant/oauth2/v2.0/token', token),
    route('GET', '/:tenant/oauth2/v2.0/authorize', authorize),
    route('POST', '/:tenant/oauth2/v2.0/authorize', authorize),
    route('POST', '/:tenant/oauth2/v2.0/devicecode', deviceAuthorization),
    route('GET', '/:tenant/oauth2/v2.0/logout', logout),
    route('GET', '/:tenant/v2.0/adminconsent', adminConsent('v2')),
    route('POST', '/:tenant/v2.0/adminconsent', adminConsent('v2')),
    route('GET', '/:tenant/adminconsent', adminConsent('v1')),
    route('POST', '/:tenant/adminconsent', adminConsent('v1')),
    route('GET', '/:tenant/userrealm/:upn', userRealm),
    route('GET', '/devicelogin', deviceLogin),
    route('POST', '/devicelogin', deviceLogin),
    route('GET', '/error', errorLookup),
  ];
};
