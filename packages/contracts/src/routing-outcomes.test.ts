import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ActivationOutcomeSchema,
  DomainOutcomeSchema,
  handOverVoiceRouting,
  mergeActivationOutcome,
  mergeDnsOutcome,
  mergeDomainOutcome,
  mergeSbcOutcome,
  mergeVoiceRoutingOutcome,
  SbcOutcomeSchema,
  VoiceRoutingOutcomeSchema,
  type DnsOutcome,
  type VoiceRoutingOutcome,
} from './routing-outcomes.ts';

const FQDN = 'acme.sbc.example';
const values = fc.subarray(['198.51.100.10', '198.51.100.11', '192.0.2.1']);
const dns = fc.record({
  fqdn: fc.constant(FQDN),
  records: fc.uniqueArray(
    fc.record({ type: fc.constantFrom('A' as const, 'AAAA' as const), before: values, wrote: values }),
    { selector: (r) => r.type },
  ),
});
const teams = fc.record({
  usage: fc.option(fc.record({ name: fc.constant('Trunkline'), added: fc.boolean() })),
  route: fc.option(
    fc.record({
      identity: fc.constant('Trunkline'),
      created: fc.boolean(),
      gatewaysAdded: fc.subarray([FQDN, 'other.sbc.example']),
      usageAdded: fc.boolean(),
      prior: fc.record({ priority: fc.integer({ min: 0, max: 9 }) }, { requiredKeys: [] }),
    }),
  ),
  policy: fc.option(
    fc.record({ identity: fc.constant('Unrestricted'), created: fc.boolean(), usageAdded: fc.boolean() }),
  ),
  globalGrant: fc.option(
    fc.record({ policy: fc.constant('Unrestricted'), prior: fc.option(fc.constant('Contoso-own')) }),
  ),
}) as fc.Arbitrary<VoiceRoutingOutcome>;

describe('routing outcomes', () => {
  it('parse {} as nothing owned', () => {
    expect(DomainOutcomeSchema.parse({})).toEqual({ fqdn: null, created: false, txtWritten: [] });
    expect(ActivationOutcomeSchema.parse({})).toEqual({ upn: null, createdUser: false, licence: null });
    expect(VoiceRoutingOutcomeSchema.parse({})).toEqual({
      usage: null,
      route: null,
      policy: null,
      globalGrant: null,
    });
  });

  it('merge monotonically: a later run never erases "Trunkline created it", and the oldest prior value stays', () => {
    fc.assert(
      fc.property(teams, teams, (a, b) => {
        const m = mergeVoiceRoutingOutcome(a, b);
        if (a.route?.created || b.route?.created) expect(m.route?.created).toBe(true);
        if (a.policy?.created || b.policy?.created) expect(m.policy?.created).toBe(true);
        if (a.usage?.added || b.usage?.added) expect(m.usage?.added).toBe(true);
        for (const g of [...(a.route?.gatewaysAdded ?? []), ...(b.route?.gatewaysAdded ?? [])])
          expect(m.route?.gatewaysAdded).toContain(g);
        if (a.route?.prior.priority !== undefined)
          expect(m.route?.prior.priority).toBe(a.route.prior.priority);
        if (a.globalGrant) expect(m.globalGrant).toEqual(a.globalGrant);
        expect(mergeVoiceRoutingOutcome(m, b)).toEqual(m);
      }),
    );
    fc.assert(
      fc.property(dns, dns, (a: DnsOutcome, b: DnsOutcome) => {
        const m = mergeDnsOutcome(a, b);
        for (const r of m.records) {
          const first = a.records.find((x) => x.type === r.type) ?? b.records.find((x) => x.type === r.type)!;
          const last = b.records.find((x) => x.type === r.type) ?? a.records.find((x) => x.type === r.type)!;
          expect(r.before).toEqual(first.before);
          expect(r.wrote).toEqual(last.wrote);
        }
      }),
    );
  });

  it('keep the domain, user and licence Trunkline created when a later run finds them', () => {
    const created = { fqdn: FQDN, created: true, txtWritten: ['MS=ms1'] };
    expect(mergeDomainOutcome(created, { fqdn: FQDN, created: false, txtWritten: [] })).toEqual(created);
    const user = { upn: `a@${FQDN}`, createdUser: true, licence: { skuId: 's', skuPartNumber: 'MCOEV' } };
    expect(mergeActivationOutcome(user, { upn: `a@${FQDN}`, createdUser: false, licence: null })).toEqual(
      user,
    );
  });

  it("hand a leaving service's claims on shared Teams objects to a remaining service, never its gateways", () => {
    // Identities vary: a receiver whose record names another object of a kind (the settings renamed it) keeps its own.
    const named = fc.record({
      usage: fc.option(fc.record({ name: fc.constantFrom('Trunkline', 'Renamed'), added: fc.boolean() })),
      route: fc.option(
        fc.record({
          identity: fc.constantFrom('Trunkline', 'Renamed'),
          created: fc.boolean(),
          gatewaysAdded: fc.subarray([FQDN, 'other.sbc.example']),
          usageAdded: fc.boolean(),
          prior: fc.record({ priority: fc.integer({ min: 0, max: 9 }) }, { requiredKeys: [] }),
        }),
      ),
      policy: fc.option(
        fc.record({
          identity: fc.constantFrom('Unrestricted', 'Other'),
          created: fc.boolean(),
          usageAdded: fc.boolean(),
        }),
      ),
      globalGrant: fc.option(
        fc.record({
          policy: fc.constantFrom('Unrestricted', 'Other'),
          prior: fc.option(fc.constant('Contoso-own')),
        }),
      ),
    }) as fc.Arbitrary<VoiceRoutingOutcome>;
    fc.assert(
      fc.property(named, named, (receiver, leaving) => {
        const out = handOverVoiceRouting(receiver, leaving);
        // The receiver's own gateways stay its own; none of the leaving service's become its.
        expect(out.route?.gatewaysAdded ?? []).toEqual(receiver.route?.gatewaysAdded ?? []);
        // An object the receiver names stays the one it names; claims only grow.
        if (receiver.usage) expect(out.usage!.name).toBe(receiver.usage.name);
        if (receiver.route) expect(out.route!.identity).toBe(receiver.route.identity);
        if (receiver.policy) expect(out.policy!.identity).toBe(receiver.policy.identity);
        if (receiver.usage?.added) expect(out.usage!.added).toBe(true);
        if (receiver.route?.created) expect(out.route!.created).toBe(true);
        if (receiver.route?.usageAdded) expect(out.route!.usageAdded).toBe(true);
        if (receiver.policy?.created) expect(out.policy!.created).toBe(true);
        if (receiver.policy?.usageAdded) expect(out.policy!.usageAdded).toBe(true);
        if (receiver.globalGrant) expect(out.globalGrant).toEqual(receiver.globalGrant);
        // Every claim of the leaving service reaches the receiver, unless it names another object of that kind
        // (a record cut off before naming the usage or the policy gets them too).
        const takes = (mine: string | undefined, theirs: string) => !mine || mine === theirs;
        if (leaving.usage?.added && takes(receiver.usage?.name, leaving.usage.name))
          expect(out.usage).toEqual({ name: leaving.usage.name, added: true });
        if (leaving.route && takes(receiver.route?.identity, leaving.route.identity)) {
          if (leaving.route.created) expect(out.route!.created).toBe(true);
          if (leaving.route.usageAdded) expect(out.route!.usageAdded).toBe(true);
          expect(out.route?.prior ?? {}).toMatchObject(leaving.route.prior);
        }
        if (leaving.policy && takes(receiver.policy?.identity, leaving.policy.identity)) {
          if (leaving.policy.created) expect(out.policy!.created).toBe(true);
          if (leaving.policy.usageAdded) expect(out.policy!.usageAdded).toBe(true);
        }
        if (
          !receiver.globalGrant &&
          leaving.globalGrant &&
          takes(out.policy?.identity, leaving.globalGrant.policy)
        )
          expect(out.globalGrant).toEqual(leaving.globalGrant);
        // Nothing is named that neither record names.
        for (const kind of ['usage', 'route', 'policy'] as const)
          if (!receiver[kind] && !leaving[kind]) expect(out[kind]).toBeNull();
        // Handing over twice is handing over once.
        expect(handOverVoiceRouting(out, leaving)).toEqual(out);
      }),
    );
  });

  it('hand the claims to a record that names only the route (a voice-routing step cut off after the route write)', () => {
    const creator: VoiceRoutingOutcome = {
      usage: { name: 'Trunkline', added: true },
      route: { identity: 'Trunkline', created: true, gatewaysAdded: [FQDN], usageAdded: true, prior: {} },
      policy: { identity: 'Unrestricted', created: true, usageAdded: true },
      globalGrant: null,
    };
    const cutOff: VoiceRoutingOutcome = {
      usage: null,
      route: {
        identity: 'Trunkline',
        created: false,
        gatewaysAdded: ['other.sbc.example'],
        usageAdded: false,
        prior: {},
      },
      policy: null,
      globalGrant: null,
    };
    expect(handOverVoiceRouting(cutOff, creator)).toEqual({
      usage: { name: 'Trunkline', added: true },
      route: {
        identity: 'Trunkline',
        created: true,
        gatewaysAdded: ['other.sbc.example'],
        usageAdded: true,
        prior: {},
      },
      policy: { identity: 'Unrestricted', created: true, usageAdded: true },
      globalGrant: null,
    });
  });
});

describe('the Configure SBC record', () => {
  const record = fc.option(
    fc.record({
      kind: fc.constantFrom('audiocodes' as const, 'kamailio' as const),
      sbcId: fc.constantFrom('sbc-1', 'sbc-2'),
      state: fc.dictionary(fc.string(), fc.integer()),
    }),
    { nil: null },
  );

  it('starts as nothing owned', () => {
    expect(SbcOutcomeSchema.parse({})).toEqual({ record: null });
  });

  it('keeps the newest record, and an empty outcome never erases one', () => {
    fc.assert(
      fc.property(record, record, (a, b) => {
        const merged = mergeSbcOutcome({ record: a }, { record: b });
        expect(merged.record).toEqual(b ?? a);
        if (a || b) expect(merged.record).not.toBeNull();
        expect(mergeSbcOutcome(merged, { record: null })).toEqual(merged);
      }),
    );
  });
});
