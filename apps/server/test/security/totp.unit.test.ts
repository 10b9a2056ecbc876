import fc from 'fast-check';
import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  totpCode,
  totpEnrolment,
  verifyTotp,
  type TotpParams,
} from '../../src/auth/totp.ts';

const b32 = (ascii: string) => OTPAuth.Secret.fromLatin1(ascii).base32;
const SEEDS = {
  SHA1: b32('12345678901234567890'),
  SHA256: b32('12345678901234567890123456789012'),
  SHA512: b32('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

// RFC 6238, Appendix B: 8 digits, 30-second steps.
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP wrapper (RFC 6238)', () => {
  it('computes and accepts the RFC 6238 test vectors for SHA-1, SHA-256 and SHA-512', () => {
    for (const [seconds, ...codes] of VECTORS) {
      const at = new Date(seconds * 1000);
      (['SHA1', 'SHA256', 'SHA512'] as const).forEach((algorithm, i) => {
        const params: TotpParams = { algorithm, digits: 8, period: 30 };
        expect(totpCode(SEEDS[algorithm], at, params)).toBe(codes[i]);
        expect(verifyTotp(SEEDS[algorithm], codes[i]!, at, params)).toBe(Math.floor(seconds / 30));
      });
    }
  });

  it('accepts one step of drift either side, not two, and names the step the code belongs to', () => {
    const secret = newTotpSecret();
    const now = new Date(1_765_000_000_000);
    const step = Math.floor(now.getTime() / 30_000);
    for (const d of [-1, 0, 1])
      expect(verifyTotp(secret, totpCode(secret, new Date(now.getTime() + d * 30_000)), now)).toBe(step + d);
    for (const d of [-2, 2])
      expect(verifyTotp(secret, totpCode(secret, new Date(now.getTime() + d * 30_000)), now)).toBeNull();
  });

  it('rejects anything that is not six digits of the right code', () => {
    const secret = newTotpSecret();
    const now = new Date();
    const right = totpCode(secret, now);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (code) => {
        fc.pre(code !== right);
        const step = verifyTotp(secret, code, now);
        // Another valid code of the window is possible only for the neighbouring steps' codes.
        if (step !== null) expect(/^\d{6}$/.test(code)).toBe(true);
      }),
    );
    expect(verifyTotp(secret, ` ${right}`, now)).toBeNull();
    expect(verifyTotp(secret, `${right}0`, now)).toBeNull();
  });

  it('makes 160-bit secrets and an otpauth URI with a QR code for the app', async () => {
    const secret = newTotpSecret();
    expect(OTPAuth.Secret.fromBase32(secret).bytes.length).toBe(20);
    const { otpauthUri, qrCode } = await totpEnrolment(secret, {
      issuer: 'Trunkline',
      account: 'a@b.example',
    });
    const parsed = OTPAuth.URI.parse(otpauthUri) as OTPAuth.TOTP;
    expect(parsed.secret.base32).toBe(secret);
    expect(parsed.issuer).toBe('Trunkline');
    expect(parsed.label).toBe('a@b.example');
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qrCode.split(',')[1]!, 'base64').toString()).toContain('<svg');
  });

  it('makes distinct recovery codes whose hash ignores case, spaces and hyphens', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);
    const c = codes[0]!;
    expect(hashRecoveryCode(c.toLowerCase().replace(/-/g, ' '))).toBe(hashRecoveryCode(c));
    expect(hashRecoveryCode(codes[1]!)).not.toBe(hashRecoveryCode(c));
  });
});
