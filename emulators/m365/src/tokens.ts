import { createHash, createPublicKey, randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import {
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose';

/**
 * The emulator's token signing key: one RS256 key generated at start, or the private JWK `saved` from a state file
 * (so tokens issued before a restart still verify). The `kid` (and `x5t`) is a base64url SHA-1 thumbprint like
 * Entra's; the JWKS has no `x5c` certificate chain (none is generated).
 */
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export const createSigner = async (saved?: JWK) => {
  const { publicKey, privateKey } = saved
    ? {
        privateKey: (await importJWK(saved, 'RS256', { extractable: true })) as Key,
        publicKey: (await importJWK({ kty: saved.kty, n: saved.n, e: saved.e }, 'RS256')) as Key,
      }
    : await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  const der = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({
    type: 'spki',
    format: 'der',
  });
  const kid = createHash('sha1').update(der).digest('base64url');

  const sign = (claims: JWTPayload, lifetimeSeconds: number) => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, iat, nbf: iat - 300, exp: iat + lifetimeSeconds })
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid, x5t: kid })
      .sign(privateKey);
  };

  const jwks = (issuerTemplate: string): { keys: JWK[] } => ({
    keys: [{ kty: jwk.kty!, use: 'sig', kid, x5t: kid, n: jwk.n!, e: jwk.e!, issuer: issuerTemplate } as JWK],
  });

  /** Signature and lifetime check; the caller checks audience, issuer and tenant to answer with precise errors. */
  const verify = async (
    token: string,
  ): Promise<{ ok: true; payload: JWTPayload } | { ok: false; reason: 'expired' | 'invalid' }> => {
    try {
      const { payload } = await jwtVerify(token, publicKey, { algorithms: ['RS256'] });
      return { ok: true, payload };
    } catch (e) {
      return { ok: false, reason: e instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  };

  /** The private key as a JWK, for the state file. */
  const privateJwk = () => exportJWK(privateKey);

  return { sign, jwks, verify, kid, privateJwk };
};

export type Signer = Awaited<ReturnType<typeof createSigner>>;

/** Opaque claims Entra puts in every token (`aio`, `uti`, `rh`); random values of a similar look. */
export const opaqueClaims = () => ({
  aio: randomBytes(48).toString('base64url'),
  rh: `1.${randomBytes(40).toString('base64url')}.`,
  uti: randomBytes(16).toString('base64url'),
});

/** Pairwise `sub` for user tokens: stable per user and app, different across apps. */
export const pairwiseSub = (oid: string, appId: string) =>
  createHash('sha256').update(`${oid}:${appId}`).digest('base64url').slice(0, 43);

export const newOpaqueToken = (prefix: string) => `${prefix}${randomBytes(64).toString('base64url')}`;
export const newId = () => randomUUID();
