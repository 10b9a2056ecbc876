import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { DataKeysRepository } from './data-keys.repository.ts';

/**
 * The secrets vault: AES-256-GCM envelope encryption for tokens, client secrets, SBC and TSIG credentials.
 *
 * - The master key (MASTER_KEY) only wraps data keys, which live in `data_keys`; secrets are encrypted with a
 *   data key. Rotating the master key rewraps the data keys and leaves every ciphertext as it is.
 * - Each ciphertext is bound to its row and purpose as associated data (`table/rowId/purpose`): copied to
 *   another row or field it fails to decrypt.
 * - Stored form, versioned: `tlv1.<dataKeyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
export type SecretContext = { table: string; rowId: string; purpose: string };

export type Vault = {
  seal(plaintext: string, context: SecretContext): Promise<string>;
  open(sealed: string, context: SecretContext): Promise<string>;
};

const VERSION = 'tlv1';
const b64 = (b: Buffer) => b.toString('base64url');
const unb64 = (s: string) => Buffer.from(s, 'base64url');
const aadOf = (c: SecretContext) => Buffer.from(`${c.table}/${c.rowId}/${c.purpose}`);

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [b64(iv), b64(cipher.getAuthTag()), b64(data)].join('.');
}

function gcmOpen(key: Buffer, sealed: string, aad: Buffer): Buffer {
  const [iv, tag, data] = sealed.split('.');
  if (!iv || !tag || data === undefined) throw new Error('malformed ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key, unb64(iv));
  decipher.setAAD(aad);
  decipher.setAuthTag(unb64(tag));
  return Buffer.concat([decipher.update(unb64(data)), decipher.final()]);
}

/** A fingerprint of a master key, stored beside the data keys it wrapped (not a secret). */
export const masterKeyId = (masterKey: Buffer) =>
  createHmac('sha256', masterKey).update('trunkline/master-key-id/v1').digest('hex').slice(0, 16);

const wrapAad = (dataKeyId: string) => Buffer.from(`data-key/${dataKeyId}`);

export class VaultKeyMismatchError extends Error {
  constructor() {
    super(
      'MASTER_KEY is not the key that protects the stored secrets. Use the key they were sealed with, or rotate with `npm run secrets:rotate-master-key`.',
    );
    this.name = 'VaultKeyMismatchError';
  }
}

export function createVault({
  dataKeys,
  masterKey,
}: {
  dataKeys: DataKeysRepository;
  masterKey: Buffer;
}): Vault {
  if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
  const keyId = masterKeyId(masterKey);
  const unwrapped = new Map<string, Buffer>();

  const unwrap = (row: { id: string; wrappedKey: string; masterKeyId: string }) => {
    const cached = unwrapped.get(row.id);
    if (cached) return cached;
    if (row.masterKeyId !== keyId) throw new VaultKeyMismatchError();
    const key = gcmOpen(masterKey, row.wrappedKey, wrapAad(row.id));
    unwrapped.set(row.id, key);
    return key;
  };

  /**
   * The data key new secrets are sealed with. Kept once known: data keys are only ever added (the first seal of an
   * installation) and rewrapped (a master-key rotation changes their wrapping, never their key), so neither the
   * active key nor any unwrapped key goes stale, and sealing or opening needs no read of `data_keys` after the
   * first (one statement less before many Microsoft calls: each token refresh opens and seals a refresh token).
   */
  let active: { id: string; key: Buffer } | null = null;
  async function activeKey(): Promise<{ id: string; key: Buffer }> {
    if (active) return active;
    const row = await dataKeys.active();
    if (row) return (active = { id: row.id, key: unwrap(row) });
    const id = randomUUID();
    const key = randomBytes(32);
    await dataKeys.insert({ id, wrappedKey: gcmSeal(masterKey, key, wrapAad(id)), masterKeyId: keyId });
    unwrapped.set(id, key);
    return (active = { id, key });
  }

  return {
    async seal(plaintext, context) {
      const { id, key } = await activeKey();
      return `${VERSION}.${id}.${gcmSeal(key, Buffer.from(plaintext, 'utf8'), aadOf(context))}`;
    },
    async open(sealed, context) {
      const [version, dataKeyId, ...rest] = sealed.split('.');
      if (version !== VERSION || !dataKeyId || rest.length !== 3)
        throw new Error('not a sealed secret of this vault');
      let key = unwrapped.get(dataKeyId);
      if (!key) {
        const row = await dataKeys.get(dataKeyId);
        if (!row) throw new Error('the data key of this secret is missing');
        key = unwrap(row);
      }
      return gcmOpen(key, rest.join('.'), aadOf(context)).toString('utf8');
    },
  };
}

/** Rewraps every data key from the old master key to the new one. Run inside one transaction. */
export async function rewrapDataKeys(
  dataKeys: DataKeysRepository,
  oldKey: Buffer,
  newKey: Buffer,
): Promise<number> {
  const oldId = masterKeyId(oldKey);
  const newId = masterKeyId(newKey);
  const rows = await dataKeys.all();
  for (const row of rows) {
    if (row.masterKeyId === newId) continue; // already rotated (a re-run after an interrupted rotation)
    if (row.masterKeyId !== oldId) throw new VaultKeyMismatchError();
    const key = gcmOpen(oldKey, row.wrappedKey, wrapAad(row.id));
    await dataKeys.rewrap(row.id, gcmSeal(newKey, key, wrapAad(row.id)), newId);
  }
  return rows.length;
}
