import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateIndexes, DEFAULT_INDEX_RANGES, IndexExhaustedError } from '../../src/sbc/allocation.ts';

describe('allocateIndexes', () => {
  it('takes the lowest free indexes of the table range, skipping used ones', () => {
    expect(
      allocateIndexes({ need: { DialPlanRule: 3, IPGroup: 1 }, used: { DialPlanRule: [100, 102, 7] } }),
    ).toEqual({
      DialPlanRule: [101, 103, 104],
      IPGroup: [100],
    });
  });

  it("keeps the customer's recorded indexes, even though the device holds them", () => {
    const previous = { DialPlanRule: [105, 101] };
    expect(
      allocateIndexes({ need: { DialPlanRule: 3 }, used: { DialPlanRule: [100, 101, 105] }, previous }),
    ).toEqual({
      DialPlanRule: [105, 101, 102],
    });
    // Fewer ranges than before: the first recorded ones stay.
    expect(allocateIndexes({ need: { DialPlanRule: 1 }, used: {}, previous })).toEqual({
      DialPlanRule: [105],
    });
  });

  it('says which table is full', () => {
    const ranges = { IPGroup: { min: 0, max: 2 } };
    expect(() => allocateIndexes({ need: { IPGroup: 2 }, used: { IPGroup: [0, 2] }, ranges })).toThrow(
      IndexExhaustedError,
    );
    expect(() => allocateIndexes({ need: { IPGroup: 2 }, used: { IPGroup: [0, 2] }, ranges })).toThrow(
      'No free IPGroup index left between 0 and 2.',
    );
  });

  it('never gives two of 50 customers the same index, and is stable on re-allocation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ranges: fc.integer({ min: 1, max: 8 }), ipGroup: fc.boolean() }), {
          minLength: 50,
          maxLength: 50,
        }),
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 40 }),
        (customers, deviceRows) => {
          const used: Record<string, number[]> = {
            DialPlanRule: [...deviceRows],
            IPGroup: [...deviceRows],
            IP2IPRouting: [...deviceRows],
          };
          const given: Record<string, number[]>[] = [];
          for (const c of customers) {
            const need: Record<string, number> = c.ipGroup
              ? { IPGroup: 1, IP2IPRouting: c.ranges + 1 }
              : { DialPlanRule: c.ranges };
            const got = allocateIndexes({ need, used });
            for (const [t, list] of Object.entries(got)) (used[t] ??= []).push(...list);
            given.push(got);
          }
          for (const table of Object.keys(used)) {
            const all = given.flatMap((g) => g[table] ?? []);
            expect(new Set(all).size).toBe(all.length);
            for (const i of all) {
              expect(deviceRows).not.toContain(i);
              expect(i).toBeGreaterThanOrEqual(DEFAULT_INDEX_RANGES[table]!.min);
            }
          }
          // Re-running customer 0 with everything recorded gives it the same indexes.
          const first = given[0]!;
          const need = Object.fromEntries(Object.entries(first).map(([t, l]) => [t, l.length]));
          expect(allocateIndexes({ need, used, previous: first })).toEqual(first);
        },
      ),
    );
  });
});
