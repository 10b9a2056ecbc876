import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, PGLITE_SETTINGS, queryRows } from '../src/platform/db/database.ts';

/** The embedded database runs with the memory settings given at open (docs/BENCHMARKS.md "Memory"). */
describe('PGlite settings', () => {
  it('opens a new and an existing directory with the smaller buffers, and keeps the data', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-pglite-settings-'));
    try {
      for (const round of [1, 2]) {
        const handle = await openDatabase({ kind: 'pglite', dir });
        try {
          const settings = await queryRows<{ name: string; setting: string; unit: string | null }>(
            handle.db,
            sql`select name, setting, unit from pg_settings
                where name in ('shared_buffers', 'temp_buffers', 'maintenance_work_mem', 'work_mem')`,
          );
          const kb = Object.fromEntries(
            settings.map((s) => [s.name, Number(s.setting) * (s.unit === '8kB' ? 8 : 1)]),
          );
          expect(PGLITE_SETTINGS).toContain('shared_buffers=32MB');
          expect(kb).toEqual({
            shared_buffers: 32 * 1024,
            temp_buffers: 2 * 1024,
            maintenance_work_mem: 16 * 1024,
            work_mem: 4 * 1024,
          });
          if (round === 1) {
            await handle.db.execute(sql`create table kept (v int)`);
            await handle.db.execute(sql`insert into kept values (7)`);
          } else expect(await queryRows(handle.db, sql`select v from kept`)).toEqual([{ v: 7 }]);
        } finally {
          await handle.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000); // two starts of PGlite (the first one creates the cluster): tens of seconds on a loaded machine
});
