import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../support/client.ts';
import { expectStatus } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const TSIG = Buffer.from('the tsig key of the sbc zone, 32b').toString('base64');
const AZURE = 'the azure client secret';
const RFC2136 = { kind: 'rfc2136', server: '192.0.2.53', keyName: 'trunkline-key' };
const AZURE_DNS = {
  kind: 'azure',
  subscriptionId: '11111111-1111-4111-8111-111111111111',
  resourceGroup: 'dns',
  tenantId: '22222222-2222-4222-8222-222222222222',
  clientId: '33333333-3333-4333-8333-333333333333',
};
const MANUAL = { kind: 'manual', resolvers: ['192.0.2.1'] };

describe('routing settings keep one DNS secret per provider kind', () => {
  let server: TestServer;
  let admin: Client;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
  });
  afterAll(() => server?.close());

  async function save(dns: Record<string, unknown>, dnsSecret?: string) {
    const current = expectStatus(await admin.get('/api/v1/settings/routing'), 200);
    const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
    return expectStatus(
      await admin.put('/api/v1/settings/routing', {
        ...rest,
        sbcBaseDomain: 'sbc.provider.example',
        sbcAddresses: ['198.51.100.10'],
        dns,
        ...(dnsSecret ? { dnsSecret } : {}),
      }),
      200,
    );
  }
  /** The secret a routing run would use now. */
  const secretInUse = async () => (await server.runtime.services.routingSettings.effective()).dnsSecret;

  it('switching the DNS provider kind and back keeps the stored TSIG key', async () => {
    expect((await save(RFC2136, TSIG)).dnsSecretSet).toBe(true);
    expect(await secretInUse()).toBe(TSIG);
    // Manual DNS has no secret; the TSIG key is not used, but kept.
    expect((await save(MANUAL)).dnsSecretSet).toBe(false);
    expect(await secretInUse()).toBeNull();
    expect((await save(RFC2136)).dnsSecretSet).toBe(true);
    expect(await secretInUse()).toBe(TSIG);
  });

  it('keeps the Azure client secret and the TSIG key apart', async () => {
    await save(RFC2136, TSIG);
    // A new kind without its own secret starts without one: the TSIG key is never handed to Azure.
    expect((await save(AZURE_DNS)).dnsSecretSet).toBe(false);
    expect(await secretInUse()).toBeNull();
    await save(AZURE_DNS, AZURE);
    expect(await secretInUse()).toBe(AZURE);
    await save(RFC2136);
    expect(await secretInUse()).toBe(TSIG);
    await save(AZURE_DNS);
    expect(await secretInUse()).toBe(AZURE);
    // A new secret for the kind in use replaces only that one.
    const newTsig = Buffer.from('another tsig key of the sbc zone!').toString('base64');
    await save(RFC2136, newTsig);
    expect(await secretInUse()).toBe(newTsig);
    await save(AZURE_DNS);
    expect(await secretInUse()).toBe(AZURE);
  });
});
