import {
  and,
  asc,
  desc,
  eq,
  exists,
  gt,
  inArray,
  isNull,
  lt,
  lte,
  ne,
  notExists,
  notInArray,
  or,
  sql,
} from 'drizzle-orm';
import type { StepName, Workflow, WorkflowScope } from '@trunkline/contracts';
import { alias } from 'drizzle-orm/pg-core';
import { queryRows, type Executor } from '../platform/db/database.ts';
import { serviceConnections, services, workflows, workflowSteps } from '../platform/db/schema.ts';

export type WorkflowRow = typeof workflows.$inferSelect;
export type StepRow = typeof workflowSteps.$inferSelect;
/** What a step's update may change. */
export type StepPatch = Partial<Omit<StepRow, 'workflowId' | 'name' | 'position'>>;
/**
 * What a voice-routing step claims its tenant for (`claimTeamsStep`): to apply (onboarding), to remove
 * (offboarding), or to check whether Microsoft accepts its gateways yet.
 */
export type TeamsClaim = 'onboard' | 'offboard' | 'check';
/** The message of a voice-routing step while it checks whether Microsoft accepts its gateways (its marker). */
export const GATEWAY_CHECK_MESSAGE = 'Checking whether Microsoft accepts the trunk as a gateway yet.';
/** One entry of a step's retry history. */
export type StepRetry = StepRow['retries'][number];

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const toWorkflow = (w: WorkflowRow, steps: StepRow[]): Workflow => ({
  id: w.id,
  serviceId: w.serviceId,
  kind: w.kind,
  status: w.status,
  configureDns: w.configureDns,
  scope: w.scope,
  steps: steps
    .sort((a, b) => a.position - b.position)
    .map((s) => ({
      name: s.name as StepName,
      status: s.status as Workflow['steps'][number]['status'],
      attempts: s.attempts,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      nextAttemptAt: iso(s.nextAttemptAt),
      message: s.message,
      lastError: s.lastError,
      retries: s.retries,
    })),
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
  finishedAt: iso(w.finishedAt),
});

/** Workflows are reached through their service, whose scope the service layer checked. */
export function createWorkflowsRepository(db: Executor) {
  const stepsOf = (id: string): Promise<StepRow[]> =>
    db
      .select()
      .from(workflowSteps)
      .where(eq(workflowSteps.workflowId, id))
      .orderBy(asc(workflowSteps.position));
  return {
    async create(input: {
      serviceId: string;
      kind: 'onboard' | 'offboard';
      configureDns: boolean;
      /** What an onboarding run covers (default: routing). */
      scope?: WorkflowScope;
      plan: unknown;
      steps: StepName[];
      /** What earlier runs recorded per step (e.g. that Trunkline created the domain), carried forward. */
      outcomes?: Record<string, unknown>;
    }): Promise<{ workflow: WorkflowRow; steps: StepRow[] }> {
      const [w] = await db
        .insert(workflows)
        .values({
          serviceId: input.serviceId,
          kind: input.kind,
          status: 'running',
          configureDns: input.configureDns,
          scope: input.scope ?? 'routing',
          plan: input.plan,
        })
        .returning();
      // The rows as written, so the caller answers with the run without reading it again.
      const steps = await db
        .insert(workflowSteps)
        .values(
          input.steps.map((name, position) => ({
            workflowId: w!.id,
            name,
            position,
            status: 'pending',
            outcome: input.outcomes?.[name] ?? null,
          })),
        )
        .returning();
      return { workflow: w!, steps: steps.sort((a, b) => a.position - b.position) };
    },
    async get(id: string): Promise<{ workflow: WorkflowRow; steps: StepRow[] } | null> {
      const [w] = await db.select().from(workflows).where(eq(workflows.id, id));
      if (!w) return null;
      return { workflow: w, steps: await stepsOf(id) };
    },
    /** A run's steps, in order. */
    steps: stepsOf,
    /** The newest workflow of a service (of a kind), with its steps. */
    async latest(
      serviceId: string,
      kind?: 'onboard' | 'offboard',
    ): Promise<{ workflow: WorkflowRow; steps: StepRow[] } | null> {
      const [w] = await db
        .select()
        .from(workflows)
        .where(and(eq(workflows.serviceId, serviceId), kind ? eq(workflows.kind, kind) : undefined))
        .orderBy(desc(workflows.createdAt))
        .limit(1);
      return w ? this.get(w.id) : null;
    },
    /**
     * What onboarding runs recorded, per step: the newest recorded outcome of each step across the service's
     * onboarding runs (an "SBC only" run does not hide what the routing run recorded, and the reverse).
     */
    async latestOutcomes(serviceId: string): Promise<Record<string, unknown>> {
      const rows = await db
        .select({ name: workflowSteps.name, outcome: workflowSteps.outcome })
        .from(workflowSteps)
        .innerJoin(workflows, eq(workflows.id, workflowSteps.workflowId))
        .where(and(eq(workflows.serviceId, serviceId), eq(workflows.kind, 'onboard')))
        .orderBy(desc(workflows.createdAt));
      const out: Record<string, unknown> = {};
      for (const r of rows) if (r.outcome !== null && !(r.name in out)) out[r.name] = r.outcome;
      return out;
    },
    /** The newest run of a service that has the step (of any kind), with its steps. */
    async latestWithStep(
      serviceId: string,
      step: StepName,
    ): Promise<{ workflow: WorkflowRow; steps: StepRow[] } | null> {
      const [w] = await db
        .select({ id: workflows.id })
        .from(workflows)
        .innerJoin(workflowSteps, eq(workflowSteps.workflowId, workflows.id))
        .where(and(eq(workflows.serviceId, serviceId), eq(workflowSteps.name, step)))
        .orderBy(desc(workflows.createdAt))
        .limit(1);
      return w ? this.get(w.id) : null;
    },
    /** The newest onboarding run of a service that covers default routing (not "SBC only"). */
    async latestRouting(serviceId: string): Promise<{ workflow: WorkflowRow; steps: StepRow[] } | null> {
      const [w] = await db
        .select({ id: workflows.id })
        .from(workflows)
        .where(
          and(eq(workflows.serviceId, serviceId), eq(workflows.kind, 'onboard'), ne(workflows.scope, 'sbc')),
        )
        .orderBy(desc(workflows.createdAt))
        .limit(1);
      return w ? this.get(w.id) : null;
    },
    /** The other services connected to the same Microsoft tenant as this one (they share its Teams objects). */
    async servicesSharingTenant(serviceId: string): Promise<string[]> {
      const [own] = await db
        .select({ tenantId: serviceConnections.tenantId })
        .from(serviceConnections)
        .where(eq(serviceConnections.serviceId, serviceId));
      if (!own?.tenantId) return [];
      const rows = await db
        .select({ serviceId: serviceConnections.serviceId })
        .from(serviceConnections)
        .where(eq(serviceConnections.tenantId, own.tenantId));
      return rows.map((r) => r.serviceId).filter((id) => id !== serviceId);
    },
    /** The newest workflow of each of a customer's services, with steps: one query, however many services. */
    async latestOfCustomer(customerId: string): Promise<{ workflow: WorkflowRow; steps: StepRow[] }[]> {
      const newest = db
        .selectDistinctOn([workflows.serviceId], { id: workflows.id })
        .from(workflows)
        .innerJoin(services, eq(services.id, workflows.serviceId))
        .where(eq(services.customerId, customerId))
        .orderBy(workflows.serviceId, desc(workflows.createdAt));
      const rows = await db
        .select({ workflow: workflows, step: workflowSteps })
        .from(workflows)
        .innerJoin(workflowSteps, eq(workflowSteps.workflowId, workflows.id))
        .where(inArray(workflows.id, newest))
        .orderBy(workflows.serviceId, asc(workflowSteps.position));
      const byId = new Map<string, { workflow: WorkflowRow; steps: StepRow[] }>();
      for (const { workflow, step } of rows) {
        const entry = byId.get(workflow.id) ?? { workflow, steps: [] };
        entry.steps.push(step);
        byId.set(workflow.id, entry);
      }
      return [...byId.values()];
    },
    async open(serviceId: string): Promise<WorkflowRow | null> {
      const [w] = await db
        .select()
        .from(workflows)
        .where(
          and(eq(workflows.serviceId, serviceId), notInArray(workflows.status, ['succeeded', 'cancelled'])),
        );
      return w ?? null;
    },
    /**
     * Takes the workflow's lease for `owner` until `until`, unless another owner holds an unexpired one, and answers
     * the run as leased (null: another holds it). One UPDATE: two workers can never both win it.
     */
    async lease(id: string, owner: string, until: Date, now: Date): Promise<WorkflowRow | null> {
      const [row] = await db
        .update(workflows)
        .set({ leaseOwner: owner, leaseUntil: until })
        .where(
          and(
            eq(workflows.id, id),
            or(isNull(workflows.leaseUntil), lt(workflows.leaseUntil, now), eq(workflows.leaseOwner, owner)),
          ),
        )
        .returning();
      return row ?? null;
    },
    /**
     * Unfinished runs nobody works on (no lease, or an expired one) that a worker should take up: a step is due
     * (pending, or running/waiting with its next attempt due), or no step is left and the run only needs
     * finishing (its worker died after the last step and before `finish`).
     */
    async stalled(now: Date): Promise<string[]> {
      const ofRun = eq(workflowSteps.workflowId, workflows.id);
      const unfinished = inArray(workflowSteps.status, ['pending', 'running', 'waiting']);
      const step = () => db.select({ one: sql`1` }).from(workflowSteps);
      const rows = await db
        .select({ id: workflows.id })
        .from(workflows)
        .where(
          and(
            inArray(workflows.status, ['running', 'waiting']),
            or(isNull(workflows.leaseUntil), lt(workflows.leaseUntil, now)),
            or(
              exists(
                step().where(
                  and(
                    ofRun,
                    unfinished,
                    or(isNull(workflowSteps.nextAttemptAt), lte(workflowSteps.nextAttemptAt, now)),
                  ),
                ),
              ),
              notExists(step().where(and(ofRun, unfinished))),
            ),
          ),
        );
      return rows.map((r) => r.id);
    },
    async release(id: string, owner: string) {
      await db
        .update(workflows)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(and(eq(workflows.id, id), eq(workflows.leaseOwner, owner)));
    },
    /** Replaces a run's plan (an offboarding run's copy of the onboarding records takes a hand-over). */
    async setPlan(id: string, plan: WorkflowRow['plan']) {
      await db.update(workflows).set({ plan, updatedAt: new Date() }).where(eq(workflows.id, id));
    },
    async setStatus(id: string, status: WorkflowRow['status']) {
      const now = new Date();
      await db
        .update(workflows)
        .set({ status, updatedAt: now, finishedAt: status === 'succeeded' ? now : null })
        .where(eq(workflows.id, id));
    },
    /**
     * Marks a run's voice-routing step running (`patch`) unless the voice-routing step of another run in the same
     * Microsoft tenant is running under a live lease and the two may not run together: a tenant's shared Teams
     * objects (the PSTN usage, the voice route and the policy) are read, diffed and written by one run at a time, or
     * an offboarding could delete a route an onboarding has just added its trunk to. `claim` says what this step is
     * about to do:
     * - `onboard` / `offboard`: read the tenant and write; such steps take turns (one at a time per tenant).
     * - `check`: the check of an onboarding that waits for Microsoft to accept its gateways (`gatewayWrite`): one
     *   write, decided by no read, that can only create the route where none is or add its gateways to it. An
     *   onboarding's changes commute with it (they only add, and re-read on a 409), so checks and onboardings do
     *   not wait for each other and checks not for checks; an offboarding's removals do not, so an offboarding and
     *   a check never run together. A checking step is marked by its message (`GATEWAY_CHECK_MESSAGE`).
     * The tenant's advisory lock, held to the end of the caller's transaction, makes the check and the mark one step;
     * a crashed worker's lease lapses and frees the tenant. Two statements. Call it inside a unit of work.
     */
    async claimTeamsStep(
      workflowId: string,
      serviceId: string,
      patch: StepPatch,
      now: Date,
      claim: TeamsClaim,
    ): Promise<boolean> {
      const [own] = await queryRows<{ tenant_id: string }>(
        db,
        sql`select ${serviceConnections.tenantId} as tenant_id, pg_advisory_xact_lock(hashtext('trunkline:teams:' || ${serviceConnections.tenantId}))::text as locked
            from ${serviceConnections}
            where ${serviceConnections.serviceId} = ${serviceId} and ${serviceConnections.tenantId} is not null`,
      );
      const tenantId = own?.tenant_id;
      const other = alias(workflowSteps, 'other_step');
      const otherRun = alias(workflows, 'other_run');
      const otherConnection = alias(serviceConnections, 'other_connection');
      const busy = db
        .select({ one: sql`1` })
        .from(other)
        .innerJoin(otherRun, eq(otherRun.id, other.workflowId))
        .innerJoin(otherConnection, eq(otherConnection.serviceId, otherRun.serviceId))
        .where(
          and(
            eq(otherConnection.tenantId, tenantId ?? ''),
            eq(other.name, 'voice-routing'),
            eq(other.status, 'running'),
            ne(otherRun.id, workflowId),
            gt(otherRun.leaseUntil, now),
            claim === 'check' ? eq(otherRun.kind, 'offboard') : undefined,
            claim === 'onboard' ? sql`${other.message} is distinct from ${GATEWAY_CHECK_MESSAGE}` : undefined,
          ),
        );
      const claimed = db.$with('claimed').as(
        db
          .update(workflowSteps)
          .set({
            ...patch,
            message:
              claim === 'check'
                ? GATEWAY_CHECK_MESSAGE
                : sql`case when ${workflowSteps.message} = ${GATEWAY_CHECK_MESSAGE} then null else ${workflowSteps.message} end`,
          })
          .where(
            and(
              eq(workflowSteps.workflowId, workflowId),
              eq(workflowSteps.name, 'voice-routing'),
              tenantId ? notExists(busy) : undefined,
            ),
          )
          .returning({ workflowId: workflowSteps.workflowId }),
      );
      const rows = await db
        .with(claimed)
        .update(workflows)
        .set({ updatedAt: now })
        .where(and(eq(workflows.id, workflowId), exists(db.select().from(claimed))))
        .returning({ id: workflows.id });
      return rows.length === 1;
    },
    /**
     * Makes the voice-routing step of this service's tenant that waits for the tenant and is due soonest (`message`:
     * what the runner wrote when `claimTeamsStep` refused it) due now, and answers its run (null: none waits). The
     * run whose step held the tenant wakes the next one as that step ends; the waiting step's own poll is the
     * fallback. One statement. Call it inside a unit of work, with the job sent in it.
     */
    async wakeTeamsWaiter(serviceId: string, message: string, now: Date): Promise<string | null> {
      const rows = await queryRows<{ workflow_id: string }>(
        db,
        sql`update ${workflowSteps} set next_attempt_at = ${now.toISOString()}::timestamptz
            where name = 'voice-routing' and workflow_id = (
              select s.workflow_id from ${workflowSteps} s
              join ${workflows} w on w.id = s.workflow_id
              join ${serviceConnections} c on c.service_id = w.service_id
              join ${serviceConnections} own on own.tenant_id = c.tenant_id
              where own.service_id = ${serviceId} and w.status = 'waiting' and s.name = 'voice-routing'
                and s.status = 'waiting' and s.message = ${message} and s.next_attempt_at > ${now.toISOString()}::timestamptz
              order by s.next_attempt_at limit 1)
            returning workflow_id`,
      );
      return rows[0]?.workflow_id ?? null;
    },
    /**
     * Changes a step and touches its run (`updatedAt`; with `status`, the run's status too, as `setStatus` does) in
     * one statement: a step's start, checkpoints and outcome are each one write (the runner makes several per step,
     * between Microsoft calls). Answers the run as it is afterwards (null: no such run).
     */
    async updateStep(
      workflowId: string,
      name: string,
      patch: StepPatch,
      status?: WorkflowRow['status'],
    ): Promise<WorkflowRow | null> {
      const now = new Date();
      const step = db.$with('step').as(
        db
          .update(workflowSteps)
          .set(patch)
          .where(and(eq(workflowSteps.workflowId, workflowId), eq(workflowSteps.name, name)))
          .returning({ workflowId: workflowSteps.workflowId }),
      );
      const [w] = await db
        .with(step)
        .update(workflows)
        .set(
          status
            ? { status, updatedAt: now, finishedAt: status === 'succeeded' ? now : null }
            : { updatedAt: now },
        )
        .where(eq(workflows.id, workflowId))
        .returning();
      return w ?? null;
    },
  };
}
export type WorkflowsRepository = ReturnType<typeof createWorkflowsRepository>;
