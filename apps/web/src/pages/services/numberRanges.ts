import {
  formatNumberRange,
  parseNumberRange,
  parseNumberRangesCsv,
  rangesOverlap,
  type CsvLineError,
  type NumberRange,
  type NumberRangesUpdate,
  type SbcNumberRange,
} from '@trunkline/contracts';

/** One row of the panel's editable table. */
export type RangeRow = { key: string; range: string; description: string };

let next = 0;
export const newRow = (range = '', description = ''): RangeRow => ({
  key: `row-${next++}`,
  range,
  description,
});
/** The stored list as rows, keyed by the ranges' ids (stable across refreshes). */
export const rowsOf = (items: NumberRange[]): RangeRow[] =>
  items.map((i) => ({ key: i.id, range: i.entered, description: i.description ?? '' }));

/** A row with neither a range nor a description is left out (an added row not filled in yet). */
const blank = (row: RangeRow) => row.range.trim() === '' && row.description.trim() === '';

/**
 * The PUT body of the rows, and for each item of it the row it came from (the server's `ranges.N.range` errors
 * are about item N).
 */
export function bodyOf(rows: RangeRow[]): { body: NumberRangesUpdate; rowOf: number[] } {
  const rowOf: number[] = [];
  const ranges: NumberRangesUpdate['ranges'] = [];
  rows.forEach((row, i) => {
    if (blank(row)) return;
    rowOf.push(i);
    ranges.push({ range: row.range, description: row.description.trim() || null });
  });
  return { body: { ranges }, rowOf };
}

/**
 * What is wrong with each row, by row index, as the server would say it: the notation (contracts' parser) and an
 * overlap with an earlier row (named by its number in the table and its canonical text).
 */
export function rowProblems(rows: RangeRow[]): Record<number, string> {
  const problems: Record<number, string> = {};
  const seen: { row: number; range: SbcNumberRange }[] = [];
  rows.forEach((row, i) => {
    if (blank(row)) return;
    const parsed = parseNumberRange(row.range);
    if (!parsed.ok) {
      problems[i] = parsed.message;
      return;
    }
    const earlier = seen.find((s) => rangesOverlap(s.range, parsed.range));
    if (earlier)
      problems[i] =
        `${formatNumberRange(parsed.range)} overlaps ${formatNumberRange(earlier.range)} (row ${earlier.row + 1}).`;
    seen.push({ row: i, range: parsed.range });
  });
  return problems;
}

/** The server's per-item errors (`ranges.3.range`) by row index; the rest stays for the panel's alert. */
export function serverRowErrors(
  fieldErrors: Record<string, string>,
  rowOf: number[],
): { byRow: Record<number, string>; other: string[] } {
  const byRow: Record<number, string> = {};
  const other: string[] = [];
  for (const [path, message] of Object.entries(fieldErrors)) {
    const m = /^ranges\.(\d+)(?:\.range)?$/.exec(path);
    const row = m ? rowOf[Number(m[1])] : undefined;
    if (row === undefined) other.push(message);
    else byRow[row] ??= message;
  }
  return { byRow, other };
}

/** The import's per-line errors (`lines.7`) in line order; errors about the whole file have no line. */
export function lineErrors(fieldErrors: Record<string, string>): { line: number | null; message: string }[] {
  return Object.entries(fieldErrors)
    .map(([path, message]) => {
      const m = /^lines\.(\d+)$/.exec(path);
      return { line: m ? Number(m[1]) : null, message };
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/**
 * What the CSV import would do, before anything is sent: the ranges it adds and every line to correct (the
 * notation, an overlap with an earlier line, an overlap with a range already in the list), in line order.
 * Null for an empty text.
 */
export function importPreview(
  text: string,
  stored: Pick<NumberRange, 'range'>[],
): { items: number; errors: CsvLineError[] } | null {
  if (text.trim() === '') return null;
  const parsed = parseNumberRangesCsv(text);
  const kept = stored.flatMap((s) => {
    const p = parseNumberRange(s.range);
    return p.ok ? [p.range] : [];
  });
  const errors = [...parsed.errors];
  for (const item of parsed.items) {
    const range = parseNumberRange(item.range);
    if (!range.ok) continue;
    const hit = kept.find((k) => rangesOverlap(k, range.range));
    if (hit)
      errors.push({
        line: item.line,
        message: `${formatNumberRange(range.range)} overlaps ${formatNumberRange(hit)} (already in the list).`,
      });
  }
  return { items: parsed.items.length, errors: errors.sort((a, b) => a.line - b.line) };
}
