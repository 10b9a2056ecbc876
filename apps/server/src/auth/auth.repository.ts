import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import type { LoginFailureCounts } from './throttle.ts';
import {
  apiTokens,
  loginFailures,
  recoveryCodes,
  sessions,
  twoFactorChallenges,
} from '../platform/db/schema.ts';

export type ApiTokenSummary = {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
};

const toTokenSummary = (r: typeof apiTokens.$inferSelect): ApiTokenSummary => ({
  id: r.id,
  name: r.name,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
  lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  lastUsedIp: r.lastUsedIp,
});

/** Sessions, API tokens and failed sign-ins. Secrets arrive here only as SHA-256 hashes. */
export function createAuthRepository(db: Executor) {
  return {
    async createSession(input: {
      id: string;
      userId: string;
      expiresAt: Date;
      ip: string | null;
      userAgent: string | null;
    }) {
      await db.insert(sessions).values(input);
    },
    async findSession(id: string): Promise<{ userId: string; expiresAt: Date } | null> {
      const [row] = await db
        .select({ userId: sessions.userId, expiresAt: sessions.expiresAt })
        .from(sessions)
        .where(and(eq(sessions.id, id), gt(sessions.expiresAt, new Date())));
      return row ?? null;
    },
    async extendSession(id: string, expiresAt: Date) {
      await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));
    },
    async deleteSession(id: string) {
      await db.delete(sessions).where(eq(sessions.id, id));
    },
    async deleteSessionsOfUser(userId: string) {
      await db.delete(sessions).where(eq(sessions.userId, userId));
    },
    async purgeExpired(now: Date, failuresBefore: Date): Promise<{ sessions: number; failures: number }> {
      const s = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.id });
      const f = await db
        .delete(loginFailures)
        .where(lt(loginFailures.at, failuresBefore))
        .returning({ id: loginFailures.id });
      return { sessions: s.length, failures: f.length };
    },

    async createApiToken(input: {
      userId: string;
      name: string;
      tokenHash: string;
      expiresAt: Date;
    }): Promise<ApiTokenSummary> {
      const [row] = await db.insert(apiTokens).values(input).returning();
      return toTokenSummary(row!);
    },
    /** A token that has not expired. */
    async findApiToken(tokenHash: string, now: Date): Promise<{ id: string; userId: string } | null> {
      const [row] = await db
        .select({ id: apiTokens.id, userId: apiTokens.userId })
        .from(apiTokens)
        .where(and(eq(apiTokens.tokenHash, tokenHash), gt(apiTokens.expiresAt, now)));
      return row ?? null;
    },
    async touchApiToken(id: string, ip: string | null) {
      await db.update(apiTokens).set({ lastUsedAt: new Date(), lastUsedIp: ip }).where(eq(apiTokens.id, id));
    },
    /** Revokes every token of a user (disabled, or password reset by an admin). */
    async deleteApiTokensOfUser(userId: string): Promise<number> {
      const rows = await db
        .delete(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .returning({ id: apiTokens.id });
      return rows.length;
    },
    /** API tokens belong to their user: the user id is the scope. */
    async listApiTokens(userId: string): Promise<ApiTokenSummary[]> {
      const rows = await db
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .orderBy(desc(apiTokens.createdAt));
      return rows.map(toTokenSummary);
    },
    async deleteApiToken(userId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(apiTokens)
        .where(and(eq(apiTokens.userId, userId), eq(apiTokens.id, id)))
        .returning({ id: apiTokens.id });
      return rows.length > 0;
    },

    async createTwoFactorChallenge(input: {
      id: string;
      userId: string;
      kind: 'verify' | 'enrol';
      expiresAt: Date;
    }) {
      await db.insert(twoFactorChallenges).values(input);
    },
    /** A challenge that has not expired. */
    async findTwoFactorChallenge(
      id: string,
      now: Date,
    ): Promise<{ userId: string; kind: 'verify' | 'enrol'; attempts: number } | null> {
      const [row] = await db
        .select({
          userId: twoFactorChallenges.userId,
          kind: twoFactorChallenges.kind,
          attempts: twoFactorChallenges.attempts,
        })
        .from(twoFactorChallenges)
        .where(and(eq(twoFactorChallenges.id, id), gt(twoFactorChallenges.expiresAt, now)));
      return row ?? null;
    },
    /** Counts a wrong code; returns the attempts so far. */
    async failTwoFactorChallenge(id: string): Promise<number> {
      const [row] = await db
        .update(twoFactorChallenges)
        .set({ attempts: sql`${twoFactorChallenges.attempts} + 1` })
        .where(eq(twoFactorChallenges.id, id))
        .returning({ attempts: twoFactorChallenges.attempts });
      return row?.attempts ?? Number.MAX_SAFE_INTEGER;
    },
    async deleteTwoFactorChallenge(id: string): Promise<boolean> {
      const rows = await db
        .delete(twoFactorChallenges)
        .where(eq(twoFactorChallenges.id, id))
        .returning({ id: twoFactorChallenges.id });
      return rows.length > 0;
    },
    async purgeTwoFactorChallenges(now: Date) {
      await db.delete(twoFactorChallenges).where(lt(twoFactorChallenges.expiresAt, now));
    },

    /** Replaces a user's recovery codes (hashes only). */
    async replaceRecoveryCodes(userId: string, codeHashes: string[]) {
      await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
      if (codeHashes.length)
        await db.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
    },
    /** Uses up one unused recovery code; false when there is none with this hash. */
    async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
      const rows = await db
        .update(recoveryCodes)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(recoveryCodes.userId, userId),
            eq(recoveryCodes.codeHash, codeHash),
            isNull(recoveryCodes.usedAt),
          ),
        )
        .returning({ id: recoveryCodes.id });
      return rows.length > 0;
    },
    async countUnusedRecoveryCodes(userId: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(recoveryCodes)
        .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
      return row?.n ?? 0;
    },

    async recordLoginFailure(email: string, ip: string) {
      await db.insert(loginFailures).values({ email, ip });
    },
    /** Failed sign-ins since `since`: of this e-mail from this address, from this address, of this e-mail. */
    /** Failed sign-ins since `since`: of this e-mail from this address, from this address, of this e-mail. */
    async countLoginFailures(since: Date, by: { email: string; ip: string }): Promise<LoginFailureCounts> {
      const fromIp = sql`${loginFailures.ip} = ${by.ip}`;
      const pair = sql`${loginFailures.email} = ${by.email} and ${fromIp}`;
      const [row] = await db
        .select({
          pair: sql<number>`count(*) filter (where ${pair})::int`,
          pairLast: sql<string | Date | null>`max(${loginFailures.at}) filter (where ${pair})`,
          ip: sql<number>`count(*) filter (where ${fromIp})::int`,
          ipOldest: sql<string | Date | null>`min(${loginFailures.at}) filter (where ${fromIp})`,
          email: sql<number>`count(*) filter (where ${loginFailures.email} = ${by.email})::int`,
        })
        .from(loginFailures)
        .where(
          and(
            gt(loginFailures.at, since),
            sql`(${loginFailures.email} = ${by.email} or ${loginFailures.ip} = ${by.ip})`,
          ),
        );
      return {
        pair: row?.pair ?? 0,
        pairLast: row?.pairLast ? new Date(row.pairLast) : null,
        ip: row?.ip ?? 0,
        ipOldest: row?.ipOldest ? new Date(row.ipOldest) : null,
        email: row?.email ?? 0,
      };
    },
    /**
     * After a successful sign-in: forgets the failures of this e-mail from this address only, so the owner
     * signing in does not reset the counters of someone guessing from elsewhere.
     */
    async clearLoginFailures(email: string, ip: string) {
      await db.delete(loginFailures).where(and(eq(loginFailures.email, email), eq(loginFailures.ip, ip)));
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
