import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QOE_MAX_RANGE_DAYS, QoeRangeQuerySchema } from '@trunkline/contracts';
import {
  bucketLabel,
  describeRange,
  formatDay,
  parseDay,
  rangeToParams,
  rangeWindow,
  readRange,
  type Range,
} from './range.ts';

const none = { range: null, from: null, to: null };

describe('readRange', () => {
  it('reads the presets and a custom range of real days; anything else is the last 24 hours', () => {
    expect(readRange(none)).toEqual({ kind: '24h' });
    expect(readRange({ ...none, range: '7d' })).toEqual({ kind: '7d' });
    expect(readRange({ ...none, range: '30d' })).toEqual({ kind: '30d' });
    expect(readRange({ range: 'custom', from: '2026-12-01', to: '2026-12-07' })).toEqual({
      kind: 'custom',
      from: '2026-12-01',
      to: '2026-12-07',
    });
    expect(readRange({ range: 'custom', from: '2026-12-07', to: '2026-12-07' })).toMatchObject({
      kind: 'custom',
    });
    for (const bad of [
      { ...none, range: '1y' },
      { ...none, range: '__proto__' },
      { range: 'custom', from: '2026-12-07', to: '2026-12-01' },
      { range: 'custom', from: '2026-02-30', to: '2026-03-01' },
      { range: 'custom', from: '2026-12-01', to: null },
      { range: 'custom', from: '1.12.2026', to: '2026-12-07' },
      { range: 'custom', from: '2026-01-01', to: '2026-12-31' },
    ])
      expect(readRange(bad), JSON.stringify(bad)).toEqual({ kind: '24h' });
  });

  it('round-trips every range through the URL parameters', () => {
    const day = fc
      .date({ min: new Date(2020, 0, 1), max: new Date(2030, 11, 31), noInvalidDate: true })
      .map(formatDay);
    const range: fc.Arbitrary<Range> = fc.oneof(
      fc.constantFrom<Range>({ kind: '24h' }, { kind: '7d' }, { kind: '30d' }),
      fc.tuple(day, fc.integer({ min: 0, max: QOE_MAX_RANGE_DAYS - 1 })).map(([from, n]) => {
        const d = parseDay(from)!;
        return {
          kind: 'custom' as const,
          from,
          to: formatDay(new Date(d.getFullYear(), d.getMonth(), d.getDate() + n)),
        };
      }),
    );
    fc.assert(
      fc.property(range, (r) => {
        expect(readRange(rangeToParams(r))).toEqual(r);
      }),
    );
  });
});

describe('rangeWindow', () => {
  const now = Date.parse('2026-12-07T12:34:56.789Z');
  it('ends a preset at now (to the second) and starts it 24 hours, 7 or 30 days before', () => {
    expect(rangeWindow({ kind: '24h' }, now)).toEqual({
      from: '2026-12-06T12:34:56.000Z',
      to: '2026-12-07T12:34:56.000Z',
    });
    expect(rangeWindow({ kind: '7d' }, now).from).toBe('2026-11-30T12:34:56.000Z');
    expect(rangeWindow({ kind: '30d' }, now).from).toBe('2026-11-07T12:34:56.000Z');
  });

  it('runs a custom range from the first local midnight to the one after the last day', () => {
    const w = rangeWindow({ kind: 'custom', from: '2026-12-01', to: '2026-12-03' }, now);
    expect(w.from).toBe(new Date(2026, 11, 1).toISOString());
    expect(w.to).toBe(new Date(2026, 11, 4).toISOString());
  });

  it('gives only windows the API accepts (start before end, at most 90 days)', () => {
    const range = fc.oneof(
      fc.constantFrom<Range>({ kind: '24h' }, { kind: '7d' }, { kind: '30d' }),
      fc
        .tuple(
          fc.date({ min: new Date(2020, 0, 1), max: new Date(2030, 0, 1), noInvalidDate: true }),
          fc.integer({ min: 0, max: 200 }),
        )
        .map(([d, n]) =>
          readRange({
            range: 'custom',
            from: formatDay(d),
            to: formatDay(new Date(d.getFullYear(), d.getMonth(), d.getDate() + n)),
          }),
        ),
    );
    fc.assert(
      fc.property(range, fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), (r, at) => {
        expect(QoeRangeQuerySchema.safeParse(rangeWindow(r, at)).success).toBe(true);
      }),
    );
  });
});

describe('bucketLabel', () => {
  const start = new Date(2026, 11, 7, 9, 15).toISOString();
  it('shows the time within a short range, the day and time within a longer one, the day for day buckets', () => {
    const hours = {
      from: new Date(2026, 11, 7, 0).toISOString(),
      to: new Date(2026, 11, 7, 12).toISOString(),
    };
    expect(bucketLabel(start, { ...hours, bucketSeconds: 900 })).toBe('09:15');
    const day = { from: new Date(2026, 11, 6, 9).toISOString(), to: new Date(2026, 11, 7, 9).toISOString() };
    expect(bucketLabel(start, { ...day, bucketSeconds: 900 })).toBe('07.12. 09:15');
    expect(bucketLabel(start, { ...day, bucketSeconds: 86_400 })).toBe('07.12.');
  });
});

describe('describeRange', () => {
  it('names presets and custom days', () => {
    expect(describeRange({ kind: '24h' })).toBe('the last 24 hours');
    expect(describeRange({ kind: '30d' })).toBe('the last 30 days');
    expect(describeRange({ kind: 'custom', from: '2026-12-01', to: '2026-12-07' })).toBe(
      '2026-12-01 – 2026-12-07',
    );
    expect(describeRange({ kind: 'custom', from: '2026-12-01', to: '2026-12-01' })).toBe('2026-12-01');
  });
});
