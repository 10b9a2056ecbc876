import type { ApiTokenCreate, ApiTokenCreated, LoginBody, Me, SignInChallenge } from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { SettingsRepository } from '../settings/settings.repository.ts';
import type { AuthRepository } from './auth.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, forbidden, invalid, notFound } from '../platform/errors.ts';
import { dummyPasswordHash, hashToken, newSecretToken, verifyPassword } from '../platform/crypto.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { actorOfUser, storeSession } from './session.ts';
import { throttleFor } from './throttle.ts';
import type { UserCredentials, UsersRepository } from '../users/users.repository.ts';
import type { Vault } from '../secrets/vault.ts';
import { createTwoFactor, type TwoFactorTransaction } from './two-factor.ts';

export const SESSION_PREFIX = 'tls_';
export const API_TOKEN_PREFIX = 'tlk_';

type Deps = {
  /** `settings` for two-factor sign-in's policy. */
  repos: { auth: AuthRepository; settings: SettingsRepository; users: UsersRepository };
  uow: UnitOfWork<TwoFactorTransaction>;
  settings: { sessionTtlHours: number; maxFailures: number; windowMinutes: number; apiTokenMaxDays: number };
  /** Seals the two-factor secrets. */
  vault: Vault;
  now?: () => Date;
};

/** API tokens live 90 days unless their creator chooses otherwise (up to API_TOKEN_MAX_DAYS). */
export const API_TOKEN_DEFAULT_DAYS = 90;

export const meOf = (actor: Actor): Me => ({
  id: actor.userId!,
  email: actor.email,
  name: actor.name,
  role: actor.role,
  channelId: actor.channelId,
  customerId: actor.customerId,
  authenticatedBy: actor.via === 'api-token' ? 'api-token' : 'session',
});

export function createAuthService({ repos, uow, settings, vault, now = () => new Date() }: Deps) {
  const ttlMs = settings.sessionTtlHours * 3600_000;
  const windowMs = settings.windowMinutes * 60_000;

  /** 429 with Retry-After while this address must wait before trying this e-mail again (`auth/throttle.ts`). */
  async function assertNotThrottled(email: string, ip: string) {
    const at = now();
    const counts = await repos.auth.countLoginFailures(new Date(at.getTime() - windowMs), { email, ip });
    const retryAfterSeconds = throttleFor(counts, at, { maxFailures: settings.maxFailures, windowMs });
    if (retryAfterSeconds === null) return;
    const wait =
      retryAfterSeconds < 120
        ? `${retryAfterSeconds} seconds`
        : `${Math.ceil(retryAfterSeconds / 60)} minutes`;
    throw new AppError('rate_limited', `Too many failed sign-ins. Try again in ${wait}.`, {
      retryAfterSeconds,
    });
  }

  /** Opens a session for a user who passed every factor. */
  async function openSession(
    user: UserCredentials,
    meta: { ip: string; userAgent: string | null },
    summary: Record<string, unknown>,
  ): Promise<{ token: string; expiresAt: Date; me: Me }> {
    const token = newSecretToken(SESSION_PREFIX);
    const expiresAt = new Date(now().getTime() + ttlMs);
    const actor = actorOfUser(user, 'session', meta.ip);
    await uow(async (r) => {
      await storeSession(r, { token, userId: user.id, expiresAt, ...meta });
      await r.auth.clearLoginFailures(user.email, meta.ip);
      await recordAudit(r.audit, actor, {
        action: 'session.login',
        targetType: 'session',
        targetId: user.id,
        channelId: user.channelId,
        customerId: user.customerId,
        ...(Object.keys(summary).length ? { summary } : {}),
      });
    });
    return { token, expiresAt, me: meOf(actor) };
  }

  const twoFactor = createTwoFactor({ repos, uow, vault, now, openSession, assertNotThrottled });

  return {
    ...twoFactor,

    /** Verifies e-mail and password and opens a session. The password is used here and forgotten. */
    async login(
      input: LoginBody,
      meta: { ip: string; userAgent: string | null },
    ): Promise<{ token: string; expiresAt: Date; me: Me } | { challenge: SignInChallenge }> {
      await assertNotThrottled(input.email, meta.ip);
      const user = await repos.users.credentialsByEmail(input.email);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
      if (!user || !ok || user.disabled) {
        await uow(async (r) => {
          await r.auth.recordLoginFailure(input.email, meta.ip);
          await recordAudit(
            r.audit,
            { ...actorOfUnknown(input.email, meta.ip), ...(user ? { userId: user.id } : {}) },
            {
              action: 'session.login',
              targetType: 'session',
              outcome: 'failure',
              channelId: user?.channelId ?? null,
              customerId: user?.customerId ?? null,
              summary: {
                reason: !user ? 'unknown e-mail' : user.disabled ? 'account disabled' : 'wrong password',
              },
            },
          );
        });
        throw new AppError('unauthenticated', 'The e-mail or password is not correct.');
      }
      const challenge = await twoFactor.challengeFor(user, meta);
      if (challenge) return { challenge };
      return openSession(user, meta, {});
    },

    async logout(actor: Actor, token: string | undefined): Promise<void> {
      await uow(async (r) => {
        if (token) await r.auth.deleteSession(hashToken(token));
        await recordAudit(r.audit, actor, {
          action: 'session.logout',
          targetType: 'session',
          targetId: actor.userId,
        });
      });
    },

    /** Resolves a session cookie to its actor, sliding the expiry forward once half of it has passed. */
    async authenticateSession(
      token: string,
      ip: string | null,
    ): Promise<{ actor: Actor; expiresAt: Date } | null> {
      if (!token.startsWith(SESSION_PREFIX)) return null;
      const id = hashToken(token);
      const session = await repos.auth.findSession(id);
      if (!session) return null;
      const user = await repos.users.credentialsById(session.userId);
      if (!user || user.disabled) return null;
      let expiresAt = session.expiresAt;
      if (expiresAt.getTime() - now().getTime() < ttlMs / 2) {
        expiresAt = new Date(now().getTime() + ttlMs);
        await repos.auth.extendSession(id, expiresAt);
      }
      return { actor: actorOfUser(user, 'session', ip), expiresAt };
    },

    async authenticateApiToken(token: string, ip: string | null): Promise<Actor | null> {
      if (!token.startsWith(API_TOKEN_PREFIX)) return null;
      const found = await repos.auth.findApiToken(hashToken(token), now());
      if (!found) return null;
      const user = await repos.users.credentialsById(found.userId);
      if (!user || user.disabled) return null;
      await repos.auth.touchApiToken(found.id, ip);
      return actorOfUser(user, 'api-token', ip);
    },

    /** The token is returned once; only its hash is kept. */
    async createApiToken(actor: Actor, input: ApiTokenCreate): Promise<ApiTokenCreated> {
      // A token cannot mint tokens: a stolen one would otherwise outlive its own expiry.
      if (actor.via !== 'session') throw forbidden('API tokens are created in the browser session.');
      const days = input.expiresInDays ?? Math.min(API_TOKEN_DEFAULT_DAYS, settings.apiTokenMaxDays);
      if (days > settings.apiTokenMaxDays)
        throw invalid([
          {
            path: 'expiresInDays',
            code: 'too_big',
            message: `At most ${settings.apiTokenMaxDays} days on this portal.`,
          },
        ]);
      const token = newSecretToken(API_TOKEN_PREFIX);
      const expiresAt = new Date(now().getTime() + days * 86_400_000);
      const created = await uow(async (r) => {
        const row = await r.auth.createApiToken({
          userId: actor.userId!,
          name: input.name,
          tokenHash: hashToken(token),
          expiresAt,
        });
        await recordAudit(r.audit, actor, {
          action: 'api-token.create',
          targetType: 'api-token',
          targetId: row.id,
          channelId: actor.channelId,
          customerId: actor.customerId,
          summary: { name: input.name, expiresAt: row.expiresAt },
        });
        return row;
      });
      return {
        id: created.id,
        name: created.name,
        createdAt: created.createdAt,
        expiresAt: created.expiresAt,
        token,
      };
    },

    listApiTokens: (actor: Actor) => repos.auth.listApiTokens(actor.userId!),

    async revokeApiToken(actor: Actor, id: string): Promise<void> {
      await uow(async (r) => {
        if (!(await r.auth.deleteApiToken(actor.userId!, id))) throw notFound('API token');
        await recordAudit(r.audit, actor, {
          action: 'api-token.revoke',
          targetType: 'api-token',
          targetId: id,
          channelId: actor.channelId,
          customerId: actor.customerId,
        });
      });
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;

const actorOfUnknown = (email: string, ip: string): Actor => ({
  userId: null,
  email,
  name: email,
  role: 'customer_admin',
  channelId: null,
  customerId: null,
  via: 'session',
  ip,
});
