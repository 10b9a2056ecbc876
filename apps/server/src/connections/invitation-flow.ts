import type { ConnectionMethod } from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { InvitationTokens } from '../invitations/invitation-token.ts';
import type { InvitationForDelivery, InvitationsRepository } from '../invitations/invitations.repository.ts';
import { assignTeamsRoleJob } from '../jobs/definitions.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { AppError, notFound } from '../platform/errors.ts';
import { hashToken } from '../platform/crypto.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import { PRE_CONNECTION } from '../services/services.service.ts';
import type { ConnectionsRepository } from './connections.repository.ts';
import type { ConsentConfirmationsRepository } from './consent-confirmations.repository.ts';
import type { OAuthStatesRepository } from './oauth-states.repository.ts';

/**
 * What the flows that start from an invitation link share: the usable invitation, the `state` handed to
 * Microsoft and consumed by its redirect, and the one transaction that completes a connection.
 */
export type InvitationFlowDeps = {
  repos: {
    invitations: InvitationsRepository;
    oauthStates: OAuthStatesRepository;
    consentConfirmations: ConsentConfirmationsRepository;
  };
  uow: UnitOfWork<{
    connections: ConnectionsRepository;
    consentConfirmations: ConsentConfirmationsRepository;
    services: ServicesRepository;
    invitations: InvitationsRepository;
    audit: AuditRepository;
    jobs: TransactionJobQueue;
  }>;
  tokens: InvitationTokens;
  publicUrl: string;
  now: () => Date;
};

/** A consumed callback `state` with its invitation; `back` builds the invitation page URL with the outcome. */
export type InvitationCallback = {
  invitation: InvitationForDelivery;
  back: (outcome: string, message?: string) => string;
  stateId: string;
  codeVerifierSealed: string | null;
};

const CONSENT_STATE_MINUTES = 30;
const USABLE = new Set(['queued', 'sent', 'send-failed', 'opened']);

export const pkceContext = (stateId: string) => ({ table: 'oauth_states', rowId: stateId, purpose: 'pkce' });

export function createInvitationFlow({ repos, uow, tokens, publicUrl, now }: InvitationFlowDeps) {
  async function resolveCallback(
    state: string | undefined,
    purpose: string,
  ): Promise<InvitationCallback | null> {
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

  return {
    /** Where a callback with a missing, unknown, used or expired `state` sends the browser. */
    invalidStateUrl: `${publicUrl}/invite/invalid?consent=invalid-state`,

    /** When a `state` handed to Microsoft now stops being accepted. */
    stateExpiry: () => new Date(now().getTime() + CONSENT_STATE_MINUTES * 60_000),

    /** The invitation of a link that can still be used to connect; 404 or 409 otherwise. */
    async usableInvitation(inviteToken: string) {
      const invitation = await repos.invitations.findByTokenHash(tokens.hashOf(inviteToken));
      if (!invitation) throw notFound('Invitation');
      if (!USABLE.has(invitation.status))
        throw new AppError(
          'conflict',
          `This invitation is ${invitation.status === 'completed' ? 'used' : invitation.status}.`,
        );
      return invitation;
    },

    /**
     * Consumes the `state` of a Microsoft redirect (once) and finds its invitation; `back` builds the URL of the
     * invitation page with the outcome. Null when the state is missing, unknown, used or expired.
     */
    resolveCallback,

    /** Records why a connection from an invitation failed; answers the invitation page URL with the outcome. */
    async recordCallbackFailure(
      { invitation, back }: InvitationCallback,
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
    },

    /**
     * A connection made through an invitation, in one transaction: the connection, the service moved on from a
     * pre-connection status, the invitation completed, and the audit record.
     */
    async completeThroughInvitation(
      invitation: { id: string; serviceId: string; customerId: string },
      actor: Actor,
      success: Parameters<ConnectionsRepository['recordSuccess']>[1],
      summary: Record<string, unknown>,
    ) {
      await uow(async (r) => {
        await r.connections.recordSuccess(invitation.serviceId, success);
        // A consent being confirmed in the background is confirmed now.
        await r.consentConfirmations.remove(invitation.serviceId);
        await r.jobs.send(assignTeamsRoleJob, { serviceId: invitation.serviceId });
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
    },
  };
}
export type InvitationFlow = ReturnType<typeof createInvitationFlow>;
