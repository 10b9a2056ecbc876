import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { systemActor } from '../access/actor.ts';
import { EntraError, type EntraClient } from '../microsoft/entra.ts';
import { hashToken } from '../platform/crypto.ts';
import { AppError } from '../platform/errors.ts';
import type { Vault } from '../secrets/vault.ts';
import { isTenantTaken } from './connections.repository.ts';
import { guidance } from './guidance.ts';
import { pkceContext, type InvitationFlow } from './invitation-flow.ts';
import type { OAuthStatesRepository } from './oauth-states.repository.ts';
import { refreshTokenContext } from './tenant-access.ts';

export const SIGN_IN_CALLBACK_PATH = '/api/v1/microsoft/callback';

export type SignInCallback = {
  state?: string | undefined;
  code?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
};

/**
 * Delegated Token: the tenant's Global admin (or service account admin) signs in through the authorization
 * code flow with PKCE (`login_hint`, `offline_access`); the refresh token is kept sealed and refreshed by a
 * scheduled job (`token-refresh.ts`).
 */
export function createDelegatedFlow({
  repos,
  flow,
  entra,
  vault,
  publicUrl,
}: {
  repos: { oauthStates: OAuthStatesRepository };
  flow: InvitationFlow;
  entra: EntraClient;
  vault: Vault;
  publicUrl: string;
}) {
  const redirectUri = `${publicUrl}${SIGN_IN_CALLBACK_PATH}`;
  return {
    async startDelegated(inviteToken: string, loginHint?: string): Promise<{ redirectUrl: string }> {
      const invitation = await flow.usableInvitation(inviteToken);
      if (!entra.configured) throw new AppError('conflict', guidance.not_configured);
      const state = randomBytes(32).toString('base64url');
      const stateId = hashToken(state);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      await repos.oauthStates.create({
        id: stateId,
        purpose: 'delegated',
        invitationId: invitation.id,
        serviceId: invitation.serviceId,
        expiresAt: flow.stateExpiry(),
        codeVerifierSealed: await vault.seal(codeVerifier, pkceContext(stateId)),
      });
      const url = entra.authorizationUrl({
        redirectUri,
        state,
        codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        loginHint,
      });
      return { redirectUrl: url.toString() };
    },

    /** Microsoft's redirect after the admin signed in: redeem the code, keep the refresh token, connect. */
    async completeDelegated(query: SignInCallback): Promise<string> {
      const callback = await flow.resolveCallback(query.state, 'delegated');
      if (!callback?.codeVerifierSealed) return flow.invalidStateUrl;
      const { invitation, back, stateId, codeVerifierSealed } = callback;
      const actor = { ...systemActor('delegated-token'), email: `invitation:${invitation.email}` };
      const fail = (reason: string, message: string) =>
        flow.recordCallbackFailure(callback, actor, 'delegated', reason, message, {});
      if (query.error || !query.code)
        return fail(
          'denied',
          `Sign-in was not completed: ${(query.error_description ?? query.error ?? 'no code').split('\n')[0]}`,
        );
      let token;
      try {
        const codeVerifier = await vault.open(codeVerifierSealed, pkceContext(stateId));
        token = await entra.exchangeCode({ redirectUri, code: query.code, codeVerifier });
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        return fail('failed', `Microsoft did not issue a token: ${e.message}`);
      }
      if (!token.refreshToken)
        return fail('failed', 'Microsoft issued no refresh token (offline_access was not granted).');
      try {
        await flow.completeThroughInvitation(
          invitation,
          actor,
          {
            method: 'delegated',
            tenantId: token.tenantId,
            adminUsername: token.username,
            grantedPermissions: token.scopes,
            refreshTokenSealed: await vault.seal(
              token.refreshToken,
              refreshTokenContext(invitation.serviceId),
            ),
            tokenExpiresAt: token.expiresAt,
          },
          { tenantId: token.tenantId, username: token.username },
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
