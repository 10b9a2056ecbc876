import { z } from 'zod';

/**
 * The one text rule: no NUL characters (PostgreSQL cannot store them in text) and no unpaired UTF-16
 * surrogates (not Unicode; they cannot be encoded as UTF-8). Every string that reaches the server is held to
 * it: the string schemas below (`text`, `nameField`) check it where they are used, and the server walks every
 * body, query string and path parameter with `unsafeTextPaths` before any route schema runs.
 */
export function isSafeText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

export const UNSAFE_TEXT_MESSAGE = 'Must not contain NUL characters or unpaired surrogates.';

/** A key as it may appear in a field path: unsafe keys are written with JSON escapes (`k\u0000`). */
const pathKey = (key: string) => (isSafeText(key) ? key : JSON.stringify(key).slice(1, -1));

/**
 * The dotted paths (as in a problem's `errors[].path`, e.g. `adminAuth.email`, `items.0`) of every string or
 * object key in a parsed JSON value that breaks the text rule; `[]` when there is none.
 */
export function unsafeTextPaths(value: unknown, path: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') return isSafeText(value) ? [] : [path.join('.')];
  if (value === null || typeof value !== 'object' || depth > 64) return [];
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  return entries.flatMap(([key, v]) => {
    const here = [...path, pathKey(key)];
    return [...(isSafeText(key) ? [] : [here.join('.')]), ...unsafeTextPaths(v, here, depth + 1)];
  });
}

/** A string held to the text rule: the base for free-text fields. */
export const text = () => z.string().refine(isSafeText, { error: UNSAFE_TEXT_MESSAGE });

export const IdSchema = z.uuid({ error: 'Must be an identifier (UUID).' });
export const IdParamsSchema = z.object({ id: IdSchema });

export const TimestampSchema = z.iso.datetime({ offset: true });

/** Trimmed, non-empty display name. */
export const nameField = (max = 200) =>
  z
    .string({ error: 'Required.' })
    .refine(isSafeText, { error: UNSAFE_TEXT_MESSAGE })
    .trim()
    .min(1, { error: 'Required.' })
    .max(max, { error: `At most ${max} characters.` });

export const ListQuerySchema = z.object({
  page: z.coerce.number({ error: 'Must be a whole number.' }).int().min(1).default(1),
  pageSize: z.coerce.number({ error: 'Must be a whole number.' }).int().min(1).max(200).default(50),
  q: text().trim().max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
  });
export type Page<T> = { items: T[]; page: number; pageSize: number; total: number };
