import { randomUUID } from 'node:crypto';
import { authenticate, isAllowed, type Caller, type Permission } from './auth.ts';
import { GRAPH } from './catalog.ts';
import type { Emu } from './context.ts';
import { seededRandom } from './faults.ts';
import {
  EmulatorError,
  graphError,
  isObject,
  readJsonObject,
  route,
  type Ctx,
  type Reply,
  type Route,
} from './http.ts';
import type { Tenant } from './state.ts';

/**
 * Microsoft Graph change notifications for call records and the call-record reads (reference §3.10–3.12):
 * `/subscriptions` (create with the validation handshake toward both URLs, renew, delete, reauthorize),
 * `/communications/callRecords/{id}` with `$expand=sessions($expand=segments)` and `sessions@odata.nextLink`,
 * `getDirectRoutingCalls(fromDateTime=…,toDateTime=…)` paged; plus a test generator (control API) that creates
 * plausible PSTN calls for a tenant and delivers notifications with Graph's retry behaviour.
 */

type Json = Record<string, unknown>;

/** Maximum lifetime of a callRecord subscription (reference §3.10). */
export const MAX_LIFETIME_MINUTES = 4230;
const RECORD_RETENTION_DAYS = 30;

const CALL_RECORDS: Permission = { app: ['CallRecords.Read.All'], delegated: [] };

export type Subscription = {
  id: string;
  tenantId: string;
  appId: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  /** Set by a `reauthorizationRequired` lifecycle event, cleared by reauthorize or a renewal. */
  reauthorizationRequired: boolean;
  reauthorizedCount: number;
};

export type Delivery = {
  at: string;
  subscriptionId: string;
  kind: 'notification' | 'lifecycle';
  resourceId: string | null;
  attempt: number;
  /** HTTP status, or 0 for a timeout / network failure (and for a notification dropped unsent). */
  status: number;
  ms: number;
  /** Graph's treatment of a slow endpoint: this notification was held back 10 s, or dropped unsent. */
  throttled?: 'delayed' | 'dropped';
};

export type StoredRecord = { tenantId: string; createdAt: number; record: Json };

type Settings = {
  /** Graph waits this long for the webhook (3 s). */
  timeoutMs: number;
  /** First retry after this long, doubling (Graph: exponential back-off for up to 4 hours). */
  retryBaseMs: number;
  maxAttempts: number;
  /** No retry starts later than this after the first attempt (Graph: "for up to 4 hours"). */
  retryWindowMs: number;
  /** An answer slower than this counts as slow (Graph: 2900 ms), like a timeout. */
  slowMs: number;
  /** Sessions per page with `$expand=sessions` (Graph: 60). */
  sessionsPageSize: number;
  /** Rows per page of getDirectRoutingCalls (Graph: 1000). */
  directRoutingPageSize: number;
};

const DEFAULT_SETTINGS: Settings = {
  timeoutMs: 3000,
  retryBaseMs: 60_000,
  maxAttempts: 8,
  retryWindowMs: 4 * 3600_000,
  slowMs: 2900,
  sessionsPageSize: 60,
  directRoutingPageSize: 1000,
};

type State = {
  subscriptions: Map<string, Subscription>;
  records: Map<string, StoredRecord>;
  directRouting: Map<string, Json[]>;
  deliveries: Delivery[];
  /** Per notification URL: its answers of the last 10 minutes (slow or not), and until when it is dropped. */
  endpoints: Map<string, { samples: { at: number; slow: boolean }[]; droppedUntil: number }>;
  settings: Settings;
  timers: Set<NodeJS.Timeout>;
};

const states = new WeakMap<Emu, State>();
const stateOf = (emu: Emu): State => {
  let s = states.get(emu);
  if (!s) {
    s = {
      subscriptions: new Map(),
      records: new Map(),
      directRouting: new Map(),
      deliveries: [],
      endpoints: new Map(),
      settings: { ...DEFAULT_SETTINGS },
      timers: new Set(),
    };
    states.set(emu, s);
  }
  return s;
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const bad = (message: string) => graphError(400, 'BadRequest', message);
const invalidRequest = (message: string) => graphError(400, 'InvalidRequest', message);
const subscriptionNotFound = (id: string) =>
  graphError(404, 'ResourceNotFound', `The object was not found. Subscription '${id}'.`);

/** Graph's webhooks must be HTTPS; loopback addresses may use http so the sandbox and tests need no certificate. */
const webhookUrl = (value: unknown, prop: string): string => {
  if (typeof value !== 'string' || !URL.canParse(value))
    throw bad(`Invalid '${prop}': it must be an absolute URL.`);
  const u = new URL(value);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback))
    throw bad(`Invalid '${prop}': the URL must use https.`);
  return value;
};

/** POSTs `body` (JSON) or a validation request; the status (0 = timeout or network failure) and the text. */
const post = async (url: string, init: { json?: unknown; timeoutMs: number }) => {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': init.json === undefined ? 'text/plain' : 'application/json' },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: 'manual',
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      type: res.headers.get('content-type') ?? '',
      ms: Date.now() - started,
    };
  } catch {
    return { status: 0, text: '', type: '', ms: Date.now() - started };
  }
};

/** The validation handshake: `POST {url}?validationToken={encoded}`, 200 with the decoded token within 10 s. */
const validate = async (url: string) => {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  const r = await post(target.toString(), { timeoutMs: 10_000 });
  return r.status === 200 && r.type.toLowerCase().startsWith('text/plain') && r.text === token;
};

export const callRecordsState = stateOf;

/** Cancels pending deliveries (the emulator stops). */
export const stopCallRecords = (emu: Emu) => {
  const s = stateOf(emu);
  for (const t of s.timers) clearTimeout(t);
  s.timers.clear();
};

// ------------------------------------------------------------------ state file

/** What the state file keeps of the Direct Routing log (the server pulls it every 15 minutes, an hour back). */
const KEEP_DR_MS = 2 * 3600_000;
/** …and of the call records (a notified record is fetched within seconds). */
const KEEP_RECORDS_MS = 15 * 60_000;

export type CallRecordsSnapshot = {
  subscriptions: Subscription[];
  records: [string, StoredRecord][];
  directRouting: [string, Json[]][];
  /** The call generator's configuration (`call-generator.ts`). */
  generator?: unknown;
};

/**
 * The subscriptions (so the server's renewal finds them after a restart), the last 15 minutes' call records and
 * the last 2 hours' Direct Routing rows. Pending deliveries and their retries are not kept.
 */
export const callRecordsSnapshot = (emu: Emu): CallRecordsSnapshot => {
  const s = stateOf(emu);
  const now = Date.now();
  return {
    subscriptions: [...s.subscriptions.values()].filter((x) => Date.parse(x.expirationDateTime) > now),
    records: [...s.records].filter(([, r]) => now - r.createdAt <= KEEP_RECORDS_MS),
    directRouting: [...s.directRouting]
      .map(([t, rows]): [string, Json[]] => [
        t,
        rows.filter((r) => now - Date.parse(String(r.startDateTime)) <= KEEP_DR_MS),
      ])
      .filter(([, rows]) => rows.length > 0),
  };
};

export const validateCallRecordsSnapshot = (v: unknown): CallRecordsSnapshot => {
  const fail = (m: string): never => {
    throw new Error(`state.callRecords: ${m}`);
  };
  if (!isObject(v)) return fail('must be an object');
  const list = (k: string) => (Array.isArray(v[k]) ? (v[k] as unknown[]) : fail(`${k} must be a list`));
  list('subscriptions').forEach((x, i) => {
    if (!isObject(x)) return fail(`subscriptions[${i}] must be an object`);
    for (const k of [
      'id',
      'tenantId',
      'appId',
      'resource',
      'changeType',
      'notificationUrl',
      'expirationDateTime',
    ])
      if (typeof x[k] !== 'string') fail(`subscriptions[${i}].${k} must be a string`);
  });
  list('records').forEach((x, i) => {
    if (!Array.isArray(x) || typeof x[0] !== 'string' || !isObject(x[1]) || !isObject(x[1].record))
      fail(`records[${i}] must be [id, {tenantId, createdAt, record}]`);
  });
  list('directRouting').forEach((x, i) => {
    if (!Array.isArray(x) || typeof x[0] !== 'string' || !Array.isArray(x[1]))
      fail(`directRouting[${i}] must be [tenantId, rows]`);
  });
  return v as CallRecordsSnapshot;
};

export const restoreCallRecords = (emu: Emu, snap: CallRecordsSnapshot) => {
  const s = stateOf(emu);
  s.subscriptions = new Map(snap.subscriptions.map((x) => [x.id, { ...x }]));
  s.records = new Map(snap.records);
  s.directRouting = new Map(snap.directRouting);
};

// ------------------------------------------------------------------ delivery with Graph's retries

/** Graph's slow-endpoint rule: over a 10-minute window of at least 100 answers, > 10 % slow delays, > 15 % drops. */
const SLOW_WINDOW_MS = 10 * 60_000;
const SLOW_MIN_SAMPLES = 100;
const SLOW_DELAY_MS = 10_000;
const SLOW_DROP_MS = 10 * 60_000;

const endpointVerdict = (s: State, url: string, now: number): 'ok' | 'delay' | 'drop' => {
  const e = s.endpoints.get(url);
  if (!e) return 'ok';
  if (e.droppedUntil > now) return 'drop';
  e.samples = e.samples.filter((x) => x.at > now - SLOW_WINDOW_MS);
  if (e.samples.length < SLOW_MIN_SAMPLES) return 'ok';
  const share = e.samples.filter((x) => x.slow).length / e.samples.length;
  if (share > 0.15) {
    e.droppedUntil = now + SLOW_DROP_MS;
    return 'drop';
  }
  return share > 0.1 ? 'delay' : 'ok';
};

const noteAnswer = (s: State, url: string, slow: boolean, at: number) => {
  const e = s.endpoints.get(url) ?? { samples: [], droppedUntil: 0 };
  e.samples.push({ at, slow });
  if (e.samples.length > 10_000) e.samples.splice(0, e.samples.length - 10_000);
  s.endpoints.set(url, e);
};

/**
 * Delivers one POST with Graph's behaviour (reference §3.10): a 2xx within 3 s (`timeoutMs`) is delivered; a
 * timeout, a refused connection or another status is retried with exponential back-off (`retryBaseMs`, doubling)
 * for up to 4 hours (`retryWindowMs`, at most `maxAttempts`). An endpoint whose answers are slow (timeouts or over
 * 2900 ms) in more than 10 % of the last 10 minutes' deliveries (at least 100) gets new notifications 10 s late,
 * over 15 % has them dropped for 10 minutes.
 */
const deliver = (
  emu: Emu,
  sub: Subscription,
  kind: Delivery['kind'],
  resourceId: string | null,
  body: Json,
) => {
  const s = stateOf(emu);
  const url = kind === 'lifecycle' ? sub.lifecycleNotificationUrl : sub.notificationUrl;
  if (!url) return;
  const firstAt = Date.now();
  const record = (d: Omit<Delivery, 'at' | 'subscriptionId' | 'kind' | 'resourceId'>) => {
    s.deliveries.push({ at: new Date().toISOString(), subscriptionId: sub.id, kind, resourceId, ...d });
    if (s.deliveries.length > 50_000) s.deliveries.splice(0, s.deliveries.length - 50_000);
  };
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      s.timers.delete(timer);
      run();
    }, ms);
    s.timers.add(timer);
  };
  const attempt = async (n: number, held: boolean) => {
    // A subscription deleted meanwhile gets nothing more.
    if (kind === 'notification' && !s.subscriptions.has(sub.id)) return;
    if (kind === 'notification' && n === 1 && !held) {
      const verdict = endpointVerdict(s, url, Date.now());
      if (verdict === 'drop') return record({ attempt: n, status: 0, ms: 0, throttled: 'dropped' });
      if (verdict === 'delay') return later(SLOW_DELAY_MS, () => void attempt(1, true));
    }
    const r = await post(url, { json: body, timeoutMs: s.settings.timeoutMs });
    record({
      attempt: n,
      status: r.status,
      ms: r.ms,
      ...(held && n === 1 ? { throttled: 'delayed' as const } : {}),
    });
    noteAnswer(s, url, r.status === 0 || r.ms > s.settings.slowMs, Date.now());
    const ok = r.status >= 200 && r.status < 300;
    if (ok || n >= s.settings.maxAttempts) return;
    const wait = s.settings.retryBaseMs * 2 ** (n - 1);
    if (Date.now() + wait > firstAt + s.settings.retryWindowMs) return;
    later(wait, () => void attempt(n + 1, held));
  };
  void attempt(1, false);
};

export const notify = (emu: Emu, tenantId: string, recordId: string, changeType: 'created' | 'updated') => {
  const s = stateOf(emu);
  for (const sub of s.subscriptions.values()) {
    if (sub.tenantId !== tenantId || Date.parse(sub.expirationDateTime) <= Date.now()) continue;
    if (!sub.changeType.split(',').includes(changeType)) continue;
    deliver(emu, sub, 'notification', recordId, {
      value: [
        {
          subscriptionId: sub.id,
          clientState: sub.clientState,
          changeType,
          resource: `communications/callRecords/${recordId}`,
          subscriptionExpirationDateTime: sub.expirationDateTime,
          resourceData: {
            '@odata.type': '#Microsoft.Graph.callRecord',
            '@odata.id': `communications/callRecords/${recordId}`,
            id: recordId,
          },
          tenantId,
        },
      ],
    });
  }
};

// ------------------------------------------------------------------ Graph routes

export const callRecordsRoutes = (emu: Emu): Route[] => {
  const s = () => stateOf(emu);
  const base = () => `${emu.baseUrl}/graph/v1.0`;

  const guarded =
    (handler: (ctx: Ctx, caller: Caller) => Promise<Reply> | Reply) =>
    async (ctx: Ctx): Promise<Reply> => {
      const caller = await authenticate(emu, ctx, GRAPH, (message) =>
        graphError(401, 'InvalidAuthenticationToken', message),
      );
      if (!isAllowed(caller, CALL_RECORDS))
        throw graphError(
          403,
          'Authorization_RequestDenied',
          caller.isApp
            ? 'Insufficient privileges to complete the operation.'
            : 'Operation not supported with delegated permissions: call records need the application permission CallRecords.Read.All.',
        );
      return handler(ctx, caller);
    };

  const body = async (ctx: Ctx): Promise<Json> => {
    const b = await ctx.readJson();
    if (!isObject(b)) throw bad('Unable to read JSON request payload.');
    return b;
  };

  const expiry = (value: unknown): string => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
      throw bad("Invalid 'expirationDateTime'.");
    const at = Date.parse(value);
    if (at <= Date.now()) throw invalidRequest('Subscription expiration can only be in the future.');
    if (at > Date.now() + MAX_LIFETIME_MINUTES * 60_000 + 1000)
      throw invalidRequest(
        `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`,
      );
    return iso(at);
  };

  /** A live subscription of this caller (app and tenant); an expired one is gone. */
  const own = (caller: Caller, id: string): Subscription => {
    const sub = s().subscriptions.get(id);
    if (sub && Date.parse(sub.expirationDateTime) <= Date.now()) s().subscriptions.delete(id);
    if (!sub || !s().subscriptions.has(id) || sub.tenantId !== caller.tenant.id || sub.appId !== caller.appId)
      throw subscriptionNotFound(id);
    return sub;
  };

  const subscriptionJson = (sub: Subscription, withState: boolean): Json => ({
    '@odata.context': `${base()}/$metadata#subscriptions/$entity`,
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.appId,
    changeType: sub.changeType,
    clientState: withState ? sub.clientState : null,
    notificationUrl: sub.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
    expirationDateTime: sub.expirationDateTime,
    creatorId: sub.appId,
    includeResourceData: false,
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  });

  const recordOf = (caller: Caller, id: string): Json => {
    const r = s().records.get(id);
    if (
      !r ||
      r.tenantId !== caller.tenant.id ||
      Date.now() - r.createdAt > RECORD_RETENTION_DAYS * 86_400_000
    )
      throw graphError(404, 'NotFound', `Resource '${id}' does not exist.`);
    return r.record;
  };

  const pageSize = (ctx: Ctx, fallback: number) => {
    const m = /odata\.maxpagesize=(\d+)/i.exec(String(ctx.req.headers.prefer ?? ''));
    return m ? Math.max(1, Math.min(Number(m[1]), fallback)) : fallback;
  };

  const skipOf = (ctx: Ctx) => {
    const t = ctx.url.searchParams.get('$skiptoken');
    if (t === null) return 0;
    const n = Number(Buffer.from(t, 'base64url').toString());
    if (!Number.isInteger(n) || n < 0) throw bad('Invalid $skiptoken.');
    return n;
  };

  const sessionsPage = (ctx: Ctx, record: Json, skip: number, segments: boolean) => {
    const all = record.sessions as Json[];
    const size = pageSize(ctx, s().settings.sessionsPageSize);
    const page = all
      .slice(skip, skip + size)
      .map((x) => (segments ? x : Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'segments'))));
    const next =
      skip + size < all.length
        ? `${base()}/communications/callRecords/${String(record.id)}/sessions?$expand=segments&$skiptoken=${Buffer.from(String(skip + size)).toString('base64url')}`
        : undefined;
    return { page, next };
  };

  const DR = /^getDirectRoutingCalls\(fromDateTime=([^,]+),toDateTime=([^)]+)\)$/i;

  return [
    route(
      'POST',
      '/v1.0/subscriptions',
      guarded(async (ctx, caller) => {
        const b = await body(ctx);
        const resource = typeof b.resource === 'string' ? b.resource.replace(/^\//, '') : '';
        if (resource.toLowerCase() !== 'communications/callrecords')
          throw invalidRequest(`Resource '${String(b.resource)}' is not supported by this emulator.`);
        const changeType = typeof b.changeType === 'string' ? b.changeType : '';
        const types = changeType.split(',');
        if (!types.length || !types.every((t) => t === 'created' || t === 'updated'))
          throw bad("Invalid 'changeType': callRecords support 'created' and 'updated'.");
        const notificationUrl = webhookUrl(b.notificationUrl, 'notificationUrl');
        const lifecycleNotificationUrl =
          b.lifecycleNotificationUrl === undefined || b.lifecycleNotificationUrl === null
            ? null
            : webhookUrl(b.lifecycleNotificationUrl, 'lifecycleNotificationUrl');
        if (b.clientState !== undefined && b.clientState !== null) {
          if (typeof b.clientState !== 'string' || b.clientState.length > 128)
            throw bad("Invalid 'clientState': at most 128 characters.");
        }
        const expirationDateTime = expiry(b.expirationDateTime);
        for (const url of [notificationUrl, lifecycleNotificationUrl]) {
          if (url && !(await validate(url)))
            throw bad(
              'Subscription validation request failed. Response must exactly match validationToken query parameter.',
            );
        }
        const sub: Subscription = {
          id: randomUUID(),
          tenantId: caller.tenant.id,
          appId: caller.appId,
          resource: `/${b.resource === undefined ? resource : String(b.resource).replace(/^\//, '')}`,
          changeType,
          notificationUrl,
          lifecycleNotificationUrl,
          clientState: typeof b.clientState === 'string' ? b.clientState : null,
          expirationDateTime,
          reauthorizationRequired: false,
          reauthorizedCount: 0,
        };
        s().subscriptions.set(sub.id, sub);
        return { status: 201, json: subscriptionJson(sub, true) };
      }),
    ),
    route(
      'GET',
      '/v1.0/subscriptions',
      guarded((_ctx, caller) => ({
        status: 200,
        json: {
          '@odata.context': `${base()}/$metadata#subscriptions`,
          value: [...s().subscriptions.values()]
            .filter(
              (x) =>
                x.tenantId === caller.tenant.id &&
                x.appId === caller.appId &&
                Date.parse(x.expirationDateTime) > Date.now(),
            )
            .map((x) => {
              const { '@odata.context': _c, ...rest } = subscriptionJson(x, false);
              return rest;
            }),
        },
      })),
    ),
    route(
      'GET',
      '/v1.0/subscriptions/:id',
      guarded((ctx, caller) => ({ status: 200, json: subscriptionJson(own(caller, ctx.params.id!), false) })),
    ),
    route(
      'PATCH',
      '/v1.0/subscriptions/:id',
      guarded(async (ctx, caller) => {
        const sub = own(caller, ctx.params.id!);
        const b = await body(ctx);
        sub.expirationDateTime = expiry(b.expirationDateTime);
        sub.reauthorizationRequired = false;
        return { status: 200, json: subscriptionJson(sub, false) };
      }),
    ),
    route(
      'DELETE',
      '/v1.0/subscriptions/:id',
      guarded((ctx, caller) => {
        own(caller, ctx.params.id!);
        s().subscriptions.delete(ctx.params.id!);
        return { status: 204 };
      }),
    ),
    route(
      'POST',
      '/v1.0/subscriptions/:id/reauthorize',
      guarded((ctx, caller) => {
        const sub = own(caller, ctx.params.id!);
        sub.reauthorizationRequired = false;
        sub.reauthorizedCount += 1;
        return { status: 204 };
      }),
    ),
    route(
      'GET',
      '/v1.0/communications/callRecords/:id/sessions',
      guarded((ctx, caller) => {
        const record = recordOf(caller, ctx.params.id!);
        const expand = (ctx.url.searchParams.get('$expand') ?? '').replace(/\s/g, '').toLowerCase();
        const { page, next } = sessionsPage(ctx, record, skipOf(ctx), expand === 'segments');
        return {
          status: 200,
          json: {
            '@odata.context': `${base()}/$metadata#communications/callRecords('${String(record.id)}')/sessions`,
            value: page,
            ...(next ? { '@odata.nextLink': next } : {}),
          },
        };
      }),
    ),
    route(
      'GET',
      '/v1.0/communications/callRecords/:id',
      guarded((ctx, caller) => {
        const id = ctx.params.id!;
        const dr = DR.exec(id);
        if (dr) {
          const from = Date.parse(dr[1]!);
          const to = Date.parse(dr[2]!);
          if (Number.isNaN(from) || Number.isNaN(to) || from >= to)
            throw bad('fromDateTime and toDateTime must be dates with fromDateTime before toDateTime.');
          const rows = (s().directRouting.get(caller.tenant.id) ?? []).filter((r) => {
            const at = Date.parse(String(r.startDateTime));
            return at >= from && at < to;
          });
          const skip = skipOf(ctx);
          const size = s().settings.directRoutingPageSize;
          const more = skip + size < rows.length;
          return {
            status: 200,
            json: {
              '@odata.context': `${base()}/$metadata#Collection(microsoft.graph.callRecords.directRoutingLogRow)`,
              '@odata.count': rows.length,
              value: rows.slice(skip, skip + size),
              ...(more
                ? {
                    '@odata.nextLink': `${emu.baseUrl}${ctx.url.pathname}?$skiptoken=${Buffer.from(String(skip + size)).toString('base64url')}`,
                  }
                : {}),
            },
          };
        }
        const record = recordOf(caller, id);
        const expand = (ctx.url.searchParams.get('$expand') ?? '').replace(/\s/g, '').toLowerCase();
        const { sessions: _sessions, ...rest } = record;
        const out: Json = {
          '@odata.context': `${base()}/$metadata#communications/callRecords/$entity`,
          ...rest,
        };
        if (expand === 'sessions' || expand === 'sessions($expand=segments)') {
          const { page, next } = sessionsPage(ctx, record, 0, expand !== 'sessions');
          out.sessions = page;
          if (next) out['sessions@odata.nextLink'] = next;
        } else if (expand) throw bad(`Parsing OData Select and Expand failed: '${expand}'.`);
        return { status: 200, json: out };
      }),
    ),
  ];
};

// ------------------------------------------------------------------ generator and control

const seconds = (s: number) => `PT${Number(s.toFixed(3))}S`;

export type GenerateOptions = {
  /** Tenant name, id or verified domain. */
  tenant: string;
  /** The service's trunk FQDN (the SBC leg of every PSTN call). */
  trunkFqdn: string;
  /** Calls with a call record (default 10). */
  calls?: number;
  /** Share of those with poor audio streams (default 0.3). */
  poorShare?: number;
  /** Failed calls that exist only in the Direct Routing log (default 2). */
  failedCalls?: number;
  /** Sessions per call record (default 1; more than 60 exercises `sessions@odata.nextLink`). */
  sessionsPerCall?: number;
  /** Seed of the pseudo-random numbers (default: random). */
  seed?: number;
  /** End of the window the calls start in (default now); they start within the hour before. */
  endBefore?: string;
};

const stream = (rnd: () => number, direction: string, poor: boolean, start: string, end: string): Json => {
  // Poor values exceed Microsoft's call-quality thresholds (jitter 30 ms, loss 10 %, RTT 500 ms,
  // degradation 1.0, concealed ratio 0.07); good ones stay well under them.
  const jitter = poor ? 0.035 + rnd() * 0.05 : 0.002 + rnd() * 0.01;
  const loss = poor ? 0.11 + rnd() * 0.1 : rnd() * 0.01;
  const rtt = poor ? 0.55 + rnd() * 0.3 : 0.02 + rnd() * 0.08;
  const degradation = poor ? 1.2 + rnd() : rnd() * 0.3;
  const concealed = poor ? 0.08 + rnd() * 0.1 : rnd() * 0.02;
  return {
    streamId: String(Math.floor(rnd() * 1e9)),
    startDateTime: start,
    endDateTime: end,
    streamDirection: direction,
    audioCodec: rnd() < 0.5 ? 'g711' : 'silk',
    videoCodec: null,
    averageJitter: seconds(jitter),
    maxJitter: seconds(jitter * 2),
    averageAudioNetworkJitter: seconds(jitter),
    maxAudioNetworkJitter: seconds(jitter * 2),
    averagePacketLossRate: Number(loss.toFixed(4)),
    maxPacketLossRate: Number(Math.min(1, loss * 2).toFixed(4)),
    postForwardErrorCorrectionPacketLossRate: Number((loss / 2).toFixed(4)),
    averageRoundTripTime: seconds(rtt),
    maxRoundTripTime: seconds(rtt * 1.5),
    averageAudioDegradation: Number(degradation.toFixed(3)),
    averageRatioOfConcealedSamples: Number(concealed.toFixed(4)),
    maxRatioOfConcealedSamples: Number(Math.min(1, concealed * 2).toFixed(4)),
    isAudioForwardErrorCorrectionUsed: poor,
    averageBandwidthEstimate: 64000,
    packetUtilization: 3000,
    wasMediaBypassed: rnd() < 0.5,
    lowVideoProcessingCapabilityRatio: null,
  };
};

type CallUser = { id: string; userPrincipalName: string; displayName: string } | undefined;

/**
 * One PSTN call through the trunk `trunkFqdn` as Graph's call record (sessions fully expanded): a Teams user and
 * the SBC's leg (a phone identity, the mediation server's user agent), each session with one segment and a
 * `main-audio` media with both stream directions.
 */
export const pstnCall = (
  rnd: () => number,
  t: Tenant,
  o: {
    id: string;
    startMs: number;
    /** Seconds. */
    duration: number;
    poor: boolean;
    inbound: boolean;
    pstn: string;
    trunkFqdn: string;
    sessionsPerCall: number;
    user: CallUser;
  },
): Json => {
  const { id, user, poor, sessionsPerCall } = o;
  const start = iso(o.startMs);
  const end = iso(o.startMs + o.duration * 1000);
  const teamsUser = {
    '@odata.type': '#microsoft.graph.callRecords.participantEndpoint',
    identity: {
      user: { id: user?.id ?? randomUUID(), displayName: user?.displayName ?? 'User', tenantId: t.id },
    },
    userAgent: {
      '@odata.type': '#microsoft.graph.callRecords.clientUserAgent',
      headerValue: 'Teams/1.0 (Windows)',
      platform: 'windows',
      productFamily: 'teams',
    },
  };
  const gateway = {
    '@odata.type': '#microsoft.graph.callRecords.participantEndpoint',
    identity: { phone: { id: o.pstn, displayName: null } },
    userAgent: {
      '@odata.type': '#microsoft.graph.callRecords.serviceUserAgent',
      headerValue: `${o.trunkFqdn} SBC`,
      role: 'mediationServer',
    },
  };
  const [caller, callee] = o.inbound ? [gateway, teamsUser] : [teamsUser, gateway];
  const sessions: Json[] = [];
  for (let k = 0; k < sessionsPerCall; k++) {
    const segment = (sid: string): Json => ({
      id: sid,
      startDateTime: start,
      endDateTime: end,
      caller,
      callee,
      failureInfo: null,
      media: [
        {
          label: 'main-audio',
          callerNetwork: null,
          calleeNetwork: null,
          callerDevice: null,
          calleeDevice: null,
          streams: [
            stream(rnd, 'callerToCallee', poor, start, end),
            stream(rnd, 'calleeToCaller', poor && rnd() < 0.5, start, end),
          ],
        },
      ],
    });
    sessions.push({
      id: randomUUID(),
      modalities: ['audio'],
      startDateTime: start,
      endDateTime: end,
      isTest: false,
      caller,
      callee,
      failureInfo: null,
      segments: [segment(randomUUID())],
    });
  }
  return {
    id,
    version: 1,
    type: 'peerToPeer',
    modalities: ['audio'],
    lastModifiedDateTime: end,
    startDateTime: start,
    endDateTime: end,
    joinWebUrl: null,
    organizer_v2: { id: user?.id ?? null },
    sessions,
  };
};

export const callRecordsControl = (emu: Emu) => {
  const s = () => stateOf(emu);
  const invalid = (message: string) => new EmulatorError(400, 'invalid', message);
  const tenantOf = (key: unknown): Tenant => {
    const t = typeof key === 'string' ? emu.world.findTenant(key) : undefined;
    if (!t) throw new EmulatorError(404, 'not_found', `No tenant '${String(key)}'`);
    return t;
  };
  const subscriptionOf = (id: string) => {
    const sub = s().subscriptions.get(id);
    if (!sub) throw new EmulatorError(404, 'not_found', `No subscription '${id}'`);
    return sub;
  };

  const control = {
    /** Back to nothing: subscriptions, records, Direct Routing rows, deliveries (pending retries cancelled), settings. */
    reset() {
      const st = s();
      for (const t of st.timers) clearTimeout(t);
      st.timers.clear();
      st.subscriptions.clear();
      st.records.clear();
      st.directRouting.clear();
      st.deliveries.length = 0;
      st.endpoints.clear();
      st.settings = { ...DEFAULT_SETTINGS };
    },
    /** Delivery timeout and retries, page sizes (`timeoutMs`, `retryBaseMs`, `maxAttempts`, `retryWindowMs`, `slowMs`, `sessionsPageSize`, `directRoutingPageSize`). */
    setCallRecordSettings(o: Partial<Settings>) {
      const next = { ...s().settings };
      for (const [k, v] of Object.entries(o)) {
        if (!(k in DEFAULT_SETTINGS)) throw invalid(`Unknown setting '${k}'`);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 86_400_000)
          throw invalid(`${k} must be a positive integer`);
        next[k as keyof Settings] = v;
      }
      s().settings = next;
      return { ...next };
    },
    subscriptions: () => [...s().subscriptions.values()].map((x) => ({ ...x })),
    /** Graph drops a subscription (e.g. it expired unseen): the next renewal gets 404. */
    dropSubscription(id: string) {
      subscriptionOf(id);
      s().subscriptions.delete(id);
    },
    /** Moves a subscription's expiry (e.g. into the past). */
    setSubscriptionExpiry(id: string, expirationDateTime: string) {
      if (Number.isNaN(Date.parse(expirationDateTime))) throw invalid('expirationDateTime must be a date');
      subscriptionOf(id).expirationDateTime = iso(Date.parse(expirationDateTime));
    },
    /** Sends a lifecycle notification (`reauthorizationRequired`, or `subscriptionRemoved`, which also removes it). */
    lifecycle(id: string, event: string) {
      const sub = subscriptionOf(id);
      if (event !== 'reauthorizationRequired' && event !== 'subscriptionRemoved')
        throw invalid('event must be reauthorizationRequired or subscriptionRemoved');
      if (!sub.lifecycleNotificationUrl) throw invalid('The subscription has no lifecycleNotificationUrl');
      if (event === 'reauthorizationRequired') sub.reauthorizationRequired = true;
      else s().subscriptions.delete(id);
      deliver(emu, sub, 'lifecycle', null, {
        value: [
          {
            subscriptionId: sub.id,
            subscriptionExpirationDateTime: sub.expirationDateTime,
            tenantId: sub.tenantId,
            clientState: sub.clientState,
            lifecycleEvent: event,
          },
        ],
      });
    },
    deliveries: () => [...s().deliveries],
    /** Every record and Direct Routing row of a tenant, as Graph would return them (sessions fully expanded). */
    callRecords(tenantKey: string) {
      const t = tenantOf(tenantKey);
      return {
        records: [...s().records.values()].filter((r) => r.tenantId === t.id).map((r) => r.record),
        directRoutingCalls: s().directRouting.get(t.id) ?? [],
      };
    },
    /** A new version of a record (its first stream's jitter changes); an `updated` notification follows. */
    updateCallRecord(id: string) {
      const r = s().records.get(id);
      if (!r) throw new EmulatorError(404, 'not_found', `No call record '${id}'`);
      r.record.version = Number(r.record.version) + 1;
      r.record.lastModifiedDateTime = iso(Date.now());
      const streams = (
        (((r.record.sessions as Json[])[0]!.segments as Json[])[0]!.media as Json[])[0]!.streams as Json[]
      )[0]!;
      streams.averageJitter = 'PT0.045S';
      notify(emu, r.tenantId, id, 'updated');
      return r.record;
    },
    /** Creates calls (records and Direct Routing rows) for a tenant and notifies its subscriptions. */
    generate(o: GenerateOptions) {
      const t = tenantOf(o.tenant);
      if (typeof o.trunkFqdn !== 'string' || !/^[a-z0-9.-]+$/i.test(o.trunkFqdn))
        throw invalid('trunkFqdn must be a host name');
      const int = (v: unknown, d: number, max: number, name: string) => {
        const n = v === undefined ? d : v;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max)
          throw invalid(`${name} must be an integer 0..${max}`);
        return n;
      };
      const calls = int(o.calls, 10, 5000, 'calls');
      const failed = int(o.failedCalls, 2, 5000, 'failedCalls');
      const sessionsPerCall = Math.max(1, int(o.sessionsPerCall, 1, 500, 'sessionsPerCall'));
      const poorShare = o.poorShare ?? 0.3;
      if (typeof poorShare !== 'number' || poorShare < 0 || poorShare > 1)
        throw invalid('poorShare must be 0..1');
      const endBefore = o.endBefore === undefined ? Date.now() : Date.parse(o.endBefore);
      if (Number.isNaN(endBefore)) throw invalid('endBefore must be a date');
      const rnd = seededRandom(o.seed ?? Math.floor(Math.random() * 2 ** 31));
      const user = t.users[0];
      const number = () => `+1425555${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}`;
      const ids: string[] = [];
      const dr = s().directRouting.get(t.id) ?? [];
      s().directRouting.set(t.id, dr);
      for (let i = 0; i < calls; i++) {
        const id = randomUUID();
        const startMs = endBefore - 3_600_000 + Math.floor(rnd() * 3_000_000);
        const duration = 30 + Math.floor(rnd() * 540);
        const poor = rnd() < poorShare;
        const inbound = rnd() < 0.5;
        const pstn = number();
        const record = pstnCall(rnd, t, {
          id,
          startMs,
          duration,
          poor,
          inbound,
          pstn,
          trunkFqdn: o.trunkFqdn,
          sessionsPerCall,
          user,
        });
        s().records.set(id, { tenantId: t.id, createdAt: Date.now(), record });
        ids.push(id);
        dr.push(
          drRow(rnd, {
            start: startMs,
            duration,
            inbound,
            pstn,
            fqdn: o.trunkFqdn,
            user,
            ok: true,
          }),
        );
      }
      for (let i = 0; i < failed; i++) {
        const startMs = endBefore - 3_600_000 + Math.floor(rnd() * 3_000_000);
        dr.push(
          drRow(rnd, {
            start: startMs,
            duration: 0,
            inbound: rnd() < 0.5,
            pstn: number(),
            fqdn: o.trunkFqdn,
            user,
            ok: false,
          }),
        );
      }
      dr.sort((a, b) => String(a.startDateTime).localeCompare(String(b.startDateTime)));
      for (const id of ids) notify(emu, t.id, id, 'created');
      return { records: ids, failedCalls: failed };
    },
  };
  return control;
};

const FAILURES: [number, string, number][] = [
  [486, 'Busy Here', 560486],
  [480, 'Temporarily Unavailable', 560480],
  [404, 'Not Found', 560404],
  [503, 'Service Unavailable', 560503],
];

export const drRow = (
  rnd: () => number,
  c: {
    start: number;
    duration: number;
    inbound: boolean;
    pstn: string;
    fqdn: string;
    user: CallUser;
    ok: boolean;
  },
): Json => {
  const failure = FAILURES[Math.floor(rnd() * FAILURES.length)]!;
  const teamsNumber = `+1206555${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}`;
  return {
    id: randomUUID(),
    correlationId: randomUUID(),
    callType: c.inbound ? 'ByotIn' : 'ByotOut',
    callerNumber: c.inbound ? c.pstn : teamsNumber,
    calleeNumber: c.inbound ? teamsNumber : c.pstn,
    userId: c.user?.id ?? null,
    userPrincipalName: c.user?.userPrincipalName ?? null,
    userDisplayName: c.user?.displayName ?? null,
    startDateTime: iso(c.start),
    inviteDateTime: iso(c.start),
    failureDateTime: c.ok ? null : iso(c.start + 2000),
    endDateTime: iso(c.start + (c.ok ? c.duration * 1000 : 2000)),
    duration: c.duration,
    successfulCall: c.ok,
    finalSipCode: c.ok ? 0 : failure[0],
    finalSipCodePhrase: c.ok ? 'BYE' : failure[1],
    callEndSubReason: c.ok ? 540000 : failure[2],
    trunkFullyQualifiedDomainName: c.fqdn,
    mediaBypassEnabled: false,
    mediaPathLocation: 'USWE',
    signalingLocation: 'USWE',
  };
};

export type CallRecordsControl = ReturnType<typeof callRecordsControl>;

/** `{url}/_control/call-records/…` and `/_control/subscriptions/…`: the same functions over HTTP. */
export const callRecordsControlRoutes = (control: CallRecordsControl): Route[] => {
  return [
    route('POST', '/call-records/generate', async (ctx) => ({
      status: 200,
      json: control.generate((await readJsonObject(ctx)) as GenerateOptions),
    })),
    route('GET', '/call-records/:tenant', (ctx) => ({
      status: 200,
      json: control.callRecords(ctx.params.tenant!),
    })),
    route('POST', '/call-records/:id/update', (ctx) => ({
      status: 200,
      json: control.updateCallRecord(ctx.params.id!),
    })),
    route('PUT', '/call-records/settings', async (ctx) => ({
      status: 200,
      json: control.setCallRecordSettings(await readJsonObject(ctx)),
    })),
    route('GET', '/subscriptions', () => ({ status: 200, json: control.subscriptions() })),
    route('GET', '/deliveries', () => ({ status: 200, json: control.deliveries() })),
    route('DELETE', '/subscriptions/:id', (ctx) => {
      control.dropSubscription(ctx.params.id!);
      return { status: 204 };
    }),
    route('PUT', '/subscriptions/:id/expirationDateTime', async (ctx) => {
      const b = await readJsonObject(ctx);
      control.setSubscriptionExpiry(ctx.params.id!, String(b.expirationDateTime));
      return { status: 204 };
    }),
    route('POST', '/subscriptions/:id/lifecycle', async (ctx) => {
      const b = await readJsonObject(ctx);
      control.lifecycle(ctx.params.id!, String(b.event));
      return { status: 204 };
    }),
  ];
};
