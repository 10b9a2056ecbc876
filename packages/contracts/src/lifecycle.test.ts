import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LifecycleActions,
  LifecycleStates,
  SbcFacetStates,
  deriveLifecycle,
  lifecycleStateMeta,
  lifecycleTransitions,
  type LifecycleFacets,
  type LifecycleState,
} from './lifecycle.ts';
import { StepNames } from './routing.ts';

const initial: LifecycleFacets = {
  connection: { state: 'not-connected', reason: null },
  invitation: { state: 'none', email: null },
  teamsRole: 'unknown',
  m365Settings: 'not-set',
  routing: null,
  sbc: 'not-started',
  objectsCreated: false,
};
const facets = (patch: Partial<LifecycleFacets>): LifecycleFacets => ({ ...initial, ...patch });
const connected = { connection: { state: 'connected' as const, reason: null } };
const run = (
  kind: 'onboard' | 'offboard',
  status: 'running' | 'waiting' | 'failed' | 'done',
  stepsDone = 0,
  step: (typeof StepNames)[number] | null = 'dns',
): NonNullable<LifecycleFacets['routing']> => ({
  kind,
  status,
  step: status === 'done' ? null : step,
  stepsDone,
  stepsTotal: 4,
  message: status === 'failed' ? 'Microsoft refused.' : null,
});

describe('lifecycle table', () => {
  const rows: [string, LifecycleFacets, LifecycleState, string, string[], string[]][] = [
    // name, facets, state, next action, allowed (subset), not allowed
    [
      'new service',
      initial,
      'not-connected',
      'send-invitation',
      ['reauthenticate', 'delete', 'edit'],
      ['remove', 'retry', 'configure-routing'],
    ],
    [
      'invitation out',
      facets({ invitation: { state: 'pending', email: 'it@contoso.example' } }),
      'invitation-pending',
      'wait-for-admin',
      ['resend-invitation', 'revoke-invitation', 'delete'],
      ['remove'],
    ],
    [
      'invitation bounced',
      facets({ invitation: { state: 'send-failed', email: 'it@contoso.example' } }),
      'invitation-failed',
      'resend-invitation',
      ['resend-invitation'],
      ['remove'],
    ],
    [
      'credentials refused',
      facets({ connection: { state: 'failed', reason: 'MFA is required.' } }),
      'connection-failed',
      'reauthenticate',
      ['reauthenticate', 'delete'],
      ['configure-routing'],
    ],
    [
      'connected, role not checked',
      facets(connected),
      'checking-role',
      'wait-for-role-check',
      ['recheck-role', 'configure-routing'],
      ['remove'],
    ],
    [
      'role missing',
      facets({ ...connected, teamsRole: 'missing' }),
      'role-missing',
      'assign-teams-role',
      ['recheck-role', 'delete'],
      ['configure-routing'],
    ],
    [
      'settings missing',
      facets({ ...connected, teamsRole: 'assigned' }),
      'settings-needed',
      'fill-m365-settings',
      ['edit-m365-settings', 'configure-routing'],
      ['remove'],
    ],
    [
      'ready',
      facets({ ...connected, teamsRole: 'assigned', m365Settings: 'set' }),
      'ready',
      'configure-routing',
      ['configure-routing', 'delete'],
      ['remove', 'retry'],
    ],
    [
      'running',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'running', 1),
        objectsCreated: true,
      }),
      'configuring',
      'wait-for-run',
      [],
      ['delete', 'remove', 'retry', 'configure-routing', 'edit'],
    ],
    [
      'waiting',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'waiting', 1),
        objectsCreated: true,
      }),
      'configuring',
      'wait-for-run',
      ['retry', 'remove'],
      ['delete'],
    ],
    [
      'failed',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'failed', 3, 'voice-routing'),
        objectsCreated: true,
      }),
      'routing-failed',
      'retry-step',
      ['retry', 'remove', 'reauthenticate'],
      ['delete', 'configure-routing', 'edit'],
    ],
    [
      'failed, role missing',
      facets({
        ...connected,
        teamsRole: 'missing',
        m365Settings: 'set',
        routing: run('onboard', 'failed', 3, 'voice-routing'),
        objectsCreated: true,
      }),
      'routing-failed',
      'assign-teams-role',
      ['retry', 'remove', 'recheck-role'],
      ['delete'],
    ],
    // Re-authentication on a partial run: the run's state, Retry and Remove stay; Delete does not appear.
    [
      're-auth invitation on a failed run',
      facets({
        ...connected,
        invitation: { state: 'pending', email: 'it@contoso.example' },
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'failed', 2, 'activation'),
        objectsCreated: true,
      }),
      'routing-failed',
      'retry-step',
      ['retry', 'remove', 'resend-invitation'],
      ['delete'],
    ],
    [
      're-auth lost the connection on a failed run',
      facets({
        connection: { state: 'failed', reason: 'AADSTS50076' },
        invitation: { state: 'pending', email: 'x@y.example' },
        routing: run('onboard', 'failed', 2, 'activation'),
        objectsCreated: true,
      }),
      'routing-failed',
      'reauthenticate',
      ['retry', 'remove', 'reauthenticate'],
      ['delete'],
    ],
    [
      'active',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'done', 4),
        objectsCreated: true,
      }),
      'active',
      'configure-sbc',
      ['remove', 'configure-routing', 'configure-sbc'],
      ['delete', 'retry', 'edit'],
    ],
    [
      'active, SBC being configured',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'done', 4),
        sbc: 'running',
        objectsCreated: true,
      }),
      'active',
      'wait-for-run',
      [],
      ['configure-sbc', 'remove', 'delete'],
    ],
    [
      'active, SBC step failed',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'done', 4),
        sbc: 'failed',
        objectsCreated: true,
      }),
      'active',
      'retry-step',
      ['retry', 'remove'],
      ['configure-sbc', 'delete'],
    ],
    [
      'active with the SBC configured',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'done', 4),
        sbc: 'configured',
        objectsCreated: true,
      }),
      'active',
      'none',
      ['remove', 'configure-routing', 'configure-sbc'],
      ['delete', 'retry', 'edit'],
    ],
    [
      'removing',
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('offboard', 'running', 1),
        objectsCreated: true,
      }),
      'offboarding',
      'wait-for-removal',
      [],
      ['delete', 'remove', 'reauthenticate', 'configure-routing'],
    ],
    [
      'removal failed',
      facets({ ...connected, routing: run('offboard', 'failed', 1, 'domain'), objectsCreated: true }),
      'offboarding-failed',
      'retry-step',
      ['retry', 'remove'],
      ['delete'],
    ],
    [
      'removed',
      facets({ ...connected, routing: run('offboard', 'done', 4), objectsCreated: false }),
      'removed',
      'delete-service',
      ['delete'],
      ['remove', 'retry', 'reauthenticate', 'configure-routing'],
    ],
  ];

  it.each(rows)('%s', (_name, f, state, next, allowed, notAllowed) => {
    const view = deriveLifecycle(f);
    expect(view.state).toBe(state);
    expect(view.nextAction.id).toBe(next);
    expect(view.label).toBe(lifecycleStateMeta[state].label);
    for (const a of allowed) expect(view.allowedActions).toContain(a);
    for (const a of notAllowed) expect(view.allowedActions).not.toContain(a);
  });

  it('names the failed step in the next action', () => {
    const view = deriveLifecycle(
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'failed', 2, 'activation'),
        objectsCreated: true,
      }),
    );
    expect(view.nextAction.label).toBe('Retry: Activation user with a Teams licence');
  });

  it('says why Configure default routing is disabled', () => {
    const view = deriveLifecycle(facets({ ...connected, teamsRole: 'missing' }));
    expect(view.blocked).toContainEqual({
      action: 'configure-routing',
      reason: 'Assign Teams Administrator, then Re-check.',
    });
  });

  it('gives every state a label and a colour from one table', () => {
    for (const s of LifecycleStates) expect(lifecycleStateMeta[s].label).not.toBe('');
    expect(lifecycleStateMeta.active.color).toBe('green');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------------------

const facetsArb: fc.Arbitrary<LifecycleFacets> = fc.record({
  connection: fc.record({
    state: fc.constantFrom('not-connected' as const, 'connected' as const, 'failed' as const),
    reason: fc.option(fc.string(), { nil: null }),
  }),
  invitation: fc.record({
    state: fc.constantFrom('none' as const, 'pending' as const, 'send-failed' as const),
    email: fc.option(fc.emailAddress(), { nil: null }),
  }),
  teamsRole: fc.constantFrom('unknown' as const, 'missing' as const, 'assigned' as const),
  m365Settings: fc.constantFrom('not-set' as const, 'set' as const),
  routing: fc.option(
    fc
      .record({
        kind: fc.constantFrom('onboard' as const, 'offboard' as const),
        status: fc.constantFrom('running' as const, 'waiting' as const, 'failed' as const, 'done' as const),
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

describe('lifecycle properties', () => {
  it('no facet combination is without a next action, and its button is allowed', () => {
    fc.assert(
      fc.property(facetsArb, (f) => {
        const view = deriveLifecycle(f);
        expect(view.nextAction.label.length).toBeGreaterThan(0);
        expect(view.nextAction.detail.length).toBeGreaterThan(0);
        if (view.state !== 'active' && view.state !== 'removed') expect(view.nextAction.id).not.toBe('none');
        if (view.nextAction.action) expect(view.allowedActions).toContain(view.nextAction.action);
        expect(view.progress).toBeGreaterThanOrEqual(0);
        expect(view.progress).toBeLessThanOrEqual(100);
        expect(LifecycleActions).toEqual(expect.arrayContaining(view.allowedActions));
      }),
    );
  });

  it('never allows Delete when any object may exist, and always offers Remove or a reason then', () => {
    fc.assert(
      fc.property(facetsArb, (f) => {
        const view = deriveLifecycle(f);
        if (f.objectsCreated) {
          expect(view.allowedActions).not.toContain('delete');
          if (view.state !== 'removed')
            expect(
              view.allowedActions.includes('remove') || view.blocked.some((b) => b.action === 'remove'),
            ).toBe(true);
        }
      }),
    );
  });

  it('an action is never both allowed and blocked', () => {
    fc.assert(
      fc.property(facetsArb, (f) => {
        const view = deriveLifecycle(f);
        for (const b of view.blocked) expect(view.allowedActions).not.toContain(b.action);
      }),
    );
  });

  it('progress never decreases along the happy path of each phase', () => {
    const path: LifecycleFacets[] = [
      initial,
      facets({ invitation: { state: 'pending', email: 'it@contoso.example' } }),
      facets({ ...connected }),
      facets({ ...connected, teamsRole: 'assigned' }),
      facets({ ...connected, teamsRole: 'assigned', m365Settings: 'set' }),
      ...[0, 1, 2, 3].map((done) =>
        facets({
          ...connected,
          teamsRole: 'assigned',
          m365Settings: 'set',
          routing: run('onboard', 'running', done),
          objectsCreated: done > 0,
        }),
      ),
      facets({
        ...connected,
        teamsRole: 'assigned',
        m365Settings: 'set',
        routing: run('onboard', 'done', 4),
        objectsCreated: true,
      }),
    ];
    const views = path.map(deriveLifecycle);
    expect(views.map((v) => v.state)).toEqual([
      'not-connected',
      'invitation-pending',
      'checking-role',
      'settings-needed',
      'ready',
      'configuring',
      'configuring',
      'configuring',
      'configuring',
      'active',
    ]);
    for (let i = 1; i < views.length; i++) {
      expect(views[i]!.progress).toBeGreaterThanOrEqual(views[i - 1]!.progress);
      const [a, b] = [views[i - 1]!.state, views[i]!.state];
      if (a !== b) expect(lifecycleTransitions[a]).toContain(b);
    }
    expect(views.at(-1)!.progress).toBe(100);

    const removal = [0, 1, 2, 3].map((done) =>
      deriveLifecycle(
        facets({ ...connected, routing: run('offboard', 'running', done), objectsCreated: true }),
      ),
    );
    removal.push(deriveLifecycle(facets({ ...connected, routing: run('offboard', 'done', 4) })));
    for (let i = 1; i < removal.length; i++)
      expect(removal[i]!.progress).toBeGreaterThanOrEqual(removal[i - 1]!.progress);
  });

  /**
   * The events that change facets in the product, each applied only where it can happen. Random sequences of
   * them move the state only along `lifecycleTransitions`, and progress never decreases unless the event is a
   * failure, a re-authentication or a new run.
   */
  type Event = {
    name: string;
    when: (f: LifecycleFacets) => boolean;
    apply: (f: LifecycleFacets) => LifecycleFacets;
  };
  const noRun = (f: LifecycleFacets) => !f.routing || f.routing.kind === 'onboard';
  const open = (f: LifecycleFacets) => f.routing && f.routing.status !== 'done';
  const events: Event[] = [
    {
      name: 'invite',
      when: (f) => f.routing?.kind !== 'offboard',
      apply: (f) => ({ ...f, invitation: { state: 'pending', email: 'a@b.example' } }),
    },
    {
      name: 'invitation bounces',
      when: (f) => f.invitation.state === 'pending',
      apply: (f) => ({ ...f, invitation: { ...f.invitation, state: 'send-failed' } }),
    },
    {
      name: 'revoke',
      when: (f) => f.invitation.state !== 'none',
      apply: (f) => ({ ...f, invitation: { state: 'none', email: null } }),
    },
    {
      name: 'connect',
      when: (f) => f.routing?.kind !== 'offboard',
      apply: (f) => ({
        ...f,
        connection: { state: 'connected', reason: null },
        invitation: { state: 'none', email: null },
      }),
    },
    {
      name: 'credentials refused',
      when: (f) => f.connection.state !== 'connected' && f.routing?.kind !== 'offboard',
      apply: (f) => ({ ...f, connection: { state: 'failed', reason: 'no' } }),
    },
    {
      name: 'role assigned',
      when: (f) => f.connection.state === 'connected',
      apply: (f) => ({ ...f, teamsRole: 'assigned' }),
    },
    {
      name: 'role missing',
      when: (f) => f.connection.state === 'connected',
      apply: (f) => ({ ...f, teamsRole: 'missing' }),
    },
    {
      name: 'settings saved',
      when: (f) => f.connection.state === 'connected',
      apply: (f) => ({ ...f, m365Settings: 'set' }),
    },
    {
      name: 'start run',
      when: (f) => deriveLifecycle(f).allowedActions.includes('configure-routing'),
      apply: (f) => ({ ...f, routing: run('onboard', 'running', 0) }),
    },
    {
      name: 'step done',
      when: (f) =>
        !!open(f) && f.routing!.status === 'running' && f.routing!.stepsDone < f.routing!.stepsTotal,
      apply: (f) => ({
        ...f,
        objectsCreated: true,
        routing: { ...f.routing!, stepsDone: f.routing!.stepsDone + 1 },
      }),
    },
    {
      name: 'step waits',
      when: (f) => f.routing?.status === 'running',
      apply: (f) => ({ ...f, objectsCreated: true, routing: { ...f.routing!, status: 'waiting' } }),
    },
    {
      name: 'step fails',
      when: (f) => f.routing?.status === 'running' || f.routing?.status === 'waiting',
      apply: (f) => ({ ...f, objectsCreated: true, routing: { ...f.routing!, status: 'failed' } }),
    },
    {
      name: 'retry',
      when: (f) => deriveLifecycle(f).allowedActions.includes('retry'),
      apply: (f) => ({ ...f, routing: { ...f.routing!, status: 'running' } }),
    },
    {
      name: 'run finishes',
      when: (f) => f.routing?.status === 'running' && f.routing.stepsDone === f.routing.stepsTotal,
      apply: (f) => ({
        ...f,
        objectsCreated: f.routing!.kind === 'onboard',
        routing: { ...f.routing!, status: 'done', step: null },
      }),
    },
    {
      name: 'remove service',
      when: (f) => deriveLifecycle(f).allowedActions.includes('remove') && noRun(f),
      apply: (f) => ({ ...f, routing: run('offboard', 'running', 0) }),
    },
  ];

  it('every event moves the state along an allowed transition', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (choices) => {
        let f = initial;
        for (const c of choices) {
          const possible = events.filter((e) => e.when(f));
          if (!possible.length) break;
          const event = possible[c % possible.length]!;
          const before = deriveLifecycle(f).state;
          f = event.apply(f);
          const after = deriveLifecycle(f).state;
          if (before !== after)
            expect(lifecycleTransitions[before], `${before} --${event.name}--> ${after}`).toContain(after);
        }
      }),
      { numRuns: 500 },
    );
  });
});
