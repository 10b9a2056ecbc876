import { and, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { apiTokens, loginFailures, sessions } from '../platform/db/schema.ts';

export type ApiTokenSummary = { id: string; name: string; createdAt: string; lastUsedAt: string | null };

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
    }): Promise<ApiTokenSummary> {
      const [row] = await db.insert(apiTokens).values(input).returning();
      return { id: row!.id, name: row!.name, createdAt: row!.createdAt.toISOString(), lastUsedAt: null };
    },
    async findApiToken(tokenHash: string): Promise<{ id: string; userId: string } | null> {
      const [row] = await db
        .select({ id: apiTokens.id, userId: apiTokens.userId })
        .from(apiTokens)
        .where(eq(apiTokens.tokenHash, tokenHash));
      return row ?? null;
    },
    async touchApiToken(id: string) {
      await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, id));
    },
    /** API tokens belong to their user: the user id is the scope. */
    async listApiTokens(userId: string): Promise<ApiTokenSummary[]> {
      const rows = await db
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .orderBy(desc(apiTokens.createdAt));
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        createdAt: r.createdAt.toISOString(),
        lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
      }));
    },
    async deleteApiToken(userId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(apiTokens)
        .where(and(eq(apiTokens.userId, userId), eq(apiTokens.id, id)))
        .returning({ id: apiTokens.id });
      return rows.length > 0;
    },

    async recordLoginFailure(email: string, ip: string) {
      await db.insert(loginFailures).values({ email, ip });
    },
    async countLoginFailures(
      since: Date,
      by: { email: string; ip: string },
    ): Promise<{ email: number; ip: number; oldest: Date | null }> {
      const [row] = await db
        .select({
          email: sql<number>`count(*) filter (where ${loginFailures.email} = ${by.email})::int`,
          ip: sql<number>`count(*) filter (where ${loginFailures.ip} = ${by.ip})::int`,
          oldest: sql<string | null>`min(${loginFailures.at})`,
        })
        .from(loginFailures)
        .where(
          and(
            gt(loginFailures.at, since),
            sql`(${loginFailures.email} = ${by.email} or ${loginFailures.ip} = ${by.ip})`,
          ),
        );
      return { email: row?.email ?? 0, ip: row?.ip ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
    },
    async clearLoginFailures(email: string) {
      await db.delete(loginFailures).where(eq(loginFailures.email, email));
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
