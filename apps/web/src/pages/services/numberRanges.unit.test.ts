import { describe, expect, it } from 'vitest';
import { NumberRangesUpdateSchema } from '@trunkline/contracts';
import { bodyOf, importPreview, lineErrors, newRow, rowProblems, serverRowErrors } from './numberRanges.ts';

describe('the number ranges panel', () => {
  const rows = [
    newRow('+4930123[1000-1999]', 'Berlin'),
    newRow('', ''),
    newRow('+4930123456'),
    newRow('004940'),
    newRow('+49301231500'),
  ];

  it('leaves blank rows out of the body and keeps which row each item came from', () => {
    const { body, rowOf } = bodyOf(rows);
    expect(body.ranges.map((r) => r.range)).toEqual([
      '+4930123[1000-1999]',
      '+4930123456',
      '004940',
      '+49301231500',
    ]);
    expect(body.ranges[0]!.description).toBe('Berlin');
    expect(body.ranges[1]!.description).toBeNull();
    expect(rowOf).toEqual([0, 2, 3, 4]);
    // The same schema as the server's: the bad item is item 2 of the body, which is row 3.
    const parsed = NumberRangesUpdateSchema.safeParse(body);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['ranges.2.range']);
  });

  it('says per row what the server would: notation, and overlap with an earlier row', () => {
    expect(rowProblems(rows)).toEqual({
      3: expect.stringMatching(/Start with \+ and the country code/),
      4: '+49301231500 overlaps +4930123[1000-1999] (row 1).',
    });
  });

  it("puts the server's item errors beside their rows", () => {
    const { rowOf } = bodyOf(rows);
    expect(
      serverRowErrors(
        { 'ranges.1.range': 'Taken by Contoso.', 'ranges.9.range': 'Lost.', ranges: 'Too many.' },
        rowOf,
      ),
    ).toEqual({ byRow: { 2: 'Taken by Contoso.' }, other: ['Lost.', 'Too many.'] });
  });

  it('previews an import: every line to correct, also overlaps with the stored list', () => {
    expect(importPreview('  \n', [])).toBeNull();
    const preview = importPreview('range,description\n+4940555*,HH\n+4930123[1500-1599]\n+49\n', [
      { range: '+4930123[1000-1999]' },
    ]);
    expect(preview).toEqual({
      items: 2,
      errors: [
        { line: 3, message: '+4930123[1500-1599] overlaps +4930123[1000-1999] (already in the list).' },
        { line: 4, message: expect.stringMatching(/at least 7/) },
      ],
    });
    expect(importPreview('+4940555*\n+4940556*', [])).toEqual({ items: 2, errors: [] });
  });

  it("orders the server's line errors", () => {
    expect(lineErrors({ 'lines.12': 'b', lines: 'whole file', 'lines.3': 'a' })).toEqual([
      { line: null, message: 'whole file' },
      { line: 3, message: 'a' },
      { line: 12, message: 'b' },
    ]);
  });
});
