import dgram from 'node:dgram';
import net from 'node:net';
import {
  appendRr,
  readTsig,
  responseTsig,
  tsigErrorName,
  type TsigKey,
  type TsigRecord,
  verifyRequest,
} from './tsig.ts';
import {
  CLASS,
  fromRdata,
  type Message,
  OPCODE,
  opcodeName,
  parseMessage,
  type ParsedRr,
  RCODE,
  rcodeName,
  RECORD_TYPES,
  type RecordType,
  type Rr,
  toRdata,
  TYPE,
  typeName,
  encodeMessage,
} from './wire.ts';
import { openStateFile } from '@trunkline/emulator-state';
import { applyUpdate, createZone, inZone, query, soaSerial, type StoredRr, type Zone } from './zone.ts';

export type { RecordType } from './wire.ts';
export type { TsigKey } from './tsig.ts';

/** A record in presentation form: `name` without the trailing dot; TXT `value` is the whole text. */
export type DnsRecord = { name: string; type: RecordType; ttl: number; value: string };

export type DnsEmulatorOptions = {
  /** UDP and TCP port (the same for both); 0 or absent: a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Zones served authoritatively. SOA (serial 1) and NS at the apex are added unless given. */
  zones: { name: string; records?: DnsRecord[] }[];
  /** TSIG keys allowed to UPDATE every zone (`secret` base64). */
  keys: TsigKey[];
  /** The clock for TSIG time checks and signatures (ms since the epoch); default Date.now. */
  now?: () => number;
  /**
   * A JSON file that keeps the zones' records (and so their SOA serials) across restarts: read at start if it
   * exists (records of a zone in `zones` replace its given records; zones no longer given are dropped; a bad file
   * is set aside as `<file>.corrupt-<time>`), written after changes (at most every 500 ms) and on stop. Default:
   * none, the zones live in memory.
   */
  stateFile?: string;
};

/** One request the emulator answered, for tests. */
export type LoggedRequest = {
  transport: 'udp' | 'tcp';
  opcode: string;
  /** The question (QUERY) or zone (UPDATE) name and type. */
  name: string;
  type: string;
  rcode: string;
  /** The TSIG key name the request was signed with, and the TSIG error of the answer if not NOERROR. */
  key?: string;
  tsigError?: string;
  truncated?: boolean;
};

export type DnsEmulator = {
  host: string;
  port: number;
  /** `host:port`, e.g. for `Resolver#setServers`. */
  address: string;
  /** All records of one zone (or of every zone), SOA and NS included. */
  records(zone?: string): DnsRecord[];
  /** Sets an RRset directly (as a foreign change would), bumping the serial; `[]` deletes it. */
  set(name: string, type: Exclude<RecordType, 'SOA'>, values: string[], ttl?: number): void;
  /** The zone's current SOA serial. */
  serial(zone: string): number;
  /** Requests answered since the start or the last reset, oldest first. */
  readonly requests: readonly LoggedRequest[];
  /** Restores the zones as given at start and empties the request log. */
  reset(): void;
  /**
   * An outage of the server: closes its UDP and TCP sockets (UDP queries go unanswered, TCP connections are
   * refused), keeping the zones. `resume()` binds the same port again.
   */
  suspend(): Promise<void>;
  resume(): Promise<void>;
  /** Whether the server is suspended. */
  readonly suspended: boolean;
  stop(): Promise<void>;
};

const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100 } as const;
const UDP_LIMIT = 512;
const EDNS_LIMIT = 1232;

const normalise = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** The zones of a state file read back: names, and RRs with whole-number types and TTLs and base64 RDATA. */
const validateZones = (state: unknown): Zone[] => {
  if (!Array.isArray(state)) throw new Error('state must be a list of zones');
  return state.map((z: unknown, i): Zone => {
    const zone = z as { name?: unknown; rrs?: unknown };
    if (typeof zone?.name !== 'string' || !Array.isArray(zone.rrs))
      throw new Error(`zone ${i} must have a name and a list of rrs`);
    const rrs = zone.rrs.map((r: unknown, j): StoredRr => {
      const rr = r as Record<string, unknown>;
      if (
        typeof rr?.name !== 'string' ||
        !Number.isInteger(rr.type) ||
        !Number.isInteger(rr.ttl) ||
        typeof rr.rdata !== 'string'
      )
        throw new Error(`zone ${zone.name as string} rr ${j} must be {name, type, ttl, rdata}`);
      return {
        name: rr.name,
        type: rr.type as number,
        ttl: rr.ttl as number,
        rdata: Buffer.from(rr.rdata, 'base64'),
      };
    });
    const name = zone.name;
    if (!rrs.some((rr) => rr.name === name && rr.type === TYPE.SOA && rr.rdata.length >= 22))
      throw new Error(`zone ${name} has no SOA at its apex`);
    return { name, rrs };
  });
};

/**
 * Starts an authoritative DNS server for in-memory zones on UDP and TCP (the same port) on loopback.
 *
 * - QUERY for A, AAAA, TXT, SOA, NS, CNAME (and ANY): authoritative answers (AA), CNAME chains inside the zone,
 *   NXDOMAIN vs NOERROR/NODATA with the SOA in the authority section, REFUSED outside its zones. UDP answers
 *   over 512 bytes (or the EDNS size the client offers, at most 1232) are truncated (TC, no records), so clients
 *   ask again over TCP.
 * - UPDATE (RFC 2136) only when signed with one of `keys` (TSIG HMAC-SHA256, RFC 8945): unsigned → REFUSED;
 *   unknown key → NOTAUTH/BADKEY, wrong MAC → NOTAUTH/BADSIG, time beyond the fudge → NOTAUTH/BADTIME (as BIND
 *   answers). Prerequisites (§3.2) are evaluated and updates (§3.4) applied atomically; the SOA serial is bumped
 *   on every change. Signed requests get signed answers.
 */
export async function startDnsEmulator(options: DnsEmulatorOptions): Promise<DnsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.now ?? Date.now;
  const keys = new Map(options.keys.map((k) => [normalise(k.name), { ...k, name: normalise(k.name) }]));
  const build = () =>
    options.zones.map((z) =>
      createZone(
        normalise(z.name),
        (z.records ?? []).map((r) => ({ ...r, name: normalise(r.name) })),
      ),
    );
  let zones: Zone[] = build();
  const requests: LoggedRequest[] = [];
  const persisted = options.stateFile
    ? openStateFile({
        file: options.stateFile,
        format: 'trunkline-dns-emulator',
        version: 1,
        validate: validateZones,
        snapshot: () =>
          zones.map((z) => ({
            name: z.name,
            rrs: z.rrs.map((rr) => ({ ...rr, rdata: rr.rdata.toString('base64') })),
          })),
      })
    : undefined;
  if (persisted?.loaded) {
    const saved = new Map(persisted.loaded.map((z) => [z.name, z]));
    zones = zones.map((z) => saved.get(z.name) ?? z);
  }
  persisted?.changed();

  const zoneOf = (name: string) =>
    zones.filter((z) => inZone(z.name, name)).sort((a, b) => b.name.length - a.name.length)[0];

  const handle = (buf: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
    if (buf.length < 12 || (buf.readUInt16BE(2) & FLAG.QR) !== 0) return undefined; // garbage or a response
    const id = buf.readUInt16BE(0);
    const requestFlags = buf.readUInt16BE(2);
    const opcode = (requestFlags >> 11) & 0xf;
    let message: Message | undefined;
    let tsig: TsigRecord | undefined;
    try {
      message = parseMessage(buf);
      tsig = readTsig(buf, message);
    } catch {
      message = undefined;
    }
    const question = message?.questions[0];
    const entry: LoggedRequest = {
      transport,
      opcode: opcodeName(opcode),
      name: question?.name ?? '',
      type: question ? typeName(question.type) : '',
      rcode: 'NOERROR',
      ...(tsig ? { key: tsig.rr.name } : {}),
    };
    requests.push(entry);

    const opt = message?.additionals.find((rr) => rr.type === TYPE.OPT);
    const limit =
      transport === 'tcp' ? 65_535 : opt ? Math.max(UDP_LIMIT, Math.min(opt.klass, EDNS_LIMIT)) : UDP_LIMIT;
    let signing: { tsig: TsigRecord; key?: TsigKey; requestMac?: Buffer; error: number } | undefined;

    const respond = (
      rcode: number,
      body: { aa?: boolean; answers?: StoredRr[]; authorities?: StoredRr[] } = {},
    ) => {
      entry.rcode = rcodeName(rcode);
      const encode = (truncate: boolean) => {
        const flags =
          FLAG.QR |
          (opcode << 11) |
          (body.aa ? FLAG.AA : 0) |
          (truncate ? FLAG.TC : 0) |
          (requestFlags & FLAG.RD) |
          (rcode & 0xf);
        const asRr = (rr: StoredRr): Rr => ({ ...rr, klass: CLASS.IN });
        const unsigned = encodeMessage({
          id,
          flags,
          questions: message?.questions ?? [],
          answers: truncate ? [] : (body.answers ?? []).map(asRr),
          authorities: truncate ? [] : (body.authorities ?? []).map(asRr),
          additionals: opt
            ? [{ name: '', type: TYPE.OPT, klass: EDNS_LIMIT, ttl: 0, rdata: Buffer.alloc(0) }]
            : [],
        });
        return signing
          ? appendRr(unsigned, responseTsig(unsigned, signing, signing.error, Math.floor(clock() / 1000)))
          : unsigned;
      };
      const full = encode(false);
      if (full.length <= limit) return full;
      entry.truncated = true;
      return encode(true);
    };

    if (!message) return respond(RCODE.FORMERR);
    if (opcode !== OPCODE.QUERY && opcode !== OPCODE.UPDATE) return respond(RCODE.NOTIMP);

    if (tsig) {
      const verdict = verifyRequest(buf, tsig, keys, Math.floor(clock() / 1000));
      signing = {
        tsig,
        error: verdict.ok ? 0 : verdict.error,
        ...(verdict.key ? { key: verdict.key, requestMac: verdict.requestMac } : {}),
      };
      if (!verdict.ok) {
        entry.tsigError = tsigErrorName(verdict.error);
        return respond(RCODE.NOTAUTH);
      }
    }

    if (opcode === OPCODE.QUERY) {
      if (message.questions.length !== 1 || !question) return respond(RCODE.FORMERR);
      if (question.klass !== CLASS.IN && question.klass !== CLASS.ANY) return respond(RCODE.REFUSED);
      const zone = zoneOf(question.name);
      if (!zone) return respond(RCODE.REFUSED);
      if (question.type === TYPE.AXFR || question.type === TYPE.IXFR) return respond(RCODE.NOTIMP);
      const { rcode, answers, authorities } = query(zone, question.name, question.type);
      return respond(rcode, { aa: true, answers, authorities });
    }

    // UPDATE (RFC 2136 §3.1: the zone section names exactly one zone, type SOA).
    if (message.questions.length !== 1 || !question || question.type !== TYPE.SOA)
      return respond(RCODE.FORMERR);
    const zone = zones.find((z) => z.name === question.name);
    if (!zone || question.klass !== CLASS.IN) return respond(RCODE.NOTAUTH);
    if (!tsig) return respond(RCODE.REFUSED);
    const rcode = applyUpdate(zone, message.answers, message.authorities);
    if (rcode === RCODE.NOERROR) persisted?.changed();
    return respond(rcode);
  };

  // --- Sockets ---------------------------------------------------------------------------------------------

  const family = net.isIPv6(host) ? 'udp6' : 'udp4';
  const bindUdp = (port: number) =>
    new Promise<dgram.Socket>((resolve, reject) => {
      const socket = dgram.createSocket(family);
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve(socket);
      });
    });
  const tcpSockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    tcpSockets.add(socket);
    socket.on('close', () => tcpSockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const request = received.subarray(2, 2 + received.readUInt16BE(0));
        received = received.subarray(2 + request.length);
        const response = safeHandle(request, 'tcp');
        if (response) {
          const length = Buffer.alloc(2);
          length.writeUInt16BE(response.length);
          socket.write(Buffer.concat([length, response]));
        }
      }
    });
  });
  const listenTcp = (port: number) =>
    new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });

  /** A bug in the emulator answers SERVFAIL (and says so in the log) rather than hanging the client. */
  const safeHandle = (buf: Buffer, transport: 'udp' | 'tcp') => {
    try {
      return handle(buf, transport);
    } catch (err) {
      process.stderr.write(`dns emulator: ${(err as Error).stack ?? String(err)}\n`);
      const response = Buffer.from(buf.subarray(0, 12));
      response.writeUInt16BE(FLAG.QR | (buf.readUInt16BE(2) & 0x7800) | RCODE.SERVFAIL, 2);
      response.fill(0, 4, 12);
      return response;
    }
  };

  // Same port for UDP and TCP: with port 0, take UDP's free port and retry if TCP finds it taken.
  let udp: dgram.Socket | undefined;
  for (let attempt = 0; !udp; attempt++) {
    const socket = await bindUdp(options.port ?? 0);
    try {
      await listenTcp(socket.address().port);
      udp = socket;
    } catch (err) {
      socket.close();
      if (options.port || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 20) throw err;
    }
  }
  const serveUdp = (socket: dgram.Socket) =>
    socket.on('message', (buf, remote) => {
      const response = safeHandle(buf, 'udp');
      if (response) socket.send(response, remote.port, remote.address);
    });
  let udpSocket: dgram.Socket | null = serveUdp(udp);
  const port = udp.address().port;
  const closeSockets = async () => {
    for (const socket of tcpSockets) socket.destroy();
    const socket = udpSocket;
    udpSocket = null;
    await Promise.all([
      socket ? new Promise<void>((resolve) => socket.close(() => resolve())) : undefined,
      tcp.listening ? new Promise<void>((resolve) => tcp.close(() => resolve())) : undefined,
    ]);
  };

  const zoneNamed = (name: string) => {
    const zone = zones.find((z) => z.name === normalise(name));
    if (!zone) throw new Error(`The DNS emulator has no zone ${name}.`);
    return zone;
  };
  const present = (zone: Zone): DnsRecord[] =>
    zone.rrs.map((rr) => {
      const type = RECORD_TYPES.find((t) => TYPE[t] === rr.type);
      if (!type) throw new Error(`unexpected stored type ${rr.type}`);
      return { name: rr.name, type, ttl: rr.ttl, value: fromRdata(rr.type, rr.rdata) };
    });

  return {
    host,
    port,
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    records: (zone) => (zone ? present(zoneNamed(zone)) : zones.flatMap(present)),
    set(name, type, values, ttl = 3600) {
      const owner = normalise(name);
      const zone = zoneOf(owner);
      if (!zone) throw new Error(`${name} is in none of the emulator's zones.`);
      const rr = (klass: number, rdata: Buffer, rrTtl: number): ParsedRr => ({
        name: owner,
        type: TYPE[type],
        klass,
        ttl: rrTtl,
        rdata,
        start: 0,
        rdataStart: 0,
      });
      const updates = [
        rr(CLASS.ANY, Buffer.alloc(0), 0),
        ...values.map((v) => rr(CLASS.IN, toRdata(type, v), ttl)),
      ];
      const rcode = applyUpdate(zone, [], updates);
      if (rcode !== RCODE.NOERROR) throw new Error(`set ${name} ${type} failed: ${rcodeName(rcode)}`);
      persisted?.changed();
    },
    serial: (zone) => soaSerial(zoneNamed(zone)),
    reset() {
      zones = build();
      requests.length = 0;
      persisted?.changed();
    },
    get suspended() {
      return udpSocket === null;
    },
    async suspend() {
      await closeSockets();
    },
    async resume() {
      if (udpSocket) return;
      const socket = await bindUdp(port);
      await listenTcp(port).catch((err: unknown) => {
        socket.close();
        throw err;
      });
      udpSocket = serveUdp(socket);
    },
    async stop() {
      await closeSockets();
      persisted?.close();
    },
  };
}
