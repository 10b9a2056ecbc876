import type { QoePoorMetric, QoeSummary } from '@trunkline/contracts';
import { QoePoorMetrics } from '@trunkline/contracts';
import { formatMs, formatPercent, formatRatio, share, sipLabel } from './format.ts';
import { bucketLabel } from './range.ts';

/**
 * The Call quality charts' rows, shaped from the API's summary (`GET /qoe/summary`): one row per time bucket, per
 * metric, per SIP code or service, with labels already written. Pure.
 */

type Thresholds = QoeSummary['thresholds'];

/** Microsoft's name of each poor-audio metric and how its threshold reads ("Jitter > 30 ms"). */
export const metricLabels: Record<QoePoorMetric, string> = {
  jitter: 'Jitter',
  packetLoss: 'Packet loss',
  roundTrip: 'Round trip',
  audioDegradation: 'Audio degradation',
  concealedRatio: 'Concealed samples',
};

const thresholdValue = (metric: QoePoorMetric, t: Thresholds): string => {
  switch (metric) {
    case 'jitter':
      return formatMs(t.jitterMs);
    case 'packetLoss':
      return formatPercent(t.packetLoss, 0);
    case 'roundTrip':
      return formatMs(t.roundTripMs);
    case 'audioDegradation':
      return formatRatio(t.audioDegradation);
    case 'concealedRatio':
      return formatPercent(t.concealedRatio, 0);
  }
};

/** "Jitter > 30 ms": a stream whose average exceeds it is poor. */
export const thresholdText = (metric: QoePoorMetric, t: Thresholds): string =>
  `${metricLabels[metric]} > ${thresholdValue(metric, t)}`;

/** Every threshold in the dashboards' order, for legends and tooltips. */
export const thresholdList = (t: Thresholds) =>
  QoePoorMetrics.map((metric) => ({ metric, text: thresholdText(metric, t) }));

/** Where the thresholds come from (cited beside every chart that uses them). */
export const THRESHOLDS_SOURCE =
  'https://learn.microsoft.com/microsoftteams/stream-classification-in-call-quality-dashboard';

export type TimelineRow = {
  label: string;
  start: string;
  answered: number;
  failed: number;
  streams: number;
  poorStreams: number;
  /** Poor streams in % of the bucket's streams; null for a bucket without streams (a gap, not 0 %). */
  poorSharePct: number | null;
};

export function timelineRows(summary: Pick<QoeSummary, 'timeline' | 'range'>): TimelineRow[] {
  return summary.timeline.map((b) => {
    const s = share(b.poorStreams, b.streams);
    return {
      label: bucketLabel(b.start, summary.range),
      start: b.start,
      answered: b.answered,
      failed: b.failed,
      streams: b.streams,
      poorStreams: b.poorStreams,
      poorSharePct: s === null ? null : Number((s * 100).toFixed(2)),
    };
  });
}

/** Poor streams per exceeded threshold (a stream can count under several). */
export function poorByMetricRows(summary: Pick<QoeSummary, 'poorStreamsBy' | 'thresholds'>) {
  return QoePoorMetrics.map((metric) => ({
    metric: thresholdText(metric, summary.thresholds),
    streams: summary.poorStreamsBy[metric],
  }));
}

export type PercentileChart = {
  key: 'jitterMs' | 'packetLoss' | 'roundTripMs';
  title: string;
  /** Rows p50/p90/p95 in the chart's unit (ms, or % for packet loss); null where there were no streams. */
  rows: { percentile: string; value: number | null }[];
  unit: string;
  /** Microsoft's poor threshold in the same unit, drawn as a reference line. */
  threshold: number;
  format: (value: number) => string;
};

export function percentileCharts(summary: Pick<QoeSummary, 'percentiles' | 'thresholds'>): PercentileChart[] {
  const { percentiles: p, thresholds: t } = summary;
  const rows = (v: { p50: number | null; p90: number | null; p95: number | null }, scale = 1) =>
    (['p50', 'p90', 'p95'] as const).map((k) => ({
      percentile: k,
      value: v[k] === null ? null : Number((v[k] * scale).toFixed(3)),
    }));
  return [
    {
      key: 'jitterMs',
      title: 'Jitter',
      rows: rows(p.jitterMs),
      unit: 'ms',
      threshold: t.jitterMs,
      format: (v) => formatMs(v),
    },
    {
      key: 'packetLoss',
      title: 'Packet loss',
      rows: rows(p.packetLoss, 100),
      unit: '%',
      threshold: t.packetLoss * 100,
      format: (v) => formatPercent(v / 100),
    },
    {
      key: 'roundTripMs',
      title: 'Round trip',
      rows: rows(p.roundTripMs),
      unit: 'ms',
      threshold: t.roundTripMs,
      format: (v) => formatMs(v),
    },
  ];
}

/** Final SIP codes by calls, answered and failed apart (a code such as 0 or 200 is mostly answered). */
export function sipCodeRows(summary: Pick<QoeSummary, 'topSipCodes'>) {
  return summary.topSipCodes.map((c) => ({
    code: sipLabel(c.code, c.phrase),
    answered: c.calls - c.failed,
    failed: c.failed,
  }));
}

/** Services by poor calls: the calls with at least one poor stream and the rest of their call records. */
export function serviceRows(summary: Pick<QoeSummary, 'topServices'>) {
  return summary.topServices.map((s) => ({
    serviceId: s.serviceId,
    service: s.serviceName,
    customer: s.customerName,
    poorCalls: s.poorCalls,
    goodCalls: Math.max(0, s.callRecords - s.poorCalls),
  }));
}

/** Whether the range holds nothing at all (then the page explains how data arrives instead of empty charts). */
export const isEmptySummary = (summary: Pick<QoeSummary, 'calls' | 'streams'>): boolean =>
  summary.calls.total === 0 && summary.streams.callRecords === 0;
