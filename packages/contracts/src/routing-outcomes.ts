import { z } from 'zod';

/**
 * What each routing step recorded it did in the customer's tenant and the provider's DNS zone, keyed by object
 * identity. Offboarding decides from these records alone: it removes only what a step recorded as created by
 * Trunkline and puts back the prior values it recorded where it changed something that was there before.
 *
 * Every record starts as "nothing owned" (`parse({})`), grows by checkpoints written *before* each change, and
 * merges monotonically across runs (`merge*`): a later run that finds an object already there never erases that
 * Trunkline created it, and the oldest prior value is the one restored.
 */

const name = z.string().min(1);
const names = z.array(name).default([]);

/** A record set Trunkline replaced at the trunk FQDN: what was there before (restored on removal) and what it wrote. */
export const DnsRecordChangeSchema = z.object({
  type: z.enum(['A', 'AAAA']),
  before: z.array(z.string()),
  wrote: z.array(z.string()),
});
export type DnsRecordChange = z.infer<typeof DnsRecordChangeSchema>;

export const DnsOutcomeSchema = z.object({
  fqdn: z.string().nullable().default(null),
  records: z.array(DnsRecordChangeSchema).default([]),
});
export type DnsOutcome = z.infer<typeof DnsOutcomeSchema>;

export const DomainOutcomeSchema = z.object({
  fqdn: z.string().nullable().default(null),
  /** Trunkline added the domain to the tenant. */
  created: z.boolean().default(false),
  /** The verification TXT values Trunkline wrote at the FQDN in the provider's zone. */
  txtWritten: names,
});
export type DomainOutcome = z.infer<typeof DomainOutcomeSchema>;

export const ActivationOutcomeSchema = z.object({
  upn: z.string().nullable().default(null),
  /** Trunkline created the activation user. */
  createdUser: z.boolean().default(false),
  /** The licence Trunkline assigned (to a user it created or found); null: none. */
  licence: z.object({ skuId: z.string(), skuPartNumber: z.string() }).nullable().default(null),
});
export type ActivationOutcome = z.infer<typeof ActivationOutcomeSchema>;

/** Route fields Trunkline set on a voice route that was there before, with the values they had. */
export const RoutePriorSchema = z.object({
  numberPattern: z.string().optional(),
  priority: z.number().optional(),
  description: z.string().optional(),
});
export type RoutePrior = z.infer<typeof RoutePriorSchema>;

export const VoiceRoutingOutcomeSchema = z.object({
  /** The PSTN usage; `added`: Trunkline added it to the Global list. */
  usage: z.object({ name: name, added: z.boolean() }).nullable().default(null),
  /** The voice route: created by Trunkline, or the gateways/usage it added to an existing one and the prior values it changed. */
  route: z
    .object({
      identity: name,
      created: z.boolean(),
      gatewaysAdded: names,
      usageAdded: z.boolean().default(false),
      prior: RoutePriorSchema.default({}),
    })
    .nullable()
    .default(null),
  /** The voice routing policy: created by Trunkline, or the usage it added to an existing one. */
  policy: z
    .object({ identity: name, created: z.boolean(), usageAdded: z.boolean().default(false) })
    .nullable()
    .default(null),
  /** Trunkline granted `policy` as the tenant's global default, replacing `prior` (null: the Global instance). */
  globalGrant: z.object({ policy: name, prior: z.string().nullable() }).nullable().default(null),
});
export type VoiceRoutingOutcome = z.infer<typeof VoiceRoutingOutcomeSchema>;

/**
 * What the Configure SBC step wrote on the provider's SBC for the customer: the SBC, its kind, and the kind's own
 * record (AudioCodes: template, row indexes per table, the INI fragment as applied and its cleanup script, rows
 * still to remove; Kamailio: the table rows written). Checkpointed before each device write; offboarding removes
 * exactly what it says.
 */
export const SbcRecordSchema = z.object({
  kind: z.enum(['audiocodes', 'kamailio']),
  sbcId: name,
  state: z.record(z.string(), z.unknown()),
});
export type SbcRecordOutcome = z.infer<typeof SbcRecordSchema>;

export const SbcOutcomeSchema = z.object({
  record: SbcRecordSchema.nullable().default(null),
});
export type SbcOutcome = z.infer<typeof SbcOutcomeSchema>;

/** The outcome schema of each step, by step name. */
export const StepOutcomeSchemas = {
  dns: DnsOutcomeSchema,
  domain: DomainOutcomeSchema,
  activation: ActivationOutcomeSchema,
  'voice-routing': VoiceRoutingOutcomeSchema,
  'configure-sbc': SbcOutcomeSchema,
} as const;

const union = (a: readonly string[], b: readonly string[]) => [
  ...a,
  ...b.filter((x) => !a.some((y) => y.toLowerCase() === x.toLowerCase())),
];
const sameId = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

export function mergeDnsOutcome(prev: DnsOutcome, next: DnsOutcome): DnsOutcome {
  if (prev.fqdn && next.fqdn && !sameId(prev.fqdn, next.fqdn)) return next;
  const records = [...prev.records];
  for (const r of next.records) {
    const i = records.findIndex((x) => x.type === r.type);
    // The oldest "before" is what was there before Trunkline; the newest "wrote" is what Trunkline put there last.
    if (i < 0) records.push(r);
    else records[i] = { type: r.type, before: records[i]!.before, wrote: r.wrote };
  }
  return { fqdn: next.fqdn ?? prev.fqdn, records };
}

export function mergeDomainOutcome(prev: DomainOutcome, next: DomainOutcome): DomainOutcome {
  if (prev.fqdn && next.fqdn && !sameId(prev.fqdn, next.fqdn)) return next;
  return {
    fqdn: next.fqdn ?? prev.fqdn,
    created: prev.created || next.created,
    txtWritten: union(prev.txtWritten, next.txtWritten),
  };
}

export function mergeActivationOutcome(prev: ActivationOutcome, next: ActivationOutcome): ActivationOutcome {
  if (prev.upn && next.upn && !sameId(prev.upn, next.upn)) return next;
  return {
    upn: next.upn ?? prev.upn,
    createdUser: prev.createdUser || next.createdUser,
    licence: prev.licence ?? next.licence,
  };
}

export function mergeVoiceRoutingOutcome(
  prev: VoiceRoutingOutcome,
  next: VoiceRoutingOutcome,
): VoiceRoutingOutcome {
  const pick = <T extends { identity?: string; name?: string }>(
    a: T | null,
    b: T | null,
    merge: (a: T, b: T) => T,
  ): T | null => {
    if (!a) return b;
    if (!b) return a;
    // Another object of the same kind (the settings renamed it): the newest record wins, the older object is left alone.
    if (!sameId(a.identity ?? a.name, b.identity ?? b.name)) return b;
    return merge(a, b);
  };
  return {
    usage: pick(prev.usage, next.usage, (a, b) => ({ name: a.name, added: a.added || b.added })),
    route: pick(prev.route, next.route, (a, b) => ({
      identity: a.identity,
      created: a.created || b.created,
      gatewaysAdded: union(a.gatewaysAdded, b.gatewaysAdded),
      usageAdded: a.usageAdded || b.usageAdded,
      prior: { ...b.prior, ...a.prior },
    })),
    policy: pick(prev.policy, next.policy, (a, b) => ({
      identity: a.identity,
      created: a.created || b.created,
      usageAdded: a.usageAdded || b.usageAdded,
    })),
    globalGrant: prev.globalGrant ?? next.globalGrant,
  };
}

/**
 * A later record of the same SBC replaces the earlier one: the provisioner builds it from the earlier one, keeping
 * its rows (their indexes) and listing as still to remove any it no longer needs, so nothing recorded is lost.
 * A record of another SBC (the service moved) wins too; an empty one never erases a record.
 */
export function mergeSbcOutcome(prev: SbcOutcome, next: SbcOutcome): SbcOutcome {
  return { record: next.record ?? prev.record };
}

/**
 * The Teams objects of one tenant are shared by every Trunkline service in it (one PSTN usage, route and policy,
 * each service's trunk a gateway of the route). When a service is removed while others still use an object it
 * created, the object stays, and so must the knowledge that Trunkline created it: `handOverVoiceRouting` gives
 * the remaining service the leaving service's claims on the objects (created by Trunkline, the usage added to
 * the Global list or to a route or policy that was there before, prior values, the global grant), never its
 * gateways. The last service to leave then removes the object. A receiver whose record names another object of
 * the same kind (the settings renamed it) keeps its own and gets nothing of that kind. A receiver whose record
 * does not name the object yet gets the claim too: its voice-routing step was cut off after it added its trunk to
 * the route and before it named the usage and the policy (it names them on its next attempt, and the claims merge
 * then); passing claims only to records that named the object left nobody holding them, and the last service to
 * leave left the usage and the policy behind.
 */
export function handOverVoiceRouting(
  receiver: VoiceRoutingOutcome,
  leaving: VoiceRoutingOutcome,
): VoiceRoutingOutcome {
  const same = (a: string | undefined, b: string | undefined) => Boolean(a && b && sameId(a, b));
  const usage = leaving.usage?.added ? leaving.usage : null;
  const route =
    leaving.route &&
    (leaving.route.created || leaving.route.usageAdded || Object.keys(leaving.route.prior).length > 0)
      ? leaving.route
      : null;
  const policy =
    leaving.policy && (leaving.policy.created || leaving.policy.usageAdded) ? leaving.policy : null;
  const out: VoiceRoutingOutcome = {
    usage: !receiver.usage
      ? usage && { name: usage.name, added: true }
      : usage && same(receiver.usage.name, usage.name)
        ? { name: receiver.usage.name, added: true }
        : receiver.usage,
    route: !receiver.route
      ? route && {
          identity: route.identity,
          created: route.created,
          gatewaysAdded: [],
          usageAdded: route.usageAdded,
          prior: route.prior,
        }
      : route && same(receiver.route.identity, route.identity)
        ? {
            ...receiver.route,
            created: receiver.route.created || route.created,
            usageAdded: receiver.route.usageAdded || route.usageAdded,
            // The oldest prior values are the customer's: the leaving service's, where it changed them first.
            prior: { ...receiver.route.prior, ...route.prior },
          }
        : receiver.route,
    policy: !receiver.policy
      ? policy && { identity: policy.identity, created: policy.created, usageAdded: policy.usageAdded }
      : policy && same(receiver.policy.identity, policy.identity)
        ? {
            identity: receiver.policy.identity,
            created: receiver.policy.created || policy.created,
            usageAdded: receiver.policy.usageAdded || policy.usageAdded,
          }
        : receiver.policy,
    globalGrant: receiver.globalGrant,
  };
  // The grant goes with the policy it granted: to a receiver whose policy is that one, or who names none.
  out.globalGrant ??=
    leaving.globalGrant && (!out.policy || same(out.policy.identity, leaving.globalGrant.policy))
      ? leaving.globalGrant
      : null;
  return out;
}
