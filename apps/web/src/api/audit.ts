import type { AuditEvent, Page } from '@trunkline/contracts';
import { api } from './client.ts';
import type { ListParams } from './resource.ts';

export const audit = {
  key: ['/audit'] as const,
  listKey: (params: ListParams) => ['/audit', 'list', params] as const,
  list: (params: ListParams) => api.get<Page<AuditEvent>>('/audit', params),
};
