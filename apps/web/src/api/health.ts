import type { ServiceHealth, ServiceHealthResponse, Workflow } from '@trunkline/contracts';
import { api } from './client.ts';

const path = (id: string) => `/services/${encodeURIComponent(id)}`;

/** The per-service health check: the latest result, Check now, Repair. */
export const health = {
  key: (id: string) => ['/services', id, 'health'] as const,
  /** The latest result, or null before the first check. */
  get: (id: string) => api.get<ServiceHealthResponse>(`${path(id)}/health`).then((r) => r.health),
  check: (id: string) => api.post<ServiceHealth>(`${path(id)}/health/check`),
  repair: (id: string) => api.post<Workflow>(`${path(id)}/repair`),
};
