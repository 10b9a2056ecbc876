import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatRatio,
  graphWords,
  NONE,
  secondsBetween,
  share,
  sipLabel,
} from './format.ts';

describe('QoE number formats', () => {
  it('writes milliseconds, percentages, ratios and counts; a missing value is a dash, never 0', () => {
    expect(formatMs(12)).toBe('12 ms');
    expect(formatMs(0.4)).toBe('0.4 ms');
    expect(formatMs(35.7)).toBe('36 ms');
    expect(formatMs(1250)).toBe('1,250 ms');
    expect(formatPercent(0.1234)).toBe('12.3 %');
    expect(formatPercent(0.1)).toBe('10 %');
    expect(formatPercent(0.004)).toBe('0.4 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0.07, 0)).toBe('7 %');
    expect(formatRatio(1.234)).toBe('1.23');
    expect(formatCount(1234)).toBe('1,234');
    for (const f of [formatMs, formatPercent, formatRatio, formatCount, formatDuration])
      for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) expect(f(v)).toBe(NONE);
  });

  it('writes a duration in seconds, minutes or hours', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(-1)).toBe(NONE);
  });

  it('never shows a rate outside 0–100 % for a fraction in 0..1', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (f) => {
        const pct = Number(formatPercent(f).replace(/[ %,]/g, ''));
        expect(pct).toBeGreaterThanOrEqual(0);
        expect(pct).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('shares and spans: nothing to share is null, not 0', () => {
    expect(share(3, 10)).toBe(0.3);
    expect(share(0, 0)).toBeNull();
    expect(secondsBetween('2026-12-07T10:00:00Z', '2026-12-07T10:01:30Z')).toBe(90);
    expect(secondsBetween('2026-12-07T10:01:30Z', '2026-12-07T10:00:00Z')).toBeNull();
    expect(secondsBetween(null, '2026-12-07T10:00:00Z')).toBeNull();
  });

  it('names SIP codes and Graph words', () => {
    expect(sipLabel(486, 'Busy Here')).toBe('486 Busy Here');
    expect(sipLabel(0, 'BYE')).toBe('0 BYE');
    expect(sipLabel(0, null)).toBe('0 Ended normally');
    expect(sipLabel(503, '  ')).toBe('503');
    expect(sipLabel(null, null)).toBe('Unknown');
    expect(graphWords('callerToCallee')).toBe('caller to callee');
    expect(graphWords('direct-routing')).toBe('direct-routing');
    expect(graphWords(null)).toBe(NONE);
  });
});
