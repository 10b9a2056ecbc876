import type { Channel, ChannelCreate, ChannelUpdate, ListQuery, Page } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { ChannelsRepository } from './channels.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { forbidden, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';

export function createChannelsService({
  repos,
  uow,
}: {
  repos: { channels: ChannelsRepository };
  uow: UnitOfWork<{ audit: AuditRepository; channels: ChannelsRepository }>;
}) {
  return {
    async list(actor: Actor, query: ListQuery): Promise<Page<Channel>> {
      const { items, total } = await repos.channels.list(scopeOf(actor), query);
      return { items, total, page: query.page, pageSize: query.pageSize };
    },

    async get(actor: Actor, id: string): Promise<Channel> {
      return (await repos.channels.get(scopeOf(actor), id)) ?? Promise.reject(notFound('Channel'));
    },

    async create(actor: Actor, input: ChannelCreate): Promise<Channel> {
      if (actor.role !== 'provider_admin') throw forbidden('Only provider admins create channels.');
      return uow(async (r) => {
        const channel = await r.channels.create(scopeOf(actor), input);
        await recordAudit(r.audit, actor, {
          action: 'channel.create',
          targetType: 'channel',
          targetId: channel.id,
          channelId: channel.id,
          summary: { name: channel.name },
        });
        return channel;
      });
    },

    async update(actor: Actor, id: string, input: ChannelUpdate): Promise<Channel> {
      const scope = scopeOf(actor);
      if (!(await repos.channels.get(scope, id))) throw notFound('Channel');
      if (actor.role !== 'provider_admin') throw forbidden('Only provider admins rename channels.');
      return uow(async (r) => {
        const channel = await r.channels.update(scope, id, input);
        if (!channel) throw notFound('Channel');
        await recordAudit(r.audit, actor, {
          action: 'channel.update',
          targetType: 'channel',
          targetId: id,
          channelId: id,
          summary: input,
        });
        return channel;
      });
    },
  };
}
export type ChannelsService = ReturnType<typeof createChannelsService>;
