import type { Page } from '@trunkline/contracts';
import { api } from './client.ts';
import type { Query } from './client.ts';

export type ListParams = Query & {
  page: number;
  pageSize: number;
  q?: string;
};

/** The REST calls of one collection under /api/v1, and the react-query keys its data is cached under. */
export function resource<T, Create, Update>(path: string) {
  const item = (id: string) => `${path}/${encodeURIComponent(id)}`;
  return {
    /** Invalidate this key to refresh every list and item of the collection. */
    key: [path] as const,
    listKey: (params: ListParams) => [path, 'list', params] as const,
    itemKey: (id: string) => [path, 'item', id] as const,
    /** `useQuery` options for one item: its key and its fetch. */
    itemQuery: (id: string) => ({
      queryKey: [path, 'item', id] as const,
      queryFn: () => api.get<T>(item(id)),
    }),
    list: (params: ListParams) => api.get<Page<T>>(path, params),
    get: (id: string) => api.get<T>(item(id)),
    create: (body: Create) => api.post<T>(path, body),
    update: (id: string, body: Update) => api.patch<T>(item(id), body),
    remove: (id: string) => api.delete(item(id)),
  };
}
