import { startDnsEmulator } from '@trunkline/emulator-dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsError, type DnsProvider } from '../../src/dns/dns-provider.ts';
import { createRfc2136Provider } from '../../src/dns/rfc2136.ts';
import { requireBindTools, runTool, startBind9, type Bind9 } from './bind9.ts';

/**
 * The RFC 2136 adapter against a real BIND 9 (`named`), every write cross-checked with `dig`; and the DNS
 * emulator against BIND's own client tools (`nsupdate`, `dig -y`), so the sandbox speaks what BIND speaks.
 * Without named, dig or nsupdate the suite fails (it never skips): install them with scripts/system-deps.sh.
 */

const ZONE = 'sbc.provider.test';
const KEY_NAME = 'trunkline-test';

async function dnsError(promise: Promise<unknown>): Promise<DnsError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof DnsError)) throw new Error(`expected a DnsError, got ${String(error)}`);
  return error;
}

describe('RFC 2136 adapter against BIND 9', () => {
  let bind: Bind9;
  let dns: DnsProvider;

  beforeAll(async () => {
    bind = await startBind9({ zone: ZONE, keyName: KEY_NAME });
    dns = createRfc2136Provider({ server: bind.address, zone: ZONE, tsig: bind.key, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await bind?.stop();
  });

  const dig = async (name: string, type: 'A' | 'AAAA' | 'TXT') => (await bind.dig(name, type)).sort();
  const serial = async () => Number((await bind.dig(ZONE, 'SOA'))[0]?.split(' ')[2]);

  it('adds A, AAAA and TXT records', async () => {
    const name = `woodgrove.${ZONE}`;
    await dns.add({ name, type: 'A', ttl: 300, value: '203.0.113.10' });
    await dns.add({ name, type: 'AAAA', ttl: 300, value: '2001:db8::10' });
    await dns.add({ name, type: 'TXT', ttl: 3600, value: 'MS=ms12345678' });

    expect(await dig(name, 'A')).toEqual(['203.0.113.10']);
    expect(await dig(name, 'AAAA')).toEqual(['2001:db8::10']);
    expect(await dig(name, 'TXT')).toEqual(['MS=ms12345678']);
    expect(await dns.read(name, 'TXT')).toEqual([{ name, type: 'TXT', ttl: 3600, value: 'MS=ms12345678' }]);
    expect(await dns.read(name, 'AAAA')).toEqual([{ name, type: 'AAAA', ttl: 300, value: '2001:db8::10' }]);
  });

  it('is idempotent: adding a present record or removing an absent one changes nothing', async () => {
    const name = `idem.${ZONE}`;
    await dns.add({ name, type: 'A', ttl: 300, value: '203.0.113.30' });
    const before = await serial();
    await dns.add({ name, type: 'A', ttl: 300, value: '203.0.113.30' });
    await dns.remove({ name, type: 'A', value: '203.0.113.31' });
    expect(await dig(name, 'A')).toEqual(['203.0.113.30']);
    expect(await serial()).toBe(before);
  });

  it('replaces an RRset (over TCP when large) and deletes it', async () => {
    const name = `contoso.${ZONE}`;
    const long = 'v'.repeat(600); // three character strings, and a message over 512 bytes
    await dns.replace(name, 'TXT', ['MS=ms11111111', long], 3600);
    expect(await dig(name, 'TXT')).toEqual(['MS=ms11111111', long].sort());
    expect((await dns.read(name, 'TXT')).map((r) => r.value).sort()).toEqual(['MS=ms11111111', long].sort());

    await dns.replace(name, 'TXT', ['MS=ms22222222'], 3600);
    expect(await dig(name, 'TXT')).toEqual(['MS=ms22222222']);

    await dns.replace(name, 'TXT', [], 3600);
    expect(await dig(name, 'TXT')).toEqual([]);
  });

  it('deletes a single record of several', async () => {
    const name = `multi.${ZONE}`;
    await dns.replace(name, 'A', ['203.0.113.1', '203.0.113.2', '203.0.113.3'], 300);
    expect(await dig(name, 'A')).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.3']);
    await dns.remove({ name, type: 'A', value: '203.0.113.2' });
    expect(await dig(name, 'A')).toEqual(['203.0.113.1', '203.0.113.3']);
  });

  it('compare-and-swap: a replace based on stale values fails with prerequisite-failed and changes nothing', async () => {
    const name = `cas.${ZONE}`;
    await dns.replace(name, 'A', ['203.0.113.10'], 300, []);
    const read = (await dns.read(name, 'A')).map((r) => r.value);
    await dns.replace(name, 'A', ['203.0.113.11'], 300, read); // based on what was read: applied
    expect(await dig(name, 'A')).toEqual(['203.0.113.11']);

    const stale = await dnsError(dns.replace(name, 'A', ['203.0.113.12'], 300, read));
    expect(stale).toMatchObject({ kind: 'prerequisite-failed', rcode: 'NXRRSET' });
    const exists = await dnsError(dns.replace(name, 'A', ['203.0.113.12'], 300, []));
    expect(exists).toMatchObject({ kind: 'prerequisite-failed', rcode: 'YXRRSET' });
    expect(await dig(name, 'A')).toEqual(['203.0.113.11']);
  });

  it('a wrong TSIG secret is BADSIG and changes nothing', async () => {
    const name = `badsig.${ZONE}`;
    const before = await serial();
    const wrong = createRfc2136Provider({
      server: bind.address,
      zone: ZONE,
      tsig: { ...bind.key, secret: Buffer.alloc(32, 1).toString('base64') },
    });
    const error = await dnsError(wrong.add({ name, type: 'A', ttl: 300, value: '203.0.113.10' }));
    expect(error).toMatchObject({ kind: 'bad-signature', rcode: 'NOTAUTH', tsigError: 'BADSIG' });
    expect(error.message).toContain(
      `The DNS server ${bind.address} rejected the TSIG signature of key '${KEY_NAME}'`,
    );
    expect(error.message).toContain('check the key secret');
    expect(await dig(name, 'A')).toEqual([]);
    expect(await serial()).toBe(before);
  });

  it('an unknown key name is BADKEY', async () => {
    const name = `badkey.${ZONE}`;
    const stranger = createRfc2136Provider({
      server: bind.address,
      zone: ZONE,
      tsig: { ...bind.key, name: 'stranger' },
    });
    const error = await dnsError(stranger.add({ name, type: 'A', ttl: 300, value: '203.0.113.10' }));
    expect(error).toMatchObject({ kind: 'bad-key', rcode: 'NOTAUTH', tsigError: 'BADKEY' });
    expect(await dig(name, 'A')).toEqual([]);
  });

  it('a zone BIND does not serve is NOTAUTH', async () => {
    const other = createRfc2136Provider({ server: bind.address, zone: 'other.test', tsig: bind.key });
    const error = await dnsError(
      other.add({ name: 'x.other.test', type: 'A', ttl: 300, value: '192.0.2.1' }),
    );
    expect(error).toMatchObject({ kind: 'not-authoritative', rcode: 'NOTAUTH' });
  });
});

describe('DNS emulator against BIND’s client tools', () => {
  const key = {
    name: KEY_NAME,
    algorithm: 'hmac-sha256' as const,
    secret: Buffer.alloc(32, 5).toString('base64'),
  };

  it('accepts nsupdate’s signed updates, rejects a wrong secret, and signs answers dig verifies', async () => {
    const { nsupdate, dig } = requireBindTools();
    const emulator = await startDnsEmulator({ zones: [{ name: ZONE }], keys: [key] });
    try {
      const script = (name: string) =>
        `server 127.0.0.1 ${emulator.port}\nzone ${ZONE}\n` +
        `prereq nxrrset ${name} TXT\nupdate add ${name} 3600 TXT "MS=ms12345678"\nsend\n`;
      const ok = await runTool(
        nsupdate,
        ['-y', `hmac-sha256:${KEY_NAME}:${key.secret}`],
        script(`a.${ZONE}`),
      );
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      const again = await runTool(
        nsupdate,
        ['-y', `hmac-sha256:${KEY_NAME}:${key.secret}`],
        script(`a.${ZONE}`),
      );
      expect(again.stderr).toContain('YXRRSET');

      const wrongSecret = Buffer.alloc(32, 6).toString('base64');
      const bad = await runTool(
        nsupdate,
        ['-y', `hmac-sha256:${KEY_NAME}:${wrongSecret}`],
        script(`b.${ZONE}`),
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('NOTAUTH(BADSIG)');

      // dig checks the TSIG of the answer and says so when it does not verify.
      const signed = await runTool(dig, [
        '@127.0.0.1',
        '-p',
        String(emulator.port),
        '-y',
        `hmac-sha256:${KEY_NAME}:${key.secret}`,
        `a.${ZONE}`,
        'TXT',
      ]);
      expect(signed.stdout).toContain('"MS=ms12345678"');
      expect(signed.stdout).toContain('TSIG PSEUDOSECTION');
      expect(signed.stdout + signed.stderr).not.toMatch(/verify failure|Couldn't verify|expected a TSIG/i);
      expect(
        emulator
          .records(ZONE)
          .filter((r) => r.type === 'TXT')
          .map((r) => r.name),
      ).toEqual([`a.${ZONE}`]);
    } finally {
      await emulator.stop();
    }
  });
});
