import { and, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
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
 * state". SQL only reads each facet from its rows, as `facetsOf` (lifecycle.repository.ts) does;
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

/** Each facet as the text value above, read from its rows for the service `id` (as `facetsOf` reads them). */
const facetSql = (id: SQLWrapper): Record<Dimension, SQL> => ({
  // The latest run that was not cancelled and is not "SBC only", among runs with steps.
  routing: sql`coalesce((select ${workflows.kind} || ':' || (case ${workflows.status} when 'succeeded' then 'done' else ${workflows.status} end)
    from ${workflows}
    where ${workflows.serviceId} = ${id} and ${workflows.status} <> 'cancelled' and ${workflows.scope} <> 'sbc'
      and exists (select 1 from ${workflowSteps} where ${workflowSteps.workflowId} = ${workflows.id})
    order by ${workflows.createdAt} desc limit 1), 'none')`,
  connection: sql`coalesce((select case when ${serviceConnections.lastSuccessAt} is not null then 'connected' else 'failed' end
    from ${serviceConnections} where ${serviceConnections.serviceId} = ${id}), 'not-connected')`,
  // The newest invitation whose link still connects the tenant.
  invitation: sql`coalesce((select case when ${invitations.status} = 'send-failed' then 'send-failed' else 'pending' end
    from ${invitations}
    where ${and(sql`${invitations.serviceId} = ${id}`, inArray(invitations.status, OPEN_INVITATION), sql`${invitations.expiresAt} > now()`)}
    order by ${invitations.createdAt} desc limit 1), 'none')`,
  teamsRole: sql`coalesce((select ${serviceConnections.teamsRoleState} from ${serviceConnections}
    where ${serviceConnections.serviceId} = ${id}), 'unknown')`,
  m365Settings: sql`(case when exists (select 1 from ${serviceM365Settings} where ${serviceM365Settings.serviceId} = ${id}) then 'set' else 'not-set' end)`,
});

const keyOf = (t: StateFacets, dims: readonly Dimension[]) => dims.map((d) => t[d]).join('|');
const list = (values: readonly string[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

/**
 * The combinations of `states`, described by as few facets as possible: a facet is left out when every value of
 * it keeps a combination in the set (`active` reads only the routing facet). When what remains is a product of
 * per-facet sets (every state today), the condition is one `in` per facet, which the database stops evaluating at
 * the first that fails; otherwise the remaining facets' rows are compared as one tuple.
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
  const facet = facetSql(id);
  if (product)
    return and(
      ...dimensions.map((d) => sql`${facet[d]} in (${list([...new Set(tuples.map((t) => t[d]))])})`),
    )!;
  return sql`(${sql.join(
    dimensions.map((d) => facet[d]),
    sql`, `,
  )}) in (${sql.join(
    tuples.map((t) => sql`(${list(dimensions.map((d) => t[d]))})`),
    sql`, `,
  )})`;
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
