import { and, desc, eq, gte, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Scope } from '../access/actor.ts';
import type { Executor } from '../platform/db/database.ts';
import { auditEvents, customers } from '../platform/db/schema.ts';

export type AuditEntry = {
  actorId: string | null;
  actorEmail: string;
  channelId: string | null;
  customerId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  outcome: 'success' | 'failure';
  summary: Record<string, unknown>;
  ip: string | null;
};

export type AuditEvent = AuditEntry & { id: string; at: string };

export type AuditFilter = {
  customerId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  pageSize: number;
};

const scopeCondition = (scope: Scope): SQL | undefined => {
  switch (scope.kind) {
    case 'provider':
      return undefined;
    case 'channel':
      return or(
        eq(auditEvents.channelId, scope.channelId),
        sql`${auditEvents.customerId} in (select ${customers.id} from ${customers} where ${customers.channelId} = ${scope.channelId})`,
      );
    case 'customer':
      return eq(auditEvents.customerId, scope.customerId);
  }
};

export function createAuditRepository(db: Executor) {
  return {
    async append(entry: AuditEntry): Promise<void> {
      await db.insert(auditEvents).values(entry);
    },

    async list(scope: Scope, filter: AuditFilter): Promise<{ items: AuditEvent[]; total: number }> {
      const where = and(
        scopeCondition(scope),
        filter.customerId ? eq(auditEvents.customerId, filter.customerId) : undefined,
        filter.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
        filter.action ? eq(auditEvents.action, filter.action) : undefined,
        filter.from ? gte(auditEvents.at, new Date(filter.from)) : undefined,
        filter.to ? lte(auditEvents.at, new Date(filter.to)) : undefined,
      );
      const [rows, [count]] = await Promise.all([
        db
          .select()
          .from(auditEvents)
          .where(where)
          .orderBy(desc(auditEvents.at), desc(auditEvents.seq))
          .limit(filter.pageSize)
          .offset((filter.page - 1) * filter.pageSize),
        db
          .select({ n: sql<number>`count(*)::int` })
          .from(auditEvents)
          .where(where),
      ]);
      return {
        total: count?.n ?? 0,
        items: rows.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          actorId: r.actorId,
          actorEmail: r.actorEmail ?? '',
          channelId: r.channelId,
          customerId: r.customerId,
          action: r.action,
          targetType: r.targetType,
          targetId: r.targetId,
          outcome: r.outcome as AuditEvent['outcome'],
          summary: r.summary,
          ip: r.ip,
        })),
      };
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
