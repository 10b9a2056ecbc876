import { isPoorAudio, POOR_AUDIO_THRESHOLDS } from '@trunkline/contracts';
import { z } from 'zod';

/**
 * A Graph callRecord (reference §3.11) read leniently (unknown properties dropped, missing ones null) and flattened
 * into what the QoE store keeps: one call row and one row per media stream with its session's and segment's
 * endpoints and failure info. Pure: no I/O.
 */

/**
 * Microsoft's call-quality thresholds for a poor audio stream (Call Quality Dashboard, "Stream classification":
 * https://learn.microsoft.com/microsoftteams/stream-classification-in-call-quality-dashboard): any one exceeded.
 * One definition, in contracts (`POOR_AUDIO_THRESHOLDS`, `poorAudioBy`), shared with the dashboards and the web.
 */
export const POOR_AUDIO = POOR_AUDIO_THRESHOLDS;

const text = z.string().max(2000);
const num = z.number().finite().nullish();
const duration = z.string().max(64).nullish();

const EndpointSchema = z
  .object({
    '@odata.type': text.optional(),
    identity: z
      .object({
        user: z.object({ id: text.nullish() }).nullish(),
        phone: z.object({ id: text.nullish() }).nullish(),
        guest: z.object({ id: text.nullish() }).nullish(),
        applicationInstance: z.object({ id: text.nullish() }).nullish(),
      })
      .nullish(),
    userAgent: z.object({ '@odata.type': text.nullish(), role: text.nullish() }).nullish(),
  })
  .nullish();

const FailureSchema = z.object({ stage: text.nullish(), reason: text.nullish() }).nullish();

const StreamSchema = z.object({
  streamDirection: text.nullish(),
  audioCodec: text.nullish(),
  videoCodec: text.nullish(),
  averageJitter: duration,
  maxJitter: duration,
  averagePacketLossRate: num,
  maxPacketLossRate: num,
  averageRoundTripTime: duration,
  maxRoundTripTime: duration,
  averageAudioDegradation: num,
  averageRatioOfConcealedSamples: num,
  maxRatioOfConcealedSamples: num,
  wasMediaBypassed: z.boolean().nullish(),
  startDateTime: text.nullish(),
  endDateTime: text.nullish(),
});

const SegmentSchema = z.object({
  id: text,
  startDateTime: text.nullish(),
  endDateTime: text.nullish(),
  caller: EndpointSchema,
  callee: EndpointSchema,
  failureInfo: FailureSchema,
  media: z
    .array(z.object({ label: text.nullish(), streams: z.array(StreamSchema).max(100).nullish() }))
    .max(100)
    .nullish(),
});

export const SessionSchema = z.object({
  id: text,
  modalities: z.array(text).max(20).nullish(),
  startDateTime: text.nullish(),
  endDateTime: text.nullish(),
  caller: EndpointSchema,
  callee: EndpointSchema,
  failureInfo: FailureSchema,
  segments: z.array(SegmentSchema).max(1000).nullish(),
});
export type GraphSession = z.infer<typeof SessionSchema>;

export const CallRecordSchema = z.object({
  id: text,
  version: z.number().int().nonnegative(),
  type: text.nullish(),
  modalities: z.array(text).max(20).nullish(),
  startDateTime: text,
  endDateTime: text,
  lastModifiedDateTime: text.nullish(),
  sessions: z.array(SessionSchema).max(100_000).nullish(),
  'sessions@odata.nextLink': text.nullish(),
});
export type GraphCallRecord = z.infer<typeof CallRecordSchema>;

export const SessionsPageSchema = z.object({
  value: z.array(SessionSchema).max(100_000),
  '@odata.nextLink': text.nullish(),
});

/** ISO 8601 duration (`PT0.02S`, `PT1M2.5S`) in milliseconds; null when absent or not a duration. */
export const durationMs = (v: string | null | undefined): number | null => {
  if (!v) return null;
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(v);
  if (!m || v === 'PT') return null;
  const [h, min, s] = [m[1], m[2], m[3]].map((x) => (x ? Number(x) : 0));
  return Math.round(((h! * 60 + min!) * 60 + s!) * 1000 * 1000) / 1000;
};

export type EndpointKind =
  'direct-routing' | 'pstn' | 'user' | 'guest' | 'application' | 'service' | 'unknown';

type Endpoint = z.infer<typeof EndpointSchema>;

/** Who an endpoint is: a Direct Routing leg (a mediation server's user agent), a PSTN number, a user, … */
export const endpointOf = (e: Endpoint): { kind: EndpointKind; id: string | null } => {
  const identity = e?.identity;
  const phone = identity?.phone?.id ?? null;
  if (/mediationServer/i.test(e?.userAgent?.role ?? '')) return { kind: 'direct-routing', id: phone };
  if (phone) return { kind: 'pstn', id: phone };
  if (identity?.user?.id) return { kind: 'user', id: identity.user.id };
  if (identity?.guest?.id) return { kind: 'guest', id: identity.guest.id };
  if (identity?.applicationInstance?.id) return { kind: 'application', id: identity.applicationInstance.id };
  if (/serviceEndpoint/i.test(e?.['@odata.type'] ?? '')) return { kind: 'service', id: null };
  return { kind: 'unknown', id: null };
};

export type StreamRow = {
  sessionId: string;
  segmentId: string;
  startAt: Date;
  endAt: Date | null;
  callerKind: EndpointKind;
  calleeKind: EndpointKind;
  callerId: string | null;
  calleeId: string | null;
  modalities: string[];
  mediaLabel: string | null;
  direction: string | null;
  audioCodec: string | null;
  videoCodec: string | null;
  avgJitterMs: number | null;
  maxJitterMs: number | null;
  avgPacketLoss: number | null;
  maxPacketLoss: number | null;
  avgRoundTripMs: number | null;
  maxRoundTripMs: number | null;
  avgAudioDegradation: number | null;
  avgConcealedRatio: number | null;
  maxConcealedRatio: number | null;
  mediaBypassed: boolean | null;
  poor: boolean;
  failureStage: string | null;
  failureReason: string | null;
};

export type CallRow = {
  callId: string;
  version: number;
  type: string;
  modalities: string[];
  startAt: Date;
  endAt: Date;
  lastModifiedAt: Date | null;
  sessionCount: number;
  hasPstn: boolean;
  streamCount: number;
  poorStreamCount: number;
  failureReason: string | null;
};

/** Whether a stream's averages exceed any of Microsoft's poor-audio thresholds. */
export const isPoor = isPoorAudio;

const date = (v: string | null | undefined): Date | null => {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};

/** The call row and its stream rows, from a record whose sessions are all present (pages joined). */
export function flattenCallRecord(
  record: GraphCallRecord,
  sessions: GraphSession[],
): { call: CallRow; streams: StreamRow[] } {
  const start = date(record.startDateTime) ?? new Date(0);
  const streams: StreamRow[] = [];
  let hasPstn = false;
  let failureReason: string | null = null;
  for (const session of sessions) {
    const sessionFailure = session.failureInfo?.reason ?? null;
    failureReason ??= sessionFailure;
    for (const segment of session.segments ?? []) {
      const caller = endpointOf(segment.caller ?? session.caller);
      const callee = endpointOf(segment.callee ?? session.callee);
      if ([caller.kind, callee.kind].some((k) => k === 'pstn' || k === 'direct-routing')) hasPstn = true;
      failureReason ??= segment.failureInfo?.reason ?? null;
      for (const media of segment.media ?? []) {
        for (const s of media.streams ?? []) {
          const metrics = {
            avgJitterMs: durationMs(s.averageJitter),
            maxJitterMs: durationMs(s.maxJitter),
            avgPacketLoss: s.averagePacketLossRate ?? null,
            maxPacketLoss: s.maxPacketLossRate ?? null,
            avgRoundTripMs: durationMs(s.averageRoundTripTime),
            maxRoundTripMs: durationMs(s.maxRoundTripTime),
            avgAudioDegradation: s.averageAudioDegradation ?? null,
            avgConcealedRatio: s.averageRatioOfConcealedSamples ?? null,
            maxConcealedRatio: s.maxRatioOfConcealedSamples ?? null,
          };
          streams.push({
            sessionId: session.id,
            segmentId: segment.id,
            startAt: date(s.startDateTime) ?? date(segment.startDateTime) ?? start,
            endAt: date(s.endDateTime) ?? date(segment.endDateTime),
            callerKind: caller.kind,
            calleeKind: callee.kind,
            callerId: caller.id,
            calleeId: callee.id,
            modalities: session.modalities ?? [],
            mediaLabel: media.label ?? null,
            direction: s.streamDirection ?? null,
            audioCodec: s.audioCodec ?? null,
            videoCodec: s.videoCodec ?? null,
            ...metrics,
            mediaBypassed: s.wasMediaBypassed ?? null,
            poor: isPoor(metrics),
            failureStage: segment.failureInfo?.stage ?? session.failureInfo?.stage ?? null,
            failureReason: segment.failureInfo?.reason ?? sessionFailure,
          });
        }
      }
    }
  }
  return {
    call: {
      callId: record.id,
      version: record.version,
      type: record.type ?? 'unknown',
      modalities: record.modalities ?? [],
      startAt: start,
      endAt: date(record.endDateTime) ?? start,
      lastModifiedAt: date(record.lastModifiedDateTime),
      sessionCount: sessions.length,
      hasPstn,
      streamCount: streams.length,
      poorStreamCount: streams.filter((s) => s.poor).length,
      failureReason,
    },
    streams,
  };
}

/** A Direct Routing log row (getDirectRoutingCalls), leniently. */
export const DirectRoutingRowSchema = z.object({
  id: text,
  correlationId: text.nullish(),
  callType: text.nullish(),
  callerNumber: text.nullish(),
  calleeNumber: text.nullish(),
  startDateTime: text,
  endDateTime: text.nullish(),
  duration: z.number().int().nullish(),
  successfulCall: z.boolean().nullish(),
  finalSipCode: z.number().int().nullish(),
  finalSipCodePhrase: text.nullish(),
  callEndSubReason: z.number().int().nullish(),
  trunkFullyQualifiedDomainName: text.nullish(),
  mediaBypassEnabled: z.boolean().nullish(),
});
export type DirectRoutingRow = z.infer<typeof DirectRoutingRowSchema>;

export const DirectRoutingPageSchema = z.object({
  value: z.array(DirectRoutingRowSchema).max(100_000),
  '@odata.nextLink': text.nullish(),
});
