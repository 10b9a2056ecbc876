import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Channel, ListQuery } from '@trunkline/contracts';
import type { Scope } from '../access/actor.ts';
import type { Executor } from '../platform/db/database.ts';
import { nameContains, offsetOf } from '../platform/db/queries.ts';
import { takenAs } from '../platform/errors.ts';
import { channels } from '../platform/db/schema.ts';

const inScope = (scope: Scope): SQL | undefined => {
  switch (scope.kind) {
    case 'provider':
      return undefined;
    case 'channel':
      return eq(channels.id, scope.channelId);
    case 'customer':
      return sql`false`;
  }
};

const columns = {
  id: channels.id,
  name: channels.name,
  createdAt: channels.createdAt,
  // Qualified by hand: inside the subquery drizzle would render both columns without their tables.
  customerCount: sql<number>`(select count(*)::int from "customers" c where c."channel_id" = "channels"."id")`,
};

const toChannel = (r: { id: string; name: string; createdAt: Date; customerCount: number }): Channel => ({
  id: r.id,
  name: r.name,
  customerCount: r.customerCount,
  createdAt: r.createdAt.toISOString(),
});

/** A write that hits the unique channel name answers 409 on `name`. */
const nameTaken = takenAs({ channels_name_lower_uq: ['name', 'A channel with this name exists already.'] });

export function createChannelsRepository(db: Executor) {
  return {
    async list(scope: Scope, query: ListQuery): Promise<{ items: Channel[]; total: number }> {
      const where = and(inScope(scope), nameContains(channels.name, query.q));
      const [rows, [count]] = await Promise.all([
        db
          .select(columns)
          .from(channels)
          .where(where)
          .orderBy(asc(sql`lower(${channels.name})`))
          .limit(query.pageSize)
          .offset(offsetOf(query)),
        db
          .select({ n: sql<number>`count(*)::int` })
          .from(channels)
          .where(where),
      ]);
      return { items: rows.map(toChannel), total: count?.n ?? 0 };
    },

    async get(scope: Scope, id: string): Promise<Channel | null> {
      const [row] = await db
        .select(columns)
        .from(channels)
        .where(and(inScope(scope), eq(channels.id, id)));
      return row ? toChannel(row) : null;
    },

    async create(scope: Scope, input: { name: string }): Promise<Channel> {
      if (scope.kind !== 'provider') throw new Error('only the provider creates channels');
      const [row] = await db.insert(channels).values({ name: input.name }).returning().catch(nameTaken);
      return toChannel({ ...row!, customerCount: 0 });
    },

    async update(scope: Scope, id: string, patch: { name: string }): Promise<Channel | null> {
      const [row] = await db
        .update(channels)
        .set({ name: patch.name })
        .where(and(inScope(scope), eq(channels.id, id)))
        .returning({ id: channels.id })
        .catch(nameTaken);
      return row ? this.get(scope, row.id) : null;
    },
  };
}
export type ChannelsRepository = ReturnType<typeof createChannelsRepository>;
