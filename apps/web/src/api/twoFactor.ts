import type {
  LoginBody,
  Me,
  RecoveryCodes,
  SignInChallenge,
  TwoFactorEnrolment,
  TwoFactorSignIn,
  TwoFactorSignedIn,
  TwoFactorStatus,
} from '@trunkline/contracts';
import { api, request } from './client.ts';

/** The password step: the signed-in user, or (202) a challenge for the second step. */
export const signInWithPassword = (body: LoginBody) =>
  request<Me | SignInChallenge>('POST', '/session', { body, redirectOn401: false });

export const isChallenge = (r: Me | SignInChallenge): r is SignInChallenge => 'challenge' in r;

export const twoFactor = {
  key: ['/me/two-factor'] as const,
  status: () => api.get<TwoFactorStatus>('/me/two-factor'),
  startEnrolment: () => api.post<TwoFactorEnrolment>('/me/two-factor/enrolment'),
  confirmEnrolment: (code: string) => api.post<RecoveryCodes>('/me/two-factor/enrolment/confirm', { code }),
  newRecoveryCodes: (code: string) => api.post<RecoveryCodes>('/me/two-factor/recovery-codes', { code }),
  disable: (code: string) => api.post<void>('/me/two-factor/disable', { code }),
  /** Second step of a sign-in. */
  signIn: (body: TwoFactorSignIn) =>
    request<TwoFactorSignedIn>('POST', '/session/two-factor', { body, redirectOn401: false }),
  /** A sign-in that must set up two-factor first: the new secret for this challenge. */
  enrolForSignIn: (challenge: string) =>
    request<TwoFactorEnrolment>('POST', '/session/two-factor/enrolment', {
      body: { challenge },
      redirectOn401: false,
    }),
};
