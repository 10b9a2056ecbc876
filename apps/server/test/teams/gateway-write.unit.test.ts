import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  gatewayWrite,
  NOTHING_OWNED,
  recordOf,
  routeApply,
  type TeamsState,
  type VoiceRoutingPlan,
} from '../../src/teams/teams-executor.ts';

/**
 * The write a check of a step waiting for Teams activation sends again (`gatewayWrite`): only what the record says
 * Trunkline makes — the route's creation or the trunk added to the route — and nothing when the record names neither.
 */

const TRUNK = 'acme.sbc.provider.example';
const plan: VoiceRoutingPlan = {
  tenantId: 'contoso',
  pstnUsage: 'Trunkline',
  voiceRoute: { identity: 'Trunkline', numberPattern: '.*', priority: 1, gateways: [TRUNK] },
  policy: { identity: 'Unrestricted' },
};
const empty: TeamsState = { usages: ['Trunkline'], route: null, policy: null, usageUsedBy: [] };
const route = (gateways: string[]): TeamsState['route'] => ({
  identity: 'Trunkline',
  numberPattern: '.*',
  priority: 1,
  gateways,
  usages: ['Trunkline'],
  description: '',
});

describe('gatewayWrite', () => {
  it('nothing recorded: no write', () => {
    expect(gatewayWrite(plan, NOTHING_OWNED)).toBeNull();
  });

  it("the route's creation, as the attempt that recorded it would have sent it", () => {
    const create = routeApply(plan, empty);
    const owned = recordOf([create]);
    const write = gatewayWrite(plan, owned)!;
    expect(write.action).toBe('create');
    expect(write.parameters).toEqual(create.parameters);
  });

  it('the trunk added to a route that was there, and only the trunk', () => {
    const owned = recordOf([routeApply(plan, { ...empty, route: route(['other.example']) })]);
    const write = gatewayWrite(plan, owned)!;
    expect(write.action).toBe('update');
    expect(write.parameters).toEqual({ OnlinePstnGatewayList: { Add: [TRUNK] } });
  });

  it('a record of a route that does not name the plan’s trunk as added, or of another route: no write', () => {
    // The trunk was on the route already when the attempt read it: nothing was added, nothing to send again.
    const owned = recordOf([routeApply(plan, { ...empty, route: route([TRUNK]) })]);
    expect(gatewayWrite(plan, owned)).toBeNull();
    const other = recordOf([
      routeApply({ ...plan, voiceRoute: { ...plan.voiceRoute, identity: 'Other' } }, empty),
    ]);
    expect(gatewayWrite(plan, other)).toBeNull();
  });

  it('never removes, replaces or sets anything but the route and its gateways', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(TRUNK, 'a.example', 'b.example'), { maxLength: 3 }),
        fc.boolean(),
        (gateways, exists) => {
          const owned = recordOf([routeApply(plan, exists ? { ...empty, route: route(gateways) } : empty)]);
          const write = gatewayWrite(plan, owned);
          if (!write) return;
          expect(write.object).toBe('voice-route');
          if (write.action === 'update')
            expect(write.parameters).toEqual({ OnlinePstnGatewayList: { Add: [TRUNK] } });
          else expect(write.action).toBe('create');
        },
      ),
    );
  });
});
