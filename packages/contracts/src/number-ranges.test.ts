import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NumberRangesUpdateSchema,
  formatNumberRange,
  numberRangeSize,
  numberRangeStem,
  overlapsWithin,
  parseNumberRange,
  parseNumberRangesCsv,
  rangeContains,
  rangesOverlap,
  type SbcNumberRange,
} from './index.ts';

const ok = (text: string) => {
  const parsed = parseNumberRange(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`);
  return parsed.range;
};
const problem = (text: string) => {
  const parsed = parseNumberRange(text);
  if (parsed.ok) throw new Error(`${text} parsed as ${JSON.stringify(parsed.range)}`);
  return parsed.message;
};

describe('parseNumberRange', () => {
  it('reads the three forms and writes them back canonically', () => {
    expect(ok('+4930123456')).toEqual({ kind: 'number', number: '+4930123456' });
    expect(ok('+4930123*')).toEqual({ kind: 'prefix', prefix: '+4930123' });
    expect(ok('+4930123[1000-1999]')).toEqual({
      kind: 'range',
      prefix: '+4930123',
      from: '1000',
      to: '1999',
    });
    expect(ok(' +49 30 123 [0000 - 0999] ')).toEqual({
      kind: 'range',
      prefix: '+4930123',
      from: '0000',
      to: '0999',
    });
    expect(formatNumberRange(ok('+49 30 123*'))).toBe('+4930123*');
    expect(formatNumberRange(ok('+4930123[1000-1999]'))).toBe('+4930123[1000-1999]');
  });

  it('refuses what is not E.164 with a sentence saying why', () => {
    expect(problem('')).toMatch(/Enter a number/);
    expect(problem('004930123456')).toMatch(/Start with \+ and the country code/);
    expect(problem('+04930123456')).toMatch(/never starts with 0/);
    expect(problem('+4930123456789012')).toMatch(/16 digits; E.164 allows at most 15/);
    expect(problem('+49301')).toMatch(/at least 7/);
    expect(problem('+49-30-123456')).toMatch(/only digits/);
    expect(problem('+4930123xxx')).toMatch(/A prefix ends with a single \*/);
    expect(problem('+49*')).toMatch(/at least 4 digits/);
    expect(problem('+493012345678901*')).toMatch(/fewer than 15 digits/);
    expect(problem('+4930123[1999-1000]')).toMatch(
      /first bound \(1999\) is greater than the second \(1000\)/,
    );
    expect(problem('+4930123[100-1999]')).toMatch(/same number of digits/);
    expect(problem('+4930123[1000-]')).toMatch(/Both bounds/);
    expect(problem('+4930123[1000-1999')).toMatch(/Write a range/);
    expect(problem('+[1000000-1999999]')).toMatch(/country code and leading digits/);
    expect(problem('+493012345678[1000-1999]')).toMatch(/16 digits/);
  });

  it('keeps the stem every covered number starts with', () => {
    expect(numberRangeStem(ok('+4930123[1000-1999]'))).toBe('49301231');
    expect(numberRangeStem(ok('+4930123[1000-2999]'))).toBe('4930123');
    expect(numberRangeStem(ok('+4930123*'))).toBe('4930123');
    expect(numberRangeSize(ok('+4930123[1000-1999]'))).toBe(1000);
    expect(numberRangeSize(ok('+4930123*'))).toBeNull();
  });
});

describe('rangesOverlap and rangeContains', () => {
  it('covers examples of each pair of forms', () => {
    const r = ok('+4930123[1000-1999]');
    expect(rangeContains(r, '+49301231500')).toBe(true);
    expect(rangeContains(r, '+49301232000')).toBe(false);
    expect(rangeContains(r, '+4930123150')).toBe(false);
    expect(rangeContains(ok('+4930123*'), '+4930123')).toBe(true);
    expect(rangeContains(ok('+4930123*'), '+493012345678901')).toBe(true);
    expect(rangeContains(ok('+4930123*'), 'not a number')).toBe(false);
    expect(rangesOverlap(r, ok('+49301231*'))).toBe(true);
    expect(rangesOverlap(r, ok('+493012319999*'))).toBe(false);
    expect(rangesOverlap(r, ok('+4930123[1999-2999]'))).toBe(true);
    expect(rangesOverlap(r, ok('+4930123[2000-2999]'))).toBe(false);
    expect(rangesOverlap(r, ok('+4930123[100-199]'))).toBe(false);
    expect(rangesOverlap(ok('+4930123*'), ok('+49301*'))).toBe(true);
    expect(rangesOverlap(ok('+4930123*'), ok('+4930124*'))).toBe(false);
  });

  // A small world where brute force is exact: numbers of up to 4 digits (first digit 1–9), every form built
  // from a few digits so that overlaps are common. In it, a witness of an overlap is a number of at most 4
  // digits (two prefixes share the longer one), so "some number of the world is in both" is the truth.
  const MAX = 4;
  const digit = fc.constantFrom('0', '1', '2', '9');
  const lead = fc.constantFrom('1', '2');
  const digits = (min: number, max: number) =>
    fc.array(digit, { minLength: min, maxLength: max }).map((d) => d.join(''));
  const arbRange: fc.Arbitrary<SbcNumberRange> = fc.oneof(
    fc.tuple(lead, digits(0, MAX - 1)).map(([a, b]) => ({ kind: 'number' as const, number: `+${a}${b}` })),
    fc.tuple(lead, digits(0, MAX - 1)).map(([a, b]) => ({ kind: 'prefix' as const, prefix: `+${a}${b}` })),
    fc.tuple(lead, digits(0, MAX - 2)).chain(([a, b]) =>
      fc.integer({ min: 1, max: MAX - 1 - b.length }).chain((width) =>
        fc.tuple(digits(width, width), digits(width, width)).map(([x, y]) => {
          const [from, to] = x <= y ? [x, y] : [y, x];
          return { kind: 'range' as const, prefix: `+${a}${b}`, from, to };
        }),
      ),
    ),
  );
  const world: string[] = [];
  for (let length = 1; length <= MAX; length++)
    for (let n = 10 ** (length - 1); n < 10 ** length; n++) world.push(`+${n}`);
  /** Membership written out independently of the interval arithmetic under test. */
  const member = (r: SbcNumberRange, n: string): boolean => {
    if (r.kind === 'number') return n === r.number;
    if (r.kind === 'prefix') return n.startsWith(r.prefix);
    if (n.length !== r.prefix.length + r.from.length || !n.startsWith(r.prefix)) return false;
    const rest = Number(n.slice(r.prefix.length));
    return Number(r.from) <= rest && rest <= Number(r.to);
  };

  it('rangeContains is membership', () => {
    fc.assert(
      fc.property(arbRange, fc.integer({ min: 1, max: 9999 }), (r, n) => {
        expect(rangeContains(r, `+${n}`)).toBe(member(r, `+${n}`));
      }),
      { numRuns: 2000 },
    );
  });

  it('overlap is symmetric', () => {
    fc.assert(
      fc.property(arbRange, arbRange, (a, b) => {
        expect(rangesOverlap(a, b)).toBe(rangesOverlap(b, a));
      }),
      { numRuns: 2000 },
    );
  });

  it('overlap ⇔ some number is in both (brute force over the small world)', () => {
    fc.assert(
      fc.property(arbRange, arbRange, (a, b) => {
        const witness = world.some((n) => member(a, n) && member(b, n));
        expect(rangesOverlap(a, b)).toBe(witness);
      }),
      { numRuns: 300 },
    );
  });

  it('a range overlaps itself, and overlapping ranges share a stem', () => {
    fc.assert(
      fc.property(arbRange, arbRange, (a, b) => {
        expect(rangesOverlap(a, a)).toBe(true);
        if (rangesOverlap(a, b)) {
          const [x, y] = [numberRangeStem(a), numberRangeStem(b)];
          expect(x.startsWith(y) || y.startsWith(x)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parse(format(range)) is the range', () => {
    const e164 = fc
      .tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 14 }))
      .map(([a, b]) => `${a}${b.join('')}`);
    fc.assert(
      fc.property(e164, fc.nat(), fc.nat(), (d, x, y) => {
        const forms: SbcNumberRange[] = [];
        if (d.length >= 7) forms.push({ kind: 'number', number: `+${d}` });
        if (d.length >= 4 && d.length < 15) forms.push({ kind: 'prefix', prefix: `+${d}` });
        const width = 1 + (x % 4);
        if (d.length + width <= 15 && d.length + width >= 7) {
          const [p, q] = [x % 10 ** width, y % 10 ** width].sort((m, n) => m - n);
          const pad = (n: number) => String(n).padStart(width, '0');
          forms.push({ kind: 'range', prefix: `+${d}`, from: pad(p!), to: pad(q!) });
        }
        for (const r of forms) expect(parseNumberRange(formatNumberRange(r))).toEqual({ ok: true, range: r });
      }),
    );
  });
});

describe('a list of ranges', () => {
  it('names the items that overlap an earlier one', () => {
    expect(overlapsWithin([ok('+4930123*'), ok('+4940123*'), ok('+49301231234')])).toEqual([
      { index: 2, other: 0 },
    ]);
  });

  it('validates the PUT body with per-item paths', () => {
    const parsed = NumberRangesUpdateSchema.safeParse({
      ranges: [{ range: '+4930123*' }, { range: '+49' }, { range: '+4930123456', description: 'HQ' }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['ranges.1.range']);
  });
});

describe('parseNumberRangesCsv', () => {
  it('accounts for every line of any text: an item, an error, a blank line or the header', () => {
    const cell = fc.oneof(
      fc.constantFrom('+4930123*', '+4930123[1000-1999]', '+49', 'range', '"a, b"', '"open', '', ' '),
      fc.string({ maxLength: 12 }),
    );
    const line = fc.array(cell, { minLength: 1, maxLength: 3 }).map((cells) => cells.join(','));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        const { items, errors } = parseNumberRangesCsv(text);
        const numbers = [...items.map((i) => i.line), ...errors.map((e) => e.line)];
        expect(new Set(numbers).size).toBe(numbers.length);
        // Left out: blank lines, and at most one header line before anything else.
        const physical = text.split(/\r\n|\n|\r/);
        const unaccounted = physical
          .map((_, i) => i + 1)
          .filter((n) => !numbers.includes(n) && physical[n - 1]!.trim() !== '');
        expect(unaccounted.length).toBeLessThanOrEqual(1);
        if (unaccounted.length === 1) expect(Math.min(...numbers)).toBeGreaterThan(unaccounted[0]!);
        // Items never overlap each other and are valid ranges.
        const parsed = items.map((i) => parseNumberRange(i.range));
        expect(parsed.every((p) => p.ok)).toBe(true);
        expect(overlapsWithin(parsed.map((p) => (p as { ok: true; range: SbcNumberRange }).range))).toEqual(
          [],
        );
      }),
    );
  });

  it('reads ranges with an optional header and description, skipping blank lines', () => {
    const csv =
      'range,description\r\n+4930123*,Berlin\n\n"+4940123[100-199]","Hamburg, 2nd floor"\n+4989123456\n';
    expect(parseNumberRangesCsv(csv)).toEqual({
      items: [
        { range: '+4930123*', description: 'Berlin', line: 2 },
        { range: '+4940123[100-199]', description: 'Hamburg, 2nd floor', line: 4 },
        { range: '+4989123456', description: null, line: 5 },
      ],
      errors: [],
    });
  });

  it('reports every bad line with its number', () => {
    const csv = '+4930123*\n004930\n+4930123[1000-1999]\n"open\n+4940123*;a;b\n+4950123*;Munich';
    const { items, errors } = parseNumberRangesCsv(csv);
    expect(items.map((i) => i.line)).toEqual([1, 6]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(errors[1]!.message).toBe('+4930123[1000-1999] overlaps +4930123* on line 1.');
    expect(errors[0]!.message).toMatch(/Start with \+/);
    // Only the first line may be a header.
    expect(parseNumberRangesCsv('range\nrange,+4930123*').errors).toEqual([
      { line: 2, message: expect.stringMatching(/Start with \+/) },
    ]);
    expect(parseNumberRangesCsv('+4930123*,ok\n+4940123*,a\u0000b\n+4950123*,\ud800').errors).toEqual([
      { line: 2, message: expect.stringMatching(/NUL/) },
      { line: 3, message: expect.stringMatching(/unpaired/) },
    ]);
  });
});
