import type { Customer, CustomerCreate, CustomerListQuery, CustomerUpdate, Page } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { ChannelsRepository } from '../channels/channels.repository.ts';
import type { CustomersRepository } from './customers.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { AppError, forbidden, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';

export function createCustomersService({
  repos,
  uow,
}: {
  repos: { channels: ChannelsRepository; customers: CustomersRepository };
  uow: UnitOfWork<{ audit: AuditRepository; customers: CustomersRepository }>;
}) {
  /** The channel a new or moved customer goes to, checked against what the actor may see. */
  async function resolveChannel(actor: Actor, requested: string | null | undefined): Promise<string | null> {
    if (actor.role === 'channel_admin') {
      if (requested === undefined || requested === actor.channelId) return actor.channelId;
      if (requested === null) throw forbidden('A channel admin keeps customers in their own channel.');
      throw new AppError('not_found', 'Channel was not found.', {
        errors: [{ path: 'channelId', code: 'not_found', message: 'No such channel.' }],
      });
    }
    if (!requested) return null;
    if (!(await repos.channels.get(scopeOf(actor), requested)))
      throw new AppError('not_found', 'Channel was not found.', {
        errors: [{ path: 'channelId', code: 'not_found', message: 'No such channel.' }],
      });
    return requested;
  }

  return {
    async list(actor: Actor, query: CustomerListQuery): Promise<Page<Customer>> {
      const { items, total } = await repos.customers.list(scopeOf(actor), query);
      return { items, total, page: query.page, pageSize: query.pageSize };
    },

    async get(actor: Actor, id: string): Promise<Customer> {
      return (await repos.customers.get(scopeOf(actor), id)) ?? Promise.reject(notFound('Customer'));
    },

    async create(actor: Actor, input: CustomerCreate): Promise<Customer> {
      if (actor.role === 'customer_admin') throw forbidden('Customer admins cannot create customers.');
      const channelId = await resolveChannel(actor, input.channelId);
      const scope = scopeOf(actor);
      return uow(async (r) => {
        const id = await r.customers.create(scope, { name: input.name, channelId });
        await recordAudit(r.audit, actor, {
          action: 'customer.create',
          targetType: 'customer',
          targetId: id,
          customerId: id,
          channelId,
          summary: { name: input.name },
        });
        return (await r.customers.get(scope, id))!;
      });
    },

    async update(actor: Actor, id: string, input: CustomerUpdate): Promise<Customer> {
      const scope = scopeOf(actor);
      const current = await repos.customers.get(scope, id);
      if (!current) throw notFound('Customer');
      if (actor.role === 'customer_admin') throw forbidden('Customer admins cannot change customers.');
      const patch: { name?: string; channelId?: string | null } = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.channelId !== undefined) patch.channelId = await resolveChannel(actor, input.channelId);
      return uow(async (r) => {
        const ok = await r.customers.update(scope, id, patch);
        if (!ok) throw notFound('Customer');
        const updated = (await r.customers.get({ kind: 'provider' }, id))!;
        await recordAudit(r.audit, actor, {
          action: 'customer.update',
          targetType: 'customer',
          targetId: id,
          customerId: id,
          channelId: updated.channelId,
          summary: patch,
        });
        return updated;
      });
    },
  };
}
export type CustomersService = ReturnType<typeof createCustomersService>;
