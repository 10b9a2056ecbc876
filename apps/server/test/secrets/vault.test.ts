import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/platform/db/database.ts';
import { createDataKeysRepository } from '../../src/secrets/data-keys.repository.ts';
import { createVault, rewrapDataKeys, VaultKeyMismatchError } from '../../src/secrets/vault.ts';
import { createMigratedPgliteDir, createTestDatabase } from '../support/database.ts';

const ctx = (rowId: string, purpose = 'refresh-token') => ({ table: 'services', rowId, purpose });

describe('secrets vault (envelope encryption)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const k1 = randomBytes(32);
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
  });
  afterAll(() => db?.drop());

  const vaultWith = (key: Buffer) =>
    createVault({ dataKeys: createDataKeysRepository(db.handle.db), masterKey: key });

  it('round-trips any secret, and stores neither it nor the data key in the clear', async () => {
    const vault = vaultWith(k1);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (secret) => {
        const sealed = await vault.seal(secret, ctx('row-1'));
        expect(sealed).toMatch(/^tlv1\.[0-9a-f-]{36}\./);
        expect(await vault.open(sealed, ctx('row-1'))).toBe(secret);
      }),
      { numRuns: 40 },
    );
    const sealed = await vault.seal('refresh-token-value-123', ctx('row-1'));
    expect(sealed).not.toContain('refresh-token-value');
    const keys = await queryRows<{ wrapped_key: string }>(
      db.handle.db,
      sql`select wrapped_key from data_keys`,
    );
    expect(keys).toHaveLength(1); // one data key serves every secret
    expect(JSON.stringify(keys)).not.toContain(k1.toString('base64'));
  });

  it('binds a ciphertext to its row and purpose', async () => {
    const vault = vaultWith(k1);
    const sealed = await vault.seal('client-secret', ctx('row-1', 'client-secret'));
    await expect(vault.open(sealed, ctx('row-2', 'client-secret'))).rejects.toThrow();
    await expect(vault.open(sealed, ctx('row-1', 'refresh-token'))).rejects.toThrow();
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    await expect(vault.open(parts.join('.'), ctx('row-1', 'client-secret'))).rejects.toThrow();
  });

  it('refuses a different master key with a clear error, and works again after rewrapping to it', async () => {
    const sealed = await vaultWith(k1).seal('tsig-secret', ctx('dns'));
    const k2 = randomBytes(32);
    await expect(vaultWith(k2).open(sealed, ctx('dns'))).rejects.toBeInstanceOf(VaultKeyMismatchError);
    const count = await db.handle.db.transaction((tx) =>
      rewrapDataKeys(createDataKeysRepository(tx), k1, k2),
    );
    expect(count).toBe(1);
    expect(await vaultWith(k2).open(sealed, ctx('dns'))).toBe('tsig-secret');
    await expect(vaultWith(k1).open(sealed, ctx('dns'))).rejects.toBeInstanceOf(VaultKeyMismatchError);
    // Running the rotation again is harmless.
    await db.handle.db.transaction((tx) => rewrapDataKeys(createDataKeysRepository(tx), k1, k2));
    expect(await vaultWith(k2).open(sealed, ctx('dns'))).toBe('tsig-secret');
  });

  it('reads a data key from the database once per process, not at every seal and open', async () => {
    const fresh = await createTestDatabase({ migrated: true }); // the test above rotated this file's key
    const repo = createDataKeysRepository(fresh.handle.db);
    const reads = { active: 0, get: 0 };
    const vault = createVault({
      dataKeys: {
        ...repo,
        active: () => (reads.active++, repo.active()),
        get: (id) => (reads.get++, repo.get(id)),
      },
      masterKey: k1,
    });
    for (let i = 0; i < 5; i++) {
      const sealed = await vault.seal(`token ${i}`, ctx('row-9'));
      expect(await vault.open(sealed, ctx('row-9'))).toBe(`token ${i}`);
    }
    expect(reads).toEqual({ active: 1, get: 0 });
    // A secret sealed by another process (its own vault) opens after one read of its data key.
    const other = await createVault({ dataKeys: repo, masterKey: k1 }).seal('elsewhere', ctx('row-9'));
    expect(await vault.open(other, ctx('row-9'))).toBe('elsewhere');
    expect(reads.get).toBeLessThanOrEqual(1);
    await fresh.drop();
  });
});

describe('npm run secrets:rotate-master-key (embedded installation)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-rotate-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('rewraps the data keys and replaces the key file; secrets stay readable with the new key only', async () => {
    const oldKey = randomBytes(32);
    writeFileSync(path.join(dataDir, 'master.key'), oldKey.toString('base64'), { mode: 0o600 });
    await createMigratedPgliteDir(path.join(dataDir, 'pglite'));
    let handle = await openDatabase({ kind: 'pglite', dir: path.join(dataDir, 'pglite') });
    const sealed = await createVault({
      dataKeys: createDataKeysRepository(handle.db),
      masterKey: oldKey,
    }).seal('app-secret', ctx('svc'));
    await handle.close();

    const newKey = randomBytes(32);
    const newKeyFile = path.join(dataDir, 'new.key');
    writeFileSync(newKeyFile, newKey.toString('base64'));
    const root = path.resolve(import.meta.dirname, '../../../..');
    const env = { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'apps/server/src/cli/rotate-master-key.ts'), newKeyFile],
      { env },
    );
    expect(stdout).toMatch(/Rewrapped 1 data key/);
    expect(readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim()).toBe(newKey.toString('base64'));

    handle = await openDatabase({ kind: 'pglite', dir: path.join(dataDir, 'pglite') });
    expect(
      await createVault({ dataKeys: createDataKeysRepository(handle.db), masterKey: newKey }).open(
        sealed,
        ctx('svc'),
      ),
    ).toBe('app-secret');
    await handle.close();
  });
});
