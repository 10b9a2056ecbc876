import type { SubscribedSku } from '../microsoft/tenant-directory.ts';

/**
 * Licences that activate a new subdomain for Direct Routing: a user whose UPN is on the domain must hold one of
 * these, with Microsoft Teams enabled (reference §5.2 step 9, §5.3). Data, because the sources disagree: this is
 * Microsoft's current list ("Configure a Session Border Controller for multiple tenants",
 * https://learn.microsoft.com/microsoftteams/direct-routing-sbc-multiple-tenants: Office 365 E1/E3/E5/A3/A5,
 * Microsoft 365 E3/E5/A3/A5, F1/F3, Business Basic/Standard/Premium, G3/G5, Teams Shared Devices, Teams Phone
 * Resource Account); older versions of the page said E1/E3/E5, or E3/E5 only. Part numbers from Microsoft's
 * "Product names and service plan identifiers for licensing"
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference). Teams Phone (MCOEV) or a
 * Teams-only licence (Teams Exploratory) alone does not activate a domain.
 */
export const ACTIVATION_LICENCES: readonly { skuPartNumber: string; name: string }[] = [
  { skuPartNumber: 'STANDARDPACK', name: 'Office 365 E1' },
  { skuPartNumber: 'ENTERPRISEPACK', name: 'Office 365 E3' },
  { skuPartNumber: 'ENTERPRISEPREMIUM', name: 'Office 365 E5' },
  { skuPartNumber: 'ENTERPRISEPREMIUM_NOPSTNCONF', name: 'Office 365 E5 without Audio Conferencing' },
  { skuPartNumber: 'SPE_E3', name: 'Microsoft 365 E3' },
  { skuPartNumber: 'SPE_E5', name: 'Microsoft 365 E5' },
  { skuPartNumber: 'ENTERPRISEPACK_FACULTY', name: 'Office 365 A3 for faculty' },
  { skuPartNumber: 'ENTERPRISEPREMIUM_FACULTY', name: 'Office 365 A5 for faculty' },
  { skuPartNumber: 'M365EDU_A3_FACULTY', name: 'Microsoft 365 A3 for faculty' },
  { skuPartNumber: 'M365EDU_A5_FACULTY', name: 'Microsoft 365 A5 for faculty' },
  { skuPartNumber: 'SPE_F1', name: 'Microsoft 365 F3' },
  { skuPartNumber: 'M365_F1', name: 'Microsoft 365 F1' },
  { skuPartNumber: 'DESKLESSPACK', name: 'Office 365 F3' },
  { skuPartNumber: 'O365_BUSINESS_ESSENTIALS', name: 'Microsoft 365 Business Basic' },
  { skuPartNumber: 'O365_BUSINESS_PREMIUM', name: 'Microsoft 365 Business Standard' },
  { skuPartNumber: 'SPB', name: 'Microsoft 365 Business Premium' },
  { skuPartNumber: 'ENTERPRISEPACK_GOV', name: 'Office 365 G3 (GCC)' },
  { skuPartNumber: 'ENTERPRISEPREMIUM_GOV', name: 'Office 365 G5 (GCC)' },
  { skuPartNumber: 'MCOCAP', name: 'Microsoft Teams Shared Devices' },
  { skuPartNumber: 'PHONESYSTEM_VIRTUALUSER', name: 'Microsoft Teams Phone Resource Account' },
];

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether a SKU part number activates a domain. */
export const activates = (skuPartNumber: string) =>
  ACTIVATION_LICENCES.some((l) => same(l.skuPartNumber, skuPartNumber));

/**
 * The tenant's licences that activate a domain, in the order to try them: the provider's preferences first (those
 * that activate; the others are ignored), then every other activating licence the tenant holds, in the list's order.
 */
export const activationCandidates = (preferences: string[], skus: SubscribedSku[]): SubscribedSku[] => {
  const ordered = [
    ...preferences.filter(activates),
    ...ACTIVATION_LICENCES.map((l) => l.skuPartNumber).filter((p) => !preferences.some((x) => same(x, p))),
  ];
  return ordered.flatMap((p) => skus.filter((s) => same(s.skuPartNumber, p)));
};

export const hasFreeUnits = (s: SubscribedSku) => s.prepaidUnits.enabled - s.consumedUnits > 0;

/** The list in words, for messages. */
export const ACTIVATING_SUMMARY =
  'Office 365 E1/E3/E5, Microsoft 365 E3/E5, A3/A5, F1/F3, Microsoft 365 Business Basic/Standard/Premium or G3/G5 (with Teams)';
