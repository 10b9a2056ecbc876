import { afterAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * `X-Forwarded-For` names the client only when the hop it came from is a trusted proxy (TRUST_PROXY):
 * otherwise anyone could pick the address the audit trail records and the sign-in throttle counts.
 */
describe('TRUST_PROXY', () => {
  const servers: TestServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  /** The address the audit trail recorded for a failed sign-in sent with this X-Forwarded-For. */
  const recordedAddress = async (server: TestServer, forwardedFor: string) => {
    const email = `probe-${Math.random().toString(36).slice(2)}@example.com`;
    const res = await server.client().request(
      'POST',
      '/api/v1/session',
      { email, password: 'not the password' },
      {
        'x-forwarded-for': forwardedFor,
      },
    );
    expect(res.status).toBe(401);
    const admin = await server.admin();
    const audit = expectStatus(await admin.get('/api/v1/audit?action=session.login&pageSize=200'), 200);
    const event = (audit.items as { actorEmail: string; ip: string | null }[]).find(
      (e) => e.actorEmail === email,
    );
    expect(event).toBeDefined();
    return event!.ip;
  };

  it('trusts nobody by default: the audit trail records the connecting address, not the header', async () => {
    const server = await startTestServer();
    servers.push(server);
    const ip = await recordedAddress(server, '203.0.113.7');
    expect(ip).not.toBe('203.0.113.7');
    expect(ip).toMatch(/127\.0\.0\.1/);
  });

  it('does not let a rotating X-Forwarded-For escape the per-address sign-in budget by default', async () => {
    const server = await startTestServer({ LOGIN_MAX_FAILURES: '2' });
    servers.push(server);
    const c = server.client();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await c.request(
        'POST',
        '/api/v1/session',
        { email: `victim${i}@example.com`, password: 'guess' },
        { 'x-forwarded-for': `198.51.100.${i + 1}` },
      );
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
  });

  it('takes the client from X-Forwarded-For when the connecting hop is a trusted proxy address', async () => {
    const server = await startTestServer({ TRUST_PROXY: '127.0.0.1/8, ::1' });
    servers.push(server);
    expect(await recordedAddress(server, '203.0.113.7')).toBe('203.0.113.7');
    // Only the last hop that is not trusted counts: a client cannot prepend a fake address.
    expect(await recordedAddress(server, '192.0.2.66, 203.0.113.8')).toBe('203.0.113.8');
  });

  it('counts hops when TRUST_PROXY is a number', async () => {
    const server = await startTestServer({ TRUST_PROXY: '1' });
    servers.push(server);
    expect(await recordedAddress(server, '192.0.2.66, 203.0.113.9')).toBe('203.0.113.9');
  });
});
