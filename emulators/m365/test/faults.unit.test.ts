import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { burstRetryAfter, seededRandom, type Burst } from '../src/faults.ts';

describe('fault storm arithmetic', () => {
  it('a seeded PRNG repeats its sequence and stays in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const a = seededRandom(seed);
        const b = seededRandom(seed);
        for (let i = 0; i < 50; i++) {
          const x = a();
          expect(x).toBe(b());
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(1);
        }
      }),
    );
  });

  it('a burst throttles exactly inside its windows, with Retry-After = the whole seconds left', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 600_000 }),
        (forSeconds, extra, offsetSeconds, elapsedMs) => {
          const b: Burst = { everySeconds: forSeconds + extra, forSeconds, offsetSeconds, since: 1_000_000 };
          const answer = burstRetryAfter(b, b.since + elapsedMs);
          const into = elapsedMs / 1000 - offsetSeconds;
          const inside = into >= 0 && into % b.everySeconds < forSeconds;
          if (!inside) {
            expect(answer).toBeUndefined();
            return;
          }
          const left = forSeconds - (into % b.everySeconds);
          expect(answer).toBe(Math.max(1, Math.ceil(left)));
          expect(answer).toBeLessThanOrEqual(forSeconds);
        },
      ),
    );
    const fixed: Burst = {
      everySeconds: 10,
      forSeconds: 5,
      offsetSeconds: 0,
      retryAfterSeconds: 2,
      since: 0,
    };
    expect(burstRetryAfter(fixed, 4_000)).toBe(2);
    expect(burstRetryAfter(fixed, 6_000)).toBeUndefined();
  });
});
