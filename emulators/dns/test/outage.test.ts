import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsEmulator, type DnsEmulator } from '../src/index.ts';

const ZONE = 'outage.example';

const tcpRefused = (dns: DnsEmulator) =>
  new Promise<string>((resolve) => {
    const socket = net.connect(dns.port, dns.host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });

/** A server outage (fault storms): suspended, the server answers nothing; resumed, the same zones on the same port. */
describe('DNS emulator outage', () => {
  let dns: DnsEmulator;
  let resolver: Resolver;
  beforeAll(async () => {
    dns = await startDnsEmulator({
      port: 0,
      zones: [{ name: ZONE, records: [{ name: `a.${ZONE}`, type: 'A', ttl: 60, value: '192.0.2.7' }] }],
      keys: [],
    });
    resolver = new Resolver({ timeout: 300, tries: 1 });
    resolver.setServers([dns.address]);
  });
  afterAll(() => dns.stop());

  it('stops answering over UDP and refuses TCP while suspended, then serves the same zone again', async () => {
    expect(await resolver.resolve4(`a.${ZONE}`)).toEqual(['192.0.2.7']);
    await dns.suspend();
    expect(dns.suspended).toBe(true);
    await expect(resolver.resolve4(`a.${ZONE}`)).rejects.toMatchObject({
      code: expect.stringMatching(/ETIMEOUT|ECONNREFUSED/),
    });
    expect(await tcpRefused(dns)).toBe('ECONNREFUSED');
    await dns.resume();
    expect(dns.suspended).toBe(false);
    expect(await resolver.resolve4(`a.${ZONE}`)).toEqual(['192.0.2.7']);
    expect(await tcpRefused(dns)).toBe('connected');
  });
});
