import net from 'node:net';
import { canonicalIpv6, canonicalName, checkedValue, ownerInZone } from './names.ts';
import {
  DnsError,
  type DnsErrorKind,
  type DnsProvider,
  type DnsRecord,
  type RecordType,
} from './dns-provider.ts';

/**
 * Azure DNS through Azure Resource Manager: the record-set operations of `Microsoft.Network/dnsZones`, api-version
 * 2018-05-01 (Record Sets - Get / Create Or Update / Delete), with an app-only ARM token.
 *
 * Protocol decisions:
 * - Azure DNS has no per-record operations: a record set (one name and type) is read and written whole, one TTL
 *   for all its records. `add` and `remove` are read-modify-write of the set.
 * - Compare-and-swap uses ARM's etags: every change gives a record set a new etag, and a write or delete carrying
 *   `If-Match: <etag read>` applies only if nobody changed the set since (412 PreconditionFailed otherwise, nothing
 *   applied); `If-None-Match: *` makes a PUT only create. `replace` with `expected` reads the set, checks that it
 *   still holds exactly the expected values (else 'prerequisite-failed' before anything is written) and writes with
 *   its etag (`If-None-Match: *` when `expected` is empty), so a change between the read and the write fails with
 *   'prerequisite-failed' too. `add`/`remove` always write with the etag they read and, after a 412, read again
 *   and retry once, since a concurrent change of other records of the set is no reason to fail.
 * - A write that finds the set already as wanted sends nothing (the etag stays, no churn for other writers).
 *   Writes keep the set's `metadata` (tags other tools put there).
 * - TXT text goes out as one record whose `value` is the list of its character strings, cut at 255 UTF-8 bytes
 *   (never inside a character) as DNS requires; read back, the strings are joined.
 * - 429 and 503 are retried after `Retry-After` (seconds or an HTTP date; 1 s, 2 s, 4 s without it) up to
 *   4 attempts and 30 s of waiting in all; a write that was retried and then fails its precondition is read back
 *   and counts as done when the set holds what it wrote (the first attempt was applied, its answer lost).
 * - Errors: 401 (token rejected) → 'bad-key'; 403 (no RBAC role such as DNS Zone Contributor on the zone) →
 *   'refused'; 404 for the zone, its resource group or subscription → 'not-authoritative'; 400 → 'invalid';
 *   412/409 → 'prerequisite-failed'; other 5xx and throttling beyond the bound → 'server-failure'; no answer →
 *   'unreachable' / 'timeout'; an answer that cannot be read → 'malformed'.
 */

export type AzureDnsOptions = {
  /** Azure Resource Manager; default `https://management.azure.com`. */
  armBaseUrl?: string;
  subscriptionId: string;
  resourceGroup: string;
  /** The DNS zone resource's name, which is the zone apex, e.g. `sbc1.provider.net` (no trailing dot). */
  zone: string;
  /**
   * An app-only token for ARM (Entra client credentials, scope `https://management.azure.com/.default`), asked for
   * before every request; the caller caches and renews it.
   */
  token: () => Promise<string>;
  /** How retries wait; default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** How long one HTTP request may take; default 30 000 ms. */
  timeoutMs?: number;
};

const API_VERSION = '2018-05-01';
const MAX_ATTEMPTS = 4;
const MAX_TOTAL_WAIT_MS = 30_000;
const TXT_CHUNK = 255;
const RECORD_KEYS: Record<RecordType, 'ARecords' | 'AAAARecords' | 'TXTRecords'> = {
  A: 'ARecords',
  AAAA: 'AAAARecords',
  TXT: 'TXTRecords',
};
/**
 * The 404 codes of a record set that does not exist. Any other 404 (ParentResourceNotFound, ResourceGroupNotFound,
 * SubscriptionNotFound, or a 404 without an ARM body, e.g. a wrong base URL) means the zone is not there.
 */
const RECORD_SET_MISSING = new Set(['notfound', 'resourcenotfound']);

/** TXT text as character strings of at most 255 UTF-8 bytes, never splitting a character. */
function txtChunks(value: string): string[] {
  const chunks: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > TXT_CHUNK) {
      chunks.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  chunks.push(chunk);
  return chunks;
}

type RecordSet = {
  etag: string;
  ttl: number;
  values: string[];
  metadata: Record<string, string> | undefined;
};
type Answer = { status: number; json: unknown; attempts: number };

const sameValues = (a: string[], b: string[]) => {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((v) => set.has(v));
};

/**
 * The Azure DNS adapter of the DNS port (see the protocol decisions above). Names are fully qualified without the
 * trailing dot and must lie in `zone`; the record set's name relative to the zone is sent (`@` for the apex).
 */
export function createAzureDnsProvider(options: AzureDnsOptions): DnsProvider {
  const zone = canonicalName(options.zone.replace(/\.$/, ''));
  if (!zone) throw new DnsError('invalid', `The zone '${options.zone}' is not a valid DNS name.`);
  const { subscriptionId, resourceGroup } = options;
  if (!/^[0-9A-Za-z-]{1,64}$/.test(subscriptionId))
    throw new DnsError('invalid', `The Azure subscription id '${subscriptionId}' is not valid.`);
  if (!/^[-\w.()]{1,90}$/.test(resourceGroup) || resourceGroup.endsWith('.'))
    throw new DnsError('invalid', `The Azure resource group name '${resourceGroup}' is not valid.`);
  const armBaseUrl = (options.armBaseUrl ?? 'https://management.azure.com').replace(/\/+$/, '');
  if (!URL.canParse(armBaseUrl))
    throw new DnsError('invalid', `The Azure Resource Manager URL '${armBaseUrl}' is not a URL.`);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const where = `Azure DNS zone '${zone}' (subscription ${subscriptionId}, resource group ${resourceGroup})`;
  const zoneUrl = `${armBaseUrl}/subscriptions/${encodeURIComponent(subscriptionId)}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Network/dnsZones/${zone}`;

  const fail = (kind: DnsErrorKind, message: string, cause?: unknown) =>
    new DnsError(kind, message, cause === undefined ? {} : { cause });

  const checkName = (name: string): { owner: string; relative: string } => {
    const owner = ownerInZone(name, zone, 'nothing was sent to Azure DNS');
    return { owner, relative: owner === zone ? '@' : owner.slice(0, -zone.length - 1) };
  };

  /** A value in the form Azure stores and this adapter compares: addresses checked (IPv6 canonical), TXT as is. */
  const checkValue = (type: RecordType, value: string): string => {
    if (type !== 'TXT') return checkedValue(type, value);
    if (Buffer.byteLength(value, 'utf8') > 4096)
      throw fail('invalid', `The TXT value is too long for Azure DNS (over 4096 bytes).`);
    return value;
  };

  const checkTtl = (ttl: number) => {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2_147_483_647)
      throw fail('invalid', `The TTL ${ttl} is not a whole number of seconds between 0 and 2147483647.`);
  };

  const unique = (type: RecordType, values: string[]) => [...new Set(values.map((v) => checkValue(type, v)))];

  /** How long to wait before the next attempt after a 429/503, from `Retry-After` (seconds or HTTP date). */
  const retryDelay = (res: Response, attempt: number) => {
    const header = res.headers.get('retry-after');
    const seconds = header === null ? NaN : Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = header === null ? NaN : Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
    return 1000 * 2 ** (attempt - 1);
  };

  /** One ARM call with retries of 429/503; resolves to any other answer, parsed. */
  const call = async (
    what: string,
    method: 'GET' | 'PUT' | 'DELETE',
    url: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ): Promise<Answer> => {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      let token: string;
      try {
        token = await options.token();
      } catch (err) {
        throw fail(
          'bad-key',
          `No Azure Resource Manager token for the ${what} in ${where}: ${(err as Error).message}`,
          err,
        );
      }
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError')
          throw fail(
            'timeout',
            `Azure Resource Manager did not answer the ${what} in ${where} within ${timeoutMs} ms.`,
            err,
          );
        const cause = (err as Error & { cause?: Error }).cause;
        throw fail(
          'unreachable',
          `Azure Resource Manager (${armBaseUrl}) cannot be reached for the ${what} in ${where}: ${cause?.message ?? (err as Error).message}.`,
          err,
        );
      }
      if (res.status === 429 || res.status === 503) {
        const delay = retryDelay(res, attempt);
        await res.body?.cancel();
        if (attempt < MAX_ATTEMPTS && waited + delay <= MAX_TOTAL_WAIT_MS) {
          waited += delay;
          await sleep(delay);
          continue;
        }
        throw fail(
          'server-failure',
          res.status === 429
            ? `Azure Resource Manager kept throttling the ${what} in ${where} (429 after ${attempt} attempts, ${waited / 1000} s of waiting): try again later.`
            : `Azure DNS was unavailable for the ${what} in ${where} (503 after ${attempt} attempts): try again later.`,
        );
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? (JSON.parse(text) as unknown) : undefined;
      } catch (err) {
        if (res.ok)
          throw fail(
            'malformed',
            `The answer of Azure Resource Manager to the ${what} in ${where} is not JSON.`,
            err,
          );
        json = undefined;
      }
      return { status: res.status, json, attempts: attempt };
    }
  };

  /** ARM's `{error:{code,message}}` (or a bare `{code,message}`). */
  const armError = (json: unknown): { code: string; message: string } => {
    const o = (json ?? {}) as {
      error?: { code?: unknown; message?: unknown };
      code?: unknown;
      message?: unknown;
    };
    const e = o.error ?? o;
    return {
      code: typeof e.code === 'string' ? e.code : '',
      message: typeof e.message === 'string' ? e.message : '',
    };
  };

  /** The DnsError of an answer that is neither success nor an expected 404/412. */
  const rejection = (what: string, answer: Answer): DnsError => {
    const { status } = answer;
    const { code, message } = armError(answer.json);
    const said = code || message ? ` (${[code, message].filter(Boolean).join(': ')})` : '';
    if (status === 401)
      return fail(
        'bad-key',
        `Azure Resource Manager rejected the token for the ${what} in ${where} (401${said}): check the app's credentials and that the token is for https://management.azure.com.`,
      );
    if (status === 403)
      return fail(
        'refused',
        `Azure Resource Manager refused the ${what} in ${where} (403${said}): give the app's service principal the "DNS Zone Contributor" role on the zone or its resource group.`,
      );
    if (status === 404)
      return fail(
        'not-authoritative',
        `The ${where} does not exist or is not visible to the app (404${said}): check the subscription id, resource group and zone name.`,
      );
    if (status === 409 || status === 412)
      return fail(
        'prerequisite-failed',
        `The ${what} was not applied: the record set changed since it was read (${status}${said}, ${where}). Read it again and retry.`,
      );
    if (status === 400)
      return fail('invalid', `Azure DNS rejected the ${what} in ${where} as invalid (400${said}).`);
    if (status >= 500)
      return fail(
        'server-failure',
        `Azure DNS failed to process the ${what} in ${where} (${status}${said}).`,
      );
    return fail('malformed', `Azure DNS answered the ${what} in ${where} unexpectedly (${status}${said}).`);
  };

  const setUrl = (type: RecordType, relative: string) =>
    `${zoneUrl}/${type}/${relative}?api-version=${API_VERSION}`;

  /** The record set as Azure holds it, or undefined when it does not exist. */
  const getSet = async (
    owner: string,
    relative: string,
    type: RecordType,
  ): Promise<RecordSet | undefined> => {
    const what = `read of ${owner} ${type}`;
    const answer = await call(what, 'GET', setUrl(type, relative));
    if (answer.status === 404 && RECORD_SET_MISSING.has(armError(answer.json).code.toLowerCase()))
      return undefined;
    if (answer.status !== 200) throw rejection(what, answer);
    try {
      const o = answer.json as { etag?: unknown; properties?: Record<string, unknown> };
      const properties = o.properties ?? {};
      const etag = o.etag;
      const ttl = properties.TTL;
      if (typeof etag !== 'string' || typeof ttl !== 'number') throw new Error('no etag or TTL');
      const raw = properties[RECORD_KEYS[type]] ?? [];
      if (!Array.isArray(raw)) throw new Error(`${RECORD_KEYS[type]} is not a list`);
      const values = raw.map((r: Record<string, unknown>) => {
        const v = type === 'A' ? r.ipv4Address : type === 'AAAA' ? r.ipv6Address : r.value;
        if (type === 'TXT') {
          if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
            throw new Error('a TXT value is not strings');
          return v.join('');
        }
        if (typeof v !== 'string' || !(type === 'A' ? net.isIPv4(v) : net.isIPv6(v)))
          throw new Error(`an ${type} record is not an address`);
        return type === 'AAAA' ? canonicalIpv6(v) : v;
      });
      const metadata = properties.metadata;
      return {
        etag,
        ttl,
        values: [...new Set(values)],
        metadata:
          metadata && typeof metadata === 'object' && !Array.isArray(metadata)
            ? (metadata as Record<string, string>)
            : undefined,
      };
    } catch (err) {
      throw fail(
        'malformed',
        `The record set ${owner} ${type} that Azure DNS returned cannot be read: ${(err as Error).message}.`,
        err,
      );
    }
  };

  type Condition = { 'if-match': string } | { 'if-none-match': '*' } | Record<string, never>;

  /** Writes the set as `values` (none: deletes it) under `condition`; false when the condition failed (412). */
  const writeSet = async (
    what: string,
    type: RecordType,
    relative: string,
    values: string[],
    ttl: number,
    metadata: Record<string, string> | undefined,
    condition: Condition,
  ): Promise<{ applied: boolean; retried: boolean }> => {
    const records = values.map((v) =>
      type === 'A' ? { ipv4Address: v } : type === 'AAAA' ? { ipv6Address: v } : { value: txtChunks(v) },
    );
    const answer =
      values.length === 0
        ? await call(what, 'DELETE', setUrl(type, relative), condition)
        : await call(what, 'PUT', setUrl(type, relative), condition, {
            properties: { ...(metadata ? { metadata } : {}), TTL: ttl, [RECORD_KEYS[type]]: records },
          });
    const ok =
      values.length === 0
        ? answer.status === 200 || answer.status === 204
        : answer.status === 200 || answer.status === 201;
    if (ok) return { applied: true, retried: answer.attempts > 1 };
    if (answer.status === 412) return { applied: false, retried: answer.attempts > 1 };
    throw rejection(what, answer);
  };

  const condition = (set: RecordSet | undefined): Condition =>
    set ? { 'if-match': set.etag } : { 'if-none-match': '*' };

  const holds = (set: RecordSet | undefined, values: string[], ttl: number) =>
    values.length === 0
      ? !set || set.values.length === 0
      : !!set && set.ttl === ttl && sameValues(set.values, values);

  const lost = (what: string) =>
    fail(
      'prerequisite-failed',
      `The ${what} was not applied: the record set changed since it was read (412 PreconditionFailed, ${where}). Read it again and retry.`,
    );

  /** Read-modify-write of one record (`add`/`remove`), retried once after a concurrent change. */
  const modify = async (
    what: string,
    owner: string,
    relative: string,
    type: RecordType,
    change: (set: RecordSet | undefined) => { values: string[]; ttl: number } | undefined,
  ) => {
    for (let round = 1; round <= 2; round++) {
      const set = await getSet(owner, relative, type);
      const next = change(set);
      if (!next) return;
      const { applied, retried } = await writeSet(
        what,
        type,
        relative,
        next.values,
        next.ttl,
        set?.metadata,
        condition(set),
      );
      if (applied) return;
      if (retried && change(await getSet(owner, relative, type)) === undefined) return;
    }
    throw lost(what);
  };

  return {
    kind: 'azure-dns',
    zone,

    async read(name, type): Promise<DnsRecord[]> {
      const { owner, relative } = checkName(name);
      const set = await getSet(owner, relative, type);
      if (!set) return [];
      return set.values.map((value) => ({ name: owner, type, ttl: set.ttl, value }));
    },

    async replace(name, type, values, ttl, expected) {
      const { owner, relative } = checkName(name);
      checkTtl(ttl);
      const target = unique(type, values);
      const what = `update of ${owner} ${type}`;
      const set = await getSet(owner, relative, type);
      if (expected && !holds(set, unique(type, expected), set?.ttl ?? ttl))
        throw fail(
          'prerequisite-failed',
          `The ${what} was not applied: the records changed since they were read (they are now ${set?.values.join(', ') || 'absent'}; ${where}). Read them again and retry.`,
        );
      if (holds(set, target, ttl)) return;
      const { applied, retried } = await writeSet(
        what,
        type,
        relative,
        target,
        ttl,
        set?.metadata,
        expected === undefined ? {} : condition(set),
      );
      if (applied) return;
      if (retried && holds(await getSet(owner, relative, type), target, ttl)) return;
      throw lost(what);
    },

    async add(record) {
      const { owner, relative } = checkName(record.name);
      checkTtl(record.ttl);
      const value = checkValue(record.type, record.value);
      await modify(`addition to ${owner} ${record.type}`, owner, relative, record.type, (set) =>
        set?.values.includes(value)
          ? undefined
          : { values: [...(set?.values ?? []), value], ttl: record.ttl },
      );
    },

    async remove(record) {
      const { owner, relative } = checkName(record.name);
      const value = checkValue(record.type, record.value);
      await modify(`deletion from ${owner} ${record.type}`, owner, relative, record.type, (set) =>
        set?.values.includes(value)
          ? { values: set.values.filter((v) => v !== value), ttl: set.ttl }
          : undefined,
      );
    },
  };
}
