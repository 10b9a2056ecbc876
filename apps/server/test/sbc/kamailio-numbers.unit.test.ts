import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lookupNumber, numberKeys, rangeKeys, rangePrefixes } from '../../src/sbc/kamailio-numbers.ts';

/** Does `prefix` (of a range's width) cover `n`? */
const covers = (prefix: string, n: string) => n.startsWith(prefix);

const boundsArb = fc.integer({ min: 1, max: 5 }).chain((width) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: 10 ** width - 1 }),
      fc.integer({ min: 0, max: 10 ** width - 1 }),
      fc.integer({ min: 0, max: 10 ** width - 1 }),
    )
    .map(([x, y, probe]) => ({
      width,
      from: String(Math.min(x, y)).padStart(width, '0'),
      to: String(Math.max(x, y)).padStart(width, '0'),
      probe: String(probe).padStart(width, '0'),
    })),
);

describe('rangePrefixes', () => {
  it('examples', () => {
    expect(rangePrefixes('1000', '1999')).toEqual(['1']);
    expect(rangePrefixes('0000', '9999')).toEqual(['']);
    expect(rangePrefixes('1234', '1234')).toEqual(['1234']);
    expect(rangePrefixes('1234', '1299')).toEqual([
      '1234',
      '1235',
      '1236',
      '1237',
      '1238',
      '1239',
      '124',
      '125',
      '126',
      '127',
      '128',
      '129',
    ]);
    expect(rangePrefixes('1200', '1299')).toEqual(['12']);
    expect(rangePrefixes('10', '29')).toEqual(['1', '2']);
    expect(rangePrefixes('05', '31')).toEqual(['05', '06', '07', '08', '09', '1', '2', '30', '31']);
  });

  it('refuses bounds of different lengths, non-digits and from > to', () => {
    expect(() => rangePrefixes('100', '1999')).toThrow(RangeError);
    expect(() => rangePrefixes('2000', '1999')).toThrow(RangeError);
    expect(() => rangePrefixes('1a00', '1999')).toThrow(RangeError);
  });

  it('covers exactly the numbers between the bounds, each by one prefix', () => {
    fc.assert(
      fc.property(boundsArb, ({ from, to, probe }) => {
        const prefixes = rangePrefixes(from, to);
        const matching = prefixes.filter((p) => covers(p, probe));
        const inRange = probe >= from && probe <= to;
        expect(matching.length).toBe(inRange ? 1 : 0);
        for (const p of prefixes) expect(p.length).toBeLessThanOrEqual(from.length);
      }),
      { numRuns: 500 },
    );
  });

  it('is minimal: no ten sibling prefixes that one shorter prefix could replace', () => {
    fc.assert(
      fc.property(boundsArb, ({ from, to }) => {
        const prefixes = new Set(rangePrefixes(from, to));
        for (const p of prefixes) {
          if (p === '') continue;
          const parent = p.slice(0, -1);
          const siblings = Array.from({ length: 10 }, (_, d) => `${parent}${d}`);
          expect(siblings.every((s) => prefixes.has(s))).toBe(false);
        }
        // At most 9 prefixes per digit position on each side of the split.
        expect(prefixes.size).toBeLessThanOrEqual(18 * Math.max(1, from.length));
      }),
      { numRuns: 500 },
    );
  });
});

describe('rangeKeys and lookupNumber (the Kamailio lookup)', () => {
  it('keys of each form', () => {
    expect(rangeKeys({ kind: 'number', number: '+4930123456' })).toEqual(['+4930123456|11']);
    expect(rangeKeys({ kind: 'prefix', prefix: '+4930123' })).toEqual(['+4930123']);
    expect(rangeKeys({ kind: 'range', prefix: '+4930123', from: '1000', to: '1999' })).toEqual([
      '+49301231|12',
    ]);
    expect(
      numberKeys([
        { kind: 'prefix', prefix: '+4930123' },
        { kind: 'prefix', prefix: '+4930123' },
        { kind: 'number', number: '+4930999' },
      ]),
    ).toEqual(['+4930123', '+4930999|8']);
  });

  it('a range matches exactly its numbers of its length; a longer or shorter number does not', () => {
    fc.assert(
      fc.property(boundsArb, fc.integer({ min: 0, max: 9 }), ({ from, to, probe }, extra) => {
        const prefix = '+4930';
        const table = new Map(
          rangeKeys({ kind: 'range', prefix, from, to }).map((k) => [k, 'a.sbc.example'] as const),
        );
        const inRange = probe >= from && probe <= to;
        expect(lookupNumber(table, `${prefix}${probe}`)).toBe(inRange ? 'a.sbc.example' : undefined);
        expect(lookupNumber(table, `${prefix}${probe}${extra}`)).toBeUndefined();
        if (probe.length > 1) expect(lookupNumber(table, `${prefix}${probe.slice(1)}`)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('the longest prefix wins; at one length the fixed-length key wins over the open prefix', () => {
    const table = new Map([
      ['+4930', 'wide.example'],
      ['+4930123', 'narrow.example'],
      ['+49301231|12', 'range.example'],
      ['+4930123|8', 'single.example'],
    ]);
    expect(lookupNumber(table, '+49301231555')).toBe('range.example');
    expect(lookupNumber(table, '+49301232555')).toBe('narrow.example');
    expect(lookupNumber(table, '+4930123')).toBe('single.example');
    expect(lookupNumber(table, '+4930999')).toBe('wide.example');
    expect(lookupNumber(table, '+4940123')).toBeUndefined();
  });
});
