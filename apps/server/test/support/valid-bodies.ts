/**
 * A body that passes validation for each write route that names an object, so that a request reaches the scope
 * check (the access and isolation tests). `undefined`: the route takes no body.
 */
export const validBodies: Record<string, unknown> = {
  'PATCH /api/v1/channels/{id}': { name: 'Renamed' },
  'PATCH /api/v1/customers/{id}': { name: 'Renamed' },
  'PATCH /api/v1/users/{id}': { name: 'Renamed' },
  'PATCH /api/v1/services/{id}': { fullName: 'Renamed' },
  'POST /api/v1/services/{id}/authentication': { method: 'invite', email: 'it@example.com' },
  'PUT /api/v1/customers/{id}/service-draft': { fullName: 'Draft' },
  'POST /api/v1/services/{id}/connection/teams-role': undefined,
  'PUT /api/v1/services/{id}/m365-settings': {
    m365Domain: 'contoso.onmicrosoft.com',
    grantAdminAccess: { channelAdmins: true, customerAdmins: false },
  },
  'POST /api/v1/services/{id}/routing': { configureDns: true },
  'POST /api/v1/services/{id}/routing/retry': undefined,
  'POST /api/v1/services/{id}/offboarding': { confirmShortName: 'anything' },
  'POST /api/v1/services/{id}/sbc/preview': {},
  'POST /api/v1/services/{id}/sbc': { confirm: true },
  'POST /api/v1/services/{id}/health/check': undefined,
  'POST /api/v1/services/{id}/repair': undefined,
  'PUT /api/v1/services/{id}/number-ranges': { ranges: [{ range: '+4930123456' }] },
  // The import reads text/csv, or the same text as one JSON string: written as JSON here, since the access test
  // sends a string body as it is and the isolation test JSON-encodes it (either way a string reaches the route).
  'POST /api/v1/services/{id}/number-ranges/import': '"+4930123456"',
  'POST /api/v1/invitations/{id}/resend': undefined,
  'POST /api/v1/invitations/{id}/revoke': undefined,
  'PATCH /api/v1/sbcs/{id}': {
    name: 'Renamed SBC',
    kind: 'audiocodes',
    managementUrl: 'https://sbc1.provider.example',
    carrierFqdn: 'sbc1.provider.example',
    addresses: ['203.0.113.10'],
  },
  'POST /api/v1/sbcs/{id}/test': undefined,
  'PATCH /api/v1/sbc-templates/{id}': {
    name: 'Renamed template',
    model: 'shared-trunk',
    onboarding: `[ DialPlanRule ]
FORMAT Index = DialPlanName, RuleIndex, Name, Prefix, Tag;
{{#ranges}}
DialPlanRule {{row.DialPlanRule}} = "DP_Teams_Tenant", {{row.DialPlanRule}}, "{{shortName}}", "{{range}}", "{{customerFqdn}}";
{{/ranges}}
[ \\DialPlanRule ]
`,
    cleanup: `configure voip
{{#ranges}}
no sbc dial-plan-rule {{row.DialPlanRule}}
{{/ranges}}
exit
`,
  },
};
