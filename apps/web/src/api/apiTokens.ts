import type { ApiTokenCreate, ApiTokenCreated } from '@trunkline/contracts';
import { api } from './client.ts';

/** A token as the list shows it; the secret itself is only in the create response. */
export type ApiToken = {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
};

export const apiTokens = {
  key: ['/api-tokens'] as const,
  list: () => api.get<{ items: ApiToken[] }>('/api-tokens'),
  create: (body: ApiTokenCreate) => api.post<ApiTokenCreated>('/api-tokens', body),
  revoke: (id: string) => api.delete(`/api-tokens/${encodeURIComponent(id)}`),
};
