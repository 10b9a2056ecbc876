import { Resolver } from 'node:dns/promises';
import { expect, signIn, screenshot, test } from '../support/fixtures.ts';
import { customerNamed } from '../support/world.ts';

/** What the provider's DNS answers for a name (the e2e DNS emulator). */
async function resolveA(name: string) {
  const resolver = new Resolver();
  resolver.setServers([process.env.E2E_DNS_ADDRESS!]);
  return resolver.resolve4(name).catch(() => [] as string[]);
}

test('default routing: settings → plan preview → configure with live steps → active → remove service', async ({
  page,
}) => {
  await signIn(page);

  // The provider admin reviews and saves the default-routing settings (the DNS server comes from the machine).
  await page.goto('/settings');
  const routing = page.getByRole('region', { name: 'Default routing' });
  await expect(routing.getByLabel('SBC addresses')).toHaveValue('198.51.100.10');
  // Another spec of the same world may have saved them already.
  if (await routing.getByText(/Not saved yet/).isVisible()) {
    await routing.getByRole('button', { name: 'Save' }).click();
    await expect(routing.getByText(/Not saved yet/)).toBeHidden();
  }

  // A service connected through the credentials path.
  const origin = new URL(page.url()).origin;
  // Contoso's tenant belongs to one customer on the portal (the connection spec's "Secure Co" when it ran first).
  const customer = { id: await customerNamed(page, 'Secure Co') };
  const created = await page.request.post('/api/v1/services', {
    headers: { origin },
    data: {
      customerId: customer.id,
      type: 'direct-routing',
      fullName: 'Routing by browser',
      shortName: 'route-e2e',
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: {
        method: 'credentials',
        username: 'admin@contoso.onmicrosoft.com',
        password: 'Contoso-Admin-1!',
      },
    },
  });
  expect(created.status()).toBe(201);
  const svc = await created.json();

  await page.goto(`/services/${svc.id}`);
  const panel = page.getByRole('region', { name: 'Default routing' });
  await expect(panel.getByLabel('Also configure the DNS server')).toBeChecked();
  await panel.getByRole('button', { name: 'Preview the plan' }).click();
  const plan = panel.getByRole('table', { name: 'Plan preview' });
  await expect(plan.getByRole('row').filter({ hasText: 'A record' })).toContainText('create');
  await expect(plan.getByRole('row').filter({ hasText: 'activation user' })).toContainText(
    `trunkline-activation@${svc.trunkFqdn}`,
  );
  await page.screenshot({ path: screenshot('routing-plan.png'), fullPage: true });

  // Microsoft takes a few seconds to accept the new domain (as it can take hours for real): the run waits.
  await fetch(`${process.env.E2E_M365_URL}/_control/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ teamsActivationDelaySeconds: 10 }),
  });
  await panel.getByRole('button', { name: 'Configure M365 default routing' }).click();
  // The customer's Onboarding view follows the run live.
  const onboarding = await page.context().newPage();
  await onboarding.goto(`/onboarding/${customer.id}`);
  const activity = onboarding.getByRole('region', { name: 'Routing under way' });
  await expect(
    activity.getByText(/PSTN usage, voice route and voice routing policy: Microsoft does not accept/),
  ).toBeVisible({
    timeout: 30_000,
  });
  await onboarding.screenshot({ path: screenshot('routing-onboarding-view.png'), fullPage: true });
  await expect(activity).toBeHidden({ timeout: 60_000 });
  await onboarding.close();
  await fetch(`${process.env.E2E_M365_URL}/_control/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ teamsActivationDelaySeconds: 0 }),
  });
  await expect(panel.getByLabel('Routing run status')).toHaveText('succeeded', { timeout: 60_000 });
  for (const step of ['dns', 'domain', 'activation', 'voice-routing'])
    await expect(panel.locator(`[data-step="${step}"]`)).toContainText('succeeded');
  await expect(page.getByText('Active', { exact: true }).first()).toBeVisible();
  // The A record points at the service's SBC: the default SBC of the e2e world, whose SIP listener is on loopback.
  expect(await resolveA(svc.trunkFqdn)).toEqual(['127.0.0.1']);
  await page.screenshot({ path: screenshot('routing-active.png'), fullPage: true });

  // Offboarding, confirmed by the short name.
  await panel.getByRole('button', { name: 'Remove service' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(svc.trunkFqdn);
  await dialog.getByLabel('Type route-e2e to confirm').fill('route-e2e');
  await dialog.getByRole('button', { name: 'Remove service' }).click();
  await expect(panel.getByText('The service was removed from the tenant and from DNS.')).toBeVisible({
    timeout: 60_000,
  });
  expect(await resolveA(svc.trunkFqdn)).toEqual([]);
});
