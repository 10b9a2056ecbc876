import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isPoorAudio,
  POOR_AUDIO_THRESHOLDS,
  poorAudioBy,
  QOE_BUCKET_SECONDS,
  QOE_MAX_BUCKETS,
  QOE_MAX_RANGE_DAYS,
  qoeBucketSeconds,
  QoeRangeQuerySchema,
  resolveQoeRange,
} from './qoe-dashboard.ts';

const metric = fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: null });

describe("Microsoft's poor-audio classification", () => {
  it('is poor exactly when one average is over its threshold (at the threshold is not poor; unreported is not poor)', () => {
    const at = {
      avgJitterMs: POOR_AUDIO_THRESHOLDS.jitterMs,
      avgPacketLoss: POOR_AUDIO_THRESHOLDS.packetLoss,
      avgRoundTripMs: POOR_AUDIO_THRESHOLDS.roundTripMs,
      avgAudioDegradation: POOR_AUDIO_THRESHOLDS.audioDegradation,
      avgConcealedRatio: POOR_AUDIO_THRESHOLDS.concealedRatio,
    };
    expect(isPoorAudio(at)).toBe(false);
    expect(
      isPoorAudio({
        avgJitterMs: null,
        avgPacketLoss: null,
        avgRoundTripMs: null,
        avgAudioDegradation: null,
        avgConcealedRatio: null,
      }),
    ).toBe(false);
    expect(poorAudioBy({ ...at, avgJitterMs: 30.01 })).toEqual({
      jitter: true,
      packetLoss: false,
      roundTrip: false,
      audioDegradation: false,
      concealedRatio: false,
    });
    fc.assert(
      fc.property(metric, metric, metric, metric, metric, (j, l, r, d, c) => {
        const s = {
          avgJitterMs: j,
          avgPacketLoss: l,
          avgRoundTripMs: r,
          avgAudioDegradation: d,
          avgConcealedRatio: c,
        };
        const by = poorAudioBy(s);
        expect(by.jitter).toBe(j !== null && j > 30);
        expect(by.packetLoss).toBe(l !== null && l > 0.1);
        expect(by.roundTrip).toBe(r !== null && r > 500);
        expect(by.audioDegradation).toBe(d !== null && d > 1);
        expect(by.concealedRatio).toBe(c !== null && c > 0.07);
        expect(isPoorAudio(s)).toBe(Object.values(by).includes(true));
      }),
    );
  });
});

describe('the dashboard range', () => {
  it('defaults to the 24 hours before now, or before `to`', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const r = resolveQoeRange({}, now);
    expect([r.from.toISOString(), r.to.toISOString(), r.bucketSeconds]).toEqual([
      '2026-12-06T12:00:00.000Z',
      '2026-12-07T12:00:00.000Z',
      900,
    ]);
    expect(resolveQoeRange({ to: '2026-01-02T00:00:00Z' }, now).from.toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('picks the smallest bucket that gives at most QOE_MAX_BUCKETS buckets for any allowed range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: QOE_MAX_RANGE_DAYS * 86_400 }), (span) => {
        const b = qoeBucketSeconds(0, span * 1000);
        expect(QOE_BUCKET_SECONDS).toContain(b);
        expect(span / b).toBeLessThanOrEqual(QOE_MAX_BUCKETS);
        const smaller = QOE_BUCKET_SECONDS.filter((x) => x < b);
        for (const x of smaller) expect(span / x).toBeGreaterThan(QOE_MAX_BUCKETS);
      }),
    );
  });

  it('accepts any forward range up to 90 days and refuses the rest, naming the field', () => {
    const base = Date.parse('2026-06-01T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: -10 * 86_400, max: 120 * 86_400 }), (span) => {
        const from = new Date(base).toISOString();
        const to = new Date(base + span * 1000).toISOString();
        const parsed = QoeRangeQuerySchema.safeParse({ from, to });
        const ok = span > 0 && span <= QOE_MAX_RANGE_DAYS * 86_400;
        expect(parsed.success).toBe(ok);
        if (!ok)
          expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual([span <= 0 ? 'to' : 'from']);
      }),
    );
  });
});
