import type { SbcCustomer, SbcKind } from '../sbc/provisioner.ts';
import type { VoiceRoutingPlan } from '../teams/teams-executor.ts';
import type { EffectiveRouting } from './routing-settings.service.ts';

/**
 * What a routing run works to, fixed when it starts (later changes of the provider settings do not move a run
 * that is under way): the derived trunk, its DNS records, the activation user and the Teams objects.
 */
export type RoutingPlan = {
  tenantId: string;
  trunkFqdn: string;
  zone: string;
  ttl: number;
  addresses: { a: string[]; aaaa: string[] };
  activation: { upn: string; usageLocation: string; skus: string[] };
  /** The Teams objects, with the route's description and the global grant always decided. */
  teams: VoiceRoutingPlan & { voiceRoute: { description: string }; policy: { grantGlobal: boolean } };
  dnsVerifyDeadlineMinutes: number;
  teamsActivationDeadlineHours: number;
  /** The Configure SBC step's part ("routing + SBC" and "SBC only" runs). */
  sbc?: SbcPlan;
  /**
   * What the plan preview at the run's start read that a step may use instead of reading it again (see
   * `PreviewReads`); absent in runs started before it was kept.
   */
  previewReads?: PreviewReads;
};

/**
 * Reads of the start's plan preview, with when they were made. Only a read that the step's next call checks anyway
 * is kept: "the domain is not in the tenant" (the domain step then adds it, and Microsoft refuses a duplicate, which
 * the step treats as "created elsewhere, read again later"). The Teams reads are not kept: the tenant's Teams
 * objects are shared by its services' runs, and only reads made after the voice-routing step claimed the tenant
 * count.
 */
export type PreviewReads = { at: string; domainAbsent: boolean };

/** What the Configure SBC step works to, fixed at start: the SBC, and what it must know of the customer. */
export type SbcPlan = { sbcId: string; sbcName: string; kind: SbcKind; customer: SbcCustomer };

/** What a plan needs of the service: its trunk name in its own zone (not the current SBC base domain). */
export type PlannedService = { trunkFqdn: string; zone: string; shortName: string };

/**
 * `sbcAddresses`: the public addresses of the service's SBC from the inventory; none there: the routing settings'
 * single list (as before the inventory).
 */
export function buildPlan(
  service: PlannedService,
  tenantId: string,
  s: EffectiveRouting,
  sbcAddresses: string[] = s.sbcAddresses,
): RoutingPlan {
  return {
    tenantId,
    trunkFqdn: service.trunkFqdn,
    // The service's zone: a later change of the base domain does not move an existing trunk.
    zone: service.zone,
    ttl: s.dnsTtl,
    addresses: {
      a: sbcAddresses.filter((a) => !a.includes(':')),
      aaaa: sbcAddresses.filter((a) => a.includes(':')),
    },
    activation: {
      upn: `${s.activationUser.localPart}@${service.trunkFqdn}`,
      usageLocation: s.activationUser.usageLocation,
      skus: s.activationUser.skus,
    },
    teams: {
      tenantId,
      pstnUsage: s.pstnUsage,
      voiceRoute: {
        identity: s.voiceRoute.name,
        numberPattern: s.voiceRoute.numberPattern,
        priority: s.voiceRoute.priority,
        gateways: [service.trunkFqdn],
        description: `Trunkline: ${service.shortName} through ${service.trunkFqdn}`,
      },
      policy: { identity: s.policyName, grantGlobal: s.grantGlobalPolicy },
    },
    dnsVerifyDeadlineMinutes: s.dnsVerifyDeadlineMinutes,
    teamsActivationDeadlineHours: s.teamsActivationDeadlineHours,
  };
}
