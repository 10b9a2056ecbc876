import type { AuditEvent, Page } from '@trunkline/contracts';
import { api } from './client.ts';
import type { ListParams } from './resource.ts';

export const audit = {
  key: ['/audit'] as const,
  listKey: (params: ListParams) => ['/audit', 'list', params] as const,
  list: (params: ListParams) => api.get<Page<AuditEvent>>('/audit', params),
  /** The CSV export of what the filters select (no paging), as a link the browser downloads. */
  exportUrl: (params: ListParams) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params))
      if (key !== 'page' && key !== 'pageSize' && value !== undefined && value !== null && value !== '')
        query.set(key, String(value));
    const search = query.toString();
    return `/api/v1/audit/export.csv${search ? `?${search}` : ''}`;
  },
};
