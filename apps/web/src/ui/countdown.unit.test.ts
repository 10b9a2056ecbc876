import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeLeft } from './countdown.ts';

describe('timeLeft', () => {
  const at = Date.parse('2026-12-07T12:00:00Z');
  it('says the seconds, minutes or hours left, rounded up, and null once due', () => {
    expect(timeLeft('2026-12-07T12:00:24Z', at)).toBe('24 s');
    expect(timeLeft('2026-12-07T12:00:00.200Z', at)).toBe('1 s');
    expect(timeLeft('2026-12-07T12:01:05Z', at)).toBe('1 min 05 s');
    expect(timeLeft('2026-12-07T14:03:00Z', at)).toBe('2 h 03 min');
    expect(timeLeft('2026-12-07T12:00:00Z', at)).toBeNull();
    expect(timeLeft('2026-12-07T11:59:00Z', at)).toBeNull();
    expect(timeLeft('not a date', at)).toBeNull();
  });
  it('never counts up: later moments leave less or the same time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.integer({ min: 0, max: 5000 }),
        (ahead, step) => {
          const target = new Date(at + ahead).toISOString();
          const seconds = (t: string | null) => {
            if (!t) return 0;
            const [h = 0, m = 0, s = 0] = [/(\d+) h/, /(\d+) min/, /(\d+) s/].map((r) =>
              Number(r.exec(t)?.[1] ?? 0),
            );
            return t.includes(' h ') ? h * 3600 + m * 60 : m * 60 + s;
          };
          expect(seconds(timeLeft(target, at + step))).toBeLessThanOrEqual(seconds(timeLeft(target, at)));
        },
      ),
    );
  });
});
