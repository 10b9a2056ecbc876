import type { ConnectionStatus } from '@trunkline/contracts';

/** How the service was connected to Microsoft 365, in words. */
export const connectionMethodLabels: Record<NonNullable<ConnectionStatus['method']>, string> = {
  credentials: 'Admin credentials (one-time password sign-in)',
  delegated: 'Delegated token',
  'admin-consent': "Consent to the provider's app",
  'own-app': "Customer's own app registration",
};
