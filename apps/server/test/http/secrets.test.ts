import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus } from '../support/client.ts';
import { ADMIN, startTestServer, type TestServer } from '../support/server.ts';

/**
 * Drives the flows that handle secrets, then dumps every table of the database (application and job
 * schemas) and every captured log line, and looks for the plaintext.
 */
describe('no plaintext secret in the database or the logs', () => {
  let server: TestServer;
  const secrets: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await server.admin();
    secrets.push(ADMIN.password, admin.cookie!.split('=')[1]!);
    const userPassword = 'user password that must not leak';
    secrets.push(userPassword);
    const channel = expectStatus(await admin.post('/api/v1/channels', { name: 'Secrets channel' }), 201);
    const user = expectStatus(
      await admin.post('/api/v1/users', {
        email: 'leak@example.com',
        name: 'Leak',
        role: 'channel_admin',
        channelId: channel.id,
        password: userPassword,
      }),
      201,
    );
    const newPassword = 'changed password that must not leak';
    secrets.push(newPassword);
    expectStatus(await admin.patch(`/api/v1/users/${user.id}`, { password: newPassword }), 200);
    const token = expectStatus(await admin.post('/api/v1/api-tokens', { name: 'leak test' }), 201)
      .token as string;
    secrets.push(token);
    const c = server.client();
    await c.post('/api/v1/session', {
      email: 'leak@example.com',
      password: 'a wrong password that must not leak',
    });
    secrets.push('a wrong password that must not leak');
    await c.login('leak@example.com', newPassword);
    secrets.push(c.cookie!.split('=')[1]!);
    const script = server.client();
    script.bearer = token;
    expectStatus(await script.get('/api/v1/me'), 200);
  });
  afterAll(() => server?.close());

  it('keeps none of them in any table', async () => {
    const db = server.runtime.handle.db;
    const tables = await queryRows<{ table_schema: string; table_name: string }>(
      db,
      sql`select table_schema, table_name from information_schema.tables where table_schema in ('public', 'pgboss', 'drizzle') and table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const row of tables) {
      dump += JSON.stringify(
        await queryRows(db, sql.raw(`select * from "${row.table_schema}"."${row.table_name}"`)),
      );
    }
    expect(dump).toContain('leak@example.com'); // the dump did read the data
    for (const secret of secrets) expect(dump).not.toContain(secret);
  });

  it('logs none of them', () => {
    const logs = server.logs.text();
    expect(logs).toContain('/api/v1/session'); // requests were logged
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
