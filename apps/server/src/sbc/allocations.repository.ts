import { and, eq, ne } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { sbcAllocations } from '../platform/db/schema.ts';
import type { RowRef } from './sync.ts';
import { SbcError } from './sbc-device.ts';

/**
 * Another customer's run claimed one of the indexes first (two runs raced between reading the free indexes and
 * recording them). Nothing was written to the device; allocating again picks other indexes. Transient.
 */
export class IndexTakenError extends SbcError {
  constructor(rows: RowRef[]) {
    super(
      'busy',
      `Another customer's run took ${rows.map((r) => `${r.table} ${r.index}`).join(', ')} first; allocating again.`,
    );
    this.name = 'IndexTakenError';
  }
}

/**
 * The row indexes each service holds on an SBC (`sbc_allocations`). Keyed by a service id the caller has already
 * checked (the step's run, the service layer); SBCs are the provider's.
 */
export function createSbcAllocationsRepository(db: Executor) {
  return {
    /** Indexes held on the SBC by every service but `serviceId`, per table. */
    async heldByOthers(sbcId: string, serviceId: string): Promise<Record<string, number[]>> {
      const rows = await db
        .select({ table: sbcAllocations.tableName, index: sbcAllocations.rowIndex })
        .from(sbcAllocations)
        .where(and(eq(sbcAllocations.sbcId, sbcId), ne(sbcAllocations.serviceId, serviceId)));
      const out: Record<string, number[]> = {};
      for (const r of rows) (out[r.table] ??= []).push(r.index);
      return out;
    },

    async heldBy(serviceId: string): Promise<(RowRef & { sbcId: string })[]> {
      const rows = await db
        .select({
          sbcId: sbcAllocations.sbcId,
          table: sbcAllocations.tableName,
          index: sbcAllocations.rowIndex,
        })
        .from(sbcAllocations)
        .where(eq(sbcAllocations.serviceId, serviceId));
      return rows;
    },

    /**
     * Makes the service hold exactly `rows` on the SBC (and nothing on any other SBC): drops what it no longer
     * holds, claims the new ones. An index another service holds raises IndexTakenError (the transaction rolls
     * back, so the step's checkpoint is not written either).
     */
    async hold(sbcId: string, serviceId: string, rows: RowRef[]): Promise<void> {
      const key = (r: RowRef) => `${r.table}\u0000${r.index}`;
      const want = new Map(rows.map((r) => [key(r), r]));
      const have = await this.heldBy(serviceId);
      for (const h of have)
        if (h.sbcId !== sbcId || !want.has(key(h)))
          await db
            .delete(sbcAllocations)
            .where(
              and(
                eq(sbcAllocations.sbcId, h.sbcId),
                eq(sbcAllocations.tableName, h.table),
                eq(sbcAllocations.rowIndex, h.index),
                eq(sbcAllocations.serviceId, serviceId),
              ),
            );
      const mine = new Set(have.filter((h) => h.sbcId === sbcId).map(key));
      const claim = [...want.values()].filter((r) => !mine.has(key(r)));
      if (claim.length === 0) return;
      const inserted = await db
        .insert(sbcAllocations)
        .values(claim.map((r) => ({ sbcId, serviceId, tableName: r.table, rowIndex: r.index })))
        .onConflictDoNothing()
        .returning({ table: sbcAllocations.tableName, index: sbcAllocations.rowIndex });
      if (inserted.length < claim.length) {
        const got = new Set(inserted.map(key));
        throw new IndexTakenError(claim.filter((r) => !got.has(key(r))));
      }
    },

    /** The service holds nothing any more (its rows were removed from the SBC). */
    async release(serviceId: string): Promise<void> {
      await db.delete(sbcAllocations).where(eq(sbcAllocations.serviceId, serviceId));
    },
  };
}
export type SbcAllocationsRepository = ReturnType<typeof createSbcAllocationsRepository>;
