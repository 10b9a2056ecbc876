import {
  POOR_AUDIO_THRESHOLDS,
  poorAudioBy,
  QOE_DEFAULT_RANGE_HOURS,
  resolveQoeRange,
  type QoeCallCounts,
  type QoeCallDetail,
  type QoeCallListQuery,
  type QoeCallPage,
  type QoeRangeQuery,
  type QoeServiceSummaries,
  type QoeServiceSummary,
  type QoeStreamCounts,
  type QoeSummary,
} from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import { invalid, notFound } from '../platform/errors.ts';
import type { CustomersRepository } from '../customers/customers.repository.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import type { CallCursor, QoeDashboardRepository, ServiceCounts } from './dashboard.repository.ts';

const TOP = 10;

const callCounts = (answered: number, failed: number): QoeCallCounts => ({
  total: answered + failed,
  answered,
  failed,
  successRate: answered + failed ? answered / (answered + failed) : null,
});
const streamCounts = (c: {
  callRecords: number;
  poorCalls: number;
  streams: number;
  poorStreams: number;
}): QoeStreamCounts => ({ ...c, poorShare: c.streams ? c.poorStreams / c.streams : null });

const encodeCursor = (c: CallCursor) =>
  Buffer.from(JSON.stringify([c.startAt, c.rank, c.serviceId, c.id])).toString('base64url');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function decodeCursor(text: string): CallCursor {
  const bad = () =>
    invalid([
      { path: 'cursor', code: 'invalid', message: 'Not a cursor of this list (ask for the first page).' },
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw bad();
  const [startAt, rank, serviceId, id] = parsed as unknown[];
  if (
    typeof startAt !== 'string' ||
    startAt.length > 64 ||
    !/^\d{4}-\d{2}-\d{2}[ T][0-9:.]+(Z|[+-]\d{2}(:?\d{2})?)?$/.test(startAt) ||
    (rank !== 0 && rank !== 1) ||
    typeof serviceId !== 'string' ||
    !UUID.test(serviceId) ||
    typeof id !== 'string' ||
    !/^[0-9A-Za-z-]{1,200}$/.test(id)
  )
    throw bad();
  return { startAt, rank, serviceId, id };
}

/**
 * QoE dashboards (issue #15): the overview, the call list and a call's drill-down, the per-service last-24-hours
 * summary. Scope as every list: the actor's scope narrows every query, a service outside it is not found.
 */
export function createQoeDashboardService(deps: {
  repos: {
    qoeDashboard: QoeDashboardRepository;
    services: ServicesRepository;
    customers: CustomersRepository;
  };
  now?: () => Date;
}) {
  const { qoeDashboard: repo, services, customers } = deps.repos;
  const now = deps.now ?? (() => new Date());

  const lastDay = () => {
    const to = now();
    return { from: new Date(to.getTime() - QOE_DEFAULT_RANGE_HOURS * 3600_000), to };
  };
  const summaryOf = (
    serviceId: string,
    w: { from: Date; to: Date },
    c: ServiceCounts,
  ): QoeServiceSummary => ({
    serviceId,
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    calls: callCounts(c.answered, c.failed),
    streams: streamCounts(c),
    lastCallAt: c.lastCallAt,
  });

  /** The actor's scope and filters; a customer or service filter outside the scope is not found (404), as an object. */
  async function filterOf(
    actor: Actor,
    q: { customerId?: string | undefined; serviceId?: string | undefined },
  ) {
    const scope = scopeOf(actor);
    if (q.customerId && !(await customers.get(scope, q.customerId))) throw notFound('Customer');
    if (q.serviceId && !(await services.get(scope, q.serviceId))) throw notFound('Service');
    return { scope, customerId: q.customerId, serviceId: q.serviceId };
  }

  return {
    async summary(actor: Actor, query: QoeRangeQuery): Promise<QoeSummary> {
      const { from, to, bucketSeconds } = resolveQoeRange(query, now());
      const f = await filterOf(actor, query);
      const w = { from, to };
      const [attempts, sipCodes, streams, streamBuckets, calls, topServices] = await Promise.all([
        repo.attemptsTimeline(f, w, bucketSeconds),
        repo.sipCodes(f, w, TOP),
        repo.streamStats(f, w),
        repo.streamsTimeline(f, w, bucketSeconds),
        repo.callStats(f, w),
        repo.topServicesByPoorCalls(f, w, TOP),
      ]);
      // Every bucket of the range, empty ones included, aligned to multiples of the bucket size.
      const first = Math.floor(from.getTime() / 1000 / bucketSeconds) * bucketSeconds;
      const timeline = new Map<number, QoeSummary['timeline'][number]>();
      for (let t = first; t * 1000 < to.getTime(); t += bucketSeconds)
        timeline.set(t, {
          start: new Date(t * 1000).toISOString(),
          answered: 0,
          failed: 0,
          streams: 0,
          poorStreams: 0,
        });
      for (const b of attempts) {
        const slot = timeline.get(b.bucket);
        if (slot) Object.assign(slot, { answered: b.answered, failed: b.failed });
      }
      for (const b of streamBuckets) {
        const slot = timeline.get(b.bucket);
        if (slot) Object.assign(slot, { streams: b.streams, poorStreams: b.poor });
      }
      const answered = attempts.reduce((n, b) => n + b.answered, 0);
      const failed = attempts.reduce((n, b) => n + b.failed, 0);
      return {
        range: { from: from.toISOString(), to: to.toISOString(), bucketSeconds },
        calls: callCounts(answered, failed),
        streams: streamCounts({ ...calls, streams: streams.streams, poorStreams: streams.poorStreams }),
        poorStreamsBy: streams.poorStreamsBy,
        percentiles: streams.percentiles,
        timeline: [...timeline.values()],
        topSipCodes: sipCodes,
        topServices,
        thresholds: { ...POOR_AUDIO_THRESHOLDS },
      };
    },

    async calls(actor: Actor, query: QoeCallListQuery): Promise<QoeCallPage> {
      const { from, to } = resolveQoeRange(query, now());
      const f = await filterOf(actor, query);
      const rows = await repo.callList(
        f,
        { from, to },
        {
          poor: query.poor,
          failed: query.failed,
          cursor: query.cursor ? decodeCursor(query.cursor) : null,
          limit: query.limit,
        },
      );
      const page = rows.slice(0, query.limit);
      return {
        items: page.map((r) => r.item),
        nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.cursor) : null,
      };
    },

    async call(actor: Actor, serviceId: string, callId: string): Promise<QoeCallDetail> {
      if (!(await services.get(scopeOf(actor), serviceId))) throw notFound('Service');
      const found = await repo.call(serviceId, callId);
      if (!found) throw notFound('Call record');
      const sessions: QoeCallDetail['sessions'] = [];
      const sessionIndex = new Map<string, QoeCallDetail['sessions'][number]>();
      const segmentIndex = new Map<string, QoeCallDetail['sessions'][number]['segments'][number]>();
      for (const s of found.streams) {
        let session = sessionIndex.get(s.sessionId);
        if (!session) {
          session = { id: s.sessionId, modalities: s.modalities, segments: [] };
          sessionIndex.set(s.sessionId, session);
          sessions.push(session);
        }
        const segmentKey = `${s.sessionId}\n${s.segmentId}`;
        let segment = segmentIndex.get(segmentKey);
        if (!segment) {
          segment = {
            id: s.segmentId,
            caller: s.caller,
            callee: s.callee,
            failureStage: s.failureStage,
            failureReason: s.failureReason,
            streams: [],
          };
          segmentIndex.set(segmentKey, segment);
          session.segments.push(segment);
        }
        const { sessionId: _a, segmentId: _b, modalities: _c, caller: _d, callee: _e, ...stream } = s;
        const { failureStage: _f, failureReason: _g, ...metrics } = stream;
        segment.streams.push({ ...metrics, poorBy: poorAudioBy(metrics) });
      }
      return { ...found.call, sessions, thresholds: { ...POOR_AUDIO_THRESHOLDS } };
    },

    /** The service's last 24 hours (the service page). */
    async serviceSummary(actor: Actor, serviceId: string): Promise<QoeServiceSummary> {
      if (!(await services.get(scopeOf(actor), serviceId))) throw notFound('Service');
      const w = lastDay();
      const counts = await repo.serviceSummaries([serviceId], w);
      return summaryOf(serviceId, w, counts.get(serviceId)!);
    },

    /** Several services' last 24 hours in one request (the Onboarding view); those outside the scope are left out. */
    async serviceSummaries(actor: Actor, serviceIds: string[]): Promise<QoeServiceSummaries> {
      const visible = new Set(await repo.visibleServices(scopeOf(actor), serviceIds));
      const ids = serviceIds.filter((id) => visible.has(id));
      const w = lastDay();
      const counts = await repo.serviceSummaries(ids, w);
      return { items: ids.map((id) => summaryOf(id, w, counts.get(id)!)) };
    },
  };
}
export type QoeDashboardService = ReturnType<typeof createQoeDashboardService>;
