/**
 * Row indexes for a customer's SBC rows, so that two customers never collide: per table, the lowest free
 * indexes within the table's range for customers, skipping every index already used (rows the device holds and
 * indexes recorded for other customers). A customer's own recorded indexes are kept (a re-run or a changed
 * number of ranges writes over the same rows). Pure.
 */

export type IndexRange = { min: number; max: number };

/**
 * Where customer rows go, per table. Below `min` is left to the provider's own configuration (the carrier
 * model's base rows use the low indexes); `max` is the table's capacity - 1 (IP Groups: the Mediant VE/CE
 * 4–16 GB limit of 1,500, reference `sbc.md` §5).
 */
export const DEFAULT_INDEX_RANGES: Record<string, IndexRange> = {
  DialPlanRule: { min: 100, max: 99_999 },
  SBCAdmissionProfile: { min: 100, max: 4_999 },
  SBCAdmissionRule: { min: 100, max: 19_999 },
  IPGroup: { min: 100, max: 1_499 },
  Classification: { min: 100, max: 4_999 },
  IP2IPRouting: { min: 100, max: 19_999 },
};
const FALLBACK: IndexRange = { min: 100, max: 9_999 };

export class IndexExhaustedError extends Error {
  readonly table: string;
  constructor(table: string, range: IndexRange) {
    super(`No free ${table} index left between ${range.min} and ${range.max}.`);
    this.name = 'IndexExhaustedError';
    this.table = table;
  }
}

export type AllocationInput = {
  /** How many indexes the customer needs per table (`indexNeeds`). */
  need: Record<string, number>;
  /** Indexes taken by others, per table: the device's rows and other customers' recorded indexes. */
  used: Record<string, Iterable<number>>;
  /** The customer's own recorded indexes, kept first (they may appear in `used` too: the device holds them). */
  previous?: Record<string, number[]>;
  ranges?: Record<string, IndexRange>;
};

export const allocateIndexes = ({
  need,
  used,
  previous = {},
  ranges = DEFAULT_INDEX_RANGES,
}: AllocationInput) => {
  const result: Record<string, number[]> = {};
  for (const [table, count] of Object.entries(need)) {
    const range = ranges[table] ?? FALLBACK;
    const own = (previous[table] ?? []).filter((i) => i >= range.min && i <= range.max);
    const ownSet = new Set(own);
    const taken = new Set([...(used[table] ?? [])].filter((i) => !ownSet.has(i)));
    const chosen = own.slice(0, count);
    const inChosen = new Set(chosen);
    for (let i = range.min; chosen.length < count; i++) {
      if (i > range.max) throw new IndexExhaustedError(table, range);
      if (taken.has(i) || inChosen.has(i)) continue;
      chosen.push(i);
      inChosen.add(i);
    }
    result[table] = chosen;
  }
  return result;
};
