import type { AuditEvent, AuditListQuery, Page } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { Repositories } from '../app/repositories.ts';

/** Reads the audit trail within the actor's scope. There is no way to change it through the API. */
export function createAuditService({ repos }: { repos: Repositories }) {
  return {
    async list(actor: Actor, query: AuditListQuery): Promise<Page<AuditEvent>> {
      const { items, total } = await repos.audit.list(scopeOf(actor), query);
      return { items, total, page: query.page, pageSize: query.pageSize };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
