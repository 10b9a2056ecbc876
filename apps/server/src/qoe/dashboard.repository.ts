import { and, eq, sql, type SQL } from 'drizzle-orm';
import { POOR_AUDIO_THRESHOLDS as T } from '@trunkline/contracts';
import type { Scope } from '../access/actor.ts';
import { queryRows, type Executor } from '../platform/db/database.ts';
import { services } from '../platform/db/schema.ts';
import { serviceInScope } from '../services/services.repository.ts';

/** What the dashboard's queries are narrowed to: the actor's scope, then the optional filters. */
export type QoeFilter = { scope: Scope; customerId?: string | undefined; serviceId?: string | undefined };
export type QoeWindow = { from: Date; to: Date };

/** A position in the call list (newest first): the row's start as the database's text, its source, service, id. */
export type CallCursor = { startAt: string; rank: 0 | 1; serviceId: string; id: string };

const iso = (v: unknown): string => new Date(v as string | Date).toISOString();
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));
const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** A float8[] as the driver hands it: an array (node-postgres, PGlite) or its text form. */
const floats = (v: unknown): (number | null)[] => {
  if (Array.isArray(v)) return v.map(numOrNull);
  if (typeof v === 'string' && v.startsWith('{'))
    return v
      .slice(1, -1)
      .split(',')
      .map((x) => (x === 'NULL' ? null : Number(x)));
  return [null, null, null];
};
const percentiles = (v: unknown) => {
  const [p50 = null, p90 = null, p95 = null] = floats(v);
  return { p50, p90, p95 };
};

/**
 * The services the filter leaves, as a condition on a `service_id` column (`t.service_id = any(array(…))`, which
 * the per-service time indexes serve), or none for the provider without filters.
 */
function servicesOf(f: QoeFilter, column: SQL): SQL | undefined {
  const where = and(
    serviceInScope(f.scope),
    f.customerId ? eq(services.customerId, f.customerId) : undefined,
    f.serviceId ? eq(services.id, f.serviceId) : undefined,
  );
  if (!where) return undefined;
  return sql`${column} = any(array(select ${services.id} from ${services} where ${where}))`;
}

const all = (...parts: (SQL | undefined)[]) =>
  sql.join(
    parts.filter((p): p is SQL => Boolean(p)),
    sql` and `,
  );
const inWindow = (column: SQL, w: QoeWindow) =>
  sql`${column} >= ${w.from.toISOString()}::timestamptz and ${column} < ${w.to.toISOString()}::timestamptz`;

/** The start of a row's bucket (a multiple of `seconds` since the epoch, UTC); `date_bin` keeps it timestamp arithmetic. */
const bucketOf = (column: SQL, seconds: number) =>
  sql`date_bin(make_interval(secs => ${seconds}), ${column}, timestamptz '1970-01-01 00:00:00+00')`;

/**
 * The dashboards' reads over the QoE store (`qoe_calls`, `qoe_streams`, `qoe_dr_calls`). Every query takes the
 * actor's scope first (`QoeFilter`) and narrows rows to the services it may see; the call detail and the
 * per-service summaries take service ids the service layer has already found in the scope.
 */
export function createQoeDashboardRepository(db: Executor) {
  return {
    /** Direct Routing attempts per bucket (answered, failed). */
    async attemptsTimeline(f: QoeFilter, w: QoeWindow, bucketSeconds: number) {
      const d = sql.raw('d');
      const rows = await queryRows<{ bucket: number; answered: number; failed: number }>(
        db,
        sql`select extract(epoch from b.at)::float8 as bucket, b.answered, b.failed
            from (select ${bucketOf(sql`${d}.start_at`, bucketSeconds)} as at,
                    count(*) filter (where ${d}.successful)::int as answered,
                    count(*) filter (where not ${d}.successful)::int as failed
                  from qoe_dr_calls ${d}
                  where ${all(inWindow(sql`${d}.start_at`, w), servicesOf(f, sql`${d}.service_id`))}
                  group by 1) b`,
      );
      return rows.map((r) => ({ bucket: num(r.bucket), answered: num(r.answered), failed: num(r.failed) }));
    },

    /**
     * Final SIP codes by calls (at most `limit`), with the most frequent phrase of each. Grouped by code and phrase
     * (a hash aggregate over the index; the pairs are few), then merged here.
     */
    async sipCodes(f: QoeFilter, w: QoeWindow, limit: number) {
      const d = sql.raw('d');
      const rows = await queryRows<{
        code: number | null;
        phrase: string | null;
        calls: number;
        failed: number;
      }>(
        db,
        sql`select ${d}.final_sip_code as code, ${d}.final_sip_phrase as phrase, count(*)::int as calls,
              count(*) filter (where not ${d}.successful)::int as failed
            from qoe_dr_calls ${d}
            where ${all(inWindow(sql`${d}.start_at`, w), servicesOf(f, sql`${d}.service_id`))}
            group by 1, 2`,
      );
      const codes = new Map<
        number | null,
        { code: number | null; phrase: string | null; calls: number; failed: number; top: number }
      >();
      for (const r of rows) {
        const code = numOrNull(r.code);
        const calls = num(r.calls);
        const c = codes.get(code) ?? { code, phrase: null, calls: 0, failed: 0, top: -1 };
        c.calls += calls;
        c.failed += num(r.failed);
        const phrase = r.phrase ?? null;
        if (
          calls > c.top ||
          (calls === c.top && phrase !== null && (c.phrase === null || phrase < c.phrase))
        ) {
          c.top = calls;
          c.phrase = phrase;
        }
        codes.set(code, c);
      }
      return [...codes.values()]
        .sort(
          (a, b) =>
            b.calls - a.calls ||
            b.failed - a.failed ||
            (a.code ?? Number.MAX_SAFE_INTEGER) - (b.code ?? Number.MAX_SAFE_INTEGER),
        )
        .slice(0, limit)
        .map(({ top: _top, ...c }) => c);
    },

    /** Streams in the window: counts, counts over each threshold, percentiles of the averages. */
    async streamStats(f: QoeFilter, w: QoeWindow) {
      const s = sql.raw('s');
      const q = sql`array[0.5, 0.9, 0.95]::float8[]`;
      const [r] = await queryRows<Record<string, unknown>>(
        db,
        sql`select count(*)::int as streams,
              count(*) filter (where ${s}.poor)::int as poor,
              count(*) filter (where ${s}.avg_jitter_ms > ${T.jitterMs})::int as jitter,
              count(*) filter (where ${s}.avg_packet_loss > ${T.packetLoss})::int as packet_loss,
              count(*) filter (where ${s}.avg_round_trip_ms > ${T.roundTripMs})::int as round_trip,
              count(*) filter (where ${s}.avg_audio_degradation > ${T.audioDegradation})::int as degradation,
              count(*) filter (where ${s}.avg_concealed_ratio > ${T.concealedRatio})::int as concealed,
              percentile_cont(${q}) within group (order by ${s}.avg_jitter_ms) as jitter_p,
              percentile_cont(${q}) within group (order by ${s}.avg_packet_loss) as loss_p,
              percentile_cont(${q}) within group (order by ${s}.avg_round_trip_ms) as rtt_p
            from qoe_streams ${s}
            where ${all(inWindow(sql`${s}.start_at`, w), servicesOf(f, sql`${s}.service_id`))}`,
      );
      return {
        streams: num(r?.streams),
        poorStreams: num(r?.poor),
        poorStreamsBy: {
          jitter: num(r?.jitter),
          packetLoss: num(r?.packet_loss),
          roundTrip: num(r?.round_trip),
          audioDegradation: num(r?.degradation),
          concealedRatio: num(r?.concealed),
        },
        percentiles: {
          jitterMs: percentiles(r?.jitter_p),
          packetLoss: percentiles(r?.loss_p),
          roundTripMs: percentiles(r?.rtt_p),
        },
      };
    },

    /** Streams per bucket (all, poor). */
    async streamsTimeline(f: QoeFilter, w: QoeWindow, bucketSeconds: number) {
      const s = sql.raw('s');
      const rows = await queryRows<{ bucket: number; streams: number; poor: number }>(
        db,
        sql`select extract(epoch from b.at)::float8 as bucket, b.streams, b.poor
            from (select ${bucketOf(sql`${s}.start_at`, bucketSeconds)} as at,
                    count(*)::int as streams, count(*) filter (where ${s}.poor)::int as poor
                  from qoe_streams ${s}
                  where ${all(inWindow(sql`${s}.start_at`, w), servicesOf(f, sql`${s}.service_id`))}
                  group by 1) b`,
      );
      return rows.map((r) => ({ bucket: num(r.bucket), streams: num(r.streams), poor: num(r.poor) }));
    },

    /** Call records in the window and those with a poor stream. */
    async callStats(f: QoeFilter, w: QoeWindow) {
      const c = sql.raw('c');
      const [r] = await queryRows<{ calls: number; poor: number }>(
        db,
        sql`select count(*)::int as calls, count(*) filter (where ${c}.poor_stream_count > 0)::int as poor
            from qoe_calls ${c}
            where ${all(inWindow(sql`${c}.start_at`, w), servicesOf(f, sql`${c}.service_id`))}`,
      );
      return { callRecords: num(r?.calls), poorCalls: num(r?.poor) };
    },

    /** Services by poor calls, then poor streams (only those with poor calls), with their names. */
    async topServicesByPoorCalls(f: QoeFilter, w: QoeWindow, limit: number) {
      const c = sql.raw('c');
      const rows = await queryRows<Record<string, unknown>>(
        db,
        sql`select t.*, sv.full_name as service_name, sv.customer_id, cu.name as customer_name
            from (
              select ${c}.service_id, count(*)::int as calls,
                count(*) filter (where ${c}.poor_stream_count > 0)::int as poor_calls,
                sum(${c}.stream_count)::int as streams, sum(${c}.poor_stream_count)::int as poor_streams
              from qoe_calls ${c}
              where ${all(inWindow(sql`${c}.start_at`, w), servicesOf(f, sql`${c}.service_id`))}
              group by ${c}.service_id
              having count(*) filter (where ${c}.poor_stream_count > 0) > 0
              order by poor_calls desc, poor_streams desc, ${c}.service_id
              limit ${limit}
            ) t
            join services sv on sv.id = t.service_id
            join customers cu on cu.id = sv.customer_id
            order by t.poor_calls desc, t.poor_streams desc, t.service_id`,
      );
      return rows.map((r) => ({
        serviceId: String(r.service_id),
        serviceName: String(r.service_name),
        customerId: String(r.customer_id),
        customerName: String(r.customer_name),
        callRecords: num(r.calls),
        poorCalls: num(r.poor_calls),
        streams: num(r.streams),
        poorStreams: num(r.poor_streams),
      }));
    },

    /**
     * The call list, newest first: call records and failed Direct Routing attempts (which have no call record),
     * `limit + 1` rows after `cursor` (the caller pages with the extra one). `poor`: only records with (true) or
     * without (false) a poor stream; `failed`: only failed attempts (true) or only call records (false).
     */
    async callList(
      f: QoeFilter,
      w: QoeWindow,
      o: {
        poor?: boolean | undefined;
        failed?: boolean | undefined;
        cursor: CallCursor | null;
        limit: number;
      },
    ) {
      const c = sql.raw('c');
      const d = sql.raw('d');
      const take = o.limit + 1;
      /** Rows after the cursor in (start_at desc, rank desc, service_id desc, id desc), for a branch of `rank`. */
      const afterCursor = (t: SQL, id: SQL, rank: 0 | 1): SQL | undefined => {
        const at = o.cursor;
        if (!at) return undefined;
        const start = sql`${at.startAt}::timestamptz`;
        if (rank < at.rank) return sql`${t}.start_at <= ${start}`;
        if (rank > at.rank) return sql`${t}.start_at < ${start}`;
        return sql`${t}.start_at <= ${start} and (${t}.start_at < ${start} or (${t}.service_id, ${id}) < (${at.serviceId}::uuid, ${at.id}))`;
      };
      const records =
        o.failed === true
          ? undefined
          : sql`(select 'callRecord' as source, 1 as rank, ${c}.service_id, ${c}.call_id as id, ${c}.start_at,
                  ${c}.start_at::text as start_text, ${c}.end_at, true as answered, ${c}.type, ${c}.modalities,
                  ${c}.session_count, ${c}.stream_count, ${c}.poor_stream_count, ${c}.has_pstn, ${c}.failure_reason,
                  null::int as final_sip_code, null::text as final_sip_phrase, null::text as call_type,
                  null::text as caller_number, null::text as callee_number, null::text as trunk_fqdn,
                  null::int as duration_seconds
                from qoe_calls ${c}
                where ${all(
                  inWindow(sql`${c}.start_at`, w),
                  servicesOf(f, sql`${c}.service_id`),
                  o.poor === true ? sql`${c}.poor_stream_count > 0` : undefined,
                  o.poor === false ? sql`${c}.poor_stream_count = 0` : undefined,
                  afterCursor(c, sql`${c}.call_id`, 1),
                )}
                order by ${c}.start_at desc, ${c}.service_id desc, ${c}.call_id desc
                limit ${take})`;
      const attempts =
        o.failed === false || o.poor !== undefined
          ? undefined
          : sql`(select 'directRouting' as source, 0 as rank, ${d}.service_id, ${d}.id, ${d}.start_at,
                  ${d}.start_at::text as start_text, ${d}.end_at, false as answered, null::text as type,
                  array[]::text[] as modalities, null::int as session_count, null::int as stream_count,
                  null::int as poor_stream_count, null::boolean as has_pstn, null::text as failure_reason,
                  ${d}.final_sip_code, ${d}.final_sip_phrase, ${d}.call_type, ${d}.caller_number,
                  ${d}.callee_number, ${d}.trunk_fqdn, ${d}.duration_seconds
                from qoe_dr_calls ${d}
                where ${all(
                  inWindow(sql`${d}.start_at`, w),
                  servicesOf(f, sql`${d}.service_id`),
                  sql`not ${d}.successful`,
                  afterCursor(d, sql`${d}.id`, 0),
                )}
                order by ${d}.start_at desc, ${d}.service_id desc, ${d}.id desc
                limit ${take})`;
      const branches = [records, attempts].filter((b): b is SQL => Boolean(b));
      if (!branches.length) return [];
      const rows = await queryRows<Record<string, unknown>>(
        db,
        sql`select u.*, sv.full_name as service_name, sv.customer_id, cu.name as customer_name
            from (select * from (${sql.join(branches, sql` union all `)}) b
                  order by b.start_at desc, b.rank desc, b.service_id desc, b.id desc
                  limit ${take}) u
            join services sv on sv.id = u.service_id
            join customers cu on cu.id = sv.customer_id
            order by u.start_at desc, u.rank desc, u.service_id desc, u.id desc`,
      );
      return rows.map((r) => {
        const startAt = iso(r.start_at);
        const endAt = isoOrNull(r.end_at);
        const recorded = r.source === 'callRecord';
        return {
          cursor: {
            startAt: String(r.start_text),
            rank: recorded ? 1 : 0,
            serviceId: String(r.service_id),
            id: String(r.id),
          } satisfies CallCursor,
          item: {
            source: recorded ? ('callRecord' as const) : ('directRouting' as const),
            id: String(r.id),
            serviceId: String(r.service_id),
            serviceName: String(r.service_name),
            customerId: String(r.customer_id),
            customerName: String(r.customer_name),
            startAt,
            endAt,
            durationSeconds: recorded
              ? endAt
                ? (Date.parse(endAt) - Date.parse(startAt)) / 1000
                : null
              : numOrNull(r.duration_seconds),
            answered: Boolean(r.answered),
            type: (r.type as string | null) ?? null,
            modalities: (r.modalities as string[] | null) ?? [],
            sessionCount: numOrNull(r.session_count),
            streamCount: numOrNull(r.stream_count),
            poorStreamCount: numOrNull(r.poor_stream_count),
            hasPstn: r.has_pstn === null || r.has_pstn === undefined ? null : Boolean(r.has_pstn),
            failureReason: (r.failure_reason as string | null) ?? null,
            finalSipCode: numOrNull(r.final_sip_code),
            finalSipPhrase: (r.final_sip_phrase as string | null) ?? null,
            callType: (r.call_type as string | null) ?? null,
            callerNumber: (r.caller_number as string | null) ?? null,
            calleeNumber: (r.callee_number as string | null) ?? null,
            trunkFqdn: (r.trunk_fqdn as string | null) ?? null,
          },
        };
      });
    },

    /** One stored call record of a service (found in scope by the caller) and its streams in a stable order. */
    async call(serviceId: string, callId: string) {
      const [call] = await queryRows<Record<string, unknown>>(
        db,
        sql`select c.*, sv.full_name as service_name, sv.customer_id, cu.name as customer_name
            from qoe_calls c
            join services sv on sv.id = c.service_id
            join customers cu on cu.id = sv.customer_id
            where c.service_id = ${serviceId} and c.call_id = ${callId}`,
      );
      if (!call) return null;
      const streams = await queryRows<Record<string, unknown>>(
        db,
        sql`select * from qoe_streams where service_id = ${serviceId} and call_id = ${callId}
            order by start_at, session_id, segment_id, media_label nulls last, direction nulls last, id`,
      );
      return {
        call: {
          serviceId: String(call.service_id),
          serviceName: String(call.service_name),
          customerId: String(call.customer_id),
          customerName: String(call.customer_name),
          callId: String(call.call_id),
          version: num(call.version),
          type: String(call.type),
          modalities: (call.modalities as string[]) ?? [],
          startAt: iso(call.start_at),
          endAt: iso(call.end_at),
          lastModifiedAt: isoOrNull(call.last_modified_at),
          sessionCount: num(call.session_count),
          hasPstn: Boolean(call.has_pstn),
          streamCount: num(call.stream_count),
          poorStreamCount: num(call.poor_stream_count),
          failureReason: (call.failure_reason as string | null) ?? null,
        },
        streams: streams.map((s) => ({
          sessionId: String(s.session_id),
          segmentId: String(s.segment_id),
          modalities: (s.modalities as string[]) ?? [],
          caller: { kind: String(s.caller_kind), id: (s.caller_id as string | null) ?? null },
          callee: { kind: String(s.callee_kind), id: (s.callee_id as string | null) ?? null },
          failureStage: (s.failure_stage as string | null) ?? null,
          failureReason: (s.failure_reason as string | null) ?? null,
          mediaLabel: (s.media_label as string | null) ?? null,
          direction: (s.direction as string | null) ?? null,
          audioCodec: (s.audio_codec as string | null) ?? null,
          videoCodec: (s.video_codec as string | null) ?? null,
          startAt: iso(s.start_at),
          endAt: isoOrNull(s.end_at),
          avgJitterMs: numOrNull(s.avg_jitter_ms),
          maxJitterMs: numOrNull(s.max_jitter_ms),
          avgPacketLoss: numOrNull(s.avg_packet_loss),
          maxPacketLoss: numOrNull(s.max_packet_loss),
          avgRoundTripMs: numOrNull(s.avg_round_trip_ms),
          maxRoundTripMs: numOrNull(s.max_round_trip_ms),
          avgAudioDegradation: numOrNull(s.avg_audio_degradation),
          avgConcealedRatio: numOrNull(s.avg_concealed_ratio),
          maxConcealedRatio: numOrNull(s.max_concealed_ratio),
          mediaBypassed: s.media_bypassed === null ? null : Boolean(s.media_bypassed),
          poor: Boolean(s.poor),
        })),
      };
    },

    /** Of these service ids, those the scope may see (in no particular order). */
    async visibleServices(scope: Scope, ids: string[]): Promise<string[]> {
      if (!ids.length) return [];
      const rows = await db
        .select({ id: services.id })
        .from(services)
        .where(and(serviceInScope(scope), sql`${services.id} = any(${sql.param(ids)}::uuid[])`));
      return rows.map((r) => r.id);
    },

    /**
     * Per service (ids found in scope by the caller): attempts answered/failed and the latest attempt; call
     * records, poor calls and the latest record; streams and poor streams, all in the window.
     */
    async serviceSummaries(ids: string[], w: QoeWindow) {
      if (!ids.length) return new Map<string, ServiceCounts>();
      const list = sql`${sql.param(ids)}::uuid[]`;
      const [attempts, calls, streams] = await Promise.all([
        queryRows<Record<string, unknown>>(
          db,
          sql`select service_id, count(*) filter (where successful)::int as answered,
                count(*) filter (where not successful)::int as failed, max(start_at) as last_at
              from qoe_dr_calls where service_id = any(${list}) and ${inWindow(sql`start_at`, w)}
              group by service_id`,
        ),
        queryRows<Record<string, unknown>>(
          db,
          sql`select service_id, count(*)::int as calls, count(*) filter (where poor_stream_count > 0)::int as poor,
                max(start_at) as last_at
              from qoe_calls where service_id = any(${list}) and ${inWindow(sql`start_at`, w)}
              group by service_id`,
        ),
        queryRows<Record<string, unknown>>(
          db,
          sql`select service_id, count(*)::int as streams, count(*) filter (where poor)::int as poor
              from qoe_streams where service_id = any(${list}) and ${inWindow(sql`start_at`, w)}
              group by service_id`,
        ),
      ]);
      const out = new Map<string, ServiceCounts>(
        ids.map((id) => [
          id,
          {
            answered: 0,
            failed: 0,
            callRecords: 0,
            poorCalls: 0,
            streams: 0,
            poorStreams: 0,
            lastCallAt: null,
          },
        ]),
      );
      const later = (a: string | null, b: unknown) => {
        const v = isoOrNull(b);
        return !a || (v && v > a) ? v : a;
      };
      for (const r of attempts) {
        const o = out.get(String(r.service_id))!;
        o.answered = num(r.answered);
        o.failed = num(r.failed);
        o.lastCallAt = later(o.lastCallAt, r.last_at);
      }
      for (const r of calls) {
        const o = out.get(String(r.service_id))!;
        o.callRecords = num(r.calls);
        o.poorCalls = num(r.poor);
        o.lastCallAt = later(o.lastCallAt, r.last_at);
      }
      for (const r of streams) {
        const o = out.get(String(r.service_id))!;
        o.streams = num(r.streams);
        o.poorStreams = num(r.poor);
      }
      return out;
    },
  };
}
export type QoeDashboardRepository = ReturnType<typeof createQoeDashboardRepository>;

export type ServiceCounts = {
  answered: number;
  failed: number;
  callRecords: number;
  poorCalls: number;
  streams: number;
  poorStreams: number;
  lastCallAt: string | null;
};
