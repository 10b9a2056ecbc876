import { and, desc, eq, sql } from 'drizzle-orm';
import type { Invitation, InvitationListQuery, InvitationStatus } from '@trunkline/contracts';
import type { Scope } from '../access/actor.ts';
import type { Executor } from '../platform/db/database.ts';
import { offsetOf, nameContains } from '../platform/db/queries.ts';
import { customers, invitations, services } from '../platform/db/schema.ts';
import { serviceInScope } from '../services/services.repository.ts';

/** Stored status, with "expired" derived from the expiry of a link that is still usable. */
const effectiveStatus = sql<string>`case when ${invitations.status} in ('queued', 'sent', 'send-failed', 'opened') and ${invitations.expiresAt} < now() then 'expired' else ${invitations.status} end`;

const columns = {
  id: invitations.id,
  serviceId: invitations.serviceId,
  serviceName: services.fullName,
  customerId: services.customerId,
  customerName: customers.name,
  email: invitations.email,
  status: effectiveStatus,
  createdAt: invitations.createdAt,
  lastSentAt: invitations.lastSentAt,
  sendAttempts: invitations.sendAttempts,
  lastError: invitations.lastError,
  expiresAt: invitations.expiresAt,
  openedAt: invitations.openedAt,
};

type Row = {
  id: string;
  serviceId: string;
  serviceName: string;
  customerId: string;
  customerName: string;
  email: string;
  status: string;
  createdAt: Date;
  lastSentAt: Date | null;
  sendAttempts: number;
  lastError: string | null;
  expiresAt: Date;
  openedAt: Date | null;
};
const iso = (d: Date | null) => d?.toISOString() ?? null;
const toInvitation = (r: Row): Invitation => ({
  ...r,
  status: r.status as InvitationStatus,
  createdAt: r.createdAt.toISOString(),
  lastSentAt: iso(r.lastSentAt),
  expiresAt: r.expiresAt.toISOString(),
  openedAt: iso(r.openedAt),
});

export type InvitationForDelivery = Invitation & { tokenGeneration: number; serviceShortName: string };

export function createInvitationsRepository(db: Executor) {
  const base = () =>
    db
      .select(columns)
      .from(invitations)
      .innerJoin(services, eq(services.id, invitations.serviceId))
      .innerJoin(customers, eq(customers.id, services.customerId));

  return {
    async list(scope: Scope, query: InvitationListQuery): Promise<{ items: Invitation[]; total: number }> {
      const where = and(
        serviceInScope(scope),
        query.status ? sql`${effectiveStatus} = ${query.status}` : undefined,
        query.customerId ? eq(services.customerId, query.customerId) : undefined,
        query.q
          ? sql`(${nameContains(services.fullName, query.q)} or ${nameContains(invitations.email, query.q)} or ${nameContains(customers.name, query.q)})`
          : undefined,
      );
      const [rows, [count]] = await Promise.all([
        base()
          .where(where)
          .orderBy(desc(invitations.createdAt))
          .limit(query.pageSize)
          .offset(offsetOf(query)),
        db
          .select({ n: sql<number>`count(*)::int` })
          .from(invitations)
          .innerJoin(services, eq(services.id, invitations.serviceId))
          .innerJoin(customers, eq(customers.id, services.customerId))
          .where(where),
      ]);
      return { items: rows.map(toInvitation), total: count?.n ?? 0 };
    },

    async get(scope: Scope, id: string): Promise<(Invitation & { tokenGeneration: number }) | null> {
      const [row] = await db
        .select({ ...columns, tokenGeneration: invitations.tokenGeneration })
        .from(invitations)
        .innerJoin(services, eq(services.id, invitations.serviceId))
        .innerJoin(customers, eq(customers.id, services.customerId))
        .where(and(serviceInScope(scope), eq(invitations.id, id)));
      return row ? { ...toInvitation(row), tokenGeneration: row.tokenGeneration } : null;
    },

    /** Unscoped by design: the invitation link is its own authority. */
    async findByTokenHash(tokenHash: string): Promise<(Invitation & { tokenGeneration: number }) | null> {
      const [row] = await db
        .select({ ...columns, tokenGeneration: invitations.tokenGeneration })
        .from(invitations)
        .innerJoin(services, eq(services.id, invitations.serviceId))
        .innerJoin(customers, eq(customers.id, services.customerId))
        .where(eq(invitations.tokenHash, tokenHash));
      return row ? { ...toInvitation(row), tokenGeneration: row.tokenGeneration } : null;
    },

    /**
     * Unscoped by design (the link is its own authority): invitations whose link was replaced by a resend and
     * that are still within their validity, for telling an old link ("a newer link was sent") from a wrong one.
     */
    async resentSince(since: Date): Promise<{ id: string; tokenGeneration: number }[]> {
      return db
        .select({ id: invitations.id, tokenGeneration: invitations.tokenGeneration })
        .from(invitations)
        .where(and(sql`${invitations.tokenGeneration} > 1`, sql`${invitations.expiresAt} > ${since}`));
    },

    /** Unscoped by design: whether a later invitation replaced this one (re-initiated authentication). */
    async hasNewerForService(serviceId: string, invitationId: string): Promise<boolean> {
      // Compared in the database: its timestamps have microseconds, an ISO string only milliseconds (the
      // invitation itself would otherwise count as newer than its own truncated time).
      const [row] = await db
        .select({ id: invitations.id })
        .from(invitations)
        .where(
          and(
            eq(invitations.serviceId, serviceId),
            sql`${invitations.createdAt} > (select i.created_at from invitations i where i.id = ${invitationId})`,
          ),
        )
        .limit(1);
      return Boolean(row);
    },

    /** Unscoped by design: the delivery job acts for the system. */
    async forDelivery(id: string): Promise<InvitationForDelivery | null> {
      const [row] = await db
        .select({
          ...columns,
          tokenGeneration: invitations.tokenGeneration,
          serviceShortName: services.shortName,
        })
        .from(invitations)
        .innerJoin(services, eq(services.id, invitations.serviceId))
        .innerJoin(customers, eq(customers.id, services.customerId))
        .where(eq(invitations.id, id));
      return row
        ? {
            ...toInvitation(row),
            tokenGeneration: row.tokenGeneration,
            serviceShortName: row.serviceShortName,
          }
        : null;
    },

    async create(
      _scope: Scope,
      input: {
        id: string;
        serviceId: string;
        email: string;
        tokenHash: string;
        expiresAt: Date;
        createdBy: string | null;
      },
    ) {
      await db.insert(invitations).values({ ...input, status: 'queued', tokenGeneration: 1 });
    },

    /** A new link (the old one stops working), a new expiry, and back to the queue. */
    async rotate(
      _scope: Scope,
      id: string,
      input: { tokenGeneration: number; tokenHash: string; expiresAt: Date },
    ) {
      await db
        .update(invitations)
        .set({ ...input, status: 'queued', lastError: null, openedAt: null })
        .where(eq(invitations.id, id));
    },

    async setStatus(
      id: string,
      status: InvitationStatus,
      extra: { lastError?: string | null; openedAt?: Date; completedAt?: Date } = {},
    ) {
      await db
        .update(invitations)
        .set({ status, ...extra })
        .where(eq(invitations.id, id));
    },

    async recordSendAttempt(id: string, outcome: { ok: true } | { ok: false; error: string }) {
      await db
        .update(invitations)
        .set(
          outcome.ok
            ? {
                sendAttempts: sql`${invitations.sendAttempts} + 1`,
                lastSentAt: new Date(),
                lastError: null,
                status: sql`case when ${invitations.status} in ('queued', 'send-failed') then 'sent' else ${invitations.status} end`,
              }
            : {
                sendAttempts: sql`${invitations.sendAttempts} + 1`,
                lastError: outcome.error,
                status: sql`case when ${invitations.status} in ('queued', 'sent', 'send-failed') then 'send-failed' else ${invitations.status} end`,
              },
        )
        .where(eq(invitations.id, id));
    },

    async revokeAllOfService(serviceId: string) {
      await db
        .update(invitations)
        .set({ status: 'revoked' })
        .where(
          and(
            eq(invitations.serviceId, serviceId),
            sql`${invitations.status} not in ('completed', 'revoked')`,
          ),
        );
    },
  };
}
export type InvitationsRepository = ReturnType<typeof createInvitationsRepository>;
