import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, queryRows, type DatabaseHandle } from '../src/platform/db/database.ts';
import { createTestDatabase } from './support/database.ts';

describe('migrations', () => {
  let db: { handle: DatabaseHandle; drop(): Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('apply once, and a second run is a no-op', async () => {
    await migrateDatabase(db.handle);
    const count = async () => {
      const [row] = await queryRows<{ n: number }>(
        db.handle.db,
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      return row!.n;
    };
    const first = await count();
    expect(first).toBeGreaterThan(0);
    await migrateDatabase(db.handle);
    expect(await count()).toBe(first);
    const tables = await queryRows<{ table_name: string }>(
      db.handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'api_tokens',
        'audit_events',
        'channels',
        'customers',
        'login_failures',
        'sessions',
        'users',
      ]),
    );
  });
});
