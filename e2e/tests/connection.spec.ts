import type { Page } from '@playwright/test';
import { expect, signIn, screenshot, test } from '../support/fixtures.ts';

const inbox = () => process.env.E2E_INBOX_URL!;

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

/** The invitation link from the e-mail that reached `to` in the mail sink. */
async function linkFromMail(to: string): Promise<string> {
  let link = '';
  await expect(async () => {
    const messages = (await (await fetch(`${inbox()}/api/messages`)).json()) as {
      to: string[];
      text: string;
    }[];
    const mail = messages.find((m) => m.to.includes(to));
    link = /(http\S+\/invite\/[A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(link).not.toBe('');
  }).toPass({ timeout: 30_000 });
  return link;
}

test('invitation e-mail → link → Microsoft admin consent → connected', async ({ page, context }) => {
  await signIn(page);
  const svc = await createService(page, {
    fullName: 'Secure by consent',
    shortName: 'secure-1',
    adminAuth: { method: 'invite', email: 'it@secure.example' },
  });

  // The e-mail arrives in the mail sink with the link.
  const link = await linkFromMail('it@secure.example');

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

/** The invitation link of a new service, as the operator copies it from the Invitations page. */
/** A new service with an invitation, and the link from the e-mail its IT administrator received. */
async function invitationLink(
  page: Page,
  body: { adminAuth: { method: 'invite'; email: string } } & Record<string, unknown>,
) {
  const svc = await createService(page, body);
  return { svc, link: await linkFromMail(body.adminAuth.email) };
}

test('the other two paths: delegated token and the customer’s own app registration → connected', async ({
  page,
  context,
  consoleGuard,
}) => {
  // A wrong client secret is refused on purpose below (422 naming the field).
  consoleGuard.allow(/\/api\/v1\/invitations\/own-app\)/);
  await signIn(page);

  // Delegated token: the admin signs in at Microsoft (authorization code with PKCE).
  const delegated = await invitationLink(page, {
    fullName: 'Secure by delegation',
    shortName: 'secure-deleg',
    adminAuth: { method: 'invite' as const, email: 'deleg@secure.example' },
  });
  const itAdmin = await context.browser()!.newPage();
  await itAdmin.goto(delegated.link);
  await itAdmin.getByRole('button', { name: 'Sign in as administrator (delegated token)' }).click();
  await itAdmin.getByLabel('Email or username').fill('admin@contoso.onmicrosoft.com');
  await itAdmin.getByLabel('Password').fill('Contoso-Admin-1!');
  const orgConsent = itAdmin.getByLabel('Consent on behalf of your organization');
  if (await orgConsent.count()) await orgConsent.check();
  await itAdmin.getByRole('button', { name: 'Accept' }).click();
  await expect(itAdmin.getByText('Connected — you can close this window')).toBeVisible();

  // The operator's service page follows by itself: connected, then the role for the automation is assigned.
  await page.goto(`/services/${delegated.svc.id}`);
  await expect(page.getByText('Method: Delegated token')).toBeVisible();
  const role = page.getByLabel('Teams Administrator role');
  await expect(role.getByText('Assigned', { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(role.getByText(/assigned to the app .* with the admin's sign-in/)).toBeVisible();

  // Own app registration: the customer's app, checked by a token and its application permissions.
  const own = await invitationLink(page, {
    fullName: 'Secure by own app',
    shortName: 'secure-own',
    adminAuth: { method: 'invite' as const, email: 'own@secure.example' },
  });
  const ownAdmin = await context.browser()!.newPage();
  await ownAdmin.goto(own.link);
  await ownAdmin.getByLabel('Directory (tenant) ID').fill('4b218318-131d-4d7c-ad86-12594fda0d94');
  await ownAdmin.getByLabel('Application (client) ID').fill('c0a7e7b1-3f5d-4b8e-9a26-5d1f0c3b7e42');
  await ownAdmin.getByLabel('Client secret value').fill('not the secret');
  await ownAdmin.getByRole('button', { name: 'Connect with my app' }).click();
  await expect(ownAdmin.getByText(/Microsoft refused a token for this app/)).toBeVisible();
  await ownAdmin.getByLabel('Client secret value').fill('Ctso~own-app.secret-0001');
  await ownAdmin.getByRole('button', { name: 'Connect with my app' }).click();
  await expect(ownAdmin.getByText('Connected — you can close this window')).toBeVisible();
  await page.goto(`/services/${own.svc.id}`);
  await expect(page.getByText("Method: Customer's own app registration")).toBeVisible();
  // No delegated sign-in is kept for an app: the admin gets the exact steps for the role.
  await expect(page.getByLabel('Teams Administrator role').getByText('Missing', { exact: true })).toBeVisible(
    {
      timeout: 20_000,
    },
  );
  await expect(page.getByText(/Roles & admins/)).toBeVisible();
});

test('M365 settings (step 9), then a customer admin signs in with Microsoft', async ({
  page,
  browser,
  consoleGuard,
}) => {
  // An app without CallRecords.Read.All is refused on purpose below (422 naming the field).
  consoleGuard.allow(/\/m365-settings\)/);
  await signIn(page);
  const svc = await createService(page, {
    fullName: 'Settings by browser',
    shortName: 'secure-settings',
    adminAuth: {
      method: 'credentials',
      username: 'admin@contoso.onmicrosoft.com',
      password: 'Contoso-Admin-1!',
    },
  });
  expect(svc.status).toBe('connected');
  await page.goto(`/services/${svc.id}`);
  const settings = page.getByRole('region', { name: 'M365 settings' });
  await expect(settings.getByLabel('Tenant ID')).toHaveValue('4b218318-131d-4d7c-ad86-12594fda0d94');
  await expect(settings.getByLabel('M365 Domain (Override Admin Domain)')).toHaveValue(
    'contoso.onmicrosoft.com (initial)',
  );
  await settings.getByLabel('Customer admins').check();
  await settings.getByLabel('Application ID (Client ID)').fill('c0a7e7b1-3f5d-4b8e-9a26-5d1f0c3b7e42');
  await settings.getByLabel('Client secret').fill('Ctso~own-app.secret-0001');
  await settings.getByRole('button', { name: 'Save and continue' }).click();
  // That app has no CallRecords.Read.All: the field says so and nothing is saved.
  await expect(settings.getByText(/lacks the application permission CallRecords.Read.All/)).toBeVisible();
  await settings.getByLabel('Application ID (Client ID)').fill('d4b1c9e3-6a2f-4c7d-8e15-9f3a7b2c0d61');
  await settings.getByLabel('Client secret').fill('Ctso~notify-app.secret-0001');
  await settings.getByRole('button', { name: 'Save and continue' }).click();
  await expect(settings.getByText(/Next: step 10/)).toBeVisible();
  await expect(settings.getByText(/Configured: d4b1c9e3-6a2f-4c7d-8e15-9f3a7b2c0d61/)).toBeVisible();
  await page.screenshot({ path: screenshot('m365-settings.png'), fullPage: true });

  // Someone of contoso signs in with Microsoft and lands as customer admin of this customer.
  const guest = await browser.newContext();
  const alice = await guest.newPage();
  await alice.goto('/login');
  await alice.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await alice.getByLabel('Work e-mail').fill('alice@contoso.com');
  await alice.getByRole('button', { name: 'Continue with Microsoft' }).click();
  // Microsoft's page, with the e-mail filled in from login_hint.
  await expect(alice.getByLabel('Email or username')).toHaveValue('alice@contoso.com');
  await alice.getByLabel('Password').fill('Contoso-User-1!');
  await alice.getByRole('button', { name: 'Accept' }).click();
  await expect(alice).toHaveURL(/\/services/);
  const me = await (await alice.request.get('/api/v1/me')).json();
  expect(me).toMatchObject({ role: 'customer_admin', email: 'alice@contoso.com' });
  await expect(alice.getByRole('link', { name: 'Settings by browser' })).toBeVisible();
  await guest.close();
});
