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
 * Both adapters read the actual state into a `TeamsState` and report through the same pure functions below
 * (`planApply`, `planRemoval`), so the two report identical changes for identical tenants.
 */

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
}

export type TeamsExecutor = {
  readonly kind: 'config-api' | 'powershell';
  /** What apply would change, computed from the actual state ('none' entries included). */
  preview(accessToken: string, plan: VoiceRoutingPlan): Promise<TeamsChange[]>;
  /**
   * Applies the difference in dependency order (usage → route → policy → global grant, the last only with
   * `policy.grantGlobal`); returns one entry per object ('none' included). Idempotent.
   */
  apply(accessToken: string, plan: VoiceRoutingPlan): Promise<TeamsChange[]>;
  /**
   * Removes global grant → policy → route → usage, only if they still look like what the plan created (the global
   * grant is reverted only with `policy.grantGlobal` and while the tenant's global default is still this policy;
   * a route or policy whose gateways/usages were changed by someone else is left alone and reported as 'none'
   * with a reason; the usage stays while anything still uses it); missing objects count as done ('none').
   */
  remove(accessToken: string, plan: VoiceRoutingPlan): Promise<TeamsChange[]>;
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
  /** Every voice route and policy (the plan's own included) whose usages contain the plan's usage. */
  usageUsedBy: { object: 'voice-route' | 'voice-routing-policy'; identity: string }[];
  /**
   * The voice routing policy granted as the tenant's global default (its name, `Tag:` allowed), or null when none
   * is (the Global policy instance applies). Read only for a plan with `policy.grantGlobal`; absent otherwise.
   */
  globalPolicy?: string | null;
};

/** A change plus the cmdlet parameters that make it (PascalCase; also the ConfigAPI body). Absent for 'none' and 'delete'. */
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

/**
 * The difference between the tenant and the plan, in dependency order (usage → route → policy). Lists are only
 * ever added to (`{Add: [...]}`): gateways and usages someone else put on the route or policy stay.
 */
export function planApply(plan: VoiceRoutingPlan, state: TeamsState): PlannedChange[] {
  const { pstnUsage: usage, voiceRoute: want } = plan;
  const out: PlannedChange[] = [];

  out.push(
    includesName(state.usages, usage)
      ? {
          object: 'pstn-usage',
          identity: usage,
          action: 'none',
          detail: `PSTN usage ${q(usage)} is already in the Global list`,
        }
      : {
          object: 'pstn-usage',
          identity: usage,
          action: 'create',
          detail: `Add PSTN usage ${q(usage)} to the Global list`,
          parameters: { Usage: { Add: [usage] } },
        },
  );

  const route = state.route;
  if (!route) {
    out.push({
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
    });
  } else {
    const parameters: Record<string, unknown> = {};
    const parts: string[] = [];
    const addGateways = want.gateways.filter(
      (g, i) => !includesName(route.gateways, g) && want.gateways.findIndex((x) => sameName(x, g)) === i,
    );
    if (addGateways.length) {
      parameters.OnlinePstnGatewayList = { Add: addGateways };
      parts.push(`gateways ${names(route.gateways)} → + ${names(addGateways)}`);
    }
    if (!includesName(route.usages, usage)) {
      parameters.OnlinePstnUsages = { Add: [usage] };
      parts.push(`PSTN usages ${names(route.usages, true)} → + ${q(usage)}`);
    }
    if (route.numberPattern !== want.numberPattern) {
      parameters.NumberPattern = want.numberPattern;
      parts.push(`number pattern ${q(route.numberPattern)} → ${q(want.numberPattern)}`);
    }
    if (route.priority !== want.priority) {
      parameters.Priority = want.priority;
      parts.push(`priority ${route.priority} → ${want.priority}`);
    }
    if (want.description !== undefined && route.description !== want.description) {
      parameters.Description = want.description;
      parts.push(`description ${q(route.description)} → ${q(want.description)}`);
    }
    out.push(
      parts.length
        ? {
            object: 'voice-route',
            identity: route.identity,
            action: 'update',
            detail: `Voice route ${q(route.identity)}: ${parts.join('; ')}`,
            parameters,
          }
        : {
            object: 'voice-route',
            identity: route.identity,
            action: 'none',
            detail: `Voice route ${q(route.identity)} is in place`,
          },
    );
  }

  const policy = state.policy;
  const policyId = plan.policy.identity;
  if (!policy)
    out.push({
      object: 'voice-routing-policy',
      identity: policyId,
      action: 'create',
      detail: `Create voice routing policy ${q(policyId)} with PSTN usage ${q(usage)}`,
      parameters: { Identity: policyId, OnlinePstnUsages: [usage] },
    });
  else if (!includesName(policy.usages, usage))
    out.push({
      object: 'voice-routing-policy',
      identity: policyName(policy.identity),
      action: 'update',
      detail: `Voice routing policy ${q(policyName(policy.identity))}: PSTN usages ${names(policy.usages, true)} → + ${q(usage)}`,
      parameters: { OnlinePstnUsages: { Add: [usage] } },
    });
  else
    out.push({
      object: 'voice-routing-policy',
      identity: policyName(policy.identity),
      action: 'none',
      detail: `Voice routing policy ${q(policyName(policy.identity))} already lists PSTN usage ${q(usage)}`,
    });

  if (plan.policy.grantGlobal) {
    const name = policyName(policy ? policy.identity : policyId);
    const current = state.globalPolicy ?? null;
    out.push(
      current !== null && samePolicy(current, name)
        ? {
            object: 'global-policy',
            identity: name,
            action: 'none',
            detail: `Voice routing policy ${q(name)} is already the tenant's global default`,
          }
        : {
            object: 'global-policy',
            identity: name,
            action: 'update',
            detail:
              `Grant voice routing policy ${q(name)} as the tenant's global default ` +
              (current === null
                ? '(instead of the Global policy instance)'
                : `(replacing ${q(policyName(current))})`),
            parameters: { PolicyName: name },
          },
    );
  }
  return out;
}

/**
 * What offboarding removes, in order route → global grant → policy → usage. Several services of one tenant share
 * the route, policy and usage (each adds its derived trunk to the route's gateways), so removal undoes one
 * service's share:
 * - the route loses the plan's gateways; it is deleted only when nothing else is left on it (no other gateway,
 *   exactly the plan's usage);
 * - the policy (and the tenant's global grant of it, with `policy.grantGlobal`, while it is still ours) goes only
 *   when it lists exactly the plan's usage and no voice route routes through that usage any more;
 * - the usage leaves the Global list only when nothing else uses it.
 * Anything that does not look like what `planApply` creates stays, with the reason.
 */
export function planRemoval(plan: VoiceRoutingPlan, state: TeamsState): PlannedChange[] {
  const usage = plan.pstnUsage;
  const out: PlannedChange[] = [];
  const onlyOurs = (usages: string[]) => usages.length === 1 && sameName(usages[0]!, usage);
  const { policy, route } = state;
  const policyId = policy ? policyName(policy.identity) : plan.policy.identity;
  const routeId = route ? route.identity : plan.voiceRoute.identity;

  // 1. The route: our gateways come off it; it goes only when nothing else is on it.
  let routeDeleted = false;
  if (!route)
    out.push({
      object: 'voice-route',
      identity: routeId,
      action: 'none',
      detail: `Voice route ${q(routeId)} is not there (nothing to remove)`,
    });
  else {
    const ours = route.gateways.filter((g) => includesName(plan.voiceRoute.gateways, g));
    const foreign = route.gateways.filter((g) => !includesName(plan.voiceRoute.gateways, g));
    if (!foreign.length && onlyOurs(route.usages)) {
      routeDeleted = true;
      out.push({
        object: 'voice-route',
        identity: routeId,
        action: 'delete',
        detail: `Remove voice route ${q(routeId)}`,
      });
    } else if (ours.length)
      out.push({
        object: 'voice-route',
        identity: routeId,
        action: 'update',
        detail: `Take gateway${ours.length === 1 ? '' : 's'} ${names(ours)} off voice route ${q(routeId)}${
          foreign.length
            ? ` (it keeps ${names(foreign)})`
            : ` (it keeps PSTN usages ${names(route.usages, true)})`
        }`,
        parameters: { OnlinePstnGatewayList: { Remove: ours } },
      });
    else
      out.push({
        object: 'voice-route',
        identity: routeId,
        action: 'none',
        detail: `Voice route ${q(routeId)} does not list ${names(plan.voiceRoute.gateways)} (nothing to remove)`,
      });
  }

  // 2. The policy (and its global grant) only when no voice route routes through our usage any more.
  const routedBy = state.usageUsedBy.filter(
    (u) => u.object === 'voice-route' && !(routeDeleted && sameName(u.identity, routeId)),
  );
  let policyDeleted = false;
  let policyReason: string | null = null;
  if (!policy) policyReason = `Voice routing policy ${q(policyId)} is not there (nothing to remove)`;
  else if (!onlyOurs(policy.usages))
    policyReason = `Voice routing policy ${q(policyId)} left alone: someone else changed its PSTN usages (${names(policy.usages, true)})`;
  else if (routedBy.length)
    policyReason = `Voice routing policy ${q(policyId)} stays: voice route ${routedBy
      .map((u) => q(u.identity))
      .join(', ')} still routes through PSTN usage ${q(usage)}`;
  else policyDeleted = true;

  if (plan.policy.grantGlobal) {
    const current = state.globalPolicy ?? null;
    out.push(
      policyDeleted && current !== null && samePolicy(current, policyId)
        ? {
            object: 'global-policy',
            identity: policyId,
            action: 'delete',
            detail: `Revert the tenant's global default from voice routing policy ${q(policyId)} to the Global policy instance`,
            parameters: { PolicyName: null },
          }
        : {
            object: 'global-policy',
            identity: policyId,
            action: 'none',
            detail:
              current === null
                ? `Voice routing policy ${q(policyId)} is not the tenant's global default (nothing to revert)`
                : !samePolicy(current, policyId)
                  ? `The tenant's global default left alone: it is ${q(policyName(current))}, not ${q(policyId)}`
                  : `The tenant's global default stays ${q(policyId)} while the policy stays`,
          },
    );
  }
  out.push(
    policyDeleted
      ? {
          object: 'voice-routing-policy',
          identity: policyId,
          action: 'delete',
          detail: `Remove voice routing policy ${q(policyId)}`,
        }
      : { object: 'voice-routing-policy', identity: policyId, action: 'none', detail: policyReason! },
  );

  // 3. The usage, only when nothing uses it any more.
  const stillUsedBy = state.usageUsedBy.filter(
    (u) =>
      !(u.object === 'voice-route' && routeDeleted && sameName(u.identity, routeId)) &&
      !(u.object === 'voice-routing-policy' && policyDeleted && samePolicy(u.identity, policyId)),
  );
  if (!includesName(state.usages, usage))
    out.push({
      object: 'pstn-usage',
      identity: usage,
      action: 'none',
      detail: `PSTN usage ${q(usage)} is not in the Global list (nothing to remove)`,
    });
  else if (stillUsedBy.length)
    out.push({
      object: 'pstn-usage',
      identity: usage,
      action: 'none',
      detail: `PSTN usage ${q(usage)} left in the Global list: still used by ${stillUsedBy
        .map((u) =>
          u.object === 'voice-route'
            ? `voice route ${q(u.identity)}`
            : `voice routing policy ${q(policyName(u.identity))}`,
        )
        .join(', ')}`,
    });
  else
    out.push({
      object: 'pstn-usage',
      identity: usage,
      action: 'delete',
      detail: `Remove PSTN usage ${q(usage)} from the Global list`,
      parameters: { Usage: { Remove: [usage] } },
    });
  return out;
}

/** The public part of a planned change. */
export const toChange = ({ object, identity, action, detail }: PlannedChange): TeamsChange => ({
  object,
  identity,
  action,
  detail,
});
