import { randomBytes } from 'node:crypto';
import type { PlanChange, StepName } from '@trunkline/contracts';
import { DnsError, type DnsProvider, type RecordType } from '../dns/dns-provider.ts';
import { GraphError, type GraphClient } from '../microsoft/graph.ts';
import { TeamsError, type TeamsExecutor } from '../teams/teams-executor.ts';
import type { RoutingPlan } from './plan.ts';

/** A step that cannot succeed by trying again (until someone changes something and presses Retry). */
export class StepFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepFailure';
  }
}

export type Outcome = Record<string, unknown>;

export type StepContext = {
  plan: RoutingPlan;
  configureDns: boolean;
  /** The DNS provider of the SBC zone; a StepFailure when none is usable. */
  dns: () => Promise<DnsProvider>;
  graphToken: () => Promise<string>;
  teamsToken: () => Promise<string>;
  executor: () => TeamsExecutor;
  graph: GraphClient;
  /** What earlier attempts of this step recorded. */
  previous: Outcome;
  /**
   * Records part of the outcome at once, before a change whose record must survive a crash (e.g. "Trunkline
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
  remove(ctx: StepContext): Promise<StepResult>;
  preview(ctx: StepContext): Promise<PlanChange[]>;
};

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.some((y) => y.toLowerCase() === x.toLowerCase()));

const notFound = (e: unknown) => e instanceof GraphError && e.status === 404;

type Domain = { id: string; isVerified: boolean };
type User = { id: string; userPrincipalName: string; assignedLicenses?: { skuId: string }[] };
type Sku = {
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  prepaidUnits: { enabled: number };
};

// ------------------------------------------------------------------------------------------------ DNS

const addressSets = (plan: RoutingPlan): [RecordType, string[]][] => [
  ['A', plan.addresses.a],
  ['AAAA', plan.addresses.aaaa],
];

const dnsStep: Step = {
  async apply(ctx) {
    const dns = await ctx.dns();
    const changed: string[] = [];
    for (const [type, values] of addressSets(ctx.plan)) {
      const current = (await dns.read(ctx.plan.trunkFqdn, type)).map((r) => r.value);
      if (sameSet(current, values)) continue;
      await dns.replace(ctx.plan.trunkFqdn, type, values, ctx.plan.ttl, current);
      changed.push(`${type} ${values.join(', ') || '(none)'}`);
    }
    const now = await Promise.all(addressSets(ctx.plan).map(([type]) => dns.read(ctx.plan.trunkFqdn, type)));
    const ok = addressSets(ctx.plan).every(([, values], i) =>
      sameSet(
        now[i]!.map((r) => r.value),
        values,
      ),
    );
    if (!ok) throw new StepFailure(`The DNS server did not keep the records of ${ctx.plan.trunkFqdn}.`);
    return {
      kind: 'done',
      message: changed.length
        ? `${ctx.plan.trunkFqdn}: ${changed.join('; ')} in zone ${dns.zone}.`
        : `${ctx.plan.trunkFqdn} already points at ${[...ctx.plan.addresses.a, ...ctx.plan.addresses.aaaa].join(', ')}.`,
      outcome: { wrote: [...((ctx.previous.wrote as string[]) ?? []), ...changed] },
    };
  },
  async remove(ctx) {
    const dns = await ctx.dns();
    for (const type of ['A', 'AAAA', 'TXT'] as const) {
      const ours =
        type === 'TXT'
          ? (await dns.read(ctx.plan.trunkFqdn, 'TXT')).filter((r) => r.value.startsWith('MS=ms'))
          : (await dns.read(ctx.plan.trunkFqdn, type)).filter((r) =>
              (type === 'A' ? ctx.plan.addresses.a : ctx.plan.addresses.aaaa).includes(r.value),
            );
      for (const r of ours) await dns.remove({ name: r.name, type: r.type, value: r.value });
    }
    return { kind: 'done', message: `DNS records of ${ctx.plan.trunkFqdn} removed.` };
  },
  async preview(ctx) {
    const dns = await ctx.dns();
    const out: PlanChange[] = [];
    for (const [type, values] of addressSets(ctx.plan)) {
      const current = (await dns.read(ctx.plan.trunkFqdn, type)).map((r) => r.value);
      if (!values.length && !current.length) continue;
      out.push({
        area: 'dns',
        object: `${type} record`,
        identity: ctx.plan.trunkFqdn,
        action: sameSet(current, values) ? 'none' : current.length ? 'update' : 'create',
        detail: sameSet(current, values)
          ? `${type} ${values.join(', ')} (already there)`
          : `${type} ${current.join(', ') || '(none)'} → ${values.join(', ') || '(none)'} in zone ${dns.zone}`,
      });
    }
    return out;
  },
};

// ------------------------------------------------------------------------------------------------ domain

async function getDomain(ctx: StepContext, token: string): Promise<Domain | null> {
  try {
    return await ctx.graph.request<Domain>(
      token,
      'GET',
      `/domains/${encodeURIComponent(ctx.plan.trunkFqdn)}`,
    );
  } catch (e) {
    if (notFound(e)) return null;
    throw e;
  }
}

const domainStep: Step = {
  async apply(ctx) {
    const fqdn = ctx.plan.trunkFqdn;
    const token = await ctx.graphToken();
    let domain = await getDomain(ctx, token);
    let created = Boolean(ctx.previous.createdDomain);
    if (!domain) {
      await ctx.checkpoint({ createdDomain: true });
      domain = await ctx.graph.request<Domain>(token, 'POST', '/domains', { id: fqdn });
      created = true;
    }
    if (domain.isVerified)
      return {
        kind: 'done',
        message: `${fqdn} is verified in the tenant.`,
        outcome: { createdDomain: created },
      };
    const records = await ctx.graph.request<{
      value: { recordType: string; text?: string; ttl: number; label: string }[];
    }>(token, 'GET', `/domains/${encodeURIComponent(fqdn)}/verificationDnsRecords`);
    const txt = records.value.find((r) => r.recordType.toLowerCase() === 'txt' && r.text);
    if (!txt) throw new StepFailure(`Microsoft gave no TXT verification record for ${fqdn}.`);
    if (ctx.configureDns) {
      const dns = await ctx.dns();
      await dns.add({ name: fqdn, type: 'TXT', ttl: Math.min(txt.ttl, 3600), value: txt.text! });
    }
    try {
      await ctx.graph.request(token, 'POST', `/domains/${encodeURIComponent(fqdn)}/verify`);
    } catch (e) {
      if (!(e instanceof GraphError) || e.status >= 500 || e.status === 429) throw e;
      return {
        kind: 'wait',
        message: ctx.configureDns
          ? `Waiting for DNS: the TXT record "${txt.text}" at ${fqdn} is written; Microsoft has not seen it yet (${e.message}).`
          : `Create the TXT record "${txt.text}" at ${fqdn} (TTL ${txt.ttl}) at your DNS host; Trunkline checks again by itself (Microsoft: ${e.message}).`,
        outcome: { createdDomain: created, txt: txt.text },
        deadlineMinutes: ctx.plan.dnsVerifyDeadlineMinutes,
        then: 'keep-waiting',
      };
    }
    return {
      kind: 'done',
      message: `${fqdn} added to the tenant and verified.`,
      outcome: { createdDomain: created, txt: txt.text },
    };
  },
  async remove(ctx) {
    const token = await ctx.graphToken();
    const domain = await getDomain(ctx, token);
    if (!domain) return { kind: 'done', message: `${ctx.plan.trunkFqdn} is not in the tenant.` };
    if (ctx.previous.createdDomain === false)
      return { kind: 'done', message: `${ctx.plan.trunkFqdn} was there before Trunkline; left in place.` };
    await ctx.graph.request(token, 'DELETE', `/domains/${encodeURIComponent(ctx.plan.trunkFqdn)}`);
    return { kind: 'done', message: `${ctx.plan.trunkFqdn} removed from the tenant.` };
  },
  async preview(ctx) {
    const domain = await getDomain(ctx, await ctx.graphToken());
    const fqdn = ctx.plan.trunkFqdn;
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

async function getUser(ctx: StepContext, token: string): Promise<User | null> {
  try {
    return await ctx.graph.request<User>(
      token,
      'GET',
      `/users/${encodeURIComponent(ctx.plan.activation.upn)}?$select=id,userPrincipalName,assignedLicenses`,
    );
  } catch (e) {
    if (notFound(e)) return null;
    throw e;
  }
}

const activationStep: Step = {
  async apply(ctx) {
    const { upn, usageLocation, skus: acceptable } = ctx.plan.activation;
    const token = await ctx.graphToken();
    let user = await getUser(ctx, token);
    const created = Boolean(ctx.previous.createdUser) || !user;
    if (!user) {
      await ctx.checkpoint({ createdUser: true });
      user = await ctx.graph.request<User>(token, 'POST', '/users', {
        accountEnabled: true,
        displayName: `Trunkline activation (${ctx.plan.trunkFqdn})`,
        mailNickname: upn.split('@')[0]!.replace(/[^A-Za-z0-9]/g, ''),
        userPrincipalName: upn,
        usageLocation,
        // Nobody signs in with this account: a random password, never stored.
        passwordProfile: {
          forceChangePasswordNextSignIn: false,
          password: `${randomBytes(24).toString('base64url')}aA1!`,
        },
      });
    }
    const skus = (await ctx.graph.request<{ value: Sku[] }>(token, 'GET', '/subscribedSkus')).value;
    const byPart = (part: string) => skus.find((s) => s.skuPartNumber.toLowerCase() === part.toLowerCase());
    const held = (user.assignedLicenses ?? [])
      .map((l) => skus.find((s) => s.skuId === l.skuId)?.skuPartNumber)
      .find((p) => p && acceptable.some((a) => a.toLowerCase() === p.toLowerCase()));
    if (held)
      return {
        kind: 'done',
        message: `${upn} holds ${held}: the domain is activated for Teams.`,
        outcome: { createdUser: created, sku: held },
      };
    const free = acceptable
      .map(byPart)
      .find((s): s is Sku => Boolean(s && s.prepaidUnits.enabled - s.consumedUnits > 0));
    if (!free)
      throw new StepFailure(
        `No free licence for the activation user: none of ${acceptable.join(', ')} has free units in the tenant (${
          acceptable
            .map(byPart)
            .filter((s): s is Sku => Boolean(s))
            .map((s) => `${s.skuPartNumber} ${s.consumedUnits}/${s.prepaidUnits.enabled} used`)
            .join(', ') || 'the tenant has none of them'
        }). Free a unit or buy one, then Retry.`,
      );
    try {
      await ctx.graph.request(token, 'POST', `/users/${encodeURIComponent(user.id)}/assignLicense`, {
        addLicenses: [{ skuId: free.skuId, disabledPlans: [] }],
        removeLicenses: [],
      });
    } catch (e) {
      if (e instanceof GraphError && e.status === 400)
        throw new StepFailure(`Microsoft refused the licence ${free.skuPartNumber} for ${upn}: ${e.message}`);
      throw e;
    }
    return {
      kind: 'done',
      message: `${upn} created with ${free.skuPartNumber}: the domain is activated for Teams.`,
      outcome: { createdUser: created, sku: free.skuPartNumber },
    };
  },
  async remove(ctx) {
    const token = await ctx.graphToken();
    const user = await getUser(ctx, token);
    if (!user) return { kind: 'done', message: `${ctx.plan.activation.upn} does not exist.` };
    await ctx.graph.request(token, 'DELETE', `/users/${encodeURIComponent(user.id)}`);
    return { kind: 'done', message: `${ctx.plan.activation.upn} deleted.` };
  },
  async preview(ctx) {
    const user = await getUser(ctx, await ctx.graphToken());
    const { upn, skus } = ctx.plan.activation;
    return [
      {
        area: 'tenant',
        object: 'activation user',
        identity: upn,
        action: user ? 'none' : 'create',
        detail: user
          ? `${upn} exists (its licence is checked)`
          : `Create ${upn} with the first free licence of ${skus.join(', ')}`,
      },
    ];
  },
};

// ------------------------------------------------------------------------------------------------ Teams

const teamsFailure = (e: unknown, ctx: StepContext): StepResult | never => {
  if (e instanceof TeamsError && e.kind === 'gateway-not-ready')
    return {
      kind: 'wait',
      message: `Microsoft does not accept ${ctx.plan.trunkFqdn} as a gateway yet (it can take up to 24 hours after activation): ${e.message}`,
      deadlineMinutes: ctx.plan.teamsActivationDeadlineHours * 60,
      then: 'fail',
    };
  if (e instanceof TeamsError && (e.kind === 'forbidden' || e.kind === 'rejected'))
    throw new StepFailure(e.message, { cause: e });
  throw e;
};

const voiceRoutingStep: Step = {
  async apply(ctx) {
    let changes;
    try {
      changes = await ctx.executor().apply(await ctx.teamsToken(), ctx.plan.teams);
    } catch (e) {
      return teamsFailure(e, ctx);
    }
    const created = changes.filter((c) => c.action === 'create').map((c) => `${c.object}:${c.identity}`);
    const made = changes.filter((c) => c.action !== 'none');
    return {
      kind: 'done',
      message: made.length
        ? made.map((c) => c.detail).join('; ')
        : 'PSTN usage, voice route and policy were already in place.',
      outcome: { created: [...((ctx.previous.created as string[]) ?? []), ...created] },
    };
  },
  async remove(ctx) {
    let changes;
    try {
      changes = await ctx.executor().remove(await ctx.teamsToken(), ctx.plan.teams);
    } catch (e) {
      return teamsFailure(e, ctx);
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

export const steps: Record<StepName, Step> = {
  dns: dnsStep,
  domain: domainStep,
  activation: activationStep,
  'voice-routing': voiceRoutingStep,
};

export const onboardingSteps = (configureDns: boolean): StepName[] =>
  configureDns ? ['dns', 'domain', 'activation', 'voice-routing'] : ['domain', 'activation', 'voice-routing'];
/** Offboarding undoes in reverse; DNS records are removed only where Trunkline wrote them. */
export const offboardingSteps = (configureDns: boolean): StepName[] =>
  configureDns ? ['voice-routing', 'activation', 'domain', 'dns'] : ['voice-routing', 'activation', 'domain'];

/** Failures worth trying again soon: Microsoft or the DNS server unreachable, throttling. */
export function isTransient(e: unknown): boolean {
  if (e instanceof StepFailure) return false;
  if (e instanceof GraphError) return e.status >= 500 || e.status === 429;
  if (e instanceof DnsError) return ['unreachable', 'timeout', 'server-failure'].includes(e.kind);
  if (e instanceof TeamsError) return e.kind === 'throttled' || e.kind === 'unavailable';
  return (e as { kind?: string }).kind === 'unavailable';
}
