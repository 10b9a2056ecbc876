import { deriveLifecycle, legacyStatusOf, type Service, type ServiceLifecycle } from '@trunkline/contracts';
import type { LifecycleRepository } from './lifecycle.repository.ts';
import type { StoredService } from '../services/services.repository.ts';

/**
 * Services as the API answers them: each with its lifecycle derived from its facets now, and `status` and
 * `progress` read from that derivation (never from a stored copy).
 */
export async function withLifecycle(
  repos: { lifecycle: LifecycleRepository },
  rows: readonly StoredService[],
): Promise<Service[]> {
  const facets = await repos.lifecycle.facetsOf(rows.map((r) => r.id));
  return rows.map((row) => {
    const lifecycle = deriveLifecycle(facets.get(row.id)!);
    return { ...row, status: legacyStatusOf(lifecycle.state), progress: lifecycle.progress, lifecycle };
  });
}

/** The lifecycle of one service the caller already found in the actor's scope. */
export async function lifecycleOf(
  repos: { lifecycle: LifecycleRepository },
  serviceId: string,
): Promise<ServiceLifecycle> {
  const facets = await repos.lifecycle.facetsOf([serviceId]);
  return deriveLifecycle(facets.get(serviceId)!);
}
