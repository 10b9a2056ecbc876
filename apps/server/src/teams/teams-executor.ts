/**
 * The Teams executor port: what the Default-routing orchestration asks of Microsoft Teams in one customer tenant
 * (reference §4.1, §5.2 step 10–11). A plan names one PSTN usage, one voice route to the derived trunks and one
 * voice routing policy; an executor previews, applies and removes them idempotently. Two adapters implement it:
 * the Teams admin ConfigAPI over HTTP (`config-api.ts`) and the MicrosoftTeams PowerShell module (`powershell.ts`).
 *
 * Optionally (`policy.grantGlobal`) the policy is also granted as the tenant's global default, as
 * `Grant-CsOnlineVoiceRoutingPolicy -Global -PolicyName <policy>` does (reference §4.2): it then applies to every
 * user of the tenant without a policy of their own or of a group. Offboarding reverts that grant
 * (`-PolicyName $null`: back to the Global policy instance) only while the tenant's global default is still this
 * policy.
 *
 * Both adapters read the actual state into a `TeamsState` and report through the same pure functions below, one
 * per Teams object (usage, route, policy, global grant) for applying and one for removing, so the two report
 * identical changes for identical tenants — except the global grant: the ConfigAPI has no read of it (no public
 * client shows one), so that adapter leaves `globalPolicy` out and the grant is decided from the record alone, while
 * the PowerShell scripts read it from `Get-CsTenant` (an assumption they state). Each applied change carries the part of the ownership record
 * (`VoiceRoutingOutcome`, packages/contracts) it establishes; removal decides from that record alone.
 */

import {
  mergeVoiceRoutingOutcome,
  VoiceRoutingOutcomeSchema,
  type RoutePrior,
  type VoiceRoutingOutcome,
} from '@trunkline/contracts';

export type VoiceRoutingPlan = {
  tenantId: string;
  /** Added to the Global OnlinePstnUsages list. */
  pstnUsage: string;
  voiceRoute: {
    identity: string;
    numberPattern: string;
    priority: number;
    /** Derived trunk FQDNs (carrier model, §5.2): no OnlinePSTNGateway of their own in the customer tenant. */
    gateways: string[];
    description?: string;
  };
  /**
   * An OnlineVoiceRoutingPolicy whose OnlinePstnUsages contain `pstnUsage`; with `grantGlobal`, also the tenant's
   * global default (absent or false: the tenant's global default is neither read nor touched).
   */
  policy: { identity: string; grantGlobal?: boolean };
};

/** `global-policy`: the tenant-wide grant of the plan's policy (its identity is the policy's name). */
export type TeamsObject = 'pstn-usage' | 'voice-route' | 'voice-routing-policy' | 'global-policy';

export type TeamsChange = {
  object: TeamsObject;
  identity: string;
  action: 'create' | 'update' | 'delete' | 'none';
  /** Plain words, e.g. "Add PSTN usage 'Trunkline' to the Global list" or "Voice route 'Trunkline-acme': gateways contoso.sbc.example → + acme.sbc.example". */
  detail: string;
  /** For applied changes: what this change makes Trunkline's (created, added, prior values), to record before it is made. */
  record?: Partial<VoiceRoutingOutcome>;
};

export type TeamsErrorKind = 'gateway-not-ready' | 'forbidden' | 'throttled' | 'unavailable' | 'rejected';

/**
 * Why Teams refused, in terms the orchestration acts on: `gateway-not-ready` (the derived trunk's domain is not
 * verified/activated yet, or Microsoft has not caught up: reschedule), `forbidden` (the automation's service
 * principal lacks Teams Administrator), `throttled` / `unavailable` (try again later) and `rejected` (anything
 * else; `microsoftMessage` says what).
 */
export class TeamsError extends Error {
  readonly kind: TeamsErrorKind;
  /** The HTTP status Microsoft answered, where there was one. */
  readonly status: number | undefined;
  /** Microsoft's own message, verbatim; null when Microsoft was not reached. */
  readonly microsoftMessage: string | null;
  /** For `throttled`: how long Microsoft asked to wait. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    kind: TeamsErrorKind,
    message: string,
    options: {
      status?: number;
      microsoftMessage?: string | null;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TeamsError';
    this.kind = kind;
    this.status = options.status;
    this.microsoftMessage = options.microsoftMessage ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
  /** Worth trying again soon (the port errors' one rule): throttled or unavailable. */
  get transient(): boolean {
    return this.kind === 'throttled' || this.kind === 'unavailable';
  }
  /** Microsoft refused the access token itself (401: expired, revoked): a new token may succeed. */
  get tokenRejected(): boolean {
    return this.status === 401;
  }
}

export type TeamsExecutor = {
  readonly kind: 'config-api' | 'powershell';
  /** What apply would change, computed from the actual state ('none' entries included). */
  preview(accessToken: string, plan: VoiceRoutingPlan): Promise<TeamsChange[]>;
  /**
   * Applies the difference in dependency order (usage → route → policy → global grant, the last only with
   * `policy.grantGlobal`); returns one entry per object ('none' included), each with its `record`. Idempotent.
   * `beforeChange` is awaited before each change is made (to record it first); an adapter that cannot make changes
   * one by one (a script) reports them only afterwards.
   */
  apply(
    accessToken: string,
    plan: VoiceRoutingPlan,
    beforeChange?: (change: TeamsChange) => Promise<void>,
  ): Promise<TeamsChange[]>;
  /**
   * Undoes what `owned` records (see `planRemoval`): route → global grant → policy → usage; missing objects count
   * as done ('none').
   */
  remove(accessToken: string, plan: VoiceRoutingPlan, owned?: VoiceRoutingOutcome): Promise<TeamsChange[]>;
  /**
   * Asks whether Microsoft accepts the plan's gateways yet, without reading the tenant: sends the one write that
   * names them, as `owned` records that Trunkline makes it (`gatewayWrite`: the route's creation, or the gateways
   * added to the route). Throws `gateway-not-ready` while Microsoft refuses them (and, as `apply` does, throttling,
   * outages, a refused token). Resolves when Microsoft made the write (the gateways are accepted), answered
   * something that says nothing of the gateways (the route exists or is gone, a usage is missing), or the record
   * names no such write; in each case the step then reads the tenant and applies in full. Optional: an adapter
   * without it is always applied in full.
   */
  checkGateways?(accessToken: string, plan: VoiceRoutingPlan, owned: VoiceRoutingOutcome): Promise<void>;
};

// ------------------------------------------------------------------------------------------------ actual state

/** What an adapter reads from the tenant before deciding. */
export type TeamsState = {
  /** The Global OnlinePstnUsages list. */
  usages: string[];
  /** The voice route with the plan's identity, if any. */
  route: {
    identity: string;
    numberPattern: string;
    priority: number;
    gateways: string[];
    usages: string[];
    description: string;
  } | null;
  /** The voice routing policy with the plan's identity, if any. */
  policy: { identity: string; usages: string[] } | null;
  /**
   * Every voice route and policy (the plan's own included) whose usages contain the plan's usage; for routes, their
   * gateways where the adapter read them.
   */
  usageUsedBy: { object: 'voice-route' | 'voice-routing-policy'; identity: string; gateways?: string[] }[];
  /**
   * The voice routing policy granted as the tenant's global default (its name, `Tag:` allowed), or null when none
   * is (the Global policy instance applies). Read only for a plan with `policy.grantGlobal`, and only by an adapter
   * that can read it (PowerShell); absent otherwise — then `grantApply` / `grantRemoval` decide from the record.
   */
  globalPolicy?: string | null;
};

/** A list of strings from JSON that may give a single value where a list is meant (PowerShell, the ConfigAPI). */
export const stringList = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === 'string',
  );

/** `TeamsState.route` from a voice route as an adapter read it (each names the fields its own way). */
export const routeState = (
  route: Partial<
    Record<'identity' | 'numberPattern' | 'priority' | 'gateways' | 'usages' | 'description', unknown>
  >,
): NonNullable<TeamsState['route']> => ({
  identity: String(route.identity),
  numberPattern: String(route.numberPattern ?? ''),
  priority: Number(route.priority),
  gateways: stringList(route.gateways),
  usages: stringList(route.usages),
  description: String(route.description ?? ''),
});

/** A change plus the cmdlet parameters that make it (PascalCase; also the ConfigAPI body). Absent for 'none'. */
export type PlannedChange = TeamsChange & { parameters?: Record<string, unknown> };

/** Teams compares names case-insensitively. */
export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const includesName = (list: readonly string[], name: string) => list.some((x) => sameName(x, name));
/** Policies read back as `Tag:<name>`; the cmdlets take the bare name. */
export const policyName = (identity: string) => identity.replace(/^tag:/i, '');
export const samePolicy = (a: string, b: string) => sameName(policyName(a), policyName(b));

const q = (s: string) => `'${s}'`;
const names = (list: readonly string[], quote = false) =>
  list.length ? list.map((x) => (quote ? q(x) : x)).join(', ') : '(none)';

/** Nothing recorded: what a removal without a record may touch. */
export const NOTHING_OWNED: VoiceRoutingOutcome = VoiceRoutingOutcomeSchema.parse({});

/** The ownership record of applied changes, merged onto `previous` (monotonic: nothing recorded is ever lost). */
export const recordOf = (changes: readonly TeamsChange[], previous: VoiceRoutingOutcome = NOTHING_OWNED) =>
  changes.reduce(
    (acc, c) => (c.record ? mergeVoiceRoutingOutcome(acc, { ...NOTHING_OWNED, ...c.record }) : acc),
    previous,
  );

// ------------------------------------------------------------------------------------------------ apply, per object

/** The PSTN usage in the Global list (added with `{Add}`, so other usages stay). */
export function usageApply(plan: VoiceRoutingPlan, state: TeamsState): PlannedChange {
  const usage = plan.pstnUsage;
  return includesName(state.usages, usage)
    ? {
        object: 'pstn-usage',
        identity: usage,
        action: 'none',
        detail: `PSTN usage ${q(usage)} is already in the Global list`,
        record: { usage: { name: usage, added: false } },
      }
    : {
        object: 'pstn-usage',
        identity: usage,
        action: 'create',
        detail: `Add PSTN usage ${q(usage)} to the Global list`,
        parameters: { Usage: { Add: [usage] } },
        record: { usage: { name: usage, added: true } },
      };
}

/** The voice route: created, or the plan's gateways and usage added to an existing one (prior values recorded). */
export function routeApply(plan: VoiceRoutingPlan, state: TeamsState): PlannedChange {
  const { pstnUsage: usage, voiceRoute: want } = plan;
  const route = state.route;
  if (!route)
    return {
      object: 'voice-route',
      identity: want.identity,
      action: 'create',
      detail:
        `Create voice route ${q(want.identity)}: number pattern ${q(want.numberPattern)}, priority ${want.priority}, ` +
        `gateways ${names(want.gateways)}, PSTN usage ${q(usage)}`,
      parameters: {
        Identity: want.identity,
        NumberPattern: want.numberPattern,
        Priority: want.priority,
        OnlinePstnGatewayList: [...want.gateways],
        OnlinePstnUsages: [usage],
        ...(want.description === undefined ? {} : { Description: want.description }),
      },
      record: {
        route: {
          identity: want.identity,
          created: true,
          gatewaysAdded: [...want.gateways],
          usageAdded: true,
          prior: {},
        },
      },
    };
  const parameters: Record<string, unknown> = {};
  const parts: string[] = [];
  const prior: RoutePrior = {};
  const addGateways = want.gateways.filter(
    (g, i) => !includesName(route.gateways, g) && want.gateways.findIndex((x) => sameName(x, g)) === i,
  );
  if (addGateways.length) {
    parameters.OnlinePstnGatewayList = { Add: addGateways };
    parts.push(`gateways ${names(route.gateways)} → + ${names(addGateways)}`);
  }
  const usageAdded = !includesName(route.usages, usage);
  if (usageAdded) {
    parameters.OnlinePstnUsages = { Add: [usage] };
    parts.push(`PSTN usages ${names(route.usages, true)} → + ${q(usage)}`);
  }
  if (route.numberPattern !== want.numberPattern) {
    parameters.NumberPattern = want.numberPattern;
    prior.numberPattern = route.numberPattern;
    parts.push(`number pattern ${q(route.numberPattern)} → ${q(want.numberPattern)}`);
  }
  if (route.priority !== want.priority) {
    parameters.Priority = want.priority;
    prior.priority = route.priority;
    parts.push(`priority ${route.priority} → ${want.priority}`);
  }
  if (want.description !== undefined && route.description !== want.description) {
    parameters.Description = want.description;
    prior.description = route.description;
    parts.push(`description ${q(route.description)} → ${q(want.description)}`);
  }
  const record = {
    route: { identity: route.identity, created: false, gatewaysAdded: addGateways, usageAdded, prior },
  };
  return parts.length
    ? {
        object: 'voice-route',
        identity: route.identity,
        action: 'update',
        detail: `Voice route ${q(route.identity)}: ${parts.join('; ')}`,
        parameters,
        record,
      }
    : {
        object: 'voice-route',
        identity: route.identity,
        action: 'none',
        detail: `Voice route ${q(route.identity)} is in place`,
        record,
      };
}

/** The voice routing policy: created, or the plan's usage added to an existing one. */
export function policyApply(plan: VoiceRoutingPlan, state: TeamsState): PlannedChange {
  const usage = plan.pstnUsage;
  const policy = state.policy;
  const policyId = plan.policy.identity;
  if (!policy)
    return {
      object: 'voice-routing-policy',
      identity: policyId,
      action: 'create',
      detail: `Create voice routing policy ${q(policyId)} with PSTN usage ${q(usage)}`,
      parameters: { Identity: policyId, OnlinePstnUsages: [usage] },
      record: { policy: { identity: policyId, created: true, usageAdded: true } },
    };
  const id = policyName(policy.identity);
  if (!includesName(policy.usages, usage))
    return {
      object: 'voice-routing-policy',
      identity: id,
      action: 'update',
      detail: `Voice routing policy ${q(id)}: PSTN usages ${names(policy.usages, true)} → + ${q(usage)}`,
      parameters: { OnlinePstnUsages: { Add: [usage] } },
      record: { policy: { identity: id, created: false, usageAdded: true } },
    };
  return {
    object: 'voice-routing-policy',
    identity: id,
    action: 'none',
    detail: `Voice routing policy ${q(id)} already lists PSTN usage ${q(usage)}`,
    record: { policy: { identity: id, created: false, usageAdded: false } },
  };
}

/** Said wherever the tenant-wide grant cannot be read back (`TeamsState.globalPolicy` absent). */
export const GRANT_UNREADABLE =
  "the Teams admin API cannot read the tenant's current global default back, so Trunkline records that it granted this policy";

/**
 * With `policy.grantGlobal`: the policy as the tenant's global default (the default it replaces is recorded). When
 * the adapter cannot read the current default (`globalPolicy` absent: the ConfigAPI has no such read), the grant is
 * made on every run (it is idempotent) and recorded as replacing the Global policy instance, which is what
 * offboarding reverts to; the detail says so, and so the plan preview does.
 */
export function grantApply(plan: VoiceRoutingPlan, state: TeamsState): PlannedChange | null {
  if (!plan.policy.grantGlobal) return null;
  const name = policyName(state.policy ? state.policy.identity : plan.policy.identity);
  if (state.globalPolicy === undefined)
    return {
      object: 'global-policy',
      identity: name,
      action: 'update',
      detail:
        `Grant voice routing policy ${q(name)} as the tenant's global default (${GRANT_UNREADABLE}; ` +
        'offboarding reverts it to the Global policy instance)',
      parameters: { PolicyName: name },
      record: { globalGrant: { policy: name, prior: null } },
    };
  const current = state.globalPolicy;
  if (current !== null && samePolicy(current, name))
    return {
      object: 'global-policy',
      identity: name,
      action: 'none',
      detail: `Voice routing policy ${q(name)} is already the tenant's global default`,
    };
  return {
    object: 'global-policy',
    identity: name,
    action: 'update',
    detail:
      `Grant voice routing policy ${q(name)} as the tenant's global default ` +
      (current === null
        ? '(instead of the Global policy instance)'
        : `(replacing ${q(policyName(current))})`),
    parameters: { PolicyName: name },
    record: { globalGrant: { policy: name, prior: current === null ? null : policyName(current) } },
  };
}

/**
 * The difference between the tenant and the plan, in dependency order (usage → route → policy → global grant).
 * Lists are only ever added to (`{Add: [...]}`): gateways and usages someone else put on the route or policy stay.
 */
export const planApply = (plan: VoiceRoutingPlan, state: TeamsState): PlannedChange[] =>
  [
    usageApply(plan, state),
    routeApply(plan, state),
    policyApply(plan, state),
    grantApply(plan, state),
  ].filter((c): c is PlannedChange => c !== null);

/**
 * The write that names the plan's gateways, as an earlier attempt recorded making it before Microsoft refused it:
 * the route's creation (recorded as created) or its gateways added to the route (recorded as added); null when the
 * record names neither. Sent again without reading the tenant, it can only create a route where none is (a create
 * that finds one is refused, 409) or add gateways to it, which an onboarding's own changes commute with (they only
 * add, and re-read on a 409); an offboarding's removals are decided from reads it could invalidate, so the runner
 * never lets it run beside such a check (`claimTeamsStep`).
 */
export function gatewayWrite(plan: VoiceRoutingPlan, owned: VoiceRoutingOutcome): PlannedChange | null {
  const rec = owned.route;
  if (!rec || !sameName(rec.identity, plan.voiceRoute.identity)) return null;
  if (rec.created) return routeApply(plan, { usages: [], route: null, policy: null, usageUsedBy: [] });
  const gateways = plan.voiceRoute.gateways;
  if (!gateways.length || !gateways.every((g) => includesName(rec.gatewaysAdded, g))) return null;
  return {
    object: 'voice-route',
    identity: rec.identity,
    action: 'update',
    detail: `Voice route ${q(rec.identity)}: + ${names(gateways)}`,
    parameters: { OnlinePstnGatewayList: { Add: [...gateways] } },
  };
}

// ------------------------------------------------------------------------------------------------ removal, per object

/**
 * What the route looks like after the route removal (null: deleted or not there); `created`: Trunkline created it
 * (it stays because someone else's gateways or usages are on it).
 */
type RouteAfter = { identity: string; gateways: string[]; usages: string[]; created: boolean } | null;

/**
 * The route: one Trunkline created is deleted while nothing of anyone else is on it (other gateways or usages),
 * otherwise only its gateways come off; on a route that was there before, the gateways and usage Trunkline added
 * come off and the values it changed go back to their prior values (while they are still Trunkline's).
 */
export function routeRemoval(
  plan: VoiceRoutingPlan,
  state: TeamsState,
  owned: VoiceRoutingOutcome,
): { change: PlannedChange; after: RouteAfter } {
  const usage = plan.pstnUsage;
  const rec = owned.route;
  const route = state.route;
  const id = route?.identity ?? rec?.identity ?? plan.voiceRoute.identity;
  const none = (detail: string, after: RouteAfter): { change: PlannedChange; after: RouteAfter } => ({
    change: { object: 'voice-route', identity: id, action: 'none', detail },
    after,
  });
  if (!route) return none(`Voice route ${q(id)} is not there (nothing to remove)`, null);
  const asIs = {
    identity: route.identity,
    gateways: route.gateways,
    usages: route.usages,
    created: Boolean(rec?.created),
  };
  if (
    !rec ||
    !sameName(rec.identity, route.identity) ||
    (!rec.created && !rec.gatewaysAdded.length && !rec.usageAdded && !Object.keys(rec.prior).length)
  )
    return none(
      `Voice route ${q(id)} was there before Trunkline and has nothing of Trunkline's (left alone)`,
      asIs,
    );
  const ourGateways = rec.created ? [...rec.gatewaysAdded, ...plan.voiceRoute.gateways] : rec.gatewaysAdded;
  const ours = route.gateways.filter((g) => includesName(ourGateways, g));
  const foreign = route.gateways.filter((g) => !includesName(ourGateways, g));
  if (rec.created) {
    const otherUsages = route.usages.filter((u) => !sameName(u, usage));
    if (!foreign.length && !otherUsages.length)
      return {
        change: {
          object: 'voice-route',
          identity: id,
          action: 'delete',
          detail: `Remove voice route ${q(id)}`,
        },
        after: null,
      };
    if (!ours.length)
      return none(
        `Voice route ${q(id)} does not list ${names(plan.voiceRoute.gateways)} (nothing to remove)`,
        asIs,
      );
    return {
      change: {
        object: 'voice-route',
        identity: id,
        action: 'update',
        detail: `Take gateway${ours.length === 1 ? '' : 's'} ${names(ours)} off voice route ${q(id)}${
          foreign.length
            ? ` (it keeps ${names(foreign)})`
            : ` (it keeps PSTN usages ${names(route.usages, true)})`
        }`,
        parameters: { OnlinePstnGatewayList: { Remove: ours } },
      },
      after: { ...asIs, gateways: foreign },
    };
  }
  const parameters: Record<string, unknown> = {};
  const parts: string[] = [];
  let usages = route.usages;
  if (ours.length) {
    parameters.OnlinePstnGatewayList = { Remove: ours };
    parts.push(`gateway${ours.length === 1 ? '' : 's'} ${names(ours)} off`);
  }
  if (rec.usageAdded && includesName(route.usages, usage)) {
    parameters.OnlinePstnUsages = { Remove: [usage] };
    usages = route.usages.filter((u) => !sameName(u, usage));
    parts.push(`PSTN usage ${q(usage)} off`);
  }
  const want = plan.voiceRoute;
  // A prior value goes back only while the field still holds what Trunkline set (else someone changed it since).
  if (rec.prior.numberPattern !== undefined && route.numberPattern === want.numberPattern) {
    parameters.NumberPattern = rec.prior.numberPattern;
    parts.push(`number pattern back to ${q(rec.prior.numberPattern)}`);
  }
  if (rec.prior.priority !== undefined && route.priority === want.priority) {
    parameters.Priority = rec.prior.priority;
    parts.push(`priority back to ${rec.prior.priority}`);
  }
  if (rec.prior.description !== undefined && route.description === want.description) {
    parameters.Description = rec.prior.description;
    parts.push(`description back to ${q(rec.prior.description)}`);
  }
  if (!parts.length)
    return none(`Voice route ${q(id)} has nothing of Trunkline's left (nothing to undo)`, asIs);
  return {
    change: {
      object: 'voice-route',
      identity: id,
      action: 'update',
      detail: `Voice route ${q(id)} (there before Trunkline): ${parts.join('; ')}`,
      parameters,
    },
    after: { identity: route.identity, gateways: foreign, usages, created: false },
  };
}

/**
 * Voice routes that still need the plan's usage (and so the policy and its grant) once the route removal is done:
 * a route that routes another derived trunk of the same SBC zone through it (another Trunkline service of the
 * tenant), and the route Trunkline created if it stays because someone else's gateways are on it. A route whose
 * gateways the adapter did not read counts as needing it.
 */
function routedForOthers(plan: VoiceRoutingPlan, state: TeamsState, after: RouteAfter): string[] {
  const ours = plan.voiceRoute.gateways;
  const zones = ours.map((g) => g.split('.').slice(1).join('.').toLowerCase());
  const otherTrunk = (g: string) =>
    !includesName(ours, g) && zones.some((z) => z && g.toLowerCase().endsWith(`.${z}`));
  const out: string[] = [];
  for (const u of state.usageUsedBy) {
    if (u.object !== 'voice-route') continue;
    if (state.route && sameName(u.identity, state.route.identity)) {
      if (
        after &&
        includesName(after.usages, plan.pstnUsage) &&
        (after.gateways.some(otherTrunk) || (after.created && after.gateways.length > 0))
      )
        out.push(u.identity);
    } else if (!u.gateways || u.gateways.some(otherTrunk)) out.push(u.identity);
  }
  return out;
}

/**
 * The policy: one Trunkline created is deleted (one it only added its usage to loses that usage), unless another
 * derived trunk still routes through the usage, or someone else put other usages on a policy Trunkline created.
 */
export function policyRemoval(
  plan: VoiceRoutingPlan,
  state: TeamsState,
  owned: VoiceRoutingOutcome,
  routeAfter: RouteAfter,
): { change: PlannedChange; deleted: boolean; usageRemoved: boolean; keptForOthers: boolean } {
  const usage = plan.pstnUsage;
  const rec = owned.policy;
  const policy = state.policy;
  const id = policy ? policyName(policy.identity) : (rec?.identity ?? plan.policy.identity);
  const result = (
    change: Omit<PlannedChange, 'object' | 'identity'>,
    more: Partial<{ deleted: boolean; usageRemoved: boolean; keptForOthers: boolean }> = {},
  ) => ({
    change: { object: 'voice-routing-policy' as const, identity: id, ...change },
    deleted: false,
    usageRemoved: false,
    keptForOthers: false,
    ...more,
  });
  if (!policy)
    return result({
      action: 'none',
      detail: `Voice routing policy ${q(id)} is not there (nothing to remove)`,
    });
  if (!rec || !samePolicy(rec.identity, policy.identity) || (!rec.created && !rec.usageAdded))
    return result({
      action: 'none',
      detail: `Voice routing policy ${q(id)} was there before Trunkline (left alone)`,
    });
  const others = routedForOthers(plan, state, routeAfter);
  if (others.length)
    return result(
      {
        action: 'none',
        detail: `Voice routing policy ${q(id)} stays: voice route ${others.map(q).join(', ')} still routes through PSTN usage ${q(usage)}`,
      },
      { keptForOthers: true },
    );
  if (rec.created) {
    if (policy.usages.some((u) => !sameName(u, usage)))
      return result({
        action: 'none',
        detail: `Voice routing policy ${q(id)} left alone: someone else changed its PSTN usages (${names(policy.usages, true)})`,
      });
    return result({ action: 'delete', detail: `Remove voice routing policy ${q(id)}` }, { deleted: true });
  }
  if (!includesName(policy.usages, usage))
    return result({
      action: 'none',
      detail: `Voice routing policy ${q(id)} no longer lists PSTN usage ${q(usage)}`,
    });
  return result(
    {
      action: 'update',
      detail: `Voice routing policy ${q(id)} (there before Trunkline): PSTN usage ${q(usage)} off`,
      parameters: { OnlinePstnUsages: { Remove: [usage] } },
    },
    { usageRemoved: true },
  );
}

/** The tenant's global default goes back to what it was before Trunkline granted its policy, while it is still that policy. */
export function grantRemoval(
  plan: VoiceRoutingPlan,
  state: TeamsState,
  owned: VoiceRoutingOutcome,
  policy: { keptForOthers: boolean },
): PlannedChange | null {
  const rec = owned.globalGrant;
  if (!plan.policy.grantGlobal && !rec) return null;
  const id = rec?.policy ?? plan.policy.identity;
  const current = state.globalPolicy ?? null;
  const none = (detail: string): PlannedChange => ({
    object: 'global-policy',
    identity: id,
    action: 'none',
    detail,
  });
  if (!rec) return none(`The tenant's global default was not changed by Trunkline (left alone)`);
  if (state.globalPolicy === undefined) {
    // No read of the grant (the ConfigAPI): the record alone decides, as for everything offboarding removes.
    if (policy.keptForOthers)
      return none(`The tenant's global default stays ${q(id)} while the policy stays`);
    const unread = ` (${GRANT_UNREADABLE}; the record decides)`;
    return rec.prior === null
      ? {
          object: 'global-policy',
          identity: id,
          action: 'delete',
          detail: `Revert the tenant's global default from voice routing policy ${q(id)} to the Global policy instance${unread}`,
          parameters: { PolicyName: null },
        }
      : {
          object: 'global-policy',
          identity: id,
          action: 'update',
          detail: `Revert the tenant's global default from voice routing policy ${q(id)} to ${q(rec.prior)}${unread}`,
          parameters: { PolicyName: rec.prior },
        };
  }
  if (current === null || !samePolicy(current, rec.policy))
    return none(
      current === null
        ? `Voice routing policy ${q(id)} is not the tenant's global default (nothing to revert)`
        : `The tenant's global default left alone: it is ${q(policyName(current))}, not ${q(id)}`,
    );
  if (policy.keptForOthers) return none(`The tenant's global default stays ${q(id)} while the policy stays`);
  return rec.prior === null
    ? {
        object: 'global-policy',
        identity: id,
        action: 'delete',
        detail: `Revert the tenant's global default from voice routing policy ${q(id)} to the Global policy instance`,
        parameters: { PolicyName: null },
      }
    : {
        object: 'global-policy',
        identity: id,
        action: 'update',
        detail: `Revert the tenant's global default from voice routing policy ${q(id)} to ${q(rec.prior)}`,
        parameters: { PolicyName: rec.prior },
      };
}

/** The usage leaves the Global list only if Trunkline added it and nothing uses it any more. */
export function usageRemoval(
  plan: VoiceRoutingPlan,
  state: TeamsState,
  owned: VoiceRoutingOutcome,
  after: { route: RouteAfter; policyDeleted: boolean; policyUsageRemoved: boolean },
): PlannedChange {
  const usage = plan.pstnUsage;
  const none = (detail: string): PlannedChange => ({
    object: 'pstn-usage',
    identity: usage,
    action: 'none',
    detail,
  });
  if (!includesName(state.usages, usage))
    return none(`PSTN usage ${q(usage)} is not in the Global list (nothing to remove)`);
  if (!owned.usage?.added || !sameName(owned.usage.name, usage))
    return none(`PSTN usage ${q(usage)} was in the Global list before Trunkline (left alone)`);
  const stillUsedBy = state.usageUsedBy.filter((u) => {
    if (u.object === 'voice-route' && state.route && sameName(u.identity, state.route.identity))
      return after.route !== null && includesName(after.route.usages, usage);
    if (u.object === 'voice-routing-policy' && state.policy && samePolicy(u.identity, state.policy.identity))
      return !after.policyDeleted && !after.policyUsageRemoved;
    return true;
  });
  if (stillUsedBy.length)
    return none(
      `PSTN usage ${q(usage)} left in the Global list: still used by ${stillUsedBy
        .map((u) =>
          u.object === 'voice-route'
            ? `voice route ${q(u.identity)}`
            : `voice routing policy ${q(policyName(u.identity))}`,
        )
        .join(', ')}`,
    );
  return {
    object: 'pstn-usage',
    identity: usage,
    action: 'delete',
    detail: `Remove PSTN usage ${q(usage)} from the Global list`,
    parameters: { Usage: { Remove: [usage] } },
  };
}

/**
 * An ownership record read off the tenant's shape, for an adapter that cannot be handed the record (the
 * PowerShell removal script decides by shape itself), so its report matches what the script does: the plan's
 * route counts as Trunkline's (deleted while nothing else is on it, else only the plan's gateways come off), a
 * policy listing only the plan's usage and its global grant count as Trunkline's, and so does the usage.
 */
export function ownershipByShape(plan: VoiceRoutingPlan, state: TeamsState): VoiceRoutingOutcome {
  const usage = plan.pstnUsage;
  const onlyOurs = (usages: string[]) => usages.length === 1 && sameName(usages[0]!, usage);
  const { route, policy } = state;
  const ours = policy !== null && onlyOurs(policy.usages);
  return {
    usage: { name: usage, added: true },
    route: route
      ? {
          identity: route.identity,
          created: true,
          gatewaysAdded: [...plan.voiceRoute.gateways],
          usageAdded: false,
          prior: {},
        }
      : null,
    policy: policy ? { identity: policyName(policy.identity), created: ours, usageAdded: false } : null,
    globalGrant:
      plan.policy.grantGlobal && policy && ours ? { policy: policyName(policy.identity), prior: null } : null,
  };
}

/**
 * What offboarding changes, from the ownership record alone, in order route → global grant → policy → usage
 * (each removal needs the one before: Teams refuses to remove a granted policy or a usage still in use).
 * Several services of one tenant share the route, policy and usage (each adds its derived trunk to the route), so
 * a shared object Trunkline created stays while another derived trunk still needs it. Nothing Trunkline did not
 * record as created is deleted. Without a record (`owned` absent) the record is read off the tenant's shape.
 */
export function planRemoval(
  plan: VoiceRoutingPlan,
  state: TeamsState,
  owned: VoiceRoutingOutcome = ownershipByShape(plan, state),
): PlannedChange[] {
  const route = routeRemoval(plan, state, owned);
  const policy = policyRemoval(plan, state, owned, route.after);
  const grant = grantRemoval(plan, state, owned, policy);
  const usage = usageRemoval(plan, state, owned, {
    route: route.after,
    policyDeleted: policy.deleted,
    policyUsageRemoved: policy.usageRemoved,
  });
  return [route.change, ...(grant ? [grant] : []), policy.change, usage];
}

/** The public part of a planned change (with the record it establishes, if any). */
export const toChange = ({ object, identity, action, detail, record }: PlannedChange): TeamsChange => ({
  object,
  identity,
  action,
  detail,
  ...(record ? { record } : {}),
});
