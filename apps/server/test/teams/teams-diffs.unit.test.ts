import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  grantApply,
  NOTHING_OWNED,
  planApply,
  planRemoval,
  policyApply,
  recordOf,
  routeApply,
  sameName,
  samePolicy,
  usageApply,
  type PlannedChange,
  type TeamsState,
  type VoiceRoutingPlan,
} from '../../src/teams/teams-executor.ts';

/**
 * The Teams diffs as pure functions: what apply changes and records, and what removal undoes from that record
 * alone. A small in-memory tenant interprets the planned changes the way the ConfigAPI does ({Add}/{Remove} list
 * edits, scalar sets, create, delete, the tenant-wide grant), so apply → remove can be checked for any tenant.
 */

const TRUNK = 'acme.sbc.provider.example';
const plan = (over: Partial<VoiceRoutingPlan> = {}): VoiceRoutingPlan => ({
  tenantId: 'contoso',
  pstnUsage: 'Trunkline',
  voiceRoute: {
    identity: 'Trunkline',
    numberPattern: '.*',
    priority: 1,
    gateways: [TRUNK],
    description: `Trunkline: acme through ${TRUNK}`,
  },
  policy: { identity: 'Unrestricted', grantGlobal: true },
  ...over,
});

type Route = {
  Identity: string;
  NumberPattern: string;
  Priority: number;
  Description: string;
  OnlinePstnGatewayList: string[];
  OnlinePstnUsages: string[];
};
type Tenant = {
  usages: string[];
  routes: Route[];
  policies: { Identity: string; OnlinePstnUsages: string[] }[];
  grant: string | null;
};

const editList = (current: string[], v: unknown): string[] => {
  if (Array.isArray(v)) return [...(v as string[])];
  const { Add = [], Remove = [] } = v as { Add?: string[]; Remove?: string[] };
  const out = [...current];
  for (const a of Add) if (!out.some((x) => sameName(x, a))) out.push(a);
  return out.filter((x) => !Remove.some((r) => sameName(r, x)));
};

/** What the adapters read: the plan's route and policy, who uses the usage, the global grant. */
function stateOf(p: VoiceRoutingPlan, t: Tenant): TeamsState {
  const route = t.routes.find((r) => sameName(r.Identity, p.voiceRoute.identity));
  const policy = t.policies.find((x) => samePolicy(x.Identity, p.policy.identity));
  const uses = (usages: string[]) => usages.some((u) => sameName(u, p.pstnUsage));
  return {
    usages: [...t.usages],
    route: route
      ? {
          identity: route.Identity,
          numberPattern: route.NumberPattern,
          priority: route.Priority,
          gateways: [...route.OnlinePstnGatewayList],
          usages: [...route.OnlinePstnUsages],
          description: route.Description,
        }
      : null,
    policy: policy ? { identity: policy.Identity, usages: [...policy.OnlinePstnUsages] } : null,
    usageUsedBy: [
      ...t.routes
        .filter((r) => uses(r.OnlinePstnUsages))
        .map((r) => ({
          object: 'voice-route' as const,
          identity: r.Identity,
          gateways: [...r.OnlinePstnGatewayList],
        })),
      ...t.policies
        .filter((x) => uses(x.OnlinePstnUsages))
        .map((x) => ({ object: 'voice-routing-policy' as const, identity: x.Identity })),
    ],
    ...(p.policy.grantGlobal ? { globalPolicy: t.grant } : {}),
  };
}

/** Makes the planned changes in a copy of the tenant, refusing what Teams refuses. */
function run(t0: Tenant, changes: PlannedChange[]): Tenant {
  const t = structuredClone(t0);
  for (const c of changes) {
    const p = (c.parameters ?? {}) as Record<string, unknown>;
    if (c.action === 'none') continue;
    if (c.object === 'pstn-usage') {
      const next = editList(t.usages, p.Usage);
      for (const gone of t.usages.filter((u) => !next.includes(u)))
        if ([...t.routes, ...t.policies].some((o) => o.OnlinePstnUsages.includes(gone)))
          throw new Error(`usage ${gone} still in use`);
      t.usages = next;
    } else if (c.object === 'voice-route') {
      const i = t.routes.findIndex((r) => sameName(r.Identity, c.identity));
      if (c.action === 'delete') t.routes.splice(i, 1);
      else if (c.action === 'create')
        t.routes.push({
          Identity: p.Identity as string,
          NumberPattern: p.NumberPattern as string,
          Priority: p.Priority as number,
          Description: (p.Description as string) ?? '',
          OnlinePstnGatewayList: [...(p.OnlinePstnGatewayList as string[])],
          OnlinePstnUsages: [...(p.OnlinePstnUsages as string[])],
        });
      else {
        const r = t.routes[i]!;
        if (p.NumberPattern !== undefined) r.NumberPattern = p.NumberPattern as string;
        if (p.Priority !== undefined) r.Priority = p.Priority as number;
        if (p.Description !== undefined) r.Description = p.Description as string;
        if (p.OnlinePstnGatewayList)
          r.OnlinePstnGatewayList = editList(r.OnlinePstnGatewayList, p.OnlinePstnGatewayList);
        if (p.OnlinePstnUsages) r.OnlinePstnUsages = editList(r.OnlinePstnUsages, p.OnlinePstnUsages);
      }
    } else if (c.object === 'voice-routing-policy') {
      const i = t.policies.findIndex((x) => samePolicy(x.Identity, c.identity));
      if (c.action === 'delete') {
        if (t.grant !== null && samePolicy(t.grant, c.identity)) throw new Error('policy is granted');
        t.policies.splice(i, 1);
      } else if (c.action === 'create')
        t.policies.push({
          Identity: `Tag:${c.identity}`,
          OnlinePstnUsages: [...(p.OnlinePstnUsages as string[])],
        });
      else t.policies[i]!.OnlinePstnUsages = editList(t.policies[i]!.OnlinePstnUsages, p.OnlinePstnUsages);
    } else t.grant = (p.PolicyName as string | null) ?? null;
  }
  return t;
}

/** Any tenant the customer may have: the plan's usage, route and policy or not, with their own values. */
const tenants = fc
  .record({
    usage: fc.boolean(),
    route: fc.option(
      fc.record({
        pattern: fc.constantFrom('.*', '^\\+1'),
        priority: fc.constantFrom(1, 3),
        description: fc.constantFrom('mine', `Trunkline: acme through ${TRUNK}`),
        gateways: fc.subarray(['sbc.contoso.com', TRUNK]),
      }),
    ),
    policy: fc.boolean(),
    grant: fc.constantFrom('none', 'ours', 'theirs'),
  })
  .map(({ usage, route, policy, grant }): Tenant => {
    const routed = usage ? ['Trunkline'] : ['Customer'];
    return {
      usages: ['Customer', ...(usage ? ['Trunkline'] : [])],
      routes: route
        ? [
            {
              Identity: 'Trunkline',
              NumberPattern: route.pattern,
              Priority: route.priority,
              Description: route.description,
              OnlinePstnGatewayList: route.gateways,
              OnlinePstnUsages: routed,
            },
          ]
        : [],
      policies: [
        { Identity: 'Tag:Contoso-own', OnlinePstnUsages: ['Customer'] },
        ...(policy ? [{ Identity: 'Tag:Unrestricted', OnlinePstnUsages: routed }] : []),
      ],
      grant: grant === 'ours' && policy ? 'Unrestricted' : grant === 'theirs' ? 'Contoso-own' : null,
    };
  });

const EMPTY: Tenant = { usages: [], routes: [], policies: [], grant: null };
const actions = (changes: PlannedChange[]) => changes.map((c) => `${c.object}:${c.action}`);

describe('Teams diffs, one pure function per object', () => {
  it('records what each applied change makes Trunkline’s', () => {
    const s = stateOf(plan(), EMPTY);
    expect(usageApply(plan(), s).record).toEqual({ usage: { name: 'Trunkline', added: true } });
    expect(routeApply(plan(), s).record).toEqual({
      route: { identity: 'Trunkline', created: true, gatewaysAdded: [TRUNK], usageAdded: true, prior: {} },
    });
    expect(policyApply(plan(), s).record).toEqual({
      policy: { identity: 'Unrestricted', created: true, usageAdded: true },
    });
    expect(grantApply(plan(), s)).toMatchObject({
      action: 'update',
      record: { globalGrant: { policy: 'Unrestricted', prior: null } },
    });
    expect(grantApply(plan({ policy: { identity: 'Unrestricted' } }), s)).toBeNull();
  });

  it('without a read of the grant (the ConfigAPI), grants on every apply and reverts from the record alone', () => {
    const unread = (t: Tenant): TeamsState => {
      const { globalPolicy: _globalPolicy, ...s } = stateOf(plan(), t);
      return s;
    };
    // Even where the tenant in fact has this policy granted, an adapter that cannot read it grants again.
    const granted = grantApply(plan(), unread({ ...EMPTY, grant: 'Tag:Unrestricted' }))!;
    expect(granted).toMatchObject({
      action: 'update',
      parameters: { PolicyName: 'Unrestricted' },
      record: { globalGrant: { policy: 'Unrestricted', prior: null } },
    });
    expect(granted.detail).toMatch(/cannot read the tenant's current global default back/);
    const owned = recordOf([granted]);
    const removal = planRemoval(plan(), unread(EMPTY), owned);
    expect(removal.find((c) => c.object === 'global-policy')).toMatchObject({
      action: 'delete',
      parameters: { PolicyName: null },
    });
    // No record: nothing is reverted, whatever the tenant holds.
    const none = planRemoval(plan(), unread({ ...EMPTY, grant: 'Tag:Unrestricted' }), NOTHING_OWNED);
    expect(none.find((c) => c.object === 'global-policy')).toMatchObject({ action: 'none' });
  });

  it("records the prior values of a customer's route it changes, and only adds to its lists", () => {
    const t: Tenant = { ...EMPTY, usages: ['Customer'] };
    t.routes = [
      {
        Identity: 'Trunkline',
        NumberPattern: '^\\+1',
        Priority: 3,
        Description: 'mine',
        OnlinePstnGatewayList: ['sbc.contoso.com'],
        OnlinePstnUsages: ['Customer'],
      },
    ];
    const c = routeApply(plan(), stateOf(plan(), t));
    expect(c.parameters).toEqual({
      OnlinePstnGatewayList: { Add: [TRUNK] },
      OnlinePstnUsages: { Add: ['Trunkline'] },
      NumberPattern: '.*',
      Priority: 1,
      Description: `Trunkline: acme through ${TRUNK}`,
    });
    expect(c.record).toEqual({
      route: {
        identity: 'Trunkline',
        created: false,
        gatewaysAdded: [TRUNK],
        usageAdded: true,
        prior: { numberPattern: '^\\+1', priority: 3, description: 'mine' },
      },
    });
  });

  it('removes nothing without a record', () => {
    const applied = run(EMPTY, planApply(plan(), stateOf(plan(), EMPTY)));
    const removal = planRemoval(plan(), stateOf(plan(), applied), NOTHING_OWNED);
    expect(actions(removal)).toEqual([
      'voice-route:none',
      'global-policy:none',
      'voice-routing-policy:none',
      'pstn-usage:none',
    ]);
    expect(removal.every((c) => c.parameters === undefined)).toBe(true);
  });

  it('apply → remove (from the record alone) restores any tenant exactly; removing again changes nothing', () => {
    fc.assert(
      fc.property(tenants, fc.boolean(), (before, grantGlobal) => {
        const p = plan({ policy: { identity: 'Unrestricted', grantGlobal } });
        const applied = planApply(p, stateOf(p, before));
        const after = run(before, applied);
        const owned = recordOf(applied);
        // A second run finds everything in place and records nothing new.
        const again = planApply(p, stateOf(p, after));
        expect(again.filter((c) => c.action !== 'none')).toEqual([]);
        expect(recordOf(again, owned)).toEqual(owned);
        const removed = run(after, planRemoval(p, stateOf(p, after), owned));
        expect(removed).toEqual(before);
        const twice = planRemoval(p, stateOf(p, removed), owned);
        expect(twice.filter((c) => c.action !== 'none')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("undoes one service's share of shared objects: another derived trunk keeps the route, policy and usage", () => {
    const a = plan();
    const b = plan({ voiceRoute: { ...a.voiceRoute, gateways: ['bravo.sbc.provider.example'] } });
    const ca = planApply(a, stateOf(a, EMPTY));
    const withA = run(EMPTY, ca);
    const cb = planApply(b, stateOf(b, withA));
    const withBoth = run(withA, cb);
    expect(recordOf(cb).route).toMatchObject({
      created: false,
      gatewaysAdded: ['bravo.sbc.provider.example'],
    });

    const removal = planRemoval(a, stateOf(a, withBoth), recordOf(ca));
    expect(removal.map((c) => [c.object, c.action, c.detail])).toEqual([
      [
        'voice-route',
        'update',
        `Take gateway ${TRUNK} off voice route 'Trunkline' (it keeps bravo.sbc.provider.example)`,
      ],
      ['global-policy', 'none', "The tenant's global default stays 'Unrestricted' while the policy stays"],
      [
        'voice-routing-policy',
        'none',
        "Voice routing policy 'Unrestricted' stays: voice route 'Trunkline' still routes through PSTN usage 'Trunkline'",
      ],
      [
        'pstn-usage',
        'none',
        "PSTN usage 'Trunkline' left in the Global list: still used by voice route 'Trunkline', voice routing policy 'Unrestricted'",
      ],
    ]);
    const onlyB = run(withBoth, removal);
    expect(onlyB.routes[0]!.OnlinePstnGatewayList).toEqual(['bravo.sbc.provider.example']);
    expect(onlyB.grant).toBe('Unrestricted');
  });

  it('puts a replaced global default back, and leaves one someone changed since', () => {
    const t: Tenant = {
      ...EMPTY,
      policies: [{ Identity: 'Tag:Contoso-own', OnlinePstnUsages: [] }],
      grant: 'Contoso-own',
    };
    const applied = planApply(plan(), stateOf(plan(), t));
    const owned = recordOf(applied);
    expect(owned.globalGrant).toEqual({ policy: 'Unrestricted', prior: 'Contoso-own' });
    const after = run(t, applied);
    expect(planRemoval(plan(), stateOf(plan(), after), owned)[1]).toMatchObject({
      action: 'update',
      parameters: { PolicyName: 'Contoso-own' },
    });
    const changed = { ...after, grant: 'Contoso-own' };
    expect(planRemoval(plan(), stateOf(plan(), changed), owned)[1]).toMatchObject({
      action: 'none',
      detail: "The tenant's global default left alone: it is 'Contoso-own', not 'Unrestricted'",
    });
  });
});
