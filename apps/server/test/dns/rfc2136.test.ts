import dgram from 'node:dgram';
import { startDnsEmulator, type DnsEmulator } from '@trunkline/emulator-dns';
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DnsError, type DnsProvider } from '../../src/dns/dns-provider.ts';
import { createRfc2136Provider } from '../../src/dns/rfc2136.ts';

/**
 * The RFC 2136 adapter against the DNS emulator over real UDP/TCP on loopback. The emulator decodes and stores
 * what the adapter sends with its own code, so `emulator.records()` is an independent check of every write.
 */

const ZONE = 'sbc.provider.test';
const KEY = {
  name: 'trunkline',
  algorithm: 'hmac-sha256' as const,
  secret: Buffer.alloc(32, 3).toString('base64'),
};
const WOODGROVE = `woodgrove.${ZONE}`;

let emulator: DnsEmulator;
let dns: DnsProvider;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  emulator = await startDnsEmulator({
    zones: [{ name: ZONE, records: [{ name: ZONE, type: 'A', ttl: 300, value: '198.51.100.1' }] }],
    keys: [KEY],
  });
  dns = provider();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  emulator.reset();
});
afterAll(() => emulator.stop());

function provider(overrides: Partial<Parameters<typeof createRfc2136Provider>[0]> = {}) {
  return createRfc2136Provider({
    server: emulator.address,
    zone: ZONE,
    tsig: KEY,
    timeoutMs: 500,
    ...overrides,
  });
}

/** The emulator's own view of an RRset (decoded by its code, not the adapter's). */
const stored = (name: string, type: string) =>
  emulator
    .records(ZONE)
    .filter((r) => r.name === name && r.type === type)
    .map((r) => r.value);

async function dnsError(promise: Promise<unknown>): Promise<DnsError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof DnsError)) throw new Error(`expected a DnsError, got ${String(error)}`);
  return error;
}

/** A UDP socket bound on loopback, closed after the test. */
async function udpSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

/** A UDP server on loopback that answers every request with `answer(request)`, or never if it returns undefined. */
async function fakeServer(answer: (request: Buffer) => Buffer | undefined) {
  const socket = await udpSocket();
  const received: Buffer[] = [];
  socket.on('message', (buf, remote) => {
    received.push(buf);
    const response = answer(buf);
    if (response) socket.send(response, remote.port, remote.address);
  });
  return { address: `127.0.0.1:${socket.address().port}`, received };
}

describe('writes', () => {
  it('adds A, AAAA and TXT records and reads them back from the primary', async () => {
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    await dns.add({ name: WOODGROVE, type: 'AAAA', ttl: 300, value: '2001:DB8:0:0::10' });
    await dns.add({ name: WOODGROVE, type: 'TXT', ttl: 3600, value: 'MS=ms12345678' });

    expect(await dns.read(WOODGROVE, 'A')).toEqual([
      { name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' },
    ]);
    expect(await dns.read(WOODGROVE, 'AAAA')).toEqual([
      { name: WOODGROVE, type: 'AAAA', ttl: 300, value: '2001:db8::10' },
    ]);
    expect(await dns.read(WOODGROVE, 'TXT')).toEqual([
      { name: WOODGROVE, type: 'TXT', ttl: 3600, value: 'MS=ms12345678' },
    ]);
    expect(stored(WOODGROVE, 'TXT')).toEqual(['MS=ms12345678']);
    expect(await dns.read(`nope.${ZONE}`, 'A')).toEqual([]); // NXDOMAIN
    expect(await dns.read(ZONE, 'TXT')).toEqual([]); // NODATA
    expect(new Set(emulator.requests.map((r) => r.key))).toEqual(new Set(['trunkline'])); // all signed
  });

  it('is idempotent: adding a present record or removing an absent one changes nothing', async () => {
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    const serial = emulator.serial(ZONE);
    await dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' });
    await dns.remove({ name: WOODGROVE, type: 'A', value: '203.0.113.99' });
    await dns.replace(WOODGROVE, 'A', ['203.0.113.10'], 300);
    expect(stored(WOODGROVE, 'A')).toEqual(['203.0.113.10']);
    expect(emulator.serial(ZONE)).toBe(serial);
  });

  it('replaces an RRset with exactly the given values, and deletes it with none', async () => {
    await dns.replace(WOODGROVE, 'TXT', ['MS=ms11111111', 'other'], 3600);
    await dns.replace(WOODGROVE, 'TXT', ['MS=ms12345678', 'MS=ms12345678'], 600);
    expect(await dns.read(WOODGROVE, 'TXT')).toEqual([
      { name: WOODGROVE, type: 'TXT', ttl: 600, value: 'MS=ms12345678' },
    ]);
    await dns.replace(WOODGROVE, 'TXT', [], 600);
    expect(stored(WOODGROVE, 'TXT')).toEqual([]);
  });

  it('compare-and-swap: replace with the values read succeeds, after a foreign change it fails and changes nothing', async () => {
    await dns.replace(WOODGROVE, 'A', ['203.0.113.10'], 300, []); // create only if absent
    const before = (await dns.read(WOODGROVE, 'A')).map((r) => r.value);
    await dns.replace(WOODGROVE, 'A', ['203.0.113.11', '203.0.113.12'], 300, before);
    expect(stored(WOODGROVE, 'A')).toEqual(['203.0.113.11', '203.0.113.12']);

    const read = (await dns.read(WOODGROVE, 'A')).map((r) => r.value);
    emulator.set(WOODGROVE, 'A', ['198.51.100.77'], 300); // someone else
    const lost = await dnsError(dns.replace(WOODGROVE, 'A', ['203.0.113.13'], 300, read));
    expect(lost).toMatchObject({ kind: 'prerequisite-failed', rcode: 'NXRRSET' });
    expect(lost.message).toMatch(/changed since they were read/);
    expect(stored(WOODGROVE, 'A')).toEqual(['198.51.100.77']);

    const exists = await dnsError(dns.replace(WOODGROVE, 'A', ['203.0.113.13'], 300, []));
    expect(exists).toMatchObject({ kind: 'prerequisite-failed', rcode: 'YXRRSET' });
    expect(stored(WOODGROVE, 'A')).toEqual(['198.51.100.77']);
  });

  it('refuses to write next to a CNAME instead of letting the server ignore the write silently', async () => {
    emulator.set(`alias.${ZONE}`, 'CNAME', [WOODGROVE]);
    const error = await dnsError(dns.add({ name: `alias.${ZONE}`, type: 'TXT', ttl: 300, value: 'x' }));
    expect(error).toMatchObject({ kind: 'prerequisite-failed', rcode: 'YXRRSET' });
    expect(error.message).toMatch(/CNAME/);
  });

  it('deletes exactly one record of several', async () => {
    await dns.replace(WOODGROVE, 'TXT', ['one', 'two', 'three'], 300);
    await dns.remove({ name: WOODGROVE, type: 'TXT', value: 'two' });
    expect((await dns.read(WOODGROVE, 'TXT')).map((r) => r.value)).toEqual(['one', 'three']);
    expect(stored(WOODGROVE, 'TXT')).toEqual(['one', 'three']);
  });

  it('falls back to TCP for messages over 512 bytes and truncated answers (a large TXT RRset)', async () => {
    const values = ['a', 'b', 'c'].map((c) => c.repeat(400)); // 600-byte TXT values are split in 255-byte strings
    await dns.replace(WOODGROVE, 'TXT', values, 300);
    expect(stored(WOODGROVE, 'TXT')).toEqual(values);
    expect((await dns.read(WOODGROVE, 'TXT')).map((r) => r.value)).toEqual(values);
    expect(emulator.requests.map((r) => [r.opcode, r.transport, r.truncated ?? false])).toEqual([
      ['UPDATE', 'tcp', false], // the request itself is over 512 bytes
      ['QUERY', 'udp', true], // the answer is: truncated…
      ['QUERY', 'tcp', false], // …and asked again over TCP
    ]);
  });

  it('retransmits over UDP; a retransmitted compare-and-swap that was applied the first time still succeeds', async () => {
    // A proxy in front of the emulator that loses the emulator's first answer.
    const proxy = await udpSocket();
    const upstream = await udpSocket();
    let client: dgram.RemoteInfo | undefined;
    let answers = 0;
    proxy.on('message', (buf, remote) => {
      client = remote;
      upstream.send(buf, emulator.port, '127.0.0.1');
    });
    upstream.on('message', (buf) => {
      if (answers++ > 0 && client) proxy.send(buf, client.port, client.address);
    });

    emulator.set(WOODGROVE, 'A', ['203.0.113.10'], 300);
    const flaky = provider({ server: `127.0.0.1:${proxy.address().port}`, timeoutMs: 200 });
    await flaky.replace(WOODGROVE, 'A', ['203.0.113.20'], 300, ['203.0.113.10']);
    expect(stored(WOODGROVE, 'A')).toEqual(['203.0.113.20']);
    // Applied, then the retransmitted copy failed its prerequisite, then the adapter read the RRset back.
    expect(emulator.requests.map((r) => `${r.opcode} ${r.rcode}`)).toEqual([
      'UPDATE NOERROR',
      'UPDATE NXRRSET',
      'QUERY NOERROR',
    ]);
  });
});

describe('failures', () => {
  it('a wrong TSIG secret is BADSIG and changes nothing', async () => {
    const before = emulator.records(ZONE);
    const wrong = provider({ tsig: { ...KEY, secret: Buffer.alloc(32, 4).toString('base64') } });
    const error = await dnsError(wrong.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' }));
    expect(error).toMatchObject({ kind: 'bad-signature', rcode: 'NOTAUTH', tsigError: 'BADSIG' });
    expect(error.message).toContain(
      `The DNS server ${emulator.address} rejected the TSIG signature of key 'trunkline'`,
    );
    expect(error.message).toContain(`zone '${ZONE}'`);
    expect(error.message).toContain('check the key secret');
    expect(error.message).not.toContain(KEY.secret);
    expect(emulator.records(ZONE)).toEqual(before);
    await expect(dnsError(wrong.read(ZONE, 'A'))).resolves.toMatchObject({ kind: 'bad-signature' });
  });

  it('an unknown key name is BADKEY', async () => {
    const stranger = provider({ tsig: { ...KEY, name: 'stranger' } });
    const error = await dnsError(
      stranger.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' }),
    );
    expect(error).toMatchObject({ kind: 'bad-key', rcode: 'NOTAUTH', tsigError: 'BADKEY' });
    expect(error.message).toContain("TSIG key 'stranger'");
    expect(stored(WOODGROVE, 'A')).toEqual([]);
  });

  it('a clock off by more than the fudge is BADTIME', async () => {
    const ahead = await startDnsEmulator({
      zones: [{ name: ZONE }],
      keys: [KEY],
      now: () => Date.now() + 3_600_000,
    });
    cleanups.push(() => ahead.stop());
    const error = await dnsError(
      provider({ server: ahead.address }).add({
        name: WOODGROVE,
        type: 'A',
        ttl: 300,
        value: '203.0.113.10',
      }),
    );
    expect(error).toMatchObject({ kind: 'bad-time', tsigError: 'BADTIME' });
    expect(error.message).toMatch(/clock is 3600 s off/);
  });

  it('a zone the server does not serve is NOTAUTH for updates and REFUSED for reads', async () => {
    const other = provider({ zone: 'other.test' });
    await expect(
      dnsError(other.add({ name: 'x.other.test', type: 'A', ttl: 300, value: '192.0.2.1' })),
    ).resolves.toMatchObject({ kind: 'not-authoritative', rcode: 'NOTAUTH' });
    await expect(dnsError(other.read('x.other.test', 'A'))).resolves.toMatchObject({ kind: 'refused' });
  });

  it('rejects names outside the zone and bad values without sending anything', async () => {
    const outside = await dnsError(
      dns.add({ name: 'woodgrove.example.com', type: 'A', ttl: 300, value: '192.0.2.1' }),
    );
    expect(outside.kind).toBe('invalid');
    expect(outside.message).toBe(
      `The name 'woodgrove.example.com' is not in zone '${ZONE}': nothing was sent to ${emulator.address}.`,
    );
    const invalid = [
      dns.read(`${WOODGROVE}.`, 'A'),
      dns.read(`notsbc.provider.test`, 'A'),
      dns.add({ name: WOODGROVE, type: 'A', ttl: 300, value: '2001:db8::1' }),
      dns.add({ name: WOODGROVE, type: 'AAAA', ttl: 300, value: '192.0.2.1' }),
      dns.replace(WOODGROVE, 'A', ['192.0.2.1'], -1),
      dns.remove({ name: `bad_label!.${ZONE}`, type: 'A', value: '192.0.2.1' }),
    ];
    for (const promise of invalid) expect((await dnsError(promise)).kind).toBe('invalid');
    expect(emulator.requests).toEqual([]);
  });

  it('an unreachable server fails fast (port closed) or after the retries (no answer)', async () => {
    const closed = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
    const port = closed.address().port;
    await new Promise<void>((resolve) => closed.close(() => resolve())); // the port now answers ICMP unreachable
    let started = Date.now();
    const refused = await dnsError(provider({ server: `127.0.0.1:${port}` }).read(WOODGROVE, 'A'));
    expect(refused.kind).toBe('unreachable');
    expect(refused.message).toContain(`The DNS server 127.0.0.1:${port} cannot be reached`);
    expect(Date.now() - started).toBeLessThan(400);

    const silent = await fakeServer(() => undefined);
    started = Date.now();
    const timeout = await dnsError(
      provider({ server: silent.address, timeoutMs: 100, retries: 2 }).read(WOODGROVE, 'A'),
    );
    expect(timeout.kind).toBe('timeout');
    expect(timeout.message).toContain('3 attempts over UDP');
    expect(silent.received).toHaveLength(3);
    expect(new Set(silent.received.map((b) => b.toString('hex'))).size).toBe(1); // the same bytes retransmitted
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('does not trust an answer that is unsigned or signed with another secret', async () => {
    // A spoofer without the key: answers every query with an authoritative A record, unsigned.
    const spoofer = await fakeServer((request) => {
      const query = dnsPacket.decode(request);
      return dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER,
        questions: query.questions,
        answers: [{ name: WOODGROVE, type: 'A', ttl: 300, data: '192.0.2.66' }],
      });
    });
    const error = await dnsError(provider({ server: spoofer.address }).read(WOODGROVE, 'A'));
    expect(error.kind).toBe('unverified-response');
    expect(error.message).toMatch(/carries no TSIG record/);

    // A server that knows the key name with another secret rejects our MAC (BADSIG, unsigned by design).
    const impostor = await startDnsEmulator({
      zones: [{ name: ZONE }],
      keys: [{ ...KEY, secret: Buffer.alloc(32, 9).toString('base64') }],
    });
    cleanups.push(() => impostor.stop());
    const rejected = await dnsError(provider({ server: impostor.address }).read(ZONE, 'A'));
    expect(rejected).toMatchObject({ kind: 'bad-signature', tsigError: 'BADSIG' });
  });

  it('does not trust a signed answer whose MAC does not verify', async () => {
    // Relays to the emulator and flips one bit of the answer's A record: the MAC no longer matches.
    emulator.set(WOODGROVE, 'A', ['203.0.113.10'], 300);
    const relay = await udpSocket();
    const upstream = await udpSocket();
    let client: dgram.RemoteInfo | undefined;
    relay.on('message', (buf, remote) => {
      client = remote;
      upstream.send(buf, emulator.port, '127.0.0.1');
    });
    upstream.on('message', (buf) => {
      const tampered = Buffer.from(buf);
      const at = tampered.indexOf(Buffer.from([203, 0, 113, 10]));
      tampered[at + 3] = 11;
      if (client) relay.send(tampered, client.port, client.address);
    });
    const error = await dnsError(
      provider({ server: `127.0.0.1:${relay.address().port}` }).read(WOODGROVE, 'A'),
    );
    expect(error.kind).toBe('unverified-response');
    expect(error.message).toMatch(/MAC does not verify/);
  });
});

describe('round trips', () => {
  it('TXT values (printable ASCII, 1..600 characters) and A/AAAA addresses come back as written', async () => {
    const name = `prop.${ZONE}`;
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 600, size: 'max' }), async (text) => {
        await dns.replace(name, 'TXT', [text], 300);
        expect(stored(name, 'TXT')).toEqual([text]);
        expect((await dns.read(name, 'TXT')).map((r) => r.value)).toEqual([text]);
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.ipV4(), fc.ipV6(), async (v4, v6) => {
        const canonicalV6 = new URL(`http://[${v6}]`).hostname.slice(1, -1); // RFC 5952 form
        await dns.replace(name, 'A', [v4], 300);
        await dns.replace(name, 'AAAA', [v6], 300);
        expect((await dns.read(name, 'A')).map((r) => r.value)).toEqual([v4]);
        expect((await dns.read(name, 'AAAA')).map((r) => r.value)).toEqual([canonicalV6]);
        expect(stored(name, 'AAAA')).toEqual([canonicalV6]);
      }),
      { numRuns: 60 },
    );
  });
});
