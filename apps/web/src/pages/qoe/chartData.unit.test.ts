import { describe, expect, it } from 'vitest';
import { POOR_AUDIO_THRESHOLDS, type QoeSummary } from '@trunkline/contracts';
import {
  isEmptySummary,
  percentileCharts,
  poorByMetricRows,
  serviceRows,
  sipCodeRows,
  thresholdList,
  timelineRows,
} from './chartData.ts';
import { firstPage, currentCursor, newer, older, pageNumber } from './keyset.ts';

const SVC = '7c1e4a52-8c0f-4d7a-9d55-0f3c2b1a9e01';
const CUST = '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';

const summary: QoeSummary = {
  range: { from: '2026-12-07T08:00:00.000Z', to: '2026-12-07T09:00:00.000Z', bucketSeconds: 1800 },
  calls: { total: 12, answered: 10, failed: 2, successRate: 10 / 12 },
  streams: { callRecords: 10, poorCalls: 3, streams: 20, poorStreams: 4, poorShare: 0.2 },
  poorStreamsBy: { jitter: 4, packetLoss: 4, roundTrip: 3, audioDegradation: 4, concealedRatio: 2 },
  percentiles: {
    jitterMs: { p50: 6, p90: 40, p95: 52.5 },
    packetLoss: { p50: 0.004, p90: 0.15, p95: null },
    roundTripMs: { p50: 60, p90: 600, p95: 700 },
  },
  timeline: [
    { start: '2026-12-07T08:00:00.000Z', answered: 6, failed: 2, streams: 12, poorStreams: 3 },
    { start: '2026-12-07T08:30:00.000Z', answered: 4, failed: 0, streams: 0, poorStreams: 0 },
  ],
  topSipCodes: [
    { code: 0, phrase: 'BYE', calls: 10, failed: 0 },
    { code: 486, phrase: 'Busy Here', calls: 2, failed: 2 },
  ],
  topServices: [
    {
      serviceId: SVC,
      serviceName: 'QoE service',
      customerId: CUST,
      customerName: 'QoE Co',
      callRecords: 10,
      poorCalls: 3,
      streams: 20,
      poorStreams: 4,
    },
  ],
  thresholds: { ...POOR_AUDIO_THRESHOLDS },
};

describe('chart rows', () => {
  it('names every threshold as Microsoft states it', () => {
    expect(thresholdList(summary.thresholds).map((t) => t.text)).toEqual([
      'Jitter > 30 ms',
      'Packet loss > 10 %',
      'Round trip > 500 ms',
      'Audio degradation > 1',
      'Concealed samples > 7 %',
    ]);
  });

  it('one row per bucket: answered/failed stacked, poor share in % and a gap where there were no streams', () => {
    const rows = timelineRows(summary);
    expect(rows.map((r) => [r.answered, r.failed, r.poorSharePct])).toEqual([
      [6, 2, 25],
      [4, 0, null],
    ]);
    expect(rows.every((r) => r.label.length > 0)).toBe(true);
  });

  it('poor streams per threshold, in the dashboards order', () => {
    expect(poorByMetricRows(summary)).toEqual([
      { metric: 'Jitter > 30 ms', streams: 4 },
      { metric: 'Packet loss > 10 %', streams: 4 },
      { metric: 'Round trip > 500 ms', streams: 3 },
      { metric: 'Audio degradation > 1', streams: 4 },
      { metric: 'Concealed samples > 7 %', streams: 2 },
    ]);
  });

  it('percentiles in the unit of their chart, the threshold beside them; packet loss in %', () => {
    const [jitter, loss, rtt] = percentileCharts(summary);
    expect(jitter).toMatchObject({ unit: 'ms', threshold: 30 });
    expect(jitter!.rows).toEqual([
      { percentile: 'p50', value: 6 },
      { percentile: 'p90', value: 40 },
      { percentile: 'p95', value: 52.5 },
    ]);
    expect(loss).toMatchObject({ unit: '%', threshold: 10 });
    expect(loss!.rows.map((r) => r.value)).toEqual([0.4, 15, null]);
    expect(loss!.format(15)).toBe('15 %');
    expect(rtt).toMatchObject({ threshold: 500 });
  });

  it('SIP codes split into answered and failed; services into poor and other calls', () => {
    expect(sipCodeRows(summary)).toEqual([
      { code: '0 BYE', answered: 10, failed: 0 },
      { code: '486 Busy Here', answered: 0, failed: 2 },
    ]);
    expect(serviceRows(summary)).toEqual([
      { serviceId: SVC, service: 'QoE service', customer: 'QoE Co', poorCalls: 3, goodCalls: 7 },
    ]);
  });

  it('is empty only without call attempts and without call records', () => {
    expect(isEmptySummary(summary)).toBe(false);
    const none = {
      calls: { total: 0, answered: 0, failed: 0, successRate: null },
      streams: { callRecords: 0, poorCalls: 0, streams: 0, poorStreams: 0, poorShare: null },
    };
    expect(isEmptySummary(none)).toBe(true);
    expect(isEmptySummary({ ...none, calls: { ...none.calls, total: 1, failed: 1 } })).toBe(false);
  });
});

describe('keyset paging', () => {
  it('goes to older pages by the next cursor and back to newer ones; page 1 has no cursor', () => {
    const p2 = older(firstPage, 'c2');
    const p3 = older(p2, 'c3');
    expect([currentCursor(firstPage), currentCursor(p2), currentCursor(p3)]).toEqual([undefined, 'c2', 'c3']);
    expect(pageNumber(p3)).toBe(3);
    expect(currentCursor(newer(p3))).toBe('c2');
    expect(newer(newer(p2))).toEqual(firstPage);
  });
});
