import { createHash, randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';

/**
 * TOTP (RFC 6238) through otpauth: HMAC-SHA1, 6 digits, 30-second steps, the parameters every authenticator
 * app understands. A code is accepted one step either side of now (clock drift); the caller remembers the
 * accepted step so a code works once (RFC 6238, section 5.2).
 */
export type TotpParams = { algorithm: 'SHA1' | 'SHA256' | 'SHA512'; digits: number; period: number };
export const TOTP_DEFAULTS: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };

/** A new shared secret: 160 random bits (RFC 4226, section 4), in base32 as authenticator apps take it. */
export const newTotpSecret = (): string => new OTPAuth.Secret({ size: 20 }).base32;

const totpOf = (secretBase32: string, params: TotpParams = TOTP_DEFAULTS, label = '', issuer = '') =>
  new OTPAuth.TOTP({
    issuer,
    label,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
    algorithm: params.algorithm,
    digits: params.digits,
    period: params.period,
  });

/** The code for a moment (tests and the RFC's vectors). */
export const totpCode = (secretBase32: string, at: Date, params: TotpParams = TOTP_DEFAULTS): string =>
  totpOf(secretBase32, params).generate({ timestamp: at.getTime() });

/** The time step a valid code belongs to (within one step of `at`), or null. */
export function verifyTotp(
  secretBase32: string,
  code: string,
  at: Date,
  params: TotpParams = TOTP_DEFAULTS,
): number | null {
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return null;
  const totp = totpOf(secretBase32, params);
  const delta = totp.validate({ token: code, timestamp: at.getTime(), window: 1 });
  if (delta === null) return null;
  return totp.counter({ timestamp: at.getTime() }) + delta;
}

/** The otpauth:// URI an authenticator app scans, and the same as an SVG QR code (a data: URL). */
export async function totpEnrolment(
  secretBase32: string,
  { issuer, account }: { issuer: string; account: string },
): Promise<{ otpauthUri: string; qrCode: string }> {
  const otpauthUri = totpOf(secretBase32, TOTP_DEFAULTS, account, issuer).toString();
  // qrcode is loaded on the first enrolment, not at start-up: most processes never draw one.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { otpauthUri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** 32 symbols without I, O, 0 and 1, so each random byte's low five bits pick one without bias. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Ten one-time recovery codes like `7KQM-2XHD-9PRT-WB4N` (80 random bits each). */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(16);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** Recovery codes are compared without case, spaces or hyphens, as SHA-256 of that form. */
export const normalizeRecoveryCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
export const hashRecoveryCode = (code: string) =>
  createHash('sha256')
    .update(`recovery:${normalizeRecoveryCode(code)}`)
    .digest('hex');
