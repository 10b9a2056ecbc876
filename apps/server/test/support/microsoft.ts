import { expect } from 'vitest';
import { loadDefaultSeed, type Seed } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from './client.ts';
import type { TestServer } from './server.ts';

/** A Direct Routing service with an invitation, created by `admin`, and the token of its link. */
export async function inviteService(admin: Client, customerId: string, name: string) {
  const svc = expectStatus(
    await admin.post('/api/v1/services', {
      customerId,
      type: 'direct-routing',
      fullName: `Service ${name}`,
      shortName: name,
      licenseType: 'hosted-essentials-plus',
      licensedUsers: 5,
      adminAuth: { method: 'invite', email: `it-${name}@example.com` },
    }),
    201,
  );
  const { link } = expectStatus(await admin.get(`/api/v1/invitations/${svc.invitation.id}/link`), 200);
  return { svc, token: link.split('/invite/')[1] as string };
}

/**
 * Opens one of Microsoft's (emulated) sign-in or consent pages and submits it as a browser would;
 * answers where Microsoft redirects.
 */
export async function submitMicrosoftPage(pageUrl: string, fields: Record<string, string>) {
  const u = new URL(pageUrl);
  expect((await fetch(u)).status).toBe(200);
  const res = await fetch(`${u.origin}${u.pathname}`, {
    method: 'POST',
    body: new URLSearchParams({ ...Object.fromEntries(u.searchParams), ...fields }),
    redirect: 'manual',
  });
  expect(res.status, await res.clone().text()).toBe(302);
  return new URL(res.headers.get('location')!);
}

/** Follows Microsoft's redirect to Trunkline's callback; answers where Trunkline sends the browser. */
export async function followCallback(server: TestServer, url: URL) {
  const res = await fetch(`${server.url}${url.pathname}${url.search}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

/**
 * The default seed plus a single-tenant app registered in contoso with the Graph application permissions the
 * automation needs (the customer's own app registration); consented by contoso's admin when `consented`.
 */
export function seedWithContosoApp(app: {
  appId: string;
  secret: string;
  displayName: string;
  consented: boolean;
}): Seed {
  const seed = structuredClone(loadDefaultSeed());
  const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
  seed.apps.push({
    appId: app.appId,
    displayName: app.displayName,
    ownerTenantId: contoso.id,
    publicClient: false,
    clientSecrets: [app.secret],
    redirectUris: [],
    requiredResourceAccess: [
      {
        resource: 'https://graph.microsoft.com',
        roles: [
          'Organization.Read.All',
          'Domain.ReadWrite.All',
          'User.ReadWrite.All',
          'LicenseAssignment.ReadWrite.All',
        ],
        scopes: [],
      },
    ],
  });
  if (app.consented) contoso.consentedApps.push(app.appId);
  return seed;
}
