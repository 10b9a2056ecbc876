import { randomBytes } from 'node:crypto';
import {
  ActivationOutcomeSchema,
  DnsOutcomeSchema,
  DomainOutcomeSchema,
  mergeActivationOutcome,
  mergeDnsOutcome,
  mergeDomainOutcome,
  mergeSbcOutcome,
  SbcOutcomeSchema,
  VoiceRoutingOutcomeSchema,
  type ActivationOutcome,
  type DnsOutcome,
  type DomainOutcome,
  type PlanChange,
  type SbcOutcome,
  type StepName,
  type VoiceRoutingOutcome,
  type WorkflowScope,
} from '@trunkline/contracts';
import type { DnsProvider, RecordType } from '../dns/dns-provider.ts';
import { DirectoryError, type SubscribedSku, type TenantDirectory } from '../microsoft/tenant-directory.ts';
import { recordOf, TeamsError, type TeamsExecutor } from '../teams/teams-executor.ts';
import { ACTIVATING_SUMMARY, activationCandidates, hasFreeUnits } from './activation-licences.ts';
import { IndexTakenError } from '../sbc/allocations.repository.ts';
import type { SbcProvisioner, SbcRecord } from '../sbc/provisioner.ts';
import { SbcError } from '../sbc/sbc-device.ts';
import type { PreviewReads, RoutingPlan } from './plan.ts';

/** How old the start's plan preview reads may be for a step's first attempt to use them (`StepContext.previewReads`). */
export const PREVIEW_READS_SECONDS = 30;

/** A step that cannot succeed by trying again (until someone changes something and presses Retry). */
export class StepFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepFailure';
  }
  /** Never worth trying again by itself. */
  readonly transient = false;
}

/** A step's outcome as stored (`workflow_steps.outcome`); each step reads it with its schema (routing-outcomes.ts). */
export type Outcome = Record<string, unknown>;

export type StepContext = {
  plan: RoutingPlan;
  configureDns: boolean;
  /** The DNS provider of the SBC zone; a StepFailure when none is usable. */
  dns: () => Promise<DnsProvider>;
  /** The customer tenant's directory (domains, users, licences). */
  directory: TenantDirectory;
  teamsToken: () => Promise<string>;
  executor: () => TeamsExecutor;
  /** The provisioner of an SBC of the inventory (a StepFailure when it is gone). */
  sbcProvisioner: (sbcId: string) => Promise<SbcProvisioner>;
  /** What earlier runs and attempts of this step recorded (onboarding), or what onboarding recorded (offboarding). */
  previous: Outcome;
  /**
   * What the run's plan preview read, for a step's first attempt right after the start (`PREVIEW_READS_SECONDS`);
   * absent otherwise: every later attempt, a retry and a run resumed later read for themselves.
   */
  previewReads?: PreviewReads;
  /**
   * Records the step's whole outcome at once, before a change whose record must survive a crash (e.g. "Trunkline
   * created this domain", written before the domain is created: if it never was, removal finds nothing).
   */
  checkpoint: (outcome: Outcome) => Promise<void>;
};

export type StepResult =
  | { kind: 'done'; message: string; outcome?: Outcome }
  | {
      kind: 'wait';
      message: string;
      outcome?: Outcome;
      /** How long to keep trying from the first wait; past it: keep waiting (slowly) or fail. */
      deadlineMinutes: number;
      then: 'keep-waiting' | 'fail';
    };

export type Step = {
  apply(ctx: StepContext): Promise<StepResult>;
  /** Undoes only what `ctx.previous` records; a second removal finds nothing left to do. */
  remove(ctx: StepContext): Promise<StepResult>;
  preview(ctx: StepContext): Promise<PlanChange[]>;
  /**
   * A check of an onboarding step that waits for Microsoft, made before the step reads or claims anything: a wait
   * while Microsoft still refuses; null when the step should now run in full (`apply`). Changes nothing that the
   * record does not already name, and records nothing.
   */
  check?(ctx: StepContext): Promise<StepResult | null>;
};

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.some((y) => y.toLowerCase() === x.toLowerCase()));
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A stored outcome read with its step's schema; a record that does not parse owns nothing (removal leaves all). */
const read = <T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  raw: unknown,
): T => {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  return (schema.safeParse({}) as { success: true; data: T }).data;
};

/*
 * Records written before the typed outcomes: `wrote: ["A 198.51.100.10", …]` (DNS), `createdDomain` (domain),
 * `created: ["pstn-usage:Trunkline", "voice-route:…", …]` (voice routing). They are read as what they said
 * Trunkline created; what they did not say (prior values) counts as nothing.
 */
const legacyList = (raw: Outcome, key: string): string[] | null => {
  const v = raw[key];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
};

const readDns = (raw: Outcome, fqdn: string): DnsOutcome => {
  const wrote = 'records' in raw ? null : legacyList(raw, 'wrote');
  if (!wrote) return read(DnsOutcomeSchema, raw);
  const records = wrote.flatMap((w) => {
    const [type, ...rest] = w.split(' ');
    if (type !== 'A' && type !== 'AAAA') return [];
    const values = rest.join(' ') === '(none)' ? [] : rest.join(' ').split(', ').filter(Boolean);
    return [{ type: type as 'A' | 'AAAA', before: [] as string[], wrote: values }];
  });
  return records.reduce((acc, r) => mergeDnsOutcome(acc, { fqdn, records: [r] }), read(DnsOutcomeSchema, {}));
};

const readDomain = (raw: Outcome): DomainOutcome =>
  read(
    DomainOutcomeSchema,
    'createdDomain' in raw && !('created' in raw) ? { created: raw.createdDomain === true } : raw,
  );

/** A voice-routing record as stored, legacy lists included (also for the hand-over of claims, runner.ts). */
export const readVoiceRouting = (raw: Outcome): VoiceRoutingOutcome => {
  const created = 'usage' in raw || 'route' in raw ? null : legacyList(raw, 'created');
  if (!created) return read(VoiceRoutingOutcomeSchema, raw);
  const named = (object: string) =>
    created.find((c) => c.startsWith(`${object}:`))?.slice(object.length + 1) ?? null;
  const usage = named('pstn-usage');
  const route = named('voice-route');
  const policy = named('voice-routing-policy');
  return read(VoiceRoutingOutcomeSchema, {
    usage: usage ? { name: usage, added: true } : null,
    route: route ? { identity: route, created: true, usageAdded: true } : null,
    policy: policy ? { identity: policy, created: true, usageAdded: true } : null,
  });
};

// ------------------------------------------------------------------------------------------------ DNS

const addressSets = (plan: RoutingPlan): ['A' | 'AAAA', string[]][] => [
  ['A', plan.addresses.a],
  ['AAAA', plan.addresses.aaaa],
];
const values = async (dns: DnsProvider, name: string, type: RecordType) =>
  (await dns.read(name, type)).map((r) => r.value);

export const dnsStep: Step = {
  async apply(ctx) {
    const fqdn = ctx.plan.trunkFqdn;
    const dns = await ctx.dns();
    let rec: DnsOutcome = mergeDnsOutcome(readDns(ctx.previous, fqdn), { fqdn, records: [] });
    const changed: string[] = [];
    // The A and AAAA sets are independent: both are read (and checked afterwards) side by side.
    const sets = addressSets(ctx.plan);
    const found = await Promise.all(sets.map(([type]) => values(dns, fqdn, type)));
    for (const [i, [type, want]] of sets.entries()) {
      const current = found[i]!;
      if (sameSet(current, want)) continue;
      rec = mergeDnsOutcome(rec, { fqdn, records: [{ type, before: current, wrote: want }] });
      await ctx.checkpoint(rec);
      await dns.replace(fqdn, type, want, ctx.plan.ttl, current);
      changed.push(`${type} ${want.join(', ') || '(none)'}`);
    }
    const kept = await Promise.all(sets.map(([type]) => values(dns, fqdn, type)));
    if (sets.some(([, want], i) => !sameSet(kept[i]!, want)))
      throw new StepFailure(`The DNS server did not keep the records of ${fqdn}.`);
    return {
      kind: 'done',
      message: changed.length
        ? `${fqdn}: ${changed.join('; ')} in zone ${dns.zone}.`
        : `${fqdn} already points at ${[...ctx.plan.addresses.a, ...ctx.plan.addresses.aaaa].join(', ')}.`,
      outcome: rec,
    };
  },
  async remove(ctx) {
    const rec = readDns(ctx.previous, ctx.plan.trunkFqdn);
    if (!rec.fqdn || !rec.records.length)
      return {
        kind: 'done',
        message: `Trunkline wrote no address records of ${ctx.plan.trunkFqdn}; nothing to remove.`,
      };
    const dns = await ctx.dns();
    const done: string[] = [];
    for (const r of rec.records) {
      const current = await values(dns, rec.fqdn, r.type);
      if (sameSet(current, r.before)) continue;
      if (!sameSet(current, r.wrote)) {
        done.push(
          `${r.type} left alone (changed since Trunkline wrote it: ${current.join(', ') || '(none)'})`,
        );
        continue;
      }
      await dns.replace(rec.fqdn, r.type, r.before, ctx.plan.ttl, current);
      done.push(
        r.before.length
          ? `${r.type} back to ${r.before.join(', ')}`
          : `${r.type} ${r.wrote.join(', ')} removed`,
      );
    }
    return {
      kind: 'done',
      message: done.length
        ? `${rec.fqdn}: ${done.join('; ')}.`
        : `${rec.fqdn}: the address records are as before Trunkline.`,
    };
  },
  async preview(ctx) {
    const dns = await ctx.dns();
    const out: PlanChange[] = [];
    for (const [type, want] of addressSets(ctx.plan)) {
      const current = await values(dns, ctx.plan.trunkFqdn, type);
      if (!want.length && !current.length) continue;
      out.push({
        area: 'dns',
        object: `${type} record`,
        identity: ctx.plan.trunkFqdn,
        action: sameSet(current, want) ? 'none' : current.length ? 'update' : 'create',
        detail: sameSet(current, want)
          ? `${type} ${want.join(', ')} (already there)`
          : `${type} ${current.join(', ') || '(none)'} → ${want.join(', ') || '(none)'} in zone ${dns.zone}`,
      });
    }
    return out;
  },
};

// ------------------------------------------------------------------------------------------------ replication

/**
 * How long a step waits for Microsoft's directory to show an object Trunkline just created. Entra replicates: a new
 * domain or user can answer 404 on another replica for seconds to minutes (Microsoft Graph known issues), and a
 * create of it then answers "already exists". Past this the step fails with the reason.
 */
export const REPLICATION_DEADLINE_MINUTES = 10;

const isNotFound = (e: unknown) => e instanceof DirectoryError && e.kind === 'not-found';
const isDuplicate = (e: unknown) =>
  e instanceof DirectoryError && e.kind === 'rejected' && /already exists/i.test(e.message);

/** A visible, bounded wait for replication: the step's message says what is not there yet and why. */
const replicationWait = (what: string, e: unknown, outcome: Outcome): StepResult => ({
  kind: 'wait',
  message: `Microsoft's directory does not show ${what} on every server yet (it replicates for up to a few minutes; Microsoft answered: ${
    (e as Error).message
  }). Trunkline checks again shortly.`,
  outcome,
  deadlineMinutes: REPLICATION_DEADLINE_MINUTES,
  then: 'fail',
});

// ------------------------------------------------------------------------------------------------ domain

export const domainStep: Step = {
  async apply(ctx) {
    const fqdn = ctx.plan.trunkFqdn;
    let rec = mergeDomainOutcome(readDomain(ctx.previous), { fqdn, created: false, txtWritten: [] });
    // The preview this run started with saw no such domain moments ago: the add below checks that again.
    let domain = ctx.previewReads?.domainAbsent ? null : await ctx.directory.getDomain(fqdn);
    if (!domain) {
      rec = mergeDomainOutcome(rec, { fqdn, created: true, txtWritten: [] });
      await ctx.checkpoint(rec);
      try {
        domain = await ctx.directory.addDomain(fqdn);
      } catch (e) {
        // Created by an earlier attempt (or just now by someone), not yet readable here: replication.
        if (isDuplicate(e)) return replicationWait(`the new domain ${fqdn}`, e, rec);
        throw e;
      }
    }
    if (domain.isVerified)
      return { kind: 'done', message: `${fqdn} is verified in the tenant.`, outcome: rec };
    let records;
    try {
      records = await ctx.directory.verificationRecords(fqdn);
    } catch (e) {
      if (isNotFound(e)) return replicationWait(`the new domain ${fqdn}`, e, rec);
      throw e;
    }
    const txt = records.find((r) => r.recordType.toLowerCase() === 'txt' && r.text);
    if (!txt?.text) throw new StepFailure(`Microsoft gave no TXT verification record for ${fqdn}.`);
    if (ctx.configureDns) {
      const dns = await ctx.dns();
      if (!(await values(dns, fqdn, 'TXT')).includes(txt.text)) {
        rec = mergeDomainOutcome(rec, { fqdn, created: false, txtWritten: [txt.text] });
        await ctx.checkpoint(rec);
        await dns.add({ name: fqdn, type: 'TXT', ttl: Math.min(txt.ttl, 3600), value: txt.text });
      }
    }
    let verified;
    try {
      verified = await ctx.directory.verifyDomain(fqdn);
    } catch (e) {
      if (isNotFound(e)) return replicationWait(`the new domain ${fqdn}`, e, rec);
      throw e;
    }
    if (!verified.verified)
      return {
        kind: 'wait',
        message: ctx.configureDns
          ? `Waiting for DNS: the TXT record "${txt.text}" at ${fqdn} is written; Microsoft has not seen it yet (${verified.reason}).`
          : `Create the TXT record "${txt.text}" at ${fqdn} (TTL ${txt.ttl}) at your DNS host; Trunkline checks again by itself (Microsoft: ${verified.reason}).`,
        outcome: rec,
        deadlineMinutes: ctx.plan.dnsVerifyDeadlineMinutes,
        then: 'keep-waiting',
      };
    return { kind: 'done', message: `${fqdn} added to the tenant and verified.`, outcome: rec };
  },
  async remove(ctx) {
    const rec = readDomain(ctx.previous);
    const fqdn = rec.fqdn ?? ctx.plan.trunkFqdn;
    const done: string[] = [];
    if (!rec.created) done.push(`${fqdn} was there before Trunkline; left in place`);
    else if (!(await ctx.directory.getDomain(fqdn))) done.push(`${fqdn} is not in the tenant`);
    else {
      await ctx.directory.deleteDomain(fqdn);
      done.push(`${fqdn} removed from the tenant`);
    }
    if (rec.txtWritten.length) {
      const dns = await ctx.dns();
      const current = await values(dns, fqdn, 'TXT');
      const ours = rec.txtWritten.filter((t) => current.includes(t));
      for (const value of ours) await dns.remove({ name: fqdn, type: 'TXT', value });
      if (ours.length) done.push(`its verification TXT record removed from the zone`);
    }
    return { kind: 'done', message: `${done.join('; ')}.` };
  },
  async preview(ctx) {
    const fqdn = ctx.plan.trunkFqdn;
    const domain = await ctx.directory.getDomain(fqdn);
    return [
      {
        area: 'tenant',
        object: 'domain',
        identity: fqdn,
        action: !domain ? 'create' : domain.isVerified ? 'none' : 'update',
        detail: !domain
          ? `Add ${fqdn} to the tenant and verify it (TXT record${ctx.configureDns ? ' written by Trunkline' : ' created by you'})`
          : domain.isVerified
            ? `${fqdn} is verified already`
            : `Verify ${fqdn} (TXT record${ctx.configureDns ? ' written by Trunkline' : ' created by you'})`,
      },
      ...(ctx.configureDns && (!domain || !domain.isVerified)
        ? [
            {
              area: 'dns' as const,
              object: 'TXT record',
              identity: fqdn,
              action: 'create' as const,
              detail: "Microsoft's verification text (MS=ms…), known once the domain is added",
            },
          ]
        : []),
    ];
  },
};

// ------------------------------------------------------------------------------------------------ activation

const usage = (s: SubscribedSku) => `${s.skuPartNumber} ${s.consumedUnits}/${s.prepaidUnits.enabled} used`;

/** The tenant holds no licence that activates a domain (whatever the provider's preferences say). */
const noActivatingLicence = (skus: SubscribedSku[]) =>
  new StepFailure(
    `The tenant has no licence that activates a domain for Direct Routing (it holds ${
      skus.map((s) => s.skuPartNumber).join(', ') || 'no licences'
    }). Microsoft requires a user on the new domain with a licence that includes Microsoft Teams: ${ACTIVATING_SUMMARY}; Teams Phone alone or a Teams-only licence does not count. Buy one, then Retry.`,
  );

const noFreeLicence = (preferences: string[], candidates: SubscribedSku[]) =>
  new StepFailure(
    `No free licence for the activation user: none of ${candidates
      .map((s) => s.skuPartNumber)
      .join(', ')} has free units in the tenant (${candidates.map(usage).join(', ')})${
      preferences.some((p) => !candidates.some((c) => same(c.skuPartNumber, p)))
        ? `; of the settings' licences (${preferences.join(', ')}) only those that activate a domain are used`
        : ''
    }. Free a unit or buy one, then Retry.`,
  );

export const activationStep: Step = {
  async apply(ctx) {
    const { upn, usageLocation, skus: preferences } = ctx.plan.activation;
    let rec: ActivationOutcome = mergeActivationOutcome(read(ActivationOutcomeSchema, ctx.previous), {
      upn,
      createdUser: false,
      licence: null,
    });
    let user = await ctx.directory.getUser(upn);
    if (!user) {
      rec = mergeActivationOutcome(rec, { upn, createdUser: true, licence: null });
      await ctx.checkpoint(rec);
      try {
        user = await ctx.directory.createUser({
          userPrincipalName: upn,
          displayName: `Trunkline activation (${ctx.plan.trunkFqdn})`,
          mailNickname: upn.split('@')[0]!.replace(/[^A-Za-z0-9]/g, ''),
          usageLocation,
          // Nobody signs in with this account: a random password, never stored.
          password: `${randomBytes(24).toString('base64url')}aA1!`,
        });
      } catch (e) {
        // Created by an earlier attempt, not yet readable here: replication.
        if (isDuplicate(e)) return replicationWait(`the new user ${upn}`, e, rec);
        throw e;
      }
    }
    const skus = await ctx.directory.subscribedSkus();
    const candidates = activationCandidates(preferences, skus);
    const held = user.assignedLicenses
      .map((l) => candidates.find((s) => s.skuId === l.skuId))
      .find((s): s is SubscribedSku => Boolean(s));
    if (held)
      return {
        kind: 'done',
        message: `${upn} holds ${held.skuPartNumber}: the domain is activated for Teams.`,
        outcome: rec,
      };
    if (!candidates.length) throw noActivatingLicence(skus);
    // The licence an earlier attempt assigned (not shown yet while it replicates) is assigned again, not another.
    const free =
      candidates.find((s) => rec.licence && same(s.skuId, rec.licence.skuId)) ??
      candidates.find(hasFreeUnits);
    if (!free) throw noFreeLicence(preferences, candidates);
    rec = mergeActivationOutcome(rec, {
      upn,
      createdUser: false,
      licence: { skuId: free.skuId, skuPartNumber: free.skuPartNumber },
    });
    await ctx.checkpoint(rec);
    try {
      await ctx.directory.assignLicense(user.id, free.skuId);
    } catch (e) {
      // The user Trunkline just created is not on every replica yet.
      if (isNotFound(e)) return replicationWait(`the new user ${upn}`, e, rec);
      if (e instanceof DirectoryError && e.kind === 'rejected')
        throw new StepFailure(`Microsoft refused the licence ${free.skuPartNumber} for ${upn}: ${e.message}`);
      throw e;
    }
    return {
      kind: 'done',
      message: `${upn} ${rec.createdUser ? 'created' : 'found'} with ${free.skuPartNumber}: the domain is activated for Teams.`,
      outcome: rec,
    };
  },
  async remove(ctx) {
    const rec = read(ActivationOutcomeSchema, ctx.previous);
    const upn = rec.upn ?? ctx.plan.activation.upn;
    if (!rec.createdUser && !rec.licence)
      return { kind: 'done', message: `${upn} was there before Trunkline with its licence; left in place.` };
    const user = await ctx.directory.getUser(upn);
    if (!user) return { kind: 'done', message: `${upn} does not exist.` };
    if (rec.createdUser) {
      await ctx.directory.deleteUser(user.id);
      return { kind: 'done', message: `${upn} deleted.` };
    }
    const licence = rec.licence!;
    if (!user.assignedLicenses.some((l) => same(l.skuId, licence.skuId)))
      return {
        kind: 'done',
        message: `${upn} (there before Trunkline) no longer holds ${licence.skuPartNumber}.`,
      };
    await ctx.directory.removeLicense(user.id, licence.skuId);
    return {
      kind: 'done',
      message: `${upn} was there before Trunkline: left in place, the licence ${licence.skuPartNumber} Trunkline assigned removed.`,
    };
  },
  async preview(ctx) {
    const user = await ctx.directory.getUser(ctx.plan.activation.upn);
    const { upn, skus } = ctx.plan.activation;
    return [
      {
        area: 'tenant',
        object: 'activation user',
        identity: upn,
        action: user ? 'none' : 'create',
        detail: user
          ? `${upn} exists (its licence is checked)`
          : `Create ${upn} with the first free licence of ${skus.join(', ')} that activates a domain (or another licence of the tenant that does)`,
      },
    ];
  },
};

// ------------------------------------------------------------------------------------------------ Teams

const teamsFailure = (e: unknown, ctx: StepContext, outcome: VoiceRoutingOutcome): StepResult | never => {
  if (e instanceof TeamsError && e.kind === 'gateway-not-ready')
    return {
      kind: 'wait',
      message: `Microsoft does not accept ${ctx.plan.trunkFqdn} as a gateway yet (it can take up to 24 hours after activation): ${e.message}`,
      outcome,
      deadlineMinutes: ctx.plan.teamsActivationDeadlineHours * 60,
      then: 'fail',
    };
  if (e instanceof TeamsError && (e.kind === 'forbidden' || e.kind === 'rejected'))
    throw new StepFailure(e.message, { cause: e });
  throw e;
};

export const voiceRoutingStep: Step = {
  async apply(ctx) {
    let rec = readVoiceRouting(ctx.previous);
    let changes;
    try {
      changes = await ctx.executor().apply(await ctx.teamsToken(), ctx.plan.teams, async (c) => {
        rec = recordOf([c], rec);
        await ctx.checkpoint(rec);
      });
    } catch (e) {
      return teamsFailure(e, ctx, rec);
    }
    rec = recordOf(changes, rec);
    const made = changes.filter((c) => c.action !== 'none');
    return {
      kind: 'done',
      message: made.length
        ? made.map((c) => c.detail).join('; ')
        : 'PSTN usage, voice route and policy were already in place.',
      outcome: rec,
    };
  },
  /**
   * While the step waits for Microsoft to accept the trunk as a gateway (Teams activation: up to a day), each check
   * is the one write Microsoft refused, sent again without reading the tenant (`checkGateways`: two calls with the
   * connect handshake, instead of the reads and writes of a whole attempt). Once Microsoft takes it, the step runs
   * in full under its tenant's turn, reading the tenant first.
   */
  async check(ctx) {
    const executor = ctx.executor();
    if (!executor.checkGateways) return null;
    const rec = readVoiceRouting(ctx.previous);
    try {
      await executor.checkGateways(await ctx.teamsToken(), ctx.plan.teams, rec);
    } catch (e) {
      return teamsFailure(e, ctx, rec);
    }
    return null;
  },
  async remove(ctx) {
    const rec = readVoiceRouting(ctx.previous);
    // A grant Trunkline recorded is read (and reverted) even if the settings stopped granting since.
    const plan = {
      ...ctx.plan.teams,
      policy: {
        ...ctx.plan.teams.policy,
        grantGlobal: ctx.plan.teams.policy.grantGlobal || Boolean(rec.globalGrant),
      },
    };
    let changes;
    try {
      changes = await ctx.executor().remove(await ctx.teamsToken(), plan, rec);
    } catch (e) {
      return teamsFailure(e, ctx, rec);
    }
    return { kind: 'done', message: changes.map((c) => c.detail).join('; ') || 'Nothing to remove.' };
  },
  async preview(ctx) {
    const changes = await ctx.executor().preview(await ctx.teamsToken(), ctx.plan.teams);
    return changes.map((c) => ({
      area: 'teams' as const,
      object: c.object,
      identity: c.identity,
      action: c.action,
      detail: c.detail,
    }));
  },
};

// ------------------------------------------------------------------------------------------------ SBC

/** An SBC error that trying again will not fix (credentials, rights, a refused or invalid fragment) fails the step. */
const sbcFailure = (e: unknown): unknown =>
  e instanceof SbcError && !e.transient ? new StepFailure(e.message, { cause: e }) : e;

const rowList = (objects: string[]) => (objects.length ? objects.join(', ') : 'nothing');

export const sbcStep: Step = {
  async apply(ctx) {
    const plan = ctx.plan.sbc;
    if (!plan) throw new StepFailure('This run was started without an SBC plan: start Configure SBC again.');
    const provisioner = await ctx.sbcProvisioner(plan.sbcId);
    let rec: SbcOutcome = read(SbcOutcomeSchema, ctx.previous);
    const before = await provisioner.planApply(plan.customer, rec.record ?? undefined).catch(() => null);
    let record: SbcRecord | undefined;
    // Two runs that raced for the same free index: the second one's checkpoint is refused; allocate again.
    for (let attempt = 1; !record; attempt++) {
      try {
        record = await provisioner.apply(plan.customer, rec.record ?? undefined, async (r) => {
          rec = mergeSbcOutcome(rec, { record: r });
          await ctx.checkpoint(rec);
        });
      } catch (e) {
        if (e instanceof IndexTakenError && attempt < 3) continue;
        throw sbcFailure(e);
      }
    }
    rec = mergeSbcOutcome(rec, { record });
    const written = before?.changes.filter((c) => c.action === 'write').flatMap((c) => c.objects) ?? [];
    const removed = before?.changes.filter((c) => c.action === 'remove').flatMap((c) => c.objects) ?? [];
    return {
      kind: 'done',
      message:
        written.length || removed.length
          ? `${plan.sbcName}: wrote ${rowList(written)}${removed.length ? `; removed ${rowList(removed)}` : ''} for ${plan.customer.fqdn}.`
          : `${plan.sbcName} already holds the rows of ${plan.customer.fqdn}.`,
      outcome: rec,
    };
  },
  async remove(ctx) {
    const { record } = read(SbcOutcomeSchema, ctx.previous);
    if (!record) return { kind: 'done', message: 'Trunkline wrote nothing on an SBC; nothing to remove.' };
    const provisioner = await ctx.sbcProvisioner(record.sbcId);
    try {
      const result = await provisioner.remove(record);
      const removed = result.changes.filter((c) => c.action === 'remove').flatMap((c) => c.objects);
      return {
        kind: 'done',
        message: [
          removed.length
            ? `Removed ${rowList(removed)} from the SBC.`
            : 'None of the recorded rows was left on the SBC.',
          ...(result.foreign.length
            ? [`Left alone (changed since Trunkline wrote them): ${result.foreign.join(', ')}.`]
            : []),
        ].join(' '),
      };
    } catch (e) {
      throw sbcFailure(e);
    }
  },
  async preview(ctx) {
    const plan = ctx.plan.sbc;
    if (!plan) return [];
    const provisioner = await ctx.sbcProvisioner(plan.sbcId);
    const { record } = read(SbcOutcomeSchema, ctx.previous);
    const preview = await provisioner.planApply(plan.customer, record ?? undefined);
    if (!preview.changes.length)
      return [
        {
          area: 'sbc',
          object: 'SBC rows',
          identity: plan.sbcName,
          action: 'none',
          detail: `${plan.sbcName} holds the rows of ${plan.customer.fqdn} already`,
        },
      ];
    return preview.changes.map((c) => ({
      area: 'sbc' as const,
      object: c.action === 'write' ? 'SBC rows' : 'SBC rows no longer needed',
      identity: plan.sbcName,
      action: c.action === 'write' ? ('create' as const) : ('delete' as const),
      detail: c.objects.join(', '),
    }));
  },
};

export const steps: Record<StepName, Step> = {
  dns: dnsStep,
  domain: domainStep,
  activation: activationStep,
  'voice-routing': voiceRoutingStep,
  'configure-sbc': sbcStep,
};

export const onboardingSteps = (configureDns: boolean): StepName[] =>
  configureDns ? ['dns', 'domain', 'activation', 'voice-routing'] : ['domain', 'activation', 'voice-routing'];

/** The steps of an onboarding run of a scope: default routing, then the SBC; or the SBC only. */
export const stepsOfScope = (scope: WorkflowScope, configureDns: boolean): StepName[] =>
  scope === 'sbc'
    ? ['configure-sbc']
    : scope === 'routing+sbc'
      ? [...onboardingSteps(configureDns), 'configure-sbc']
      : onboardingSteps(configureDns);
/** Offboarding undoes in reverse; DNS records are removed only where Trunkline wrote them. */
export const offboardingSteps = (configureDns: boolean, sbc = false): StepName[] => [
  ...(sbc ? (['configure-sbc'] as const) : []),
  ...(configureDns
    ? (['voice-routing', 'activation', 'domain', 'dns'] as const)
    : (['voice-routing', 'activation', 'domain'] as const)),
];
