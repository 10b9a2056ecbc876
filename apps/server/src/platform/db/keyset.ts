import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { queryRows, type Executor } from './database.ts';

/**
 * Keyset pagination and cheap counts for lists that grow.
 *
 * A cursor names the last row of a page by its sort value (as the database's own text, so a timestamp keeps its
 * microseconds) and id, for one sort and order; the next page is the rows after that pair in the index's order,
 * so page 1,000 costs what page 1 costs. It is opaque to clients (base64url JSON).
 */
export type Keyset = { value: string | null; id: string };

export const encodeCursor = (sort: string, order: string, at: Keyset): string =>
  Buffer.from(JSON.stringify([sort, order, at.value, at.id])).toString('base64url');

/** The position a cursor names, or null when it is not a cursor of this sort and order. */
export function decodeCursor(cursor: string, sort: string, order: string): Keyset | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 4) return null;
    const [s, o, value, id] = parsed as unknown[];
    if (s !== sort || o !== order || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return null;
    if (value !== null && typeof value !== 'string') return null;
    return { value, id };
  } catch {
    return null;
  }
}

/**
 * Rows after `at` in `order` of (`expr`, `id`), with `expr` compared as `type`. Nulls (a sort value that may be
 * absent) are not supported: the sorted columns are not null.
 */
export const after = (
  expr: SQLWrapper,
  id: SQLWrapper,
  type: string,
  order: 'asc' | 'desc',
  at: Keyset,
): SQL =>
  order === 'asc'
    ? sql`(${expr}, ${id}) > (${at.value}::${sql.raw(type)}, ${at.id}::uuid)`
    : sql`(${expr}, ${id}) < (${at.value}::${sql.raw(type)}, ${at.id}::uuid)`;

/** Counts up to this many matches exactly; beyond it the planner's estimate is answered (and said to be one). */
export const EXACT_COUNT_LIMIT = 10_000;

/**
 * The number of rows `matching` (a select of the rows to count) returns: exact up to `EXACT_COUNT_LIMIT` (a count
 * that stops there, so it never costs more than that many rows), otherwise the planner's estimate for the query.
 */
export async function cheapCount(db: Executor, matching: SQL): Promise<{ total: number; estimate: boolean }> {
  const [bounded] = await queryRows<{ n: number | string }>(
    db,
    sql`select count(*)::int as n from (${matching} limit ${EXACT_COUNT_LIMIT + 1}) as bounded`,
  );
  const n = Number(bounded?.n ?? 0);
  if (n <= EXACT_COUNT_LIMIT) return { total: n, estimate: false };
  const [plan] = await queryRows<Record<string, unknown>>(db, sql`explain (format json) ${matching}`);
  const raw = plan ? Object.values(plan)[0] : undefined;
  const json = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan?: { 'Plan Rows'?: number } }[];
  const estimated = Math.round(json?.[0]?.Plan?.['Plan Rows'] ?? 0);
  return { total: Math.max(EXACT_COUNT_LIMIT + 1, estimated), estimate: true };
}
