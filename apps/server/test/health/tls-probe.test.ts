import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCertificate, trustStore } from '../../src/health/tls-probe.ts';
import { createTestCa, startSipResponder } from '../support/sbc-tls.ts';

/**
 * The certificate probe's trust store is built once per list of extra CAs (building it parses every system root:
 * a twentieth of the server's CPU in the 500-tenant bench when it was built per check). Kept per list, it must
 * still verify against exactly the CAs of that call: a real handshake with a certificate of a private CA.
 */
describe('TLS probe trust store', () => {
  let ca: ReturnType<typeof createTestCa>;
  let otherCa: ReturnType<typeof createTestCa>;
  let sbc: Awaited<ReturnType<typeof startSipResponder>>;
  const target = () => ({ address: '127.0.0.1', port: sbc.port, servername: 'sbc.probe.example' });

  beforeAll(async () => {
    ca = createTestCa();
    otherCa = createTestCa();
    const now = Date.now();
    sbc = await startSipResponder(
      ca.issue({
        commonName: 'sbc.probe.example',
        dnsNames: ['sbc.probe.example'],
        from: new Date(now - 86_400_000),
        to: new Date(now + 90 * 86_400_000),
      }),
    );
  });
  afterAll(async () => {
    await sbc?.close();
    ca?.remove();
    otherCa?.remove();
  });

  it('is built once per list of extra CAs and kept', () => {
    expect(trustStore([ca.caCert])).toBe(trustStore([ca.caCert]));
    expect(trustStore()).toBe(trustStore([]));
    expect(trustStore([ca.caCert])).not.toBe(trustStore());
    expect(trustStore([ca.caCert])).not.toBe(trustStore([otherCa.caCert]));
  });

  it('verifies the chain against the roots of each call, also when reused', async () => {
    for (let i = 0; i < 2; i++) {
      const trusted = await fetchCertificate(target(), 5_000, [ca.caCert]);
      expect(trusted.trusted).toBe(true);
      expect(trusted.trustError).toBeNull();
      expect(trusted.dnsNames).toEqual(['sbc.probe.example']);
      const untrusted = await fetchCertificate(target(), 5_000);
      expect(untrusted.trusted).toBe(false);
      expect(untrusted.trustError).toMatch(/UNABLE_TO_VERIFY|self.signed|unable to get/i);
      const otherRoots = await fetchCertificate(target(), 5_000, [otherCa.caCert]);
      expect(otherRoots.trusted).toBe(false);
    }
  });
});
