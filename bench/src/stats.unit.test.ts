import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, roundMs } from './stats.ts';

describe('percentile (nearest rank)', () => {
  it('answers the sample at rank ceil(p/100 · n)', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile(xs, 10)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('is one of the samples, at least as many at or below it as p says, and leaves its input as it was', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }),
        fc.integer({ min: 1, max: 100 }),
        (xs, p) => {
          const before = [...xs];
          const v = percentile(xs, p);
          expect(xs).toEqual(before);
          expect(xs).toContain(v);
          expect(xs.filter((x) => x <= v).length).toBeGreaterThanOrEqual(Math.ceil((p / 100) * xs.length));
        },
      ),
    );
  });
});

it('roundMs keeps a tenth of a millisecond', () => {
  expect(roundMs(12.345)).toBe(12.3);
  expect(roundMs(0.06)).toBe(0.1);
});
