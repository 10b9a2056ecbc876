import {
  handOverVoiceRouting,
  mergeVoiceRoutingOutcome,
  SbcOutcomeSchema,
  type ServiceStatus,
} from '@trunkline/contracts';
import { systemActor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import type { WorkflowsRepository } from './workflow.repository.ts';
import type { SbcAllocationsRepository } from '../sbc/allocations.repository.ts';
import { heldRows } from '../sbc/provisioners.ts';
import { recordAudit } from '../audit/audit.ts';
import { healthCheckJob, qoeSyncSubscriptionsJob, routingStepJob } from '../jobs/definitions.ts';
import type { JobQueue, TransactionJobQueue } from '../jobs/job.ts';
import type { Logger } from '../platform/logger.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { stepContext, type RoutingAdapters } from './context.ts';
import type { RoutingPlan } from './plan.ts';
import type { EffectiveRouting } from './routing-settings.service.ts';
import { DnsError } from '../dns/dns-provider.ts';
import { retryAfterOf } from '../microsoft/throttle.ts';
import {
  PREVIEW_READS_SECONDS,
  readVoiceRouting,
  steps,
  type Outcome,
  type Step,
  type StepResult,
} from './steps.ts';
import type { StepPatch, StepRetry, StepRow, TeamsClaim, WorkflowRow } from './workflow.repository.ts';

/** Attempts of a step that fails for a passing reason (Microsoft or DNS unreachable) before it counts as failed. */
const TRANSIENT_ATTEMPTS = 6;
const MAX_WAIT_SECONDS = 3600;
/**
 * How long a voice-routing step waits while another run of the same tenant changes its Teams objects, at most: the
 * run that held the tenant wakes the next waiting one as its step ends (`wakeTeamsWaiter`); this poll is the fallback.
 */
const TEAMS_BUSY_SECONDS = 2;
const TEAMS_BUSY_MESSAGE = 'Waiting while another run changes the Teams voice routing of this tenant.';
/** The newest entries of a step's retry history that are kept (an hourly check past a deadline adds one an hour). */
const RETRIES_KEPT = 50;

export type StoredPlan = RoutingPlan & { onboardingOutcomes?: Record<string, Outcome> };

/**
 * Failures worth trying again soon, by one rule: the port errors (directory, Teams, DNS) say so in `transient`;
 * anything else (a StepFailure, a bug) is not.
 */
export function isTransient(e: unknown): boolean {
  const flag = (e as { transient?: unknown } | null)?.transient;
  if (typeof flag === 'boolean') return flag;
  // DnsError does not carry the flag yet (dns/ is being split): its passing kinds until it does.
  return e instanceof DnsError && ['unreachable', 'timeout', 'server-failure'].includes(e.kind);
}

/** Microsoft refused the access token itself (401: expired early, revoked), as the port errors say. */
export function isTokenRejected(e: unknown): boolean {
  return (e as { tokenRejected?: unknown } | null)?.tokenRejected === true;
}

/** Makes the service hold exactly the SBC rows its SBC step's record names (`sbc_allocations`). */
async function holdSbcRows(allocations: SbcAllocationsRepository, serviceId: string, outcome: Outcome) {
  const parsed = SbcOutcomeSchema.safeParse(outcome);
  const record = parsed.success ? parsed.data.record : null;
  if (!record) return;
  await allocations.hold(record.sbcId, serviceId, heldRows(record));
}

/** A voice-routing record as stored (typed, or a legacy list of what Trunkline created), for the hand-over. */
const voiceRecord = (raw: unknown) => readVoiceRouting((raw ?? {}) as Outcome);

/** Thrown where a worker finds that its lease on the run has gone to another: it stops without writing. */
class LeaseLost extends Error {
  constructor() {
    super('The lease on this routing run was lost; another worker carries on.');
    this.name = 'LeaseLost';
  }
}

/**
 * Runs routing workflows: each step reads the actual state, applies only the difference and verifies, so a
 * step that runs twice (a crash, a Retry) changes nothing the second time. Every step records status,
 * attempts, timings and the last error in plain words. A waiting step (DNS propagation, Microsoft not yet
 * accepting a new domain) is rescheduled as a delayed job with growing intervals; no worker waits.
 */
export function createRoutingRunner({
  repos,
  uow,
  jobs,
  adapters,
  retryBaseSeconds,
  leaseSeconds,
  log,
  now = () => new Date(),
}: {
  repos: { workflows: WorkflowsRepository };
  uow: UnitOfWork<{
    audit: AuditRepository;
    jobs: TransactionJobQueue;
    sbcAllocations: SbcAllocationsRepository;
    services: ServicesRepository;
    workflows: WorkflowsRepository;
  }>;
  jobs: JobQueue;
  adapters: RoutingAdapters;
  retryBaseSeconds: number;
  /** How long a worker's hold on a run lasts unless renewed; it is renewed every third of it while working. */
  leaseSeconds: number;
  log: Logger;
  now?: () => Date;
}) {
  const actor = systemActor('routing');
  const leaseUntil = () => new Date(now().getTime() + leaseSeconds * 1000);
  const finalStatus: Record<WorkflowRow['kind'], ServiceStatus> = { onboard: 'active', offboard: 'removed' };

  /**
   * A removed service's claims on the tenant's shared Teams objects (created by Trunkline, usage added, the
   * global grant) pass to every remaining service with a voice-routing record (`handOverVoiceRouting`: also one
   * that does not name the objects yet, its step cut off), so that the last one to leave removes them. Called
   * once, as the offboarding's voice-routing step ends (every offboarding has that step).
   */
  async function handOverTeamsClaims(r: Parameters<Parameters<typeof uow>[0]>[0], w: WorkflowRow) {
    const mine = (w.plan as StoredPlan).onboardingOutcomes?.['voice-routing'];
    if (!mine) return;
    const leaving = voiceRecord(mine);
    for (const other of await r.workflows.servicesSharingTenant(w.serviceId)) {
      // The other service's newest run with Teams objects (an "SBC only" run has none).
      const last = await r.workflows.latestWithStep(other, 'voice-routing');
      if (!last) continue;
      const step = last.steps.find((s) => s.name === 'voice-routing');
      if (last.workflow.kind === 'offboard') {
        // Leaving too, and its voice-routing step has not run yet: it removes with the copy of its onboarding
        // records its run took at the start, so the claims go into that copy (or nobody would remove the objects).
        const plan = last.workflow.plan as StoredPlan;
        const record = plan.onboardingOutcomes?.['voice-routing'];
        if (step?.status === 'succeeded' || !record) continue;
        const after = handOverVoiceRouting(voiceRecord(record), leaving);
        await r.workflows.setPlan(last.workflow.id, {
          ...plan,
          onboardingOutcomes: { ...plan.onboardingOutcomes, 'voice-routing': after },
        });
        continue;
      }
      if (!step?.outcome) continue;
      const before = voiceRecord(step.outcome);
      const after = handOverVoiceRouting(before, leaving);
      if (JSON.stringify(after) !== JSON.stringify(before))
        await r.workflows.updateStep(last.workflow.id, 'voice-routing', { outcome: after });
    }
  }

  async function finish(w: WorkflowRow) {
    await uow(async (r) => {
      await r.workflows.setStatus(w.id, 'succeeded');
      const service = await r.services.get({ kind: 'provider' }, w.serviceId);
      await r.services.update({ kind: 'provider' }, w.serviceId, { status: finalStatus[w.kind] });
      await recordAudit(r.audit, actor, {
        action:
          w.kind === 'offboard'
            ? 'routing.offboard-complete'
            : w.scope === 'sbc'
              ? 'sbc.complete'
              : 'routing.complete',
        targetType: 'service',
        targetId: w.serviceId,
        customerId: service?.customerId ?? null,
      });
      // A removed service's call-record subscription is deleted at once (qoe/), not at the next scheduled sync.
      if (w.kind === 'offboard') await r.jobs.send(qoeSyncSubscriptionsJob, {});
      // The service's health is checked again after each run (health/), one queued check per service.
      await r.jobs.send(healthCheckJob, { serviceId: w.serviceId }, { singletonKey: `run:${w.serviceId}` });
    });
  }

  async function fail(w: WorkflowRow, step: StepRow, message: string, retries: StepRetry[] = step.retries) {
    await uow(async (r) => {
      await r.workflows.updateStep(
        w.id,
        step.name,
        {
          status: 'failed',
          lastError: message,
          finishedAt: now(),
          nextAttemptAt: null,
          retries,
        },
        'failed',
      );
      const service = await r.services.get({ kind: 'provider' }, w.serviceId);
      await r.services.update({ kind: 'provider' }, w.serviceId, { status: 'failed' });
      await recordAudit(r.audit, actor, {
        action: 'routing.step',
        targetType: 'service',
        targetId: w.serviceId,
        customerId: service?.customerId ?? null,
        outcome: 'failure',
        summary: { workflow: w.kind, step: step.name, error: message },
      });
    });
  }

  async function later(
    w: WorkflowRow,
    step: StepRow,
    seconds: number,
    patch: {
      message?: string | null;
      lastError?: string | null;
      outcome?: Outcome;
      waitingSince?: Date;
      attempts?: number;
      retries: StepRetry[];
    },
  ) {
    const at = new Date(now().getTime() + seconds * 1000);
    await uow(async (r) => {
      await r.workflows.updateStep(
        w.id,
        step.name,
        { status: 'waiting', nextAttemptAt: at, ...patch },
        'waiting',
      );
      await r.jobs.send(routingStepJob, { workflowId: w.id }, { startAfterSeconds: seconds });
    });
  }

  const backoff = (attempt: number) =>
    Math.min(MAX_WAIT_SECONDS, retryBaseSeconds * 2 ** Math.max(0, Math.min(attempt - 1, 12)));

  /**
   * Marks a step running (and its run: one write). The voice-routing step first claims its tenant's Teams objects (`claimTeamsStep`):
   * while another run of a service in the same tenant is changing them, this one waits a few seconds instead
   * (its job comes back then; not an attempt). Answers whether the step may run now.
   */
  /** The runs of this process whose voice-routing step holds its tenant (claimed, not yet ended). */
  const holdingTenant = new Set<string>();

  /**
   * As a voice-routing step that held its tenant ends (done, waiting, failed), the run of the tenant that waits for
   * it and is due soonest goes at once: its step is made due and its job sent, instead of its coming back up to
   * `TEAMS_BUSY_SECONDS` later (with many services of one tenant, that poll was most of their voice-routing time).
   */
  async function wakeTeamsWaiter(w: WorkflowRow) {
    await uow(async (r) => {
      const next = await r.workflows.wakeTeamsWaiter(w.serviceId, TEAMS_BUSY_MESSAGE, now());
      if (next) await r.jobs.send(routingStepJob, { workflowId: next });
    }).catch((e: unknown) =>
      // The waiting run's own poll brings it back anyway.
      log.warn({ workflowId: w.id, err: e }, 'waking the next voice-routing step of the tenant failed'),
    );
  }

  async function markRunning(
    w: WorkflowRow,
    step: StepRow,
    running: StepPatch,
    claim: TeamsClaim = w.kind,
  ): Promise<boolean> {
    if (step.name !== 'voice-routing') {
      await repos.workflows.updateStep(w.id, step.name, running, 'running');
      return true;
    }
    // Taken before the transaction: the job's start (pg-boss: the transaction's now() + TEAMS_BUSY_SECONDS) is then
    // never before the step's next attempt. Taken after the claim's statements, it was later than the job's start by
    // their duration, and a poll in between found the job early, took it for a duplicate and ended it: the wait then
    // came back only with the routing sweep (a waiting step 14 s overdue with no job, in the waiting bench).
    const at = new Date(now().getTime() + TEAMS_BUSY_SECONDS * 1000);
    return uow(async (r) => {
      if (await r.workflows.claimTeamsStep(w.id, w.serviceId, running, now(), claim)) {
        // A check holds nobody up that the wake would be for (only an offboarding waits for it, and polls).
        if (claim !== 'check') holdingTenant.add(w.id);
        return true;
      }
      await r.workflows.updateStep(w.id, step.name, {
        status: 'waiting',
        nextAttemptAt: at,
        message: TEAMS_BUSY_MESSAGE,
      });
      await r.workflows.setStatus(w.id, 'waiting');
      await r.jobs.send(routingStepJob, { workflowId: w.id }, { startAfterSeconds: TEAMS_BUSY_SECONDS });
      return false;
    });
  }

  /**
   * Runs one step; answers the run as the step's end left it when the workflow should go on with the next one now,
   * else null.
   */
  async function runStep(
    w: WorkflowRow,
    step: StepRow,
    lost: () => boolean,
    runAdapters: RoutingAdapters,
  ): Promise<WorkflowRow | null> {
    let plan = w.plan as StoredPlan;
    const attempts = step.attempts + 1;
    // The step's retry history: every time it is tried again, when and why (kept in the step, shown by the API).
    let retries = step.retries;
    const retried = (reason: string) =>
      (retries = [...retries, { at: now().toISOString(), reason }].slice(-RETRIES_KEPT));
    const running: StepPatch = { status: 'running', attempts, startedAt: step.startedAt ?? now() };
    // A step that has waited for Microsoft (an onboarding's voice-routing step: Teams activation) is first checked
    // without reading the tenant or taking its turn (`Step.check`, `claimTeamsStep`'s `check`); only once Microsoft
    // accepts does it go on below: its turn, the tenant read, the rest written.
    const impl: Step = steps[step.name as keyof typeof steps];
    if (w.kind === 'onboard' && step.waitingSince && impl.check) {
      if (!(await markRunning(w, step, running, 'check'))) return null;
      const checked = await checkStep(w, step, runAdapters, impl.check).catch((e: unknown) => {
        // The full attempt below meets the same failure and handles it (Retry-After, a refused token, a verdict).
        log.warn({ workflowId: w.id, step: step.name, err: e }, 'routing step check failed');
        return null;
      });
      if (checked) {
        if (lost()) return null;
        return afterResult(w, { ...step, retries }, attempts, step.outcome as Outcome, checked, false);
      }
    }
    if (!(await markRunning(w, step, running))) return null;
    // Holding the tenant now, the step reads its records again: a service that left while this run waited may have
    // handed its claims on the shared Teams objects over into them (handOverTeamsClaims): an onboarding's step
    // record (read before the claim), an offboarding's copy of the onboarding records, or, when that service left
    // while this offboarding was being started, the onboarding record the copy was taken from (merged in).
    let own = step.outcome as Outcome | null;
    if (step.name === 'voice-routing') {
      if (w.kind === 'onboard')
        own =
          ((await repos.workflows.steps(w.id)).find((s) => s.name === step.name)
            ?.outcome as Outcome | null) ?? own;
      else {
        const fresh = await repos.workflows.get(w.id);
        plan = (fresh?.workflow.plan as StoredPlan | undefined) ?? plan;
        const onboarding = (await repos.workflows.latestOutcomes(w.serviceId))['voice-routing'];
        const copy = plan.onboardingOutcomes?.['voice-routing'];
        if (onboarding)
          plan = {
            ...plan,
            onboardingOutcomes: {
              ...plan.onboardingOutcomes,
              'voice-routing': mergeVoiceRoutingOutcome(voiceRecord(copy), voiceRecord(onboarding)),
            },
          };
      }
    }
    if (step.name === 'voice-routing' && w.status !== 'running')
      await repos.workflows.setStatus(w.id, 'running');
    const previous = w.kind === 'offboard' ? (plan.onboardingOutcomes?.[step.name] ?? {}) : (own ?? {});
    // What the step recorded so far (onboarding only: offboarding keeps what onboarding recorded).
    let recorded = previous;
    let result: StepResult;
    try {
      const checkpoint = async (outcome: Outcome) => {
        // No change is made (nor recorded) by a worker that lost the run to another.
        if (lost()) throw new LeaseLost();
        if (w.kind !== 'onboard') return;
        if (step.name === 'configure-sbc') {
          // The rows' indexes are claimed in the same transaction as the record, before the device write.
          await uow(async (r) => {
            await r.workflows.updateStep(w.id, step.name, { outcome });
            await holdSbcRows(r.sbcAllocations, w.serviceId, outcome);
          });
          recorded = outcome;
          return;
        }
        recorded = outcome;
        await repos.workflows.updateStep(w.id, step.name, { outcome: recorded });
      };
      // The start's plan preview reads serve a step's first attempt only, and only while fresh: any later attempt
      // (after a failure, a wait, a crash, a refused token or a Retry) and a run that resumes later read again.
      const reads = plan.previewReads;
      const fromPreview =
        w.kind === 'onboard' &&
        step.attempts === 0 &&
        reads &&
        now().getTime() - Date.parse(reads.at) <= PREVIEW_READS_SECONDS * 1000
          ? reads
          : undefined;
      const once = async (reuse: boolean) => {
        const ctx = await stepContext(
          runAdapters,
          w.serviceId,
          plan,
          w.configureDns,
          recorded,
          checkpoint,
          reuse ? fromPreview : undefined,
        );
        return w.kind === 'onboard' ? impl.apply(ctx) : impl.remove(ctx);
      };
      // A token Microsoft refuses is asked for again once, and the step tried again at once with the new one (its
      // first try may reuse the preview's read).
      result = await withNewTokenOnRefusal(runAdapters, w.serviceId, once, {
        lost,
        refused: (e) =>
          retried(
            `${e instanceof Error ? e.message : String(e)} (Microsoft refused the access token: a new one was requested and the step tried again)`,
          ),
      });
    } catch (e) {
      if (e instanceof LeaseLost || lost()) return null;
      if (!(e instanceof DnsError && e.kind === 'manual-action-required')) {
        const message = e instanceof Error ? e.message : String(e);
        log.warn({ workflowId: w.id, step: step.name, attempts, err: e }, 'routing step failed');
        // Microsoft throttled (429/503 with Retry-After): the step gives its worker slot back and its job comes
        // back when Microsoft said, recorded in the step; it is not counted as a failed attempt.
        const retryAfter = isTransient(e) ? retryAfterOf(e) : undefined;
        if (retryAfter !== undefined) {
          const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(retryAfter)));
          const at = new Date(now().getTime() + seconds * 1000).toISOString();
          const lastError = `${message} (Microsoft asked to wait ${retryAfter} s: Retry-After; trying again at ${at})`;
          await later(w, step, seconds, { attempts: step.attempts, lastError, retries: retried(lastError) });
          return null;
        }
        if (isTransient(e) && attempts < TRANSIENT_ATTEMPTS) {
          const lastError = `${message} (trying again)`;
          await later(w, { ...step, attempts }, backoff(attempts), {
            lastError,
            retries: retried(lastError),
          });
          return null;
        }
        await fail(w, step, message, retries);
        return null;
      }
      // Manual DNS: the step shows the records to create and checks again until they resolve.
      result = {
        kind: 'wait',
        message: e.message,
        deadlineMinutes: plan.dnsVerifyDeadlineMinutes,
        then: 'keep-waiting',
      };
    }
    if (lost()) return null;
    // With the records as read once holding the tenant: a leaving service hands over what it was handed.
    return afterResult({ ...w, plan }, { ...step, retries }, attempts, recorded, result);
  }

  /**
   * A step's check (`Step.check`) with the step's context as an attempt builds it: a wait while Microsoft still
   * refuses (a refused token is asked for again once, as for an attempt), null to go on with the full attempt.
   */
  async function checkStep(
    w: WorkflowRow,
    step: StepRow,
    runAdapters: RoutingAdapters,
    check: NonNullable<Step['check']>,
  ): Promise<StepResult | null> {
    const once = async () =>
      check(
        await stepContext(
          runAdapters,
          w.serviceId,
          w.plan as StoredPlan,
          w.configureDns,
          (step.outcome ?? {}) as Outcome,
        ),
      );
    return withNewTokenOnRefusal(runAdapters, w.serviceId, once);
  }

  /**
   * Runs `attempt` (`first` true); when Microsoft refuses its access token (401: lapsed early, revoked), forgets
   * the tenant's tokens in this process and runs it once more (`first` false) with new ones, after `refused`; a
   * second refusal is thrown like any other failure. Not when the lease was `lost` meanwhile.
   */
  async function withNewTokenOnRefusal<T>(
    runAdapters: RoutingAdapters,
    serviceId: string,
    attempt: (first: boolean) => Promise<T>,
    on: { lost?: () => boolean; refused?: (e: unknown) => void } = {},
  ): Promise<T> {
    return attempt(true).catch(async (e: unknown) => {
      if (!isTokenRejected(e) || on.lost?.()) throw e;
      runAdapters.access.forgetTokens((await runAdapters.access.connected(serviceId)).tenantId);
      on.refused?.(e);
      return attempt(false);
    });
  }

  async function afterResult(
    w: WorkflowRow,
    step: StepRow,
    attempts: number,
    recorded: Outcome,
    result: StepResult,
    /** False for a check's wait: it changed nothing, and the record it read may since have taken a hand-over. */
    writeOutcome = true,
  ): Promise<WorkflowRow | null> {
    // The step's own outcome is its whole record (merged monotonically by the step); offboarding keeps onboarding's.
    const outcome = w.kind === 'onboard' ? (result.outcome ?? recorded) : recorded;
    if (result.kind === 'done') {
      const succeeded: StepPatch = {
        status: 'succeeded',
        finishedAt: now(),
        message: result.message,
        lastError: null,
        nextAttemptAt: null,
        waitingSince: null,
        outcome,
        retries: step.retries,
      };
      // One write, unless the step's end changes more than its record: then one transaction for all of it.
      const more = (step.name === 'voice-routing' && w.kind === 'offboard') || step.name === 'configure-sbc';
      if (!more) return repos.workflows.updateStep(w.id, step.name, succeeded);
      return uow(async (r) => {
        const after = await r.workflows.updateStep(w.id, step.name, succeeded);
        // A leaving service hands its claims on the tenant's shared Teams objects over as its voice-routing step
        // ends, while that step still holds the tenant (claimTeamsStep): every other service's voice-routing step
        // has either recorded its outcome (and takes the claims) or has not started (and reads the tenant as this
        // step left it). Done only at the run's end, a step that ran in between recorded "not created" and missed
        // the hand-over, and the last service to leave left an empty route, its usage and policy behind.
        if (step.name === 'voice-routing' && w.kind === 'offboard') await handOverTeamsClaims(r, w);
        // The SBC step's indexes follow its record: the rows it no longer needs are free again; after removal, all.
        if (step.name === 'configure-sbc')
          if (w.kind === 'onboard') await holdSbcRows(r.sbcAllocations, w.serviceId, outcome);
          else await r.sbcAllocations.release(w.serviceId);
        return after;
      });
    }
    const since = step.waitingSince ?? now();
    const pastDeadline = now().getTime() - since.getTime() > result.deadlineMinutes * 60_000;
    if (pastDeadline && result.then === 'fail') {
      await fail(w, step, `Gave up after ${result.deadlineMinutes} minutes: ${result.message}`);
      return null;
    }
    const message = pastDeadline
      ? `Past the deadline, still checking hourly. ${result.message}`
      : result.message;
    await later(w, { ...step, attempts }, pastDeadline ? MAX_WAIT_SECONDS : backoff(attempts), {
      message,
      lastError: null,
      waitingSince: since,
      ...(writeOutcome ? { outcome } : {}),
      retries: [...step.retries, { at: now().toISOString(), reason: `Waiting: ${message}` }].slice(
        -RETRIES_KEPT,
      ),
    });
    return null;
  }

  return {
    /** Runs a workflow's due steps under its lease; returns at once if another worker holds it. */
    async run(workflowId: string, owner: string): Promise<'busy' | 'done' | 'stopped'> {
      const leased = await repos.workflows.lease(workflowId, owner, leaseUntil(), now());
      if (!leased) return 'busy';
      // Heartbeat: the lease stays ours while we work; if this process dies, it lapses and the run is free. If a
      // renewal finds it taken (this worker stalled past it and another took over), the run stops here: no
      // checkpoint, no step result is written any more.
      let lost = false;
      const heartbeat = setInterval(
        () =>
          void repos.workflows
            .lease(workflowId, owner, leaseUntil(), now())
            .then((ok) => {
              if (!ok) lost = true;
            })
            .catch((e: unknown) => log.warn({ workflowId, err: e }, 'routing lease renewal failed')),
        Math.max(200, (leaseSeconds * 1000) / 3),
      );
      // The routing settings are read (and their DNS secret opened) once per run, not once per step; a run that
      // waits ends here, and its next job reads them again.
      let settings: Promise<EffectiveRouting> | null = null;
      const runAdapters: RoutingAdapters = {
        ...adapters,
        routingSettings: {
          ...adapters.routingSettings,
          effective: () =>
            (settings ??= adapters.routingSettings.effective().catch((e: unknown) => {
              settings = null;
              throw e;
            })),
        },
      };
      try {
        // The run as the lease's update answered it; only its steps are read.
        let workflow: WorkflowRow = leased;
        let rows: StepRow[] = await repos.workflows.steps(workflowId);
        for (;;) {
          if (lost) return 'stopped';
          if (
            workflow.status === 'succeeded' ||
            workflow.status === 'failed' ||
            workflow.status === 'cancelled'
          )
            return 'stopped';
          const step = rows.find((s) => s.status !== 'succeeded' && s.status !== 'skipped');
          if (!step) {
            await finish(workflow);
            return 'done';
          }
          // A delayed attempt that is not due yet (an early duplicate job): its own job comes later.
          if (step.status === 'waiting' && step.nextAttemptAt && step.nextAttemptAt > now()) return 'stopped';
          const after = await runStep(workflow, step, () => lost, runAdapters);
          if (holdingTenant.delete(workflow.id) && !lost) await wakeTeamsWaiter(workflow);
          if (!after) return 'stopped';
          // The next step starts from the run as the step's end wrote it and the steps as read, this one done, without
          // reading them again: while this worker holds the lease nobody else changes them, except a leaving service
          // of the same tenant, which hands its claims on the shared Teams objects over into a voice-routing record,
          // and the voice-routing step reads its records again itself once it holds the tenant (runStep).
          rows = rows.map((s) => (s === step ? { ...s, status: 'succeeded' } : s));
          workflow = after;
        }
      } finally {
        holdingTenant.delete(workflowId);
        clearInterval(heartbeat);
        if (lost) log.warn({ workflowId, owner }, 'routing run stopped: another worker took its lease');
        else await repos.workflows.release(workflowId, owner);
      }
    },

    /**
     * Sends a job for every unfinished workflow nobody works on and no queued job will: a lapsed lease (its worker
     * died), or a run whose job was lost. A run whose job still waits in the queue (behind others, or delayed) is
     * left to it, so a backlog is not multiplied by every sweep of every worker. The jobs sent go before queued
     * ones: a run a dead worker left half done resumes first.
     */
    async sweep(): Promise<number> {
      const candidates = await repos.workflows.stalled(now());
      const queued = await jobs.queued(routingStepJob, 'workflowId', candidates);
      const stalled = candidates.filter((id) => !queued.has(id));
      for (const workflowId of stalled) await jobs.send(routingStepJob, { workflowId }, { priority: 1 });
      return stalled.length;
    },
  };
}
export type RoutingRunner = ReturnType<typeof createRoutingRunner>;
