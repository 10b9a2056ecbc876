import { desc, eq } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { dataKeys } from '../platform/db/schema.ts';

export type DataKeyRow = { id: string; wrappedKey: string; masterKeyId: string; active: boolean };

/** The vault's wrapped data keys. Not scoped: they protect every tenant's secrets alike. */
export function createDataKeysRepository(db: Executor) {
  return {
    async active(): Promise<DataKeyRow | null> {
      const [row] = await db
        .select()
        .from(dataKeys)
        .where(eq(dataKeys.active, true))
        .orderBy(desc(dataKeys.createdAt))
        .limit(1);
      return row ?? null;
    },
    async get(id: string): Promise<DataKeyRow | null> {
      const [row] = await db.select().from(dataKeys).where(eq(dataKeys.id, id));
      return row ?? null;
    },
    async all(): Promise<DataKeyRow[]> {
      return db.select().from(dataKeys).for('update');
    },
    async insert(row: { id: string; wrappedKey: string; masterKeyId: string }): Promise<void> {
      await db.insert(dataKeys).values(row);
    },
    async rewrap(id: string, wrappedKey: string, masterKeyId: string): Promise<void> {
      await db.update(dataKeys).set({ wrappedKey, masterKeyId }).where(eq(dataKeys.id, id));
    },
  };
}
export type DataKeysRepository = ReturnType<typeof createDataKeysRepository>;
