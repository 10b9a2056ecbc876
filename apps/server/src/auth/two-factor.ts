import type {
  Me,
  RecoveryCodes,
  SignInChallenge,
  TwoFactorEnrolment,
  TwoFactorSignIn,
  TwoFactorStatus,
} from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { SettingsRepository } from '../settings/settings.repository.ts';
import type { AuthRepository } from './auth.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { hashToken, newSecretToken } from '../platform/crypto.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { AppError, forbidden, invalid } from '../platform/errors.ts';
import type { Vault } from '../secrets/vault.ts';
import type { UserCredentials, UsersRepository } from '../users/users.repository.ts';
import { actorOfUser } from './session.ts';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpEnrolment, verifyTotp } from './totp.ts';

/** What two-factor sign-in writes in one transaction. */
export type TwoFactorTransaction = { audit: AuditRepository; auth: AuthRepository; users: UsersRepository };

export const CHALLENGE_PREFIX = 'tlc_';
const CHALLENGE_MINUTES = 5;
const CHALLENGE_ATTEMPTS = 5;
const ISSUER = 'Trunkline';

export const totpContext = (userId: string) => ({ table: 'users', rowId: userId, purpose: 'totp' });

type Meta = { ip: string; userAgent: string | null };
export type OpenedSession = { token: string; expiresAt: Date; me: Me };

type Deps = {
  repos: { auth: AuthRepository; settings: SettingsRepository; users: UsersRepository };
  uow: UnitOfWork<TwoFactorTransaction>;
  vault: Vault;
  now: () => Date;
  /** Opens the session once both factors are through (the same as a password-only sign-in). */
  openSession(user: UserCredentials, meta: Meta, summary: Record<string, unknown>): Promise<OpenedSession>;
  /** Sign-in throttling: wrong second factors count like wrong passwords. */
  assertNotThrottled(email: string, ip: string): Promise<void>;
};

/** Whether the provider requires a second factor for this user's role (provider and channel admins). */
const requiredFor = async (repos: { settings: SettingsRepository }, role: UserCredentials['role']) =>
  role !== 'customer_admin' && (await repos.settings.get()).requireTwoFactorForAdmins;

const wrongCode = () =>
  invalid([{ path: 'code', code: 'wrong_code', message: 'The code is not correct or was already used.' }]);

/**
 * Two-factor sign-in for password accounts: TOTP (RFC 6238) with a secret sealed by the vault, confirmed by a
 * first code; ten one-time recovery codes kept as hashes. After a correct password the user gets a
 * short-lived challenge (not a session) that opens only the second step.
 */
export function createTwoFactor({ repos, uow, vault, now, openSession, assertNotThrottled }: Deps) {
  /** Checks a code against the user's secret (once per time step) or, when allowed, a recovery code. */
  async function acceptCode(
    userId: string,
    code: string,
    { enable, recovery }: { enable: boolean; recovery: boolean },
  ): Promise<'totp' | 'recovery-code' | null> {
    const state = await repos.users.twoFactorOf(userId);
    if (!state?.secretSealed) return null;
    const compact = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(compact)) {
      const secret = await vault.open(state.secretSealed, totpContext(userId));
      const step = verifyTotp(secret, compact, now());
      if (step !== null && (await repos.users.acceptTotpStep(userId, step, enable))) return 'totp';
      return null;
    }
    if (recovery && state.enabledAt && (await repos.auth.useRecoveryCode(userId, hashRecoveryCode(code))))
      return 'recovery-code';
    return null;
  }

  async function newEnrolment(user: { id: string; email: string }): Promise<TwoFactorEnrolment> {
    const secret = newTotpSecret();
    if (!(await repos.users.setPendingTotp(user.id, await vault.seal(secret, totpContext(user.id)))))
      throw new AppError(
        'conflict',
        'Two-factor sign-in is already on. Turn it off first to set it up again.',
      );
    const { providerName } = await repos.settings.get();
    const { otpauthUri, qrCode } = await totpEnrolment(secret, {
      issuer: providerName ? `${ISSUER} (${providerName})` : ISSUER,
      account: user.email,
    });
    return { secret, otpauthUri, qrCode };
  }

  /** Enables two-factor sign-in and hands out fresh recovery codes (shown once). */
  async function enableWith(r: TwoFactorTransaction, actor: Actor, user: { id: string }): Promise<string[]> {
    const codes = newRecoveryCodes();
    await r.auth.replaceRecoveryCodes(user.id, codes.map(hashRecoveryCode));
    await recordAudit(r.audit, actor, {
      action: 'two-factor.enable',
      targetType: 'user',
      targetId: user.id,
      channelId: actor.channelId,
      customerId: actor.customerId,
    });
    return codes;
  }

  async function challengeOf(challenge: string) {
    const id = hashToken(challenge);
    const found = challenge.startsWith(CHALLENGE_PREFIX)
      ? await repos.auth.findTwoFactorChallenge(id, now())
      : null;
    const user = found ? await repos.users.credentialsById(found.userId) : null;
    if (!found || !user || user.disabled)
      throw new AppError('unauthenticated', 'The sign-in expired. Enter your e-mail and password again.');
    return { id, ...found, user };
  }

  /** Two-factor changes need the signed-in person, not a script's token. */
  const assertSession = (actor: Actor) => {
    if (actor.via !== 'session' || !actor.userId)
      throw forbidden('Two-factor sign-in is managed in the browser session, not with an API token.');
  };

  return {
    /** After a correct password: the challenge for the second step, or null when none is needed. */
    async challengeFor(user: UserCredentials, meta: Meta): Promise<SignInChallenge | null> {
      const kind = user.totpEnabledAt ? 'verify' : (await requiredFor(repos, user.role)) ? 'enrol' : null;
      if (!kind) return null;
      const challenge = newSecretToken(CHALLENGE_PREFIX);
      const expiresAt = new Date(now().getTime() + CHALLENGE_MINUTES * 60_000);
      await uow(async (r) => {
        await r.auth.purgeTwoFactorChallenges(now());
        await r.auth.createTwoFactorChallenge({ id: hashToken(challenge), userId: user.id, kind, expiresAt });
        await recordAudit(r.audit, actorOfUser(user, 'session', meta.ip), {
          action: 'session.password',
          targetType: 'session',
          targetId: user.id,
          channelId: user.channelId,
          customerId: user.customerId,
          summary: { secondFactor: kind === 'verify' ? 'required' : 'enrolment required' },
        });
      });
      return { twoFactor: kind, challenge, expiresAt: expiresAt.toISOString() };
    },

    /** A sign-in that must enrol first: the new secret to scan (the challenge stays the only credential). */
    async startChallengeEnrolment(challenge: string): Promise<TwoFactorEnrolment> {
      const c = await challengeOf(challenge);
      if (c.kind !== 'enrol') throw new AppError('conflict', 'Two-factor sign-in is already set up.');
      return newEnrolment(c.user);
    },

    /** The second step: a code (or recovery code) for the challenge; opens the session. */
    async completeSignIn(
      input: TwoFactorSignIn,
      meta: Meta,
    ): Promise<OpenedSession & { recoveryCodes?: string[] }> {
      const c = await challengeOf(input.challenge);
      await assertNotThrottled(c.user.email, meta.ip);
      const enrolling = c.kind === 'enrol';
      const via = await acceptCode(c.user.id, input.code, { enable: enrolling, recovery: !enrolling });
      if (!via) {
        const attempts = await repos.auth.failTwoFactorChallenge(c.id);
        await uow(async (r) => {
          await r.auth.recordLoginFailure(c.user.email, meta.ip);
          if (attempts >= CHALLENGE_ATTEMPTS) await r.auth.deleteTwoFactorChallenge(c.id);
          await recordAudit(r.audit, actorOfUser(c.user, 'session', meta.ip), {
            action: 'session.two-factor',
            targetType: 'session',
            targetId: c.user.id,
            outcome: 'failure',
            channelId: c.user.channelId,
            customerId: c.user.customerId,
            summary: { reason: 'wrong code', attempts },
          });
        });
        if (attempts >= CHALLENGE_ATTEMPTS)
          throw new AppError(
            'unauthenticated',
            'Too many wrong codes. Enter your e-mail and password again.',
          );
        throw wrongCode();
      }
      // The challenge works once, whatever happens next.
      if (!(await repos.auth.deleteTwoFactorChallenge(c.id)))
        throw new AppError('unauthenticated', 'The sign-in expired. Enter your e-mail and password again.');
      const actor = actorOfUser(c.user, 'session', meta.ip);
      const recoveryCodes = enrolling ? await uow((r) => enableWith(r, actor, c.user)) : undefined;
      const user = (await repos.users.credentialsById(c.user.id)) ?? c.user;
      const opened = await openSession(user, meta, { secondFactor: via });
      return recoveryCodes ? { ...opened, recoveryCodes } : opened;
    },

    async status(actor: Actor): Promise<TwoFactorStatus> {
      const state = await repos.users.twoFactorOf(actor.userId!);
      const enabledAt = state?.enabledAt ?? null;
      return {
        enabled: Boolean(enabledAt),
        enabledAt: enabledAt?.toISOString() ?? null,
        recoveryCodesLeft: enabledAt ? await repos.auth.countUnusedRecoveryCodes(actor.userId!) : 0,
        required: await requiredFor(repos, actor.role),
      };
    },

    async startEnrolment(actor: Actor): Promise<TwoFactorEnrolment> {
      assertSession(actor);
      return newEnrolment({ id: actor.userId!, email: actor.email });
    },

    async confirmEnrolment(actor: Actor, code: string): Promise<RecoveryCodes> {
      assertSession(actor);
      const state = await repos.users.twoFactorOf(actor.userId!);
      if (state?.enabledAt) throw new AppError('conflict', 'Two-factor sign-in is already on.');
      if (!state?.secretSealed) throw new AppError('conflict', 'Start the set-up first.');
      if (!(await acceptCode(actor.userId!, code, { enable: true, recovery: false }))) throw wrongCode();
      return { recoveryCodes: await uow((r) => enableWith(r, actor, { id: actor.userId! })) };
    },

    /** New recovery codes (the old ones stop working); needs a current code. */
    async regenerateRecoveryCodes(actor: Actor, code: string): Promise<RecoveryCodes> {
      assertSession(actor);
      const state = await repos.users.twoFactorOf(actor.userId!);
      if (!state?.enabledAt) throw new AppError('conflict', 'Two-factor sign-in is off.');
      if (!(await acceptCode(actor.userId!, code, { enable: false, recovery: false }))) throw wrongCode();
      const codes = newRecoveryCodes();
      await uow(async (r) => {
        await r.auth.replaceRecoveryCodes(actor.userId!, codes.map(hashRecoveryCode));
        await recordAudit(r.audit, actor, {
          action: 'two-factor.recovery-codes',
          targetType: 'user',
          targetId: actor.userId,
          channelId: actor.channelId,
          customerId: actor.customerId,
        });
      });
      return { recoveryCodes: codes };
    },

    /** Turns two-factor sign-in off with a current code or a recovery code; not while the provider requires it. */
    async disable(actor: Actor, code: string): Promise<void> {
      assertSession(actor);
      if (await requiredFor(repos, actor.role))
        throw forbidden('Your provider requires two-factor sign-in for your role; it cannot be turned off.');
      const state = await repos.users.twoFactorOf(actor.userId!);
      if (!state?.enabledAt) throw new AppError('conflict', 'Two-factor sign-in is off.');
      if (!(await acceptCode(actor.userId!, code, { enable: false, recovery: true }))) throw wrongCode();
      await uow(async (r) => {
        await r.users.clearTotp(actor.userId!);
        await r.auth.replaceRecoveryCodes(actor.userId!, []);
        await recordAudit(r.audit, actor, {
          action: 'two-factor.disable',
          targetType: 'user',
          targetId: actor.userId,
          channelId: actor.channelId,
          customerId: actor.customerId,
        });
      });
    },
  };
}
export type TwoFactor = ReturnType<typeof createTwoFactor>;
