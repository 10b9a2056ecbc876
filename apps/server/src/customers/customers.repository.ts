import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Customer, CustomerListQuery } from '@trunkline/contracts';
import type { Scope } from '../access/actor.ts';
import type { Executor } from '../platform/db/database.ts';
import { nameContains, offsetOf } from '../platform/db/queries.ts';
import { takenAs } from '../platform/errors.ts';
import { channels, customers } from '../platform/db/schema.ts';

/** The customers a scope may see, as a condition on the customers table. */
export const customerInScope = (scope: Scope): SQL | undefined => {
  switch (scope.kind) {
    case 'provider':
      return undefined;
    case 'channel':
      return eq(customers.channelId, scope.channelId);
    case 'customer':
      return eq(customers.id, scope.customerId);
  }
};

const columns = {
  id: customers.id,
  name: customers.name,
  channelId: customers.channelId,
  channelName: channels.name,
  createdAt: customers.createdAt,
};

type Row = {
  id: string;
  name: string;
  channelId: string | null;
  channelName: string | null;
  createdAt: Date;
};
const toCustomer = (r: Row): Customer => ({ ...r, createdAt: r.createdAt.toISOString() });

/** A write that hits the unique name within the channel answers 409 on `name`. */
const nameTaken = takenAs({
  customers_channel_name_lower_uq: ['name', 'A customer with this name exists already.'],
});

export function createCustomersRepository(db: Executor) {
  const base = () =>
    db.select(columns).from(customers).leftJoin(channels, eq(channels.id, customers.channelId));

  return {
    async list(scope: Scope, query: CustomerListQuery): Promise<{ items: Customer[]; total: number }> {
      const where = and(
        customerInScope(scope),
        nameContains(customers.name, query.q),
        query.channelId ? eq(customers.channelId, query.channelId) : undefined,
      );
      const [rows, [count]] = await Promise.all([
        base()
          .where(where)
          .orderBy(asc(sql`lower(${customers.name})`), asc(customers.id))
          .limit(query.pageSize)
          .offset(offsetOf(query)),
        db
          .select({ n: sql<number>`count(*)::int` })
          .from(customers)
          .where(where),
      ]);
      return { items: rows.map(toCustomer), total: count?.n ?? 0 };
    },

    async get(scope: Scope, id: string): Promise<Customer | null> {
      const [row] = await base().where(and(customerInScope(scope), eq(customers.id, id)));
      return row ? toCustomer(row) : null;
    },

    /** Locks the customer row for the rest of the transaction (serialises per-customer limits). */
    async lock(scope: Scope, id: string): Promise<boolean> {
      const rows = await db
        .select({ id: customers.id })
        .from(customers)
        .where(and(customerInScope(scope), eq(customers.id, id)))
        .for('update');
      return rows.length > 0;
    },

    async create(_scope: Scope, input: { name: string; channelId: string | null }): Promise<string> {
      const [row] = await db.insert(customers).values(input).returning({ id: customers.id }).catch(nameTaken);
      return row!.id;
    },

    async update(
      scope: Scope,
      id: string,
      patch: { name?: string; channelId?: string | null },
    ): Promise<boolean> {
      const rows = await db
        .update(customers)
        .set(patch)
        .where(and(customerInScope(scope), eq(customers.id, id)))
        .returning({ id: customers.id })
        .catch(nameTaken);
      return rows.length > 0;
    },
  };
}
export type CustomersRepository = ReturnType<typeof createCustomersRepository>;
