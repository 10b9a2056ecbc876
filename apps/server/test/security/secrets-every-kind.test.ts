import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { totpCode } from '../../src/auth/totp.ts';
import { SBC_USER, startDefaultSbc, type DefaultSbc } from '../support/audiocodes.ts';
import { Client, expectStatus } from '../support/client.ts';
import { inviteService } from '../support/microsoft.ts';
import { dumpEveryTable, expectNoSecretIn, type Secret } from '../support/secrets-scan.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld } from '../support/routing.ts';
import { ADMIN, type TestServer } from '../support/server.ts';

const contoso = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!;
const MASTER_KEY = randomBytes(32);
const PASSWORD = 'the known password of a local account';
const AZURE_SECRET = `azure-dns-client-secret-${randomBytes(12).toString('hex')}`;
const AZURE_DNS = {
  kind: 'azure',
  subscriptionId: '11111111-1111-4111-8111-111111111111',
  resourceGroup: 'dns',
  tenantId: '22222222-2222-4222-8222-222222222222',
  clientId: '33333333-3333-4333-8333-333333333333',
};

/** The forms a random byte string is written in. */
const bytesForms = (b: Buffer) => [b.toString('base64'), b.toString('base64url'), b.toString('hex')];

/**
 * The secrets of every kind (Microsoft's other paths are in onboarding/secrets-at-rest.test.ts), each used through
 * the API as a portal user would, around a full sandbox onboarding (connection and a routing run that updates the
 * provider's DNS with the TSIG key): none is in any table of the database or in the captured logs.
 */
describe('no secret of any kind in plaintext at rest or in the logs', () => {
  let world: RoutingWorld;
  let sbc: DefaultSbc;
  let server: TestServer;
  let admin: Client;
  const secrets: Secret[] = [];
  const add = (kind: string, ...forms: string[]) => secrets.push({ kind, forms });

  beforeAll(async () => {
    world = await startRoutingWorld({ env: { MASTER_KEY: MASTER_KEY.toString('base64') } });
    ({ server, admin } = world);
    add('master key', ...bytesForms(MASTER_KEY));

    // DNS provider secrets: the Azure client secret saved, then the TSIG key of the provider's DNS (both kept,
    // one per kind), which a routing run then uses to update the zone.
    const current = expectStatus(await admin.get('/api/v1/settings/routing'), 200);
    const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
    expectStatus(
      await admin.put('/api/v1/settings/routing', {
        ...rest,
        sbcBaseDomain: 'sbc.provider.example',
        sbcAddresses: ['198.51.100.10'],
        dns: AZURE_DNS,
        dnsSecret: AZURE_SECRET,
      }),
      200,
    );
    expect((await world.saveSettings()).dnsSecretSet).toBe(true);
    expect((await server.runtime.services.routingSettings.effective()).dnsSecret).toBe(world.secret);
    add('TSIG key', world.secret, Buffer.from(world.secret, 'base64').toString('hex'));
    add('Azure DNS client secret', AZURE_SECRET);

    // A full sandbox onboarding: a service connected with the Microsoft admin's password, routing run to the end.
    const customerId = expectStatus(
      await admin.post('/api/v1/customers', { name: 'Secrets customer' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'secrets-all');
    add('Microsoft admin password', contoso.users[0]!.password);
    add('provider app client secret (ENTRA_CLIENT_SECRET)', loadDefaultSeed().apps[0]!.clientSecrets[0]!);
    expectStatus(await admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const run = await waitForWorkflow(
      admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    );
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');

    // A local account with a known password, signed in: its session cookie.
    const email = 'secrets-every-kind@example.com';
    expectStatus(
      await admin.post('/api/v1/users', {
        email,
        name: 'Secrets',
        role: 'provider_admin',
        password: PASSWORD,
      }),
      201,
    );
    const user = server.client();
    await user.login(email, PASSWORD);
    expectStatus(await user.get('/api/v1/me'), 200);
    add('local account password', PASSWORD);
    const session = user.cookie!.split('=')[1]!;
    add('session cookie', session);
    add('admin session cookie', admin.cookie!.split('=')[1]!);
    add('bootstrap admin password', ADMIN.password);

    // An SBC's management password (Settings → SBCs), used by Test connection against the AudioCodes emulator.
    sbc = await startDefaultSbc();
    const entry = expectStatus(
      await admin.post('/api/v1/sbcs', {
        name: 'Secrets SBC',
        kind: 'audiocodes',
        managementUrl: sbc.emulator.url,
        username: SBC_USER.username,
        password: SBC_USER.password,
        carrierFqdn: 'sbc.provider.example',
        addresses: ['198.51.100.10'],
      }),
      201,
    );
    expect(expectStatus(await admin.post(`/api/v1/sbcs/${entry.id}/test`), 200).ok).toBe(true);
    add(
      'SBC management password',
      SBC_USER.password,
      Buffer.from(`${SBC_USER.username}:${SBC_USER.password}`).toString('base64'),
    );

    // An API token, used.
    const token = expectStatus(await user.post('/api/v1/api-tokens', { name: 'script' }), 201)
      .token as string;
    const script = new Client(server.url, null);
    script.bearer = token;
    expect(expectStatus(await script.get('/api/v1/me'), 200).email).toBe(email);
    add('API token', token);

    // Two-factor: the TOTP secret and the recovery codes; a sign-in with a code and one with a recovery code.
    const enrolment = expectStatus(await user.post('/api/v1/me/two-factor/enrolment'), 200);
    const totpSecret = enrolment.secret as string;
    const { recoveryCodes } = expectStatus(
      await user.post('/api/v1/me/two-factor/enrolment/confirm', { code: totpCode(totpSecret, new Date()) }),
      200,
    ) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    add('TOTP secret', totpSecret);
    for (const code of recoveryCodes) add('recovery code', code, code.replace(/-/g, ''));
    const browser = server.client();
    const challenge = await browser.post('/api/v1/session', { email, password: PASSWORD });
    expect(challenge.status).toBe(202);
    add('two-factor challenge', challenge.body.challenge);
    expectStatus(
      await browser.post('/api/v1/session/two-factor', {
        challenge: challenge.body.challenge,
        code: totpCode(totpSecret, new Date(Date.now() + 30_000)),
      }),
      200,
    );
    add('session cookie after two-factor', browser.cookie!.split('=')[1]!);
    const other = server.client();
    const second = await other.post('/api/v1/session', { email, password: PASSWORD });
    expectStatus(
      await other.post('/api/v1/session/two-factor', {
        challenge: second.body.challenge,
        code: recoveryCodes[0],
      }),
      200,
    );

    // Invitation link tokens: one opened, one not.
    const opened = await inviteService(admin, customerId, 'secrets-inv-1');
    expectStatus(await server.client().post('/api/v1/invitations/open', { token: opened.token }), 200);
    const pending = await inviteService(admin, customerId, 'secrets-inv-2');
    add('invitation link token', opened.token, pending.token);
  });
  afterAll(async () => {
    await world?.close();
    await sbc?.stop();
  });

  it('keeps none of them in any table', async () => {
    const dump = await dumpEveryTable(server.runtime.handle.db);
    // The dump is real: it holds what is not secret, and the sealed forms.
    expect(dump).toContain('secrets-every-kind@example.com');
    expect(dump).toContain('tlv1.');
    expectNoSecretIn(dump, 'the database', secrets);
  });

  it('logs none of them', () => {
    const logs = server.logs.text();
    expect(logs.length).toBeGreaterThan(1000);
    expectNoSecretIn(logs, 'the logs', secrets);
  });
});
