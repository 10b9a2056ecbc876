import type { SbcNumberRange } from './provisioner.ts';

/**
 * How a customer's number ranges become keys of the Kamailio SBC's `numbers` htable
 * (`deploy/kamailio/kamailio.cfg`, route CUSTOMER_BY_NUMBER). Pure.
 *
 * Two kinds of key, both mapping to the customer FQDN:
 * - an open prefix `+4930123`: every called number that starts with it (Trunkline's `+4930123*`);
 * - a prefix with a fixed length `+49301231|13`: the called numbers of exactly 13 characters (`+` included) that
 *   start with it. A single number is such a key with its own length; a range `+4930123[1000-1999]` becomes the
 *   fewest prefixes that cover exactly its numbers (`[1000-1999]` → `+49301231|13`; `[1234-1299]` → 7 keys).
 *
 * Kamailio tries the called number's prefixes from the longest down and takes the first key found; at one
 * length the fixed-length key wins over the open one (`lookupNumber` is the same rule, for tests).
 */

/** The fewest digit prefixes whose numbers of `from.length` digits are exactly `from`..`to` (same length). */
export function rangePrefixes(from: string, to: string): string[] {
  if (from.length !== to.length || !/^\d*$/.test(from) || !/^\d*$/.test(to) || from > to) {
    throw new RangeError(`Not a range of digit strings of one length: ${from}-${to}`);
  }
  return cover(from, to);
}

function cover(from: string, to: string): string[] {
  if (from.length === 0) return [''];
  // Every number of this width: the empty prefix.
  if (/^0*$/.test(from) && /^9*$/.test(to)) return [''];
  const [a, b] = [Number(from[0]), Number(to[0])];
  const rest = from.length - 1;
  if (a === b) return cover(from.slice(1), to.slice(1)).map((p) => `${a}${p}`);
  const low = cover(from.slice(1), '9'.repeat(rest)).map((p) => `${a}${p}`);
  const middle: string[] = [];
  for (let d = a + 1; d < b; d++) middle.push(String(d));
  const high = cover('0'.repeat(rest), to.slice(1)).map((p) => `${b}${p}`);
  return [...low, ...middle, ...high];
}

/** The `numbers` htable keys of one range. */
export function rangeKeys(range: SbcNumberRange): string[] {
  switch (range.kind) {
    case 'number':
      return [`${range.number}|${range.number.length}`];
    case 'prefix':
      return [range.prefix];
    case 'range': {
      const length = range.prefix.length + range.from.length;
      return rangePrefixes(range.from, range.to).map((p) => `${range.prefix}${p}|${length}`);
    }
  }
}

/** The keys of all of a customer's ranges, without duplicates, sorted. */
export function numberKeys(ranges: SbcNumberRange[]): string[] {
  return [...new Set(ranges.flatMap(rangeKeys))].sort();
}

/** Kamailio's lookup (route CUSTOMER_BY_NUMBER) over a key → value map: the value of the longest match. */
export function lookupNumber(table: ReadonlyMap<string, string>, called: string): string | undefined {
  for (let i = called.length; i > 1; i--) {
    const prefix = called.slice(0, i);
    const value = table.get(`${prefix}|${called.length}`) ?? table.get(prefix);
    if (value !== undefined) return value;
  }
  return undefined;
}
