import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { canonicalName, ownerInZone } from './names.ts';
import {
  DnsError,
  type DnsErrorKind,
  type DnsProvider,
  type DnsRecord,
  type RecordType,
} from './dns-provider.ts';

/**
 * RFC 2136 dynamic DNS update with TSIG (RFC 8945, HMAC-SHA256), over UDP with TCP fallback.
 *
 * `dns-packet` formats decoded addresses (RFC 5952 for IPv6). It cannot encode class NONE, RRs with empty RDATA
 * (RFC 2136 deletes and prerequisites), the UPDATE opcode or TSIG, it ignores RDLENGTH when decoding A/AAAA (so
 * it misreads the empty-RDATA RRs a server may echo), and its encoder misreads some valid IPv6 forms; so the
 * message framing (header, names, RRs), address encoding and TSIG are written and walked here.
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

const TYPE = { A: 1, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250, ANY: 255 } as const;
const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
const OPCODE = { QUERY: 0, UPDATE: 5 } as const;
const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];
const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
} as const;
const TSIG_ERROR_NAMES: Record<number, string> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  19: 'BADMODE',
  20: 'BADNAME',
  21: 'BADALG',
  22: 'BADTRUNC',
};
const TSIG_ERROR = { BADSIG: 16, BADKEY: 17, BADTIME: 18 } as const;
const ALGORITHM = 'hmac-sha256';
const MAC_LENGTH = 32;
/** Seconds of clock difference accepted in either direction (RFC 8945 recommends 300). */
const FUDGE = 300;
/** The largest DNS message over UDP without EDNS (RFC 1035 §4.2.1); we send no EDNS OPT record. */
const UDP_LIMIT = 512;
const EMPTY = Buffer.alloc(0);

const rcodeName = (rcode: number) => RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
const tsigErrorName = (error: number) => TSIG_ERROR_NAMES[error] ?? `TSIG error ${error}`;

// --- Wire format ----------------------------------------------------------------------------------------

type Rr = { name: string; type: number; klass: number; ttl: number; rdata: Buffer };
type ParsedRr = Rr & { start: number; rdataStart: number };
type Question = { name: string; type: number; klass: number };
type Message = {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rcode: number;
  arcount: number;
  questions: Question[];
  answers: ParsedRr[];
  authorities: ParsedRr[];
  additionals: ParsedRr[];
};

const u16 = (value: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
};

const u48 = (value: number) => {
  const b = Buffer.alloc(6);
  b.writeUIntBE(value, 0, 6);
  return b;
};

/** Uncompressed wire form of a name given without the trailing dot ('' is the root). */
function encodeName(name: string): Buffer {
  const labels = name === '' ? [] : name.split('.');
  return Buffer.concat([
    ...labels.map((label) => {
      const bytes = Buffer.from(label, 'ascii');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
    Buffer.from([0]),
  ]);
}

function encodeRr({ name, type, klass, ttl, rdata }: Rr): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(klass, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), fixed, rdata]);
}

/**
 * A message from its header fields and sections. For UPDATE the four sections are Zone (in question format),
 * Prerequisite, Update and Additional (RFC 2136 §2).
 */
function encodeMessage(m: {
  id: number;
  opcode: number;
  questions: Question[];
  answers?: Rr[];
  authorities?: Rr[];
}): Buffer {
  const answers = m.answers ?? [];
  const authorities = m.authorities ?? [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(m.id, 0);
  header.writeUInt16BE(m.opcode << 11, 2); // QR=0, RD=0: we ask the primary itself, never a recursor
  header.writeUInt16BE(m.questions.length, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(authorities.length, 8);
  header.writeUInt16BE(0, 10);
  return Buffer.concat([
    header,
    ...m.questions.map((q) => Buffer.concat([encodeName(q.name), u16(q.type), u16(q.klass)])),
    ...answers.map(encodeRr),
    ...authorities.map(encodeRr),
  ]);
}

/** A name at `offset` (following compression pointers, which must point backwards), lower-cased. */
function decodeName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let position = offset;
  let end = -1;
  for (let hops = 0; ; hops++) {
    if (hops > 127) throw new Error('name too long or looping');
    const length = buf.readUInt8(position);
    if (length === 0) {
      if (end < 0) end = position + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      const pointer = buf.readUInt16BE(position) & 0x3fff;
      if (pointer >= position) throw new Error('forward compression pointer');
      if (end < 0) end = position + 2;
      position = pointer;
      continue;
    }
    if (length > 63) throw new Error('bad label length');
    if (position + 1 + length > buf.length) throw new Error('label past the end');
    labels.push(buf.toString('latin1', position + 1, position + 1 + length).toLowerCase());
    position += 1 + length;
  }
  return { name: labels.join('.'), end };
}

/** Walks a message; throws on anything that does not fit its buffer. */
function parseMessage(buf: Buffer): Message {
  if (buf.length < 12) throw new Error('shorter than a header');
  const flags = buf.readUInt16BE(2);
  let offset = 12;
  const questions: Question[] = [];
  for (let i = 0; i < buf.readUInt16BE(4); i++) {
    const { name, end } = decodeName(buf, offset);
    questions.push({ name, type: buf.readUInt16BE(end), klass: buf.readUInt16BE(end + 2) });
    offset = end + 4;
  }
  const section = (count: number) => {
    const rrs: ParsedRr[] = [];
    for (let i = 0; i < count; i++) {
      const start = offset;
      const { name, end } = decodeName(buf, offset);
      const length = buf.readUInt16BE(end + 8);
      const rdataStart = end + 10;
      if (rdataStart + length > buf.length) throw new Error('RDATA past the end');
      rrs.push({
        name,
        type: buf.readUInt16BE(end),
        klass: buf.readUInt16BE(end + 2),
        ttl: buf.readUInt32BE(end + 4),
        rdata: buf.subarray(rdataStart, rdataStart + length),
        start,
        rdataStart,
      });
      offset = rdataStart + length;
    }
    return rrs;
  };
  const answers = section(buf.readUInt16BE(6));
  const authorities = section(buf.readUInt16BE(8));
  const arcount = buf.readUInt16BE(10);
  const additionals = section(arcount);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    arcount,
    questions,
    answers,
    authorities,
    additionals,
  };
}

// --- RDATA ------------------------------------------------------------------------------------------------

/** TXT text as RDATA: its UTF-8 bytes cut into character strings of at most 255 bytes (RFC 1035 §3.3.14). */
function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i === 0 || i < bytes.length; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

function txtValue(rdata: Buffer): string {
  const parts: Buffer[] = [];
  for (let i = 0; i < rdata.length;) {
    const length = rdata.readUInt8(i);
    if (i + 1 + length > rdata.length) throw new Error('TXT character string past the end');
    parts.push(rdata.subarray(i + 1, i + 1 + length));
    i += 1 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** An address's RDATA. dns-packet's encoder mis-reads some valid IPv6 forms (`::0:0:0:0:0:0:1` becomes `::`). */
function addressRdata(value: string): Buffer {
  if (net.isIPv4(value)) return Buffer.from(value.split('.').map(Number));
  const groups = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = value.split('::');
  const start = groups(head);
  const end = tail === undefined ? [] : groups(tail);
  const all = [...start, ...Array<number>(8 - start.length - end.length).fill(0), ...end];
  const rdata = Buffer.alloc(16);
  all.forEach((group, i) => rdata.writeUInt16BE(group, 2 * i));
  return rdata;
}

/** RDATA of a value already checked (`checkValue`): an address, or TXT text. */
const rdataOf = (type: RecordType, value: string): Buffer =>
  type === 'TXT' ? txtRdata(value) : addressRdata(value);

function valueOf(type: RecordType, rdata: Buffer): string {
  if (type === 'TXT') return txtValue(rdata);
  if (rdata.length !== (type === 'A' ? 4 : 16)) throw new Error(`${type} RDATA of ${rdata.length} bytes`);
  // dns-packet formats addresses (RFC 5952 for IPv6); it needs a whole message around the RDATA.
  const header = Buffer.alloc(12);
  header.writeUInt16BE(1, 6);
  const rr = encodeRr({ name: '', type: TYPE[type], klass: CLASS.IN, ttl: 0, rdata });
  const answer = dnsPacket.decode(Buffer.concat([header, rr])).answers?.[0];
  if (!answer || !('data' in answer) || typeof answer.data !== 'string')
    throw new Error(`undecodable ${type} RDATA`);
  return answer.data;
}

// --- TSIG (RFC 8945) --------------------------------------------------------------------------------------

type Tsig = {
  rr: ParsedRr;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
};

/** The TSIG variables the MAC covers after the message (RFC 8945 §4.3.3), names in canonical form. */
function tsigVariables(
  keyName: string,
  t: { timeSigned: number; fudge: number; error: number; other: Buffer },
) {
  return Buffer.concat([
    encodeName(keyName),
    u16(CLASS.ANY),
    Buffer.alloc(4), // TTL 0
    encodeName(ALGORITHM),
    u48(t.timeSigned),
    u16(t.fudge),
    u16(t.error),
    u16(t.other.length),
    t.other,
  ]);
}

/** The TSIG RR of a message: the last additional record (anywhere else it is a format error). */
function readTsig(buf: Buffer, message: Message): Tsig | undefined {
  const index = message.additionals.findIndex((rr) => rr.type === TYPE.TSIG);
  if (index < 0) return undefined;
  if (index !== message.additionals.length - 1) throw new Error('TSIG is not the last record');
  const rr = message.additionals[index]!;
  const { name: algorithm, end } = decodeName(buf, rr.rdataStart);
  const macSize = buf.readUInt16BE(end + 8);
  const afterMac = end + 10 + macSize;
  const otherLength = buf.readUInt16BE(afterMac + 4);
  if (afterMac + 6 + otherLength !== rr.rdataStart + rr.rdata.length) throw new Error('bad TSIG RDATA');
  return {
    rr,
    algorithm,
    timeSigned: buf.readUIntBE(end, 6),
    fudge: buf.readUInt16BE(end + 6),
    mac: buf.subarray(end + 10, afterMac),
    originalId: buf.readUInt16BE(afterMac),
    error: buf.readUInt16BE(afterMac + 2),
    other: buf.subarray(afterMac + 6, afterMac + 6 + otherLength),
  };
}

type Key = { name: string; secret: Buffer };

/** Appends a TSIG RR to an unsigned message: MAC over the message and the TSIG variables (RFC 8945 §4.3.3). */
function sign(unsigned: Buffer, key: Key, nowSeconds: number): { bytes: Buffer; mac: Buffer } {
  const variables = { timeSigned: nowSeconds, fudge: FUDGE, error: 0, other: EMPTY };
  const mac = createHmac('sha256', key.secret)
    .update(unsigned)
    .update(tsigVariables(key.name, variables))
    .digest();
  const rdata = Buffer.concat([
    encodeName(ALGORITHM),
    u48(nowSeconds),
    u16(FUDGE),
    u16(mac.length),
    mac,
    u16(unsigned.readUInt16BE(0)), // original ID
    u16(0), // error
    u16(0), // other length
  ]);
  const bytes = Buffer.concat([
    unsigned,
    encodeRr({ name: key.name, type: TYPE.TSIG, klass: CLASS.ANY, ttl: 0, rdata }),
  ]);
  bytes.writeUInt16BE(unsigned.readUInt16BE(10) + 1, 10);
  return { bytes, mac };
}

/**
 * Checks a response's TSIG (RFC 8945 §5.3): same key and algorithm, a full-length MAC over the request's MAC,
 * the response without its TSIG (original ID, ARCOUNT less one) and the TSIG variables, and a signing time
 * within the fudge. Returns why it does not verify, or undefined.
 */
function verifyResponse(buf: Buffer, tsig: Tsig, requestMac: Buffer, key: Key, nowSeconds: number) {
  if (tsig.rr.name !== key.name) return `it is signed with key '${tsig.rr.name}'`;
  if (tsig.algorithm !== ALGORITHM) return `it is signed with algorithm ${tsig.algorithm}`;
  if (tsig.mac.length !== MAC_LENGTH) return `its MAC has ${tsig.mac.length} bytes`;
  const unsigned = Buffer.from(buf.subarray(0, tsig.rr.start));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(buf.readUInt16BE(10) - 1, 10);
  const expected = createHmac('sha256', key.secret)
    .update(u16(requestMac.length))
    .update(requestMac)
    .update(unsigned)
    .update(tsigVariables(key.name, tsig))
    .digest();
  if (!timingSafeEqual(expected, tsig.mac)) return 'its MAC does not verify';
  if (tsig.error !== TSIG_ERROR.BADTIME && Math.abs(nowSeconds - tsig.timeSigned) > tsig.fudge)
    return `it was signed ${nowSeconds - tsig.timeSigned} s ago, beyond the fudge of ${tsig.fudge} s`;
  return undefined;
}

// --- Transport --------------------------------------------------------------------------------------------

type Target = { host: string; port: number; family: 4 | 6 };
type Exchanged = { buf: Buffer; transport: 'UDP' | 'TCP'; attempts: number };
type Failure = { kind: 'timeout' | 'unreachable' | 'malformed'; detail: string; cause?: unknown };

class TransportError extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.detail, { cause: failure.cause });
    this.failure = failure;
  }
}

const networkFailure = (err: unknown): TransportError => {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new TransportError({
    kind: code === 'ETIMEDOUT' ? 'timeout' : 'unreachable',
    detail: `${code}: ${(err as Error).message}`,
    cause: err,
  });
};

/**
 * One request over UDP on a connected socket (only the server's address is heard), retransmitting the same
 * bytes after each `timeoutMs` up to `retries` times; answers with another ID are ignored (RFC 5452).
 */
function udpExchange(
  target: Target,
  request: Buffer,
  timeoutMs: number,
  retries: number,
): Promise<Exchanged> {
  const id = request.readUInt16BE(0);
  const socket = dgram.createSocket(target.family === 6 ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      outcome();
    };
    const attempt = () => {
      attempts++;
      socket.send(request, (err) => {
        if (err) finish(() => reject(networkFailure(err)));
      });
      timer = setTimeout(() => {
        if (attempts <= retries) return attempt();
        finish(() =>
          reject(
            new TransportError({
              kind: 'timeout',
              detail: `no answer within ${timeoutMs} ms to ${attempts} attempts over UDP`,
            }),
          ),
        );
      }, timeoutMs);
    };
    socket.on('error', (err) => finish(() => reject(networkFailure(err))));
    socket.on('message', (buf) => {
      if (buf.length < 12 || buf.readUInt16BE(0) !== id) return;
      finish(() => resolve({ buf, transport: 'UDP', attempts }));
    });
    socket.connect(target.port, target.host, attempt);
  });
}

/** One request over TCP, framed with the 2-byte length prefix (RFC 1035 §4.2.2 / RFC 7766). */
function tcpExchange(target: Target, request: Buffer, timeoutMs: number): Promise<Exchanged> {
  const id = request.readUInt16BE(0);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let received = EMPTY;
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new TransportError({ kind: 'timeout', detail: `no answer within ${timeoutMs} ms over TCP` }),
          ),
        ),
      timeoutMs,
    );
    socket.on('connect', () => socket.write(Buffer.concat([u16(request.length), request])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const buf = received.subarray(2, 2 + received.readUInt16BE(0));
        received = received.subarray(2 + buf.length);
        if (buf.length >= 12 && buf.readUInt16BE(0) === id)
          return finish(() => resolve({ buf, transport: 'TCP', attempts: 1 }));
      }
    });
    socket.on('error', (err) => finish(() => reject(networkFailure(err))));
    socket.on('close', () =>
      finish(() =>
        reject(
          new TransportError({
            kind: 'malformed',
            detail: 'the server closed the TCP connection unanswered',
          }),
        ),
      ),
    );
  });
}

function parseServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  const hostPort = /^([^:]+)(?::(\d+))?$/.exec(server);
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : hostPort
      ? [hostPort[1]!, hostPort[2]]
      : net.isIPv6(server)
        ? [server, undefined]
        : [undefined, undefined];
  const portNumber = port === undefined ? 53 : Number(port);
  if (!host || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535)
    throw new DnsError('invalid', `The DNS server '${server}' is not a host or host:port.`);
  return { host, port: portNumber };
}

// --- The adapter ------------------------------------------------------------------------------------------

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
  if (options.tsig.algorithm !== ALGORITHM)
    throw new DnsError('invalid', `The TSIG algorithm of key '${keyName}' must be ${ALGORITHM}.`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(options.tsig.secret) || options.tsig.secret.length % 4 !== 0)
    throw new DnsError('invalid', `The secret of TSIG key '${keyName}' is not base64.`);
  const key: Key = { name: keyName, secret: Buffer.from(options.tsig.secret, 'base64') };
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
    const rdata = rdataOf(type, value);
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
  ): Promise<{ message: Message; tsig: Tsig | undefined; attempts: number }> => {
    const target = await resolveTarget();
    const signed = () => {
      const unsigned = build(randomInt(0x10000));
      if (unsigned.length > 65_000) throw fail('invalid', `The ${what} does not fit in one DNS message.`);
      return { ...sign(unsigned, key, Math.floor(Date.now() / 1000)), unsigned };
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
    let tsig: Tsig | undefined;
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
  const rejection = (what: string, message: Message, tsig: Tsig | undefined): DnsError => {
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
          `The DNS server ${server} does not know TSIG key '${key.name}' with algorithm ${ALGORITHM} for the ${what} in zone '${zone}' (${rcode}/BADKEY): check the key name and algorithm configured on the server.`,
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
        opcode: OPCODE.UPDATE,
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
        opcode: OPCODE.QUERY,
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
          now.every((r) => r.ttl === ttl && want.has(rdataOf(type, r.value).toString('hex')))
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
