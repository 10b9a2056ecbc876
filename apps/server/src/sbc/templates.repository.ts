import { asc, count, eq, sql } from 'drizzle-orm';
import type { SbcModelName } from '@trunkline/contracts';
import type { Executor } from '../platform/db/database.ts';
import { takenAs } from '../platform/errors.ts';
import { sbcTemplates } from '../platform/db/schema.ts';
import { DEFAULT_TEMPLATES, type SbcTemplate } from './templates.ts';

/**
 * The provider's SBC templates. Not scoped (provider configuration, no customer data). While none is stored the
 * built-in `DEFAULT_TEMPLATES` apply, under fixed ids; the first change stores them all (`seedDefaults`, in the
 * writing transaction), so editing one never loses the others.
 */

/** A template with its identity, as Settings → SBCs shows it and the SBC step uses it. */
export type StoredSbcTemplate = SbcTemplate & {
  id: string;
  /** Trunkline's own (none stored yet). */
  builtIn: boolean;
  updatedAt: string | null;
};

/** The fixed id of the n-th built-in template (stable, so the first edit of a built-in finds it). */
export const builtInTemplateId = (n: number) => `00000000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`;

const builtIns = (): StoredSbcTemplate[] =>
  DEFAULT_TEMPLATES.map((t, n) => ({ ...t, id: builtInTemplateId(n), builtIn: true, updatedAt: null }));

export type SbcTemplateRowWrite = {
  name: string;
  model: SbcModelName;
  firmwareFamily: string | null;
  onboarding: string;
  cleanup: string;
};

const nameTaken = takenAs({
  sbc_templates_name_lower_uq: ['name', 'A template with this name exists already.'],
});

const toStored = (row: typeof sbcTemplates.$inferSelect): StoredSbcTemplate => ({
  id: row.id,
  name: row.name,
  model: row.model,
  ...(row.firmwareFamily ? { firmwareFamily: row.firmwareFamily } : {}),
  onboarding: row.onboarding,
  cleanup: row.cleanup,
  builtIn: false,
  updatedAt: row.updatedAt.toISOString(),
});

export function createSbcTemplatesRepository(db: Executor) {
  const stored = async () =>
    (
      await db
        .select()
        .from(sbcTemplates)
        .orderBy(asc(sbcTemplates.model), asc(sql`lower(${sbcTemplates.name})`))
    ).map(toStored);

  const repo = {
    /** The templates in force: the stored ones, or the built-in defaults while none is stored. */
    async list(): Promise<StoredSbcTemplate[]> {
      const rows = await stored();
      return rows.length > 0 ? rows : builtIns();
    },

    async get(id: string): Promise<StoredSbcTemplate | null> {
      return (await repo.list()).find((t) => t.id === id) ?? null;
    },

    /** Stores the built-in templates under their fixed ids when none is stored (before a first change). */
    async seedDefaults(): Promise<void> {
      const [row] = await db.select({ n: count() }).from(sbcTemplates);
      if ((row?.n ?? 0) > 0) return;
      await db
        .insert(sbcTemplates)
        .values(
          builtIns().map((t) => ({
            id: t.id,
            name: t.name,
            model: t.model,
            firmwareFamily: t.firmwareFamily ?? null,
            onboarding: t.onboarding,
            cleanup: t.cleanup,
          })),
        )
        .onConflictDoNothing();
    },

    async create(input: SbcTemplateRowWrite): Promise<StoredSbcTemplate> {
      const [row] = await db.insert(sbcTemplates).values(input).returning().catch(nameTaken);
      return toStored(row!);
    },

    async update(id: string, input: SbcTemplateRowWrite): Promise<StoredSbcTemplate | null> {
      const [row] = await db
        .update(sbcTemplates)
        .set({ ...input, updatedAt: new Date() })
        .where(eq(sbcTemplates.id, id))
        .returning()
        .catch(nameTaken);
      return row ? toStored(row) : null;
    },

    /** Deletes a stored template; false when none had the id. Deleting the last brings the built-ins back. */
    async remove(id: string): Promise<boolean> {
      const deleted = await db
        .delete(sbcTemplates)
        .where(eq(sbcTemplates.id, id))
        .returning({ id: sbcTemplates.id });
      return deleted.length > 0;
    },
  };
  return repo;
}
export type SbcTemplatesRepository = ReturnType<typeof createSbcTemplatesRepository>;
