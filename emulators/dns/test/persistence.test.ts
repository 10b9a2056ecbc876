import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLASS, encodeMessage, parseMessage, RCODE, signRequest, toRdata, TYPE } from '@trunkline/dns-wire';
import { afterAll, describe, expect, it } from 'vitest';
import { startDnsEmulator, type DnsEmulator } from '../src/index.ts';

/** The `stateFile` option: zones changed by signed RFC 2136 UPDATEs over UDP survive a restart. */

const ZONE = 'sbc.persist.test';
const KEY = {
  name: 'trunkline',
  algorithm: 'hmac-sha256' as const,
  secret: Buffer.alloc(32, 9).toString('base64'),
};
const dir = mkdtempSync(path.join(tmpdir(), 'dns-state-'));
let n = 0;
const running = new Set<DnsEmulator>();
afterAll(async () => {
  await Promise.all([...running].map((e) => e.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const start = async (file: string, port = 0) => {
  const emu = await startDnsEmulator({ port, zones: [{ name: ZONE }], keys: [KEY], stateFile: file });
  running.add(emu);
  return emu;
};
const stop = async (emu: DnsEmulator) => {
  await emu.stop();
  running.delete(emu);
};

/** A signed UPDATE adding one A record; returns the rcode. */
const addA = (emu: DnsEmulator, name: string, address: string) => {
  const unsigned = encodeMessage({
    id: 0x4242,
    flags: 5 << 11,
    questions: [{ name: ZONE, type: TYPE.SOA, klass: CLASS.IN }],
    answers: [],
    authorities: [{ name, type: TYPE.A, klass: CLASS.IN, ttl: 300, rdata: toRdata('A', address) }],
  });
  const { bytes } = signRequest(unsigned, KEY, Math.floor(Date.now() / 1000));
  return new Promise<number>((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('message', (buf) => {
      socket.close();
      resolve(parseMessage(buf).flags & 0xf);
    });
    socket.once('error', reject);
    socket.send(bytes, emu.port, '127.0.0.1');
  });
};

const resolve4 = (emu: DnsEmulator, name: string) => {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([emu.address]);
  return resolver.resolve4(name);
};

describe('stateFile', () => {
  it('keeps the records and the SOA serial across a restart', async () => {
    const file = path.join(dir, `${++n}`, 'dns.json');
    const first = await start(file);
    expect(await addA(first, `woodgrove.${ZONE}`, '203.0.113.7')).toBe(RCODE.NOERROR);
    first.set(`contoso.${ZONE}`, 'TXT', ['kept']);
    const serial = first.serial(ZONE);
    expect(serial).toBe(3);
    // Written shortly after the change, before any stop.
    await expect
      .poll(() => (existsSync(file) ? readFileSync(file, 'utf8') : ''), { timeout: 3000 })
      .toContain('contoso.sbc.persist.test');
    await stop(first);

    const second = await start(file);
    expect(await resolve4(second, `woodgrove.${ZONE}`)).toEqual(['203.0.113.7']);
    expect(second.records(ZONE)).toEqual(first.records(ZONE));
    expect(second.serial(ZONE)).toBe(serial);
    expect(await addA(second, `fabrikam.${ZONE}`, '203.0.113.8')).toBe(RCODE.NOERROR);
    expect(second.serial(ZONE)).toBe(serial + 1);
    await stop(second);
  });

  it('without a state file, a restart starts from the given zones', async () => {
    const first = await startDnsEmulator({ zones: [{ name: ZONE }], keys: [KEY] });
    expect(await addA(first, `woodgrove.${ZONE}`, '203.0.113.7')).toBe(RCODE.NOERROR);
    await first.stop();
    const second = await startDnsEmulator({ zones: [{ name: ZONE }], keys: [KEY] });
    expect(second.records(ZONE).map((r) => r.type)).toEqual(['SOA', 'NS']);
    expect(second.serial(ZONE)).toBe(1);
    await second.stop();
  });

  for (const [what, content] of [
    ['not JSON', '{"format":"trunkline-dns-emulator","version":1,"state":[{"na'],
    ['of another format', JSON.stringify({ format: 'something-else', version: 1, state: [] })],
    [
      'a zone without SOA',
      JSON.stringify({ format: 'trunkline-dns-emulator', version: 1, state: [{ name: ZONE, rrs: [] }] }),
    ],
  ] as const) {
    it(`sets a file that is ${what} aside and starts fresh`, async () => {
      const file = path.join(dir, `${++n}`, 'dns.json');
      await stop(await start(file));
      writeFileSync(file, content);
      const emu = await start(file);
      const kept = readdirSync(path.dirname(file)).filter((f) => f.startsWith('dns.json.corrupt-'));
      expect(kept).toHaveLength(1);
      expect(readFileSync(path.join(path.dirname(file), kept[0]!), 'utf8')).toBe(content);
      expect(emu.serial(ZONE)).toBe(1);
      expect(await addA(emu, `woodgrove.${ZONE}`, '203.0.113.7')).toBe(RCODE.NOERROR);
      await stop(emu);
      expect(JSON.parse(readFileSync(file, 'utf8')).state[0].name).toBe(ZONE);
    });
  }
});
