import { z } from 'zod';
import { IdSchema, TimestampSchema } from './common.ts';

/**
 * QoE dashboards (issue #15): what the stored call records (per media stream) and the Direct Routing log (per call
 * attempt, including failed calls that have no call record) add up to, within the actor's scope (provider →
 * channel → customer → service).
 *
 * Where the numbers come from:
 * - Calls, answered / failed, success rate, final SIP codes: the Direct Routing log (`getDirectRoutingCalls`), one
 *   row per call attempt on the trunk; `successfulCall` is "answered". Microsoft has no way to link a log row to a
 *   call record ("The ID of a directRoutingLogRow can't be used to retrieve a callRecord object").
 * - Streams, poor share, percentiles, poor calls: the call records' media streams.
 *
 * Endpoints (all GET, signed in, scoped like every list):
 * - `/api/v1/qoe/summary?from&to&customerId&serviceId` → `QoeSummary`
 * - `/api/v1/qoe/calls?from&to&customerId&serviceId&poor&failed&cursor&limit` → `QoeCallPage` (newest first)
 * - `/api/v1/services/{id}/qoe/calls/{callId}` → `QoeCallDetail`
 * - `/api/v1/services/{id}/qoe/summary` → `QoeServiceSummary` (last 24 hours)
 * - `/api/v1/qoe/service-summaries?serviceIds=a,b,c` → `QoeServiceSummaries` (last 24 hours, up to 100 services)
 * A bad range (to before from, more than 90 days) is 422 `validation_failed` with the field in `errors[]`; a
 * `customerId` or `serviceId` filter outside the actor's scope is 404, as the object itself would be.
 */

/**
 * Microsoft's poor-audio-stream thresholds, Call Quality Dashboard "Stream classification", audio classifier
 * (https://learn.microsoft.com/microsoftteams/stream-classification-in-call-quality-dashboard): a stream is Poor when
 * any one average exceeds its limit. The current page lists round trip, packet loss and jitter (and asks for more
 * than 500 packets); its earlier revision also lists Audio Degradation Avg > 1.0 and Ratio Concealed Samples Avg >
 * 0.07, which Graph's mediaStream still reports and Trunkline applies too (docs/QOE.md). Units: milliseconds and
 * fractions (0.1 = 10 %).
 */
export const POOR_AUDIO_THRESHOLDS = {
  jitterMs: 30,
  packetLoss: 0.1,
  roundTripMs: 500,
  audioDegradation: 1.0,
  concealedRatio: 0.07,
} as const;

/** The metrics a stream can be poor by, in the order the dashboards show them. */
export const QoePoorMetrics = [
  'jitter',
  'packetLoss',
  'roundTrip',
  'audioDegradation',
  'concealedRatio',
] as const;
export type QoePoorMetric = (typeof QoePoorMetrics)[number];

/** A stream's averages as stored (milliseconds, fractions); null when Microsoft did not report the metric. */
export type QoeStreamAverages = {
  avgJitterMs: number | null;
  avgPacketLoss: number | null;
  avgRoundTripMs: number | null;
  avgAudioDegradation: number | null;
  avgConcealedRatio: number | null;
};

/** Per metric: whether the stream's average exceeds Microsoft's threshold (an unreported metric is not poor). */
export const poorAudioBy = (s: QoeStreamAverages): Record<QoePoorMetric, boolean> => ({
  jitter: (s.avgJitterMs ?? 0) > POOR_AUDIO_THRESHOLDS.jitterMs,
  packetLoss: (s.avgPacketLoss ?? 0) > POOR_AUDIO_THRESHOLDS.packetLoss,
  roundTrip: (s.avgRoundTripMs ?? 0) > POOR_AUDIO_THRESHOLDS.roundTripMs,
  audioDegradation: (s.avgAudioDegradation ?? 0) > POOR_AUDIO_THRESHOLDS.audioDegradation,
  concealedRatio: (s.avgConcealedRatio ?? 0) > POOR_AUDIO_THRESHOLDS.concealedRatio,
});

/** Whether any of Microsoft's poor-audio thresholds is exceeded. */
export const isPoorAudio = (s: QoeStreamAverages): boolean => Object.values(poorAudioBy(s)).some(Boolean);

export const QOE_DEFAULT_RANGE_HOURS = 24;
export const QOE_MAX_RANGE_DAYS = 90;
/** Bucket sizes of the time series (seconds); the smallest that gives at most `QOE_MAX_BUCKETS` buckets is used. */
export const QOE_BUCKET_SECONDS = [60, 300, 900, 3600, 10_800, 21_600, 86_400] as const;
export const QOE_MAX_BUCKETS = 120;

/** The bucket size for a range (`QOE_BUCKET_SECONDS`): at most `QOE_MAX_BUCKETS` buckets. */
export const qoeBucketSeconds = (fromMs: number, toMs: number): number => {
  const span = Math.max(1, (toMs - fromMs) / 1000);
  return QOE_BUCKET_SECONDS.find((b) => span / b <= QOE_MAX_BUCKETS) ?? 86_400;
};

/**
 * The effective range of a query: `to` defaults to now, `from` to 24 hours before `to`. Buckets are aligned to
 * whole multiples of the bucket size since the Unix epoch (UTC).
 */
export const resolveQoeRange = (
  q: { from?: string | undefined; to?: string | undefined },
  now: Date = new Date(),
): { from: Date; to: Date; bucketSeconds: number } => {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - QOE_DEFAULT_RANGE_HOURS * 3600_000);
  return { from, to, bucketSeconds: qoeBucketSeconds(from.getTime(), to.getTime()) };
};

const rangeFields = {
  /** Start of the range (inclusive, by call start). Default: 24 hours before `to`. */
  from: TimestampSchema.optional(),
  /** End of the range (exclusive). Default: now. */
  to: TimestampSchema.optional(),
  /** Only this customer's services (within the actor's scope). */
  customerId: IdSchema.optional(),
  /** Only this service (within the actor's scope). */
  serviceId: IdSchema.optional(),
};

type RangeInput = { from?: string | undefined; to?: string | undefined };
const checkRange = (v: RangeInput, ctx: z.RefinementCtx) => {
  const { from, to } = resolveQoeRange(v);
  if (to.getTime() <= from.getTime())
    ctx.addIssue({
      code: 'custom',
      path: [v.to ? 'to' : 'from'],
      message: 'Must be after the start of the range.',
    });
  else if (to.getTime() - from.getTime() > QOE_MAX_RANGE_DAYS * 86_400_000)
    ctx.addIssue({
      code: 'custom',
      path: ['from'],
      message: `The range may span at most ${QOE_MAX_RANGE_DAYS} days.`,
    });
};

/** `GET /qoe/summary` */
export const QoeRangeQuerySchema = z.object(rangeFields).superRefine(checkRange);
export type QoeRangeQuery = z.infer<typeof QoeRangeQuerySchema>;

const booleanFlag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true'));

/** `GET /qoe/calls` */
export const QoeCallListQuerySchema = z
  .object({
    ...rangeFields,
    /** Only call records with at least one poor stream. */
    poor: booleanFlag,
    /** Only failed call attempts (Direct Routing log rows that were not answered). */
    failed: booleanFlag,
    /** The `nextCursor` of the page before (same filters). */
    cursor: z
      .string()
      .max(1000)
      .regex(/^[A-Za-z0-9_-]+$/, { error: 'Not a cursor.' })
      .optional(),
    limit: z.coerce.number({ error: 'Must be a whole number.' }).int().min(1).max(200).default(50),
  })
  .superRefine(checkRange);
export type QoeCallListQuery = z.infer<typeof QoeCallListQuerySchema>;

export const QoeRangeSchema = z.object({
  from: TimestampSchema,
  to: TimestampSchema,
  /** The time series' bucket size in seconds (`qoeBucketSeconds`). */
  bucketSeconds: z.number().int(),
});
export type QoeRange = z.infer<typeof QoeRangeSchema>;

export const PoorAudioThresholdsSchema = z.object({
  jitterMs: z.number(),
  packetLoss: z.number(),
  roundTripMs: z.number(),
  audioDegradation: z.number(),
  concealedRatio: z.number(),
});

/** Call attempts from the Direct Routing log. `successRate` is answered / total (0..1), null without calls. */
export const QoeCallCountsSchema = z.object({
  total: z.number().int(),
  answered: z.number().int(),
  failed: z.number().int(),
  successRate: z.number().nullable(),
});
export type QoeCallCounts = z.infer<typeof QoeCallCountsSchema>;

/** Media streams from the call records. `poorShare` is poor / all streams (0..1), null without streams. */
export const QoeStreamCountsSchema = z.object({
  /** Call records in the range. */
  callRecords: z.number().int(),
  /** Call records with at least one poor stream. */
  poorCalls: z.number().int(),
  streams: z.number().int(),
  poorStreams: z.number().int(),
  poorShare: z.number().nullable(),
});
export type QoeStreamCounts = z.infer<typeof QoeStreamCountsSchema>;

/** Continuous percentiles (linear interpolation, PostgreSQL's `percentile_cont`) of the streams' averages. */
export const QoePercentilesSchema = z.object({
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p95: z.number().nullable(),
});

export const QoeTimelineBucketSchema = z.object({
  /** Start of the bucket. */
  start: TimestampSchema,
  answered: z.number().int(),
  failed: z.number().int(),
  streams: z.number().int(),
  poorStreams: z.number().int(),
});
export type QoeTimelineBucket = z.infer<typeof QoeTimelineBucketSchema>;

export const QoeSipCodeSchema = z.object({
  /** The final SIP code as Microsoft logs it (0 for many answered calls); null when not logged. */
  code: z.number().int().nullable(),
  /** The most frequent phrase logged with it. */
  phrase: z.string().nullable(),
  calls: z.number().int(),
  failed: z.number().int(),
});
export type QoeSipCode = z.infer<typeof QoeSipCodeSchema>;

export const QoeServiceRankSchema = z.object({
  serviceId: IdSchema,
  serviceName: z.string(),
  customerId: IdSchema,
  customerName: z.string(),
  callRecords: z.number().int(),
  poorCalls: z.number().int(),
  streams: z.number().int(),
  poorStreams: z.number().int(),
});
export type QoeServiceRank = z.infer<typeof QoeServiceRankSchema>;

/** `GET /qoe/summary`: the dashboard's overview. */
export const QoeSummarySchema = z.object({
  range: QoeRangeSchema,
  calls: QoeCallCountsSchema,
  streams: QoeStreamCountsSchema,
  /** Streams over each threshold (a stream can count under several). */
  poorStreamsBy: z.object({
    jitter: z.number().int(),
    packetLoss: z.number().int(),
    roundTrip: z.number().int(),
    audioDegradation: z.number().int(),
    concealedRatio: z.number().int(),
  }),
  percentiles: z.object({
    jitterMs: QoePercentilesSchema,
    /** Fractions (0.01 = 1 %). */
    packetLoss: QoePercentilesSchema,
    roundTripMs: QoePercentilesSchema,
  }),
  /** Every bucket of the range in order, empty ones included. */
  timeline: z.array(QoeTimelineBucketSchema),
  /** Final SIP codes by number of calls (at most 10). */
  topSipCodes: z.array(QoeSipCodeSchema),
  /** Services by poor calls, then poor streams (at most 10; only services with poor calls). */
  topServices: z.array(QoeServiceRankSchema),
  thresholds: PoorAudioThresholdsSchema,
});
export type QoeSummary = z.infer<typeof QoeSummarySchema>;

/**
 * One entry of the call list: a call record, or a failed call attempt from the Direct Routing log (which has no
 * call record). Answered attempts are shown through their call records.
 */
export const QoeCallListItemSchema = z.object({
  source: z.enum(['callRecord', 'directRouting']),
  /** The call record's id, or the Direct Routing log row's id. */
  id: z.string(),
  serviceId: IdSchema,
  serviceName: z.string(),
  customerId: IdSchema,
  customerName: z.string(),
  startAt: TimestampSchema,
  endAt: TimestampSchema.nullable(),
  durationSeconds: z.number().nullable(),
  answered: z.boolean(),
  // Call records:
  type: z.string().nullable(),
  modalities: z.array(z.string()),
  sessionCount: z.number().int().nullable(),
  streamCount: z.number().int().nullable(),
  poorStreamCount: z.number().int().nullable(),
  hasPstn: z.boolean().nullable(),
  failureReason: z.string().nullable(),
  // Direct Routing log rows:
  finalSipCode: z.number().int().nullable(),
  finalSipPhrase: z.string().nullable(),
  callType: z.string().nullable(),
  callerNumber: z.string().nullable(),
  calleeNumber: z.string().nullable(),
  trunkFqdn: z.string().nullable(),
});
export type QoeCallListItem = z.infer<typeof QoeCallListItemSchema>;

export const QoeCallPageSchema = z.object({
  items: z.array(QoeCallListItemSchema),
  /** Pass as `cursor` for the next page (newest first); null on the last page. */
  nextCursor: z.string().nullable(),
});
export type QoeCallPage = z.infer<typeof QoeCallPageSchema>;

/** A Graph call-record id as the call detail's path names it (a GUID from Graph; any other id is simply not found). */
export const QoeCallIdSchema = z.string().min(1).max(200);
export const QoeCallParamsSchema = z.object({ id: IdSchema, callId: QoeCallIdSchema });

const EndpointSchema = z.object({
  /** `direct-routing` (a mediation server's leg), `pstn`, `user`, `guest`, `application`, `service`, `unknown`. */
  kind: z.string(),
  /** The phone number or directory object id, when Microsoft gives one. */
  id: z.string().nullable(),
});

export const QoeStreamDetailSchema = z.object({
  mediaLabel: z.string().nullable(),
  direction: z.string().nullable(),
  audioCodec: z.string().nullable(),
  videoCodec: z.string().nullable(),
  startAt: TimestampSchema,
  endAt: TimestampSchema.nullable(),
  avgJitterMs: z.number().nullable(),
  maxJitterMs: z.number().nullable(),
  avgPacketLoss: z.number().nullable(),
  maxPacketLoss: z.number().nullable(),
  avgRoundTripMs: z.number().nullable(),
  maxRoundTripMs: z.number().nullable(),
  avgAudioDegradation: z.number().nullable(),
  avgConcealedRatio: z.number().nullable(),
  maxConcealedRatio: z.number().nullable(),
  mediaBypassed: z.boolean().nullable(),
  poor: z.boolean(),
  /** Which thresholds the stream's averages exceed (`poorAudioBy`). */
  poorBy: z.object({
    jitter: z.boolean(),
    packetLoss: z.boolean(),
    roundTrip: z.boolean(),
    audioDegradation: z.boolean(),
    concealedRatio: z.boolean(),
  }),
});
export type QoeStreamDetail = z.infer<typeof QoeStreamDetailSchema>;

export const QoeSegmentDetailSchema = z.object({
  id: z.string(),
  caller: EndpointSchema,
  callee: EndpointSchema,
  failureStage: z.string().nullable(),
  failureReason: z.string().nullable(),
  streams: z.array(QoeStreamDetailSchema),
});

export const QoeSessionDetailSchema = z.object({
  id: z.string(),
  modalities: z.array(z.string()),
  segments: z.array(QoeSegmentDetailSchema),
});

/** `GET /services/{id}/qoe/calls/{callId}`: a call record down to its streams (sessions with media streams only). */
export const QoeCallDetailSchema = z.object({
  serviceId: IdSchema,
  serviceName: z.string(),
  customerId: IdSchema,
  customerName: z.string(),
  callId: z.string(),
  version: z.number().int(),
  type: z.string(),
  modalities: z.array(z.string()),
  startAt: TimestampSchema,
  endAt: TimestampSchema,
  lastModifiedAt: TimestampSchema.nullable(),
  sessionCount: z.number().int(),
  hasPstn: z.boolean(),
  streamCount: z.number().int(),
  poorStreamCount: z.number().int(),
  failureReason: z.string().nullable(),
  sessions: z.array(QoeSessionDetailSchema),
  thresholds: PoorAudioThresholdsSchema,
});
export type QoeCallDetail = z.infer<typeof QoeCallDetailSchema>;

/** The last 24 hours of one service: the service page and the Onboarding view. */
export const QoeServiceSummarySchema = z.object({
  serviceId: IdSchema,
  from: TimestampSchema,
  to: TimestampSchema,
  calls: QoeCallCountsSchema,
  streams: QoeStreamCountsSchema,
  /** Start of the latest call attempt or call record in the range; null without any. */
  lastCallAt: TimestampSchema.nullable(),
});
export type QoeServiceSummary = z.infer<typeof QoeServiceSummarySchema>;

export const QOE_SUMMARIES_MAX = 100;

/** `GET /qoe/service-summaries?serviceIds=a,b,c`: services outside the actor's scope are left out. */
export const QoeServiceSummariesQuerySchema = z.object({
  serviceIds: z
    .string()
    .max(QOE_SUMMARIES_MAX * 37)
    .transform((v) => [...new Set(v.split(',').filter(Boolean))])
    .pipe(
      z
        .array(IdSchema)
        .min(1, { error: 'At least one service id.' })
        .max(QOE_SUMMARIES_MAX, { error: `At most ${QOE_SUMMARIES_MAX} services.` }),
    ),
});
export type QoeServiceSummariesQuery = z.infer<typeof QoeServiceSummariesQuerySchema>;

export const QoeServiceSummariesSchema = z.object({ items: z.array(QoeServiceSummarySchema) });
export type QoeServiceSummaries = z.infer<typeof QoeServiceSummariesSchema>;
