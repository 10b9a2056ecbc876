import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { criticalChain, type ChainInput } from './chain.ts';

const LATENCY = 50;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A run whose calls end at the given offsets (ms after the start), inside one step that spans them all. */
const runWith = (ends: number[]): ChainInput => ({
  startedAt: T0,
  run: {
    steps: [
      {
        name: 'only',
        startedAt: new Date(T0).toISOString(),
        finishedAt: new Date(T0 + 1_000_000).toISOString(),
      },
    ],
  },
  calls: ends.map((e, i) => ({
    at: new Date(T0 + e).toISOString(),
    surface: 'graph',
    method: 'GET',
    path: `/c${i}`,
  })),
});

describe('the critical chain of a run', () => {
  it('counts every call of a strictly sequential run', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 40 }), (gaps) => {
        // Each call starts `gap` ms after the previous one ended and takes the injected latency.
        let t = 0;
        const ends = gaps.map((g) => (t += g + LATENCY));
        const chain = criticalChain(runWith(ends), LATENCY);
        expect(chain.calls).toBe(gaps.length);
        expect(chain.boundMs).toBe(gaps.length * LATENCY);
        expect(chain.chain.flatMap((s) => s.calls)).toHaveLength(gaps.length);
      }),
    );
  });

  it('counts calls made side by side once per round', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }), (widths) => {
        // Round r: `widths[r]` calls made together, ending within a few ms of each other.
        let t = 0;
        const ends = widths.flatMap((w) => {
          t += LATENCY + 10;
          return Array.from({ length: w }, (_, i) => t + i);
        });
        expect(criticalChain(runWith(ends), LATENCY).calls).toBe(widths.length);
      }),
    );
  });

  it('ignores calls answered before the run started', () => {
    expect(criticalChain(runWith([-500, -100, 60]), LATENCY).calls).toBe(1);
  });

  it('ignores calls answered after the run ended (the health check that follows it)', () => {
    const input = runWith([60, 120, 1_000_100, 1_000_200]);
    expect(criticalChain(input, LATENCY).calls).toBe(2);
    expect(
      criticalChain(
        { ...input, run: { ...input.run, finishedAt: new Date(T0 + 100).toISOString() } },
        LATENCY,
      ).calls,
    ).toBe(1); // the run's own end, when known, rather than its last step's
  });
});
