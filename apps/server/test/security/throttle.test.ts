import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Brute force is slowed, and the owner still gets in. The test server trusts the loopback proxy
 * (TRUST_PROXY), so X-Forwarded-For plays the part of the attacker's and the owner's addresses.
 */
describe('sign-in throttling', () => {
  let server: TestServer;
  const owner = { email: 'owner@example.com', password: 'the owner password' };
  const MAX = 2;

  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES: String(MAX), TRUST_PROXY: 'loopback' });
    const admin = await server.admin();
    expectStatus(await admin.post('/api/v1/users', { ...owner, name: 'Owner', role: 'provider_admin' }), 201);
  });
  afterAll(() => server?.close());

  const signIn = (from: string, body: { email: string; password: string }) =>
    server.client().request('POST', '/api/v1/session', body, { 'x-forwarded-for': from });

  it('slows a guesser at one address with 429 and Retry-After, even when it finally has the password', async () => {
    const attacker = '198.51.100.7';
    for (let i = 0; i < MAX; i++)
      expect((await signIn(attacker, { email: owner.email, password: `guess ${i}` })).status).toBe(401);
    const slowed = await signIn(attacker, { email: owner.email, password: 'guess again' });
    expect(slowed.status).toBe(429);
    expect(slowed.headers.get('content-type')).toMatch(/problem\+json/);
    expect(slowed.body.code).toBe('rate_limited');
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await signIn(attacker, owner)).status).toBe(429);
  });

  it('lets the owner in from their own address while the guesser is being slowed', async () => {
    const res = await signIn('203.0.113.20', owner);
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(owner.email);
  });

  it('stops an address that sprays one password over many e-mails, without locking those e-mails', async () => {
    const sprayer = '198.51.100.8';
    const statuses: number[] = [];
    for (let i = 0; i < MAX * 4 + 1; i++)
      statuses.push(
        (await signIn(sprayer, { email: `user${i}@example.com`, password: 'Summer2026!' })).status,
      );
    expect(statuses.slice(0, MAX * 4).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect((await signIn(sprayer, owner)).status).toBe(429);
    expect((await signIn('203.0.113.21', owner)).status).toBe(200);
  });

  it('closes a distributed attack on one e-mail to the addresses taking part; the owner still gets in', async () => {
    const victim = owner.email;
    // Many addresses, each within its own free allowance, together past the e-mail's budget.
    let accepted = 0;
    let refusedAt: string | null = null;
    for (let a = 1; a <= MAX * 10 && !refusedAt; a++)
      for (let i = 0; i < MAX && !refusedAt; i++) {
        const from = `192.0.2.${a}`;
        const res = await signIn(from, { email: victim, password: `bot ${a}.${i}` });
        if (res.status === 429) refusedAt = from;
        else {
          expect(res.status).toBe(401);
          accepted++;
        }
      }
    expect(refusedAt).not.toBeNull();
    expect(accepted).toBeLessThanOrEqual(MAX * 10);
    expect((await signIn('192.0.2.1', { email: victim, password: 'bot again' })).status).toBe(429);
    expect((await signIn('203.0.113.22', owner)).status).toBe(200);
  }, 120_000);
});
