import { and, asc, eq, inArray, isNotNull, isNull, lt, notInArray, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import {
  qoeCalls,
  qoeDrCalls,
  qoeDrCursors,
  qoeNotifications,
  qoeStreams,
  qoeSubscriptions,
  serviceConnections,
  serviceM365Settings,
  services,
} from '../platform/db/schema.ts';
import type { CallRow, DirectRoutingRow, StreamRow } from './call-record.ts';

export type QoeSubscriptionRow = typeof qoeSubscriptions.$inferSelect;
export type QoeNotificationRow = typeof qoeNotifications.$inferSelect;

/** A service whose Notification Service app is set, with what a subscription needs. */
export type NotifyingService = {
  serviceId: string;
  tenantId: string;
  trunkFqdn: string;
  clientId: string;
  secretSealed: string;
};

const INACTIVE = ['removed', 'offboarding'];
const STREAM_CHUNK = 500;

/**
 * The QoE store. Acts for the system (the webhook, the jobs): keyed by service ids and Graph ids that the caller
 * found itself; the one user-facing read (`subscriptionOfService`) is given a service id the service layer has
 * already found in the actor's scope.
 */
export function createQoeRepository(db: Executor) {
  return {
    /** Services that should have a subscription: the notification app set, a tenant, not being removed. */
    async notifyingServices(): Promise<NotifyingService[]> {
      const rows = await db
        .select({
          serviceId: services.id,
          tenantId: serviceConnections.tenantId,
          trunkFqdn: services.trunkFqdn,
          clientId: serviceM365Settings.notificationClientId,
          secretSealed: serviceM365Settings.notificationSecretSealed,
        })
        .from(services)
        .innerJoin(serviceM365Settings, eq(serviceM365Settings.serviceId, services.id))
        .innerJoin(serviceConnections, eq(serviceConnections.serviceId, services.id))
        .where(
          and(
            isNotNull(serviceM365Settings.notificationClientId),
            isNotNull(serviceM365Settings.notificationSecretSealed),
            isNotNull(serviceConnections.tenantId),
            notInArray(services.status, INACTIVE),
          ),
        );
      return rows.map((r) => ({
        serviceId: r.serviceId,
        tenantId: r.tenantId!,
        trunkFqdn: r.trunkFqdn,
        clientId: r.clientId!,
        secretSealed: r.secretSealed!,
      }));
    },
    async subscriptions(): Promise<QoeSubscriptionRow[]> {
      return db.select().from(qoeSubscriptions);
    },
    async subscription(id: string): Promise<QoeSubscriptionRow | null> {
      const [row] = await db.select().from(qoeSubscriptions).where(eq(qoeSubscriptions.id, id));
      return row ?? null;
    },
    async subscriptionOfService(serviceId: string): Promise<QoeSubscriptionRow | null> {
      const [row] = await db.select().from(qoeSubscriptions).where(eq(qoeSubscriptions.serviceId, serviceId));
      return row ?? null;
    },
    async subscriptionByGraphId(graphSubscriptionId: string): Promise<QoeSubscriptionRow | null> {
      const [row] = await db
        .select()
        .from(qoeSubscriptions)
        .where(eq(qoeSubscriptions.graphSubscriptionId, graphSubscriptionId));
      return row ?? null;
    },
    async insertSubscription(row: typeof qoeSubscriptions.$inferInsert) {
      await db.insert(qoeSubscriptions).values(row);
    },
    async updateSubscription(
      id: string,
      patch: Partial<Omit<QoeSubscriptionRow, 'id' | 'serviceId' | 'createdAt'>>,
    ) {
      await db.update(qoeSubscriptions).set(patch).where(eq(qoeSubscriptions.id, id));
    },
    async deleteSubscription(id: string) {
      await db.delete(qoeSubscriptions).where(eq(qoeSubscriptions.id, id));
    },

    /**
     * Persists notifications in one statement; Graph's duplicates (stored before, or twice in this batch) hit the
     * unique key and are skipped. Answers the new rows.
     */
    async insertNotifications(
      items: { subscriptionId: string; resourceId: string; changeType: string; receivedAt: Date }[],
    ) {
      if (!items.length) return [];
      return db.insert(qoeNotifications).values(items).onConflictDoNothing().returning({
        id: qoeNotifications.id,
        subscriptionId: qoeNotifications.subscriptionId,
        resourceId: qoeNotifications.resourceId,
        changeType: qoeNotifications.changeType,
      });
    },
    async touchSubscription(id: string, at: Date) {
      await db.update(qoeSubscriptions).set({ lastNotificationAt: at }).where(eq(qoeSubscriptions.id, id));
    },
    async notification(id: string): Promise<QoeNotificationRow | null> {
      const [row] = await db.select().from(qoeNotifications).where(eq(qoeNotifications.id, id));
      return row ?? null;
    },
    async finishNotification(id: string, lastError: string | null, at: Date) {
      await db
        .update(qoeNotifications)
        .set({ processedAt: at, lastError, attempts: sql`${qoeNotifications.attempts} + 1` })
        .where(eq(qoeNotifications.id, id));
    },
    async failNotification(id: string, lastError: string) {
      await db
        .update(qoeNotifications)
        .set({ lastError, attempts: sql`${qoeNotifications.attempts} + 1` })
        .where(eq(qoeNotifications.id, id));
    },
    /** Unprocessed notifications received before `before` (the sweep re-enqueues them). */
    async pendingNotifications(before: Date, limit: number): Promise<string[]> {
      const rows = await db
        .select({ id: qoeNotifications.id })
        .from(qoeNotifications)
        .where(
          and(
            isNull(qoeNotifications.processedAt),
            lt(qoeNotifications.receivedAt, before),
            lt(qoeNotifications.attempts, 8),
          ),
        )
        .orderBy(asc(qoeNotifications.receivedAt))
        .limit(limit);
      return rows.map((r) => r.id);
    },

    /**
     * Stores a call and its streams unless a record of the same or a higher version is stored already:
     * 'stored' or 'stale'. Call inside a transaction (the streams are replaced).
     */
    async storeCall(serviceId: string, call: CallRow, streams: StreamRow[]): Promise<'stored' | 'stale'> {
      const values = { serviceId, ...call, fetchedAt: new Date() };
      const { serviceId: _s, callId: _c, ...update } = values;
      const written = await db
        .insert(qoeCalls)
        .values(values)
        .onConflictDoUpdate({
          target: [qoeCalls.serviceId, qoeCalls.callId],
          set: update,
          setWhere: sql`${qoeCalls.version} < excluded.version`,
        })
        .returning({ callId: qoeCalls.callId });
      if (!written.length) return 'stale';
      await db
        .delete(qoeStreams)
        .where(and(eq(qoeStreams.serviceId, serviceId), eq(qoeStreams.callId, call.callId)));
      for (let i = 0; i < streams.length; i += STREAM_CHUNK)
        await db
          .insert(qoeStreams)
          .values(streams.slice(i, i + STREAM_CHUNK).map((s) => ({ serviceId, callId: call.callId, ...s })));
      return 'stored';
    },
    async storeDirectRoutingRows(serviceId: string, rows: DirectRoutingRow[]) {
      for (let i = 0; i < rows.length; i += STREAM_CHUNK) {
        const values = rows.slice(i, i + STREAM_CHUNK).map((r) => ({
          serviceId,
          id: r.id,
          correlationId: r.correlationId ?? null,
          callType: r.callType ?? null,
          startAt: new Date(r.startDateTime),
          endAt: r.endDateTime ? new Date(r.endDateTime) : null,
          successful: r.successfulCall ?? false,
          finalSipCode: r.finalSipCode ?? null,
          finalSipPhrase: r.finalSipCodePhrase ?? null,
          callEndSubReason: r.callEndSubReason ?? null,
          trunkFqdn: r.trunkFullyQualifiedDomainName ?? null,
          callerNumber: r.callerNumber ?? null,
          calleeNumber: r.calleeNumber ?? null,
          durationSeconds: r.duration ?? null,
          mediaBypass: r.mediaBypassEnabled ?? null,
        }));
        await db
          .insert(qoeDrCalls)
          .values(values)
          .onConflictDoUpdate({
            target: [qoeDrCalls.serviceId, qoeDrCalls.id],
            set: {
              endAt: sql`excluded.end_at`,
              successful: sql`excluded.successful`,
              finalSipCode: sql`excluded.final_sip_code`,
              finalSipPhrase: sql`excluded.final_sip_phrase`,
              callEndSubReason: sql`excluded.call_end_sub_reason`,
              durationSeconds: sql`excluded.duration_seconds`,
            },
          });
      }
    },
    async drCursor(serviceId: string) {
      const [row] = await db.select().from(qoeDrCursors).where(eq(qoeDrCursors.serviceId, serviceId));
      return row ?? null;
    },
    async setDrCursor(serviceId: string, pulledUntil: Date | null, lastError: string | null) {
      if (pulledUntil)
        await db
          .insert(qoeDrCursors)
          .values({ serviceId, pulledUntil, lastError })
          .onConflictDoUpdate({ target: qoeDrCursors.serviceId, set: { pulledUntil, lastError } });
      else await db.update(qoeDrCursors).set({ lastError }).where(eq(qoeDrCursors.serviceId, serviceId));
    },
    /** Retention: calls (their streams cascade), Direct Routing rows and processed notifications before `before`. */
    async purgeBefore(before: Date) {
      const calls = await db
        .delete(qoeCalls)
        .where(lt(qoeCalls.startAt, before))
        .returning({ id: qoeCalls.callId });
      const dr = await db
        .delete(qoeDrCalls)
        .where(lt(qoeDrCalls.startAt, before))
        .returning({ id: qoeDrCalls.id });
      const notifications = await db
        .delete(qoeNotifications)
        .where(and(isNotNull(qoeNotifications.processedAt), lt(qoeNotifications.receivedAt, before)))
        .returning({ id: qoeNotifications.id });
      return { calls: calls.length, directRoutingCalls: dr.length, notifications: notifications.length };
    },
    /** The stored streams of some calls (tests and the later dashboards read through here). */
    async streamsOfService(serviceId: string, callIds?: string[]) {
      return db
        .select()
        .from(qoeStreams)
        .where(
          and(eq(qoeStreams.serviceId, serviceId), ...(callIds ? [inArray(qoeStreams.callId, callIds)] : [])),
        );
    },
  };
}
export type QoeRepository = ReturnType<typeof createQoeRepository>;
