import { and, desc, eq, gte, lte, or, sql, type SQL } from 'drizzle-orm';
import { auditSentence } from '@trunkline/contracts';
import type { Scope } from '../access/actor.ts';
import type { Executor } from '../platform/db/database.ts';
import { auditEvents, channels, customers, invitations, services, users } from '../platform/db/schema.ts';

export type AuditEntry = {
  actorId: string | null;
  actorEmail: string;
  actorName: string | null;
  channelId: string | null;
  customerId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  outcome: 'success' | 'failure';
  summary: Record<string, unknown>;
  ip: string | null;
};

export type AuditEvent = AuditEntry & {
  id: string;
  at: string;
  targetName: string | null;
  customerName: string | null;
  sentence: string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The target's current name, read in the writing transaction (so it is the name at the time of the event). */
const targetNameOf = (targetType: string, targetId: string | null): SQL | null => {
  if (!targetId || !UUID.test(targetId)) return null;
  switch (targetType) {
    case 'service':
      return sql`(select ${services.fullName} from ${services} where ${services.id} = ${targetId})`;
    case 'invitation':
      return sql`(select ${services.fullName} from ${invitations} join ${services} on ${services.id} = ${invitations.serviceId} where ${invitations.id} = ${targetId})`;
    case 'customer':
      return sql`(select ${customers.name} from ${customers} where ${customers.id} = ${targetId})`;
    case 'channel':
      return sql`(select ${channels.name} from ${channels} where ${channels.id} = ${targetId})`;
    case 'user':
      return sql`(select ${users.name} from ${users} where ${users.id} = ${targetId})`;
    default:
      return null;
  }
};

/** A name the record itself carries (a deleted service's summary names it), when the row is gone already. */
const recordedName = (summary: Record<string, unknown>): string | null => {
  for (const key of ['fullName', 'name', 'email'])
    if (typeof summary[key] === 'string' && summary[key]) return summary[key];
  return null;
};

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
    /** Appends an event with the names of its target and customer as they are now, in the caller's transaction. */
    async append(entry: AuditEntry): Promise<void> {
      const current = targetNameOf(entry.targetType, entry.targetId);
      const fallback = recordedName(entry.summary);
      await db.insert(auditEvents).values({
        ...entry,
        targetName: current ? sql`coalesce(${current}, ${fallback})` : fallback,
        customerName: entry.customerId
          ? sql`(select ${customers.name} from ${customers} where ${customers.id} = ${entry.customerId})`
          : null,
      });
    },

    async list(
      scope: Scope,
      filter: Omit<AuditFilter, 'page' | 'pageSize'> & { page: number; pageSize: number },
    ): Promise<{ items: AuditEvent[]; total: number }> {
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
        items: rows.map((r) => {
          const event = {
            id: r.id,
            at: r.at.toISOString(),
            actorId: r.actorId,
            actorEmail: r.actorEmail ?? '',
            actorName: r.actorName,
            channelId: r.channelId,
            customerId: r.customerId,
            customerName: r.customerName,
            action: r.action,
            targetType: r.targetType,
            targetId: r.targetId,
            targetName: r.targetName,
            outcome: r.outcome as AuditEvent['outcome'],
            summary: r.summary,
            ip: r.ip,
          };
          return { ...event, sentence: auditSentence(event) };
        }),
      };
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
