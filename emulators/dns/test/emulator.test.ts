import { createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDnsEmulator, type DnsEmulator, type DnsRecord } from '../src/index.ts';
import { readTsig } from '../src/tsig.ts';
import {
  CLASS,
  encodeMessage,
  encodeName,
  parseMessage,
  RCODE,
  type Rr,
  toRdata,
  TYPE,
  u16,
  u48,
} from '../src/wire.ts';

/**
 * The DNS emulator over real UDP/TCP on loopback: queries through node's resolver (as the Microsoft 365
 * emulator resolves the verification TXT) and raw messages; UPDATEs signed by a small TSIG signer written
 * here, independent of the emulator's own TSIG code.
 */

const ZONE = 'sbc.provider.test';
const KEY = {
  name: 'trunkline',
  algorithm: 'hmac-sha256' as const,
  secret: Buffer.alloc(32, 7).toString('base64'),
};
const WOODGROVE = `woodgrove.${ZONE}`;
const MEDIUM_TXT = 'm'.repeat(600); // over 512 bytes as an answer, under 1232
const BIG_TXT = 'b'.repeat(1500); // over 1232

const SEED: DnsRecord[] = [
  { name: ZONE, type: 'A', ttl: 300, value: '198.51.100.1' },
  { name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' },
  { name: WOODGROVE, type: 'AAAA', ttl: 300, value: '2001:db8::10' },
  { name: WOODGROVE, type: 'TXT', ttl: 3600, value: 'MS=ms12345678' },
  { name: `alias.${ZONE}`, type: 'CNAME', ttl: 300, value: WOODGROVE },
  { name: `a.b.deep.${ZONE}`, type: 'TXT', ttl: 300, value: 'leaf' },
  { name: `medium.${ZONE}`, type: 'TXT', ttl: 300, value: MEDIUM_TXT },
  { name: `big.${ZONE}`, type: 'TXT', ttl: 300, value: BIG_TXT },
];

let emulator: DnsEmulator;
let resolver: Resolver;

beforeAll(async () => {
  emulator = await startDnsEmulator({ zones: [{ name: ZONE, records: SEED }], keys: [KEY] });
  resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([emulator.address]);
});
afterEach(() => emulator.reset());
afterAll(() => emulator.stop());

// --- A client written for the tests ------------------------------------------------------------------------

function sendUdp(port: number, request: Buffer): Promise<Buffer> {
  const socket = dgram.createSocket('udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no UDP answer')), 2000);
    socket.on('message', (buf) => {
      clearTimeout(timer);
      resolve(buf);
    });
    socket.send(request, port, '127.0.0.1');
  }).finally(() => socket.close());
}

function sendTcp(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(Buffer.concat([u16(request.length), request])),
    );
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.destroy();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('error', reject);
  });
}

const tsigVariables = (keyName: string, time: number, error = 0, other: Buffer = Buffer.alloc(0)) =>
  Buffer.concat([
    encodeName(keyName),
    u16(255),
    Buffer.alloc(4),
    encodeName('hmac-sha256'),
    u48(time),
    u16(300),
    u16(error),
    u16(other.length),
    other,
  ]);

/** RFC 8945 request signing, written independently of the emulator's TSIG module. */
function sign(unsigned: Buffer, key: { name: string; secret: string }, time = Math.floor(Date.now() / 1000)) {
  const mac = createHmac('sha256', Buffer.from(key.secret, 'base64'))
    .update(unsigned)
    .update(tsigVariables(key.name, time))
    .digest();
  const rdata = Buffer.concat([
    encodeName('hmac-sha256'),
    u48(time),
    u16(300),
    u16(mac.length),
    mac,
    unsigned.subarray(0, 2),
    u16(0),
    u16(0),
  ]);
  const name = encodeName(key.name);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE.TSIG, 0);
  fixed.writeUInt16BE(CLASS.ANY, 2);
  fixed.writeUInt16BE(rdata.length, 8);
  const bytes = Buffer.concat([unsigned, name, fixed, rdata]);
  bytes.writeUInt16BE(unsigned.readUInt16BE(10) + 1, 10);
  return { bytes, mac };
}

/** Whether an answer's TSIG verifies over the request MAC with the key. */
function answerVerifies(buf: Buffer, requestMac: Buffer, key: { name: string; secret: string }): boolean {
  const tsig = readTsig(buf, parseMessage(buf));
  if (!tsig || tsig.mac.length === 0) return false;
  const unsigned = Buffer.from(buf.subarray(0, tsig.rr.start));
  unsigned.writeUInt16BE(buf.readUInt16BE(10) - 1, 10);
  const expected = createHmac('sha256', Buffer.from(key.secret, 'base64'))
    .update(u16(requestMac.length))
    .update(requestMac)
    .update(unsigned)
    .update(tsigVariables(key.name, tsig.timeSigned, tsig.error, tsig.other))
    .digest();
  return Buffer.compare(expected, tsig.mac) === 0;
}

type UpdateOptions = {
  prerequisites?: Rr[];
  updates?: Rr[];
  key?: { name: string; secret: string } | null;
  time?: number;
  zone?: string;
  transport?: 'udp' | 'tcp';
};

/** Sends an RFC 2136 UPDATE; returns the rcode, the TSIG error and whether the answer verifies. */
async function update(o: UpdateOptions) {
  const unsigned = encodeMessage({
    id: 0x1a2b,
    flags: 5 << 11,
    questions: [{ name: o.zone ?? ZONE, type: TYPE.SOA, klass: CLASS.IN }],
    answers: o.prerequisites ?? [],
    authorities: o.updates ?? [],
  });
  const key = o.key === undefined ? KEY : o.key;
  const signed = key ? sign(unsigned, key, o.time) : { bytes: unsigned, mac: Buffer.alloc(0) };
  const buf = await (o.transport === 'tcp' ? sendTcp : sendUdp)(emulator.port, signed.bytes);
  const message = parseMessage(buf);
  const tsig = readTsig(buf, message);
  return {
    rcode: message.flags & 0xf,
    qr: (message.flags & 0x8000) !== 0,
    tsigError: tsig?.error,
    tsigOther: tsig?.other,
    macLength: tsig?.mac.length,
    verifies: key ? answerVerifies(buf, signed.mac, key) : false,
  };
}

const rr = (name: string, type: keyof typeof TYPE, klass: number, ttl: number, value?: string): Rr => ({
  name,
  type: TYPE[type],
  klass,
  ttl,
  rdata: value === undefined ? Buffer.alloc(0) : toRdata(type as 'A', value),
});
const add = (name: string, type: 'A' | 'AAAA' | 'TXT' | 'CNAME', value: string, ttl = 300) =>
  rr(name, type, CLASS.IN, ttl, value);

const valuesOf = (name: string, type: string) =>
  emulator
    .records()
    .filter((r) => r.name === name && r.type === type)
    .map((r) => r.value);

function rawQuery(name: string, type: 'A' | 'TXT', edns?: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: 4242,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: edns,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ]
      : [],
  });
}

// --- Queries -----------------------------------------------------------------------------------------------

describe('queries', () => {
  it('answers A, AAAA, TXT, SOA, NS and CNAME through node’s resolver', async () => {
    expect(await resolver.resolve4(WOODGROVE)).toEqual(['203.0.113.10']);
    expect(await resolver.resolve6(WOODGROVE)).toEqual(['2001:db8::10']);
    expect(await resolver.resolveTxt(WOODGROVE)).toEqual([['MS=ms12345678']]);
    expect(await resolver.resolveSoa(ZONE)).toMatchObject({
      nsname: `ns1.${ZONE}`,
      hostmaster: `hostmaster.${ZONE}`,
      serial: 1,
    });
    expect(await resolver.resolveNs(ZONE)).toEqual([`ns1.${ZONE}`]);
    expect(await resolver.resolveCname(`alias.${ZONE}`)).toEqual([WOODGROVE]);
    expect(await resolver.resolve4(`alias.${ZONE}`)).toEqual(['203.0.113.10']); // chain followed
  });

  it('sets AA, answers NXDOMAIN vs NODATA with the SOA, and REFUSED outside its zones', async () => {
    const answer = dnsPacket.decode(await sendUdp(emulator.port, rawQuery(WOODGROVE, 'A')));
    expect(answer.flag_aa).toBe(true);
    expect(answer.flags! & 0xf).toBe(RCODE.NOERROR);

    const missing = dnsPacket.decode(await sendUdp(emulator.port, rawQuery(`nope.${ZONE}`, 'A')));
    expect(missing.flags! & 0xf).toBe(RCODE.NXDOMAIN);
    expect(missing.flag_aa).toBe(true);
    expect(missing.authorities?.map((a) => a.type)).toEqual(['SOA']);

    await expect(resolver.resolve4(`nope.${ZONE}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolveTxt(ZONE)).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolveTxt(`deep.${ZONE}`)).rejects.toMatchObject({ code: 'ENODATA' }); // empty non-terminal
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it('truncates UDP answers over 512 bytes (or the EDNS size offered) and answers whole over TCP', async () => {
    const plain = dnsPacket.decode(await sendUdp(emulator.port, rawQuery(`medium.${ZONE}`, 'TXT')));
    expect(plain.flag_tc).toBe(true);
    expect(plain.answers).toEqual([]);

    const edns = await sendUdp(emulator.port, rawQuery(`medium.${ZONE}`, 'TXT', 1232));
    expect(dnsPacket.decode(edns).flag_tc).toBe(false);
    expect(edns.length).toBeGreaterThan(512);

    const tcp = dnsPacket.decode(await sendTcp(emulator.port, rawQuery(`big.${ZONE}`, 'TXT')));
    expect(tcp.flag_tc).toBe(false);
    const data = (tcp.answers?.[0] as dnsPacket.TxtAnswer).data as Buffer[];
    expect(data.map((chunk) => chunk.length)).toEqual([255, 255, 255, 255, 255, 225]);
    expect(Buffer.concat(data).toString()).toBe(BIG_TXT);

    // node's resolver gets TC over UDP and asks again over TCP.
    expect((await resolver.resolveTxt(`big.${ZONE}`))[0]?.join('')).toBe(BIG_TXT);
    expect(emulator.requests.filter((r) => r.name === `big.${ZONE}`).map((r) => r.transport)).toContain(
      'tcp',
    );
  });
});

// --- UPDATE ------------------------------------------------------------------------------------------------

describe('updates', () => {
  it('applies a signed UPDATE over UDP or TCP, bumps the serial and signs its answer', async () => {
    const udp = await update({ updates: [add(`new.${ZONE}`, 'A', '192.0.2.1')] });
    expect(udp).toMatchObject({ rcode: RCODE.NOERROR, qr: true, tsigError: 0, verifies: true });
    const tcp = await update({ updates: [add(`new.${ZONE}`, 'TXT', 'hello')], transport: 'tcp' });
    expect(tcp).toMatchObject({ rcode: RCODE.NOERROR, verifies: true });

    expect(await resolver.resolve4(`new.${ZONE}`)).toEqual(['192.0.2.1']);
    expect(await resolver.resolveTxt(`new.${ZONE}`)).toEqual([['hello']]);
    expect(emulator.serial(ZONE)).toBe(3);
    expect(emulator.requests.filter((r) => r.opcode === 'UPDATE').map((r) => [r.transport, r.key])).toEqual([
      ['udp', 'trunkline'],
      ['tcp', 'trunkline'],
    ]);
  });

  it('refuses unsigned updates and answers BADKEY, BADSIG, BADTIME like BIND, changing nothing', async () => {
    const before = emulator.records();
    const change = [add(`new.${ZONE}`, 'A', '192.0.2.1')];

    expect(await update({ updates: change, key: null })).toMatchObject({ rcode: RCODE.REFUSED });

    const badKey = await update({ updates: change, key: { name: 'stranger', secret: KEY.secret } });
    expect(badKey).toMatchObject({ rcode: RCODE.NOTAUTH, tsigError: 17, macLength: 0 });

    const wrongSecret = { name: KEY.name, secret: Buffer.alloc(32, 8).toString('base64') };
    const badSig = await update({ updates: change, key: wrongSecret });
    expect(badSig).toMatchObject({ rcode: RCODE.NOTAUTH, tsigError: 16, macLength: 0 });

    const now = Math.floor(Date.now() / 1000);
    const badTime = await update({ updates: change, time: now - 3600 });
    expect(badTime).toMatchObject({ rcode: RCODE.NOTAUTH, tsigError: 18, verifies: true });
    expect(Math.abs(badTime.tsigOther!.readUIntBE(0, 6) - now)).toBeLessThan(5); // the server's time

    expect(emulator.records()).toEqual(before);
    expect(emulator.serial(ZONE)).toBe(1);
  });

  it('honours an injected clock for the TSIG time check', async () => {
    const skewed = await startDnsEmulator({
      zones: [{ name: ZONE }],
      keys: [KEY],
      now: () => Date.now() + 3_600_000,
    });
    try {
      const request = sign(
        encodeMessage({
          id: 7,
          flags: 5 << 11,
          questions: [{ name: ZONE, type: TYPE.SOA, klass: CLASS.IN }],
          authorities: [add(`new.${ZONE}`, 'A', '192.0.2.1')],
        }),
        KEY,
      );
      const buf = await sendUdp(skewed.port, request.bytes);
      expect(readTsig(buf, parseMessage(buf))?.error).toBe(18);
      expect(skewed.records(ZONE).some((r) => r.name === `new.${ZONE}`)).toBe(false);
    } finally {
      await skewed.stop();
    }
  });

  it('evaluates prerequisites (RFC 2136 §3.2) and applies nothing when one fails', async () => {
    const change = add(`new.${ZONE}`, 'A', '192.0.2.1');
    const cases: Array<[string, Rr[], number]> = [
      ['name in use, missing', [rr(`nope.${ZONE}`, 'ANY', CLASS.ANY, 0)], RCODE.NXDOMAIN],
      ['name not in use, present', [rr(WOODGROVE, 'ANY', CLASS.NONE, 0)], RCODE.YXDOMAIN],
      ['RRset exists, missing', [rr(WOODGROVE, 'CNAME', CLASS.ANY, 0)], RCODE.NXRRSET],
      ['RRset does not exist, present', [rr(WOODGROVE, 'TXT', CLASS.NONE, 0)], RCODE.YXRRSET],
      ['values, one of them wrong', [add(WOODGROVE, 'TXT', 'MS=other', 0)], RCODE.NXRRSET],
      [
        'values, one too many',
        [add(WOODGROVE, 'TXT', 'MS=ms12345678', 0), add(WOODGROVE, 'TXT', 'extra', 0)],
        RCODE.NXRRSET,
      ],
      ['TTL not zero', [rr(WOODGROVE, 'TXT', CLASS.ANY, 60)], RCODE.FORMERR],
      ['outside the zone', [rr('example.com', 'A', CLASS.ANY, 0)], RCODE.NOTZONE],
    ];
    for (const [what, prerequisites, rcode] of cases) {
      expect({ what, rcode: (await update({ prerequisites, updates: [change] })).rcode }).toEqual({
        what,
        rcode,
      });
    }
    expect(valuesOf(`new.${ZONE}`, 'A')).toEqual([]);
    expect(emulator.serial(ZONE)).toBe(1);

    const satisfied: Rr[] = [
      rr(WOODGROVE, 'ANY', CLASS.ANY, 0),
      rr(`nope.${ZONE}`, 'ANY', CLASS.NONE, 0),
      rr(WOODGROVE, 'A', CLASS.ANY, 0),
      rr(WOODGROVE, 'CNAME', CLASS.NONE, 0),
      add(WOODGROVE, 'TXT', 'MS=ms12345678', 0),
    ];
    expect((await update({ prerequisites: satisfied, updates: [change] })).rcode).toBe(RCODE.NOERROR);
    expect(valuesOf(`new.${ZONE}`, 'A')).toEqual(['192.0.2.1']);
  });

  it('applies updates per RFC 2136 §3.4: delete one RR, an RRset, a name; CNAME conflicts ignored', async () => {
    await update({ updates: [add(WOODGROVE, 'TXT', 'second'), add(WOODGROVE, 'TXT', 'third', 60)] });
    expect(valuesOf(WOODGROVE, 'TXT')).toEqual(['MS=ms12345678', 'second', 'third']);
    // The whole RRset takes the TTL of the last addition, as BIND does.
    expect(
      emulator
        .records()
        .filter((r) => r.name === WOODGROVE && r.type === 'TXT')
        .map((r) => r.ttl),
    ).toEqual([60, 60, 60]);

    await update({ updates: [rr(WOODGROVE, 'TXT', CLASS.NONE, 0, 'second')] });
    expect(valuesOf(WOODGROVE, 'TXT')).toEqual(['MS=ms12345678', 'third']);

    await update({ updates: [rr(WOODGROVE, 'TXT', CLASS.ANY, 0)] });
    expect(valuesOf(WOODGROVE, 'TXT')).toEqual([]);
    expect(valuesOf(WOODGROVE, 'A')).toEqual(['203.0.113.10']);

    await update({ updates: [rr(WOODGROVE, 'ANY', CLASS.ANY, 0), rr(ZONE, 'ANY', CLASS.ANY, 0)] });
    expect(emulator.records().filter((r) => r.name === WOODGROVE)).toEqual([]);
    expect(
      emulator
        .records()
        .filter((r) => r.name === ZONE)
        .map((r) => r.type),
    ).toEqual(['SOA', 'NS']);

    const serial = emulator.serial(ZONE);
    const conflict = await update({ updates: [add(`alias.${ZONE}`, 'TXT', 'next to a CNAME')] });
    expect(conflict.rcode).toBe(RCODE.NOERROR); // silently ignored (§3.4.2.2)
    expect(valuesOf(`alias.${ZONE}`, 'TXT')).toEqual([]);
    expect((await update({ updates: [rr(`nope.${ZONE}`, 'A', CLASS.NONE, 0, '192.0.2.9')] })).rcode).toBe(
      RCODE.NOERROR,
    );
    expect(emulator.serial(ZONE)).toBe(serial); // nothing changed, no new serial
  });

  it('answers NOTZONE, NOTAUTH and FORMERR for misaddressed or malformed updates', async () => {
    expect((await update({ updates: [add('woodgrove.example.com', 'A', '192.0.2.1')] })).rcode).toBe(
      RCODE.NOTZONE,
    );
    expect((await update({ zone: 'example.com', updates: [] })).rcode).toBe(RCODE.NOTAUTH);
    expect((await update({ updates: [rr(WOODGROVE, 'A', CLASS.ANY, 300)] })).rcode).toBe(RCODE.FORMERR);
    expect((await update({ updates: [rr(WOODGROVE, 'ANY', CLASS.IN, 300)] })).rcode).toBe(RCODE.FORMERR);
  });

  it('matches a model of RRsets over random add/delete sequences', async () => {
    const names = ['n1', 'n2'].map((n) => `${n}.${ZONE}`);
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        name: fc.constantFrom(...names),
        value: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({
        kind: fc.constant('delete-one' as const),
        name: fc.constantFrom(...names),
        value: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({
        kind: fc.constant('delete-rrset' as const),
        name: fc.constantFrom(...names),
        value: fc.constant(''),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        emulator.reset();
        const model = new Map<string, string[]>(names.map((n) => [n, []]));
        for (const { kind, name, value } of ops) {
          const current = model.get(name)!;
          const updates =
            kind === 'add'
              ? [add(name, 'TXT', value)]
              : kind === 'delete-one'
                ? [rr(name, 'TXT', CLASS.NONE, 0, value)]
                : [rr(name, 'TXT', CLASS.ANY, 0)];
          expect((await update({ updates })).rcode).toBe(RCODE.NOERROR);
          model.set(
            name,
            kind === 'add'
              ? [...new Set([...current, value])]
              : kind === 'delete-one'
                ? current.filter((v) => v !== value)
                : [],
          );
        }
        for (const name of names) expect(valuesOf(name, 'TXT')).toEqual(model.get(name));
      }),
      { numRuns: 40 },
    );
  });
});

describe('test controls', () => {
  it('set() changes an RRset as a foreign writer would and reset() restores the seed', async () => {
    const seeded = emulator.records(ZONE);
    emulator.set(WOODGROVE, 'TXT', ['MS=ms87654321', 'other'], 60);
    expect(await resolver.resolveTxt(WOODGROVE)).toEqual([['MS=ms87654321'], ['other']]);
    expect(emulator.serial(ZONE)).toBe(2);
    emulator.set(WOODGROVE, 'A', []);
    await expect(resolver.resolve4(WOODGROVE)).rejects.toMatchObject({ code: 'ENODATA' });
    expect(() => emulator.set('woodgrove.example.com', 'A', ['192.0.2.1'])).toThrow(
      /none of the emulator's zones/,
    );
    expect(emulator.requests.length).toBeGreaterThan(0);

    emulator.reset();
    expect(emulator.records(ZONE)).toEqual(seeded);
    expect(emulator.serial(ZONE)).toBe(1);
    expect(emulator.requests).toEqual([]);
  });
});
