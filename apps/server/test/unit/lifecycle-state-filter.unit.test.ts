import fc from 'fast-check';
import {
  ConnectionFacetStates,
  InvitationFacetStates,
  LifecycleStates,
  lifecycleStateOf,
  RunFacetStatuses,
  SbcFacetStates,
  StepNames,
  TeamsRoleFacetStates,
  type LifecycleFacets,
} from '@trunkline/contracts';
import { describe, expect, it } from 'vitest';
import {
  describeStates,
  facetsFrom,
  STATE_DIMENSIONS,
  statesMatching,
  type StateFacets,
} from '../../src/lifecycle/state-filter.ts';

/**
 * The services list's state filter (`lifecycle/state-filter.ts`) enumerates `lifecycleStateOf` over the facets it
 * reads. That holds only while the state reads nothing else: here any facets give the state their projection
 * gives, so a rule that starts reading another facet (the SBC, a step, a message) fails this test.
 */
const facetsArb: fc.Arbitrary<LifecycleFacets> = fc.record({
  connection: fc.record({
    state: fc.constantFrom(...ConnectionFacetStates),
    reason: fc.option(fc.string(), { nil: null }),
  }),
  invitation: fc.record({
    state: fc.constantFrom(...InvitationFacetStates),
    email: fc.option(fc.emailAddress(), { nil: null }),
  }),
  teamsRole: fc.constantFrom(...TeamsRoleFacetStates),
  m365Settings: fc.constantFrom('not-set' as const, 'set' as const),
  routing: fc.option(
    fc
      .record({
        kind: fc.constantFrom('onboard' as const, 'offboard' as const),
        status: fc.constantFrom(...RunFacetStatuses),
        step: fc.option(fc.constantFrom(...StepNames), { nil: null }),
        stepsTotal: fc.integer({ min: 1, max: 6 }),
        stepsDone: fc.integer({ min: 0, max: 6 }),
        message: fc.option(fc.string(), { nil: null }),
      })
      .map((r) => ({ ...r, stepsDone: Math.min(r.stepsDone, r.stepsTotal) })),
    { nil: null },
  ),
  sbc: fc.constantFrom(...SbcFacetStates),
  objectsCreated: fc.boolean(),
});

describe('lifecycle state filter', () => {
  it('the state depends only on the facets the filter reads', () => {
    fc.assert(
      fc.property(facetsArb, (f) => {
        const projected = facetsFrom({
          routing: f.routing ? `${f.routing.kind}:${f.routing.status}` : 'none',
          connection: f.connection.state,
          invitation: f.invitation.state,
          teamsRole: f.teamsRole,
          m365Settings: f.m365Settings,
        });
        expect(lifecycleStateOf(projected)).toBe(lifecycleStateOf(f));
      }),
      { numRuns: 2_000 },
    );
  });

  it('describes each state by the facets it needs, as one condition per facet', () => {
    for (const state of LifecycleStates) {
      const { dimensions, tuples, product } = describeStates([state]);
      expect({ state, product }).toEqual({ state, product: true });
      expect(tuples.length).toBeGreaterThan(0);
      // Every described combination gives the state, whatever values the facets left out take.
      const left = (Object.keys(STATE_DIMENSIONS) as (keyof StateFacets)[]).filter(
        (d) => !dimensions.includes(d),
      );
      const full = left.reduce<StateFacets[]>(
        (acc, d) => acc.flatMap((t) => STATE_DIMENSIONS[d].map((v) => ({ ...t, [d]: v }))),
        tuples,
      );
      for (const t of full) expect({ t, state: lifecycleStateOf(facetsFrom(t)) }).toEqual({ t, state });
    }
    expect(describeStates(['active']).dimensions).toEqual(['routing']);
    expect(describeStates([]).tuples).toEqual([]);
  });

  it('maps the legacy status to the states that answer it', () => {
    expect(statesMatching({})).toBeUndefined();
    expect(statesMatching({ status: 'draft' })).toEqual([]);
    expect(statesMatching({ status: 'connected' })).toEqual([
      'checking-role',
      'role-missing',
      'settings-needed',
      'ready',
    ]);
    expect(statesMatching({ state: 'ready', status: 'active' })).toEqual([]);
    expect(statesMatching({ state: 'ready' })).toEqual(['ready']);
  });
});
