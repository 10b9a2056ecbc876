import { and, eq, inArray, isNotNull, isNull, ne, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  ConnectionFacetStates,
  InvitationFacetStates,
  legacyStatusOf,
  lifecycleStateOf,
  LifecycleStates,
  RunFacetStatuses,
  TeamsRoleFacetStates,
  type LifecycleFacets,
  type LifecycleState,
  type ServiceStatus,
} from '@trunkline/contracts';
import {
  invitations,
  serviceConnections,
  serviceM365Settings,
  workflowSteps,
  workflows,
} from '../platform/db/schema.ts';
import { OPEN_INVITATION } from './lifecycle.repository.ts';

/**
 * The lifecycle state as a condition the database evaluates, for the services list's `state` and `status` filters
 * (keyset pages and counts in SQL instead of deriving every service's lifecycle in the process).
 *
 * Why derived, and not a stored `state` column: the state depends on the clock (an invitation stops being pending
 * when it expires, with no write), and on five tables written by the flows, the routing runner and the jobs; a
 * column would need every one of those writers (or triggers repeating the rules in PL/pgSQL) to keep a second
 * copy right. Here the rules stay in ONE place, `lifecycleStateOf` in contracts: the finite space of the facets it
 * reads (routing kind and status, connection, invitation, Teams role, M365 settings: 486 combinations) is
 * enumerated through it once, and a filter becomes "the service's facets are among the combinations that give this
 * state". SQL only reads each facet from its rows, as `facetsOf` (lifecycle.repository.ts) does, as an EXISTS or
 * NOT EXISTS the planner turns into a semi- or anti-join (docs/BENCHMARKS.md "API");
 * `test/onboarding/services-state-filter.test.ts` checks that the two agree (every state, mixed services), and
 * `test/unit/lifecycle-state-filter.unit.test.ts` that the state reads no other facet.
 */

const ROUTING_VALUES = [
  'none',
  ...(['onboard', 'offboard'] as const).flatMap((kind) => RunFacetStatuses.map((s) => `${kind}:${s}`)),
];

/** The facets `lifecycleStateOf` reads, each with every value it can take. */
export const STATE_DIMENSIONS = {
  routing: ROUTING_VALUES,
  connection: [...ConnectionFacetStates],
  invitation: [...InvitationFacetStates],
  teamsRole: [...TeamsRoleFacetStates],
  m365Settings: ['not-set', 'set'],
} as const satisfies Record<string, readonly string[]>;
type Dimension = keyof typeof STATE_DIMENSIONS;
const DIMENSIONS = Object.keys(STATE_DIMENSIONS) as Dimension[];
export type StateFacets = Record<Dimension, string>;

/** Full facets with the given values of the state's dimensions and fixed values elsewhere. */
export const facetsFrom = (t: StateFacets): LifecycleFacets => {
  const [kind, status] = t.routing.split(':') as ['onboard' | 'offboard', (typeof RunFacetStatuses)[number]];
  return {
    connection: { state: t.connection as LifecycleFacets['connection']['state'], reason: null },
    invitation: { state: t.invitation as LifecycleFacets['invitation']['state'], email: null },
    teamsRole: t.teamsRole as LifecycleFacets['teamsRole'],
    m365Settings: t.m365Settings as LifecycleFacets['m365Settings'],
    routing:
      t.routing === 'none' ? null : { kind, status, step: null, stepsDone: 0, stepsTotal: 1, message: null },
    sbc: 'not-started',
    objectsCreated: false,
  };
};

/** Every combination of the dimensions' values with the state `lifecycleStateOf` gives it. */
const combinations: { facets: StateFacets; state: LifecycleState }[] = DIMENSIONS.reduce<StateFacets[]>(
  (acc, d) => acc.flatMap((partial) => STATE_DIMENSIONS[d].map((v) => ({ ...partial, [d]: v }))),
  [{} as StateFacets],
).map((facets) => ({ facets, state: lifecycleStateOf(facetsFrom(facets)) }));

/** The later run and invitation the latest one is compared with. */
const w2 = alias(workflows, 'newer_run');
const i2 = alias(invitations, 'newer_invitation');
type WorkflowStatus = typeof workflows.$inferSelect.status;
/** A run the routing facet reads: not cancelled, not "SBC only", with steps. */
const countingRun = (w: typeof workflows | typeof w2) =>
  sql`${w.status} <> 'cancelled' and ${w.scope} <> 'sbc' and exists (select 1 from ${workflowSteps} where ${workflowSteps.workflowId} = ${w.id})`;
/** An invitation whose link still connects the tenant. */
const openInvitation = (i: typeof invitations | typeof i2) =>
  and(inArray(i.status, OPEN_INVITATION), sql`${i.expiresAt} > now()`)!;

/**
 * Where each facet is read from, as `facetsOf` (lifecycle.repository.ts) reads it: `rows`, the rows of the
 * service `id` that can give it, the latest that counts (a select whose WHERE the
 * caller extends); `where`, the condition on such a row for its facet to be one of `values` (never the absent
 * value), in plain column comparisons so that the planner can estimate them; `absent`, the facet when no row
 * counts. The Teams role and the connection come from one row (`row: 'connection'`).
 */
const sources: Record<
  Dimension,
  { rows: (id: SQLWrapper) => SQL; where: (values: readonly string[]) => SQL; absent: string; row: string }
> = {
  // The latest counting run (none newer).
  routing: {
    row: 'run',
    rows: (
      id,
    ) => sql`select 1 from ${workflows} where ${workflows.serviceId} = ${id} and ${countingRun(workflows)}
      and not exists (select 1 from ${workflows} as ${sql.identifier('newer_run')} where ${w2.serviceId} = ${workflows.serviceId}
        and ${w2.createdAt} > ${workflows.createdAt} and ${countingRun(w2)})`,
    where: (values) =>
      or(
        ...(['onboard', 'offboard'] as const).flatMap((kind) => {
          const statuses = values
            .filter((v) => v.startsWith(`${kind}:`))
            .map((v) => (v === `${kind}:done` ? 'succeeded' : v.slice(kind.length + 1)) as WorkflowStatus);
          return statuses.length ? [and(eq(workflows.kind, kind), inArray(workflows.status, statuses))] : [];
        }),
      )!,
    absent: 'none',
  },
  connection: {
    row: 'connection',
    rows: (id) => sql`select 1 from ${serviceConnections} where ${serviceConnections.serviceId} = ${id}`,
    where: (values) =>
      values.length === 2
        ? sql`true`
        : values[0] === 'connected'
          ? isNotNull(serviceConnections.lastSuccessAt)
          : isNull(serviceConnections.lastSuccessAt),
    absent: 'not-connected',
  },
  // The newest open invitation.
  invitation: {
    row: 'invitation',
    rows: (
      id,
    ) => sql`select 1 from ${invitations} where ${invitations.serviceId} = ${id} and ${openInvitation(invitations)}
      and not exists (select 1 from ${invitations} as ${sql.identifier('newer_invitation')} where ${i2.serviceId} = ${invitations.serviceId}
        and ${i2.createdAt} > ${invitations.createdAt} and ${openInvitation(i2)})`,
    where: (values) =>
      values.length === 2
        ? sql`true`
        : values[0] === 'send-failed'
          ? eq(invitations.status, 'send-failed')
          : ne(invitations.status, 'send-failed'),
    absent: 'none',
  },
  teamsRole: {
    row: 'connection',
    rows: (id) => sql`select 1 from ${serviceConnections} where ${serviceConnections.serviceId} = ${id}`,
    where: (values) => inArray(serviceConnections.teamsRoleState, [...values]),
    absent: 'unknown',
  },
  m365Settings: {
    row: 'm365Settings',
    rows: (id) => sql`select 1 from ${serviceM365Settings} where ${serviceM365Settings.serviceId} = ${id}`,
    where: () => sql`true`,
    absent: 'not-set',
  },
};

/**
 * "The facets `dims` of the service `id` are among `values`" as EXISTS and NOT EXISTS conditions, which the
 * database turns into semi- and anti-joins (a hash over the facet's table for a count, an index probe per row for
 * a page). A facet whose values leave out its absent value: a row that counts gives one of them; one whose values
 * hold it: no row that counts gives another. Facets read from one row (the connection and the Teams role) share
 * one condition of each kind.
 */
const facetsIn = (values: Partial<Record<Dimension, readonly string[]>>, id: SQLWrapper): SQL => {
  const groups = new Map<string, { negated: boolean; d: Dimension; where: SQL[] }>();
  for (const [d, wanted] of Object.entries(values) as [Dimension, readonly string[]][]) {
    const { absent, where, row } = sources[d];
    const negated = wanted.includes(absent);
    const chosen = negated
      ? STATE_DIMENSIONS[d].filter((v) => !wanted.includes(v) && v !== absent)
      : wanted.filter((v) => v !== absent);
    // Every value a row can give is wanted, and so is none: no condition.
    if (negated && chosen.length === 0) continue;
    const key = `${row}:${negated}`;
    const group = groups.get(key) ?? { negated, d, where: [] };
    group.where.push(where(chosen));
    groups.set(key, group);
  }
  const conditions = [...groups.values()].map(({ negated, d, where }) =>
    negated
      ? sql`not exists (${sources[d].rows(id)} and ${or(...where)})`
      : sql`exists (${sources[d].rows(id)} and ${and(...where)})`,
  );
  return conditions.length === 0 ? sql`true` : and(...conditions)!;
};

const keyOf = (t: StateFacets, dims: readonly Dimension[]) => dims.map((d) => t[d]).join('|');

/**
 * The combinations of `states`, described by as few facets as possible: a facet is left out when every value of
 * it keeps a combination in the set (`active` reads only the routing facet). When what remains is a product of
 * per-facet sets (every state today), the condition is one set of values per facet (`facetsIn`), each a join
 * the planner can choose; otherwise one such condition per combination, or'ed.
 */
export function describeStates(states: readonly LifecycleState[]): {
  dimensions: Dimension[];
  tuples: StateFacets[];
  product: boolean;
} {
  const wanted = new Set(states);
  let tuples = combinations.filter((c) => wanted.has(c.state)).map((c) => c.facets);
  let dimensions = [...DIMENSIONS];
  for (const d of DIMENSIONS) {
    const keys = new Set(tuples.map((t) => keyOf(t, dimensions)));
    const free = tuples.every((t) =>
      STATE_DIMENSIONS[d].every((v) => keys.has(keyOf({ ...t, [d]: v }, dimensions))),
    );
    if (!free) continue;
    dimensions = dimensions.filter((x) => x !== d);
    const seen = new Set<string>();
    tuples = tuples.filter((t) => {
      const k = keyOf(t, dimensions);
      return seen.has(k) ? false : (seen.add(k), true);
    });
  }
  const size = dimensions.reduce((n, d) => n * new Set(tuples.map((t) => t[d])).size, 1);
  return { dimensions, tuples, product: size === tuples.length };
}

/** Whether the lifecycle state of the service `id` (a column of the outer query) is one of `states`. */
export function lifecycleStateIn(states: readonly LifecycleState[], id: SQLWrapper): SQL {
  const { dimensions, tuples, product } = describeStates(states);
  if (tuples.length === 0) return sql`false`;
  if (dimensions.length === 0) return sql`true`;
  const valuesOf = (of: readonly StateFacets[]) =>
    Object.fromEntries(dimensions.map((d) => [d, [...new Set(of.map((t) => t[d]))]]));
  if (product) return facetsIn(valuesOf(tuples), id);
  return or(...tuples.map((t) => facetsIn(valuesOf([t]), id)))!;
}

/** The states a list's `state` and legacy `status` filters select together; undefined without either. */
export const statesMatching = (filter: {
  state?: LifecycleState | undefined;
  status?: ServiceStatus | undefined;
}): LifecycleState[] | undefined =>
  filter.state || filter.status
    ? LifecycleStates.filter(
        (s) =>
          (!filter.state || s === filter.state) && (!filter.status || legacyStatusOf(s) === filter.status),
      )
    : undefined;
