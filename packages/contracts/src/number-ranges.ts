import { z } from 'zod';
import { isSafeText } from './common.ts';

/**
 * A service's number ranges: the customer's PSTN numbers, so that an inbound call finds its tenant on the SBC.
 *
 * Three forms, written and read here for the API, the CSV import, the web form and the SBC adapters alike:
 *
 * - a single E.164 number: `+4930123456`;
 * - a prefix, written with a trailing `*`: `+4930123*` covers every number that starts with +4930123 (the prefix
 *   itself included), up to E.164's 15 digits. The `*` is Trunkline's notation only, so that a prefix cannot be
 *   mistaken for a single number; an AudioCodes dial-plan row writes the prefix bare (a dial-plan prefix already
 *   matches every number that starts with it), Kamailio matches it as a prefix of the called number;
 * - a range in AudioCodes dial-plan notation: `+4930123[1000-1999]` covers the numbers +49301231000 to
 *   +49301231999, i.e. exactly the numbers of that length whose last digits lie between the bounds. Both bounds
 *   have the same number of digits, and `from` ≤ `to`.
 *
 * E.164: a `+`, then the country code (its first digit is never 0), at most 15 digits in all. Spaces are ignored
 * when parsing (`+49 30 123456`); the normalised form has none.
 *
 * Set semantics (`rangesOverlap`, `rangeContains`) are exact: a number covers itself, a prefix every number
 * starting with it, a range the numbers of exactly its length between its bounds.
 */

/** One number range of a customer, normalised: E.164 digits with `+`. (The SBC port uses this shape.) */
export type SbcNumberRange =
  | { kind: 'number'; number: string }
  | { kind: 'prefix'; prefix: string }
  /** `+4930123[1000-1999]`: `prefix` then `from`..`to`, both of the same length. */
  | { kind: 'range'; prefix: string; from: string; to: string };

export const NumberRangeKinds = ['number', 'prefix', 'range'] as const;
export type NumberRangeKind = (typeof NumberRangeKinds)[number];

/** E.164: at most 15 digits after the `+`. */
export const E164_MAX_DIGITS = 15;
/** A single number has at least this many digits (the shortest national plans, e.g. +290 1234). */
export const NUMBER_MIN_DIGITS = 7;
/** A prefix has at least the country code and some digits after it, so nobody claims a whole country. */
export const PREFIX_MIN_DIGITS = 4;
/** At most this many ranges per service. */
export const NUMBER_RANGES_MAX = 1000;
/** The longest text accepted for one range, as entered (spaces included). */
export const NUMBER_RANGE_TEXT_MAX = 64;
export const NUMBER_RANGE_DESCRIPTION_MAX = 200;
/** The CSV import: at most this many bytes. */
export const NUMBER_RANGES_CSV_MAX_BYTES = 256 * 1024;

const EXAMPLES = 'e.g. +4930123456, +4930123* or +4930123[1000-1999]';

export type ParsedNumberRange = { ok: true; range: SbcNumberRange } | { ok: false; message: string };

/** Parses one range as a person writes it; the message of a failure is a sentence to show them. */
export function parseNumberRange(input: string): ParsedNumberRange {
  const fail = (message: string): ParsedNumberRange => ({ ok: false, message });
  const text = input.replace(/\s+/g, '');
  if (text === '') return fail(`Enter a number, a prefix or a range (${EXAMPLES}).`);
  if (!text.startsWith('+'))
    return fail(`Start with + and the country code (E.164), ${EXAMPLES}. A leading 00 is written as +.`);
  const body = text.slice(1);
  const digitProblem = (digits: string, what: string): string | null => {
    if (!/^\d+$/.test(digits)) return `${what} may contain only digits after the + (${EXAMPLES}).`;
    if (digits.startsWith('0')) return 'The country code after the + never starts with 0.';
    return null;
  };

  const range = /^(\d*)\[(\d*)-(\d*)\]$/.exec(body);
  if (body.includes('[') || body.includes(']')) {
    if (!range)
      return fail(
        `Write a range as the leading digits, then [from-to] with digits only: +4930123[1000-1999].`,
      );
    const [, prefix = '', from = '', to = ''] = range;
    if (prefix === '') return fail('A range needs the country code and leading digits before the [.');
    const problem = digitProblem(prefix, 'A range');
    if (problem) return fail(problem);
    if (from === '' || to === '') return fail('Both bounds of a range need digits: [1000-1999].');
    if (from.length !== to.length)
      return fail(
        `Both bounds of a range have the same number of digits (${from} has ${from.length}, ${to} has ${to.length}).`,
      );
    if (from > to) return fail(`The first bound (${from}) is greater than the second (${to}).`);
    const total = prefix.length + from.length;
    if (total > E164_MAX_DIGITS)
      return fail(`The numbers of this range have ${total} digits; E.164 allows at most ${E164_MAX_DIGITS}.`);
    if (total < NUMBER_MIN_DIGITS)
      return fail(
        `The numbers of this range have ${total} digits; a number has at least ${NUMBER_MIN_DIGITS}.`,
      );
    return { ok: true, range: { kind: 'range', prefix: `+${prefix}`, from, to } };
  }

  if (body.endsWith('*')) {
    const prefix = body.slice(0, -1);
    const problem = digitProblem(prefix, 'A prefix');
    if (problem)
      return fail(prefix === '' ? 'A prefix needs the country code and some digits before the *.' : problem);
    if (prefix.length < PREFIX_MIN_DIGITS)
      return fail(
        `A prefix needs at least ${PREFIX_MIN_DIGITS} digits (the country code and more), not a whole country.`,
      );
    if (prefix.length >= E164_MAX_DIGITS)
      return fail(`A prefix has fewer than ${E164_MAX_DIGITS} digits; write a full number without the *.`);
    return { ok: true, range: { kind: 'prefix', prefix: `+${prefix}` } };
  }

  const problem = digitProblem(body, 'A number');
  if (problem)
    return fail(/[x*]/i.test(body) ? `A prefix ends with a single *, after the digits: +4930123*.` : problem);
  if (body.length > E164_MAX_DIGITS)
    return fail(`The number has ${body.length} digits; E.164 allows at most ${E164_MAX_DIGITS}.`);
  if (body.length < NUMBER_MIN_DIGITS)
    return fail(
      `The number has ${body.length} digits; a full E.164 number has at least ${NUMBER_MIN_DIGITS}. For a prefix add a *.`,
    );
  return { ok: true, range: { kind: 'number', number: `+${body}` } };
}

/** The canonical text of a range: `+4930123456`, `+4930123*`, `+4930123[1000-1999]`. */
export function formatNumberRange(range: SbcNumberRange): string {
  switch (range.kind) {
    case 'number':
      return range.number;
    case 'prefix':
      return `${range.prefix}*`;
    case 'range':
      return `${range.prefix}[${range.from}-${range.to}]`;
  }
}

/**
 * The digits every number of the range starts with (without `+`): the number, the prefix, or a range's prefix
 * followed by the digits its bounds share. Two ranges can overlap only if one's stem starts the other's; the
 * database indexes it for the overlap lookup.
 */
export function numberRangeStem(range: SbcNumberRange): string {
  if (range.kind === 'number') return range.number.slice(1);
  if (range.kind === 'prefix') return range.prefix.slice(1);
  let common = 0;
  while (common < range.from.length && range.from[common] === range.to[common]) common++;
  return range.prefix.slice(1) + range.from.slice(0, common);
}

/**
 * The numbers of one length a range covers, as an interval of digit strings (without `+`; equal-length digit
 * strings compare as numbers), or null when it covers none of that length.
 */
function intervalAt(range: SbcNumberRange, length: number): [string, string] | null {
  switch (range.kind) {
    case 'number': {
      const digits = range.number.slice(1);
      return digits.length === length ? [digits, digits] : null;
    }
    case 'prefix': {
      const digits = range.prefix.slice(1);
      if (length < digits.length || length > E164_MAX_DIGITS) return null;
      const rest = length - digits.length;
      return [digits + '0'.repeat(rest), digits + '9'.repeat(rest)];
    }
    case 'range': {
      const digits = range.prefix.slice(1);
      if (digits.length + range.from.length !== length) return null;
      return [digits + range.from, digits + range.to];
    }
  }
}

/** Whether some number is covered by both ranges. Symmetric. */
export function rangesOverlap(a: SbcNumberRange, b: SbcNumberRange): boolean {
  for (let length = 1; length <= E164_MAX_DIGITS; length++) {
    const x = intervalAt(a, length);
    const y = intervalAt(b, length);
    if (x && y && x[0] <= y[1] && y[0] <= x[1]) return true;
  }
  return false;
}

/** Whether the range covers the number (`+` and digits; anything else is covered by no range). */
export function rangeContains(range: SbcNumberRange, number: string): boolean {
  const m = /^\+(\d{1,15})$/.exec(number.replace(/\s+/g, ''));
  if (!m) return false;
  const digits = m[1]!;
  const interval = intervalAt(range, digits.length);
  return interval !== null && interval[0] <= digits && digits <= interval[1];
}

/** How many numbers a range covers; a prefix covers numbers of several lengths: null. */
export function numberRangeSize(range: SbcNumberRange): number | null {
  if (range.kind === 'number') return 1;
  if (range.kind === 'prefix') return null;
  return Number(range.to) - Number(range.from) + 1;
}

/** Every pair of items of one list that overlap, each later item with the first earlier one it overlaps. */
export function overlapsWithin(ranges: readonly SbcNumberRange[]): { index: number; other: number }[] {
  const found: { index: number; other: number }[] = [];
  for (let i = 0; i < ranges.length; i++)
    for (let j = 0; j < i; j++)
      if (rangesOverlap(ranges[j]!, ranges[i]!)) {
        found.push({ index: i, other: j });
        break;
      }
  return found;
}

/** A zod string that must be a number range (messages from `parseNumberRange`). */
export const NumberRangeTextSchema = z
  .string()
  .max(NUMBER_RANGE_TEXT_MAX, `At most ${NUMBER_RANGE_TEXT_MAX} characters.`)
  .superRefine((value, ctx) => {
    const parsed = parseNumberRange(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
  });

/** One range as entered: the text and an optional description (e.g. "Berlin office"). */
export const NumberRangeInputSchema = z.object({
  range: NumberRangeTextSchema,
  description: z
    .string()
    .trim()
    .max(NUMBER_RANGE_DESCRIPTION_MAX, `At most ${NUMBER_RANGE_DESCRIPTION_MAX} characters.`)
    .nullable()
    .optional(),
});
export type NumberRangeInput = z.infer<typeof NumberRangeInputSchema>;

/** `PUT /services/{id}/number-ranges`: the whole list, in order; it replaces what is stored. */
export const NumberRangesUpdateSchema = z.object({
  ranges: z
    .array(NumberRangeInputSchema)
    .max(NUMBER_RANGES_MAX, `At most ${NUMBER_RANGES_MAX} ranges per service.`),
});
export type NumberRangesUpdate = z.infer<typeof NumberRangesUpdateSchema>;

export const NumberRangeSchema = z.object({
  id: z.uuid(),
  position: z.number().int(),
  kind: z.enum(NumberRangeKinds),
  /** The canonical text (`formatNumberRange`). */
  range: z.string(),
  /** The text as it was entered. */
  entered: z.string(),
  description: z.string().nullable(),
  /** Numbers covered; null for a prefix. */
  size: z.number().int().nullable(),
  createdAt: z.iso.datetime(),
});
export type NumberRange = z.infer<typeof NumberRangeSchema>;

export const NumberRangeListSchema = z.object({ items: z.array(NumberRangeSchema) });
export type NumberRangeList = z.infer<typeof NumberRangeListSchema>;

/** The answer to a change: the list as stored now and what changed (canonical texts). */
export const NumberRangesChangedSchema = NumberRangeListSchema.extend({
  added: z.array(z.string()),
  removed: z.array(z.string()),
});
export type NumberRangesChanged = z.infer<typeof NumberRangesChangedSchema>;

/** The CSV import's body: text (`text/csv`, or the same text as a JSON string). */
export const NumberRangesCsvSchema = z
  .string()
  .max(NUMBER_RANGES_CSV_MAX_BYTES, `The file is larger than ${NUMBER_RANGES_CSV_MAX_BYTES / 1024} KiB.`);

export type CsvLineError = { line: number; message: string };
export type ParsedNumberRangesCsv = {
  /** The ranges, each with the line it came from (1-based). */
  items: (NumberRangeInput & { line: number })[];
  errors: CsvLineError[];
};

/** Splits one CSV line into cells (RFC 4180 quotes: `"a, b"`, `""` for a quote); null when a quote is open. */
function csvCells(line: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  if (quoted) return null;
  cells.push(cell);
  return cells.map((x) => x.trim());
}

const HEADER = /^(range|ranges|number|numbers|number range|number ranges|prefix)$/i;

/**
 * Reads the CSV import: one range per line, optionally a description in a second column (`,` or `;`
 * separated, RFC 4180 quotes), an optional header line (`range,description`), blank lines skipped. Every bad line
 * is reported with its number; overlaps between lines are reported on the later line, naming the earlier one.
 */
export function parseNumberRangesCsv(text: string): ParsedNumberRangesCsv {
  const items: ParsedNumberRangesCsv['items'] = [];
  const ranges: SbcNumberRange[] = [];
  const errors: CsvLineError[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  /** Only the first line that is not blank may be the header. */
  let seenLine = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const firstLine = !seenLine;
    seenLine = true;
    // What PostgreSQL would refuse to store, e.g. in a description.
    if (!isSafeText(raw))
      return errors.push({
        line,
        message: 'The line holds a NUL character or a broken (unpaired) character.',
      });
    const cells = csvCells(raw);
    if (!cells) return errors.push({ line, message: 'A quote (") is not closed on this line.' });
    const [first = '', description = '', ...extra] = cells;
    if (firstLine && HEADER.test(first)) return;
    if (extra.some((x) => x !== ''))
      return errors.push({ line, message: 'Expected at most two columns: the range and a description.' });
    if (first.length > NUMBER_RANGE_TEXT_MAX)
      return errors.push({ line, message: `The range is longer than ${NUMBER_RANGE_TEXT_MAX} characters.` });
    if (description.length > NUMBER_RANGE_DESCRIPTION_MAX)
      return errors.push({
        line,
        message: `The description is longer than ${NUMBER_RANGE_DESCRIPTION_MAX} characters.`,
      });
    const parsed = parseNumberRange(first);
    if (!parsed.ok) return errors.push({ line, message: parsed.message });
    const earlier = ranges.findIndex((r) => rangesOverlap(r, parsed.range));
    if (earlier >= 0)
      return errors.push({
        line,
        message: `${formatNumberRange(parsed.range)} overlaps ${formatNumberRange(ranges[earlier]!)} on line ${items[earlier]!.line}.`,
      });
    ranges.push(parsed.range);
    items.push({ range: first, description: description === '' ? null : description, line });
  });
  if (items.length > NUMBER_RANGES_MAX)
    errors.push({
      line: items[NUMBER_RANGES_MAX]!.line,
      message: `At most ${NUMBER_RANGES_MAX} ranges per service; the file has ${items.length}.`,
    });
  return { items, errors };
}
