import { can } from '@trunkline/contracts';
import type {
  PlanBlocker,
  PlanChange,
  PlanPreview,
  ServiceLifecycle,
  StepName,
  Workflow,
} from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { CustomersRepository } from '../customers/customers.repository.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import type { LifecycleRepository } from '../lifecycle/lifecycle.repository.ts';
import type { M365SettingsRepository } from '../m365/m365-settings.repository.ts';
import type { MicrosoftAccessRepository } from '../auth/microsoft-access.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import type { WorkflowsRepository } from './workflow.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { routingStepJob } from '../jobs/definitions.ts';
import { AppError, forbidden, invalid, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { renderPowerShell } from '../teams/powershell-script.ts';
import { stepContext, type RoutingAdapters } from './context.ts';
import { buildPlan, type PlannedService, type PreviewReads } from './plan.ts';
import type { StoredPlan } from './runner.ts';
import { offboardingSteps, onboardingSteps, steps, stepsOfScope, type Outcome } from './steps.ts';
import { sbcPlanFor, previewSbcPlan } from './sbc-plan.ts';
import type { SbcsRepository } from '../sbc/sbcs.repository.ts';
import { SbcOutcomeSchema } from '@trunkline/contracts';
import { toWorkflow } from './workflow.repository.ts';
import { lifecycleOf } from '../lifecycle/lifecycle.ts';
import { endMicrosoftAccessIfLast } from '../auth/microsoft-access.ts';
import { TeamsError } from '../teams/teams-executor.ts';
import { GraphError } from '../microsoft/graph.ts';

const ROLE_FIX =
  "Assign Teams Administrator to Trunkline's automation in the tenant, then Re-check the role.";

/**
 * Whether a step's preview failure means the run would fail too: Microsoft refused for lack of rights (not a
 * passing outage). Answers the blocking row with its fix, or null. A DNS provider's refusal stays a warning: the
 * run fails at that step with the reason, and Retry resumes once the provider admin fixed the settings.
 */
function blockerOf(step: StepName, e: unknown): PlanBlocker | null {
  const reason = e instanceof Error ? e.message : String(e);
  if (e instanceof TeamsError && e.kind === 'forbidden')
    return {
      row: step,
      reason: `The Teams admin API refused (${e.status ?? 403}): ${reason}`,
      fix: ROLE_FIX,
    };
  if (e instanceof GraphError && (e.status === 401 || e.status === 403))
    return {
      row: step,
      reason: `Microsoft Graph refused (${e.status}): ${reason}`,
      fix: 'Grant the missing permission in the tenant or re-authenticate the service, then preview again.',
    };
  return null;
}

/**
 * Step 10 and offboarding: the plan preview (computed from the actual state), starting the durable run,
 * Retry from the failed step, the run as the UI shows it, and Remove service (the inverse run).
 */
export function createRoutingService({
  repos,
  uow,
  adapters,
}: {
  repos: {
    customers: CustomersRepository;
    lifecycle: LifecycleRepository;
    microsoftAccess: MicrosoftAccessRepository;
    services: ServicesRepository;
    workflows: WorkflowsRepository;
  };
  uow: UnitOfWork<{
    audit: AuditRepository;
    customers: CustomersRepository;
    jobs: TransactionJobQueue;
    // endMicrosoftAccessIfLast's share of the transaction
    lifecycle: LifecycleRepository;
    m365Settings: M365SettingsRepository;
    microsoftAccess: MicrosoftAccessRepository;
    sbcs: SbcsRepository;
    workflows: WorkflowsRepository;
  }>;
  adapters: RoutingAdapters;
}) {
  async function inScope(actor: Actor, serviceId: string) {
    const service = await repos.services.get(scopeOf(actor), serviceId);
    if (!service) throw notFound('Service');
    return service;
  }
  const mayRun = (actor: Actor) => {
    if (!can(actor.role, 'routing.configure'))
      throw forbidden('Only the provider or the channel configures routing and removes services.');
  };

  async function planFor(serviceId: string, service: PlannedService, sbcAddresses?: string[]) {
    // Three independent reads, side by side (on PostgreSQL each is its own round trip to the server).
    const [connection, settings, addresses] = await Promise.all([
      adapters.access.connected(serviceId),
      adapters.routingSettings.effective(),
      // The service's A/AAAA records point at its SBC when the inventory has one, else at the settings' addresses.
      sbcAddresses ?? adapters.sbc.forService(serviceId).then((sbc) => sbc?.addresses),
    ]);
    return { plan: buildPlan(service, connection.tenantId, settings, addresses), settings, connection };
  }

  /**
   * The plan preview from the actual state, with the rows that block a run: the facts `start` checks too, so a
   * run the preview knows will fail cannot start.
   */
  /**
   * `lifecycle`: the service's lifecycle when the caller reads it anyway (`start`); it is awaited after the steps'
   * previews have started, so its database read overlaps their Microsoft calls.
   */
  async function previewOf(
    serviceId: string,
    service: Parameters<typeof planFor>[1],
    configureDns: boolean,
    sbcAddresses?: string[],
    lifecycleRead?: Promise<ServiceLifecycle>,
  ) {
    const { plan, settings, connection } = await planFor(serviceId, service, sbcAddresses);
    const changes: PlanChange[] = [];
    const warnings: string[] = [];
    const blocking: PlanBlocker[] = [];
    if (!settings.saved)
      blocking.push({
        row: 'settings',
        reason: 'The default-routing settings were never saved.',
        fix: 'A provider admin saves them under Settings → Default routing.',
      });
    // The steps' previews only read, each from its own system (DNS, Graph, the Teams admin API): they run side by
    // side, with the settings and the connection read above, and are reported in step order.
    // The trunk domain's read is kept with its time (`PreviewReads`): the run's domain step may use it.
    let previewReads: PreviewReads | undefined;
    const withSettings: RoutingAdapters = {
      ...adapters,
      directory: (token) => {
        const directory = adapters.directory(token);
        return {
          ...directory,
          getDomain: async (fqdn) => {
            const at = new Date().toISOString();
            const found = await directory.getDomain(fqdn);
            if (fqdn === plan.trunkFqdn) previewReads = { at, domainAbsent: !found };
            return found;
          },
        };
      },
      access: { ...adapters.access, connected: async () => connection },
      routingSettings: { ...adapters.routingSettings, effective: async () => settings },
    };
    const previewing = Promise.all(
      onboardingSteps(configureDns).map(async (name) => {
        try {
          const ctx = await stepContext(withSettings, serviceId, plan, configureDns, {});
          return { name, changes: await steps[name].preview(ctx) };
        } catch (e) {
          return { name, error: e };
        }
      }),
    );
    const lifecycle = await (lifecycleRead ?? lifecycleOf(repos, serviceId));
    if (lifecycle.facets.teamsRole === 'missing')
      blocking.push({
        row: 'teams-role',
        reason: 'The automation does not hold the Teams Administrator role in the tenant.',
        fix: ROLE_FIX,
      });
    const previews = await previewing;
    for (const p of previews) {
      if (!('error' in p)) {
        changes.push(...p.changes);
        continue;
      }
      const blocker = blockerOf(p.name, p.error);
      if (blocker) blocking.push(blocker);
      else warnings.push(`${p.name}: ${p.error instanceof Error ? p.error.message : String(p.error)}`);
    }
    const preview: PlanPreview = {
      serviceId,
      trunkFqdn: plan.trunkFqdn,
      configureDns,
      changes,
      warnings,
      blocking,
    };
    return { preview, plan, settings, lifecycle, previewReads };
  }

  return {
    async preview(actor: Actor, serviceId: string, configureDns: boolean): Promise<PlanPreview> {
      const service = await inScope(actor, serviceId);
      return (await previewOf(serviceId, service, configureDns)).preview;
    },

    /** The PowerShell rendering of the plan's Teams part, to download. */
    async powershell(actor: Actor, serviceId: string): Promise<string> {
      const service = await inScope(actor, serviceId);
      const { plan } = await planFor(serviceId, service);
      return renderPowerShell(plan.teams);
    },

    /** `sbc`: "routing + SBC" in one run, on that SBC (`sbcId` absent: the service's, else the default). */
    async start(
      actor: Actor,
      serviceId: string,
      configureDns: boolean,
      sbc?: { sbcId?: string | undefined },
    ): Promise<Workflow> {
      mayRun(actor);
      const service = await inScope(actor, serviceId);
      const lifecycleRead = lifecycleOf(repos, serviceId);
      // Without an SBC the plan preview (its Microsoft reads) starts at once, beside the reads of the checks below;
      // its failure counts only once they pass (a service that is not connected is refused as such).
      const early = sbc ? null : previewOf(serviceId, service, configureDns, undefined, lifecycleRead);
      early?.catch(() => undefined);
      const before = await lifecycleRead;
      if (before.facets.connection.state !== 'connected')
        throw new AppError(
          'conflict',
          `The service is ${before.label.toLowerCase()}: connect it to Microsoft 365 first.`,
        );
      if (before.facets.routing && before.facets.routing.status !== 'done')
        throw new AppError(
          'conflict',
          'A routing run for this service is unfinished: Retry it or remove the service.',
        );
      if (before.facets.routing?.kind === 'offboard')
        throw new AppError('conflict', 'The service was removed.');
      // A new run carries forward what earlier runs created, so offboarding still knows it was Trunkline's.
      const outcomes = (await repos.workflows.latestOutcomes(serviceId)) as Record<string, Outcome>;
      const planned = sbc ? await sbcPlanFor(adapters.sbc, service, outcomes, sbc.sbcId) : null;
      const { preview, plan, settings, previewReads } = await (early ??
        previewOf(serviceId, service, configureDns, planned?.entry.addresses, lifecycleRead));
      if (planned) {
        const sbcPreview = await previewSbcPlan(adapters.sbc, serviceId, planned, outcomes);
        preview.blocking.push(...sbcPreview.blocking);
        plan.sbc = planned.plan;
      }
      if (!settings.saved)
        throw new AppError(
          'conflict',
          'Default routing is not set up: a provider admin saves the settings under Settings → Default routing first.',
        );
      const [first] = preview.blocking;
      if (first)
        throw new AppError(
          'conflict',
          `The plan preview has a blocking row (${first.row}): ${first.reason} ${first.fix}`,
          {
            errors: preview.blocking.map((b) => ({
              path: `blocking.${b.row}`,
              code: 'blocked',
              message: `${b.reason} ${b.fix}`,
            })),
          },
        );
      if (!plan.addresses.a.length && !plan.addresses.aaaa.length)
        throw new AppError('conflict', 'No SBC address is set under Settings → Default routing.');
      if (previewReads) plan.previewReads = previewReads;
      const scope = planned ? 'routing+sbc' : 'routing';
      const names = stepsOfScope(scope, configureDns);
      const created = await uow(async (r) => {
        if (await r.workflows.open(serviceId))
          throw new AppError(
            'conflict',
            'A routing run for this service is unfinished: Retry it or remove the service.',
          );
        const w = await r.workflows.create({
          serviceId,
          kind: 'onboard',
          configureDns,
          scope,
          plan,
          steps: names,
          outcomes,
        });
        // The service's trunk is on this SBC from now on (its A/AAAA records point at it).
        if (planned) await r.sbcs.assignToService(serviceId, planned.entry.id);
        await r.jobs.send(routingStepJob, { workflowId: w.workflow.id });
        await recordAudit(r.audit, actor, {
          action: 'routing.start',
          targetType: 'service',
          targetId: serviceId,
          customerId: service.customerId,
          summary: {
            configureDns,
            trunkFqdn: plan.trunkFqdn,
            steps: names,
            ...(planned ? { sbc: planned.entry.name } : {}),
          },
        });
        return w;
      });
      // The run as created: its job may already be running, and the caller follows it from here (GET /routing).
      return toWorkflow(created.workflow, created.steps);
    },

    async retry(actor: Actor, serviceId: string): Promise<Workflow> {
      mayRun(actor);
      const service = await inScope(actor, serviceId);
      await uow(async (r) => {
        const open = await r.workflows.open(serviceId);
        if (!open || (open.status !== 'failed' && open.status !== 'waiting'))
          throw new AppError('conflict', 'There is no failed or waiting run to retry.');
        const found = (await r.workflows.get(open.id))!;
        const step = found.steps.find((s) => s.status === 'failed' || s.status === 'waiting');
        if (step)
          await r.workflows.updateStep(open.id, step.name, {
            status: 'pending',
            nextAttemptAt: null,
            waitingSince: null,
            finishedAt: null,
          });
        await r.workflows.setStatus(open.id, 'running');
        await r.jobs.send(routingStepJob, { workflowId: open.id });
        await recordAudit(r.audit, actor, {
          action: 'routing.retry',
          targetType: 'service',
          targetId: serviceId,
          customerId: service.customerId,
          summary: { workflow: open.kind, step: step?.name ?? null },
        });
      });
      return (await this.workflow(actor, serviceId))!;
    },

    /** Remove service: the inverse run, of only what Trunkline created; the short name confirms it. */
    async offboard(actor: Actor, serviceId: string, confirmShortName: string): Promise<Workflow> {
      mayRun(actor);
      const service = await inScope(actor, serviceId);
      if (confirmShortName !== service.shortName)
        throw invalid([
          { path: 'confirmShortName', code: 'mismatch', message: `Type ${service.shortName} to confirm.` },
        ]);
      const last = await repos.workflows.latest(serviceId, 'onboard');
      if (!last)
        throw new AppError('conflict', 'Nothing was configured for this service: delete it instead.');
      const open = await repos.workflows.open(serviceId);
      if (open?.kind === 'offboard') throw new AppError('conflict', 'The service is being removed already.');
      if (open && open.status === 'running')
        throw new AppError('conflict', 'A routing step is running: wait for it, then remove the service.');
      // What every onboarding run recorded (routing and SBC runs alike); the plan of the latest routing run.
      const outcomes = (await repos.workflows.latestOutcomes(serviceId)) as Record<string, Outcome>;
      const routingRun = (await repos.workflows.latestRouting(serviceId)) ?? last;
      const plan: StoredPlan = { ...(routingRun.workflow.plan as StoredPlan), onboardingOutcomes: outcomes };
      const sbcRecorded = SbcOutcomeSchema.safeParse(outcomes['configure-sbc'] ?? {});
      const names: StepName[] = offboardingSteps(
        routingRun.workflow.configureDns,
        sbcRecorded.success && sbcRecorded.data.record !== null,
      );
      const tenantId = await repos.microsoftAccess.tenantOfService(serviceId);
      await uow(async (r) => {
        if (open) await r.workflows.setStatus(open.id, 'cancelled');
        const w = await r.workflows.create({
          serviceId,
          kind: 'offboard',
          configureDns: routingRun.workflow.configureDns,
          plan,
          steps: names,
        });
        await r.jobs.send(routingStepJob, { workflowId: w.workflow.id });
        await recordAudit(r.audit, actor, {
          action: 'routing.offboard',
          targetType: 'service',
          targetId: serviceId,
          customerId: service.customerId,
          summary: { trunkFqdn: plan.trunkFqdn, steps: names },
        });
        // Removing the tenant's last granting service ends Sign in with Microsoft for it, at once.
        const customer = await r.customers.get(scopeOf(actor), service.customerId);
        await endMicrosoftAccessIfLast(r, actor, {
          serviceId,
          tenantId,
          customerId: service.customerId,
          channelId: customer?.channelId ?? null,
        });
      });
      return (await this.workflow(actor, serviceId))!;
    },

    /** The latest run of each of a customer's services (for the Onboarding view), in one query. */
    async customerRuns(actor: Actor, customerId: string): Promise<Workflow[]> {
      if (!(await repos.customers.get(scopeOf(actor), customerId))) throw notFound('Customer');
      const runs = await repos.lifecycle.latestRunsOfCustomer(customerId);
      return runs.map((r) => toWorkflow(r.workflow, r.steps));
    },

    /** The latest run of the service, or null when it never had one. */
    async workflow(actor: Actor, serviceId: string): Promise<Workflow | null> {
      await inScope(actor, serviceId);
      const found = await repos.workflows.latest(serviceId);
      return found ? toWorkflow(found.workflow, found.steps) : null;
    },
  };
}
export type RoutingService = ReturnType<typeof createRoutingService>;
