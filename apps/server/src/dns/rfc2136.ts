import { randomInt } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import {
  addressValue,
  CLASS,
  encodeMessage,
  type Message,
  OPCODE,
  opcodeFlags,
  parseMessage,
  RCODE,
  rcodeName,
  readTsig,
  type Rr,
  signRequest,
  toRdata,
  TSIG_ALGORITHM,
  TSIG_ERROR,
  tsigErrorName,
  type TsigKey,
  type TsigRecord,
  txtValue,
  TYPE,
  verifyResponse,
} from '@trunkline/dns-wire';
import { canonicalName, ownerInZone } from './names.ts';
import {
  DnsError,
  type DnsErrorKind,
  type DnsProvider,
  type DnsRecord,
  type RecordType,
} from './dns-provider.ts';
import {
  parseServer,
  tcpExchange,
  TransportError,
  udpExchange,
  type Exchanged,
  type Target,
} from './rfc2136-transport.ts';

/**
 * RFC 2136 dynamic DNS update with TSIG (RFC 8945, HMAC-SHA256), over UDP with TCP fallback.
 *
 * The message framing, RDATA and TSIG are `@trunkline/dns-wire` (shared with the DNS emulator; BIND9 and `dig`
 * in the system tier are the independent check); the sockets are `rfc2136-transport.ts`. This file decides what
 * to send and what an answer means.
 */

export type Rfc2136Options = {
  /** The zone's primary server: `host` or `host:port` (`[v6]:port`); port 53 by default. */
  server: string;
  /** The zone apex, e.g. `sbc1.provider.net` (no trailing dot). */
  zone: string;
  /** The TSIG key the server grants updates to; `secret` is base64 (as in BIND's `key` statement). */
  tsig: { name: string; algorithm: 'hmac-sha256'; secret: string };
  /** How long one UDP attempt (or the whole TCP exchange) waits for the answer; default 2000 ms. */
  timeoutMs?: number;
  /** UDP retransmissions after the first attempt; default 2. */
  retries?: number;
};

/** The largest DNS message over UDP without EDNS (RFC 1035 §4.2.1); we send no EDNS OPT record. */
const UDP_LIMIT = 512;
const EMPTY = Buffer.alloc(0);

/** The value of an A, AAAA or TXT record's RDATA; throws when it does not decode as its type. */
const valueOf = (type: RecordType, rdata: Buffer): string =>
  type === 'TXT' ? txtValue(rdata) : addressValue(type, rdata);

/**
 * The RFC 2136 adapter of the DNS port.
 *
 * Protocol decisions:
 * - Every message (updates and reads) is TSIG-signed and the server's answer must carry a valid TSIG over our
 *   request's MAC (RFC 8945 §5.3): a success (or "no such name") that is unsigned or does not verify is
 *   reported as 'unverified-response', so a spoofed or corrupted UDP answer can never make us believe a change
 *   was applied or that a record is absent. TSIG error answers (BADKEY, BADSIG) are unsigned by design and are
 *   reported as such.
 * - Writes carry prerequisites (RFC 2136 §2.4): `replace` with `expected` turns into compare-and-swap ("RRset
 *   exists" with exactly the expected values, or "RRset does not exist"), so two writers cannot silently
 *   overwrite each other; every write also requires that no CNAME exists at the name, because a server silently
 *   ignores A/AAAA/TXT added next to a CNAME (§3.4.2.2) and the write would look successful.
 * - UDP first (one round trip, what every server supports); TCP when the request does not fit 512 bytes (we send
 *   no EDNS) or the answer comes back truncated (TC), e.g. a large TXT RRset. UDP attempts are retransmitted
 *   with the same bytes; if a retransmitted compare-and-swap fails its prerequisite, the RRset is read back and
 *   the write counts as done when it already holds the target values (the first copy was applied, its answer
 *   lost).
 * - Reads are normal queries (RD=0) to the same primary and must come back authoritative (AA), so they see
 *   the zone as the server holds it, without any cache.
 */
export function createRfc2136Provider(options: Rfc2136Options): DnsProvider {
  const { host, port } = parseServer(options.server);
  const server = options.server;
  const zone = canonicalName(options.zone.replace(/\.$/, ''));
  if (!zone) throw new DnsError('invalid', `The zone '${options.zone}' is not a valid DNS name.`);
  const keyName = canonicalName(options.tsig.name.replace(/\.$/, ''));
  if (!keyName)
    throw new DnsError('invalid', `The TSIG key name '${options.tsig.name}' is not a valid DNS name.`);
  if (options.tsig.algorithm !== TSIG_ALGORITHM)
    throw new DnsError('invalid', `The TSIG algorithm of key '${keyName}' must be ${TSIG_ALGORITHM}.`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(options.tsig.secret) || options.tsig.secret.length % 4 !== 0)
    throw new DnsError('invalid', `The secret of TSIG key '${keyName}' is not base64.`);
  const key: TsigKey = { name: keyName, algorithm: TSIG_ALGORITHM, secret: options.tsig.secret };
  const timeoutMs = options.timeoutMs ?? 2000;
  const retries = options.retries ?? 2;

  const fail = (
    kind: DnsErrorKind,
    message: string,
    extra: { rcode?: string; tsigError?: string; cause?: unknown } = {},
  ) => new DnsError(kind, message, extra);

  const resolveTarget = async (): Promise<Target> => {
    const family = net.isIP(host);
    if (family === 4 || family === 6) return { host, port, family };
    try {
      const found = await lookup(host);
      return { host: found.address, port, family: found.family === 6 ? 6 : 4 };
    } catch (err) {
      throw fail(
        'unreachable',
        `The DNS server ${server} for zone '${zone}' cannot be resolved: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  };

  const checkName = (name: string): string => ownerInZone(name, zone, `nothing was sent to ${server}`);

  const checkValue = (type: RecordType, value: string): Buffer => {
    const ok =
      type === 'A' ? net.isIPv4(value) : type === 'AAAA' ? net.isIPv6(value) && !value.includes('%') : true;
    if (!ok) throw fail('invalid', `'${value}' is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address.`);
    const rdata = toRdata(type, value);
    if (rdata.length > 65_000)
      throw fail('invalid', `The ${type} value is too long (${rdata.length} bytes).`);
    return rdata;
  };

  const checkTtl = (ttl: number) => {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2_147_483_647)
      throw fail('invalid', `The TTL ${ttl} is not a whole number of seconds between 0 and 2147483647.`);
  };

  /**
   * Signs and sends one message and returns the verified answer. UDP first unless the message is over 512 bytes;
   * a truncated UDP answer is asked again over TCP (freshly signed, new ID).
   */
  const exchange = async (
    what: string,
    build: (id: number) => Buffer,
  ): Promise<{ message: Message; tsig: TsigRecord | undefined; attempts: number }> => {
    const target = await resolveTarget();
    const signed = () => {
      const unsigned = build(randomInt(0x10000));
      if (unsigned.length > 65_000) throw fail('invalid', `The ${what} does not fit in one DNS message.`);
      return { ...signRequest(unsigned, key, Math.floor(Date.now() / 1000)), unsigned };
    };
    let request = signed();
    let exchanged: Exchanged;
    try {
      exchanged =
        request.bytes.length <= UDP_LIMIT
          ? await udpExchange(target, request.bytes, timeoutMs, retries)
          : await tcpExchange(target, request.bytes, timeoutMs);
      if (
        exchanged.transport === 'UDP' &&
        exchanged.buf.length >= 4 &&
        (exchanged.buf.readUInt16BE(2) & 0x0200) !== 0
      ) {
        request = signed();
        exchanged = await tcpExchange(target, request.bytes, timeoutMs);
      }
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      const { kind, detail } = err.failure;
      const message =
        kind === 'timeout'
          ? `The DNS server ${server} did not answer the ${what} (zone '${zone}', key '${key.name}'): ${detail}. Check the address and that its port is open to us.`
          : kind === 'unreachable'
            ? `The DNS server ${server} cannot be reached for the ${what} (zone '${zone}', key '${key.name}'): ${detail}. Check the address and port.`
            : `The DNS server ${server} did not answer the ${what} (zone '${zone}'): ${detail}.`;
      throw fail(kind, message, { cause: err });
    }

    const { buf, attempts } = exchanged;
    let message: Message;
    let tsig: TsigRecord | undefined;
    try {
      message = parseMessage(buf);
      tsig = readTsig(buf, message);
    } catch (err) {
      throw fail(
        'malformed',
        `The answer of DNS server ${server} to the ${what} cannot be parsed: ${(err as Error).message}.`,
        {
          cause: err,
        },
      );
    }
    const sent = parseMessage(request.unsigned);
    const echo = message.questions[0];
    if (
      !message.qr ||
      message.opcode !== sent.opcode ||
      (echo && (echo.name !== sent.questions[0]?.name || echo.type !== sent.questions[0]?.type))
    )
      throw fail(
        'malformed',
        `The answer of DNS server ${server} does not match the ${what} (zone '${zone}').`,
      );

    if (
      tsig &&
      (tsig.error === TSIG_ERROR.BADKEY || tsig.error === TSIG_ERROR.BADSIG) &&
      tsig.mac.length === 0
    )
      return { message, tsig, attempts }; // unsigned by design (RFC 8945 §5.3.2); interpreted by the caller
    const unverified = tsig
      ? verifyResponse(buf, tsig, request.mac, key, Math.floor(Date.now() / 1000))
      : 'it carries no TSIG record';
    const claimsSuccess =
      message.rcode === RCODE.NOERROR ||
      (message.opcode === OPCODE.QUERY && message.rcode === RCODE.NXDOMAIN);
    if (unverified && (claimsSuccess || tsig?.error === TSIG_ERROR.BADTIME))
      throw fail(
        'unverified-response',
        `The answer of DNS server ${server} to the ${what} (zone '${zone}') is not signed with key '${key.name}' as expected: ${unverified}. It was not trusted; check the key secret on both sides (the change may or may not have been applied).`,
        { rcode: rcodeName(message.rcode) },
      );
    return { message, tsig, attempts };
  };

  /** Turns a non-success answer into the DnsError of its rcode and TSIG error. */
  const rejection = (what: string, message: Message, tsig: TsigRecord | undefined): DnsError => {
    const rcode = rcodeName(message.rcode);
    const where = `(zone '${zone}', key '${key.name}')`;
    if (tsig && tsig.error !== 0) {
      const tsigError = tsigErrorName(tsig.error);
      const extra = { rcode, tsigError };
      if (tsig.error === TSIG_ERROR.BADSIG)
        return fail(
          'bad-signature',
          `The DNS server ${server} rejected the TSIG signature of key '${key.name}' for the ${what} in zone '${zone}' (${rcode}/BADSIG): check the key secret.`,
          extra,
        );
      if (tsig.error === TSIG_ERROR.BADKEY)
        return fail(
          'bad-key',
          `The DNS server ${server} does not know TSIG key '${key.name}' with algorithm ${TSIG_ALGORITHM} for the ${what} in zone '${zone}' (${rcode}/BADKEY): check the key name and algorithm configured on the server.`,
          extra,
        );
      if (tsig.error === TSIG_ERROR.BADTIME) {
        const serverTime = tsig.other.length === 6 ? tsig.other.readUIntBE(0, 6) : undefined;
        const skew =
          serverTime === undefined ? '' : ` its clock is ${serverTime - tsig.timeSigned} s off ours;`;
        return fail(
          'bad-time',
          `The DNS server ${server} rejected the signing time of key '${key.name}' for the ${what} in zone '${zone}' (${rcode}/BADTIME):${skew} synchronise the clocks (NTP).`,
          extra,
        );
      }
      return fail(
        'bad-signature',
        `The DNS server ${server} rejected the TSIG of key '${key.name}' for the ${what} in zone '${zone}' (${rcode}/${tsigError}).`,
        extra,
      );
    }
    switch (message.rcode) {
      case RCODE.NOTAUTH:
        return fail(
          'not-authoritative',
          `The DNS server ${server} is not authoritative for zone '${zone}' (NOTAUTH) and rejected the ${what}: point the provider at the zone's primary server.`,
          { rcode },
        );
      case RCODE.NOTZONE:
        return fail(
          'not-in-zone',
          `The DNS server ${server} says the ${what} names something outside zone '${zone}' (NOTZONE).`,
          { rcode },
        );
      case RCODE.REFUSED:
      case RCODE.NOTIMP:
        return fail(
          'refused',
          what.startsWith('query')
            ? `The DNS server ${server} refused the ${what} ${where} (${rcode}): it does not serve zone '${zone}' to us; point the provider at the zone's primary server.`
            : `The DNS server ${server} refused the ${what} ${where} (${rcode}): allow the key to update the zone (BIND: update-policy or allow-update).`,
          { rcode },
        );
      case RCODE.FORMERR:
        return fail(
          'malformed',
          `The DNS server ${server} rejected the ${what} ${where} as malformed (FORMERR).`,
          { rcode },
        );
      case RCODE.YXDOMAIN:
      case RCODE.YXRRSET:
        return fail(
          'prerequisite-failed',
          `The ${what} was not applied: records exist that were expected not to, or the name has a CNAME (${rcode} from ${server}, zone '${zone}'). Read them again and retry.`,
          { rcode },
        );
      case RCODE.NXDOMAIN:
      case RCODE.NXRRSET:
        return fail(
          'prerequisite-failed',
          `The ${what} was not applied: the records changed since they were read (${rcode} from ${server}, zone '${zone}'). Read them again and retry.`,
          { rcode },
        );
      default:
        return fail(
          'server-failure',
          `The DNS server ${server} failed to process the ${what} ${where} (${rcode}): look at the server's log.`,
          { rcode },
        );
    }
  };

  /** Sends an UPDATE: Zone section (the apex, SOA, IN), Prerequisite and Update sections (RFC 2136 §2). */
  const update = async (
    what: string,
    prerequisites: Rr[],
    updates: Rr[],
    appliedAfterAll?: () => Promise<boolean>,
  ) => {
    const { message, tsig, attempts } = await exchange(what, (id) =>
      encodeMessage({
        id,
        flags: opcodeFlags(OPCODE.UPDATE),
        questions: [{ name: zone, type: TYPE.SOA, klass: CLASS.IN }],
        answers: prerequisites,
        authorities: updates,
      }),
    );
    if (message.rcode === RCODE.NOERROR && !tsig?.error) return;
    const error = rejection(what, message, tsig);
    if (error.kind === 'prerequisite-failed' && attempts > 1 && appliedAfterAll && (await appliedAfterAll()))
      return;
    throw error;
  };

  const read = async (name: string, type: RecordType): Promise<DnsRecord[]> => {
    const owner = checkName(name);
    const what = `query for ${owner} ${type}`;
    const { message, tsig } = await exchange(what, (id) =>
      encodeMessage({
        id,
        flags: opcodeFlags(OPCODE.QUERY),
        questions: [{ name: owner, type: TYPE[type], klass: CLASS.IN }],
      }),
    );
    if (message.rcode === RCODE.NXDOMAIN && !tsig?.error) return [];
    if (message.rcode !== RCODE.NOERROR || tsig?.error) throw rejection(what, message, tsig);
    if (!message.aa)
      throw fail(
        'not-authoritative',
        `The DNS server ${server} answered the ${what} without authority: it is not the primary of zone '${zone}'.`,
      );
    try {
      return message.answers
        .filter((rr) => rr.name === owner && rr.type === TYPE[type] && rr.klass === CLASS.IN)
        .map((rr) => ({ name: owner, type, ttl: rr.ttl, value: valueOf(type, rr.rdata) }));
    } catch (err) {
      throw fail(
        'malformed',
        `The answer of DNS server ${server} to the ${what} has an undecodable record: ${(err as Error).message}.`,
        { cause: err },
      );
    }
  };

  /** Prerequisite "no CNAME RRset at the name" (RFC 2136 §2.4.3). */
  const noCname = (owner: string): Rr => ({
    name: owner,
    type: TYPE.CNAME,
    klass: CLASS.NONE,
    ttl: 0,
    rdata: EMPTY,
  });

  const unique = (type: RecordType, values: string[]) => {
    const byRdata = new Map<string, { value: string; rdata: Buffer }>();
    for (const value of values) {
      const rdata = checkValue(type, value);
      byRdata.set(rdata.toString('hex'), { value, rdata });
    }
    return [...byRdata.values()];
  };

  return {
    kind: 'rfc2136',
    zone,
    read,

    async replace(name, type, values, ttl, expected) {
      const owner = checkName(name);
      checkTtl(ttl);
      const target = unique(type, values);
      const prerequisites: Rr[] = [noCname(owner)];
      if (expected?.length === 0)
        prerequisites.push({ name: owner, type: TYPE[type], klass: CLASS.NONE, ttl: 0, rdata: EMPTY });
      else if (expected)
        for (const { rdata } of unique(type, expected))
          prerequisites.push({ name: owner, type: TYPE[type], klass: CLASS.IN, ttl: 0, rdata });
      const updates: Rr[] = [
        { name: owner, type: TYPE[type], klass: CLASS.ANY, ttl: 0, rdata: EMPTY },
        ...target.map(({ rdata }) => ({ name: owner, type: TYPE[type], klass: CLASS.IN, ttl, rdata })),
      ];
      const holdsTarget = async () => {
        const now = await read(owner, type);
        const want = new Set(target.map(({ rdata }) => rdata.toString('hex')));
        return (
          now.length === want.size &&
          now.every((r) => r.ttl === ttl && want.has(toRdata(type, r.value).toString('hex')))
        );
      };
      await update(`update of ${owner} ${type}`, prerequisites, updates, holdsTarget);
    },

    async add(record) {
      const owner = checkName(record.name);
      checkTtl(record.ttl);
      const rdata = checkValue(record.type, record.value);
      await update(
        `addition to ${owner} ${record.type}`,
        [noCname(owner)],
        [{ name: owner, type: TYPE[record.type], klass: CLASS.IN, ttl: record.ttl, rdata }],
      );
    },

    async remove(record) {
      const owner = checkName(record.name);
      const rdata = checkValue(record.type, record.value);
      // Class NONE, TTL 0, the exact RDATA: deletes this one RR (RFC 2136 §2.5.4); absent is silently ignored.
      await update(
        `deletion from ${owner} ${record.type}`,
        [],
        [{ name: owner, type: TYPE[record.type], klass: CLASS.NONE, ttl: 0, rdata }],
      );
    },
  };
}
