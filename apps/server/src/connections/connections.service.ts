import {
  REQUIRED_APP_PERMISSIONS,
  type ConnectionMethod,
  type ConnectionAttempt,
  type ConnectionStatus,
  type OwnAppConnection,
} from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { Repositories } from '../app/repositories.ts';
import { recordAudit } from '../audit/audit.ts';
import { EntraError, type EntraClient, type EntraErrorKind } from '../microsoft/entra.ts';
import { notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Vault } from '../secrets/vault.ts';
import { PRE_CONNECTION } from '../services/services.service.ts';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { systemActor } from '../access/actor.ts';
import type { InvitationTokens } from '../invitations/invitation-token.ts';
import type { GraphClient } from '../microsoft/graph.ts';
import { AppError } from '../platform/errors.ts';
import { hashToken } from '../platform/crypto.ts';
import { assignTeamsRoleJob } from '../jobs/definitions.ts';
import type { JobQueue } from '../jobs/job.ts';
import { clientSecretContext, refreshTokenContext } from './tenant-access.ts';

/** What to tell the operator for each way a password sign-in can fail, with the way forward. */
const guidance: Record<EntraErrorKind, string> = {
  mfa_required:
    'The admin account must use multi-factor authentication, which a password sign-in cannot do. Send the invitation link to the IT administrator, or let them sign in interactively (Delegated Token).',
  invalid_credentials:
    'Microsoft rejected the username or password. Check them and try again, or send the invitation link to the IT administrator.',
  federated:
    'The account signs in through a federated identity provider, so its password cannot be used here. Send the invitation link to the IT administrator.',
  consent_required:
    "The provider's app is not yet consented in this tenant, and a password sign-in cannot grant consent. Send the invitation link so that an administrator consents.",
  unknown_tenant:
    "Microsoft knows no tenant for the domain of this username. Check the username (it must be the admin's UPN).",
  not_configured:
    'Microsoft 365 is not configured on this Trunkline (ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET). Ask the provider admin.',
  unavailable: 'Microsoft Entra ID could not be reached. Try again shortly.',
  rejected: 'Microsoft refused the sign-in.',
};

type Deps = {
  repos: Repositories;
  uow: UnitOfWork<Repositories>;
  entra: EntraClient;
  /** The same adapter for another app registration: the customer's own. */
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  graph: GraphClient;
  vault: Vault;
  tokens: InvitationTokens;
  jobs: JobQueue;
  publicUrl: string;
  now?: () => Date;
};

const CONSENT_STATE_MINUTES = 30;
export const CONSENT_CALLBACK_PATH = '/api/v1/microsoft/consent/callback';
export const SIGN_IN_CALLBACK_PATH = '/api/v1/microsoft/callback';

export type ConsentCallback = {
  state?: string | undefined;
  admin_consent?: string | undefined;
  tenant?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
};

export function createConnectionsService({
  repos,
  uow,
  entra,
  entraForApp,
  graph,
  vault,
  tokens,
  jobs,
  publicUrl,
  now = () => new Date(),
}: Deps) {
  const usable = new Set(['queued', 'sent', 'send-failed', 'opened']);
  const consentRedirectUri = `${publicUrl}${CONSENT_CALLBACK_PATH}`;
  const signInRedirectUri = `${publicUrl}${SIGN_IN_CALLBACK_PATH}`;

  const invalidStateUrl = `${publicUrl}/invite/invalid?consent=invalid-state`;
  const stateExpiry = () => new Date(now().getTime() + CONSENT_STATE_MINUTES * 60_000);
  const pkceContext = (stateId: string) => ({ table: 'oauth_states', rowId: stateId, purpose: 'pkce' });

  /** The invitation of a link that can still be used to connect; 404 or 409 otherwise. */
  async function usableInvitation(inviteToken: string) {
    const invitation = await repos.invitations.findByTokenHash(tokens.hashOf(inviteToken));
    if (!invitation) throw notFound('Invitation');
    if (!usable.has(invitation.status))
      throw new AppError(
        'conflict',
        `This invitation is ${invitation.status === 'completed' ? 'used' : invitation.status}.`,
      );
    return invitation;
  }

  /**
   * Consumes the `state` of a Microsoft redirect (once) and finds its invitation; `back` builds the URL of the
   * invitation page with the outcome. Null when the state is missing, unknown, used or expired.
   */
  async function resolveCallback(state: string | undefined, purpose: string) {
    if (!state) return null;
    const stateId = hashToken(state);
    const bound = await repos.oauthStates.consume(stateId, purpose);
    if (!bound?.invitationId) return null;
    const invitation = await repos.invitations.forDelivery(bound.invitationId);
    if (!invitation) return null;
    const back = (outcome: string, message?: string) => {
      const url = new URL(tokens.linkFor(invitation.id, invitation.tokenGeneration));
      url.searchParams.set('consent', outcome);
      if (message) url.searchParams.set('message', message);
      return url.toString();
    };
    return { invitation, back, stateId, codeVerifierSealed: bound.codeVerifierSealed };
  }

  type Callback = NonNullable<Awaited<ReturnType<typeof resolveCallback>>>;

  /** Records why a connection from an invitation failed; answers the invitation page URL with the outcome. */
  async function recordCallbackFailure(
    { invitation, back }: Callback,
    actor: Actor,
    method: ConnectionMethod,
    reason: string,
    message: string,
    summary: Record<string, unknown>,
  ) {
    await uow(async (r) => {
      await r.connections.recordFailure(invitation.serviceId, {
        method,
        adminUsername: null,
        error: message,
      });
      await recordAudit(r.audit, actor, {
        action: 'connection.establish',
        targetType: 'service',
        targetId: invitation.serviceId,
        customerId: invitation.customerId,
        outcome: 'failure',
        summary: { method, reason, ...summary },
      });
    });
    return back(reason, message);
  }

  /**
   * A connection made through an invitation, in one transaction: the connection, the service moved on from a
   * pre-connection status, the invitation completed, and the audit record.
   */
  async function completeThroughInvitation(
    invitation: { id: string; serviceId: string; customerId: string },
    actor: Actor,
    success: Parameters<Repositories['connections']['recordSuccess']>[1],
    summary: Record<string, unknown>,
  ) {
    await uow(async (r, tx) => {
      await r.connections.recordSuccess(invitation.serviceId, success);
      await jobs.send(assignTeamsRoleJob, { serviceId: invitation.serviceId }, { within: tx });
      const service = await r.services.get({ kind: 'provider' }, invitation.serviceId);
      if (service && PRE_CONNECTION.has(service.status))
        await r.services.update({ kind: 'provider' }, invitation.serviceId, { status: 'connected' });
      await r.invitations.setStatus(invitation.id, 'completed', { completedAt: now() });
      await recordAudit(r.audit, actor, {
        action: 'connection.establish',
        targetType: 'service',
        targetId: invitation.serviceId,
        customerId: invitation.customerId,
        summary: { method: success.method, ...summary },
      });
    });
  }

  return {
    /**
     * The credentials path: one password grant, with the password held only for this call. On success the
     * service is connected and the refresh token is kept, sealed; on failure the operator learns why and
     * what to do instead. The password is discarded either way.
     */
    async connectWithPassword(
      actor: Actor,
      serviceId: string,
      username: string,
      password: string,
    ): Promise<ConnectionAttempt> {
      const service = await repos.services.get(scopeOf(actor), serviceId);
      if (!service) throw notFound('Service');
      const domain = username.split('@')[1] ?? username;
      try {
        const token = await entra.passwordGrant(domain, username, password);
        const sealed = token.refreshToken
          ? await vault.seal(token.refreshToken, refreshTokenContext(serviceId))
          : null;
        await uow(async (r, tx) => {
          await jobs.send(assignTeamsRoleJob, { serviceId }, { within: tx });
          await r.connections.recordSuccess(serviceId, {
            method: 'credentials',
            tenantId: token.tenantId,
            adminUsername: token.username ?? username,
            grantedPermissions: token.scopes,
            refreshTokenSealed: sealed,
            tokenExpiresAt: token.expiresAt,
          });
          if (PRE_CONNECTION.has(service.status))
            await r.services.update(scopeOf(actor), serviceId, { status: 'connected' });
          await recordAudit(r.audit, actor, {
            action: 'connection.establish',
            targetType: 'service',
            targetId: serviceId,
            customerId: service.customerId,
            summary: { method: 'credentials', tenantId: token.tenantId, username },
          });
        });
        return {
          state: 'connected',
          reason: null,
          message: `Connected to tenant ${token.tenantId} as ${token.username ?? username}.`,
        };
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        const message = `${guidance[e.kind]}${e.aadsts ? ` (Microsoft: ${e.aadsts})` : ''}`;
        await uow(async (r) => {
          await r.connections.recordFailure(serviceId, {
            method: 'credentials',
            adminUsername: username,
            error: message,
          });
          await recordAudit(r.audit, actor, {
            action: 'connection.establish',
            targetType: 'service',
            targetId: serviceId,
            customerId: service.customerId,
            outcome: 'failure',
            summary: { method: 'credentials', username, reason: e.kind, aadsts: e.aadsts },
          });
        });
        return { state: 'failed', reason: e.kind, message };
      }
    },

    /**
     * Application Registration, consent to the provider's app: from a valid invitation link, a redirect to
     * Microsoft's admin-consent endpoint with a `state` bound to this invitation (unguessable, single use).
     */
    async startAdminConsent(inviteToken: string): Promise<{ redirectUrl: string }> {
      const invitation = await usableInvitation(inviteToken);
      if (!entra.configured) throw new AppError('conflict', guidance.not_configured);
      const state = randomBytes(32).toString('base64url');
      await repos.oauthStates.create({
        id: hashToken(state),
        purpose: 'admin-consent',
        invitationId: invitation.id,
        serviceId: invitation.serviceId,
        expiresAt: stateExpiry(),
      });
      return { redirectUrl: entra.adminConsentUrl({ redirectUri: consentRedirectUri, state }).toString() };
    },

    /**
     * Microsoft's redirect after admin consent. The `tenant` it carries can be forged, so it is confirmed
     * by acquiring an app-only token for that tenant and reading its organization. Answers where to send
     * the browser: back to the invitation page with the outcome.
     */
    async completeAdminConsent(query: ConsentCallback): Promise<string> {
      const callback = await resolveCallback(query.state, 'admin-consent');
      if (!callback) return invalidStateUrl;
      const { invitation, back } = callback;
      const actor = { ...systemActor('admin-consent'), email: `consent:${invitation.email}` };
      const fail = (reason: string, message: string) =>
        recordCallbackFailure(callback, actor, 'admin-consent', reason, message, {
          tenant: query.tenant ?? null,
        });

      if (query.error || query.admin_consent?.toLowerCase() !== 'true' || !query.tenant) {
        const detail = (query.error_description ?? query.error ?? 'Consent was not given.').split('\n')[0]!;
        return fail('denied', `Consent was not granted: ${detail}`);
      }
      let token;
      try {
        token = await entra.clientCredentials(query.tenant);
        const org = await graph.organization(token.accessToken);
        if (token.tenantId !== query.tenant || org.id !== query.tenant) throw new Error('tenant mismatch');
      } catch {
        return fail(
          'failed',
          `Trunkline could not confirm access to tenant ${query.tenant}: no app-only token or organization for it. Ask for a new link and consent again.`,
        );
      }
      await completeThroughInvitation(
        invitation,
        actor,
        {
          method: 'admin-consent',
          tenantId: token.tenantId,
          adminUsername: null,
          grantedPermissions: token.roles,
          refreshTokenSealed: null,
          tokenExpiresAt: token.expiresAt,
        },
        { tenantId: token.tenantId, permissions: token.roles },
      );
      return back('done');
    },

    /**
     * Application Registration, the customer's own app: validated by acquiring an app-only token with it for
     * the tenant and checking the required application permissions in its `roles`; the secret is kept only
     * sealed, with its expiry.
     */
    async connectOwnApp(input: OwnAppConnection): Promise<ConnectionAttempt> {
      const invitation = await usableInvitation(input.token);
      const field = (path: string, message: string) =>
        new AppError('validation_failed', message, { errors: [{ path, code: 'rejected', message }] });
      let token;
      try {
        token = await entraForApp({
          clientId: input.clientId,
          clientSecret: input.clientSecret,
        }).clientCredentials(input.tenantId);
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        const where =
          e.kind === 'unknown_tenant'
            ? 'tenantId'
            : /7000215|7000222/.test(e.aadsts ?? '')
              ? 'clientSecret'
              : 'clientId';
        throw field(where, `Microsoft refused a token for this app: ${e.message}`);
      }
      const missing = REQUIRED_APP_PERMISSIONS.filter((p) => !token.roles.includes(p));
      if (missing.length)
        throw field(
          'clientId',
          `The app lacks these application permissions (with admin consent): ${missing.join(', ')}.`,
        );
      const org = await graph.organization(token.accessToken).catch(() => null);
      if (token.tenantId !== input.tenantId || org?.id !== input.tenantId)
        throw field('tenantId', 'The token is not for this tenant.');
      const sealed = await vault.seal(input.clientSecret, clientSecretContext(invitation.serviceId));
      await completeThroughInvitation(
        invitation,
        { ...systemActor('own-app'), email: `invitation:${invitation.email}` },
        {
          method: 'own-app',
          tenantId: input.tenantId,
          adminUsername: null,
          grantedPermissions: token.roles,
          refreshTokenSealed: null,
          clientId: input.clientId,
          clientSecretSealed: sealed,
          secretExpiresAt: input.secretExpiresAt ? new Date(`${input.secretExpiresAt}T00:00:00Z`) : null,
          tokenExpiresAt: token.expiresAt,
        },
        { tenantId: input.tenantId, clientId: input.clientId, permissions: token.roles },
      );
      return {
        state: 'connected',
        reason: null,
        message: `Connected to tenant ${input.tenantId} with your app ${input.clientId}.`,
      };
    },

    /**
     * Delegated Token: the tenant's Global admin (or service account admin) signs in through the
     * authorization code flow with PKCE (`login_hint`, `offline_access`); the refresh token is kept sealed and
     * refreshed by a scheduled job.
     */
    async startDelegated(inviteToken: string, loginHint?: string): Promise<{ redirectUrl: string }> {
      const invitation = await usableInvitation(inviteToken);
      if (!entra.configured) throw new AppError('conflict', guidance.not_configured);
      const state = randomBytes(32).toString('base64url');
      const stateId = hashToken(state);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      await repos.oauthStates.create({
        id: stateId,
        purpose: 'delegated',
        invitationId: invitation.id,
        serviceId: invitation.serviceId,
        expiresAt: stateExpiry(),
        codeVerifierSealed: await vault.seal(codeVerifier, pkceContext(stateId)),
      });
      const url = entra.authorizationUrl({
        redirectUri: signInRedirectUri,
        state,
        codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        loginHint,
      });
      return { redirectUrl: url.toString() };
    },

    /** Microsoft's redirect after the admin signed in: redeem the code, keep the refresh token, connect. */
    async completeDelegated(query: {
      state?: string | undefined;
      code?: string | undefined;
      error?: string | undefined;
      error_description?: string | undefined;
    }): Promise<string> {
      const callback = await resolveCallback(query.state, 'delegated');
      if (!callback?.codeVerifierSealed) return invalidStateUrl;
      const { invitation, back, stateId, codeVerifierSealed } = callback;
      const actor = { ...systemActor('delegated-token'), email: `invitation:${invitation.email}` };
      const fail = (reason: string, message: string) =>
        recordCallbackFailure(callback, actor, 'delegated', reason, message, {});
      if (query.error || !query.code)
        return fail(
          'denied',
          `Sign-in was not completed: ${(query.error_description ?? query.error ?? 'no code').split('\n')[0]}`,
        );
      let token;
      try {
        const codeVerifier = await vault.open(codeVerifierSealed, pkceContext(stateId));
        token = await entra.exchangeCode({ redirectUri: signInRedirectUri, code: query.code, codeVerifier });
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        return fail('failed', `Microsoft did not issue a token: ${e.message}`);
      }
      if (!token.refreshToken)
        return fail('failed', 'Microsoft issued no refresh token (offline_access was not granted).');
      await completeThroughInvitation(
        invitation,
        actor,
        {
          method: 'delegated',
          tenantId: token.tenantId,
          adminUsername: token.username,
          grantedPermissions: token.scopes,
          refreshTokenSealed: await vault.seal(token.refreshToken, refreshTokenContext(invitation.serviceId)),
          tokenExpiresAt: token.expiresAt,
        },
        { tenantId: token.tenantId, username: token.username },
      );
      return back('done');
    },

    /**
     * The scheduled refresh: every delegated or credentials connection exchanges its refresh token for a new
     * one (they rotate) well before it lapses, and stores the new one sealed. Failures are recorded, not thrown.
     */
    async refreshTokens(olderThan: Date): Promise<{ refreshed: number; failed: number }> {
      let refreshed = 0;
      let failed = 0;
      for (const row of await repos.connections.dueForRefresh(olderThan)) {
        try {
          const current = await vault.open(row.refreshTokenSealed, refreshTokenContext(row.serviceId));
          const token = await entra.refresh(row.tenantId, current);
          const next = token.refreshToken ?? current;
          await repos.connections.storeRefreshedToken(row.serviceId, {
            refreshTokenSealed: await vault.seal(next, refreshTokenContext(row.serviceId)),
            tokenExpiresAt: token.expiresAt,
          });
          refreshed++;
        } catch (e) {
          failed++;
          const message =
            e instanceof EntraError
              ? `Refreshing the token failed: ${e.message}`
              : `Refreshing the token failed: ${String(e)}`;
          await repos.connections.recordFailure(row.serviceId, {
            method: row.method as ConnectionMethod,
            adminUsername: null,
            error: message,
          });
        }
      }
      return { refreshed, failed };
    },

    async status(actor: Actor, serviceId: string): Promise<ConnectionStatus> {
      const service = await repos.services.get(scopeOf(actor), serviceId);
      if (!service) throw notFound('Service');
      const row = await repos.connections.get(serviceId);
      const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
      return {
        serviceId,
        // Connected once a token was obtained; a later error shows in lastError without undoing that.
        state: !row ? 'not-connected' : row.lastSuccessAt ? 'connected' : 'failed',
        method: (row?.method as ConnectionStatus['method']) ?? null,
        tenantId: row?.tenantId ?? null,
        adminUsername: row?.adminUsername ?? null,
        grantedPermissions: row?.grantedPermissions ?? [],
        clientId: row?.clientId ?? null,
        secretExpiresAt: iso(row?.secretExpiresAt),
        tokenExpiresAt: iso(row?.tokenExpiresAt),
        lastSuccessAt: iso(row?.lastSuccessAt),
        lastError: row?.lastError ?? null,
        lastErrorAt: iso(row?.lastErrorAt),
        teamsRole: {
          state: (row?.teamsRoleState as ConnectionStatus['teamsRole']['state'] | undefined) ?? 'unknown',
          message: row?.teamsRoleMessage ?? null,
          checkedAt: iso(row?.teamsRoleCheckedAt),
        },
      };
    },
  };
}
export type ConnectionsService = ReturnType<typeof createConnectionsService>;
