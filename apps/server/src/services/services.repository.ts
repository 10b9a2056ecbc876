import { and, asc, desc, eq, ne, sql, type SQL } from 'drizzle-orm';
import type {
  HealthLight,
  LifecycleState,
  Service,
  ServiceDraft,
  ServiceDraftData,
  ServiceListQuery,
  ServiceStatus,
} from '@trunkline/contracts';
import type { Scope } from '../access/actor.ts';
import { customerInScope } from '../customers/customers.repository.ts';
import type { Executor } from '../platform/db/database.ts';
import { nameContains, offsetOf } from '../platform/db/queries.ts';
import { after, cheapCount, type Keyset } from '../platform/db/keyset.ts';
import { takenAs } from '../platform/errors.ts';
import { lifecycleStateIn } from '../lifecycle/state-filter.ts';
import {
  customers,
  licenseTypes,
  serviceDrafts,
  serviceHealth,
  services,
  workflows,
} from '../platform/db/schema.ts';

/** Services a scope may see: those of the customers it may see. */
export const serviceInScope = (scope: Scope): SQL | undefined => {
  const customer = customerInScope(scope);
  return customer
    ? sql`${services.customerId} in (select ${customers.id} from ${customers} where ${customer})`
    : undefined;
};

const progressOf: Record<ServiceStatus, number> = {
  draft: 0,
  'pending-invitation': 10,
  'awaiting-token': 15,
  connected: 30,
  configuring: 60,
  active: 100,
  failed: 60,
  offboarding: 90,
  removed: 0,
};

const columns = {
  id: services.id,
  customerId: services.customerId,
  customerName: customers.name,
  type: services.type,
  fullName: services.fullName,
  shortName: services.shortName,
  subdomain: services.subdomain,
  subdomainOverridden: services.subdomainOverridden,
  zone: services.zone,
  trunkFqdn: services.trunkFqdn,
  // Once a routing run exists, the trunk name may be in the tenant and in DNS.
  trunkNameFixed: sql<boolean>`exists (select 1 from ${workflows} where ${workflows.serviceId} = ${services.id})`,
  licenseType: services.licenseType,
  licenseTypeName: licenseTypes.name,
  licensedUsers: services.licensedUsers,
  status: services.status,
  adminAuthMethod: services.adminAuthMethod,
  adminUsername: services.adminUsername,
  createdAt: services.createdAt,
  updatedAt: services.updatedAt,
  // The overall light of the latest health check (health/), for the Services list.
  healthOverall: sql<
    string | null
  >`(select ${serviceHealth.overall} from ${serviceHealth} where ${serviceHealth.serviceId} = ${services.id})`,
  healthCheckedAt: sql<
    string | null
  >`(select to_char(${serviceHealth.checkedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from ${serviceHealth} where ${serviceHealth.serviceId} = ${services.id})`,
};

/**
 * A service as stored. `status` and `progress` here come from the legacy `services.status` column and are
 * replaced by the derived lifecycle (`lifecycle/lifecycle.ts`) in every answer and every decision.
 */
export type StoredService = Omit<Service, 'lifecycle'>;

type Row = Omit<Service, 'createdAt' | 'updatedAt' | 'status' | 'progress' | 'lifecycle' | 'health'> & {
  status: string;
  createdAt: Date;
  updatedAt: Date;
  healthOverall: string | null;
  healthCheckedAt: string | null;
};
const toService = ({ healthOverall, healthCheckedAt, ...r }: Row): StoredService => {
  const status = r.status as ServiceStatus;
  return {
    ...r,
    health:
      healthOverall && healthCheckedAt
        ? { overall: healthOverall as HealthLight, checkedAt: healthCheckedAt }
        : null,
    status,
    progress: progressOf[status],
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
};

/** Text sorts ignore case, as people expect whatever the database's collation. */
const sortColumns = {
  createdAt: services.createdAt,
  fullName: sql`lower(${services.fullName})`,
  shortName: sql`lower(${services.shortName})`,
  customerName: sql`lower(${customers.name})`,
  status: services.status,
  licensedUsers: services.licensedUsers,
} as const;
/** The type each sort value is compared as in a keyset cursor. */
const sortTypes: Record<keyof typeof sortColumns, string> = {
  createdAt: 'timestamptz',
  fullName: 'text',
  shortName: 'text',
  customerName: 'text',
  status: 'text',
  licensedUsers: 'int',
};

/** Up to this many customers whose name matches a search are passed to the services query as their ids. */
const SEARCH_CUSTOMER_IDS = 1_000;

export type NewService = {
  customerId: string;
  fullName: string;
  shortName: string;
  subdomain: string;
  subdomainOverridden: boolean;
  zone: string;
  trunkFqdn: string;
  licenseType: string;
  licensedUsers: number;
  status: ServiceStatus;
  adminAuthMethod: 'credentials' | 'invite';
  adminUsername: string | null;
  createdBy: string | null;
};

/** The unique indexes a write may hit, as the field each one is about. */
const nameTakenOnWrite = takenAs({
  services_short_name_lower_uq: ['shortName', 'This short name is taken.'],
  services_subdomain_uq: ['subdomain', 'This subdomain is taken.'],
});

export function createServicesRepository(db: Executor) {
  const base = () =>
    db
      .select(columns)
      .from(services)
      .innerJoin(customers, eq(customers.id, services.customerId))
      .innerJoin(licenseTypes, eq(licenseTypes.id, services.licenseType));

  /**
   * Services whose full or short name, or whose customer's name, contains `q` ignoring case (LIKE wildcards taken
   * literally), as one OR on the services table so that the planner can combine index scans: the names' trigram
   * indexes (migration 0024) and, for the customers whose name matches (found first, through their own trigram
   * index), the services' customer index. An OR across the two tables of a join can use neither table's index and
   * read every row. The customers are passed as a list of ids, so the planner knows how many services they hold;
   * beyond SEARCH_CUSTOMER_IDS (a search most rows match anyway) as a subquery. From three characters the trigram
   * indexes narrow the search; a shorter `q` has no trigram and reads the rows. When most rows match, the planner
   * keeps the sort's index and stops at the page's end. The customers are not scoped here: they only select
   * among the services of the scope.
   */
  const searchMatches = async (q: string): Promise<SQL> => {
    const customerMatches = await db
      .select({ id: customers.id })
      .from(customers)
      .where(nameContains(customers.name, q))
      .limit(SEARCH_CUSTOMER_IDS + 1);
    const byCustomer =
      customerMatches.length === 0
        ? sql`false`
        : customerMatches.length <= SEARCH_CUSTOMER_IDS
          ? sql`${services.customerId} = any(${`{${customerMatches.map((c) => c.id).join(',')}}`}::uuid[])`
          : sql`${services.customerId} in (select ${customers.id} from ${customers} where ${nameContains(customers.name, q)})`;
    return sql`(${nameContains(services.fullName, q)} or ${nameContains(services.shortName, q)} or ${byCustomer})`;
  };

  return {
    /**
     * A page in the given sort (ties by id, in the same direction, so one index serves both): after the keyset
     * `after` when given, else at `page` (OFFSET). The total is exact up to 10,000 matches, else estimated.
     * `last` is the keyset of the page's last row when more rows may follow. `states`: only services whose
     * derived lifecycle state is one of these (`lifecycle/state-filter.ts`, evaluated by the database).
     */
    async list(
      scope: Scope,
      query: Omit<ServiceListQuery, 'status' | 'state' | 'cursor'> & {
        after?: Keyset | null;
        states?: readonly LifecycleState[] | undefined;
      },
    ): Promise<{ items: StoredService[]; total: number; totalIsEstimate: boolean; last: Keyset | null }> {
      const where = and(
        serviceInScope(scope),
        query.customerId ? eq(services.customerId, query.customerId) : undefined,
        query.q ? await searchMatches(query.q) : undefined,
        query.states ? lifecycleStateIn(query.states, services.id) : undefined,
      );
      const order = query.order === 'asc' ? asc : desc;
      const expr = sortColumns[query.sort];
      const page = db
        .select({ ...columns, sortKey: sql<string | null>`(${expr})::text` })
        .from(services)
        .innerJoin(customers, eq(customers.id, services.customerId))
        .innerJoin(licenseTypes, eq(licenseTypes.id, services.licenseType))
        .where(
          and(
            where,
            query.after
              ? after(expr, services.id, sortTypes[query.sort], query.order, query.after)
              : undefined,
          ),
        )
        .orderBy(order(expr), order(services.id))
        .limit(query.pageSize);
      const [rows, count] = await Promise.all([
        query.after ? page : page.offset(offsetOf(query)),
        cheapCount(
          db,
          db
            .select({ one: sql`1` })
            .from(services)
            .innerJoin(customers, eq(customers.id, services.customerId))
            .where(where)
            .getSQL(),
        ),
      ]);
      const tail = rows.length === query.pageSize ? rows[rows.length - 1] : undefined;
      return {
        items: rows.map(({ sortKey: _key, ...row }) => toService(row)),
        total: count.total,
        totalIsEstimate: count.estimate,
        last: tail ? { value: tail.sortKey, id: tail.id } : null,
      };
    },

    async get(scope: Scope, id: string): Promise<StoredService | null> {
      const [row] = await base().where(and(serviceInScope(scope), eq(services.id, id)));
      return row ? toService(row) : null;
    },

    /** Licensed users of a customer's services, optionally leaving one service out (when it is edited). */
    async licensedUsersOf(_scope: Scope, customerId: string, exceptServiceId?: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`coalesce(sum(${services.licensedUsers}), 0)::int` })
        .from(services)
        .where(
          and(
            eq(services.customerId, customerId),
            exceptServiceId ? ne(services.id, exceptServiceId) : undefined,
          ),
        );
      return row?.n ?? 0;
    },

    /** Whether the trunk name may be in the tenant and in DNS (a routing run exists), read at once. */
    async trunkNameFixed(id: string): Promise<boolean> {
      const rows = await db
        .select({ id: workflows.id })
        .from(workflows)
        .where(eq(workflows.serviceId, id))
        .limit(1);
      return rows.length > 0;
    },

    /**
     * Uniqueness is provider-wide, so these look across every scope; they reveal only that a name is taken.
     */
    async shortNameTaken(shortName: string, exceptServiceId?: string): Promise<boolean> {
      const rows = await db
        .select({ id: services.id })
        .from(services)
        .where(
          and(
            sql`lower(${services.shortName}) = lower(${shortName})`,
            exceptServiceId ? ne(services.id, exceptServiceId) : undefined,
          ),
        );
      return rows.length > 0;
    },
    async subdomainTaken(subdomain: string, exceptServiceId?: string): Promise<boolean> {
      const rows = await db
        .select({ id: services.id })
        .from(services)
        .where(
          and(
            eq(services.subdomain, subdomain.toLowerCase()),
            exceptServiceId ? ne(services.id, exceptServiceId) : undefined,
          ),
        );
      return rows.length > 0;
    },

    async create(_scope: Scope, input: NewService): Promise<string> {
      const [row] = await db
        .insert(services)
        .values({ ...input, type: 'direct-routing' })
        .returning({ id: services.id })
        .catch(nameTakenOnWrite);
      return row!.id;
    },

    async update(
      scope: Scope,
      id: string,
      patch: Partial<
        Pick<
          NewService,
          | 'fullName'
          | 'shortName'
          | 'subdomain'
          | 'subdomainOverridden'
          | 'trunkFqdn'
          | 'licensedUsers'
          | 'status'
        >
      >,
    ): Promise<boolean> {
      const rows = await db
        .update(services)
        .set({ ...patch, updatedAt: new Date() })
        .where(and(serviceInScope(scope), eq(services.id, id)))
        .returning({ id: services.id })
        .catch(nameTakenOnWrite);
      return rows.length > 0;
    },

    async remove(scope: Scope, id: string): Promise<boolean> {
      const rows = await db
        .delete(services)
        .where(and(serviceInScope(scope), eq(services.id, id)))
        .returning({ id: services.id });
      return rows.length > 0;
    },

    /** Drafts belong to one user; the customer is checked against the scope by the service. */
    async getDraft(userId: string, customerId: string): Promise<ServiceDraft | null> {
      const [row] = await db
        .select()
        .from(serviceDrafts)
        .where(and(eq(serviceDrafts.userId, userId), eq(serviceDrafts.customerId, customerId)));
      return row
        ? {
            customerId: row.customerId,
            data: row.data as ServiceDraftData,
            updatedAt: row.updatedAt.toISOString(),
          }
        : null;
    },
    async saveDraft(userId: string, customerId: string, data: ServiceDraftData): Promise<ServiceDraft> {
      const now = new Date();
      await db
        .insert(serviceDrafts)
        .values({ userId, customerId, data, updatedAt: now })
        .onConflictDoUpdate({
          target: [serviceDrafts.userId, serviceDrafts.customerId],
          set: { data, updatedAt: now },
        });
      return { customerId, data, updatedAt: now.toISOString() };
    },
    async deleteDraft(userId: string, customerId: string): Promise<boolean> {
      const rows = await db
        .delete(serviceDrafts)
        .where(and(eq(serviceDrafts.userId, userId), eq(serviceDrafts.customerId, customerId)))
        .returning({ id: serviceDrafts.customerId });
      return rows.length > 0;
    },
  };
}
export type ServicesRepository = ReturnType<typeof createServicesRepository>;
