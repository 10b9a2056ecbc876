import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** Case-insensitive "contains" on a text column, with LIKE wildcards in the needle escaped. */
export const nameContains = (column: AnyColumn, q: string | undefined): SQL | undefined => {
  if (!q) return undefined;
  const escaped = q.replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql`${column} ilike ${`%${escaped}%`}`;
};

export const offsetOf = (page: { page: number; pageSize: number }) => (page.page - 1) * page.pageSize;

/** PostgreSQL's unique_violation, from either driver, with the constraint name. */
export function uniqueViolation(error: unknown): string | null {
  let e: unknown = error;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const rec = e as { code?: unknown; constraint?: unknown; cause?: unknown; message?: unknown };
    if (rec.code === '23505') {
      if (typeof rec.constraint === 'string') return rec.constraint;
      const m = typeof rec.message === 'string' ? /constraint "([^"]+)"/.exec(rec.message) : null;
      return m?.[1] ?? '';
    }
    e = rec.cause;
  }
  return null;
}
