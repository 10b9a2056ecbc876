import { z } from 'zod';
import { TimestampSchema } from './common.ts';
import { MeSchema } from './auth.ts';

/** A six-digit code of the authenticator app, or a recovery code (`XXXX-XXXX-XXXX-XXXX`). */
export const SecondFactorCodeSchema = z
  .string({ error: 'Required.' })
  .trim()
  .min(6, { error: 'Enter the six-digit code or a recovery code.' })
  .max(40, { error: 'At most 40 characters.' })
  .regex(/^[0-9A-Za-z\s-]+$/, { error: 'Enter the six-digit code or a recovery code.' });

/**
 * The answer to a correct password when a second factor is needed: no session yet, only a short-lived
 * challenge for the second step. `enrol`: the role requires two-factor sign-in and it must be set up first.
 */
export const SignInChallengeSchema = z.object({
  twoFactor: z.enum(['verify', 'enrol']),
  challenge: z.string(),
  expiresAt: TimestampSchema,
});
export type SignInChallenge = z.infer<typeof SignInChallengeSchema>;

export const TwoFactorSignInSchema = z.object({
  challenge: z.string({ error: 'Required.' }).min(1).max(200),
  code: SecondFactorCodeSchema,
});
export type TwoFactorSignIn = z.infer<typeof TwoFactorSignInSchema>;

export const TwoFactorChallengeSchema = z.object({
  challenge: z.string({ error: 'Required.' }).min(1).max(200),
});

/** The second step's answer: the signed-in user; recovery codes when this sign-in enrolled (shown once). */
export const TwoFactorSignedInSchema = MeSchema.extend({ recoveryCodes: z.array(z.string()).optional() });
export type TwoFactorSignedIn = z.infer<typeof TwoFactorSignedInSchema>;

/** A new TOTP secret to scan; it becomes active once a first code confirms it. */
export const TwoFactorEnrolmentSchema = z.object({
  secret: z.string(),
  otpauthUri: z.string(),
  /** The otpauth URI as an SVG QR code, a data: URL. */
  qrCode: z.string(),
});
export type TwoFactorEnrolment = z.infer<typeof TwoFactorEnrolmentSchema>;

export const TwoFactorCodeBodySchema = z.object({ code: SecondFactorCodeSchema });
export type TwoFactorCodeBody = z.infer<typeof TwoFactorCodeBodySchema>;

/** Recovery codes, shown in this response only; the server keeps their hashes. */
export const RecoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) });
export type RecoveryCodes = z.infer<typeof RecoveryCodesSchema>;

export const TwoFactorStatusSchema = z.object({
  enabled: z.boolean(),
  enabledAt: TimestampSchema.nullable(),
  recoveryCodesLeft: z.number().int(),
  /** Whether the provider requires it for this user's role (then it cannot be turned off). */
  required: z.boolean(),
});
export type TwoFactorStatus = z.infer<typeof TwoFactorStatusSchema>;
