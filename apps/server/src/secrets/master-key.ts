import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The configured MASTER_KEY, or for an embedded installation a key generated once into
 * `DATA_DIR/master.key` (mode 0600). Production deployments set MASTER_KEY.
 */
export async function resolveMasterKey(
  configured: Buffer | undefined,
  dataDir: string,
): Promise<{ key: Buffer; generated: boolean }> {
  if (configured) return { key: configured, generated: false };
  const file = path.join(dataDir, 'master.key');
  try {
    return { key: Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'), generated: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(
    async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    },
  );
  return { key: Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'), generated: true };
}
