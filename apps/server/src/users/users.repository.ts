import { and, asc, eq, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Role, User, UserListQuery } from '@trunkline/contracts';
import type { Scope } from '../access/actor.ts';
import type { Executor } from '../platform/db/database.ts';
import { nameContains, offsetOf } from '../platform/db/queries.ts';
import { takenAs } from '../platform/errors.ts';
import { customers, users } from '../platform/db/schema.ts';

const inScope = (scope: Scope): SQL | undefined => {
  switch (scope.kind) {
    case 'provider':
      return undefined;
    case 'channel':
      return or(
        eq(users.channelId, scope.channelId),
        sql`${users.customerId} in (select ${customers.id} from ${customers} where ${customers.channelId} = ${scope.channelId})`,
      );
    case 'customer':
      return eq(users.customerId, scope.customerId);
  }
};

/** A user with the columns needed to authenticate; never leaves the server. */
export type UserCredentials = {
  id: string;
  email: string;
  name: string;
  role: Role;
  channelId: string | null;
  customerId: string | null;
  disabled: boolean;
  passwordHash: string;
  /** When two-factor sign-in was confirmed; null without it. */
  totpEnabledAt: Date | null;
};

const publicColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  channelId: users.channelId,
  customerId: users.customerId,
  disabled: users.disabled,
  twoFactorEnabled: sql<boolean>`${users.totpEnabledAt} is not null`.mapWith(Boolean),
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
};

const credentialColumns = {
  ...publicColumns,
  passwordHash: users.passwordHash,
  totpEnabledAt: users.totpEnabledAt,
};
const toCredentials = (
  r: Omit<Row, 'twoFactorEnabled'> & { passwordHash: string; totpEnabledAt: Date | null },
): UserCredentials => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  channelId: r.channelId,
  customerId: r.customerId,
  disabled: r.disabled,
  passwordHash: r.passwordHash,
  totpEnabledAt: r.totpEnabledAt,
});

type Row = Omit<User, 'createdAt' | 'lastLoginAt'> & { createdAt: Date; lastLoginAt: Date | null };
const toUser = (r: Row): User => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  lastLoginAt: r.lastLoginAt?.toISOString() ?? null,
});

export function createUsersRepository(db: Executor) {
  return {
    async list(scope: Scope, query: UserListQuery): Promise<{ items: User[]; total: number }> {
      const where = and(
        inScope(scope),
        query.q ? or(nameContains(users.name, query.q), nameContains(users.email, query.q)) : undefined,
        query.role ? eq(users.role, query.role) : undefined,
        query.customerId ? eq(users.customerId, query.customerId) : undefined,
        query.channelId ? eq(users.channelId, query.channelId) : undefined,
      );
      const [rows, [count]] = await Promise.all([
        db
          .select(publicColumns)
          .from(users)
          .where(where)
          .orderBy(asc(sql`lower(${users.name})`), asc(users.email))
          .limit(query.pageSize)
          .offset(offsetOf(query)),
        db
          .select({ n: sql<number>`count(*)::int` })
          .from(users)
          .where(where),
      ]);
      return { items: rows.map(toUser), total: count?.n ?? 0 };
    },

    async get(scope: Scope, id: string): Promise<User | null> {
      const [row] = await db
        .select(publicColumns)
        .from(users)
        .where(and(inScope(scope), eq(users.id, id)));
      return row ? toUser(row) : null;
    },

    async count(): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
      return row?.n ?? 0;
    },

    /** Unscoped by design: sign-in looks a user up before any actor exists. */
    async credentialsByEmail(email: string): Promise<UserCredentials | null> {
      const [row] = await db
        .select(credentialColumns)
        .from(users)
        .where(eq(users.email, email.toLowerCase()));
      return row ? toCredentials(row) : null;
    },

    /** Unscoped by design: the user behind a Microsoft sign-in (tenant and object id). */
    async credentialsByEntraIdentity(tenantId: string, objectId: string): Promise<UserCredentials | null> {
      const [row] = await db
        .select(credentialColumns)
        .from(users)
        .where(and(eq(users.entraTenantId, tenantId), eq(users.entraObjectId, objectId)));
      return row ? toCredentials(row) : null;
    },

    /** A customer admin created on first sign-in with Microsoft; the password hash is of a secret nobody knows. */
    async createFromEntra(input: {
      email: string;
      name: string;
      customerId: string;
      passwordHash: string;
      entraTenantId: string;
      entraObjectId: string;
    }): Promise<UserCredentials> {
      const [row] = await db
        .insert(users)
        .values({ ...input, role: 'customer_admin', channelId: null })
        .returning(credentialColumns);
      return toCredentials(row!);
    },

    async linkEntraIdentity(id: string, entraTenantId: string, entraObjectId: string) {
      await db.update(users).set({ entraTenantId, entraObjectId }).where(eq(users.id, id));
    },

    /** Unscoped by design: resolves the owner of a session or API token. */
    async credentialsById(id: string): Promise<UserCredentials | null> {
      const [row] = await db.select(credentialColumns).from(users).where(eq(users.id, id));
      return row ? toCredentials(row) : null;
    },

    /** The user's own two-factor state (the user id is the scope); the secret stays sealed. */
    async twoFactorOf(
      id: string,
    ): Promise<{ secretSealed: string | null; enabledAt: Date | null; lastStep: number | null } | null> {
      const [row] = await db
        .select({
          secretSealed: users.totpSecretSealed,
          enabledAt: users.totpEnabledAt,
          lastStep: users.totpLastStep,
        })
        .from(users)
        .where(eq(users.id, id));
      return row ?? null;
    },
    /** Stores a new, not yet confirmed secret (only while two-factor sign-in is off). */
    async setPendingTotp(id: string, secretSealed: string): Promise<boolean> {
      const rows = await db
        .update(users)
        .set({ totpSecretSealed: secretSealed, totpEnabledAt: null, totpLastStep: null })
        .where(and(eq(users.id, id), isNull(users.totpEnabledAt)))
        .returning({ id: users.id });
      return rows.length > 0;
    },
    /**
     * Accepts a code's time step once: true only if it is later than the last accepted one (a code cannot be
     * replayed); enables two-factor sign-in when `enable` is set.
     */
    async acceptTotpStep(id: string, step: number, enable: boolean): Promise<boolean> {
      const rows = await db
        .update(users)
        .set({ totpLastStep: step, ...(enable ? { totpEnabledAt: new Date() } : {}) })
        .where(
          and(
            eq(users.id, id),
            sql`${users.totpSecretSealed} is not null`,
            or(isNull(users.totpLastStep), lt(users.totpLastStep, step)),
          ),
        )
        .returning({ id: users.id });
      return rows.length > 0;
    },
    async clearTotp(id: string) {
      await db
        .update(users)
        .set({ totpSecretSealed: null, totpEnabledAt: null, totpLastStep: null })
        .where(eq(users.id, id));
    },

    async create(
      _scope: Scope,
      input: {
        email: string;
        name: string;
        role: Role;
        passwordHash: string;
        channelId: string | null;
        customerId: string | null;
      },
    ): Promise<User> {
      const [row] = await db
        .insert(users)
        .values(input)
        .returning(publicColumns)
        .catch(takenAs({ users_email_uq: ['email', 'A user with this e-mail exists already.'] }));
      return toUser(row!);
    },

    async update(
      scope: Scope,
      id: string,
      patch: { name?: string; passwordHash?: string; disabled?: boolean },
    ): Promise<User | null> {
      if (Object.values(patch).every((v) => v === undefined)) return this.get(scope, id);
      const [row] = await db
        .update(users)
        .set(patch)
        .where(and(inScope(scope), eq(users.id, id)))
        .returning(publicColumns);
      return row ? toUser(row) : null;
    },

    async remove(scope: Scope, id: string): Promise<boolean> {
      const rows = await db
        .delete(users)
        .where(and(inScope(scope), eq(users.id, id)))
        .returning({ id: users.id });
      return rows.length > 0;
    },

    async markLogin(id: string): Promise<void> {
      await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, id));
    },

    async countProviderAdmins(): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(users)
        .where(and(eq(users.role, 'provider_admin'), eq(users.disabled, false)));
      return row?.n ?? 0;
    },
  };
}
export type UsersRepository = ReturnType<typeof createUsersRepository>;
