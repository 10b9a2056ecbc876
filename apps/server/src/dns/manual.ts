import { Resolver } from 'node:dns/promises';
import { canonicalIpv6, canonicalName, checkedValue, ownerInZone } from './names.ts';
import {
  DnsError,
  type DnsErrorKind,
  type DnsProvider,
  type DnsRecord,
  type RecordType,
} from './dns-provider.ts';

/**
 * "Manual" DNS: the provider's zone is kept by hand at a DNS host Trunkline cannot write to. The operator creates
 * the records; this adapter only checks them.
 *
 * Protocol decisions:
 * - Reads are ordinary DNS queries through node:dns's `Resolver` pointed at the operator's chosen servers
 *   (ideally the zone's authoritative name servers): what they answer is what Microsoft and SIP peers will see,
 *   which is the only thing that matters for a zone nobody here writes. Each provider has its own resolver
 *   channel, never the system's, and node does not cache answers between queries, so a record the operator just
 *   created is seen on the next check (a caching resolver in `servers` may still answer from its cache until the
 *   TTL ends).
 * - Writes never send anything. `add`, `replace` and `remove` read first: when the records are already as wanted
 *   they succeed (so a re-check after the operator's change passes); otherwise they fail with
 *   'manual-action-required', whose `records` list exactly what to create and delete, and whose message says it
 *   in words. Values are compared, not TTLs (a caching resolver counts TTLs down). `replace`'s `expected` is not
 *   needed: nothing is written, so nothing can be clobbered.
 * - node:dns does not tell TXT TTLs; TXT records read carry `ttl` 0 (unknown). A/AAAA carry the TTL answered.
 * - Resolver errors map to the port's kinds: no such name / no data → no records; REFUSED/NOTIMP → 'refused';
 *   SERVFAIL → 'server-failure'; timeouts → 'timeout'; connection refused → 'unreachable'; bad answers →
 *   'malformed'.
 */

export type ManualDnsOptions = {
  /** The zone apex, e.g. `sbc1.provider.net` (no trailing dot). */
  zone: string;
  /** Resolvers to check with: IP addresses with an optional port (`192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:53`). */
  servers: string[];
  /** Per query attempt; default 2000 ms. */
  timeoutMs?: number;
  /** Attempts per server; default 2. */
  tries?: number;
};

/** One record the operator must create or delete at the DNS host. */
export type ManualRecordAction = NonNullable<DnsError['records']>[number];

const describe = (r: ManualRecordAction) =>
  `${r.type} ${r.name} ${r.type === 'TXT' ? JSON.stringify(r.value) : r.value}${r.action === 'create' ? ` (TTL ${r.ttl})` : ''}`;

/** The manual adapter of the DNS port (see the protocol decisions above). */
export function createManualDnsProvider(options: ManualDnsOptions): DnsProvider {
  const zone = canonicalName(options.zone.replace(/\.$/, ''));
  if (!zone) throw new DnsError('invalid', `The zone '${options.zone}' is not a valid DNS name.`);
  if (options.servers.length === 0)
    throw new DnsError('invalid', `No resolver is configured to check zone '${zone}' with.`);
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  try {
    resolver.setServers(options.servers);
  } catch (err) {
    throw new DnsError(
      'invalid',
      `The resolvers '${options.servers.join(', ')}' for zone '${zone}' are not IP addresses with optional ports: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const servers = options.servers.join(', ');

  const fail = (
    kind: DnsErrorKind,
    message: string,
    extra: { cause?: unknown; records?: ManualRecordAction[] } = {},
  ) => new DnsError(kind, message, extra);

  const checkName = (name: string): string => ownerInZone(name, zone, 'nothing was checked');

  /** The value as compared: addresses checked (IPv6 canonical), TXT text as is. */

  const checkTtl = (ttl: number) => {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2_147_483_647)
      throw fail('invalid', `The TTL ${ttl} is not a whole number of seconds between 0 and 2147483647.`);
  };

  const lookup = async (owner: string, type: RecordType): Promise<{ value: string; ttl: number }[]> => {
    if (type === 'A')
      return resolver
        .resolve4(owner, { ttl: true })
        .then((rs) => rs.map((r) => ({ value: r.address, ttl: r.ttl })));
    if (type === 'AAAA')
      return resolver
        .resolve6(owner, { ttl: true })
        .then((rs) => rs.map((r) => ({ value: canonicalIpv6(r.address), ttl: r.ttl })));
    return resolver.resolveTxt(owner).then((rs) => rs.map((chunks) => ({ value: chunks.join(''), ttl: 0 })));
  };

  const read = async (name: string, type: RecordType): Promise<DnsRecord[]> => {
    const owner = checkName(name);
    const what = `query for ${owner} ${type}`;
    let found: { value: string; ttl: number }[];
    try {
      found = await lookup(owner, type);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      const detail = `${code || 'error'}: ${(err as Error).message}`;
      const [kind, advice]: [DnsErrorKind, string] =
        code === 'EREFUSED' || code === 'ENOTIMP'
          ? [
              'refused',
              `it does not answer for zone '${zone}'; configure resolvers that do (the zone's name servers)`,
            ]
          : code === 'ESERVFAIL'
            ? ['server-failure', `it could not resolve names of zone '${zone}'`]
            : code === 'ETIMEOUT'
              ? ['timeout', 'check the addresses and that their port is open to us']
              : code === 'ECONNREFUSED'
                ? ['unreachable', 'check the addresses and ports']
                : code === 'EBADRESP' || code === 'EFORMERR' || code === 'EBADNAME'
                  ? ['malformed', 'its answer could not be read']
                  : ['server-failure', 'look at the resolver'];
      throw fail(kind, `The resolver ${servers} failed the ${what} (${detail}): ${advice}.`, { cause: err });
    }
    const byValue = new Map(found.map((r) => [r.value, r.ttl]));
    return [...byValue].map(([value, ttl]) => ({ name: owner, type, ttl, value }));
  };

  /** Succeeds when nothing is to be done, else fails with the records to create and delete. */
  const ensureDone = (changes: ManualRecordAction[]) => {
    if (changes.length === 0) return;
    const creates = changes.filter((c) => c.action === 'create').map(describe);
    const deletes = changes.filter((c) => c.action === 'delete').map(describe);
    const todo = [
      ...(creates.length ? [`create ${creates.join('; ')}`] : []),
      ...(deletes.length ? [`delete ${deletes.join('; ')}`] : []),
    ].join(', and ');
    throw fail(
      'manual-action-required',
      `Zone '${zone}' is kept by hand: at its DNS host, ${todo}. Then check again (the records are checked through ${servers}).`,
      { records: changes },
    );
  };

  return {
    kind: 'manual',
    zone,
    read,

    async replace(name, type, values, ttl) {
      const owner = checkName(name);
      checkTtl(ttl);
      const wanted = [...new Set(values.map((v) => checkedValue(type, v)))];
      const current = await read(owner, type);
      const have = new Set(current.map((r) => r.value));
      ensureDone([
        ...wanted
          .filter((value) => !have.has(value))
          .map((value): ManualRecordAction => ({ action: 'create', name: owner, type, ttl, value })),
        ...current
          .filter((r) => !wanted.includes(r.value))
          .map((r): ManualRecordAction => ({ action: 'delete', ...r })),
      ]);
    },

    async add(record) {
      const owner = checkName(record.name);
      checkTtl(record.ttl);
      const value = checkedValue(record.type, record.value);
      const current = await read(owner, record.type);
      if (current.some((r) => r.value === value)) return;
      ensureDone([{ action: 'create', name: owner, type: record.type, ttl: record.ttl, value }]);
    },

    async remove(record) {
      const owner = checkName(record.name);
      const value = checkedValue(record.type, record.value);
      const present = (await read(owner, record.type)).find((r) => r.value === value);
      if (present) ensureDone([{ action: 'delete', ...present }]);
    },
  };
}
