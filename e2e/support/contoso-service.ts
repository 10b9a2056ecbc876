import type { Page } from '@playwright/test';
import { expect, signIn } from './fixtures.ts';
import { apiOf, customerNamed, ensureRoutingSettingsSaved } from './world.ts';

/**
 * Signs in as the provider admin, makes sure the routing settings are saved, and creates through the API (the
 * onboarding spec covers the wizard) a service of "Secure Co" connected to contoso with its admin's credentials:
 * contoso belongs to Secure Co in the e2e world (one tenant, one customer). Used by the step-retries and SBC specs.
 */
export async function signInWithContosoService(page: Page, names: { fullName: string; shortName: string }) {
  await signIn(page);
  await ensureRoutingSettingsSaved(page);
  const api = apiOf(page);
  const customerId = await customerNamed(page, 'Secure Co');
  const created = await api.post('/services', {
    customerId,
    type: 'direct-routing',
    ...names,
    licenseType: 'hosted-essentials-plus',
    licensedUsers: 5,
    adminAuth: {
      method: 'credentials',
      username: 'admin@contoso.onmicrosoft.com',
      password: 'Contoso-Admin-1!',
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const svc = (await created.json()) as { id: string; trunkFqdn: string };
  return { api, customerId, svc };
}
