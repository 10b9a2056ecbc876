import { can, type SbcPlanPreview, type Workflow } from '@trunkline/contracts';
import { scopeOf, systemActor, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import { routingStepJob, sbcRangesChangedJob } from '../jobs/definitions.ts';
import type { LifecycleRepository } from '../lifecycle/lifecycle.repository.ts';
import { assertActionAllowed, lifecycleOf } from '../lifecycle/lifecycle.ts';
import { AppError, forbidden, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { SbcsRepository } from '../sbc/sbcs.repository.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import type { SbcAdapters } from './context.ts';
import type { StoredPlan } from './runner.ts';
import { previewSbcPlan, sbcPlanFor } from './sbc-plan.ts';
import type { Outcome } from './steps.ts';
import { toWorkflow, type WorkflowsRepository } from './workflow.repository.ts';

/**
 * Configure SBC after default routing: the plan preview (what the device will be sent, read from its actual
 * state, nothing changed) and the "SBC only" run, a run of the same durable workflow as default routing (one
 * step, `configure-sbc`; Retry, live progress and offboarding are the routing run's).
 */
export function createSbcStepService({
  repos,
  uow,
  adapters,
}: {
  repos: { lifecycle: LifecycleRepository; services: ServicesRepository; workflows: WorkflowsRepository };
  uow: UnitOfWork<{
    audit: AuditRepository;
    jobs: TransactionJobQueue;
    sbcs: SbcsRepository;
    workflows: WorkflowsRepository;
  }>;
  adapters: SbcAdapters;
}) {
  async function inScope(actor: Actor, serviceId: string) {
    const service = await repos.services.get(scopeOf(actor), serviceId);
    if (!service) throw notFound('Service');
    return service;
  }

  async function planned(serviceId: string, service: Awaited<ReturnType<typeof inScope>>, sbcId?: string) {
    const outcomes = (await repos.workflows.latestOutcomes(serviceId)) as Record<string, Outcome>;
    const plan = await sbcPlanFor(adapters, service, outcomes, sbcId);
    return { plan, outcomes, preview: await previewSbcPlan(adapters, serviceId, plan, outcomes) };
  }

  async function start(
    actor: Actor,
    service: NonNullable<Awaited<ReturnType<typeof repos.services.get>>>,
    sbcId: string | undefined,
  ): Promise<Workflow> {
    const serviceId = service.id;
    const { plan, outcomes, preview } = await planned(serviceId, service, sbcId);
    const [first] = preview.blocking;
    if (first)
      throw new AppError(
        'conflict',
        `The SBC plan has a blocking row (${first.row}): ${first.reason} ${first.fix}`,
        {
          errors: preview.blocking.map((b) => ({
            path: `blocking.${b.row}`,
            code: 'blocked',
            message: `${b.reason} ${b.fix}`,
          })),
        },
      );
    // The run keeps the routing run's plan (offboarding reads it) with the SBC part added.
    const routing = await repos.workflows.latestRouting(serviceId);
    if (!routing) throw new AppError('conflict', 'Configure default routing first.');
    const { onboardingOutcomes: _o, ...routingPlan } = routing.workflow.plan as StoredPlan;
    const stored: StoredPlan = { ...routingPlan, sbc: plan.plan };
    const created = await uow(async (r) => {
      if (await r.workflows.open(serviceId))
        throw new AppError(
          'conflict',
          'A run for this service is unfinished: Retry it or remove the service.',
        );
      const w = await r.workflows.create({
        serviceId,
        kind: 'onboard',
        scope: 'sbc',
        configureDns: routing.workflow.configureDns,
        plan: stored,
        steps: ['configure-sbc'],
        outcomes,
      });
      // The service's trunk is on this SBC from now on.
      await r.sbcs.assignToService(serviceId, plan.entry.id);
      await r.jobs.send(routingStepJob, { workflowId: w.workflow.id });
      await recordAudit(r.audit, actor, {
        action: 'sbc.configure',
        targetType: 'service',
        targetId: serviceId,
        customerId: service.customerId,
        summary: {
          sbc: plan.entry.name,
          customerFqdn: plan.plan.customer.fqdn,
          ranges: preview.ranges,
          sessionLimit: plan.plan.customer.sessionLimit,
        },
      });
      return w;
    });
    return toWorkflow(created.workflow, created.steps);
  }

  return {
    /** The exact INI/CLI text or rows that Configure SBC would send now, and what it would remove. */
    async preview(actor: Actor, serviceId: string, sbcId?: string): Promise<SbcPlanPreview> {
      const service = await inScope(actor, serviceId);
      return (await planned(serviceId, service, sbcId)).preview;
    },

    /** Starts the "SBC only" run (409 while any run of the service is open, or the preview has a blocking row). */
    async configure(actor: Actor, serviceId: string, sbcId?: string): Promise<Workflow> {
      if (!can(actor.role, 'routing.configure'))
        throw forbidden('Only the provider or the channel configures the SBC.');
      const service = await inScope(actor, serviceId);
      await assertActionAllowed(repos, serviceId, 'configure-sbc', (l) => {
        const reason = l.blocked.find((b) => b.action === 'configure-sbc')?.reason ?? l.label;
        return {
          detail: `Configure SBC is not possible now: ${reason}`,
          code: 'not_allowed',
          message: reason,
        };
      });
      return start(actor, service, sbcId);
    },

    /**
     * The service's number ranges changed (the `sbc.ranges-changed` job the number ranges' hook sends in their
     * writing transaction): when the customer's rows are on the SBC, an "SBC only" run writes the new ones and
     * removes the old. `busy`: a run of the service is open (its plan is fixed), so the job tries again later;
     * nothing before the SBC was configured, nor when the plan is blocked (e.g. every range removed: the rows stay
     * until Remove service or new ranges).
     */
    async rangesChanged(serviceId: string): Promise<'started' | 'busy' | 'not-configured' | 'blocked'> {
      const service = await repos.services.get({ kind: 'provider' }, serviceId);
      if (!service) return 'not-configured';
      if (await repos.workflows.open(serviceId)) return 'busy';
      const lifecycle = await lifecycleOf(repos, serviceId);
      if (lifecycle.facets.sbc !== 'configured' || lifecycle.state !== 'active') return 'not-configured';
      try {
        await start(systemActor('number-ranges'), service, undefined);
        return 'started';
      } catch (e) {
        if (e instanceof AppError && e.code === 'conflict') {
          // A run that opened meanwhile, or a blocking row.
          return (await repos.workflows.open(serviceId)) ? 'busy' : 'blocked';
        }
        throw e;
      }
    },
  };
}
export type SbcStepService = ReturnType<typeof createSbcStepService>;

/**
 * The number ranges' hook (`onRangesChanged`, in their writing transaction): queues the re-run of the SBC step, so
 * the job exists only if the change commits.
 */
export const rerunSbcWhenRangesChange = async (
  change: { serviceId: string },
  tx: { jobs: TransactionJobQueue },
): Promise<void> => {
  await tx.jobs.send(sbcRangesChangedJob, { serviceId: change.serviceId });
};
