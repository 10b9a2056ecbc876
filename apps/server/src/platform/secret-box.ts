import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Authenticated encryption (AES-256-GCM) for secrets at rest: tokens, client secrets, SBC and TSIG
 * credentials. Stored form: `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` (for example a service id
 * and a field name) is bound as associated data, so a ciphertext cannot be moved to another row.
 */
export type SecretBox = {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
};

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the master key must be 32 bytes');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        data.toString('base64url'),
      ].join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

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
