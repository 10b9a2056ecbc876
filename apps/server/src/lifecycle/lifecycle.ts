import {
  deriveLifecycle,
  legacyStatusOf,
  type LifecycleAction,
  type Service,
  type ServiceLifecycle,
} from '@trunkline/contracts';
import type { LifecycleRepository } from './lifecycle.repository.ts';
import type { StoredService } from '../services/services.repository.ts';
import { AppError } from '../platform/errors.ts';

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

/**
 * 409 with a `status` field error unless the service's lifecycle allows `action` now. Read through `repos`: the
 * transaction's, when the decision must hold for what that transaction writes. `refusal` words it from the lifecycle.
 */
export async function assertActionAllowed(
  repos: { lifecycle: LifecycleRepository },
  serviceId: string,
  action: LifecycleAction,
  refusal: (lifecycle: ServiceLifecycle) => { detail: string; code: string; message: string },
): Promise<void> {
  const lifecycle = await lifecycleOf(repos, serviceId);
  if (lifecycle.allowedActions.includes(action)) return;
  const { detail, code, message } = refusal(lifecycle);
  throw new AppError('conflict', detail, { errors: [{ path: 'status', code, message }] });
}
