import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { admin, expect, test } from '../support/fixtures.ts';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

test('the provider admin signs in, sees the navigation and creates a customer', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login(\?|$)/);

  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  await expect(page).not.toHaveURL(/\/login/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const item of ['Services', 'Customers', 'Channels', 'Users', 'Audit', 'Settings']) {
    await expect(nav.getByRole('link', { name: item })).toBeVisible();
  }

  await nav.getByRole('link', { name: 'Customers' }).click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByRole('heading', { name: 'Customers' })).toBeVisible();

  const name = 'Contoso Ltd'; // the database is fresh for every run
  await page.getByRole('button', { name: 'New customer' }).click();
  const dialog = page.getByRole('dialog', { name: 'New customer' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create customer' }).click();
  await expect(dialog).toBeHidden();

  await expect(page.getByRole('row').filter({ hasText: name })).toBeVisible();
  // Reloading shows it too: it was stored, not only added to the page.
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: name })).toBeVisible();

  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, 'customers.png') });
});
