import { z } from 'zod';

export const IdSchema = z.uuid({ error: 'Must be an identifier (UUID).' });
export const IdParamsSchema = z.object({ id: IdSchema });

export const TimestampSchema = z.iso.datetime({ offset: true });

/** Trimmed, non-empty display name. */
export const nameField = (max = 200) =>
  z
    .string({ error: 'Required.' })
    .trim()
    .min(1, { error: 'Required.' })
    .max(max, { error: `At most ${max} characters.` });

export const ListQuerySchema = z.object({
  page: z.coerce.number({ error: 'Must be a whole number.' }).int().min(1).default(1),
  pageSize: z.coerce.number({ error: 'Must be a whole number.' }).int().min(1).max(200).default(50),
  q: z.string().trim().max(200).optional(),
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
