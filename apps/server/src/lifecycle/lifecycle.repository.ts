import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { LifecycleFacets, StepName } from '@trunkline/contracts';
import type { Executor } from '../platform/db/database.ts';
import {
  invitations,
  services,
  serviceConnections,
  serviceM365Settings,
  workflowSteps,
  workflows,
} from '../platform/db/schema.ts';

type SbcRun = { id: string; kind: 'onboard' | 'offboard'; status: string };

/** The SBC facet from the latest run with a Configure SBC step and that run's steps. */
const sbcFacet = (
  run: SbcRun | undefined,
  steps: readonly { workflowId: string; name: string; status: string }[],
): LifecycleFacets['sbc'] => {
  // After a removal (or while one runs) the customer's rows are gone or going: not configured.
  if (!run || run.kind === 'offboard') return 'not-started';
  const step = steps.find((s) => s.workflowId === run.id && s.name === 'configure-sbc');
  switch (step?.status) {
    case 'succeeded':
      return 'configured';
    case 'failed':
      return 'failed';
    case 'waiting':
      return 'waiting';
    case 'running':
      return 'running';
    default:
      // Pending: the run will reach it, unless an earlier step of it failed.
      return run.status === 'running' || run.status === 'waiting' ? 'running' : 'not-started';
  }
};

/** Invitation statuses whose link still connects the tenant. */
export const OPEN_INVITATION = ['queued', 'sent', 'send-failed', 'opened'];

/**
 * The facts a service's lifecycle is derived from (`deriveLifecycle` in contracts), for any number of services
 * in five queries. Callers pass ids of services they already found in the actor's scope.
 */
export function createLifecycleRepository(db: Executor) {
  return {
    async facetsOf(serviceIds: readonly string[], now = new Date()): Promise<Map<string, LifecycleFacets>> {
      const out = new Map<string, LifecycleFacets>();
      if (serviceIds.length === 0) return out;
      const ids = [...new Set(serviceIds)];
      const [connections, openInvitations, settings, runs] = await Promise.all([
        db
          .select({
            serviceId: serviceConnections.serviceId,
            lastSuccessAt: serviceConnections.lastSuccessAt,
            lastError: serviceConnections.lastError,
            teamsRoleState: serviceConnections.teamsRoleState,
          })
          .from(serviceConnections)
          .where(inArray(serviceConnections.serviceId, ids)),
        db
          .select({ serviceId: invitations.serviceId, status: invitations.status, email: invitations.email })
          .from(invitations)
          .where(
            and(
              inArray(invitations.serviceId, ids),
              inArray(invitations.status, OPEN_INVITATION),
              gt(invitations.expiresAt, now),
            ),
          )
          .orderBy(desc(invitations.createdAt)),
        db
          .select({ serviceId: serviceM365Settings.serviceId })
          .from(serviceM365Settings)
          .where(inArray(serviceM365Settings.serviceId, ids)),
        // Every run of these services with whether any of its steps was ever attempted.
        db
          .select({
            id: workflows.id,
            serviceId: workflows.serviceId,
            kind: workflows.kind,
            status: workflows.status,
            scope: workflows.scope,
            createdAt: workflows.createdAt,
            hasSbc: sql<boolean>`bool_or(${workflowSteps.name} = 'configure-sbc')`,
            touched: sql<boolean>`bool_or(${workflowSteps.attempts} > 0 or ${workflowSteps.outcome} is not null)`,
          })
          .from(workflows)
          .innerJoin(workflowSteps, sql`${workflowSteps.workflowId} = ${workflows.id}`)
          .where(inArray(workflows.serviceId, ids))
          .groupBy(workflows.id)
          .orderBy(desc(workflows.createdAt)),
      ]);

      // The latest run that was not cancelled, per service, and whether objects may exist.
      const latest = new Map<string, (typeof runs)[number]>();
      // The latest run with a Configure SBC step that was not cancelled (none after a completed removal).
      const latestSbc = new Map<string, (typeof runs)[number]>();
      const created = new Map<string, boolean>();
      const removalDone = new Set<string>();
      for (const run of runs) {
        // Newest first: a completed removal ends what older runs created.
        if (run.kind === 'offboard' && run.status === 'succeeded') removalDone.add(run.serviceId);
        if (!removalDone.has(run.serviceId) && run.kind === 'onboard' && run.touched)
          created.set(run.serviceId, true);
        if (!removalDone.has(run.serviceId) && run.kind === 'offboard' && run.status !== 'succeeded')
          created.set(run.serviceId, true);
        // "SBC only" runs are not routing runs: the routing facet is the latest run of the others.
        if (run.status !== 'cancelled' && run.scope !== 'sbc' && !latest.has(run.serviceId))
          latest.set(run.serviceId, run);
        if (run.status !== 'cancelled' && run.hasSbc && !latestSbc.has(run.serviceId))
          latestSbc.set(run.serviceId, run);
      }
      const latestIds = [...new Set([...latest.values(), ...latestSbc.values()].map((r) => r.id))];
      const steps = latestIds.length
        ? await db
            .select({
              workflowId: workflowSteps.workflowId,
              name: workflowSteps.name,
              status: workflowSteps.status,
              message: workflowSteps.message,
              lastError: workflowSteps.lastError,
            })
            .from(workflowSteps)
            .where(inArray(workflowSteps.workflowId, latestIds))
            .orderBy(asc(workflowSteps.position))
        : [];

      const connectionOf = new Map(connections.map((c) => [c.serviceId, c]));
      const invitationOf = new Map<string, (typeof openInvitations)[number]>();
      for (const i of openInvitations) if (!invitationOf.has(i.serviceId)) invitationOf.set(i.serviceId, i);
      const settingsSet = new Set(settings.map((s) => s.serviceId));

      for (const id of ids) {
        const c = connectionOf.get(id);
        const invitation = invitationOf.get(id);
        const run = latest.get(id);
        let routing: LifecycleFacets['routing'] = null;
        if (run) {
          const own = steps.filter((s) => s.workflowId === run.id);
          const done = own.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
          const current = own.find((s) => s.status !== 'succeeded' && s.status !== 'skipped') ?? null;
          const status =
            run.status === 'succeeded' ? 'done' : (run.status as 'running' | 'waiting' | 'failed');
          routing = {
            kind: run.kind,
            status,
            step: status === 'done' ? null : ((current?.name as StepName | undefined) ?? null),
            stepsDone: done,
            stepsTotal: Math.max(1, own.length),
            message:
              status === 'failed'
                ? (current?.lastError ?? null)
                : status === 'waiting'
                  ? (current?.message ?? null)
                  : null,
          };
        }
        out.set(id, {
          connection: !c
            ? { state: 'not-connected', reason: null }
            : c.lastSuccessAt
              ? { state: 'connected', reason: null }
              : { state: 'failed', reason: c.lastError },
          invitation: invitation
            ? {
                state: invitation.status === 'send-failed' ? 'send-failed' : 'pending',
                email: invitation.email,
              }
            : { state: 'none', email: null },
          teamsRole: (c?.teamsRoleState as LifecycleFacets['teamsRole'] | undefined) ?? 'unknown',
          m365Settings: settingsSet.has(id) ? 'set' : 'not-set',
          routing,
          sbc: sbcFacet(latestSbc.get(id), steps),
          objectsCreated: created.get(id) ?? false,
        });
      }
      return out;
    },

    /** The latest run of each of a customer's services with its steps, in one query. */
    async latestRunsOfCustomer(
      customerId: string,
    ): Promise<{ workflow: typeof workflows.$inferSelect; steps: (typeof workflowSteps.$inferSelect)[] }[]> {
      const latest = db
        .selectDistinctOn([workflows.serviceId], { id: workflows.id })
        .from(workflows)
        .innerJoin(services, eq(services.id, workflows.serviceId))
        .where(eq(services.customerId, customerId))
        .orderBy(workflows.serviceId, desc(workflows.createdAt));
      const rows = await db
        .select({ workflow: workflows, step: workflowSteps })
        .from(workflows)
        .innerJoin(workflowSteps, eq(workflowSteps.workflowId, workflows.id))
        .where(inArray(workflows.id, latest))
        .orderBy(asc(workflows.createdAt), asc(workflows.id), asc(workflowSteps.position));
      const byId = new Map<
        string,
        { workflow: typeof workflows.$inferSelect; steps: (typeof workflowSteps.$inferSelect)[] }
      >();
      for (const { workflow, step } of rows) {
        const entry = byId.get(workflow.id) ?? { workflow, steps: [] };
        entry.steps.push(step);
        byId.set(workflow.id, entry);
      }
      return [...byId.values()];
    },
  };
}
export type LifecycleRepository = ReturnType<typeof createLifecycleRepository>;
