import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CallRecordSchema,
  durationMs,
  endpointOf,
  flattenCallRecord,
  isPoor,
  POOR_AUDIO,
  SessionSchema,
} from '../../src/qoe/call-record.ts';

describe('QoE call records', () => {
  it('reads ISO 8601 durations in milliseconds', () => {
    expect(durationMs('PT0.02S')).toBe(20);
    expect(durationMs('PT1M2.5S')).toBe(62_500);
    expect(durationMs('PT1H')).toBe(3_600_000);
    expect(durationMs('PT')).toBeNull();
    expect(durationMs('0.02')).toBeNull();
    expect(durationMs(null)).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => {
        const seconds = n / 1000;
        expect(durationMs(`PT${seconds}S`)).toBeCloseTo(n, 6);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        const ms = durationMs(s);
        return ms === null || (Number.isFinite(ms) && ms >= 0);
      }),
    );
  });

  it('tells a Direct Routing leg, a PSTN number, a user and an unknown endpoint apart', () => {
    expect(
      endpointOf({ identity: { phone: { id: '+14255550100' } }, userAgent: { role: 'mediationServer' } }),
    ).toEqual({ kind: 'direct-routing', id: '+14255550100' });
    expect(endpointOf({ identity: { phone: { id: '+14255550100' } } })).toEqual({
      kind: 'pstn',
      id: '+14255550100',
    });
    expect(endpointOf({ identity: { user: { id: 'u1' } } })).toEqual({ kind: 'user', id: 'u1' });
    expect(endpointOf(null)).toEqual({ kind: 'unknown', id: null });
  });

  it("classifies a stream as poor when any of Microsoft's thresholds is exceeded, and only then", () => {
    const good = {
      avgJitterMs: POOR_AUDIO.jitterMs,
      avgPacketLoss: POOR_AUDIO.packetLoss,
      avgRoundTripMs: POOR_AUDIO.roundTripMs,
      avgAudioDegradation: POOR_AUDIO.audioDegradation,
      avgConcealedRatio: POOR_AUDIO.concealedRatio,
    };
    expect(isPoor(good)).toBe(false);
    for (const k of Object.keys(good) as (keyof typeof good)[])
      expect(isPoor({ ...good, [k]: good[k] + 0.001 })).toBe(true);
    expect(
      isPoor({
        avgJitterMs: null,
        avgPacketLoss: null,
        avgRoundTripMs: null,
        avgAudioDegradation: null,
        avgConcealedRatio: null,
      }),
    ).toBe(false);
  });

  it('flattens sessions, segments, media and streams into rows', () => {
    const record = CallRecordSchema.parse({
      id: 'c1',
      version: 3,
      type: 'peerToPeer',
      modalities: ['audio'],
      startDateTime: '2026-12-07T10:00:00Z',
      endDateTime: '2026-12-07T10:05:00Z',
      unknownProperty: { anything: true },
    });
    const session = {
      id: 's1',
      modalities: ['audio'],
      caller: { identity: { user: { id: 'u1' } } },
      callee: { identity: { phone: { id: '+1' } }, userAgent: { role: 'mediationServer' } },
      failureInfo: { stage: 'midcall', reason: 'networkIssue' },
      segments: [
        {
          id: 'g1',
          media: [
            {
              label: 'main-audio',
              streams: [
                { streamDirection: 'callerToCallee', averageJitter: 'PT0.05S', averagePacketLossRate: 0.01 },
                { streamDirection: 'calleeToCaller', averageJitter: 'PT0.005S', audioCodec: 'g711' },
              ],
            },
          ],
        },
      ],
    };
    const { call, streams } = flattenCallRecord(record, [SessionSchema.parse(session)]);
    expect(call).toMatchObject({
      callId: 'c1',
      version: 3,
      sessionCount: 1,
      hasPstn: true,
      streamCount: 2,
      poorStreamCount: 1,
      failureReason: 'networkIssue',
    });
    expect(streams.map((s) => [s.direction, s.avgJitterMs, s.poor, s.calleeKind])).toEqual([
      ['callerToCallee', 50, true, 'direct-routing'],
      ['calleeToCaller', 5, false, 'direct-routing'],
    ]);
    expect(streams[0]!.failureStage).toBe('midcall');
  });
});
