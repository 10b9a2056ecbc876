import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type {
  GraphLifecycleNotificationSchema,
  GraphNotification,
  QoeSubscriptionState,
} from '@trunkline/contracts';
import type { z } from 'zod';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { JobQueue } from '../jobs/job.ts';
import { qoeFetchCallRecordJob, qoeLifecycleJob, qoePullDirectRoutingJob } from '../jobs/definitions.ts';
import { notificationSecretContext } from '../m365/m365-settings.service.ts';
import type { M365SettingsRepository } from '../m365/m365-settings.repository.ts';
import type { EntraClient } from '../microsoft/entra.ts';
import { GraphError, type GraphClient } from '../microsoft/graph.ts';
import { retryAfterOf } from '../microsoft/throttle.ts';
import { forbidden, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Vault } from '../secrets/vault.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import {
  CallRecordSchema,
  DirectRoutingPageSchema,
  flattenCallRecord,
  SessionsPageSchema,
  type DirectRoutingRow,
  type GraphSession,
} from './call-record.ts';
import type { NotifyingService, QoeRepository, QoeSubscriptionRow } from './qoe.repository.ts';

/** What Trunkline asks for: under Graph's 4230-minute maximum for callRecords, with room for clock skew. */
export const SUBSCRIPTION_MINUTES = 4200;
/** A subscription with less than this left is renewed by the sync job (which runs every 15 minutes). */
export const RENEW_BEFORE_MS = 24 * 3600_000;
/** The Direct Routing log is pulled again from this long before the last pull's end (late rows). */
const DR_OVERLAP_MS = 3600_000;
/** A first pull reaches this far back. */
const DR_FIRST_WINDOW_MS = 24 * 3600_000;
/**
 * After a call record of a service is stored, its Direct Routing log is pulled this long afterwards (one pull per
 * service while one is queued), so calls and SIP outcomes follow the call records within minutes instead of waiting
 * for the 15-minute schedule, which stays for services without call records (failed calls only).
 */
const DR_AFTER_CALL_SECONDS = 120;
const MAX_PAGES = 1000;
const CACHE_MS = 60_000;
/** The webhook's new inbox rows are sent as fetch jobs once no notification came for this long… */
const FLUSH_MS = 250;
/** …or this long after the first of them at the latest. */
const FLUSH_MAX_MS = 5000;
/** Graph's call-record ids are GUIDs; anything else in a notification is refused. */
const RESOURCE_ID = /^[0-9A-Za-z-]{1,64}$/;

export const webhookPaths = {
  notifications: '/api/v1/webhooks/graph/call-records',
  lifecycle: '/api/v1/webhooks/graph/call-records/lifecycle',
};

const stateContext = (rowId: string) => ({ table: 'qoe_subscriptions', rowId, purpose: 'client-state' });
const secretContext = (rowId: string) => ({
  table: 'qoe_subscriptions',
  rowId,
  purpose: 'notification-app-secret',
});
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

type Deps = {
  repos: { qoe: QoeRepository; services: ServicesRepository; m365Settings: M365SettingsRepository };
  uow: UnitOfWork<{ qoe: QoeRepository; jobs: Pick<JobQueue, 'send'> }>;
  jobs: JobQueue;
  graph: GraphClient;
  /** Graph's base URL: a `nextLink` must start with it (the token is never sent elsewhere). */
  graphBaseUrl: string;
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  vault: Vault;
  /** The public base URL Graph posts to (`QOE_WEBHOOK_BASE_URL`, default `PUBLIC_URL`). */
  webhookBaseUrl: string;
  retentionDays: number;
};

type Cached = { rowId: string; tenantId: string; stateHash: Buffer; until: number };

/**
 * QoE ingest (issue #15): the Graph subscription of each service's Teams Notification Service app (create, renew
 * well before expiry, reauthorize, recreate after a 404, delete when the setting or the service goes), the public
 * webhook's checks and inbox, the fetch of each call record into the store, the Direct Routing log pull and
 * retention. The webhook and jobs act for the system; only `subscriptionState` serves a user (scope checked).
 */
export function createQoeService(deps: Deps) {
  const { repos, uow, jobs, graph, vault } = deps;
  const graphBase = deps.graphBaseUrl.replace(/\/+$/, '');
  const tokens = new Map<string, { token: string; until: number }>();
  const cache = new Map<string, Cached>();
  const buffer: string[] = [];
  const touched = new Set<string>();
  let flushing: Promise<void> | null = null;
  let release: (() => void) | null = null;
  let flushTimer: NodeJS.Timeout | null = null;
  let firstBuffered: number | null = null;

  /**
   * Group commit for the webhook: the notifications of every request arriving while one insert runs are written
   * by the next single statement, and each request resumes (and answers 202) once its rows are committed. Under a
   * burst that is a handful of inserts instead of one per request.
   */
  type InboxItem = { subscriptionId: string; resourceId: string; changeType: string; receivedAt: Date };
  const waiting: { items: InboxItem[]; resolve: (ids: string[]) => void; reject: (e: unknown) => void }[] =
    [];
  let writing = false;
  const key = (i: { subscriptionId: string; resourceId: string; changeType: string }) =>
    `${i.subscriptionId}|${i.resourceId}|${i.changeType}`;
  async function drainInbox() {
    writing = true;
    try {
      while (waiting.length) {
        const batch = waiting.splice(0, 500);
        try {
          const rows = await repos.qoe.insertNotifications(batch.flatMap((w) => w.items));
          const created = new Map(rows.map((r) => [key(r), r.id]));
          for (const w of batch) {
            const ids: string[] = [];
            for (const i of w.items) {
              const id = created.get(key(i));
              // A duplicate within the batch: the first request that named it owns the new row.
              if (id !== undefined) {
                ids.push(id);
                created.delete(key(i));
              }
            }
            w.resolve(ids);
          }
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      writing = false;
    }
  }
  const inbox = (items: InboxItem[]) =>
    new Promise<string[]>((resolve, reject) => {
      if (!items.length) return resolve([]);
      waiting.push({ items, resolve, reject });
      if (!writing) void drainInbox();
    });

  async function tokenFor(sub: QoeSubscriptionRow): Promise<string> {
    const key = `${sub.appClientId}:${sub.tenantId}`;
    const hit = tokens.get(key);
    if (hit && hit.until > Date.now()) return hit.token;
    const clientSecret = await vault.open(sub.appSecretSealed, secretContext(sub.id));
    const t = await deps
      .entraForApp({ clientId: sub.appClientId, clientSecret })
      .clientCredentials(sub.tenantId);
    tokens.set(key, { token: t.accessToken, until: t.expiresAt.getTime() - 5 * 60_000 });
    return t.accessToken;
  }

  const expiry = (now: Date) => new Date(now.getTime() + SUBSCRIPTION_MINUTES * 60_000);

  /** Creates the Graph subscription of a row (first time, or again after Graph lost it). */
  async function createAtGraph(sub: QoeSubscriptionRow, now: Date) {
    try {
      const clientState = await vault.open(sub.clientStateSealed, stateContext(sub.id));
      const created = await graph.request<{ id: string; expirationDateTime: string }>(
        await tokenFor(sub),
        'POST',
        '/subscriptions',
        {
          changeType: 'created,updated',
          notificationUrl: `${deps.webhookBaseUrl}${webhookPaths.notifications}`,
          lifecycleNotificationUrl: `${deps.webhookBaseUrl}${webhookPaths.lifecycle}`,
          resource: '/communications/callRecords',
          expirationDateTime: expiry(now).toISOString(),
          clientState,
        },
      );
      if (sub.graphSubscriptionId) cache.delete(sub.graphSubscriptionId);
      await repos.qoe.updateSubscription(sub.id, {
        graphSubscriptionId: created.id,
        expiresAt: new Date(created.expirationDateTime),
        lastRenewedAt: now,
        lastError: null,
      });
      return 'created' as const;
    } catch (e) {
      await repos.qoe.updateSubscription(sub.id, {
        lastError: `Creating the subscription failed: ${message(e)}`,
      });
      return 'failed' as const;
    }
  }

  async function renew(sub: QoeSubscriptionRow, now: Date) {
    try {
      const renewed = await graph.request<{ expirationDateTime: string }>(
        await tokenFor(sub),
        'PATCH',
        `/subscriptions/${encodeURIComponent(sub.graphSubscriptionId!)}`,
        { expirationDateTime: expiry(now).toISOString() },
      );
      await repos.qoe.updateSubscription(sub.id, {
        expiresAt: new Date(renewed.expirationDateTime),
        lastRenewedAt: now,
        lastError: null,
      });
      return 'renewed' as const;
    } catch (e) {
      // Graph no longer has it (expired unseen, removed): a new one.
      if (e instanceof GraphError && e.status === 404) return createAtGraph(sub, now);
      await repos.qoe.updateSubscription(sub.id, {
        lastError: `Renewing the subscription failed: ${message(e)}`,
      });
      return 'failed' as const;
    }
  }

  /** Deletes the Graph subscription (a 404 means it is gone already) and then the row. */
  async function remove(sub: QoeSubscriptionRow) {
    try {
      if (sub.graphSubscriptionId)
        await graph.request(
          await tokenFor(sub),
          'DELETE',
          `/subscriptions/${encodeURIComponent(sub.graphSubscriptionId)}`,
        );
    } catch (e) {
      if (!(e instanceof GraphError && e.status === 404)) {
        await repos.qoe.updateSubscription(sub.id, {
          lastError: `Deleting the subscription failed: ${message(e)}`,
        });
        return 'failed' as const;
      }
    }
    if (sub.graphSubscriptionId) cache.delete(sub.graphSubscriptionId);
    await repos.qoe.deleteSubscription(sub.id);
    return 'deleted' as const;
  }

  async function insertFor(d: NotifyingService): Promise<QoeSubscriptionRow> {
    const id = randomUUID();
    const clientSecret = await vault.open(d.secretSealed, notificationSecretContext(d.serviceId));
    const row = {
      id,
      serviceId: d.serviceId,
      tenantId: d.tenantId,
      appClientId: d.clientId,
      appSecretSealed: await vault.seal(clientSecret, secretContext(id)),
      clientStateSealed: await vault.seal(randomBytes(32).toString('base64url'), stateContext(id)),
    };
    await repos.qoe.insertSubscription(row);
    return (await repos.qoe.subscription(id))!;
  }

  /** The subscription a notification names, with its clientState's hash (cached in memory for a minute). */
  async function known(graphSubscriptionId: string): Promise<Cached | null> {
    const hit = cache.get(graphSubscriptionId);
    if (hit && hit.until > Date.now()) return hit;
    const sub = await repos.qoe.subscriptionByGraphId(graphSubscriptionId);
    if (!sub || !sub.serviceId) return null;
    const entry = {
      rowId: sub.id,
      tenantId: sub.tenantId,
      stateHash: sha256(await vault.open(sub.clientStateSealed, stateContext(sub.id))),
      until: Date.now() + CACHE_MS,
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(graphSubscriptionId, entry);
    return entry;
  }

  /** Checks every item's subscription, clientState (constant time) and tenant; one bad item refuses the whole POST. */
  async function checked<
    T extends {
      subscriptionId: string;
      clientState?: string | null | undefined;
      tenantId?: string | undefined;
    },
  >(items: T[]): Promise<{ item: T; sub: Cached }[]> {
    const out: { item: T; sub: Cached }[] = [];
    for (const item of items) {
      const sub = await known(item.subscriptionId);
      const given = sha256(item.clientState ?? '');
      const ok =
        sub !== null &&
        timingSafeEqual(given, sub.stateHash) &&
        (item.tenantId === undefined || item.tenantId.toLowerCase() === sub.tenantId.toLowerCase());
      if (!ok || !sub) throw forbidden('Not a notification of a known subscription.');
      out.push({ item, sub });
    }
    return out;
  }

  const resourceIdOf = (n: GraphNotification): string => {
    const id = n.resourceData?.id ?? /callRecords\/([^/?]+)$/i.exec(n.resource)?.[1] ?? '';
    if (!RESOURCE_ID.test(id)) throw forbidden('Not a notification of a known subscription.');
    return id;
  };

  async function fetchRecord(token: string, callId: string) {
    const first = CallRecordSchema.parse(
      await graph.request(
        token,
        'GET',
        `/communications/callRecords/${encodeURIComponent(callId)}?$expand=sessions($expand=segments)`,
      ),
    );
    const sessions: GraphSession[] = [...(first.sessions ?? [])];
    let next = first['sessions@odata.nextLink'] ?? null;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      if (!next.startsWith(`${graphBase}/`))
        throw new Error('A sessions nextLink pointed outside Microsoft Graph; not followed.');
      const more = SessionsPageSchema.parse(await graph.request(token, 'GET', next.slice(graphBase.length)));
      sessions.push(...more.value);
      next = more['@odata.nextLink'] ?? null;
    }
    return flattenCallRecord(first, sessions);
  }

  /**
   * Fetches the call record of one inbox row and stores it (a higher version replaces the stored one). Throttled:
   * how long Graph asked to wait; a record Graph no longer has (404) closes the row; another failure is recorded
   * and left to the sweep (at most 8 attempts).
   */
  async function processOne(
    notificationId: string,
    now: Date,
    storedFor: Set<string>,
  ): Promise<'stored' | 'stale' | 'done' | 'gone' | 'not-found' | 'failed' | { retryAfterSeconds: number }> {
    const n = await repos.qoe.notification(notificationId);
    if (!n || n.processedAt) return 'done';
    const sub = await repos.qoe.subscription(n.subscriptionId);
    if (!sub?.serviceId) {
      await repos.qoe.finishNotification(n.id, 'The subscription is gone.', now);
      return 'gone';
    }
    const serviceId = sub.serviceId;
    try {
      const { call, streams } = await fetchRecord(await tokenFor(sub), n.resourceId);
      return await uow(async (r) => {
        const stored = await r.qoe.storeCall(serviceId, call, streams);
        await r.qoe.finishNotification(n.id, null, now);
        if (stored === 'stored') storedFor.add(serviceId);
        return stored;
      });
    } catch (e) {
      const wait = retryAfterOf(e);
      if (wait !== undefined) {
        await repos.qoe.failNotification(n.id, `Throttled by Microsoft Graph: ${message(e)}`);
        return { retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
      }
      if (e instanceof GraphError && e.status === 404) {
        await repos.qoe.finishNotification(n.id, 'Microsoft Graph has no such call record (404).', now);
        return 'not-found';
      }
      await repos.qoe.failNotification(n.id, message(e));
      return 'failed';
    }
  }

  return {
    /**
     * Brings every subscription to what the settings say: creates missing ones, renews those expiring within a
     * day, recreates those Graph lost, deletes those whose service or setting is gone (or whose app changed).
     */
    async syncSubscriptions(now = new Date()) {
      const desired = new Map((await repos.qoe.notifyingServices()).map((d) => [d.serviceId, d]));
      const result = { created: 0, renewed: 0, deleted: 0, failed: 0 };
      const count = (r: 'created' | 'renewed' | 'deleted' | 'failed') => {
        result[r] += 1;
      };
      const seen = new Set<string>();
      for (const sub of await repos.qoe.subscriptions()) {
        const d = sub.serviceId ? desired.get(sub.serviceId) : undefined;
        if (!d || d.clientId !== sub.appClientId || d.tenantId !== sub.tenantId) {
          count(await remove(sub));
          continue;
        }
        seen.add(d.serviceId);
        if (!sub.graphSubscriptionId || !sub.expiresAt) count(await createAtGraph(sub, now));
        else if (sub.expiresAt.getTime() - now.getTime() < RENEW_BEFORE_MS) count(await renew(sub, now));
      }
      for (const d of desired.values()) {
        if (seen.has(d.serviceId)) continue;
        count(await createAtGraph(await insertFor(d), now));
      }
      return result;
    },

    /** Webhook: persists the notifications (duplicates once) and answers the new inbox ids to enqueue. */
    async acceptNotifications(items: GraphNotification[], now = new Date()): Promise<string[]> {
      const ok = await checked(items);
      const bySub = new Map<string, { resourceId: string; changeType: string }[]>();
      for (const { item, sub } of ok) {
        if (item.changeType === 'deleted') continue;
        const list = bySub.get(sub.rowId) ?? [];
        list.push({ resourceId: resourceIdOf(item), changeType: item.changeType });
        bySub.set(sub.rowId, list);
      }
      for (const rowId of bySub.keys()) touched.add(rowId);
      return inbox(
        [...bySub].flatMap(([subscriptionId, list]) =>
          list.map((i) => ({ subscriptionId, ...i, receivedAt: now })),
        ),
      );
    },

    /**
     * After the 202: new inbox rows are collected for a moment and sent as one fetch job per 500, together with
     * the subscriptions' last-notification times, so a burst costs a few writes, not one job per notification.
     * Rows whose job is lost (the process ends first) are re-sent by the sweep.
     */
    enqueueFetches(ids: string[]): Promise<void> {
      buffer.push(...ids);
      // Debounced: while notifications keep arriving (a burst) the fetches wait, so the answers come first; never
      // longer than FLUSH_MAX_MS after the first buffered row.
      const now = Date.now();
      firstBuffered ??= now;
      if (flushTimer) clearTimeout(flushTimer);
      const delay = Math.max(0, Math.min(FLUSH_MS, firstBuffered + FLUSH_MAX_MS - now));
      flushing ??= new Promise<void>((resolve) => {
        release = resolve;
      }).then(async () => {
        flushing = null;
        firstBuffered = null;
        const batch = buffer.splice(0);
        const subs = [...touched];
        touched.clear();
        for (const id of subs) await repos.qoe.touchSubscription(id, new Date());
        for (let i = 0; i < batch.length; i += 500)
          await jobs.send(qoeFetchCallRecordJob, { notificationIds: batch.slice(i, i + 500) });
      });
      flushTimer = setTimeout(() => {
        flushTimer = null;
        release?.();
      }, delay);
      return flushing;
    },

    /** Webhook, lifecycle URL: checked like notifications; the reaction runs as a job, persisted before the 202. */
    async acceptLifecycle(items: z.infer<typeof GraphLifecycleNotificationSchema>[]) {
      const ok = await checked(items);
      await uow(async (r) => {
        for (const { item, sub } of ok)
          await r.jobs.send(qoeLifecycleJob, { subscriptionId: sub.rowId, event: item.lifecycleEvent });
      });
    },

    /** `reauthorizationRequired` → reauthorize (404: recreate); `subscriptionRemoved` → recreate. */
    async handleLifecycle(subscriptionId: string, event: string, now = new Date()) {
      const sub = await repos.qoe.subscription(subscriptionId);
      if (!sub?.graphSubscriptionId) return 'gone';
      if (event === 'subscriptionRemoved') return createAtGraph(sub, now);
      if (event !== 'reauthorizationRequired') return 'ignored';
      try {
        await graph.request(
          await tokenFor(sub),
          'POST',
          `/subscriptions/${encodeURIComponent(sub.graphSubscriptionId)}/reauthorize`,
        );
        await repos.qoe.updateSubscription(sub.id, { lastRenewedAt: now, lastError: null });
        return 'reauthorized';
      } catch (e) {
        if (e instanceof GraphError && e.status === 404) return createAtGraph(sub, now);
        await repos.qoe.updateSubscription(sub.id, { lastError: `Reauthorizing failed: ${message(e)}` });
        throw e;
      }
    },

    /** Fetches and stores the call records of some inbox rows; Graph's Retry-After sends the rest again then. */
    async processNotifications(notificationIds: string[], now = new Date()) {
      const result = { stored: 0, stale: 0, done: 0, gone: 0, notFound: 0, failed: 0, throttled: 0 };
      const storedFor = new Set<string>();
      for (let i = 0; i < notificationIds.length; i++) {
        const r = await processOne(notificationIds[i]!, now, storedFor);
        if (typeof r === 'object') {
          await jobs.send(
            qoeFetchCallRecordJob,
            { notificationIds: notificationIds.slice(i) },
            { startAfterSeconds: r.retryAfterSeconds },
          );
          result.throttled = notificationIds.length - i;
          break;
        }
        result[r === 'not-found' ? 'notFound' : r] += 1;
      }
      for (const serviceId of storedFor)
        await jobs.send(
          qoePullDirectRoutingJob,
          { serviceId },
          { singletonKey: serviceId, startAfterSeconds: DR_AFTER_CALL_SECONDS },
        );
      return result;
    },

    /** Re-sends fetch jobs for inbox rows left unprocessed (a job lost between the commit and the send). */
    async sweep(now = new Date()) {
      const ids = await repos.qoe.pendingNotifications(new Date(now.getTime() - 5 * 60_000), 1000);
      for (let i = 0; i < ids.length; i += 500)
        await jobs.send(qoeFetchCallRecordJob, { notificationIds: ids.slice(i, i + 500) });
      return { resent: ids.length };
    },

    /** One Direct Routing pull job per service with a subscription. */
    async fanOutDirectRouting() {
      const services = await repos.qoe.notifyingServices();
      for (const s of services)
        await jobs.send(qoePullDirectRoutingJob, { serviceId: s.serviceId }, { singletonKey: s.serviceId });
      return { services: services.length };
    },

    /** Pulls `getDirectRoutingCalls` (paged) since the last pull for one service and stores its trunk's rows. */
    async pullDirectRouting(serviceId: string, now = new Date()) {
      const d = (await repos.qoe.notifyingServices()).find((x) => x.serviceId === serviceId);
      const sub = await repos.qoe.subscriptionOfService(serviceId);
      if (!d || !sub) return { stored: 0 };
      const cursor = await repos.qoe.drCursor(serviceId);
      const from = cursor
        ? new Date(cursor.pulledUntil.getTime() - DR_OVERLAP_MS)
        : new Date(now.getTime() - DR_FIRST_WINDOW_MS);
      const trunk = d.trunkFqdn.toLowerCase();
      const rows: DirectRoutingRow[] = [];
      try {
        const token = await tokenFor(sub);
        let path: string | null =
          `/communications/callRecords/getDirectRoutingCalls(fromDateTime=${from.toISOString()},toDateTime=${now.toISOString()})`;
        for (let page = 0; path && page < MAX_PAGES; page++) {
          const body = DirectRoutingPageSchema.parse(await graph.request(token, 'GET', path));
          rows.push(
            ...body.value.filter((r) => (r.trunkFullyQualifiedDomainName ?? '').toLowerCase() === trunk),
          );
          const next = body['@odata.nextLink'] ?? null;
          if (next && !next.startsWith(`${graphBase}/`))
            throw new Error('A nextLink pointed outside Microsoft Graph; not followed.');
          path = next ? next.slice(graphBase.length) : null;
        }
      } catch (e) {
        const wait = retryAfterOf(e);
        await repos.qoe.setDrCursor(serviceId, null, message(e));
        if (wait !== undefined) {
          await jobs.send(
            qoePullDirectRoutingJob,
            { serviceId },
            { startAfterSeconds: Math.max(1, Math.ceil(wait)) },
          );
          return { stored: 0, throttled: true };
        }
        throw e;
      }
      await uow(async (r) => {
        await r.qoe.storeDirectRoutingRows(serviceId, rows);
        await r.qoe.setDrCursor(serviceId, now, null);
      });
      return { stored: rows.length };
    },

    /** Deletes what is older than the retention (QOE_RETENTION_DAYS). */
    async enforceRetention(now = new Date()) {
      return repos.qoe.purgeBefore(new Date(now.getTime() - deps.retentionDays * 86_400_000));
    },

    /** The service's subscription state for its page (no secret). */
    async subscriptionState(actor: Actor, serviceId: string): Promise<QoeSubscriptionState> {
      if (!(await repos.services.get(scopeOf(actor), serviceId))) throw notFound('Service');
      const settings = await repos.m365Settings.get(serviceId);
      const sub = await repos.qoe.subscriptionOfService(serviceId);
      const iso = (d: Date | null) => (d ? d.toISOString() : null);
      return {
        serviceId,
        configured: Boolean(settings?.notificationClientId && settings.notificationSecretSealed),
        subscription: sub
          ? {
              graphSubscriptionId: sub.graphSubscriptionId,
              tenantId: sub.tenantId,
              expiresAt: iso(sub.expiresAt),
              lastRenewedAt: iso(sub.lastRenewedAt),
              lastNotificationAt: iso(sub.lastNotificationAt),
              lastError: sub.lastError,
            }
          : null,
      };
    },
  };
}
export type QoeService = ReturnType<typeof createQoeService>;
