import fc from 'fast-check';
import {
  LifecycleStates,
  lifecycleStateOf,
  SbcFacetStates,
  StepNames,
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
/** Values of the facets the filter reads. */
const readArb: fc.Arbitrary<StateFacets> = fc.record({
  routing: fc.constantFrom(...STATE_DIMENSIONS.routing),
  connection: fc.constantFrom(...STATE_DIMENSIONS.connection),
  invitation: fc.constantFrom(...STATE_DIMENSIONS.invitation),
  teamsRole: fc.constantFrom(...STATE_DIMENSIONS.teamsRole),
  m365Settings: fc.constantFrom(...STATE_DIMENSIONS.m365Settings),
});
/** Everything else facets hold: reasons, e-mail, the run's step and progress, the SBC, objects created. */
const restArb = fc.record({
  reason: fc.option(fc.string(), { nil: null }),
  email: fc.option(fc.emailAddress(), { nil: null }),
  step: fc.option(fc.constantFrom(...StepNames), { nil: null }),
  stepsTotal: fc.integer({ min: 1, max: 6 }),
  stepsDone: fc.integer({ min: 0, max: 6 }),
  message: fc.option(fc.string(), { nil: null }),
  sbc: fc.constantFrom(...SbcFacetStates),
  objectsCreated: fc.boolean(),
});
const withRest = (f: LifecycleFacets, r: typeof restArb extends fc.Arbitrary<infer T> ? T : never) => ({
  ...f,
  connection: { ...f.connection, reason: r.reason },
  invitation: { ...f.invitation, email: r.email },
  routing: f.routing && {
    ...f.routing,
    step: r.step,
    stepsTotal: r.stepsTotal,
    stepsDone: Math.min(r.stepsDone, r.stepsTotal),
    message: r.message,
  },
  sbc: r.sbc,
  objectsCreated: r.objectsCreated,
});

describe('lifecycle state filter', () => {
  it('the state depends only on the facets the filter reads', () => {
    fc.assert(
      fc.property(readArb, restArb, (read, rest) => {
        const projected = facetsFrom(read);
        expect(lifecycleStateOf(withRest(projected, rest))).toBe(lifecycleStateOf(projected));
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
