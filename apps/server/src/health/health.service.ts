import {
  can,
  overallLight,
  SbcOutcomeSchema,
  type HealthCheckResult,
  type ServiceHealth,
  type Workflow,
} from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { healthCheckJob } from '../jobs/definitions.ts';
import type { JobQueue } from '../jobs/job.ts';
import { AppError, forbidden, notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { stepContext, type RoutingAdapters } from '../routing/context.ts';
import type { RoutingService } from '../routing/routing.service.ts';
import type { StoredPlan } from '../routing/runner.ts';
import { sbcPlanFor } from '../routing/sbc-plan.ts';
import { domainStep, voiceRoutingStep } from '../routing/steps.ts';
import type { WorkflowsRepository } from '../routing/workflow.repository.ts';
import type { SbcInspection, SbcRecord } from '../sbc/provisioner.ts';
import type { ServicesRepository, StoredService } from '../services/services.repository.ts';
import type { CertificateFacts } from './certificate.ts';
import {
  certificateCheck,
  dnsCheck,
  optionsCheck,
  result,
  sbcCheck,
  tenantCheck,
  type Addresses,
  type TenantObject,
} from './checks.ts';
import type { HealthRepository } from './health.repository.ts';
import type { SipResponse } from './sip-options.ts';
import type { SipTarget } from './tls-probe.ts';

/** The network probes of the checks (chosen in the composition root). */
export type HealthProbes = {
  resolver: { servers(): string[]; resolve(fqdn: string): Promise<Addresses> };
  certificate(target: SipTarget): Promise<CertificateFacts>;
  options(target: SipTarget): Promise<SipResponse>;
  /** The SBC's SIP/TLS port (5061). */
  sipPort: number;
};

/** What the Configure SBC step recorded for the service (its rows, on which SBC), or null when it never ran. */
const sbcRecordOf = (outcomes: Record<string, unknown>): SbcRecord | null => {
  const parsed = SbcOutcomeSchema.safeParse(outcomes['configure-sbc'] ?? {});
  return parsed.success ? parsed.data.record : null;
};

const settle = <T>(p: Promise<T>): Promise<T | Error> =>
  p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));

const notApplicable = (reason: string): HealthCheckResult[] =>
  (['dns', 'certificate', 'sbc', 'tenant', 'sip-options'] as const).map((n) => result(n, 'grey', reason));

/**
 * The per-service health check (issue #11): DNS, the SBC's certificate, the SBC's rows, the tenant's domain and
 * voice route, SIP OPTIONS. Runs on demand, from the scheduled fan-out (one job per service) and after each run;
 * the latest result is kept per service. Drift (an object Trunkline configured that changed or went missing) is
 * repaired by re-running the idempotent workflow.
 */
export function createHealthService({
  repos,
  uow,
  jobs,
  probes,
  adapters,
  routing,
  spreadSeconds,
  now = () => new Date(),
}: {
  repos: { services: ServicesRepository; workflows: WorkflowsRepository; health: HealthRepository };
  uow: UnitOfWork<{ audit: AuditRepository }>;
  jobs: JobQueue;
  probes: HealthProbes;
  adapters: RoutingAdapters;
  routing: Pick<RoutingService, 'start'>;
  /** The scheduled checks of all services are spread over this many seconds (random jitter). */
  spreadSeconds: number;
  now?: () => Date;
}) {
  async function inScope(actor: Actor, serviceId: string) {
    const service = await repos.services.get(scopeOf(actor), serviceId);
    if (!service) throw notFound('Service');
    return service;
  }

  /**
   * The SBC rows: the service's SBC plan now (the SBC that holds its rows, its FQDN, ranges and session limit)
   * compared with the device by the provisioner; null when Configure SBC never ran.
   */
  async function sbcInspection(
    service: StoredService,
  ): Promise<{ name: string; inspection: SbcInspection | Error } | null> {
    const outcomes = await repos.workflows.latestOutcomes(service.id);
    const record = sbcRecordOf(outcomes);
    if (!record) return null;
    try {
      const { entry, plan } = await sbcPlanFor(adapters.sbc, service, outcomes);
      return {
        name: entry.name,
        inspection: await settle(adapters.sbc.provisioner(entry).inspect(plan.customer, record)),
      };
    } catch (e) {
      return { name: `SBC ${record.sbcId}`, inspection: e instanceof Error ? e : new Error(String(e)) };
    }
  }

  /**
   * Where the trunk must point now, as a new run would write it: its SBC's addresses (the inventory), else the
   * routing settings'; the last run's when neither can be read. An SBC whose addresses changed is DNS drift.
   */
  async function wantedAddresses(serviceId: string, plan: StoredPlan): Promise<Addresses> {
    const split = (list: string[]): Addresses => ({
      a: list.filter((x) => !x.includes(':')),
      aaaa: list.filter((x) => x.includes(':')),
    });
    const ofSbc = await adapters.sbc.forService(serviceId).then(
      (entry) => entry?.addresses ?? [],
      () => [],
    );
    if (ofSbc.length) return split(ofSbc);
    const ofSettings = await adapters.routingSettings.effective().then(
      (settings) => settings.sbcAddresses,
      () => [],
    );
    return ofSettings.length ? split(ofSettings) : plan.addresses;
  }

  async function tenantObjects(
    serviceId: string,
    plan: StoredPlan,
    configureDns: boolean,
  ): Promise<TenantObject[]> {
    const ctx = await stepContext(adapters, serviceId, plan, configureDns, {});
    const domain = await domainStep.preview(ctx);
    const teams = await voiceRoutingStep.preview(ctx);
    // The verification TXT row of an unverified domain's preview is part of the domain's drift already.
    return [...domain.filter((c) => c.area === 'tenant'), ...teams];
  }

  /** Runs the five checks of one service now (no scope: the caller found the service). */
  async function runChecks(service: StoredService): Promise<ServiceHealth> {
    const serviceId = service.id;
    const startedAt = now();
    const latest = await repos.workflows.latest(serviceId);
    const onboard =
      latest?.workflow.kind === 'onboard' ? latest : await repos.workflows.latest(serviceId, 'onboard');
    let checks: HealthCheckResult[];
    if (!onboard)
      checks = notApplicable('Nothing is configured for this service yet: default routing has not run.');
    else if (latest?.workflow.kind === 'offboard') checks = notApplicable('The service was removed.');
    else {
      const plan = onboard.workflow.plan as StoredPlan;
      const fqdn = plan.trunkFqdn;
      const expected = await wantedAddresses(serviceId, plan);
      const resolved = await settle(probes.resolver.resolve(fqdn));
      // The SBC is reached at the address the world resolves (as Microsoft would), else at its configured one, so
      // a DNS fault does not hide the state of the certificate and the SIP listener.
      const reachable = resolved instanceof Error ? [] : [...resolved.a, ...resolved.aaaa];
      const address = reachable[0] ?? expected.a[0] ?? expected.aaaa[0];
      const target = address ? { address, port: probes.sipPort, servername: fqdn } : null;
      const [cert, options, sbc, tenant] = await Promise.all([
        target ? settle(probes.certificate(target)) : null,
        target ? settle(probes.options(target)) : null,
        sbcInspection(service),
        settle(tenantObjects(serviceId, plan, onboard.workflow.configureDns)),
      ]);
      checks = [
        dnsCheck(
          fqdn,
          expected,
          resolved,
          onboard.workflow.configureDns,
          probes.resolver.servers().join(', ') || 'the system resolver',
        ),
        target && cert
          ? certificateCheck(fqdn, target, cert, startedAt)
          : result('certificate', 'grey', 'The SBC has no address to connect to.'),
        sbcCheck(sbc && { name: sbc.name }, sbc?.inspection ?? null),
        tenantCheck(tenant),
        target && options
          ? optionsCheck(target, options)
          : result('sip-options', 'grey', 'The SBC has no address to connect to.'),
      ];
    }
    const health: ServiceHealth = {
      serviceId,
      checkedAt: startedAt.toISOString(),
      overall: overallLight(checks.map((c) => c.light)),
      checks,
      drift: checks.some((c) => c.drift.length > 0),
    };
    await repos.health.save(health);
    return health;
  }

  return {
    /** GET /services/{id}/health: the latest result, null before the first check. */
    async get(actor: Actor, serviceId: string): Promise<ServiceHealth | null> {
      await inScope(actor, serviceId);
      return repos.health.get(serviceId);
    },

    /** POST /services/{id}/health/check: checks now and answers the result (anyone who sees the service). */
    async checkNow(actor: Actor, serviceId: string): Promise<ServiceHealth> {
      return runChecks(await inScope(actor, serviceId));
    },

    /** The `health.check` job: one service, by the system; a service deleted meanwhile is skipped. */
    async checkForJob(serviceId: string): Promise<ServiceHealth | null> {
      const service = await repos.services.get({ kind: 'provider' }, serviceId);
      return service ? runChecks(service) : null;
    },

    /**
     * The `health.fan-out` job: one small `health.check` job per service, spread over `spreadSeconds` with random
     * jitter, one queued per service (the queue's singleton key), never one loop that checks every service.
     */
    async fanOut(): Promise<{ services: number; queued: number }> {
      const ids = await repos.health.servicesToCheck();
      let queued = 0;
      for (const serviceId of ids) {
        const delay = Math.floor(Math.random() * spreadSeconds);
        const id = await jobs.send(
          healthCheckJob,
          { serviceId },
          { singletonKey: `scheduled:${serviceId}`, ...(delay ? { startAfterSeconds: delay } : {}) },
        );
        if (id) queued += 1;
      }
      return { services: ids.length, queued };
    },

    /**
     * POST /services/{id}/repair: re-runs the idempotent onboarding workflow the service had (default routing
     * with DNS as before, and the SBC on the SBC that holds its rows when Configure SBC ran) through the routing
     * service, which refuses (409) while a run is open. The health is checked again when the run finishes.
     */
    async repair(actor: Actor, serviceId: string): Promise<Workflow> {
      if (!can(actor.role, 'routing.configure'))
        throw forbidden('Only the provider or the channel repairs a service.');
      const service = await inScope(actor, serviceId);
      const last = await repos.workflows.latestRouting(serviceId);
      if (!last)
        throw new AppError(
          'conflict',
          'Nothing was configured for this service: there is nothing to repair.',
        );
      const record = sbcRecordOf(await repos.workflows.latestOutcomes(serviceId));
      const health = await repos.health.get(serviceId);
      const run = await routing.start(
        actor,
        serviceId,
        last.workflow.configureDns,
        record ? { sbcId: record.sbcId } : undefined,
      );
      await uow(async (r) =>
        recordAudit(r.audit, actor, {
          action: 'service.repair',
          targetType: 'service',
          targetId: serviceId,
          customerId: service.customerId,
          summary: {
            workflowId: run.id,
            drift: health?.checks.flatMap((c) => c.drift.map((d) => `${c.name}: ${d.object}`)) ?? [],
          },
        }),
      );
      return run;
    },
  };
}
export type HealthService = ReturnType<typeof createHealthService>;
