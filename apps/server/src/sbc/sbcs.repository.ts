import { asc, count, eq, sql } from 'drizzle-orm';
import {
  SbcTestResultSchema,
  type SbcKindName,
  type SbcModelName,
  type SbcTestResult,
} from '@trunkline/contracts';
import type { Executor } from '../platform/db/database.ts';
import { takenAs } from '../platform/errors.ts';
import { sbcs, services } from '../platform/db/schema.ts';

/**
 * The provider's SBC inventory. Not scoped: SBCs are the provider's infrastructure and hold no customer data
 * (the service decides who may read and write them). The management password stays sealed here; only
 * `sbc-inventory.ts` opens it, for the provisioner.
 */

/** One SBC as stored, the password still sealed. */
export type StoredSbc = {
  id: string;
  name: string;
  kind: SbcKindName;
  managementUrl: string;
  username: string | null;
  passwordSealed: string | null;
  carrierFqdn: string;
  addresses: string[];
  model: SbcModelName;
  maxCustomers: number | null;
  maxSessions: number | null;
  sessionsPerUser: number;
  isDefault: boolean;
  /** Services whose trunk is on this SBC (`services.sbc_id`). */
  serviceCount: number;
  lastTest: SbcTestResult | null;
  lastContactAt: string | null;
  createdAt: string;
  updatedAt: string;
};

/** What a create or update writes (the password already sealed; `undefined` keeps it on update). */
export type SbcRowWrite = {
  name: string;
  kind: SbcKindName;
  managementUrl: string;
  username: string | null;
  carrierFqdn: string;
  addresses: string[];
  model: SbcModelName;
  maxCustomers: number | null;
  maxSessions: number | null;
  sessionsPerUser: number;
};

/** The vault context of an SBC's management password: bound to its row. */
export const sbcPasswordContext = (sbcId: string) => ({
  table: 'sbcs',
  rowId: sbcId,
  purpose: 'management-password',
});

const nameTaken = takenAs({
  sbcs_name_lower_uq: ['name', 'An SBC with this name exists already.'],
  // Two writes making an SBC the default at once: the partial unique index lets one win.
  sbcs_one_default_uq: ['isDefault', 'Another SBC was made the default at the same moment. Try again.'],
});

// Qualified by hand: inside a raw subquery Drizzle would write both columns unqualified.
const serviceCount = sql<number>`(select count(*)::int from "services" s where s."sbc_id" = "sbcs"."id")`;

type Row = typeof sbcs.$inferSelect & { serviceCount: number };

const toStored = (row: Row): StoredSbc => {
  const lastTest = row.lastTest ? SbcTestResultSchema.safeParse(row.lastTest) : null;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    managementUrl: row.managementUrl,
    username: row.username,
    passwordSealed: row.passwordSealed,
    carrierFqdn: row.carrierFqdn,
    addresses: row.addresses,
    model: row.model,
    maxCustomers: row.maxCustomers,
    maxSessions: row.maxSessions,
    // A real (float4) column: 0.1 comes back as 0.10000000149…; six significant digits give back what was saved.
    sessionsPerUser: Number(row.sessionsPerUser.toPrecision(6)),
    isDefault: row.isDefault,
    serviceCount: Number(row.serviceCount),
    lastTest: lastTest?.success ? lastTest.data : null,
    lastContactAt: row.lastContactAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
};

export function createSbcsRepository(db: Executor) {
  const select = () => db.select({ ...columns, serviceCount }).from(sbcs);
  const columns = {
    id: sbcs.id,
    name: sbcs.name,
    kind: sbcs.kind,
    managementUrl: sbcs.managementUrl,
    username: sbcs.username,
    passwordSealed: sbcs.passwordSealed,
    carrierFqdn: sbcs.carrierFqdn,
    addresses: sbcs.addresses,
    model: sbcs.model,
    maxCustomers: sbcs.maxCustomers,
    maxSessions: sbcs.maxSessions,
    sessionsPerUser: sbcs.sessionsPerUser,
    isDefault: sbcs.isDefault,
    lastTest: sbcs.lastTest,
    lastContactAt: sbcs.lastContactAt,
    createdAt: sbcs.createdAt,
    updatedAt: sbcs.updatedAt,
  };

  const repo = {
    /** Every SBC, the default first, then by name. */
    async list(): Promise<StoredSbc[]> {
      const rows = await select().orderBy(sql`${sbcs.isDefault} desc`, asc(sql`lower(${sbcs.name})`));
      return rows.map(toStored);
    },

    async get(id: string): Promise<StoredSbc | null> {
      const [row] = await select().where(eq(sbcs.id, id));
      return row ? toStored(row) : null;
    },

    async getDefault(): Promise<StoredSbc | null> {
      const [row] = await select().where(eq(sbcs.isDefault, true));
      return row ? toStored(row) : null;
    },

    async count(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(sbcs);
      return row?.n ?? 0;
    },

    /**
     * The SBC a service's trunk is on: its own (`services.sbc_id`), else the default. Null: the service is
     * unknown, or it has none and there is no default. Keyed by a service id the caller has already checked.
     */
    async getForService(serviceId: string): Promise<StoredSbc | null> {
      const [service] = await db
        .select({ sbcId: services.sbcId })
        .from(services)
        .where(eq(services.id, serviceId));
      if (!service) return null;
      return service.sbcId ? repo.get(service.sbcId) : repo.getDefault();
    },

    /** Records the SBC a service's trunk is on (the Configure SBC step, when it starts). */
    async assignToService(serviceId: string, sbcId: string | null): Promise<void> {
      await db.update(services).set({ sbcId }).where(eq(services.id, serviceId));
    },

    /**
     * Adds an SBC with a given id (the password is sealed bound to it first). `onlyIfEmpty`: inserts nothing when
     * any SBC exists or the name or default is taken (the start-up bootstrap; safe when processes race).
     */
    async create(
      input: SbcRowWrite & { id: string; passwordSealed: string | null; isDefault: boolean },
      { onlyIfEmpty = false }: { onlyIfEmpty?: boolean } = {},
    ): Promise<StoredSbc | null> {
      if (onlyIfEmpty) {
        if ((await repo.count()) > 0) return null;
        // Two processes starting together: the unique name (and default) index lets only one insert.
        const inserted = await db.insert(sbcs).values(input).onConflictDoNothing().returning({ id: sbcs.id });
        return inserted.length > 0 ? repo.get(input.id) : null;
      }
      await db.insert(sbcs).values(input).catch(nameTaken);
      return repo.get(input.id);
    },

    /** Changes an SBC; `passwordSealed` undefined keeps the stored one, null clears it. */
    async update(
      id: string,
      input: SbcRowWrite & { passwordSealed?: string | null; isDefault?: boolean },
    ): Promise<StoredSbc | null> {
      const { passwordSealed, isDefault, ...rest } = input;
      await db
        .update(sbcs)
        .set({
          ...rest,
          ...(passwordSealed === undefined ? {} : { passwordSealed }),
          ...(isDefault === undefined ? {} : { isDefault }),
          updatedAt: new Date(),
        })
        .where(eq(sbcs.id, id))
        .catch(nameTaken);
      return repo.get(id);
    },

    /** Clears the default flag everywhere (before moving it, in the same transaction). */
    async clearDefault(): Promise<void> {
      await db.update(sbcs).set({ isDefault: false }).where(eq(sbcs.isDefault, true));
    },

    /** Deletes an SBC; false when it did not exist. The foreign key refuses one a service still uses. */
    async remove(id: string): Promise<boolean> {
      const deleted = await db.delete(sbcs).where(eq(sbcs.id, id)).returning({ id: sbcs.id });
      return deleted.length > 0;
    },

    /** Stores a Test connection result; a successful one also sets the last contact. */
    async recordTest(id: string, result: SbcTestResult): Promise<void> {
      await db
        .update(sbcs)
        .set({
          lastTest: result,
          ...(result.ok ? { lastContactAt: new Date(result.testedAt) } : {}),
        })
        .where(eq(sbcs.id, id));
    },
  };
  return repo;
}
export type SbcsRepository = ReturnType<typeof createSbcsRepository>;
