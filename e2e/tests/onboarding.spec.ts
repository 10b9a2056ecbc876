import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.ts';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

/** Services → Add Service → Direct Routing → pick the customer → Select → Add New Tenant. */
async function openNewTenantForm(page: Page, customer: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click();
  await page.getByRole('button', { name: 'Add Service' }).click();
  await page.getByRole('menuitem', { name: 'Direct Routing' }).click();
  const dialog = page.getByRole('dialog', { name: 'Select customer' });
  await dialog.getByLabel('Customer').click();
  await dialog.getByLabel('Customer').fill(customer.slice(0, 6));
  await page.getByRole('option', { name: customer }).click();
  await dialog.getByRole('button', { name: 'Select' }).click();
  await expect(page).toHaveURL(/\/onboarding\/[0-9a-f-]{36}$/);
  await expect(page.getByText(customer).first()).toBeVisible();
  await page.getByRole('button', { name: 'Add New Tenant' }).click();
  await expect(page.getByLabel('Full Name of Service')).toBeFocused();
}

async function fillLicence(page: Page, users: string) {
  const licence = page.getByLabel('Licence type');
  if (!(await licence.inputValue())) {
    await licence.click();
    await page.getByRole('option', { name: 'Hosted Essentials+' }).click();
  }
  await expect(licence).toHaveValue('Hosted Essentials+');
  await page.getByLabel('Number of licensed users').fill(users);
  await page.getByRole('button', { name: 'Next' }).click();
}

test('onboarding a new tenant: inline short-name errors, then credentials and invitation', async ({
  page,
}) => {
  await signIn(page);
  const customer = 'Contoso Pharma';
  const created = await page.request.post('/api/v1/customers', {
    data: { name: customer },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(created.status()).toBe(201);

  await openNewTenantForm(page, customer);
  await page.getByLabel('Full Name of Service').fill('Contoso Teams calling');
  const shortName = page.getByLabel('Unique Short Name of Service');
  for (const [bad, message] of [
    ['bad.name', /dot/i],
    ['bad name', /spaces/i],
    ['ab', /at least 3/i],
    ['a:b', /not allowed: :/],
    ['größe', /DNS name/],
    ['!!!', /enter a subdomain/i],
  ] as const) {
    await shortName.fill(bad);
    await expect(page.getByText(message).first()).toBeVisible();
  }
  await shortName.fill('Contoso-01');
  await expect(page.getByText('contoso-01.sbc.trunkline.example')).toBeVisible();
  await expect(page.getByText(/available/i).first()).toBeVisible();
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, 'new-tenant-form.png'), fullPage: true });
  await shortName.press('Enter');

  await fillLicence(page, '20');
  await page.getByLabel('Username (UPN)').fill('admin@contoso.onmicrosoft.com');
  await page.getByLabel('Password', { exact: true }).fill('Tenant-Admin-Pass-1');
  await page.getByRole('button', { name: 'Proceed to Secure Token Connection' }).click();
  // The password is wrong: Microsoft issued no token.
  await expect(page.getByText('Connection failed').first()).toBeVisible();

  // The second service for the same customer goes by invitation; the first one's short name is taken now.
  await openNewTenantForm(page, customer);
  await page.getByLabel('Full Name of Service').fill('Contoso branch offices');
  await shortName.fill('CONTOSO-01');
  await expect(page.getByText(/another service has this short name/i).first()).toBeVisible();
  await shortName.fill('Contoso-02');
  await expect(page.getByText('contoso-02.sbc.trunkline.example')).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText(/480 remaining/i).first()).toBeVisible();
  await fillLicence(page, '10');
  await page.getByLabel('Send link to IT administrator for authentication').check();
  await page.getByLabel('IT administrator e-mail').fill('it@contoso.example');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText('Invitation sent — you can close this window')).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click();
  await expect(
    page.getByRole('row').filter({ hasText: 'Contoso-01' }).getByText('Connection failed'),
  ).toBeVisible();
  await expect(
    page.getByRole('row').filter({ hasText: 'Contoso-02' }).getByText('Invitation pending'),
  ).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'services.png'), fullPage: true });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'it@contoso.example' })).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'invitations.png'), fullPage: true });
});
