import type { EntraErrorKind } from '../microsoft/entra.ts';

/** What to tell the operator for each way a sign-in at Microsoft can fail, with the way forward. */
export const guidance: Record<EntraErrorKind, string> = {
  mfa_required:
    'The admin account must use multi-factor authentication, which a password sign-in cannot do. Send the invitation link to the IT administrator, or let them sign in interactively (Delegated Token).',
  invalid_credentials:
    'Microsoft rejected the username or password. Check them and try again, or send the invitation link to the IT administrator.',
  federated:
    'The account signs in through a federated identity provider, so its password cannot be used here. Send the invitation link to the IT administrator.',
  consent_required:
    "The provider's app is not yet consented in this tenant, and a password sign-in cannot grant consent. Send the invitation link so that an administrator consents.",
  unknown_tenant:
    "Microsoft knows no tenant for the domain of this username. Check the username (it must be the admin's UPN).",
  not_configured:
    'Microsoft 365 is not configured on this Trunkline (ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET). Ask the provider admin.',
  unavailable: 'Microsoft Entra ID could not be reached. Try again shortly.',
  rejected: 'Microsoft refused the sign-in.',
};
