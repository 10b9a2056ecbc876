import { startDnsEmulator, type DnsEmulator } from '@trunkline/emulator-dns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DnsError, type DnsProvider } from '../../src/dns/dns-provider.ts';
import { createManualDnsProvider } from '../../src/dns/manual.ts';

/**
 * The manual adapter against the DNS emulator over real UDP on loopback, as the resolver the operator chose. The
 * test plays the operator: it creates and deletes records in the emulator directly (`emulator.set`), and
 * `emulator.requests` proves that the adapter only ever queries.
 */

const ZONE = 'sbc.provider.test';
const WOODGROVE = `woodgrove.${ZONE}`;

let emulator: DnsEmulator;
let dns: DnsProvider;

beforeAll(async () => {
  emulator = await startDnsEmulator({
    zones: [{ name: ZONE, records: [{ name: ZONE, type: 'A', ttl: 300, value: '198.51.100.1' }] }],
    keys: [{ name: 'trunkline', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 3).toString('base64') }],
  });
  dns = createManualDnsProvider({ zone: ZONE, servers: [emulator.address], timeoutMs: 500, tries: 1 });
});
afterEach(() => {
  expect(emulator.requests.every((r) => r.opcode === 'QUERY')).toBe(true); // never an UPDATE
  emulator.reset();
});
afterAll(() => emulator.stop());

async function dnsError(promise: Promise<unknown>): Promise<DnsError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof DnsError)) throw new Error(`expected a DnsError, got ${String(error)}`);
  return error;
}

describe('read', () => {
  it('answers A, AAAA and TXT through the configured resolver, and nothing for absent names or types', async () => {
    emulator.set(WOODGROVE, 'A', ['203.0.113.10', '203.0.113.11'], 300);
    emulator.set(WOODGROVE, 'AAAA', ['2001:db8:0:0::10'], 600);
    const long = `v=DKIM1; p=${'x'.repeat(400)}`;
    emulator.set(WOODGROVE, 'TXT', ['MS=ms12345678', long], 3600);

    expect(await dns.read(WOODGROVE, 'A')).toEqual([
      { name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' },
      { name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.11' },
    ]);
    expect(await dns.read(WOODGROVE, 'AAAA')).toEqual([
      { name: WOODGROVE, type: 'AAAA', ttl: 600, value: '2001:db8::10' },
    ]);
    // TXT strings joined; node:dns does not report TXT TTLs.
    expect((await dns.read(WOODGROVE, 'TXT')).map((r) => [r.value, r.ttl]).sort()).toEqual(
      [
        ['MS=ms12345678', 0],
        [long, 0],
      ].sort(),
    );
    expect(await dns.read(ZONE, 'A')).toEqual([{ name: ZONE, type: 'A', ttl: 300, value: '198.51.100.1' }]);
    expect(await dns.read(`nope.${ZONE}`, 'A')).toEqual([]); // NXDOMAIN
    expect(await dns.read(ZONE, 'TXT')).toEqual([]); // NODATA
    expect(emulator.requests.filter((r) => r.name === WOODGROVE).length).toBeGreaterThanOrEqual(3);
  });

  it('maps resolver failures: a server that refuses the zone, one that does not answer, names outside the zone', async () => {
    const other = createManualDnsProvider({
      zone: 'other.test',
      servers: [emulator.address],
      timeoutMs: 500,
    });
    const refused = await dnsError(other.read('x.other.test', 'A'));
    expect(refused.kind).toBe('refused');
    expect(refused.message).toContain(emulator.address);

    const silent = createManualDnsProvider({
      zone: ZONE,
      servers: ['127.0.0.1:9'],
      timeoutMs: 200,
      tries: 1,
    });
    expect(['unreachable', 'timeout']).toContain((await dnsError(silent.read(WOODGROVE, 'A'))).kind);

    expect((await dnsError(dns.read('woodgrove.elsewhere.test', 'A'))).kind).toBe('invalid');
    expect(() => createManualDnsProvider({ zone: ZONE, servers: ['dns.example.net'] })).toThrow(DnsError);
    expect(() => createManualDnsProvider({ zone: ZONE, servers: [] })).toThrow(/No resolver/);
  });
});

describe('writes are the operator’s', () => {
  it('add of an absent record asks for exactly that record; once the operator created it, add succeeds', async () => {
    const record = { name: WOODGROVE, type: 'TXT' as const, ttl: 3600, value: 'MS=ms12345678' };
    const error = await dnsError(dns.add(record));
    expect(error.kind).toBe('manual-action-required');
    expect(error.records).toEqual([{ action: 'create', ...record }]);
    expect(error.message).toBe(
      `Zone '${ZONE}' is kept by hand: at its DNS host, create TXT ${WOODGROVE} "MS=ms12345678" (TTL 3600). Then check again (the records are checked through ${emulator.address}).`,
    );
    expect(emulator.records(ZONE).some((r) => r.name === WOODGROVE)).toBe(false);

    emulator.set(WOODGROVE, 'TXT', ['MS=ms12345678'], 3600); // the operator
    await dns.add(record);
    emulator.set(WOODGROVE, 'AAAA', ['2001:db8::10'], 300);
    await dns.add({ name: WOODGROVE, type: 'AAAA', ttl: 300, value: '2001:DB8:0:0:0:0:0:10' });
  });

  it('remove of a present record asks to delete it; once the operator deleted it, remove succeeds', async () => {
    emulator.set(WOODGROVE, 'A', ['203.0.113.10', '203.0.113.11'], 300);
    const error = await dnsError(dns.remove({ name: WOODGROVE, type: 'A', value: '203.0.113.10' }));
    expect(error.kind).toBe('manual-action-required');
    expect(error.records).toEqual([
      { action: 'delete', name: WOODGROVE, type: 'A', ttl: 300, value: '203.0.113.10' },
    ]);
    expect(error.message).toMatch(/delete A woodgrove\.sbc\.provider\.test 203\.0\.113\.10\./);

    emulator.set(WOODGROVE, 'A', ['203.0.113.11'], 300); // the operator
    await dns.remove({ name: WOODGROVE, type: 'A', value: '203.0.113.10' });
    await dns.remove({ name: WOODGROVE, type: 'TXT', value: 'never there' });
  });

  it('replace asks for the difference (create what is missing, delete what is extra) and passes when they match', async () => {
    emulator.set(WOODGROVE, 'A', ['203.0.113.10', '198.51.100.7'], 300);
    const error = await dnsError(
      dns.replace(WOODGROVE, 'A', ['203.0.113.10', '203.0.113.12'], 600, ['203.0.113.10']),
    );
    expect(error.kind).toBe('manual-action-required');
    expect(error.records).toEqual([
      { action: 'create', name: WOODGROVE, type: 'A', ttl: 600, value: '203.0.113.12' },
      { action: 'delete', name: WOODGROVE, type: 'A', ttl: 300, value: '198.51.100.7' },
    ]);
    expect(error.message).toMatch(
      /create A \S+ 203\.0\.113\.12 \(TTL 600\), and delete A \S+ 198\.51\.100\.7\./,
    );

    emulator.set(WOODGROVE, 'A', ['203.0.113.12', '203.0.113.10'], 300); // the operator; the TTL is not compared
    await dns.replace(WOODGROVE, 'A', ['203.0.113.10', '203.0.113.12'], 600);
    await dns.replace(`gone.${ZONE}`, 'TXT', [], 600);
    expect((await dnsError(dns.replace(WOODGROVE, 'A', [], 600))).records).toHaveLength(2);
  });
});
