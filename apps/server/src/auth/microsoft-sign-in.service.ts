import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Me } from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { OAuthStatesRepository } from '../connections/oauth-states.repository.ts';
import type { LifecycleRepository } from '../lifecycle/lifecycle.repository.ts';
import type { M365SettingsRepository } from '../m365/m365-settings.repository.ts';
import type { AuthRepository } from './auth.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { EntraError, type EntraClient, type SignInIdentity } from '../microsoft/entra.ts';
import { hashPassword, hashToken, newSecretToken } from '../platform/crypto.ts';
import { AppError } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Vault } from '../secrets/vault.ts';
import { SESSION_PREFIX, meOf } from './auth.service.ts';
import type { UserCredentials, UsersRepository } from '../users/users.repository.ts';
import { grantingServices } from './microsoft-access.ts';
import { actorOfUser, storeSession } from './session.ts';

type SignInTransaction = { audit: AuditRepository; auth: AuthRepository; users: UsersRepository };

export const MICROSOFT_SIGN_IN_CALLBACK_PATH = '/api/v1/session/microsoft/callback';
const STATE_MINUTES = 15;

type Deps = {
  repos: {
    audit: AuditRepository;
    lifecycle: LifecycleRepository;
    m365Settings: M365SettingsRepository;
    oauthStates: OAuthStatesRepository;
  };
  uow: UnitOfWork<SignInTransaction>;
  entra: EntraClient;
  vault: Vault;
  publicUrl: string;
  sessionTtlHours: number;
  /**
   * Who of a granting tenant becomes a customer admin: holders of one of these Entra directory roles (role
   * template ids, the ID token's `wids`), or members of this Entra group (its `groups` claim).
   */
  admins: { roleIds: string[]; groupId: string | null };
  now?: () => Date;
};

/** Microsoft's home realm for people whose e-mail domain names no tenant: the sign-in still goes there. */
const NO_TENANT = 'organizations';

export type MicrosoftSignInResult =
  { ok: true; token: string; expiresAt: Date; me: Me } | { ok: false; message: string };

/**
 * "Sign in with Microsoft" for customer admins of services whose M365 settings grant them admin access. The
 * work e-mail names the tenant (home realm discovery through the tenant's OpenID metadata); the browser signs
 * in at that tenant's endpoints (code + PKCE + nonce); the validated ID token's `tid` must be the tenant of a
 * service that grants customer admins access, and the person lands as a customer admin of that service's
 * customer (created on first sign-in, found by tenant and object id afterwards).
 */
/** The actor of a Microsoft identity that is not (yet) a portal user, for the audit trail. */
const microsoftActor = (identity: SignInIdentity, ip: string): Actor => ({
  userId: null,
  email: identity.email,
  name: identity.name,
  role: 'customer_admin',
  channelId: null,
  customerId: null,
  via: 'session',
  ip,
});

/** Names of the usual roles, for the refusal; any other configured role is named by its template id. */
const ROLE_NAMES: Record<string, string> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '69091246-20e8-4a56-aa4d-066075b2a7a8': 'Teams Administrator',
  'baf37b3a-610e-45da-9e62-d9d1e5e8914b': 'Teams Communications Administrator',
  'aa38014f-0993-46e9-9b45-30501a20909d': 'Teams Telephony Administrator',
};

export function createMicrosoftSignInService({
  repos,
  uow,
  entra,
  vault,
  publicUrl,
  sessionTtlHours,
  admins,
  now = () => new Date(),
}: Deps) {
  const redirectUri = `${publicUrl}${MICROSOFT_SIGN_IN_CALLBACK_PATH}`;
  const pkceContext = (stateId: string) => ({ table: 'oauth_states', rowId: stateId, purpose: 'pkce' });
  const notGranted =
    'Your organization has no service on this portal that grants its administrators access. Ask your provider to enable "Grant Admin Access to: customer admins" for your service.';

  /** The one customer whose services grant this tenant's admins access; an error message otherwise. */
  async function customerOfTenant(tenantId: string): Promise<{ customerId: string } | { message: string }> {
    // A service being removed grants nothing: offboarding ends Sign in with Microsoft for its tenant.
    const grants = await grantingServices(
      repos,
      await repos.m365Settings.customerAdminGrantsOfTenant(tenantId),
    );
    const customers = [...new Set(grants.map((g) => g.customerId))];
    if (customers.length === 0) return { message: notGranted };
    // Names nothing: the person is not signed in, and the other customers are none of their business.
    if (customers.length > 1)
      return {
        message:
          'Your tenant is connected for more than one customer; ask your provider for a password account.',
      };
    return { customerId: customers[0]! };
  }

  /** Whether the person holds an administrator role (or the configured group) in their tenant; why not otherwise. */
  function adminOfTenant(identity: SignInIdentity): { message: string } | null {
    const wanted = new Set(admins.roleIds.map((r) => r.toLowerCase()));
    const roleNames = [...wanted].map((id) => ROLE_NAMES[id] ?? `directory role ${id}`).join(', ');
    if (identity.roleIds.some((r) => wanted.has(r))) return null;
    const group = admins.groupId?.toLowerCase();
    if (group && identity.groupIds.includes(group)) return null;
    if (group && identity.groupsOverage)
      return {
        message:
          'You are a member of too many groups for Microsoft to list them in the sign-in; ask your provider for a password account.',
      };
    return {
      message: `Only your organization's administrators (${roleNames}${group ? ', or members of the group your provider named' : ''}) may sign in here. Ask one of them, or your provider, for access.`,
    };
  }

  /** The portal user for a Microsoft identity: found, linked by e-mail, or created; or why not. */
  async function userFor(
    r: SignInTransaction,
    identity: { tenantId: string; objectId: string; email: string; name: string },
    customerId: string,
    unknownPasswordHash: string,
  ): Promise<UserCredentials | { message: string }> {
    const known = await r.users.credentialsByEntraIdentity(identity.tenantId, identity.objectId);
    if (known) {
      if (known.role !== 'customer_admin' || known.customerId !== customerId)
        return { message: 'Your account belongs to another customer on this portal.' };
      return known;
    }
    const byEmail = await r.users.credentialsByEmail(identity.email);
    if (byEmail) {
      if (byEmail.role !== 'customer_admin' || byEmail.customerId !== customerId)
        return {
          message: `The e-mail ${identity.email} already has another account on this portal; sign in with its password.`,
        };
      await r.users.linkEntraIdentity(byEmail.id, identity.tenantId, identity.objectId);
      return byEmail;
    }
    return r.users.createFromEntra({
      email: identity.email,
      name: identity.name,
      customerId,
      passwordHash: unknownPasswordHash,
      entraTenantId: identity.tenantId,
      entraObjectId: identity.objectId,
    });
  }

  return {
    /**
     * Where to send the browser for this work e-mail. The answer is the same whether the e-mail's tenant is
     * unknown, known without a granting service, or granted: who may sign in shows only after Microsoft has
     * authenticated the person (no anonymous probing for customers).
     */
    async start(email: string): Promise<{ redirectUrl: string }> {
      if (!entra.configured)
        throw new AppError('conflict', 'Sign in with Microsoft is not configured on this portal.');
      const domain = email.split('@')[1] ?? '';
      let tenantId: string | null;
      try {
        tenantId = await entra.tenantOfDomain(domain);
      } catch (e) {
        if (e instanceof EntraError)
          throw new AppError('upstream_failed', `Microsoft Entra ID could not be reached: ${e.message}`);
        throw e;
      }
      const state = randomBytes(32).toString('base64url');
      const nonce = randomBytes(24).toString('base64url');
      const stateId = hashToken(state);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      await repos.oauthStates.create({
        id: stateId,
        purpose: 'sign-in',
        invitationId: null,
        serviceId: null,
        tenantId: tenantId ?? null,
        nonce,
        expiresAt: new Date(now().getTime() + STATE_MINUTES * 60_000),
        codeVerifierSealed: await vault.seal(codeVerifier, pkceContext(stateId)),
      });
      const url = entra.signInUrl({
        tenantId: tenantId ?? NO_TENANT,
        redirectUri,
        state,
        nonce,
        codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        loginHint: email,
      });
      return { redirectUrl: url.toString() };
    },

    /** Microsoft's redirect: validates everything, then opens a session; or says why not. */
    async complete(
      callbackUrl: URL,
      meta: { ip: string; userAgent: string | null },
    ): Promise<MicrosoftSignInResult> {
      const q = callbackUrl.searchParams;
      const state = q.get('state');
      if (!state) return { ok: false, message: 'The sign-in link is invalid. Start again.' };
      const stateId = hashToken(state);
      const bound = await repos.oauthStates.consume(stateId, 'sign-in');
      if (!bound?.nonce || !bound.codeVerifierSealed)
        return { ok: false, message: 'The sign-in expired or was already used. Start again.' };
      // The e-mail's domain named no tenant: Microsoft has had its say; nothing here lets the person in.
      if (!bound.tenantId) return { ok: false, message: notGranted };
      if (q.get('error'))
        return {
          ok: false,
          message: `Microsoft did not sign you in: ${(q.get('error_description') ?? q.get('error') ?? '').split('\n')[0]}`,
        };
      let identity;
      try {
        identity = await entra.redeemSignIn({
          tenantId: bound.tenantId,
          callbackUrl,
          state,
          nonce: bound.nonce,
          codeVerifier: await vault.open(bound.codeVerifierSealed, pkceContext(stateId)),
          redirectUri,
        });
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        return { ok: false, message: `Microsoft did not sign you in: ${e.message}` };
      }
      // The ID token's tenant must be the one the browser was sent to, and one a service grants access.
      if (identity.tenantId !== bound.tenantId)
        return { ok: false, message: 'The sign-in came back from another tenant.' };
      const customer = await customerOfTenant(identity.tenantId);
      if ('message' in customer) return { ok: false, message: customer.message };
      // Granting a tenant's admins access lets in its administrators, not every member of the tenant.
      const notAdmin = adminOfTenant(identity);
      if (notAdmin) {
        await recordAudit(repos.audit, microsoftActor(identity, meta.ip), {
          action: 'session.login',
          targetType: 'session',
          outcome: 'failure',
          customerId: customer.customerId,
          summary: { via: 'microsoft', tenantId: identity.tenantId, reason: 'no administrator role' },
        });
        return { ok: false, message: notAdmin.message };
      }
      const unknownPasswordHash = await hashPassword(randomBytes(32).toString('base64url'));
      const token = newSecretToken(SESSION_PREFIX);
      const expiresAt = new Date(now().getTime() + sessionTtlHours * 3600_000);
      // One transaction: the user found, linked or created, and the session with its audit record.
      const outcome = await uow(async (r) => {
        const user = await userFor(r, identity, customer.customerId, unknownPasswordHash);
        if ('message' in user) return user;
        if (user.disabled) return { message: 'Your account on this portal is disabled.' };
        const actor = actorOfUser(user, 'session', meta.ip);
        await storeSession(r, { token, userId: user.id, expiresAt, ...meta });
        await recordAudit(r.audit, actor, {
          action: 'session.login',
          targetType: 'session',
          targetId: user.id,
          customerId: user.customerId,
          summary: { via: 'microsoft', tenantId: identity.tenantId },
        });
        return { actor };
      });
      if ('message' in outcome) return { ok: false, message: outcome.message };
      const actor = outcome.actor;
      return { ok: true, token, expiresAt, me: meOf(actor) };
    },
  };
}
export type MicrosoftSignInService = ReturnType<typeof createMicrosoftSignInService>;
