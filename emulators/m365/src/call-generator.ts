import { randomUUID } from 'node:crypto';
import { callRecordsState, drRow, notify, pstnCall } from './call-records.ts';
import type { Emu } from './context.ts';
import { seededRandom } from './faults.ts';
import { EmulatorError, isObject, readJsonObject, route, type Route } from './http.ts';
import type { Tenant } from './state.ts';

/**
 * The sandbox's call generator: while it runs, every tenant with a live callRecords subscription makes a PSTN call
 * every `minIntervalSeconds`–`maxIntervalSeconds` (uniformly jittered, per tenant) through one of its trunks — a
 * Teams PSTN gateway of the tenant, or a verified subdomain of the provider's SBC domain (`sbcZone`), i.e. the
 * service's trunk FQDN. Most calls are good, `poorShare` of them have poor streams (above Microsoft's thresholds),
 * and `failedShare` fail at SIP level (404/480/486/503) and exist only in the Direct Routing log. A call with a
 * record is notified to the tenant's subscriptions through their real webhook, with Graph's delivery rules
 * (`call-records.ts`). Off by default; the sandbox turns it on (`scripts/sandbox.ts`). Its configuration is kept
 * in the emulator's state file.
 */

export type GeneratorConfig = {
  enabled: boolean;
  minIntervalSeconds: number;
  maxIntervalSeconds: number;
  /** Share of calls (with a record) whose streams are poor. */
  poorShare: number;
  /** Share of calls that fail at SIP level and have no call record. */
  failedShare: number;
  /** The provider's SBC domain: a verified subdomain of it in a tenant is a trunk FQDN (besides its gateways). */
  sbcZone: string | null;
};

export const DEFAULT_GENERATOR: GeneratorConfig = {
  enabled: false,
  minIntervalSeconds: 20,
  maxIntervalSeconds: 60,
  poorShare: 0.2,
  failedShare: 0.1,
  sbcZone: null,
};

type TenantCounts = { calls: number; poorCalls: number; failedCalls: number; lastCallAt: string | null };

type GeneratorState = {
  config: GeneratorConfig;
  /** What `reset()` returns to: the start option. */
  initial: GeneratorConfig;
  timer: NodeJS.Timeout | null;
  /** When each tenant's next call is due (ms). */
  due: Map<string, number>;
  counts: Map<string, TenantCounts>;
  rnd: () => number;
};

const states = new WeakMap<Emu, GeneratorState>();
const stateOf = (emu: Emu): GeneratorState => {
  let s = states.get(emu);
  if (!s) {
    s = {
      config: { ...DEFAULT_GENERATOR },
      initial: { ...DEFAULT_GENERATOR },
      timer: null,
      due: new Map(),
      counts: new Map(),
      rnd: seededRandom(Math.floor(Math.random() * 2 ** 31)),
    };
    states.set(emu, s);
  }
  return s;
};

const invalid = (message: string) => new EmulatorError(400, 'invalid', message);
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

/** Checks a partial configuration against the current one; answers the whole new configuration. */
export const checkGeneratorConfig = (base: GeneratorConfig, patch: unknown): GeneratorConfig => {
  if (!isObject(patch)) throw invalid('The configuration must be a JSON object');
  const next = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    switch (k) {
      case 'enabled':
        if (typeof v !== 'boolean') throw invalid('enabled must be true or false');
        next.enabled = v;
        break;
      case 'minIntervalSeconds':
      case 'maxIntervalSeconds':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0.1 || v > 86_400)
          throw invalid(`${k} must be 0.1..86400 seconds`);
        next[k] = v;
        break;
      case 'poorShare':
      case 'failedShare':
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw invalid(`${k} must be 0..1`);
        next[k] = v;
        break;
      case 'sbcZone':
        if (v !== null && (typeof v !== 'string' || !HOST.test(v)))
          throw invalid('sbcZone must be a DNS name or null');
        next.sbcZone = v === null ? null : v.toLowerCase();
        break;
      default:
        throw invalid(`Unknown setting '${k}'`);
    }
  }
  if (next.minIntervalSeconds > next.maxIntervalSeconds)
    throw invalid('minIntervalSeconds must not exceed maxIntervalSeconds');
  return next;
};

/** The tenants with a live subscription to created call records, each with the trunk FQDNs calls can use. */
const eligibleTenants = (emu: Emu, config: GeneratorConfig): { tenant: Tenant; trunks: string[] }[] => {
  const now = Date.now();
  const ids = new Set(
    [...callRecordsState(emu).subscriptions.values()]
      .filter((x) => Date.parse(x.expirationDateTime) > now && x.changeType.split(',').includes('created'))
      .map((x) => x.tenantId),
  );
  const out: { tenant: Tenant; trunks: string[] }[] = [];
  for (const id of ids) {
    const tenant = emu.world.tenants.find((t) => t.id === id);
    if (tenant) out.push({ tenant, trunks: trunksOf(tenant, config.sbcZone) });
  }
  return out;
};

/** A tenant's trunks: its Teams PSTN gateways and, with `sbcZone`, its verified subdomains of that zone. */
export const trunksOf = (t: Tenant, sbcZone: string | null): string[] => {
  const names = new Set<string>();
  for (const g of t.teams.gateways) {
    const fqdn = typeof g.Fqdn === 'string' ? g.Fqdn : typeof g.Identity === 'string' ? g.Identity : null;
    if (fqdn && g.Enabled !== false) names.add(fqdn.toLowerCase());
  }
  if (sbcZone)
    for (const d of t.domains)
      if (d.isVerified && d.id.toLowerCase().endsWith(`.${sbcZone}`)) names.add(d.id.toLowerCase());
  return [...names].sort();
};

export type GeneratedCall = {
  tenantId: string;
  trunkFqdn: string;
  /** The call record's id; null for a failed call (Direct Routing log only). */
  recordId: string | null;
  poor: boolean;
  finalSipCode: number;
};

/** One call for a tenant through one of its trunks, ending now; a record is notified, a failed call is not. */
const makeCall = (emu: Emu, g: GeneratorState, tenant: Tenant, trunks: string[]): GeneratedCall => {
  const s = callRecordsState(emu);
  const { rnd, config } = g;
  const trunkFqdn = trunks[Math.floor(rnd() * trunks.length)]!;
  const user = tenant.users.length ? tenant.users[Math.floor(rnd() * tenant.users.length)] : undefined;
  const pstn = `+1425555${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}`;
  const inbound = rnd() < 0.5;
  const failed = rnd() < config.failedShare;
  const duration = failed ? 0 : 30 + Math.floor(rnd() * 570);
  const now = Date.now();
  const startMs = failed ? now - 2000 : now - duration * 1000;
  const dr = s.directRouting.get(tenant.id) ?? [];
  s.directRouting.set(tenant.id, dr);
  const row = drRow(rnd, { start: startMs, duration, inbound, pstn, fqdn: trunkFqdn, user, ok: !failed });
  // Rows stay in start order (getDirectRoutingCalls filters by start).
  let i = dr.length;
  while (i > 0 && String(dr[i - 1]!.startDateTime) > String(row.startDateTime)) i--;
  dr.splice(i, 0, row);
  const counts = g.counts.get(tenant.id) ?? { calls: 0, poorCalls: 0, failedCalls: 0, lastCallAt: null };
  g.counts.set(tenant.id, counts);
  counts.lastCallAt = new Date(now).toISOString();
  if (failed) {
    counts.failedCalls += 1;
    return {
      tenantId: tenant.id,
      trunkFqdn,
      recordId: null,
      poor: false,
      finalSipCode: Number(row.finalSipCode),
    };
  }
  const poor = rnd() < config.poorShare;
  const id = randomUUID();
  const record = pstnCall(rnd, tenant, {
    id,
    startMs,
    duration,
    poor,
    inbound,
    pstn,
    trunkFqdn,
    sessionsPerCall: 1,
    user,
  });
  s.records.set(id, { tenantId: tenant.id, createdAt: now, record });
  counts.calls += 1;
  if (poor) counts.poorCalls += 1;
  notify(emu, tenant.id, id, 'created');
  return { tenantId: tenant.id, trunkFqdn, recordId: id, poor, finalSipCode: 0 };
};

const RETENTION_MS = 30 * 86_400_000;

/** Graph keeps call records 30 days: older generated records and log rows are let go (memory stays bounded). */
const prune = (emu: Emu, now: number) => {
  const s = callRecordsState(emu);
  for (const [id, r] of s.records) if (now - r.createdAt > RETENTION_MS) s.records.delete(id);
  for (const [tenantId, rows] of s.directRouting) {
    const keep = rows.filter((r) => now - Date.parse(String(r.startDateTime)) <= RETENTION_MS);
    if (keep.length !== rows.length) s.directRouting.set(tenantId, keep);
  }
};

const nextDelay = (g: GeneratorState) => {
  const { minIntervalSeconds: lo, maxIntervalSeconds: hi } = g.config;
  return (lo + g.rnd() * (hi - lo)) * 1000;
};

/** Makes the calls that are due; a tenant seen for the first time gets its first call after one interval. */
const tick = (emu: Emu, g: GeneratorState, now = Date.now()): GeneratedCall[] => {
  const made: GeneratedCall[] = [];
  const live = new Set<string>();
  for (const { tenant, trunks } of eligibleTenants(emu, g.config)) {
    if (!trunks.length) continue;
    live.add(tenant.id);
    const due = g.due.get(tenant.id);
    if (due === undefined) g.due.set(tenant.id, now + nextDelay(g));
    else if (due <= now) {
      made.push(makeCall(emu, g, tenant, trunks));
      g.due.set(tenant.id, now + nextDelay(g));
    }
  }
  for (const id of g.due.keys()) if (!live.has(id)) g.due.delete(id);
  if (made.length) prune(emu, now);
  return made;
};

const TICK_MS = 250;

const schedule = (emu: Emu, g: GeneratorState) => {
  if (g.config.enabled && !g.timer) {
    g.timer = setInterval(() => {
      try {
        tick(emu, g);
      } catch (e) {
        process.stderr.write(`m365 emulator: the call generator failed: ${(e as Error).message}\n`);
      }
    }, TICK_MS);
    g.timer.unref();
  } else if (!g.config.enabled && g.timer) {
    clearInterval(g.timer);
    g.timer = null;
    g.due.clear();
  }
};

/**
 * Sets the generator up at start: the configuration kept in the state file (restored before this), else the start
 * option over the defaults; runs it if enabled.
 */
export const initCallGenerator = (emu: Emu, option: Partial<GeneratorConfig> | undefined, kept?: unknown) => {
  const g = stateOf(emu);
  g.initial = checkGeneratorConfig(DEFAULT_GENERATOR, option ?? {});
  g.config = kept === undefined ? { ...g.initial } : checkGeneratorConfig(g.initial, kept);
  schedule(emu, g);
};

export const stopCallGenerator = (emu: Emu) => {
  const g = stateOf(emu);
  if (g.timer) clearInterval(g.timer);
  g.timer = null;
};

/** The configuration to keep in the state file. */
export const generatorSnapshot = (emu: Emu): GeneratorConfig => ({ ...stateOf(emu).config });

export const callGeneratorControl = (emu: Emu) => {
  const g = () => stateOf(emu);
  const status = () => {
    const now = Date.now();
    return {
      ...g().config,
      running: g().timer !== null,
      tenants: eligibleTenants(emu, g().config).map(({ tenant, trunks }) => ({
        tenant: tenant.name,
        tenantId: tenant.id,
        trunks,
        nextCallAt: g().due.has(tenant.id)
          ? new Date(Math.max(now, g().due.get(tenant.id)!)).toISOString()
          : null,
        ...(g().counts.get(tenant.id) ?? { calls: 0, poorCalls: 0, failedCalls: 0, lastCallAt: null }),
      })),
    };
  };
  return {
    /** Back to the start option; counters cleared. */
    reset() {
      const st = g();
      st.config = { ...st.initial };
      st.due.clear();
      st.counts.clear();
      schedule(emu, st);
    },
    /** The configuration, whether it runs, and per eligible tenant its trunks, next call and counts. */
    callGenerator: status,
    /** Changes the configuration (`enabled` starts or stops it); answers the status. */
    configureCallGenerator(patch: Partial<GeneratorConfig>) {
      const st = g();
      st.config = checkGeneratorConfig(st.config, patch);
      // New intervals apply from the next call on.
      if (patch.minIntervalSeconds !== undefined || patch.maxIntervalSeconds !== undefined) st.due.clear();
      schedule(emu, st);
      return status();
    },
    /** One call now for every eligible tenant with a trunk (whether or not the generator runs). */
    generateNow(): GeneratedCall[] {
      const st = g();
      const made: GeneratedCall[] = [];
      for (const { tenant, trunks } of eligibleTenants(emu, st.config))
        if (trunks.length) made.push(makeCall(emu, st, tenant, trunks));
      return made;
    },
  };
};

export type CallGeneratorControl = ReturnType<typeof callGeneratorControl>;

/** `{url}/_control/call-generator…`: the same functions over HTTP. */
export const callGeneratorControlRoutes = (control: CallGeneratorControl): Route[] => {
  return [
    route('GET', '/call-generator', () => ({ status: 200, json: control.callGenerator() })),
    route('PUT', '/call-generator', async (ctx) => ({
      status: 200,
      json: control.configureCallGenerator(await readJsonObject(ctx)),
    })),
    route('POST', '/call-generator/start', () => ({
      status: 200,
      json: control.configureCallGenerator({ enabled: true }),
    })),
    route('POST', '/call-generator/stop', () => ({
      status: 200,
      json: control.configureCallGenerator({ enabled: false }),
    })),
    route('POST', '/call-generator/calls', () => ({ status: 200, json: control.generateNow() })),
  ];
};
