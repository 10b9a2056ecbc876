/**
 * `npm run secrets:rotate-master-key -- <file with the new key>`: rewraps the vault's data keys from the
 * current master key (MASTER_KEY, or DATA_DIR/master.key in an embedded installation) to a new one, in one
 * transaction. Secrets themselves are not re-encrypted. With the embedded key file, the file is replaced;
 * with MASTER_KEY, set it to the new key on every host before the next start.
 *
 * Create a new key with: openssl rand -base64 32 > new-master.key
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfigOrExit } from '../config/config.ts';
import { migrateDatabase, openDatabase } from '../platform/db/database.ts';
import { createDataKeysRepository } from '../secrets/data-keys.repository.ts';
import { resolveMasterKey } from '../secrets/master-key.ts';
import { masterKeyId, rewrapDataKeys } from '../secrets/vault.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write(
    'Usage: npm run secrets:rotate-master-key -- <file holding the new key, base64 of 32 bytes>\n',
  );
  process.exit(2);
}
const config = loadConfigOrExit();
const newKey = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
if (newKey.length !== 32) {
  process.stderr.write(`${file} must hold 32 random bytes in base64 (openssl rand -base64 32).\n`);
  process.exit(2);
}
const { key: oldKey } = await resolveMasterKey(config.masterKey, config.dataDir);
if (masterKeyId(oldKey) === masterKeyId(newKey)) {
  process.stderr.write('The new key is the current key; nothing to do.\n');
  process.exit(2);
}
const handle = await openDatabase(config.database);
try {
  await migrateDatabase(handle);
  const count = await handle.db.transaction((tx) =>
    rewrapDataKeys(createDataKeysRepository(tx), oldKey, newKey),
  );
  if (!config.masterKey) {
    const keyFile = path.join(config.dataDir, 'master.key');
    await writeFile(`${keyFile}.new`, newKey.toString('base64'), { mode: 0o600 });
    await rename(`${keyFile}.new`, keyFile);
    process.stdout.write(`Rewrapped ${count} data key(s); ${keyFile} now holds the new key.\n`);
  } else {
    process.stdout.write(
      `Rewrapped ${count} data key(s). Set MASTER_KEY to the new key on every host before the next start.\n`,
    );
  }
} finally {
  await handle.close();
}
