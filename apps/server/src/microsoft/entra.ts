import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { JOSEError } from 'jose/errors';
import * as oidc from 'openid-client';
import type { Config } from '../config/config.ts';

/**
 * The port to the Microsoft identity platform (Entra ID): token requests for the provider's multi-tenant app
 * registration in a customer tenant. The real adapter speaks OAuth 2.0 / OpenID Connect through openid-client
 * to `ENTRA_AUTHORITY` (Microsoft by default, the bundled emulator in the sandbox).
 */
export type TokenResult = {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date;
  tenantId: string;
  /** Delegated: the signed-in user's UPN; app-only: null. */
  username: string | null;
  scopes: string[];
  roles: string[];
  /** Directory role template ids of the caller (`wids`): of the user, or of the app's service principal. */
  directoryRoles: string[];
  /** `oid`: the signed-in user's object id, or (app-only) the app's service principal in the tenant. */
  objectId: string | null;
};

/** Who signed in with Microsoft, from a validated ID token. */
export type SignInIdentity = {
  tenantId: string;
  objectId: string;
  email: string;
  name: string;
  /** Directory role template ids the person holds (`wids`; present when the app asks for DirectoryRole). */
  roleIds: string[];
  /** Security groups the person is a member of (`groups`; present when the app asks for SecurityGroup). */
  groupIds: string[];
  /** More groups than fit in a token: the `groups` claim is replaced by a pointer to Graph. */
  groupsOverage: boolean;
};

/** Why Microsoft refused, in terms the product acts on; `aadsts` keeps Microsoft's own code. */
export type EntraErrorKind =
  | 'not_configured'
  | 'mfa_required'
  | 'invalid_credentials'
  | 'federated'
  | 'consent_required'
  | 'unknown_tenant'
  | 'unavailable'
  | 'rejected';

export class EntraError extends Error {
  readonly kind: EntraErrorKind;
  readonly aadsts: string | null;
  constructor(
    kind: EntraErrorKind,
    message: string,
    aadsts: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EntraError';
    this.kind = kind;
    this.aadsts = aadsts;
  }
  /** Worth trying again soon (the port errors' one rule): Entra ID failing, throttling or unreachable. */
  get transient(): boolean {
    return this.kind === 'unavailable';
  }
}

export type EntraClient = {
  readonly configured: boolean;
  /** The one-time password grant (ROPC) for the credentials path; the password is not kept. */
  passwordGrant(tenant: string, username: string, password: string): Promise<TokenResult>;
  /** An app-only token for one resource (`<resource>/.default`). */
  clientCredentials(tenant: string, resource?: string): Promise<TokenResult>;
  /** Redeems a refresh token; `resource` picks the API the access token is for (Graph by default). */
  refresh(tenant: string, refreshToken: string, resource?: string): Promise<TokenResult>;
  /** The tenant id behind a verified domain, from the tenant's OpenID Connect metadata; null if unknown. */
  tenantOfDomain(domain: string): Promise<string | null>;
  /** Sign in with Microsoft (OIDC, code + PKCE + nonce) at one tenant's endpoints. */
  signInUrl(input: {
    tenantId: string;
    redirectUri: string;
    state: string;
    nonce: string;
    codeChallenge: string;
    loginHint?: string | undefined;
  }): URL;
  /** Redeems the sign-in code and validates the ID token (signature, issuer, audience, nonce, expiry). */
  redeemSignIn(input: {
    tenantId: string;
    callbackUrl: URL;
    state: string;
    nonce: string;
    codeVerifier: string;
    redirectUri: string;
  }): Promise<SignInIdentity>;
  /** Where to send an admin to sign in (authorization code with PKCE, for a delegated token). */
  authorizationUrl(input: {
    redirectUri: string;
    state: string;
    codeChallenge: string;
    loginHint?: string | undefined;
  }): URL;
  /** Redeems an authorization code (with its PKCE verifier) for tokens. */
  exchangeCode(input: { redirectUri: string; code: string; codeVerifier: string }): Promise<TokenResult>;
  /** Where to send a tenant admin to consent to the provider app for their whole organisation (v2 endpoint). */
  adminConsentUrl(input: { redirectUri: string; state: string }): URL;
};

const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
/**
 * The delegated scopes of the admin's token: what the app registration lists, plus a refresh token. No `openid`:
 * the access token names the tenant and user, and an ID token from `/organizations` carries the tenant's own
 * issuer, which generic OIDC validation would reject.
 */
const DELEGATED_SCOPES = `offline_access ${GRAPH_DEFAULT}`;
const kindOf = (code: string | null, error: string): EntraErrorKind => {
  switch (code) {
    case '50076':
    case '50079':
    case '50158':
    case '53003':
      return 'mfa_required';
    case '50126':
    case '50034':
    case '50053':
    case '50057':
      return 'invalid_credentials';
    case '50059':
    case '90002':
    case '900023':
      return 'unknown_tenant';
    case '65001':
    case '65004':
    case '700016':
    case '7000112':
      return 'consent_required';
    case '50107':
    case '50008':
      return 'federated';
  }
  if (error === 'interaction_required') return 'mfa_required';
  if (error === 'temporarily_unavailable' || error === 'server_error') return 'unavailable';
  return 'rejected';
};

/**
 * The line of an Entra `error_description` worth showing: Microsoft separates its lines with CRLF ("AADSTS50126:
 * …\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …"); the first non-empty line that is not one of the
 * diagnostic lines (those stay in the error's cause).
 */
export function entraMessage(description: string): string {
  const lines = description
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.find((l) => !/^(Trace ID|Correlation ID|Timestamp):/i.test(l)) ?? lines[0] ?? description;
}

function toEntraError(e: unknown): EntraError {
  if (e instanceof EntraError) return e;
  if (e instanceof oidc.ResponseBodyError) {
    const description = e.error_description ?? e.error;
    const code =
      /AADSTS(\d+)/.exec(description)?.[1] ??
      (Array.isArray(e.cause.error_codes) ? String(e.cause.error_codes[0]) : null);
    return new EntraError(kindOf(code, e.error), entraMessage(description), code ? `AADSTS${code}` : null, {
      cause: e,
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new EntraError('unavailable', `Microsoft Entra ID could not be reached: ${message}`, null, {
    cause: e,
  });
}

function toResult(tokens: oidc.TokenEndpointResponse): TokenResult {
  const claims = decodeJwt(tokens.access_token);
  const scp = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  const username =
    typeof claims.upn === 'string'
      ? claims.upn
      : typeof claims.preferred_username === 'string'
        ? claims.preferred_username
        : null;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? null,
    expiresAt: new Date(Date.now() + (tokens.expires_in ?? 3600) * 1000),
    tenantId: String(claims.tid ?? ''),
    username,
    scopes: scp,
    roles,
    directoryRoles: Array.isArray(claims.wids) ? claims.wids.map(String) : [],
    objectId: typeof claims.oid === 'string' ? claims.oid : null,
  };
}

export function createEntraClient(config: Config['microsoft']): EntraClient {
  const app = config.app;
  // Plain http is accepted only when the configured authority itself is http (a local emulator).
  const insecure = config.authority.startsWith('http://');
  // Endpoints follow Microsoft's documented pattern for any tenant segment (GUID or verified domain). No
  // discovery: a domain's metadata names the GUID issuer, which OIDC discovery would rightly reject.
  const configFor = async (tenant: string) => {
    if (!app)
      throw new EntraError(
        'not_configured',
        'Microsoft 365 is not configured: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (the provider app registration).',
      );
    const base = `${config.authority}/${encodeURIComponent(tenant)}`;
    const c = new oidc.Configuration(
      {
        issuer: `${base}/v2.0`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      },
      app.clientId,
      app.clientSecret,
    );
    if (insecure) oidc.allowInsecureRequests(c);
    return c;
  };

  /**
   * Home realm discovery (`GET {authority}/common/userrealm/{upn}?api-version=1.0`, the request MSAL makes before
   * a password grant): Managed, Federated or Unknown. An answer other than 200 tells nothing (null).
   */
  const userRealm = async (
    username: string,
  ): Promise<{ account_type?: string; domain_name?: string } | null> => {
    const res = await fetch(
      `${config.authority}/common/userrealm/${encodeURIComponent(username)}?api-version=1.0`,
      { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) },
    );
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    return (await res.json()) as { account_type?: string; domain_name?: string };
  };

  const jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keysOf = (tenantId: string) => {
    let set = jwks.get(tenantId);
    if (!set) {
      set = createRemoteJWKSet(
        new URL(`${config.authority}/${encodeURIComponent(tenantId)}/discovery/v2.0/keys`),
      );
      jwks.set(tenantId, set);
    }
    return set;
  };

  return {
    configured: Boolean(app),
    async tenantOfDomain(domain) {
      try {
        const res = await fetch(
          `${config.authority}/${encodeURIComponent(domain)}/v2.0/.well-known/openid-configuration`,
          { signal: AbortSignal.timeout(10_000) },
        );
        if (res.status === 400 || res.status === 404) return null;
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const meta = (await res.json()) as { issuer?: string };
        return /\/([0-9a-f-]{36})\/v2\.0$/i.exec(meta.issuer ?? '')?.[1]?.toLowerCase() ?? null;
      } catch (e) {
        throw toEntraError(e);
      }
    },
    signInUrl({ tenantId, redirectUri, state, nonce, codeChallenge, loginHint }) {
      if (!app)
        throw new EntraError(
          'not_configured',
          'Microsoft 365 is not configured: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (the provider app registration).',
        );
      const url = new URL(`${config.authority}/${encodeURIComponent(tenantId)}/oauth2/v2.0/authorize`);
      url.search = new URLSearchParams({
        client_id: app.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        response_mode: 'query',
        scope: 'openid profile email',
        state,
        nonce,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        ...(loginHint ? { login_hint: loginHint } : {}),
      }).toString();
      return url;
    },
    async redeemSignIn({ tenantId, callbackUrl, state, nonce, codeVerifier, redirectUri }) {
      try {
        const c = await configFor(tenantId);
        const tokens = await oidc.authorizationCodeGrant(
          c,
          callbackUrl,
          {
            pkceCodeVerifier: codeVerifier,
            expectedState: state,
            expectedNonce: nonce,
            idTokenExpected: true,
          },
          { redirect_uri: redirectUri },
        );
        // openid-client checks issuer, audience, nonce and expiry; the signature is checked here as well.
        const { payload } = await jwtVerify(tokens.id_token!, keysOf(tenantId), {
          issuer: `${config.authority}/${tenantId}/v2.0`,
          audience: app!.clientId,
        });
        const tid = String(payload.tid ?? '');
        const oid = String(payload.oid ?? '');
        const email = String(payload.email ?? payload.preferred_username ?? '').toLowerCase();
        if (!tid || !oid || !email)
          throw new EntraError('rejected', 'The ID token lacks tid, oid or a username.');
        const strings = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x).toLowerCase()) : []);
        const claimNames = (payload._claim_names ?? {}) as Record<string, unknown>;
        return {
          tenantId: tid,
          objectId: oid,
          email,
          name: String(payload.name ?? email),
          roleIds: strings(payload.wids),
          groupIds: strings(payload.groups),
          groupsOverage: 'groups' in claimNames || payload.hasgroups === true,
        };
      } catch (e) {
        if (e instanceof EntraError || e instanceof oidc.ResponseBodyError) throw toEntraError(e);
        // A token that fails validation (state, nonce, issuer, audience, signature) is refused, not retried.
        if (e instanceof JOSEError || e instanceof oidc.ClientError)
          throw new EntraError('rejected', `The sign-in could not be validated: ${e.message}`, null, {
            cause: e,
          });
        throw toEntraError(e);
      }
    },
    authorizationUrl({ redirectUri, state, codeChallenge, loginHint }) {
      if (!app)
        throw new EntraError(
          'not_configured',
          'Microsoft 365 is not configured: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (the provider app registration).',
        );
      const url = new URL(`${config.authority}/organizations/oauth2/v2.0/authorize`);
      url.search = new URLSearchParams({
        client_id: app.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        response_mode: 'query',
        scope: DELEGATED_SCOPES,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        ...(loginHint ? { login_hint: loginHint } : {}),
      }).toString();
      return url;
    },
    async exchangeCode({ redirectUri, code, codeVerifier }) {
      try {
        const c = await configFor('organizations');
        return toResult(
          await oidc.genericGrantRequest(c, 'authorization_code', {
            code,
            redirect_uri: redirectUri,
            code_verifier: codeVerifier,
            scope: DELEGATED_SCOPES,
          }),
        );
      } catch (e) {
        throw toEntraError(e);
      }
    },
    adminConsentUrl({ redirectUri, state }) {
      if (!app)
        throw new EntraError(
          'not_configured',
          'Microsoft 365 is not configured: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (the provider app registration).',
        );
      const url = new URL(`${config.authority}/organizations/v2.0/adminconsent`);
      url.search = new URLSearchParams({
        client_id: app.clientId,
        scope: GRAPH_DEFAULT,
        redirect_uri: redirectUri,
        state,
      }).toString();
      return url;
    },
    async passwordGrant(tenant, username, password) {
      try {
        const c = await configFor(tenant);
        // Home realm discovery first, as MSAL does before a password grant: Microsoft cannot check the password of
        // a user of a federated domain (ROPC is not supported for them), so the password is not sent at all.
        const realm = await userRealm(username);
        if (realm?.account_type === 'Federated')
          throw new EntraError(
            'federated',
            `${username} signs in at its organisation's own identity provider (the domain ${realm.domain_name ?? username.split('@').pop()} is federated), so Microsoft cannot check a password for it.`,
          );
        return toResult(
          await oidc.genericGrantRequest(c, 'password', {
            username,
            password,
            scope: `${GRAPH_DEFAULT} offline_access`,
          }),
        );
      } catch (e) {
        throw toEntraError(e);
      }
    },
    async clientCredentials(tenant, resource = 'https://graph.microsoft.com') {
      try {
        const c = await configFor(tenant);
        return toResult(await oidc.clientCredentialsGrant(c, { scope: `${resource}/.default` }));
      } catch (e) {
        throw toEntraError(e);
      }
    },
    async refresh(tenant, refreshToken, resource = 'https://graph.microsoft.com') {
      try {
        const c = await configFor(tenant);
        return toResult(
          await oidc.refreshTokenGrant(c, refreshToken, { scope: `${resource}/.default offline_access` }),
        );
      } catch (e) {
        throw toEntraError(e);
      }
    },
  };
}
