import { randomBytes } from 'node:crypto';
import { systemActor } from '../access/actor.ts';
import { EntraError, type EntraClient } from '../microsoft/entra.ts';
import { GraphError, type GraphClient } from '../microsoft/graph.ts';
import { hashToken } from '../platform/crypto.ts';
import { AppError } from '../platform/errors.ts';
import { guidance } from './guidance.ts';
import { isTenantTaken } from './connections.repository.ts';
import type { InvitationFlow } from './invitation-flow.ts';
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

/** Application Registration, consent to the provider's app, started from an invitation link. */
export function createAdminConsentFlow({
  repos,
  flow,
  entra,
  graph,
  publicUrl,
}: {
  repos: { oauthStates: OAuthStatesRepository };
  flow: InvitationFlow;
  entra: EntraClient;
  graph: GraphClient;
  publicUrl: string;
}) {
  const redirectUri = `${publicUrl}${CONSENT_CALLBACK_PATH}`;
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
      let token;
      let confirmed = false;
      try {
        token = await entra.clientCredentials(query.tenant);
        const org = await graph.organization(token.accessToken);
        confirmed = token.tenantId === query.tenant && org.id === query.tenant;
      } catch (e) {
        // Microsoft failing is not a verdict on the consent: the admin tries again, nothing else changes.
        if (isMicrosoftOutage(e))
          return fail(
            'failed',
            `Microsoft could not be reached to confirm access to tenant ${query.tenant} (${(e as Error).message}). Nothing is wrong with the consent: try again shortly from this page.`,
            { microsoft: 'unavailable' },
          );
        if (!(e instanceof EntraError) && !(e instanceof GraphError)) throw e;
      }
      if (!token || !confirmed)
        return fail(
          'failed',
          `Trunkline could not confirm access to tenant ${query.tenant}: no app-only token or organization for it. Ask for a new link and consent again.`,
        );
      try {
        await flow.completeThroughInvitation(
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
      } catch (e) {
        // One tenant, one customer: the admin's browser comes back to the invitation page with the reason.
        if (isTenantTaken(e)) return fail('tenant-taken', e.message);
        throw e;
      }
      return back('done');
    },
  };
}
