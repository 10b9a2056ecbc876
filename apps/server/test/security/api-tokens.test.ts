import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { Client, expectStatus } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'a long enough password';
const DAY = 86_400_000;

describe('API token lifecycle', () => {
  let server: TestServer;
  let admin: Client;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer({ API_TOKEN_MAX_DAYS: '180' });
    admin = await server.admin();
  });
  afterAll(() => server?.close());

  async function newUserWithToken(body: Record<string, unknown> = {}) {
    const email = `token-owner-${++n}@example.com`;
    const user = expectStatus(
      await admin.post('/api/v1/users', {
        email,
        name: `Owner ${n}`,
        role: 'provider_admin',
        password: PASSWORD,
      }),
      201,
    );
    const c = server.client();
    await c.login(email, PASSWORD);
    const created = expectStatus(await c.post('/api/v1/api-tokens', { name: 'script', ...body }), 201);
    const script = new Client(server.url, null);
    script.bearer = created.token;
    return { user, email, c, created, script };
  }

  it('expires after 90 days by default, or the days chosen at creation up to the configured maximum', async () => {
    const before = Date.now();
    const { created, c } = await newUserWithToken();
    const expires = Date.parse(created.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 90 * DAY - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 90 * DAY + 1000);
    const week = expectStatus(await c.post('/api/v1/api-tokens', { name: 'week', expiresInDays: 7 }), 201);
    expect(Math.round((Date.parse(week.expiresAt) - Date.now()) / DAY)).toBe(7);
    const tooLong = await c.post('/api/v1/api-tokens', { name: 'forever', expiresInDays: 181 });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ path: 'expiresInDays' })]);
    const list = expectStatus(await c.get('/api/v1/api-tokens'), 200);
    expect(list.items.map((t: { expiresAt: string }) => t.expiresAt).sort()).toEqual(
      [created.expiresAt, week.expiresAt].sort(),
    );
  });

  it('refuses a token once it has expired', async () => {
    const { created, script } = await newUserWithToken({ expiresInDays: 1 });
    expectStatus(await script.get('/api/v1/me'), 200);
    // A day passes: the clock of the stored expiry moves into the past.
    await queryRows(
      server.runtime.handle.db,
      sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${created.id}`,
    );
    expect((await script.get('/api/v1/me')).status).toBe(401);
  });

  it('shows when and from which address a token was last used', async () => {
    const { c, created, script } = await newUserWithToken();
    expect(expectStatus(await c.get('/api/v1/api-tokens'), 200).items[0]).toMatchObject({
      lastUsedAt: null,
      lastUsedIp: null,
    });
    expectStatus(await script.get('/api/v1/me'), 200);
    const [token] = expectStatus(await c.get('/api/v1/api-tokens'), 200).items;
    expect(token.id).toBe(created.id);
    expect(Date.parse(token.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(token.lastUsedIp).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  });

  it('revokes every token of a user whose password an admin resets', async () => {
    const { user, script, c } = await newUserWithToken();
    expectStatus(await script.get('/api/v1/me'), 200);
    expectStatus(await admin.patch(`/api/v1/users/${user.id}`, { password: 'a brand new password' }), 200);
    expect((await script.get('/api/v1/me')).status).toBe(401);
    expect((await c.get('/api/v1/me')).status).toBe(401);
    const owner = server.client();
    await owner.login(user.email, 'a brand new password');
    expect(expectStatus(await owner.get('/api/v1/api-tokens'), 200).items).toEqual([]);
    const audit = expectStatus(await admin.get('/api/v1/audit?action=user.update'), 200);
    expect(audit.items.find((e: { targetId: string }) => e.targetId === user.id).summary).toMatchObject({
      revokedApiAccess: 1,
    });
  });

  it('revokes tokens and sessions of a disabled user for good: re-enabling revives none of them', async () => {
    const { user, script, c } = await newUserWithToken();
    expectStatus(await admin.patch(`/api/v1/users/${user.id}`, { disabled: true }), 200);
    expect((await script.get('/api/v1/me')).status).toBe(401);
    expectStatus(await admin.patch(`/api/v1/users/${user.id}`, { disabled: false }), 200);
    expect((await script.get('/api/v1/me')).status).toBe(401);
    expect((await c.get('/api/v1/me')).status).toBe(401);
    const owner = server.client();
    await owner.login(user.email, PASSWORD);
    expect(expectStatus(await owner.get('/api/v1/api-tokens'), 200).items).toEqual([]);
  });

  it('does not let a token mint tokens (a stolen one cannot outlive its expiry)', async () => {
    const { script } = await newUserWithToken();
    expect((await script.post('/api/v1/api-tokens', { name: 'copy' })).status).toBe(403);
  });
});
