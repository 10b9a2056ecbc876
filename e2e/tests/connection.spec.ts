import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { admin, expect, test } from '../support/fixtures.ts';

const inbox = () => process.env.E2E_INBOX_URL!;
const screenshot = (name: string) =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots', name);

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** Creates a service through the API as the signed-in operator (the wizard itself has its own spec). */
async function createService(page: Page, body: Record<string, unknown>) {
  const origin = new URL(page.url()).origin;
  const customers = await (await page.request.get('/api/v1/customers?q=Secure%20Co')).json();
  const customerId =
    customers.items[0]?.id ??
    (
      await (
        await page.request.post('/api/v1/customers', { data: { name: 'Secure Co' }, headers: { origin } })
      ).json()
    ).id;
  const res = await page.request.post('/api/v1/services', {
    data: {
      customerId,
      type: 'direct-routing',
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      ...body,
    },
    headers: { origin },
  });
  expect(res.status()).toBe(201);
  return res.json();
}

test('invitation e-mail → link → Microsoft admin consent → connected', async ({ page, context }) => {
  await signIn(page);
  const svc = await createService(page, {
    fullName: 'Secure by consent',
    shortName: 'secure-1',
    adminAuth: { method: 'invite', email: 'it@secure.example' },
  });

  // The e-mail arrives in the mail sink with the link.
  let link = '';
  await expect(async () => {
    const messages = (await (await fetch(`${inbox()}/api/messages`)).json()) as {
      to: string[];
      text: string;
    }[];
    const mail = messages.find((m) => m.to.includes('it@secure.example'));
    link = /(http\S+\/invite\/[A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(link).not.toBe('');
  }).toPass({ timeout: 30_000 });

  // The IT admin opens it in a browser without a Trunkline account.
  const itAdmin = await context.browser()!.newPage();
  await itAdmin.goto(link);
  await expect(itAdmin.getByText('This link is valid')).toBeVisible();
  await itAdmin.getByRole('button', { name: 'Sign in to Microsoft and consent' }).click();
  // Microsoft's (emulated) admin-consent page.
  await itAdmin.getByLabel('Email or username').fill('admin@contoso.onmicrosoft.com');
  await itAdmin.getByLabel('Password').fill('Contoso-Admin-1!');
  const orgConsent = itAdmin.getByLabel('Consent on behalf of your organization');
  if (await orgConsent.count()) await orgConsent.check();
  await itAdmin.getByRole('button', { name: 'Accept' }).click();
  await expect(itAdmin.getByText('Connected — you can close this window')).toBeVisible();
  await expect(itAdmin.getByText('This link has already been used')).toBeVisible();

  // The operator sees the service connected and the invitation completed.
  await page.goto(`/services/${svc.id}`);
  await expect(page.getByRole('heading', { name: 'Microsoft 365 connection' })).toBeVisible();
  await expect(page.getByText("Method: Consent to the provider's app")).toBeVisible();
  await expect(page.getByText('Tenant ID: 4b218318-131d-4d7c-ad86-12594fda0d94')).toBeVisible();
  await page.screenshot({ path: screenshot('connection.png'), fullPage: true });
  const status = await (await page.request.get(`/api/v1/services/${svc.id}/connection`)).json();
  expect(status).toMatchObject({ state: 'connected', method: 'admin-consent' });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
  await expect(
    page.getByRole('row').filter({ hasText: 'it@secure.example' }).getByText('Completed'),
  ).toBeVisible();
});

test('the MFA tenant gets the fallback message, and a forged tenant on the consent redirect is refused', async ({
  page,
  context,
}) => {
  await signIn(page);
  const mfa = await createService(page, {
    fullName: 'MFA tenant',
    shortName: 'secure-mfa',
    adminAuth: {
      method: 'credentials',
      username: 'admin@fabrikam.onmicrosoft.com',
      password: 'Fabrikam-Admin-1!',
    },
  });
  expect(mfa.status).toBe('awaiting-token');
  expect(mfa.connection.message).toMatch(/multi-factor.*invitation link/i);

  // The operator follows the advice from the service page: re-initiate with an invitation link.
  await page.goto(`/services/${mfa.id}`);
  await expect(page.getByText(/multi-factor/i).first()).toBeVisible();
  await page.getByRole('button', { name: 'Re-initiate authentication flow' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Send link to IT administrator for authentication').check();
  await dialog.getByLabel('IT administrator e-mail').fill('it@fabrikam.example');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText('Invitation sent to it@fabrikam.example.')).toBeVisible();
  await expect(page.getByText('Pending invitation').first()).toBeVisible();

  const svc = await createService(page, {
    fullName: 'Forgery target',
    shortName: 'secure-forge',
    adminAuth: { method: 'invite', email: 'forge@secure.example' },
  });
  const { link } = await (await page.request.get(`/api/v1/invitations/${svc.invitation.id}/link`)).json();
  const token = link.split('/invite/')[1];
  const start = await page.request.post('/api/v1/invitations/consent', {
    data: { token },
    headers: { origin: new URL(page.url()).origin },
  });
  const state = new URL((await start.json()).redirectUrl).searchParams.get('state')!;
  // Instead of consenting, an attacker sends the browser straight back with a tenant of their choosing.
  const attacker = await context.browser()!.newPage();
  await attacker.goto(
    `${new URL(page.url()).origin}/api/v1/microsoft/consent/callback?admin_consent=True&tenant=07ada28e-e5a7-442e-8ce2-9f32884e4e38&state=${state}`,
  );
  await expect(attacker.getByText('The connection could not be confirmed')).toBeVisible();
  const after = await (await page.request.get(`/api/v1/services/${svc.id}`)).json();
  expect(after.status).toBe('pending-invitation');
});
