import type { ApiToken, ApiTokenCreate, ApiTokenCreated } from '@trunkline/contracts';
import { api } from './client.ts';

/** A token as the list shows it (expiry, last use and address); the secret itself is only in the create response. */
export type { ApiToken };

export const apiTokens = {
  key: ['/api-tokens'] as const,
  list: () => api.get<{ items: ApiToken[] }>('/api-tokens'),
  create: (body: ApiTokenCreate) => api.post<ApiTokenCreated>('/api-tokens', body),
  revoke: (id: string) => api.delete(`/api-tokens/${encodeURIComponent(id)}`),
};
