import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QoeCallDetailSchema,
  QoeCallPageSchema,
  QoeServiceSummariesSchema,
  QoeServiceSummarySchema,
  QoeSummarySchema,
  type QoeCallListItem,
  type QoeCallPage,
  type QoeSummary,
} from '@trunkline/contracts';
import { expectBody, type Client } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import type { startTestServerWithMicrosoft, TestServer } from '../support/server.ts';
import { graphMs, isPoor, poorBy, streamsOf } from './expected-streams.ts';
import { startQoeWorld } from './world.ts';

/**
 * The acceptance test of the QoE dashboards (issue #15), end to end against the M365 emulator: its generator makes
 * good, poor and failed calls (the failed ones only in the Direct Routing log); Graph delivers the notifications
 * to Trunkline's public webhook (through a loopback proxy standing for the public address), the fetch jobs store
 * the call records, the Direct Routing pull stores the log. Then every number the dashboard answers is
 * compared with the same number computed here, directly from the emulator's records, without the server's code.
 */

const CALLS = 14;
const FAILED = 6;

type Emu = Awaited<ReturnType<typeof startTestServerWithMicrosoft>>['emu'];
type Json = Record<string, any>;

let server: TestServer;
let emu: Emu;
let close: () => Promise<void>;
let admin: Client;
let serviceId: string;
let trunkFqdn: string;
let generated: string[];

/** PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks. */
const percentileCont = (values: number[], p: number) => {
  const v = [...values].sort((a, b) => a - b);
  const at = p * (v.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return v[lo]! + (v[hi]! - v[lo]!) * (at - lo);
};

const world = () => {
  const all = emu.control.callRecords('contoso');
  const records = (all.records as Json[]).filter((r) => generated.includes(r.id));
  const log = (all.directRoutingCalls as Json[]).filter((r) => r.trunkFullyQualifiedDomainName === trunkFqdn);
  const streams: Json[] = records.flatMap((r) =>
    streamsOf(r).map((x) => ({ ...x, callId: r.id, callStart: r.startDateTime })),
  );
  return { records, log, streams };
};

const summary = async (query = '') =>
  expectBody(await admin.get(`/api/v1/qoe/summary${query}`), 200, QoeSummarySchema);

beforeAll(async () => {
  ({ server, emu, admin, serviceId, trunkFqdn, close } = await startQoeWorld({
    customer: 'QoE dashboard customer',
    fullName: 'QoE dashboard service',
    shortName: 'qoe-dash',
    callRecordSettings: { retryBaseMs: 200 },
  }));
  await eventually('the subscription exists', () => emu.control.subscriptions().length === 1, {
    timeoutMs: 30_000,
  });

  // Generated calls → Graph's notifications → the webhook → fetch jobs → the store.
  generated = emu.control.generate({
    tenant: 'contoso',
    trunkFqdn,
    calls: CALLS,
    failedCalls: FAILED,
    poorShare: 0.4,
    sessionsPerCall: 2,
    seed: 2026,
  }).records;
  await eventually(
    'the dashboard shows every call record',
    async () => (await summary()).streams.callRecords === CALLS,
    { timeoutMs: 60_000 },
  );
  // The Direct Routing pull, now: stored records queue it two minutes later (and the schedule every 15 minutes), a
  // delayed job that holds the service's singleton; the test runs the pull those jobs run.
  expect(await server.runtime.services.qoe.pullDirectRouting(serviceId)).toEqual({ stored: CALLS + FAILED });
  await eventually(
    'the dashboard shows every Direct Routing attempt',
    async () => (await summary()).calls.total === CALLS + FAILED,
    { timeoutMs: 60_000 },
  );
}, 180_000);
afterAll(async () => {
  await close?.();
});

describe('QoE dashboard against the emulator', () => {
  it("answers the overview's numbers as computed from the emulator's records", async () => {
    const { records, log, streams } = world();
    expect(records).toHaveLength(CALLS);
    expect(log).toHaveLength(CALLS + FAILED);
    const s: QoeSummary = await summary();

    // Calls, answered / failed, success rate: the Direct Routing log.
    const answered = log.filter((r) => r.successfulCall).length;
    expect(s.calls).toEqual({
      total: log.length,
      answered,
      failed: log.length - answered,
      successRate: answered / log.length,
    });
    expect(s.calls.failed).toBe(FAILED);

    // Final SIP codes.
    const codes = new Map<number, { calls: number; failed: number }>();
    for (const r of log) {
      const c = codes.get(r.finalSipCode) ?? { calls: 0, failed: 0 };
      c.calls++;
      if (!r.successfulCall) c.failed++;
      codes.set(r.finalSipCode, c);
    }
    expect(new Map(s.topSipCodes.map((c) => [c.code, { calls: c.calls, failed: c.failed }]))).toEqual(codes);
    for (const c of s.topSipCodes)
      expect(c.phrase).toBe(log.find((r) => r.finalSipCode === c.code)!.finalSipCodePhrase);

    // Streams, poor share, per threshold.
    const poor = streams.filter(isPoor);
    expect(poor.length).toBeGreaterThan(0);
    expect(poor.length).toBeLessThan(streams.length);
    const poorCalls = records.filter((r) => streamsOf(r).some(isPoor)).length;
    expect(s.streams).toEqual({
      callRecords: CALLS,
      poorCalls,
      streams: streams.length,
      poorStreams: poor.length,
      poorShare: poor.length / streams.length,
    });
    for (const metric of ['jitter', 'packetLoss', 'roundTrip', 'audioDegradation', 'concealedRatio'] as const)
      expect(s.poorStreamsBy[metric], metric).toBe(streams.filter((x) => poorBy(x)[metric]).length);

    // Percentiles of the streams' averages (stored as 4-byte floats: close, not equal).
    const pct = (values: number[]) => ({
      p50: percentileCont(values, 0.5),
      p90: percentileCont(values, 0.9),
      p95: percentileCont(values, 0.95),
    });
    const expectClose = (
      got: QoeSummary['percentiles']['jitterMs'],
      want: ReturnType<typeof pct>,
      digits: number,
    ) => {
      for (const k of ['p50', 'p90', 'p95'] as const) expect(got[k], k).toBeCloseTo(want[k], digits);
    };
    expectClose(s.percentiles.jitterMs, pct(streams.map((x) => graphMs(x.averageJitter))), 3);
    expectClose(s.percentiles.packetLoss, pct(streams.map((x) => x.averagePacketLossRate)), 6);
    expectClose(s.percentiles.roundTripMs, pct(streams.map((x) => graphMs(x.averageRoundTripTime))), 3);

    // Calls over time: each attempt and stream in the bucket of its start.
    const b = s.range.bucketSeconds;
    const bucketOf = (iso: string) =>
      new Date(Math.floor(Date.parse(iso) / 1000 / b) * b * 1000).toISOString();
    const expected = new Map<
      string,
      { answered: number; failed: number; streams: number; poorStreams: number }
    >();
    const slot = (k: string) => {
      const v = expected.get(k) ?? { answered: 0, failed: 0, streams: 0, poorStreams: 0 };
      expected.set(k, v);
      return v;
    };
    for (const r of log) slot(bucketOf(r.startDateTime))[r.successfulCall ? 'answered' : 'failed']++;
    for (const x of streams) {
      const v = slot(bucketOf(x.startDateTime ?? x.callStart));
      v.streams++;
      if (isPoor(x)) v.poorStreams++;
    }
    const nonEmpty = s.timeline.filter((t) => t.answered + t.failed + t.streams > 0);
    expect(new Map(nonEmpty.map(({ start, ...v }) => [start, v]))).toEqual(expected);
    const starts = s.timeline.map((t) => Date.parse(t.start));
    expect(starts.every((t, i) => i === 0 || t - starts[i - 1]! === b * 1000)).toBe(true);

    // Top services by poor calls: this one service.
    expect(s.topServices).toEqual([
      expect.objectContaining({ serviceId, callRecords: CALLS, poorCalls, poorStreams: poor.length }),
    ]);
    expect(s.thresholds).toEqual({
      jitterMs: 30,
      packetLoss: 0.1,
      roundTripMs: 500,
      audioDegradation: 1,
      concealedRatio: 0.07,
    });
  });

  it("lists every call record and every failed attempt, and drills down to a poor call's streams", async () => {
    const { records, log } = world();
    const items: QoeCallListItem[] = [];
    let cursor: string | null = null;
    do {
      const page: QoeCallPage = expectBody(
        await admin.get(`/api/v1/qoe/calls?limit=4${cursor ? `&cursor=${cursor}` : ''}`),
        200,
        QoeCallPageSchema,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(
      items
        .filter((i) => i.source === 'callRecord')
        .map((i) => i.id)
        .sort(),
    ).toEqual(records.map((r) => r.id).sort());
    const failedRows = log.filter((r) => !r.successfulCall);
    expect(
      items
        .filter((i) => i.source === 'directRouting')
        .map((i) => [i.id, i.finalSipCode, i.callerNumber, i.calleeNumber])
        .sort(),
    ).toEqual(failedRows.map((r) => [r.id, r.finalSipCode, r.callerNumber, r.calleeNumber]).sort());

    const poorRecords = records.filter((r) => streamsOf(r).some(isPoor));
    const poorList = expectBody(
      await admin.get('/api/v1/qoe/calls?poor=true&limit=200'),
      200,
      QoeCallPageSchema,
    );
    expect(poorList.items.map((i) => i.id).sort()).toEqual(poorRecords.map((r) => r.id).sort());

    const record = poorRecords[0]!;
    const detail = expectBody(
      await admin.get(`/api/v1/services/${serviceId}/qoe/calls/${record.id}`),
      200,
      QoeCallDetailSchema,
    );
    expect(detail.sessions.map((s) => s.id).sort()).toEqual(record.sessions.map((s: Json) => s.id).sort());
    for (const session of record.sessions as Json[]) {
      const got = detail.sessions.find((s) => s.id === session.id)!;
      expect(got.segments.map((g) => g.id)).toEqual(session.segments.map((g: Json) => g.id));
      for (const segment of session.segments as Json[]) {
        const streams = got.segments.find((g) => g.id === segment.id)!.streams;
        const want = segment.media.flatMap((m: Json) => m.streams) as Json[];
        expect(streams.map((x) => x.direction).sort()).toEqual(want.map((x) => x.streamDirection).sort());
        for (const x of want) {
          const g = streams.find((y) => y.direction === x.streamDirection)!;
          expect(g.avgJitterMs).toBeCloseTo(graphMs(x.averageJitter), 3);
          expect(g.avgPacketLoss).toBeCloseTo(x.averagePacketLossRate, 6);
          expect(g.avgRoundTripMs).toBeCloseTo(graphMs(x.averageRoundTripTime), 3);
          expect(g.poorBy).toEqual(poorBy(x));
          expect(g.poor).toBe(isPoor(x));
        }
      }
    }
    expect(detail.poorStreamCount).toBe(streamsOf(record).filter(isPoor).length);
  });

  it("answers the service's last 24 hours alone and batched with the same numbers", async () => {
    const { log, streams, records } = world();
    const one = expectBody(
      await admin.get(`/api/v1/services/${serviceId}/qoe/summary`),
      200,
      QoeServiceSummarySchema,
    );
    const answered = log.filter((r) => r.successfulCall).length;
    expect(one.calls).toEqual({
      total: log.length,
      answered,
      failed: log.length - answered,
      successRate: answered / log.length,
    });
    expect(one.streams).toEqual({
      callRecords: records.length,
      poorCalls: records.filter((r) => streamsOf(r).some(isPoor)).length,
      streams: streams.length,
      poorStreams: streams.filter(isPoor).length,
      poorShare: streams.filter(isPoor).length / streams.length,
    });
    const latest = [...log.map((r) => r.startDateTime), ...records.map((r) => r.startDateTime)].sort().at(-1);
    expect(one.lastCallAt).toBe(new Date(latest).toISOString());
    const batch = expectBody(
      await admin.get(`/api/v1/qoe/service-summaries?serviceIds=${serviceId}`),
      200,
      QoeServiceSummariesSchema,
    );
    expect(batch.items).toEqual([{ ...one, from: batch.items[0]!.from, to: batch.items[0]!.to }]);
  });
});
