import { z } from 'zod';
import { StepNames, stepLabels, type StepName } from './routing.ts';

/**
 * The service lifecycle: ONE pure derivation from the facts (facets) of a service to its state, label, colour,
 * progress, the next action and the actions allowed now. The server computes it for every service it answers
 * with (`Service.lifecycle`), for list filters and the Onboarding view; the web only reads it. Nothing stores a
 * second copy.
 */

// ---------------------------------------------------------------------------------------------------------
// Facets: the facts the state is derived from.
// ---------------------------------------------------------------------------------------------------------

export const ConnectionFacetStates = ['not-connected', 'connected', 'failed'] as const;
export const InvitationFacetStates = ['none', 'pending', 'send-failed'] as const;
export const TeamsRoleFacetStates = ['unknown', 'missing', 'assigned'] as const;
export const RunFacetStatuses = ['running', 'waiting', 'failed', 'done'] as const;
/** The Configure SBC step: never run (or removed since), in a run, failed, or the customer's rows are on the SBC. */
export const SbcFacetStates = ['not-started', 'running', 'waiting', 'failed', 'configured'] as const;

export const LifecycleFacetsSchema = z.object({
  /** The Microsoft 365 connection: a token was obtained once (connected), never (failed, with the reason) or none. */
  connection: z.object({
    state: z.enum(ConnectionFacetStates),
    reason: z.string().nullable(),
  }),
  /** An invitation to the tenant admin that can still be used (queued, sent, opened), or whose e-mail failed. */
  invitation: z.object({
    state: z.enum(InvitationFacetStates),
    email: z.string().nullable(),
  }),
  /** Whether the automation holds Teams Administrator in the tenant (unknown until checked). */
  teamsRole: z.enum(TeamsRoleFacetStates),
  /** Step 9 saved once. */
  m365Settings: z.enum(['not-set', 'set']),
  /** The latest routing run that was not cancelled: onboarding (step 10) or offboarding (Remove service). */
  routing: z
    .object({
      kind: z.enum(['onboard', 'offboard']),
      status: z.enum(RunFacetStatuses),
      /** The step that runs, waits or failed (null when done). */
      step: z.enum(StepNames).nullable(),
      stepsDone: z.number().int().min(0),
      stepsTotal: z.number().int().min(1),
      /** The failed step's error, or what the waiting step waits for. */
      message: z.string().nullable(),
    })
    .nullable(),
  /**
   * The Configure SBC step of the latest run that has one ("routing + SBC" or "SBC only"), unless a removal
   * completed since. The routing facet above ignores "SBC only" runs.
   */
  sbc: z.enum(SbcFacetStates),
  /**
   * Whether Trunkline may have created anything in the tenant or on DNS: an onboarding step was attempted and no
   * offboarding has completed since. Delete (hard delete) is allowed only when this is false.
   */
  objectsCreated: z.boolean(),
});
export type LifecycleFacets = z.infer<typeof LifecycleFacetsSchema>;

// ---------------------------------------------------------------------------------------------------------
// States, actions, next actions.
// ---------------------------------------------------------------------------------------------------------

export const LifecycleStates = [
  'not-connected',
  'invitation-pending',
  'invitation-failed',
  'connection-failed',
  'checking-role',
  'role-missing',
  'settings-needed',
  'ready',
  'configuring',
  'routing-failed',
  'active',
  'offboarding',
  'offboarding-failed',
  'removed',
] as const;
export const LifecycleStateSchema = z.enum(LifecycleStates);
export type LifecycleState = z.infer<typeof LifecycleStateSchema>;

/** Mantine colour names: one colour per state, used by every badge, progress bar and list. */
export const LifecycleColors = [
  'gray',
  'blue',
  'teal',
  'green',
  'yellow',
  'orange',
  'red',
  'violet',
] as const;
export type LifecycleColor = (typeof LifecycleColors)[number];

export const lifecycleStateMeta: Record<LifecycleState, { label: string; color: LifecycleColor }> = {
  'not-connected': { label: 'Not connected', color: 'gray' },
  'invitation-pending': { label: 'Invitation pending', color: 'blue' },
  'invitation-failed': { label: 'Invitation not delivered', color: 'red' },
  'connection-failed': { label: 'Connection failed', color: 'red' },
  'checking-role': { label: 'Connected, checking role', color: 'blue' },
  'role-missing': { label: 'Teams role missing', color: 'orange' },
  'settings-needed': { label: 'M365 settings needed', color: 'yellow' },
  ready: { label: 'Ready for routing', color: 'teal' },
  configuring: { label: 'Configuring routing', color: 'blue' },
  'routing-failed': { label: 'Routing failed', color: 'red' },
  active: { label: 'Active', color: 'green' },
  offboarding: { label: 'Removing', color: 'violet' },
  'offboarding-failed': { label: 'Removal failed', color: 'red' },
  removed: { label: 'Removed', color: 'gray' },
};

/** The one colour of each facet state, so a panel never colours a state differently from the header. */
export const connectionStateMeta: Record<
  LifecycleFacets['connection']['state'] | 'pending-invitation',
  { label: string; color: LifecycleColor }
> = {
  'not-connected': { label: 'Not connected', color: 'gray' },
  'pending-invitation': { label: 'Pending invitation', color: 'blue' },
  connected: { label: 'Connected', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
};
export const teamsRoleStateMeta: Record<
  LifecycleFacets['teamsRole'],
  { label: string; color: LifecycleColor }
> = {
  unknown: { label: 'Not checked yet', color: 'gray' },
  missing: { label: 'Missing', color: 'orange' },
  assigned: { label: 'Assigned', color: 'green' },
};

/** The buttons of a service. */
export const LifecycleActions = [
  /** Send an invitation or enter admin credentials (again). */
  'reauthenticate',
  'resend-invitation',
  'revoke-invitation',
  'recheck-role',
  'edit-m365-settings',
  'configure-routing',
  /** Configure SBC: an "SBC only" run, after default routing. */
  'configure-sbc',
  'retry',
  /** Offboarding: undo what Trunkline created, then the service is removed. */
  'remove',
  /** Hard delete of the record: only when nothing was created anywhere. */
  'delete',
  /** Change names and licensed users: only before anything was created (the trunk FQDN is on DNS then). */
  'edit',
] as const;
export const LifecycleActionSchema = z.enum(LifecycleActions);
export type LifecycleAction = z.infer<typeof LifecycleActionSchema>;

export const NextActionIds = [
  'send-invitation',
  'resend-invitation',
  'wait-for-admin',
  'reauthenticate',
  'wait-for-role-check',
  'assign-teams-role',
  'fill-m365-settings',
  'configure-routing',
  'configure-sbc',
  'wait-for-run',
  'retry-step',
  'wait-for-removal',
  'delete-service',
  'none',
] as const;
export type NextActionId = (typeof NextActionIds)[number];

export const NextActionSchema = z.object({
  id: z.enum(NextActionIds),
  /** Short, imperative: "Assign Teams Administrator, then Re-check". */
  label: z.string(),
  /** One or two sentences for people. */
  detail: z.string(),
  /** Who acts: the operator in Trunkline, the tenant's admin, or nobody (Trunkline works / nothing to do). */
  by: z.enum(['operator', 'tenant-admin', 'trunkline', 'nobody']),
  /** The button that performs it, when there is one (always among `allowedActions`). */
  action: LifecycleActionSchema.nullable(),
});
export type NextAction = z.infer<typeof NextActionSchema>;

export const ServiceLifecycleSchema = z.object({
  state: LifecycleStateSchema,
  label: z.string(),
  color: z.enum(LifecycleColors),
  /** Onboarding progress, or after Remove service, how far removal has come. */
  phase: z.enum(['onboarding', 'offboarding']),
  /** 0–100, never decreasing along the happy path of a phase. */
  progress: z.number().int().min(0).max(100),
  nextAction: NextActionSchema,
  allowedActions: z.array(LifecycleActionSchema),
  /** Why an action that is shown is not allowed now, for the disabled button's tooltip. */
  blocked: z.array(z.object({ action: LifecycleActionSchema, reason: z.string() })),
  facets: LifecycleFacetsSchema,
});
export type ServiceLifecycle = z.infer<typeof ServiceLifecycleSchema>;

// ---------------------------------------------------------------------------------------------------------
// The derivation.
// ---------------------------------------------------------------------------------------------------------

const stepLabel = (step: StepName | null) => (step ? stepLabels[step] : 'the run');

/** The state alone (the first rule that matches wins). */
export function lifecycleStateOf(f: LifecycleFacets): LifecycleState {
  const run = f.routing;
  if (run?.kind === 'offboard') {
    if (run.status === 'done') return 'removed';
    return run.status === 'failed' ? 'offboarding-failed' : 'offboarding';
  }
  if (run && (run.status === 'running' || run.status === 'waiting')) return 'configuring';
  if (run?.status === 'failed') return 'routing-failed';
  if (run?.status === 'done') return 'active';
  if (f.connection.state !== 'connected') {
    if (f.invitation.state === 'pending') return 'invitation-pending';
    if (f.invitation.state === 'send-failed') return 'invitation-failed';
    return f.connection.state === 'failed' ? 'connection-failed' : 'not-connected';
  }
  if (f.teamsRole === 'unknown') return 'checking-role';
  if (f.teamsRole === 'missing') return 'role-missing';
  if (f.m365Settings === 'not-set') return 'settings-needed';
  return 'ready';
}

/** Progress of onboarding: fixed stops before the run, the run's share by steps done, 100 when active. */
const RUN_START = 40;
const RUN_SHARE = 55;
const progressOf = (state: LifecycleState, f: LifecycleFacets): number => {
  const runShare = (span: number) =>
    f.routing
      ? Math.floor((span * Math.min(f.routing.stepsDone, f.routing.stepsTotal)) / f.routing.stepsTotal)
      : 0;
  switch (state) {
    case 'not-connected':
    case 'connection-failed':
    case 'invitation-failed':
      return 0;
    case 'invitation-pending':
      return 10;
    case 'checking-role':
    case 'role-missing':
      return 20;
    case 'settings-needed':
      return 30;
    case 'ready':
      return RUN_START;
    case 'configuring':
    case 'routing-failed':
      return RUN_START + runShare(RUN_SHARE);
    case 'active':
      return 100;
    case 'offboarding':
    case 'offboarding-failed':
      return Math.min(95, runShare(100));
    case 'removed':
      return 100;
  }
};

const ROLE_FIX = 'Assign Teams Administrator, then Re-check';

function nextActionOf(state: LifecycleState, f: LifecycleFacets, allowed: Set<LifecycleAction>): NextAction {
  const run = f.routing;
  const connectionLost = f.connection.state !== 'connected';
  switch (state) {
    case 'not-connected':
      return {
        id: 'send-invitation',
        label: 'Send an invitation',
        detail: "Invite the tenant's IT administrator, or enter admin credentials, to connect Microsoft 365.",
        by: 'operator',
        action: 'reauthenticate',
      };
    case 'invitation-pending':
      return {
        id: 'wait-for-admin',
        label: 'Wait for the admin',
        detail: `The invitation${f.invitation.email ? ` to ${f.invitation.email}` : ''} is open: the tenant's admin connects Microsoft 365 from the link.`,
        by: 'tenant-admin',
        action: null,
      };
    case 'invitation-failed':
      return {
        id: 'resend-invitation',
        label: 'Resend the invitation',
        detail: `The invitation e-mail${f.invitation.email ? ` to ${f.invitation.email}` : ''} could not be delivered.`,
        by: 'operator',
        action: 'resend-invitation',
      };
    case 'connection-failed':
      return {
        id: 'reauthenticate',
        label: 'Re-authenticate',
        detail: f.connection.reason || 'Microsoft did not issue a token.',
        by: 'operator',
        action: 'reauthenticate',
      };
    case 'checking-role':
      return {
        id: 'wait-for-role-check',
        label: 'Wait for the role check, or Re-check',
        detail: 'Trunkline checks whether its automation holds Teams Administrator in the tenant.',
        by: 'trunkline',
        action: 'recheck-role',
      };
    case 'role-missing':
      return {
        id: 'assign-teams-role',
        label: ROLE_FIX,
        detail: "The tenant's admin assigns the Teams Administrator role to Trunkline's automation.",
        by: 'tenant-admin',
        action: 'recheck-role',
      };
    case 'settings-needed':
      return {
        id: 'fill-m365-settings',
        label: 'Fill in the M365 settings',
        detail: 'Choose the M365 domain and admin access (step 9).',
        by: 'operator',
        action: 'edit-m365-settings',
      };
    case 'ready':
      return {
        id: 'configure-routing',
        label: 'Configure default routing',
        detail: 'Review the plan preview, then start step 10.',
        by: 'operator',
        action: 'configure-routing',
      };
    case 'configuring':
    case 'offboarding':
      return {
        id: state === 'configuring' ? 'wait-for-run' : 'wait-for-removal',
        label:
          run?.status === 'waiting'
            ? `Waiting: ${stepLabel(run.step)}`
            : `Running: ${stepLabel(run?.step ?? null)}`,
        detail: run?.message || 'Trunkline works through the steps; this page follows them live.',
        by: 'trunkline',
        action: null,
      };
    case 'routing-failed':
    case 'offboarding-failed':
      if (connectionLost)
        return {
          id: 'reauthenticate',
          label: 'Re-authenticate, then Retry',
          detail: 'The connection to Microsoft 365 is not usable; connect again, then retry the step.',
          by: 'operator',
          action: 'reauthenticate',
        };
      if (f.teamsRole === 'missing' && state === 'routing-failed')
        return {
          id: 'assign-teams-role',
          label: `${ROLE_FIX}, then Retry`,
          detail: "The Teams admin API needs the Teams Administrator role for Trunkline's automation.",
          by: 'tenant-admin',
          action: 'recheck-role',
        };
      return {
        id: 'retry-step',
        label: `Retry: ${stepLabel(run?.step ?? null)}`,
        detail: run?.message || 'The step failed.',
        by: 'operator',
        action: 'retry',
      };
    case 'active':
      if (f.sbc === 'running' || f.sbc === 'waiting')
        return {
          id: 'wait-for-run',
          label: `${f.sbc === 'waiting' ? 'Waiting' : 'Running'}: ${stepLabels['configure-sbc']}`,
          detail: 'Trunkline configures the SBC; this page follows it live.',
          by: 'trunkline',
          action: null,
        };
      if (f.sbc === 'failed')
        return {
          id: 'retry-step',
          label: `Retry: ${stepLabels['configure-sbc']}`,
          detail: 'Configuring the SBC failed; the step shows why.',
          by: 'operator',
          action: 'retry',
        };
      if (f.sbc === 'not-started')
        return {
          id: 'configure-sbc',
          label: 'Configure SBC',
          detail:
            "Default routing is active. Configure the provider's SBC for the customer's number ranges so that calls reach the tenant.",
          by: 'operator',
          action: allowed.has('configure-sbc') ? 'configure-sbc' : null,
        };
      return {
        id: 'none',
        label: 'Nothing to do',
        detail: "Default routing is active and the customer's rows are on the SBC.",
        by: 'nobody',
        action: null,
      };
    case 'removed':
      return {
        id: 'delete-service',
        label: allowed.has('delete') ? 'Delete the service record' : 'Nothing to do',
        detail: 'Everything Trunkline created was removed.',
        by: 'operator',
        action: allowed.has('delete') ? 'delete' : null,
      };
  }
}

/** The actions allowed in a state, and why some shown actions are not. */
function actionsOf(state: LifecycleState, f: LifecycleFacets) {
  const allowed = new Set<LifecycleAction>();
  const blocked: { action: LifecycleAction; reason: string }[] = [];
  const run = f.routing;
  const removing = state === 'offboarding' || state === 'offboarding-failed';
  const gone = state === 'removed';
  const connected = f.connection.state === 'connected';

  // Re-authenticating is possible at any time except while a removal runs (a failed removal may need it).
  if (state !== 'offboarding' && !gone) allowed.add('reauthenticate');
  if (f.invitation.state !== 'none' && !gone) {
    allowed.add('resend-invitation');
    allowed.add('revoke-invitation');
  }
  if (connected && !removing && !gone) {
    allowed.add('recheck-role');
    allowed.add('edit-m365-settings');
  }
  // Configure default routing: connected, the role not known to be missing, no run open. The same facts the
  // server checks before a run (with the plan preview's blocking rows on top); the M365 settings are the
  // recommended step before it (the next action), not a precondition.
  const routable =
    connected &&
    f.teamsRole !== 'missing' &&
    (state === 'checking-role' || state === 'settings-needed' || state === 'ready' || state === 'active');
  if (routable) allowed.add('configure-routing');
  else if (!removing && !gone) {
    const reason =
      state === 'configuring'
        ? 'A routing run is in progress.'
        : state === 'routing-failed'
          ? 'The run failed: Retry it, or remove the service.'
          : !connected
            ? 'Connect Microsoft 365 first.'
            : `${ROLE_FIX}.`;
    blocked.push({ action: 'configure-routing', reason });
  }
  if (run && (run.status === 'failed' || run.status === 'waiting')) allowed.add('retry');
  const sbcOpen = f.sbc === 'running' || f.sbc === 'waiting';
  if (state === 'active' && (f.sbc === 'failed' || f.sbc === 'waiting')) allowed.add('retry');
  if (state === 'active' && !sbcOpen && f.sbc !== 'failed') allowed.add('configure-sbc');
  else if (!removing && !gone)
    blocked.push({
      action: 'configure-sbc',
      reason:
        state !== 'active'
          ? 'Configure default routing first.'
          : f.sbc === 'failed'
            ? 'The SBC step failed: Retry it, or remove the service.'
            : 'The SBC is being configured.',
    });
  if (f.objectsCreated && !gone) {
    if (run?.kind === 'offboard' && run.status !== 'failed')
      blocked.push({ action: 'remove', reason: 'The service is being removed.' });
    else if (run?.status === 'running' || f.sbc === 'running')
      blocked.push({ action: 'remove', reason: 'A routing step is running: wait for it.' });
    else allowed.add('remove');
  }
  if (!f.objectsCreated && !removing && run?.status !== 'running' && run?.status !== 'waiting')
    allowed.add('delete');
  else
    blocked.push({ action: 'delete', reason: 'Objects exist in the tenant or on DNS: use Remove service.' });
  if (!f.objectsCreated && !run && !gone) allowed.add('edit');
  return { allowed, blocked };
}

/** The whole derived view of a service from its facets: the one function server and web use. */
export function deriveLifecycle(facets: LifecycleFacets): ServiceLifecycle {
  const state = lifecycleStateOf(facets);
  const { allowed, blocked } = actionsOf(state, facets);
  return {
    state,
    ...lifecycleStateMeta[state],
    phase: facets.routing?.kind === 'offboard' ? 'offboarding' : 'onboarding',
    progress: progressOf(state, facets),
    nextAction: nextActionOf(state, facets, allowed),
    allowedActions: LifecycleActions.filter((a) => allowed.has(a)),
    blocked,
    facets,
  };
}

/**
 * The transitions the lifecycle allows between different states (a state may always stay itself). Every change
 * of facets that can happen (a connection, an invitation, a role check, a run's progress, Remove service) moves
 * along one of these; the unit test drives random sequences of such events and checks it.
 */
export const lifecycleTransitions: Record<LifecycleState, readonly LifecycleState[]> = {
  'not-connected': [
    'invitation-pending',
    'invitation-failed',
    'connection-failed',
    'checking-role',
    'role-missing',
    'settings-needed',
    'ready',
  ],
  'invitation-pending': [
    'not-connected',
    'invitation-failed',
    'connection-failed',
    'checking-role',
    'role-missing',
    'settings-needed',
    'ready',
  ],
  'invitation-failed': [
    'invitation-pending',
    'not-connected',
    'connection-failed',
    'checking-role',
    'role-missing',
    'settings-needed',
    'ready',
  ],
  'connection-failed': [
    'invitation-pending',
    'invitation-failed',
    'checking-role',
    'role-missing',
    'settings-needed',
    'ready',
  ],
  'checking-role': [
    'configuring',
    'role-missing',
    'settings-needed',
    'ready',
    'connection-failed',
    'invitation-pending',
    'invitation-failed',
  ],
  'role-missing': [
    'checking-role',
    'settings-needed',
    'ready',
    'connection-failed',
    'invitation-pending',
    'invitation-failed',
  ],
  'settings-needed': [
    'configuring',
    'ready',
    'checking-role',
    'role-missing',
    'connection-failed',
    'invitation-pending',
    'invitation-failed',
  ],
  ready: [
    'configuring',
    'settings-needed',
    'checking-role',
    'role-missing',
    'connection-failed',
    'invitation-pending',
    'invitation-failed',
  ],
  configuring: ['routing-failed', 'active', 'offboarding'],
  'routing-failed': ['configuring', 'offboarding'],
  active: ['configuring', 'offboarding'],
  offboarding: ['offboarding-failed', 'removed'],
  'offboarding-failed': ['offboarding', 'removed'],
  removed: [],
};

/** The statuses the API answered before the lifecycle (still in `Service.status`), derived from the state. */
export const legacyStatusOf = (state: LifecycleState) =>
  (
    ({
      'not-connected': 'awaiting-token',
      'invitation-pending': 'pending-invitation',
      'invitation-failed': 'pending-invitation',
      'connection-failed': 'awaiting-token',
      'checking-role': 'connected',
      'role-missing': 'connected',
      'settings-needed': 'connected',
      ready: 'connected',
      configuring: 'configuring',
      'routing-failed': 'failed',
      active: 'active',
      offboarding: 'offboarding',
      'offboarding-failed': 'offboarding',
      removed: 'removed',
    }) as const
  )[state];
