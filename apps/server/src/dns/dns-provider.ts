/**
 * The port for DNS automation of customer subdomains (`<label>.<provider SBC base domain>`): the A/AAAA
 * records of the SBC addresses and the `MS=ms…` TXT record Microsoft asks for to verify a domain.
 * The real adapter is RFC 2136 dynamic update with TSIG (`rfc2136.ts`); the sandbox points it at
 * `emulators/dns`.
 */

export type RecordType = 'A' | 'AAAA' | 'TXT';

/**
 * One resource record. `name` is a fully qualified name without the trailing dot (`woodgrove.sbc1.provider.net`),
 * `value` an address (A, AAAA) or the whole text of a TXT record (its 255-byte character strings joined).
 */
export type DnsRecord = { name: string; type: RecordType; ttl: number; value: string };

export type DnsProvider = {
  /** The adapter, for logs and audit records: `'rfc2136'`. */
  readonly kind: string;
  /** The zone the provider writes to (names outside it are rejected before anything is sent). */
  readonly zone: string;
  /** The records of one name and type as the zone's primary server answers (authoritative, no cache). */
  read(name: string, type: RecordType): Promise<DnsRecord[]>;
  /**
   * Makes the RRset exactly `values` (empty: deletes it). `expected` = the values read before: the change is
   * applied only if the RRset still holds exactly those values (empty: only if it does not exist), so a
   * concurrent foreign change fails with 'prerequisite-failed' instead of being clobbered. Without
   * `expected` the RRset is overwritten whatever it holds.
   */
  replace(name: string, type: RecordType, values: string[], ttl: number, expected?: string[]): Promise<void>;
  /** Adds one record, leaving the others of the RRset alone; no-op if present. */
  add(record: DnsRecord): Promise<void>;
  /** Deletes exactly one record, leaving the others of the RRset alone; no-op if absent. */
  remove(record: Omit<DnsRecord, 'ttl'>): Promise<void>;
};

/**
 * Why a DNS operation failed. Stable; callers branch on it.
 * - `invalid`: the input was rejected before anything was sent (name outside the zone, bad address, TTL, …).
 * - `bad-key` / `bad-signature` / `bad-time`: the server rejected the TSIG key name, its MAC (wrong secret) or
 *   its time (clock skew beyond the fudge): TSIG errors BADKEY, BADSIG, BADTIME with rcode NOTAUTH.
 * - `unverified-response`: the server's answer was not signed with the key, or its MAC or time did not verify:
 *   it cannot be trusted (the update may or may not have been applied).
 * - `not-authoritative`: the server is not authoritative for the zone (NOTAUTH, or an answer without AA).
 * - `not-in-zone`: the server says a name is outside the zone (NOTZONE).
 * - `refused`: the server's policy refuses the operation (REFUSED, NOTIMP).
 * - `prerequisite-failed`: the records changed since they were read (NXRRSET, YXRRSET, NXDOMAIN, YXDOMAIN), or a
 *   CNAME at the name makes the write impossible.
 * - `server-failure`: SERVFAIL or another unexpected rcode.
 * - `unreachable` / `timeout`: no answer (connection refused, network error / nothing within the timeout).
 * - `malformed`: the server answered FORMERR, or its answer could not be parsed or did not match the request.
 */
export type DnsErrorKind =
  | 'invalid'
  | 'bad-key'
  | 'bad-signature'
  | 'bad-time'
  | 'unverified-response'
  | 'not-authoritative'
  | 'not-in-zone'
  | 'refused'
  | 'prerequisite-failed'
  | 'server-failure'
  | 'unreachable'
  | 'timeout'
  | 'malformed'
  /** The provider cannot write (manual DNS): `DnsError.records` lists what to create or delete at the DNS host. */
  | 'manual-action-required';

/**
 * The one error of the DNS port. `message` says in plain words what happened and names the server, zone and
 * key; `rcode` is the server's response code name (`NOTAUTH`, `NXRRSET`, …) and `tsigError` the TSIG error
 * name (`BADSIG`, …) when the server answered with one. Never carries the key secret.
 */
export class DnsError extends Error {
  readonly kind: DnsErrorKind;
  readonly rcode: string | undefined;
  readonly tsigError: string | undefined;
  /** With 'manual-action-required': the exact records to create or delete at the DNS host. */
  readonly records:
    { action: 'create' | 'delete'; name: string; type: RecordType; ttl: number; value: string }[] | undefined;

  constructor(
    kind: DnsErrorKind,
    message: string,
    options: { rcode?: string; tsigError?: string; cause?: unknown; records?: DnsError['records'] } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DnsError';
    this.kind = kind;
    this.rcode = options.rcode;
    this.tsigError = options.tsigError;
    this.records = options.records;
  }
}
