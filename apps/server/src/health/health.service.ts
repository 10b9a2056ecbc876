import {
  can,
  overallLight,
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
import { domainStep, voiceRoutingStep } from '../routing/steps.ts';
import type { WorkflowsRepository } from '../routing/workflow.repository.ts';
import type { SbcInspection } from '../sbc/provisioner.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
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

/**
 * The service's SBC as the health check needs it: its name, its public addresses (the DNS records must point at
 * them) and a read of its rows for the customer. Null while no SBC is configured for the service.
 */
export type HealthSbc = { name: string; addresses: string[]; inspect(): Promise<SbcInspection> };

/** The network probes of the checks (chosen in the composition root). */
export type HealthProbes = {
  resolver: { servers(): string[]; resolve(fqdn: string): Promise<Addresses> };
  certificate(target: SipTarget): Promise<CertificateFacts>;
  options(target: SipTarget): Promise<SipResponse>;
  /** The SBC's SIP/TLS port (5061). */
  sipPort: number;
  /** The service's SBC from the inventory and the Configure SBC step's record; null when none. */
  sbc(serviceId: string): Promise<HealthSbc | null>;
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
  async function runChecks(serviceId: string): Promise<ServiceHealth> {
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
      const sbc = await settle(probes.sbc(serviceId));
      const sbcEntry = sbc instanceof Error ? null : sbc;
      const expected: Addresses = sbcEntry
        ? {
            a: sbcEntry.addresses.filter((a) => !a.includes(':')),
            aaaa: sbcEntry.addresses.filter((a) => a.includes(':')),
          }
        : plan.addresses;
      const resolved = await settle(probes.resolver.resolve(fqdn));
      // The SBC is reached at the address the world resolves (as Microsoft would), else at its configured one, so
      // a DNS fault does not hide the state of the certificate and the SIP listener.
      const reachable = resolved instanceof Error ? [] : [...resolved.a, ...resolved.aaaa];
      const address = reachable[0] ?? expected.a[0] ?? expected.aaaa[0];
      const target = address ? { address, port: probes.sipPort, servername: fqdn } : null;
      const [cert, options, inspection, tenant] = await Promise.all([
        target ? settle(probes.certificate(target)) : null,
        target ? settle(probes.options(target)) : null,
        sbcEntry ? settle(sbcEntry.inspect()) : null,
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
        sbc instanceof Error
          ? result('sbc', 'amber', `Could not find the service's SBC: ${sbc.message}`)
          : sbcCheck(sbcEntry, inspection),
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
      await inScope(actor, serviceId);
      return runChecks(serviceId);
    },

    /** The `health.check` job: one service, by the system; a service deleted meanwhile is skipped. */
    async checkForJob(serviceId: string): Promise<ServiceHealth | null> {
      if (!(await repos.services.get({ kind: 'provider' }, serviceId))) return null;
      return runChecks(serviceId);
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
     * POST /services/{id}/repair: re-runs the idempotent onboarding workflow the service had (default routing,
     * with DNS as before) through the routing service, which refuses (409) while a run is open. The health is
     * checked again when the run finishes.
     */
    async repair(actor: Actor, serviceId: string): Promise<Workflow> {
      if (!can(actor.role, 'routing.configure'))
        throw forbidden('Only the provider or the channel repairs a service.');
      const service = await inScope(actor, serviceId);
      const last = await repos.workflows.latest(serviceId, 'onboard');
      if (!last)
        throw new AppError(
          'conflict',
          'Nothing was configured for this service: there is nothing to repair.',
        );
      const health = await repos.health.get(serviceId);
      const run = await routing.start(actor, serviceId, last.workflow.configureDns);
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
