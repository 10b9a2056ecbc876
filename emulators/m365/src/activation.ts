import type { Tenant } from './state.ts';

/**
 * Domain activation for Direct Routing (reference §5.2 step 9, §5.3): a new subdomain can be used as a (derived)
 * trunk only after a user whose UPN is on it holds a *qualifying* licence with Teams enabled, and after Microsoft
 * has propagated that (up to 24 hours; the emulator's `teamsActivationDelaySeconds`). Until then the Teams admin API
 * answers "Cannot find specified Gateway".
 *
 * Which licences qualify is data, since the sources disagree (reference §5.3):
 * - [MS] "Configure a Session Border Controller for multiple tenants" (current,
 *   https://learn.microsoft.com/microsoftteams/direct-routing-sbc-multiple-tenants): Office 365 E1/E3/E5/A3/A5,
 *   Microsoft 365 E3/E5/A3/A5, F1/F3, Business Basic/Standard/Premium, G3/G5, Teams Shared Devices, Teams Phone
 *   Resource Account (resource accounts).
 * - [MS] older versions of the same page: E1/E3/E5 only; the older "connect the SBC" page: E3 or E5.
 * - [3P] Evolve IP: since 1 April 2024 the "no Teams" E-plans need Microsoft Teams Enterprise added.
 * - [3P] AudioCodes Live Platform: Microsoft 365 E5 (no Teams), Teams Enterprise, Office 365 E1/E3 with Teams Phone.
 * The emulator takes the current Microsoft list; a licence on it counts only while the user also has a Teams
 * service plan enabled (so a "no Teams" plan needs Teams Enterprise beside it). A Teams-only licence (e.g. Teams
 * Exploratory, TEAMS1 alone) or Teams Phone (MCOEV) alone does not activate a domain.
 * SKU part numbers: Microsoft's "Product names and service plan identifiers for licensing"
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference).
 */
export const QUALIFYING_SKUS: readonly { skuPartNumber: string; name: string }[] = [
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

/** Service plans that are Microsoft Teams itself (not Teams Phone, MCOEV). */
const TEAMS_PLANS = new Set(['TEAMS1', 'TEAMS_GOV', 'TEAMS_AR_GCCHIGH', 'TEAMS_AR_DOD']);

const qualifying = new Set(QUALIFYING_SKUS.map((s) => s.skuPartNumber.toLowerCase()));

/**
 * When a domain was activated: the earliest moment a user with a UPN on it held a qualifying licence while a Teams
 * plan was enabled among its licences; null while none does. Seeded licences count as long ago (0).
 */
export const activatedSince = (tenant: Tenant, domain: string): number | null => {
  let since: number | null = null;
  const skuOf = (skuId: string) => tenant.skus.find((s) => s.skuId === skuId);
  for (const u of tenant.users) {
    if (!u.userPrincipalName.toLowerCase().endsWith(`@${domain.toLowerCase()}`)) continue;
    const teams = u.assignedLicenses.filter((l) =>
      skuOf(l.skuId)?.servicePlans.some(
        (p) => TEAMS_PLANS.has(p.servicePlanName) && !l.disabledPlans.includes(p.servicePlanId),
      ),
    );
    if (!teams.length) continue;
    const teamsSince = Math.min(...teams.map((l) => l.assignedAt ?? 0));
    for (const l of u.assignedLicenses) {
      const part = skuOf(l.skuId)?.skuPartNumber.toLowerCase();
      if (!part || !qualifying.has(part)) continue;
      const at = Math.max(l.assignedAt ?? 0, teamsSince);
      since = Math.min(since ?? Infinity, at);
    }
  }
  return since;
};
