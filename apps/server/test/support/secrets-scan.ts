import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { queryRows, type Database } from '../../src/platform/db/database.ts';

/**
 * Every row of every table the product writes (application, pg-boss jobs, Drizzle migrations) as one string:
 * what a database dump or a stolen backup would show.
 */
export async function dumpEveryTable(db: Database): Promise<string> {
  const tables = await queryRows<{ s: string; t: string }>(
    db,
    sql`select table_schema as s, table_name as t from information_schema.tables where table_schema in ('public', 'pgboss', 'drizzle') and table_type = 'BASE TABLE'`,
  );
  expect(tables.length).toBeGreaterThan(10);
  let dump = '';
  for (const { s, t } of tables)
    dump += JSON.stringify(await queryRows(db, sql.raw(`select * from "${s}"."${t}"`)));
  return dump;
}

/** A named secret and the plaintext forms it could take (hashes and sealed `tlv1.` values are not among them). */
export type Secret = { kind: string; forms: string[] };

/** Fails naming the secret kind (never the value) if any form of any secret is in `text`. */
export function expectNoSecretIn(text: string, where: string, secrets: Secret[]) {
  for (const { kind, forms } of secrets)
    for (const form of forms) {
      expect(form.length, `${kind}: a form too short to search for`).toBeGreaterThanOrEqual(8);
      expect(text.includes(form), `${kind} (${form.length} characters) found in ${where}`).toBe(false);
    }
}
