import { randomBytes } from 'node:crypto';
import { systemActor } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.ts';
import type { InvitationsRepository } from '../invitations/invitations.repository.ts';
import { confirmConsentJob } from '../jobs/definitions.ts';
import { EntraError, type EntraClient, type TokenResult } from '../microsoft/entra.ts';
import { GraphError, type GraphClient } from '../microsoft/graph.ts';
import { hashToken } from '../platform/crypto.ts';
import { AppError } from '../platform/errors.ts';
import { guidance } from './guidance.ts';
import { isTenantTaken } from './connections.repository.ts';
import type { ConsentConfirmationsRepository } from './consent-confirmations.repository.ts';
import type { InvitationFlow, InvitationFlowDeps } from './invitation-flow.ts';
import { isMicrosoftOutage } from './microsoft-outage.ts';
import type { OAuthStatesRepository } from './oauth-states.repository.ts';

export const CONSENT_CALLBACK_PATH = '/api/v1/microsoft/consent/callback';

export type ConsentCallback = {
  state?: string | undefined;
  admin_consent?: string | undefined;
  tenant?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
};

/**
 * How long Trunkline keeps confirming a consent that Microsoft does not confirm at once. A freshly consented app's
 * service principal replicates for seconds to minutes (Microsoft Graph known issues); past this the consent is
 * reported as not confirmed.
 */
export const CONSENT_CONFIRM_MINUTES = 5;

/**
 * How long the callback itself keeps asking (once a second) before it hands the confirmation to the background job:
 * a replication of a few seconds then ends in "connected" on the first page the admin sees.
 */
const INLINE_CONFIRM_MS = 4000;

/**
 * Microsoft refusing a freshly consented app while its service principal replicates: Entra's "application … was
 * not found in the directory" (AADSTS700016) for the token, or Graph refusing the new token (401/403) or not
 * finding the organization (404). AADSTS7000229 ("missing service principal": no consent at all) is not one.
 */
export const isNotYetReplicated = (e: unknown) =>
  (e instanceof EntraError && e.aadsts === 'AADSTS700016') ||
  (e instanceof GraphError && [401, 403, 404].includes(e.status));

/** Microsoft's answer, its first line (Entra appends trace and correlation ids on further lines). */
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split(/\r?\n/)[0]!.trim();

type Attempt =
  | { confirmed: true; token: TokenResult }
  | { confirmed: false; again: 'replicating' | 'outage' | false; reason: string };

/** Application Registration, consent to the provider's app, started from an invitation link. */
export function createAdminConsentFlow({
  repos,
  flow,
  entra,
  graph,
  publicUrl,
  uow,
  now = () => new Date(),
}: {
  repos: {
    oauthStates: OAuthStatesRepository;
    invitations: InvitationsRepository;
    consentConfirmations: ConsentConfirmationsRepository;
  };
  flow: InvitationFlow;
  entra: EntraClient;
  graph: GraphClient;
  publicUrl: string;
  uow: InvitationFlowDeps['uow'];
  now?: () => Date;
}) {
  const redirectUri = `${publicUrl}${CONSENT_CALLBACK_PATH}`;

  /**
   * The `tenant` of Microsoft's redirect can be forged, so it is confirmed by an app-only token for that tenant and a
   * read of its organization: both must name it.
   */
  async function attempt(tenant: string): Promise<Attempt> {
    try {
      const token = await entra.clientCredentials(tenant);
      const org = await graph.organization(token.accessToken);
      if (token.tenantId === tenant && org.id === tenant) return { confirmed: true, token };
      return { confirmed: false, again: false, reason: 'the token or organization is of another tenant' };
    } catch (e) {
      if (isMicrosoftOutage(e)) return { confirmed: false, again: 'outage', reason: firstLine(e) };
      if (isNotYetReplicated(e)) return { confirmed: false, again: 'replicating', reason: firstLine(e) };
      if (e instanceof EntraError || e instanceof GraphError)
        return { confirmed: false, again: false, reason: firstLine(e) };
      throw e;
    }
  }

  const connectionOf = (token: TokenResult) => ({
    method: 'admin-consent' as const,
    tenantId: token.tenantId,
    adminUsername: null,
    grantedPermissions: token.roles,
    refreshTokenSealed: null,
    tokenExpiresAt: token.expiresAt,
  });

  return {
    /**
     * From a valid invitation link, a redirect to Microsoft's admin-consent endpoint with a `state` bound to
     * this invitation (unguessable, single use).
     */
    async startAdminConsent(inviteToken: string): Promise<{ redirectUrl: string }> {
      const invitation = await flow.usableInvitation(inviteToken);
      if (!entra.configured) throw new AppError('conflict', guidance.not_configured);
      const state = randomBytes(32).toString('base64url');
      await repos.oauthStates.create({
        id: hashToken(state),
        purpose: 'admin-consent',
        invitationId: invitation.id,
        serviceId: invitation.serviceId,
        expiresAt: flow.stateExpiry(),
      });
      return { redirectUrl: entra.adminConsentUrl({ redirectUri, state }).toString() };
    },

    /**
     * Microsoft's redirect after admin consent. The `tenant` it carries can be forged, so it is confirmed
     * by acquiring an app-only token for that tenant and reading its organization. Answers where to send
     * the browser: back to the invitation page with the outcome.
     */
    async completeAdminConsent(query: ConsentCallback): Promise<string> {
      const callback = await flow.resolveCallback(query.state, 'admin-consent');
      if (!callback) return flow.invalidStateUrl;
      const { invitation, back } = callback;
      const actor = { ...systemActor('admin-consent'), email: `consent:${invitation.email}` };
      const fail = (reason: string, message: string, summary: Record<string, unknown> = {}) =>
        flow.recordCallbackFailure(callback, actor, 'admin-consent', reason, message, {
          tenant: query.tenant ?? null,
          ...summary,
        });

      if (query.error || query.admin_consent?.toLowerCase() !== 'true' || !query.tenant) {
        const detail = (query.error_description ?? query.error ?? 'Consent was not given.').split('\n')[0]!;
        return fail('denied', `Consent was not granted: ${detail}`);
      }
      let first = await attempt(query.tenant);
      const inlineUntil = Date.now() + INLINE_CONFIRM_MS;
      while (!first.confirmed && first.again === 'replicating' && Date.now() < inlineUntil) {
        await new Promise((r) => setTimeout(r, 1000));
        first = await attempt(query.tenant);
      }
      if (!first.confirmed) {
        // Microsoft failing is not a verdict on the consent: the admin tries again, nothing else changes.
        if (first.again === 'outage')
          return fail(
            'failed',
            `Microsoft could not be reached to confirm access to tenant ${query.tenant} (${first.reason}). Nothing is wrong with the consent: try again shortly from this page.`,
            { microsoft: 'unavailable' },
          );
        if (first.again === 'replicating') {
          // A freshly consented app: Microsoft is still setting it up. Confirmed in the background, visibly.
          await uow(async (r) => {
            await r.consentConfirmations.start({
              serviceId: invitation.serviceId,
              invitationId: invitation.id,
              tenantId: query.tenant!,
              deadline: new Date(now().getTime() + CONSENT_CONFIRM_MINUTES * 60_000),
              lastError: first.reason,
            });
            await r.jobs.send(
              confirmConsentJob,
              { serviceId: invitation.serviceId },
              { startAfterSeconds: 2 },
            );
            await recordAudit(r.audit, actor, {
              action: 'connection.establish',
              targetType: 'service',
              targetId: invitation.serviceId,
              customerId: invitation.customerId,
              outcome: 'failure',
              summary: {
                method: 'admin-consent',
                reason: 'confirming',
                tenant: query.tenant,
                microsoft: first.reason,
              },
            });
          });
          return back(
            'confirming',
            `Microsoft accepted the consent and is still setting up access to tenant ${query.tenant} (it answered: ${first.reason}). Trunkline keeps confirming it for up to ${CONSENT_CONFIRM_MINUTES} minutes by itself; your provider sees the result. You can close this window.`,
          );
        }
        return fail(
          'failed',
          `Trunkline could not confirm access to tenant ${query.tenant}: no app-only token or organization for it (${first.reason}). Ask for a new link and consent again.`,
        );
      }
      const { token } = first;
      try {
        await flow.completeThroughInvitation(invitation, actor, connectionOf(token), {
          tenantId: token.tenantId,
          permissions: token.roles,
        });
      } catch (e) {
        // One tenant, one customer: the admin's browser comes back to the invitation page with the reason.
        if (isTenantTaken(e)) return fail('tenant-taken', e.message);
        throw e;
      }
      return back('done');
    },

    /**
     * One background attempt to confirm a consent Microsoft did not confirm at once (`connection.confirm-consent`):
     * confirmed → the connection as from the callback; Microsoft still replicating (or unreachable) → the next
     * attempt later, until the deadline; anything else, or past the deadline → the connection fails with the reason.
     */
    async confirmConsent(serviceId: string): Promise<'confirmed' | 'waiting' | 'failed' | 'gone'> {
      const c = await repos.consentConfirmations.get(serviceId);
      if (!c) return 'gone';
      const invitation = await repos.invitations.forDelivery(c.invitationId);
      if (!invitation) {
        await repos.consentConfirmations.remove(serviceId);
        return 'gone';
      }
      const actor = { ...systemActor('admin-consent'), email: `consent:${invitation.email}` };
      const result = await attempt(c.tenantId);
      const giveUp = async (message: string, reason: string) => {
        await uow(async (r) => {
          await r.consentConfirmations.remove(serviceId);
          await r.connections.recordFailure(serviceId, {
            method: 'admin-consent',
            adminUsername: null,
            error: message,
          });
          await recordAudit(r.audit, actor, {
            action: 'connection.establish',
            targetType: 'service',
            targetId: serviceId,
            customerId: invitation.customerId,
            outcome: 'failure',
            summary: { method: 'admin-consent', reason, tenant: c.tenantId, attempts: c.attempts + 1 },
          });
        });
        return 'failed' as const;
      };
      if (result.confirmed) {
        try {
          await flow.completeThroughInvitation(invitation, actor, connectionOf(result.token), {
            tenantId: result.token.tenantId,
            permissions: result.token.roles,
            confirmedAfterAttempts: c.attempts + 1,
          });
        } catch (e) {
          if (isTenantTaken(e)) return giveUp(e.message, 'tenant-taken');
          throw e;
        }
        return 'confirmed';
      }
      if (result.again && now() < new Date(c.deadline)) {
        const wait = Math.min(30, 2 ** Math.min(c.attempts + 1, 5));
        await uow(async (r) => {
          await r.consentConfirmations.attempted(serviceId, result.reason);
          await r.jobs.send(confirmConsentJob, { serviceId }, { startAfterSeconds: wait });
        });
        return 'waiting';
      }
      return giveUp(
        result.again
          ? `Trunkline could not confirm access to tenant ${c.tenantId} within ${CONSENT_CONFIRM_MINUTES} minutes of the consent: Microsoft still answered "${result.reason}" (${c.attempts + 1} attempts). Ask for a new link and consent again; if it happens again, the provider's app may not be consented in that tenant.`
          : `Trunkline could not confirm access to tenant ${c.tenantId}: ${result.reason}. Ask for a new link and consent again.`,
        result.again ? 'not-confirmed-in-time' : 'failed',
      );
    },
  };
}
