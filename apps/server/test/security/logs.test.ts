import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/platform/db/database.ts';
import { users } from '../../src/platform/db/schema.ts';
import { hashPassword, hashToken } from '../../src/platform/crypto.ts';
import { createTestDatabase } from '../support/database.ts';
import { captureLogs } from '../support/log-capture.ts';

/**
 * A failed query reaches the log as the server's error handler logs it (`{ err }`): with its statement and
 * the database's error code, never with its parameters (password hashes, token hashes, e-mail addresses).
 */
describe('failed queries in the log', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateDatabase(db.handle);
  });
  afterAll(() => db?.drop());

  const failing = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      return err;
    }
    throw new Error('the query did not fail');
  };

  it('logs the statement and the SQLSTATE of a rejected insert, not its parameters', async () => {
    const passwordHash = await hashPassword('a password nobody may read');
    const email = 'someone.private@example.com';
    const err = await failing(() =>
      db.handle.db
        .insert(users)
        .values({ email, name: 'Nul\u0000name', passwordHash, role: 'provider_admin' }),
    );
    const logs = captureLogs();
    logs.logger.error({ err }, 'unhandled error');
    const text = logs.text();
    expect(text).toContain('insert into \\"users\\"');
    expect(text).not.toContain(passwordHash);
    expect(text).not.toContain(passwordHash.split('$').at(-1));
    expect(text).not.toContain(email);
    expect(text).not.toContain('Nul');
    const line = JSON.parse(logs.lines.at(-1)!) as { err: { code?: string; cause?: { code?: string } } };
    expect(line.err.cause?.code ?? line.err.code).toMatch(/^[0-9A-Z]{5}$/);
  });

  it('does not echo a parameter through the database message or detail (a unique violation)', async () => {
    const tokenHash = hashToken('tlk_some-api-token-value');
    const email = 'twice@example.com';
    await db.handle.db
      .insert(users)
      .values({ email, name: 'Once', passwordHash: tokenHash, role: 'provider_admin' });
    const err = await failing(() =>
      db.handle.db
        .insert(users)
        .values({ email, name: 'Twice', passwordHash: tokenHash, role: 'provider_admin' }),
    );
    const logs = captureLogs();
    logs.logger.error({ err }, 'unhandled error');
    logs.logger.warn({ error: err, nested: { failure: err } }, 'another shape');
    const text = logs.text();
    expect(text).toContain('users_email_uq');
    expect(text).toContain('23505');
    expect(text).not.toContain(email);
    expect(text).not.toContain(tokenHash);
  });
});
