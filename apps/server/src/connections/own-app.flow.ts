import {
  REQUIRED_APP_PERMISSIONS,
  type ConnectionAttempt,
  type OwnAppConnection,
} from '@trunkline/contracts';
import { systemActor } from '../access/actor.ts';
import { EntraError, type EntraClient } from '../microsoft/entra.ts';
import { GraphError, type GraphClient } from '../microsoft/graph.ts';
import { AppError } from '../platform/errors.ts';
import type { Vault } from '../secrets/vault.ts';
import type { InvitationFlow } from './invitation-flow.ts';
import { isMicrosoftOutage } from './microsoft-outage.ts';
import { clientSecretContext } from './tenant-access.ts';

/**
 * Application Registration, the customer's own app: validated by acquiring an app-only token with it for the
 * tenant and checking the required application permissions in its `roles`; the secret is kept only sealed,
 * with its expiry.
 */
export function createOwnAppFlow({
  flow,
  entraForApp,
  graph,
  vault,
}: {
  flow: InvitationFlow;
  /** The Entra adapter for another app registration: the customer's own. */
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  graph: GraphClient;
  vault: Vault;
}) {
  return {
    async connectOwnApp(input: OwnAppConnection): Promise<ConnectionAttempt> {
      const invitation = await flow.usableInvitation(input.token);
      const unavailable = (e: Error) =>
        new AppError(
          'upstream_failed',
          `Microsoft could not be reached to validate the app (${e.message}). Nothing is wrong with what you entered: try again shortly.`,
        );
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
        if (isMicrosoftOutage(e)) throw unavailable(e);
        const where =
          e.kind === 'unknown_tenant'
            ? 'tenantId'
            : /7000215|7000222/.test(e.aadsts ?? '')
              ? 'clientSecret'
              : 'clientId';
        // A freshly registered or consented app is not on every replica of Microsoft's directory yet.
        const replicating =
          e.aadsts === 'AADSTS700016'
            ? ' If the app was registered or consented only minutes ago, Microsoft may not know it everywhere yet (its directory replicates): try again in a minute.'
            : '';
        throw field(where, `Microsoft refused a token for this app: ${e.message}${replicating}`);
      }
      const missing = REQUIRED_APP_PERMISSIONS.filter((p) => !token.roles.includes(p));
      if (missing.length)
        throw field(
          'clientId',
          `The app lacks these application permissions (with admin consent): ${missing.join(', ')}.`,
        );
      // Graph failing says nothing about the tenant; only an organization that is not this tenant does.
      const org = await graph.organization(token.accessToken).catch((e: unknown) => {
        if (isMicrosoftOutage(e)) throw unavailable(e as Error);
        if (e instanceof GraphError) return null;
        throw e;
      });
      if (token.tenantId !== input.tenantId || org?.id !== input.tenantId)
        throw field('tenantId', 'The token is not for this tenant.');
      const sealed = await vault.seal(input.clientSecret, clientSecretContext(invitation.serviceId));
      await flow.completeThroughInvitation(
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
  };
}
