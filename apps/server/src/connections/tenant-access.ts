import { createHash } from 'node:crypto';
import type { ConnectionsRepository } from './connections.repository.ts';
import { EntraError, type EntraClient, type TokenResult } from '../microsoft/entra.ts';
import { AppError } from '../platform/errors.ts';
import type { Vault } from '../secrets/vault.ts';
import type { ConnectionRow } from './connections.repository.ts';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** The "Skype and Teams Tenant Admin API" (Teams ConfigAPI, MicrosoftTeams PowerShell). */
export const TEAMS_ADMIN_RESOURCE = '48ac35b8-9aa8-4d74-927d-1f4a14a0b239';

export const refreshTokenContext = (serviceId: string) => ({
  table: 'service_connections',
  rowId: serviceId,
  purpose: 'refresh-token',
});
export const clientSecretContext = (serviceId: string) => ({
  table: 'service_connections',
  rowId: serviceId,
  purpose: 'client-secret',
});

export type ConnectedRow = ConnectionRow & { tenantId: string };

/** How often a refused exchange is tried again with the stored token, and the first wait for it. */
const ROTATION_RETRIES = 3;
const ROTATION_WAIT_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Work on one key runs one after the other in this process (a failure does not stop the next). */
const queues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const mine = (queues.get(key) ?? Promise.resolve()).then(work, work);
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return mine;
}

/** An access token is reused until this long before it expires, so a call made with it never sees it lapse. */
export const TOKEN_REUSE_MARGIN_MS = 5 * 60_000;
/** Past this many entries, the expired ones are dropped when a new one is added. */
const CACHE_SWEEP_SIZE = 512;

/**
 * Access tokens of this process, per key (the app or connection, the tenant and the resource), until shortly
 * before they expire. In memory only; refresh tokens are never kept here. Requests for one key made while one is
 * under way share it, so parallel steps make one token request.
 */
function createTokenCache() {
  const entries = new Map<string, { token: Promise<TokenResult>; usableUntil: number }>();
  return {
    /** Drops every token of one tenant (a segment of each key, which this module builds). */
    forgetTenant(tenantId: string) {
      for (const key of [...entries.keys()]) if (key.split('|').includes(tenantId)) entries.delete(key);
    },
    async get(
      key: string,
      request: () => Promise<TokenResult>,
      options: { fresh?: boolean; keep?: (t: TokenResult) => boolean } = {},
    ): Promise<TokenResult> {
      const hit = entries.get(key);
      if (!options.fresh && hit && hit.usableUntil > Date.now()) return hit.token;
      if (entries.size >= CACHE_SWEEP_SIZE)
        for (const [k, e] of entries) if (e.usableUntil <= Date.now()) entries.delete(k);
      const entry = {
        token: request().then((t): TokenResult => ({ ...t, refreshToken: null })),
        usableUntil: Number.POSITIVE_INFINITY,
      };
      entries.set(key, entry);
      try {
        const token = await entry.token;
        entry.usableUntil =
          options.keep && !options.keep(token) ? 0 : token.expiresAt.getTime() - TOKEN_REUSE_MARGIN_MS;
        if (entry.usableUntil <= Date.now() && entries.get(key) === entry) entries.delete(key);
        return token;
      } catch (e) {
        if (entries.get(key) === entry) entries.delete(key);
        throw e;
      }
    },
  };
}

const fingerprint = (sealed: string) => createHash('sha256').update(sealed).digest('base64url').slice(0, 16);

type Deps = {
  repos: { connections: ConnectionsRepository };
  entra: EntraClient;
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  vault: Vault;
  /** The provider's multi-tenant app registration (ENTRA_CLIENT_ID), when configured. */
  providerAppId: string | null;
};

/**
 * Tokens for a connected customer tenant, by the way it was connected: app-only tokens of the app the
 * automation acts as (the customer's own app, or the provider's), and the admin's delegated token where one was
 * kept (delegated and credentials connections; refresh tokens rotate, so each new one is stored at once).
 */
export function createTenantAccess({ repos, entra, entraForApp, vault, providerAppId }: Deps) {
  const cache = createTokenCache();
  const storedToken = async (serviceId: string) =>
    (await repos.connections.get(serviceId))?.refreshTokenSealed ?? null;

  /**
   * Exchanges the connection's refresh token for a token of one resource and stores the new refresh token at
   * once (they rotate: the old one stops working). Exchanges of one connection run one after the other in this
   * process, each with the token the one before stored, so the role check, a run, the plan preview and the
   * scheduled refresh never redeem the same token together. Another process may still have rotated it a moment
   * ago: when Entra refuses ours, the stored one is read again (after a short wait for that process to store
   * it) and used.
   */
  const rotate = (serviceId: string, tenantId: string, resource?: string): Promise<TokenResult> =>
    oneAtATime(serviceId, async () => {
      let sealed = await storedToken(serviceId);
      if (!sealed) throw new AppError('conflict', 'The connection holds no delegated token.');
      for (let attempt = 0; ; attempt++) {
        try {
          const current = await vault.open(sealed, refreshTokenContext(serviceId));
          const token = await entra.refresh(tenantId, current, resource);
          await repos.connections.storeRefreshedToken(serviceId, {
            refreshTokenSealed: await vault.seal(
              token.refreshToken ?? current,
              refreshTokenContext(serviceId),
            ),
            tokenExpiresAt: token.expiresAt,
          });
          return token;
        } catch (e) {
          if (!(e instanceof EntraError) || attempt >= ROTATION_RETRIES) throw e;
          await sleep(ROTATION_WAIT_MS * 2 ** attempt);
          const stored = await storedToken(serviceId);
          if (!stored) throw e;
          sealed = stored;
        }
      }
    });

  return {
    /** The connection of a service that holds a working connection; 409 otherwise. */
    async connected(serviceId: string): Promise<ConnectedRow> {
      const row = await repos.connections.get(serviceId);
      if (!row?.tenantId || !row.lastSuccessAt)
        throw new AppError('conflict', 'The service is not connected to Microsoft 365 yet.');
      return row as ConnectedRow;
    },

    /** The application the automation acts as in this tenant. */
    appIdOf(row: ConnectedRow): string {
      if (row.method === 'own-app' && row.clientId) return row.clientId;
      if (!providerAppId)
        throw new AppError(
          'conflict',
          'Microsoft 365 is not configured on this Trunkline (ENTRA_CLIENT_ID).',
        );
      return providerAppId;
    },

    /**
     * An app-only token (client credentials) of that application for one resource, reused per app, tenant and
     * resource until shortly before it expires (`fresh`: ask Entra anyway, e.g. to see a newly assigned role in
     * `wids`). A token for the Teams admin API that carries no directory role is not kept: the role may be
     * assigned any moment, and only a new token shows it.
     */
    async appToken(
      row: ConnectedRow,
      resource: string = GRAPH_RESOURCE,
      options: { fresh?: boolean } = {},
    ): Promise<TokenResult> {
      const keep = (t: TokenResult) => resource !== TEAMS_ADMIN_RESOURCE || t.directoryRoles.length > 0;
      if (row.method === 'own-app' && row.clientId && row.clientSecretSealed) {
        const { clientId, clientSecretSealed } = row;
        // The sealed secret's fingerprint: a replaced secret is a new key.
        const key = `app|${clientId}|${fingerprint(clientSecretSealed)}|${row.tenantId}|${resource}`;
        return cache.get(
          key,
          async () => {
            const clientSecret = await vault.open(clientSecretSealed, clientSecretContext(row.serviceId));
            return entraForApp({ clientId, clientSecret }).clientCredentials(row.tenantId, resource);
          },
          { ...options, keep },
        );
      }
      return cache.get(
        `app|${providerAppId ?? ''}|${row.tenantId}|${resource}`,
        () => entra.clientCredentials(row.tenantId, resource),
        { ...options, keep },
      );
    },

    /**
     * The admin's delegated token for one resource, or null when the connection holds none; reused per
     * connection (its admin), tenant and resource until shortly before it expires, so a run exchanges the
     * refresh token once per resource, not once per step.
     */
    async delegatedToken(row: ConnectedRow, resource: string = GRAPH_RESOURCE): Promise<TokenResult | null> {
      if (!row.refreshTokenSealed) return null;
      const key = `delegated|${row.serviceId}|${row.method}|${row.adminUsername ?? ''}|${row.tenantId}|${resource}`;
      return cache.get(key, () => rotate(row.serviceId, row.tenantId, resource));
    },

    /**
     * Forgets the access tokens this process keeps for a tenant, so the next call asks Entra again: for when
     * Microsoft refuses one before its `exp` (401: revoked, or lapsed early by Continuous Access Evaluation, a
     * password reset, clock skew). Refresh tokens are untouched.
     */
    forgetTokens(tenantId: string) {
      cache.forgetTenant(tenantId);
    },

    /** The scheduled refresh of one connection: the same exchange, stored the same way. */
    rotate,
  };
}
export type TenantAccess = ReturnType<typeof createTenantAccess>;
